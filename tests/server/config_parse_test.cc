// Tests for redis.conf's lexical rules (server/config_parse.h): line splitting with quotes and
// escapes, quoting back, CONFIG SET's space splitting, memory units and strtoll-style integers.
#include "server/config_parse.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace keel::server {
namespace {

using Words = std::vector<std::string>;

Words Split(std::string_view line) {
  auto words = SplitConfigLine(line);
  REQUIRE(words.has_value());
  return *words;
}

TEST_CASE("blank lines and runs of blanks give no empty words", "[config_parse]") {
  CHECK(Split("").empty());
  CHECK(Split("   \t  ").empty());
  CHECK(Split("port 7000") == Words{"port", "7000"});
  CHECK(Split("  bind \t 127.0.0.1   ::1  ") == Words{"bind", "127.0.0.1", "::1"});
}

TEST_CASE("double quotes understand C escapes and two-digit hex", "[config_parse]") {
  CHECK(Split(R"(requirepass "a b\n\r\t\a\b\"\\")") == Words{"requirepass", "a b\n\r\t\a\b\"\\"});
  CHECK(Split(R"(x "\x41\x7a\xff")") == Words{"x", "Az\xff"});
  // \x with fewer than two hex digits is the escaped letter 'x' followed by the rest.
  CHECK(Split(R"(x "\x4")") == Words{"x", "x4"});
  // Any other escaped character stands for itself.
  CHECK(Split(R"(x "\q\'")") == Words{"x", "q'"});
  CHECK(Split(R"(x "")") == Words{"x", ""});
}

TEST_CASE("single quotes understand only an escaped single quote", "[config_parse]") {
  CHECK(Split(R"(dbfilename 'it\'s.rdb')") == Words{"dbfilename", "it's.rdb"});
  CHECK(Split(R"(x 'a\nb"c')") == Words{"x", R"(a\nb"c)"});
  CHECK(Split("x ''") == Words{"x", ""});
}

TEST_CASE("a quote inside an unquoted word opens a quoted part of it", "[config_parse]") {
  CHECK(Split(R"(foo"bar baz" next)") == Words{"foobar baz", "next"});
  CHECK(Split("a'b c'") == Words{"ab c"});
}

TEST_CASE("only space, tab, CR and LF end an unquoted word", "[config_parse]") {
  CHECK(Split("a\vb c") == Words{"a\vb", "c"});
  CHECK(Split("a\rb") == Words{"a", "b"});
}

TEST_CASE("a closing quote glued to more text is refused", "[config_parse]") {
  CHECK_FALSE(SplitConfigLine(R"(port "7"x)").has_value());
  CHECK_FALSE(SplitConfigLine("port '7'x").has_value());
  CHECK(SplitConfigLine("port \"7\"\tx").has_value());
}

TEST_CASE("unterminated quotes are refused", "[config_parse]") {
  CHECK_FALSE(SplitConfigLine(R"(port "7107)").has_value());
  CHECK_FALSE(SplitConfigLine("port '7107").has_value());
  CHECK_FALSE(SplitConfigLine(R"(port "ends with backslash\)").has_value());
}

TEST_CASE("QuoteConfigWord escapes like sdscatrepr", "[config_parse]") {
  CHECK(QuoteConfigWord("7000") == R"("7000")");
  CHECK(QuoteConfigWord("") == R"("")");
  CHECK(QuoteConfigWord("a\"b\\c") == R"("a\"b\\c")");
  CHECK(QuoteConfigWord("\n\r\t\a\b") == R"("\n\r\t\a\b")");
  CHECK(QuoteConfigWord(std::string("\x01\x7f\xff", 3)) == R"("\x01\x7f\xff")");
  CHECK(QuoteConfigWord("it's ~") == R"("it's ~")");
}

TEST_CASE("every byte survives quoting and splitting back", "[config_parse]") {
  std::string all;
  for (int c = 1; c < 256; ++c) all.push_back(static_cast<char>(c));  // NUL ends a C line
  Words words = Split("name " + QuoteConfigWord(all));
  REQUIRE(words.size() == 2);
  CHECK(words[1] == all);
}

TEST_CASE("CONFIG SET values split on single spaces, keeping empty words", "[config_parse]") {
  CHECK(SplitOnSpaces("").empty());
  CHECK(SplitOnSpaces("a") == Words{"a"});
  CHECK(SplitOnSpaces("a b") == Words{"a", "b"});
  CHECK(SplitOnSpaces("a  b") == Words{"a", "", "b"});
  CHECK(SplitOnSpaces(" ") == Words{"", ""});
  CHECK(SplitOnSpaces("a\tb") == Words{"a\tb"});
}

TEST_CASE("memory units: k/m/g are powers of 1000, kb/mb/gb of 1024", "[config_parse]") {
  CHECK(ParseMemory("0") == 0u);
  CHECK(ParseMemory("12345") == 12345u);
  CHECK(ParseMemory("5b") == 5u);
  CHECK(ParseMemory("5B") == 5u);
  CHECK(ParseMemory("2k") == 2000u);
  CHECK(ParseMemory("2kb") == 2048u);
  CHECK(ParseMemory("2KB") == 2048u);
  CHECK(ParseMemory("2m") == 2000000u);
  CHECK(ParseMemory("2Mb") == 2097152u);
  CHECK(ParseMemory("2g") == 2000000000u);
  CHECK(ParseMemory("1gB") == 1073741824u);
  CHECK(ParseMemory("010") == 10u);
}

TEST_CASE("memory values refuse signs, fractions, blanks and unknown units", "[config_parse]") {
  CHECK_FALSE(ParseMemory("-1").has_value());
  CHECK_FALSE(ParseMemory("1.5mb").has_value());
  CHECK_FALSE(ParseMemory("1 mb").has_value());
  CHECK_FALSE(ParseMemory(" 1").has_value());
  CHECK_FALSE(ParseMemory("+1").has_value());
  CHECK_FALSE(ParseMemory("1tb").has_value());
  CHECK_FALSE(ParseMemory("1kbb").has_value());
}

TEST_CASE("memory values keep memtoull's quirks at the edges", "[config_parse]") {
  // No digits reads as 0 (then the option's lower bound refuses it).
  CHECK(ParseMemory("") == 0u);
  CHECK(ParseMemory("mb") == 0u);
  CHECK(ParseMemory("18446744073709551615") == UINT64_MAX);
  // Digits beyond 64 bits saturate like strtoull...
  CHECK(ParseMemory("99999999999999999999999") == UINT64_MAX);
  // ...but a unit that makes the product overflow is an error.
  CHECK_FALSE(ParseMemory("17179869184gb").has_value());
  CHECK(ParseMemory("17179869183gb") == 17179869183ull * 1024 * 1024 * 1024);
  CHECK_FALSE(ParseMemory(std::string(128, '1')).has_value());
}

TEST_CASE("loose integers follow strtoll over the whole word", "[config_parse]") {
  CHECK(ParseLooseInt("60") == 60);
  CHECK(ParseLooseInt("+5") == 5);
  CHECK(ParseLooseInt(" 5") == 5);
  CHECK(ParseLooseInt("010") == 10);
  CHECK(ParseLooseInt("-3") == -3);
  CHECK(ParseLooseInt("") == 0);
  CHECK_FALSE(ParseLooseInt("5x").has_value());
  CHECK_FALSE(ParseLooseInt("5 ").has_value());
  CHECK_FALSE(ParseLooseInt("x").has_value());
  CHECK(ParseLooseInt("99999999999999999999") == INT64_MAX);
}

}  // namespace
}  // namespace keel::server
