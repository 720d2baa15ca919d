// Tests for the RESP2 request parser: every limit and error text (checked against redis-server
// 7.0.15, fault cases N1-N8), inline splitting rules, and incremental parsing across arbitrary
// splits of the input with the caller compacting or moving its buffer between calls.
#include "formats/resp_parser.h"

#include <catch2/catch.hpp>
#include <climits>
#include <ostream>
#include <string>
#include <vector>

namespace keel::formats {
namespace {

using Outcome = RequestParser::Outcome;
using Args = std::vector<std::string>;

const RequestLimits kUnauthenticated{512LL * 1024 * 1024, false};

// What a parse produced, in order: each command's arguments, then (if any) the error text.
struct Transcript {
  std::vector<Args> commands;
  std::string error;      // empty when no error
  size_t unconsumed = 0;  // bytes left at the end (an incomplete request)
  bool operator==(const Transcript&) const = default;
};

// Lets Catch print a Transcript when a comparison fails.
std::ostream& operator<<(std::ostream& os, const Transcript& t) {
  os << "{commands:";
  for (const auto& cmd : t.commands) {
    os << " [";
    for (const auto& a : cmd) os << '"' << a.substr(0, 40) << (a.size() > 40 ? "...\" " : "\" ");
    os << "]";
  }
  return os << " error: \"" << t.error << "\" unconsumed: " << t.unconsumed << "}";
}

Args CopyArgs(const RequestParser& p) {
  Args out;
  for (std::string_view a : p.args()) out.emplace_back(a);
  return out;
}

// Parses all of input in one buffer.
Transcript ParseOneShot(std::string_view input, RequestLimits limits = {}) {
  RequestParser p(limits);
  Transcript t;
  size_t pos = 0;
  for (;;) {
    Outcome o = p.Parse(input, &pos);
    if (o == Outcome::kCommand) {
      t.commands.push_back(CopyArgs(p));
    } else {
      if (o == Outcome::kError) t.error = p.error();
      t.unconsumed = input.size() - pos;
      return t;
    }
  }
}

// Feeds input like a connection: append a piece, parse everything available, then drop consumed
// bytes. Every other compaction copies the rest into a fresh allocation, so a parser that kept
// pointers instead of offsets across calls would read freed memory (ASan) or stale bytes.
Transcript ParseInPieces(std::string_view input, const std::vector<size_t>& cuts,
                         RequestLimits limits = {}) {
  RequestParser p(limits);
  Transcript t;
  std::string buf;
  size_t pos = 0;
  size_t fed = 0;
  int compactions = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (size_t end : ends) {
    if (end < fed) continue;
    buf.append(input.substr(fed, end - fed));
    fed = end;
    for (;;) {
      Outcome o = p.Parse(buf, &pos);
      if (o == Outcome::kCommand) {
        t.commands.push_back(CopyArgs(p));
        continue;
      }
      if (o == Outcome::kError) {
        t.error = p.error();
        t.unconsumed = input.size() - (fed - buf.size() + pos);
        return t;
      }
      if (++compactions % 2 == 0) {
        std::string fresh(buf, pos);
        buf.swap(fresh);
      } else {
        buf.erase(0, pos);
      }
      pos = 0;
      break;
    }
  }
  t.unconsumed = buf.size() - pos;
  return t;
}

Transcript Commands(std::vector<Args> cmds, std::string error = "", size_t unconsumed = 0) {
  return Transcript{std::move(cmds), std::move(error), unconsumed};
}

std::string Multibulk(const Args& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

std::string ErrorOf(std::string_view input, RequestLimits limits = {}) {
  Transcript t = ParseOneShot(input, limits);
  return t.error;
}

TEST_CASE("a multibulk command yields views into the caller's buffer", "[resp_parser]") {
  std::string buf = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n+rest";
  RequestParser p;
  size_t pos = 0;
  REQUIRE(p.Parse(buf, &pos) == Outcome::kCommand);
  REQUIRE(CopyArgs(p) == Args{"SET", "key", "value"});
  CHECK(pos == buf.size() - 5);
  for (std::string_view a : p.args()) {
    CHECK(a.data() >= buf.data());
    CHECK(a.data() + a.size() <= buf.data() + buf.size());
  }
}

TEST_CASE("inline commands end at LF with an optional CR before it", "[resp_parser]") {
  CHECK(ParseOneShot("PING\r\nECHO hi\nSET a b\r\n") ==
        Commands({{"PING"}, {"ECHO", "hi"}, {"SET", "a", "b"}}));
  // Only one CR is part of the line end; another is a blank between arguments.
  CHECK(ParseOneShot("ECHO x\r\r\n") == Commands({{"ECHO", "x"}}));
  CHECK(ParseOneShot("ECHO a\rb\r\n") == Commands({{"ECHO", "a", "b"}}));
  CHECK(ParseOneShot("PING") == Commands({}, "", 4));
}

TEST_CASE("N1: negative and zero counts and empty lines are skipped silently", "[resp_parser]") {
  CHECK(ParseOneShot("*-10\r\n*1\r\n$4\r\nPING\r\n") == Commands({{"PING"}}));
  CHECK(ParseOneShot("\r\n*1\r\n$4\r\nPING\r\n") == Commands({{"PING"}}));
  CHECK(ParseOneShot("*0\r\n\n   \r\n\t\r\n*-1\r\nPING\r\n") == Commands({{"PING"}}));
  CHECK(ParseOneShot("*-9223372036854775808\r\nPING\r\n") == Commands({{"PING"}}));
  // Skipped requests are consumed even when the next request is incomplete.
  RequestParser p;
  std::string buf = "*0\r\n\r\n*1\r\n$4\r\nPI";
  size_t pos = 0;
  CHECK(p.Parse(buf, &pos) == Outcome::kNeedMore);
  CHECK(pos == 6);
}

TEST_CASE("N2: a multibulk count over INT_MAX or not a number is invalid", "[resp_parser]") {
  const std::string kInvalid = "Protocol error: invalid multibulk length";
  CHECK(ErrorOf("*3000000000\r\n") == kInvalid);
  CHECK(ErrorOf("*2147483648\r\n") == kInvalid);
  CHECK(ErrorOf("*-9223372036854775809\r\n") == kInvalid);
  for (const char* bad : {"*\r\n", "*-\r\n", "*-0\r\n", "*00\r\n", "*01\r\n", "*+1\r\n", "* 1\r\n",
                          "*1 \r\n", "*1a\r\n", "*abc\r\n", "*100000000000000000000\r\n"}) {
    INFO(bad);
    CHECK(ErrorOf(bad) == kInvalid);
  }
  // INT_MAX itself is accepted: the parser then waits for the arguments.
  CHECK(ParseOneShot("*2147483647\r\n") == Commands({}, "", 13));
}

TEST_CASE("N3: a bulk length that is negative, too large or not a number is invalid",
          "[resp_parser]") {
  const std::string kInvalid = "Protocol error: invalid bulk length";
  for (const char* bad : {"*1\r\n$-10\r\n", "*1\r\n$2000000000\r\n", "*1\r\n$blabla\r\n",
                          "*1\r\n$-0\r\n", "*1\r\n$04\r\n", "*1\r\n$\r\n", "*1\r\n$-1\r\n",
                          "*1\r\n$536870913\r\n", "*2\r\n$1\r\na\r\n$ 1\r\n"}) {
    INFO(bad);
    CHECK(ErrorOf(bad) == kInvalid);
  }
  // 512 MiB exactly is within the default proto_max_bulk_len.
  CHECK(ParseOneShot("*1\r\n$536870912\r\n").error.empty());
}

TEST_CASE("proto_max_bulk_len bounds bulk lengths inclusively", "[resp_parser]") {
  RequestLimits small{5, true};
  CHECK(ParseOneShot("*1\r\n$5\r\nhello\r\n", small) == Commands({{"hello"}}));
  CHECK(ErrorOf("*1\r\n$6\r\nhello!\r\n", small) == "Protocol error: invalid bulk length");
  CHECK(ParseOneShot("*1\r\n$0\r\n\r\n", RequestLimits{0, true}) == Commands({{""}}));
}

TEST_CASE("N4: a payload longer than its length shows up as a bad next header", "[resp_parser]") {
  CHECK(ErrorOf("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n") ==
        "Protocol error: expected '$', got 'f'");
  CHECK(ErrorOf("*1\r\nfoo\r\n") == "Protocol error: expected '$', got 'f'");
  // The commands before the bad one in the same buffer are still returned.
  CHECK(ParseOneShot("PING\r\n*1\r\n:1\r\n") ==
        Commands({{"PING"}}, "Protocol error: expected '$', got ':'", 8));
  // Byte values are reported as they are, except that line breaks become spaces.
  CHECK(ErrorOf("*1\r\n\r\n") == "Protocol error: expected '$', got ' '");
  CHECK(ErrorOf("*1\r\n\n\r\n") == "Protocol error: expected '$', got ' '");
  CHECK(ErrorOf("*1\r\n\xff\r\n") == "Protocol error: expected '$', got '\xff'");
  // The header is only judged once its line has ended.
  CHECK(ParseOneShot("*1\r\nfoo") == Commands({}, "", 7));
}

TEST_CASE("the bytes after a line's CR and after a payload are skipped unchecked",
          "[resp_parser]") {
  CHECK(ParseOneShot("*1\rX$4\r\nPING\r\n") == Commands({{"PING"}}));
  CHECK(ParseOneShot("*1\r\n$4\rXPING\r\n") == Commands({{"PING"}}));
  CHECK(ParseOneShot("*1\r\n$4\r\nPINGxy*1\r\n$4\r\nPING\r\n") == Commands({{"PING"}, {"PING"}}));
  // A CR that ends the buffer waits for one more byte.
  CHECK(ParseOneShot("*1\r") == Commands({}, "", 3));
  CHECK(ParseOneShot("*1\r\n$4\r") == Commands({}, "", 7));
  // The payload waits for both terminator bytes.
  CHECK(ParseOneShot("*1\r\n$4\r\nPING\r") == Commands({}, "", 13));
}

TEST_CASE("bulk payloads are binary-safe", "[resp_parser]") {
  std::string nul_value("a\0\r\n*1\r\n$\0b", 11);
  CHECK(ParseOneShot(Multibulk({"SET", nul_value, ""})) == Commands({{"SET", nul_value, ""}}));
}

TEST_CASE("N5: unbalanced quotes in an inline request are a protocol error", "[resp_parser]") {
  const std::string kUnbalanced = "Protocol error: unbalanced quotes in request";
  CHECK(ErrorOf("set \"\"\"test-key\"\"\" test-value\r\n") == kUnbalanced);
  for (const char* bad : {"ECHO \"a\"b\r\n", "ECHO a\"b c\"d\r\n", "ECHO \"unterminated\r\n",
                          "ECHO 'a'b\r\n", "ECHO 'open\r\n", "ECHO \"a\\\"\r\n", "\"\n"}) {
    INFO(bad);
    CHECK(ErrorOf(bad) == kUnbalanced);
  }
}

TEST_CASE("inline arguments are split and unescaped like redis-server does", "[resp_parser]") {
  struct Case {
    std::string line;
    Args args;
  };
  // Each expectation was checked with ECHO against redis-server 7.0.15.
  const std::vector<Case> cases = {
      {"ECHO \"a\\x41b\"", {"ECHO", "aAb"}},
      {"ECHO \"a\\x4\"", {"ECHO", "ax4"}},
      {"ECHO \"a\\xZZ\"", {"ECHO", "axZZ"}},
      {"ECHO \"\\xfF\\x00\"", {"ECHO", std::string("\xff\0", 2)}},
      {"ECHO 'it\\'s'", {"ECHO", "it's"}},
      {"ECHO 'a\\nb'", {"ECHO", "a\\nb"}},
      {"ECHO a\"b c\"", {"ECHO", "ab c"}},
      {"ECHO a'b'", {"ECHO", "ab"}},
      {"ECHO \"\\n\\r\\t\\b\\a\\q\\\\\\\"\"", {"ECHO", "\n\r\t\b\aq\\\""}},
      {"ECHO a\vb", {"ECHO", "a\vb"}},
      {"ECHO \"a\"\v", {"ECHO", "a"}},
      {"\v\fECHO x", {"ECHO", "x"}},
      {"ECHO \"\"", {"ECHO", ""}},
      {"ECHO \"\" ''", {"ECHO", "", ""}},
      {"  SET\tk \t v  ", {"SET", "k", "v"}},
      {"ECHO a\\nb", {"ECHO", "a\\nb"}},
      {"\"a b\"\t'c d'", {"a b", "c d"}},
  };
  for (const auto& c : cases) {
    INFO(c.line);
    CHECK(ParseOneShot(c.line + "\r\n") == Commands({c.args}));
  }
}

TEST_CASE("N6: a NUL byte hides the line end, so only the 64 KiB limit ends the request",
          "[resp_parser]") {
  // Redis searches its query buffer with strchr, which stops at NUL: these never complete.
  for (std::string stuck : {std::string("PING\0\r\n", 7), std::string("*1\0\r\n", 5),
                            std::string("*1\r\n$4\0\r\nPING\r\n", 15)}) {
    CHECK(ParseOneShot(stuck) == Commands({}, "", stuck.size()));
  }
  std::string stream(100000, 'x');
  CHECK(ErrorOf(std::string(1, '\0') + stream) == "Protocol error: too big inline request");
  CHECK(ErrorOf(std::string("*\0", 2) + stream) == "Protocol error: too big mbulk count string");
  CHECK(ErrorOf(std::string("$\0", 2) + stream) == "Protocol error: too big inline request");
  std::string crlfs;
  for (int i = 0; i < 40000; ++i) crlfs += "\r\n";
  CHECK(ErrorOf(std::string("*\0", 2) + crlfs) == "Protocol error: too big mbulk count string");
  CHECK(ErrorOf(std::string("*1\r\n$\0", 6) + crlfs) ==
        "Protocol error: too big bulk count string");
  CHECK(ErrorOf(std::string("PING\0\n", 6) + crlfs) == "Protocol error: too big inline request");
  // Fed in small pieces, the stuck line is still detected at the limit.
  std::string nul_stream = std::string("*1\0", 3) + std::string(70000, '\r');
  std::vector<size_t> cuts;
  for (size_t i = 1; i < nul_stream.size(); i += 997) cuts.push_back(i);
  CHECK(ParseInPieces(nul_stream, cuts).error == "Protocol error: too big mbulk count string");
}

TEST_CASE("N7: lines without an end are limited to 64 KiB of buffered bytes", "[resp_parser]") {
  CHECK(ParseOneShot(std::string(65536, 'a')).error.empty());
  CHECK(ErrorOf(std::string(65537, 'a')) == "Protocol error: too big inline request");
  CHECK(ParseOneShot("*" + std::string(65535, '1')).error.empty());
  CHECK(ErrorOf("*" + std::string(65536, '1')) == "Protocol error: too big mbulk count string");
  // The bulk count limit counts from the start of that header line, not of the request.
  const std::string head = "*2\r\n$1\r\na\r\n$";
  CHECK(ParseOneShot(head + std::string(65535, '1')).error.empty());
  CHECK(ErrorOf(head + std::string(65536, '1')) == "Protocol error: too big bulk count string");
  // A count line that ends is judged as a number, however long it was.
  CHECK(ErrorOf("*" + std::string(65535, '1') + "\r\n") ==
        "Protocol error: invalid multibulk length");
  // As in Redis, a long inline line that is buffered whole (redis-server accepts a 70,000-byte
  // ECHO sent in one write) is accepted; the limit applies only while no line end is buffered.
  std::string long_arg(70000, 'a');
  CHECK(ParseOneShot("ECHO " + long_arg + "\r\n") == Commands({{"ECHO", long_arg}}));
  CHECK(ParseInPieces("ECHO " + long_arg + "\r\n", {60000, 66000}).error ==
        "Protocol error: too big inline request");
  // A CR that ends the buffer counts as found, so no limit applies while its LF is awaited.
  CHECK(ParseOneShot("*" + std::string(70000, '1') + "\r").error.empty());
}

TEST_CASE("N8: unauthenticated clients get at most 10 arguments of 16 KiB", "[resp_parser]") {
  CHECK(ParseOneShot("*10\r\n", kUnauthenticated) == Commands({}, "", 5));
  CHECK(ErrorOf("*11\r\n", kUnauthenticated) == "Protocol error: unauthenticated multibulk length");
  CHECK(ErrorOf("*100\r\n", kUnauthenticated) ==
        "Protocol error: unauthenticated multibulk length");
  CHECK(ParseOneShot("*1\r\n$16384\r\n", kUnauthenticated).error.empty());
  CHECK(ErrorOf("*1\r\n$16385\r\n", kUnauthenticated) ==
        "Protocol error: unauthenticated bulk length");
  CHECK(ErrorOf("*1\r\n$100000000\r\n", kUnauthenticated) ==
        "Protocol error: unauthenticated bulk length");
  // The absolute limits are checked first.
  CHECK(ErrorOf("*3000000000\r\n", kUnauthenticated) == "Protocol error: invalid multibulk length");
  CHECK(ErrorOf("*1\r\n$600000000\r\n", kUnauthenticated) == "Protocol error: invalid bulk length");
  // Empty requests stay harmless, and inline requests have no such limits.
  CHECK(ParseOneShot("*-100\r\nPING\r\n", kUnauthenticated) == Commands({{"PING"}}));
  std::string many = "MSET";
  for (int i = 0; i < 20; ++i) many += " k v";
  CHECK(ParseOneShot(many + "\r\n", kUnauthenticated).commands.at(0).size() == 41);
  // The authenticated limits allow both.
  CHECK(ParseOneShot("*11\r\n$16385\r\n").error.empty());
}

TEST_CASE("limits set after AUTH apply to the next request in the same buffer", "[resp_parser]") {
  std::string big(20000, 'v');
  std::string buf = Multibulk({"AUTH", "pw"}) + Multibulk({"SET", "k", big});
  RequestParser p(kUnauthenticated);
  size_t pos = 0;
  REQUIRE(p.Parse(buf, &pos) == Outcome::kCommand);
  CHECK(CopyArgs(p) == Args{"AUTH", "pw"});
  p.set_limits(RequestLimits{});
  REQUIRE(p.Parse(buf, &pos) == Outcome::kCommand);
  CHECK(CopyArgs(p) == Args{"SET", "k", big});
  // Without the change, the same bytes are refused.
  RequestParser q(kUnauthenticated);
  pos = 0;
  REQUIRE(q.Parse(buf, &pos) == Outcome::kCommand);
  CHECK(q.Parse(buf, &pos) == Outcome::kError);
  CHECK(q.error() == "Protocol error: unauthenticated bulk length");
}

TEST_CASE("an error is sticky until Reset", "[resp_parser]") {
  RequestParser p;
  std::string bad = "*1\r\n?\r\n";
  size_t pos = 0;
  REQUIRE(p.Parse(bad, &pos) == Outcome::kError);
  CHECK(pos == 0);
  std::string good = "PING\r\n";
  size_t pos2 = 0;
  CHECK(p.Parse(good, &pos2) == Outcome::kError);
  CHECK(p.args().empty());
  p.Reset();
  CHECK(p.error().empty());
  REQUIRE(p.Parse(good, &pos2) == Outcome::kCommand);
  CHECK(CopyArgs(p) == Args{"PING"});
}

TEST_CASE("Reset forgets a partial request", "[resp_parser]") {
  RequestParser p;
  std::string partial = "*2\r\n$3\r\nGET\r\n";
  size_t pos = 0;
  REQUIRE(p.Parse(partial, &pos) == Outcome::kNeedMore);
  p.Reset();
  std::string fresh = "*1\r\n$4\r\nPING\r\n";
  pos = 0;
  REQUIRE(p.Parse(fresh, &pos) == Outcome::kCommand);
  CHECK(CopyArgs(p) == Args{"PING"});
}

// A pipeline exercising every request form, with terminators and NULs inside payloads.
std::string MixedPipeline() {
  std::string out;
  out += Multibulk({"SET", "key", std::string("v\r\n\0\r\n*1\r\n$3\r\n", 14)});
  out += "PING\r\n";
  out += "*0\r\n";
  out += "\r\n";
  out += Multibulk({"GET", "key"});
  out += "*-1\r\n";
  out += "ECHO \"a \\x41\\r\\n\" 'b\\'c' d\"e f\"\n";
  out += Multibulk({""});
  out += "   \n";
  out += Multibulk({"MSET", "a", "1", "b", "2", "c", std::string(300, 'z')});
  out += "*1\rX$4\r\nPING\r\n";
  out += "*1\r\n$4\r\nPINGxy";
  out += Multibulk({"DEL", "\r\n"});
  out += "*2\r\n$3\r\nGET\r\n$3\r\nke";  // incomplete at the end
  return out;
}

TEST_CASE("a pipeline split at every byte boundary parses like one buffer", "[resp_parser]") {
  const std::string input = MixedPipeline();
  const Transcript whole = ParseOneShot(input);
  REQUIRE(whole.commands.size() == 9);
  REQUIRE(whole.error.empty());
  CHECK(whole.unconsumed == 19);
  CHECK(whole.commands[0][2] == std::string("v\r\n\0\r\n*1\r\n$3\r\n", 14));
  CHECK(whole.commands[3] == Args{"ECHO", "a A\r\n", "b'c", "de f"});
  for (size_t cut = 1; cut < input.size(); ++cut) {
    INFO("cut at " << cut);
    REQUIRE(ParseInPieces(input, {cut}) == whole);
  }
  for (size_t cut = 1; cut + 7 < input.size(); cut += 3) {
    INFO("cuts at " << cut << ", " << cut + 7);
    REQUIRE(ParseInPieces(input, {cut, cut + 7}) == whole);
  }
}

TEST_CASE("a pipeline fed one byte at a time parses like one buffer", "[resp_parser]") {
  const std::string input = MixedPipeline() + "y\r\n" + Multibulk({"SET", "k", "v"});
  std::vector<size_t> cuts;
  for (size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  const Transcript whole = ParseOneShot(input);
  CHECK(ParseInPieces(input, cuts) == whole);
  REQUIRE(whole.commands.size() == 11);
  CHECK(whole.commands[9] == Args{"GET", "key"});
  CHECK(whole.unconsumed == 0);
}

TEST_CASE("an error mid-pipeline is reported at the same request however it is split",
          "[resp_parser]") {
  const std::string input = Multibulk({"SET", "a", "b"}) + "ECHO x\r\n" +
                            "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n" + Multibulk({"PING"});
  const Transcript whole = ParseOneShot(input);
  REQUIRE(whole.error == "Protocol error: expected '$', got 'f'");
  REQUIRE(whole.commands.size() == 2);
  for (size_t cut = 1; cut < input.size(); ++cut) {
    INFO("cut at " << cut);
    REQUIRE(ParseInPieces(input, {cut}) == whole);
  }
}

TEST_CASE("the caller may compact its buffer between calls", "[resp_parser]") {
  RequestParser p;
  std::string buf = "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk";
  size_t pos = 0;
  REQUIRE(p.Parse(buf, &pos) == Outcome::kCommand);
  REQUIRE(p.Parse(buf, &pos) == Outcome::kNeedMore);
  REQUIRE(pos == 14);
  buf.erase(0, pos);  // the request now starts at 0
  pos = 0;
  buf += "\r\n$5\r\nva";
  REQUIRE(p.Parse(buf, &pos) == Outcome::kNeedMore);
  CHECK(pos == 0);
  // Move it again, this time to an offset other than 0.
  buf = "junk" + buf + "lue\r\n";
  pos = 4;
  REQUIRE(p.Parse(buf, &pos) == Outcome::kCommand);
  CHECK(CopyArgs(p) == Args{"SET", "k", "value"});
  CHECK(pos == buf.size());
}

TEST_CASE("the worked example of docs/formats/resp.md", "[resp_parser]") {
  const std::string wire = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\nPING\r\n";
  REQUIRE(wire.size() == 37);
  RequestParser p;
  std::string buf = wire.substr(0, 26);
  size_t pos = 0;
  REQUIRE(p.Parse(buf, &pos) == Outcome::kNeedMore);
  CHECK(pos == 0);
  CHECK(p.pending_bulk_bytes() == 5);
  buf += wire.substr(26);
  REQUIRE(p.Parse(buf, &pos) == Outcome::kCommand);
  CHECK(CopyArgs(p) == Args{"SET", "k", "hello"});
  CHECK(p.args()[0].data() == buf.data() + 8);
  CHECK(p.args()[1].data() == buf.data() + 17);
  CHECK(p.args()[2].data() == buf.data() + 24);
  CHECK(pos == 31);
  REQUIRE(p.Parse(buf, &pos) == Outcome::kCommand);
  CHECK(CopyArgs(p) == Args{"PING"});
  CHECK(pos == 37);
  CHECK(p.Parse(buf, &pos) == Outcome::kNeedMore);
}

TEST_CASE("pending_bulk_bytes counts what is missing of the payload and its terminator",
          "[resp_parser]") {
  RequestParser p;
  std::string buf = "*2\r\n$3\r\nSET\r\n$100000";
  size_t pos = 0;
  REQUIRE(p.Parse(buf, &pos) == Outcome::kNeedMore);
  CHECK(p.pending_bulk_bytes() == 0);  // the length line has not ended yet
  buf += "\r\n";
  REQUIRE(p.Parse(buf, &pos) == Outcome::kNeedMore);
  CHECK(p.pending_bulk_bytes() == 100002);
  buf += std::string(99999, 'x');
  REQUIRE(p.Parse(buf, &pos) == Outcome::kNeedMore);
  CHECK(p.pending_bulk_bytes() == 3);
  buf += "x\r";
  REQUIRE(p.Parse(buf, &pos) == Outcome::kNeedMore);
  CHECK(p.pending_bulk_bytes() == 1);
  buf += "\n";
  REQUIRE(p.Parse(buf, &pos) == Outcome::kCommand);
  CHECK(p.pending_bulk_bytes() == 0);
  CHECK(p.args()[1].size() == 100000);
}

TEST_CASE("args are reused without growing across many commands", "[resp_parser]") {
  std::string buf;
  for (int i = 0; i < 1000; ++i) buf += Multibulk({"INCR", "counter" + std::to_string(i % 7)});
  RequestParser p;
  size_t pos = 0;
  int n = 0;
  while (p.Parse(buf, &pos) == Outcome::kCommand) {
    REQUIRE(p.args().size() == 2);
    REQUIRE(p.args()[1] == "counter" + std::to_string(n % 7));
    ++n;
  }
  CHECK(n == 1000);
  CHECK(pos == buf.size());
}

TEST_CASE("ParseRedisInt64 follows string2ll", "[resp_parser]") {
  int64_t v = 1;
  CHECK(ParseRedisInt64("0", &v));
  CHECK(v == 0);
  CHECK(ParseRedisInt64("-1", &v));
  CHECK(v == -1);
  CHECK(ParseRedisInt64("9223372036854775807", &v));
  CHECK(v == INT64_MAX);
  CHECK(ParseRedisInt64("-9223372036854775808", &v));
  CHECK(v == INT64_MIN);
  for (const char* bad : {"", "-", "-0", "00", "01", "+1", " 1", "1 ", "1x", "9223372036854775808",
                          "-9223372036854775809", "18446744073709551616", "99999999999999999999",
                          "000000000000000000001"}) {
    INFO(bad);
    CHECK_FALSE(ParseRedisInt64(bad, &v));
  }
}

}  // namespace
}  // namespace keel::formats
