// GlobMatch: Redis 7.0's stringmatchlen results (cases checked against redis-server 7.0.15 with
// KEYS and, for nocase, CONFIG GET), agreement with a recursive reference on random input, and
// bounded time on pathological patterns.
#include "engine/glob.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <string>
#include <string_view>

namespace keel::engine {
namespace {

// A deliberately naive matcher that follows Redis's control flow step by step: recursion at each
// '*' over every split point, string bytes consumed one element at a time, trailing '*'s skipped
// once the string is used up. Exponential in the number of '*'s, so only for small inputs.
int RefLower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
int RefByte(char c) { return static_cast<signed char>(c); }

bool RefMatch(std::string_view pat, std::string_view str, bool nocase) {
  size_t pi = 0, si = 0;
  auto plen = [&] { return pat.size() - pi; };
  auto slen = [&] { return str.size() - si; };
  while (plen() > 0 && slen() > 0) {
    char c = str[si];
    switch (pat[pi]) {
      case '*': {
        while (plen() > 1 && pat[pi + 1] == '*') ++pi;
        if (plen() == 1) return true;
        for (size_t k = si; k < str.size(); ++k) {
          if (RefMatch(pat.substr(pi + 1), str.substr(k), nocase)) return true;
        }
        return false;
      }
      case '?':
        ++si;
        break;
      case '[': {
        ++pi;
        bool negate = plen() > 0 && pat[pi] == '^';
        if (negate) ++pi;
        bool match = false;
        while (true) {
          if (plen() >= 2 && pat[pi] == '\\') {
            ++pi;
            if (pat[pi] == c) match = true;
          } else if (plen() > 0 && pat[pi] == ']') {
            break;
          } else if (plen() == 0) {
            --pi;
            break;
          } else if (plen() >= 3 && pat[pi + 1] == '-') {
            int a = RefByte(pat[pi]), b = RefByte(pat[pi + 2]), x = RefByte(c);
            if (a > b) std::swap(a, b);
            if (nocase) a = RefLower(a), b = RefLower(b), x = RefLower(x);
            if (a <= x && x <= b) match = true;
            pi += 2;
          } else {
            if (nocase ? RefLower(RefByte(pat[pi])) == RefLower(RefByte(c)) : pat[pi] == c) {
              match = true;
            }
          }
          ++pi;
        }
        if (match == negate) return false;
        ++si;
        break;
      }
      default: {
        if (pat[pi] == '\\' && plen() >= 2) ++pi;
        bool eq = nocase ? RefLower(RefByte(pat[pi])) == RefLower(RefByte(c)) : pat[pi] == c;
        if (!eq) return false;
        ++si;
        break;
      }
    }
    ++pi;
    if (slen() == 0) {
      while (plen() > 0 && pat[pi] == '*') ++pi;
      break;
    }
  }
  return plen() == 0 && slen() == 0;
}

TEST_CASE("glob: literals, '?' and '*'", "[glob]") {
  CHECK(GlobMatch("hello", "hello"));
  CHECK_FALSE(GlobMatch("hello", "hell"));
  CHECK_FALSE(GlobMatch("hell", "hello"));
  CHECK(GlobMatch("h?llo", "hallo"));
  CHECK_FALSE(GlobMatch("h?llo", "hllo"));
  CHECK(GlobMatch("h*llo", "hllo"));
  CHECK(GlobMatch("h*llo", "heeeello"));
  CHECK(GlobMatch("*", "anything"));
  CHECK(GlobMatch("**", "x"));
  CHECK(GlobMatch("a*", "a"));
  CHECK(GlobMatch("a**", "a"));
  CHECK(GlobMatch("*a", "a"));
  CHECK(GlobMatch("*a*", "bab"));
  CHECK_FALSE(GlobMatch("*a*", "bbb"));
  CHECK(GlobMatch("user:*:name", "user:42:name"));
  CHECK_FALSE(GlobMatch("user:*:name", "user:42:age"));
  CHECK(GlobMatch("*ab", "aab"));  // the '*' has to give back a byte it first took
  CHECK_FALSE(GlobMatch("a?", "a"));
}

TEST_CASE("glob: the empty string matches only the empty pattern, not even '*'", "[glob]") {
  // redis-server 7.0.15: SET "" x; KEYS ** -> empty, SCAN 0 MATCH ** -> empty.
  CHECK(GlobMatch("", ""));
  CHECK_FALSE(GlobMatch("*", ""));
  CHECK_FALSE(GlobMatch("**", ""));
  CHECK_FALSE(GlobMatch("?", ""));
  CHECK_FALSE(GlobMatch("", "a"));
}

TEST_CASE("glob: character classes, ranges and negation", "[glob]") {
  CHECK(GlobMatch("h[ae]llo", "hello"));
  CHECK(GlobMatch("h[ae]llo", "hallo"));
  CHECK_FALSE(GlobMatch("h[ae]llo", "hillo"));
  CHECK(GlobMatch("h[^e]llo", "hallo"));
  CHECK_FALSE(GlobMatch("h[^e]llo", "hello"));
  CHECK(GlobMatch("h[a-b]llo", "hbllo"));
  CHECK_FALSE(GlobMatch("h[a-b]llo", "hcllo"));
  CHECK(GlobMatch("[z-a]", "m"));  // a reversed range is swapped
  CHECK(GlobMatch("[^z-a]", "A"));
  CHECK(GlobMatch("[-a]", "-"));  // a leading '-' is a literal
  // "a-]" is a range ending at ']', which leaves the class unterminated: "[a-]x" is one class.
  CHECK_FALSE(GlobMatch("[a-]", "-"));
  CHECK(GlobMatch("[a-]", "^"));
  CHECK(GlobMatch("[a-]x", "^"));
  CHECK_FALSE(GlobMatch("[a-]x", "^x"));
  CHECK(GlobMatch("[]]", "]") == false);  // "[]" is an empty class, then a literal ']'
  CHECK(GlobMatch("[]]", "]]") == false);
  CHECK_FALSE(GlobMatch("[]", "a"));
  CHECK(GlobMatch("[^]", "a"));  // empty negated class matches any byte
  CHECK(GlobMatch("[^]a", "ba"));
  CHECK(GlobMatch("[a-c-e]", "-"));  // after a range, "-e" is two literals
  CHECK(GlobMatch("[a-c-e]", "e"));
  CHECK_FALSE(GlobMatch("[a-c-e]", "d"));
  CHECK(GlobMatch("[\\]]", "]"));  // escaped ']' inside a class
  CHECK(GlobMatch("[\\-]", "-"));
  CHECK(GlobMatch("[*]", "*"));
  CHECK_FALSE(GlobMatch("[*]", "a"));
}

TEST_CASE("glob: an unterminated class runs to the end of the pattern", "[glob]") {
  CHECK(GlobMatch("[abc", "b"));
  CHECK_FALSE(GlobMatch("[abc", "bc"));
  CHECK_FALSE(GlobMatch("[", "a"));  // an empty unterminated class matches nothing
  CHECK_FALSE(GlobMatch("[", "["));
  CHECK(GlobMatch("[^", "x"));  // ... and negated, anything
  CHECK(GlobMatch("a[", "a") == false);
  CHECK(GlobMatch("[a-", "-"));
  CHECK(GlobMatch("[a-", "a"));
  CHECK_FALSE(GlobMatch("[a-", "b"));
  CHECK(GlobMatch("[\\", "\\"));  // a lone trailing backslash in a class is literal
}

TEST_CASE("glob: backslash escapes, including a trailing backslash", "[glob]") {
  CHECK(GlobMatch("\\*", "*"));
  CHECK_FALSE(GlobMatch("\\*", "a"));
  CHECK(GlobMatch("\\?", "?"));
  CHECK_FALSE(GlobMatch("\\?", "a"));
  CHECK(GlobMatch("\\[a]", "[a]"));
  CHECK(GlobMatch("\\a", "a"));
  CHECK(GlobMatch("a\\", "a\\"));  // trailing backslash matches itself
  CHECK_FALSE(GlobMatch("a\\", "a"));
  CHECK(GlobMatch("\\\\", "\\"));
  CHECK(GlobMatch("*\\*", "abc*"));
  CHECK_FALSE(GlobMatch("*\\*", "abc"));
}

TEST_CASE("glob: nocase folds ASCII letters, except escaped bytes inside a class", "[glob]") {
  // Checked with CONFIG GET (which matches with nocase) on redis-server 7.0.15.
  CHECK(GlobMatch("MAXMEMORY", "maxmemory", true));
  CHECK_FALSE(GlobMatch("MAXMEMORY", "maxmemory", false));
  CHECK(GlobMatch("[L-N]axmemor?", "maxmemory", true));
  CHECK(GlobMatch("\\Maxmemor?", "maxmemory", true));
  CHECK_FALSE(GlobMatch("[\\M]axmemory", "maxmemory", true));
  CHECK(GlobMatch("[\\m]axmemory", "maxmemory", true));
  CHECK(GlobMatch("[^A-L]axmemor?", "maxmemory", true));
  // Ranges are ordered before folding: "[Z-a]" spans 'Z'..'a' as bytes and becomes 'z'..'a',
  // which is empty.
  CHECK_FALSE(GlobMatch("[Z-a]axmemory", "maxmemory", true));
  CHECK_FALSE(GlobMatch("[a-Z]axmemory", "maxmemory", true));
  CHECK(GlobMatch("[Z-a]", "_", false));
  CHECK_FALSE(GlobMatch("[Z-a]", "_", true));
}

TEST_CASE("glob: bytes above 0x7f order below ASCII in ranges, as C chars do", "[glob]") {
  // Verified with KEYS on redis-server 7.0.15 (x86-64).
  CHECK(GlobMatch("[\xe9-a]", "\x7f") == false);
  CHECK(GlobMatch("[\xe9-a]", "\x01"));
  CHECK(GlobMatch("[\xe9-a]", "\xf0"));
  CHECK_FALSE(GlobMatch("[\xe9-a]", "\xe0"));
  CHECK(GlobMatch("\xe9", "\xe9"));
  CHECK(GlobMatch("\xe9", "\xc9", true) == false);  // no folding outside ASCII
}

TEST_CASE("glob: embedded NUL bytes are ordinary bytes", "[glob]") {
  using namespace std::string_view_literals;
  CHECK(GlobMatch("a\0b"sv, "a\0b"sv));
  CHECK_FALSE(GlobMatch("a\0b"sv, "a\0c"sv));
  CHECK(GlobMatch("a?b"sv, "a\0b"sv));
  CHECK(GlobMatch("*\0"sv, "xyz\0"sv));
}

TEST_CASE("glob: more than 1000 inner '*' groups never match, as in Redis", "[glob]") {
  // redis-server 7.0.15 with a 1001-byte key of 'a's: KEYS ("*a" x 1001) is empty, KEYS
  // ("*a" x 1000 + "a") finds it, and so does ("*a" x 1000 + "*"), but not ("*a" x 1001 + "*").
  std::string key(1001, 'a');
  std::string p1000, p1001;
  for (int i = 0; i < 1000; ++i) p1000 += "*a";
  p1001 = p1000 + "*a";
  CHECK_FALSE(GlobMatch(p1001, key));
  CHECK(GlobMatch(p1000 + "a", key));
  CHECK(GlobMatch(p1000 + "*", key));
  CHECK_FALSE(GlobMatch(p1001 + "*", key));
  // Escaped or bracketed stars are literals, not groups.
  std::string escaped;
  for (int i = 0; i < 1500; ++i) escaped += "\\*";
  CHECK(GlobMatch(escaped, std::string(1500, '*')));
  CHECK(GlobMatch("*" + escaped, "x" + std::string(1500, '*')));
}

template <typename F>
double Seconds(F&& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST_CASE("glob: pathological patterns take bounded time (N15)", "[glob]") {
  // A recursive matcher without pruning takes exponential time on these; Keel's is
  // O(pattern x string) with a constant stack. The limits are generous for sanitizer builds on a
  // shared machine; exponential behaviour would blow through them by orders of magnitude.
  const std::string as(10000, 'a');
  std::string many_stars;  // "*a*a*a...*b", 10,000 bytes
  while (many_stars.size() < 9998) many_stars += "*a";
  many_stars += "*b";
  REQUIRE(many_stars.size() == 10000);
  bool r1 = true;
  CHECK(Seconds([&] { r1 = GlobMatch(many_stars, as); }) < 1.0);
  CHECK_FALSE(r1);

  // 500 groups (under the 1000 limit, so the matcher really runs) against 10,000 bytes.
  std::string stars500;
  for (int i = 0; i < 500; ++i) stars500 += "*a";
  bool r2 = true;
  CHECK(Seconds([&] { r2 = GlobMatch(stars500 + "b", as); }) < 1.0);
  CHECK_FALSE(r2);
  CHECK(GlobMatch(stars500 + "b", as + "b"));
  CHECK(GlobMatch(stars500 + "?", as));

  // A long literal tail after the last '*': every byte the '*' tries runs up to 1,000 bytes into
  // the tail before failing (about 5 million steps).
  std::string tail_heavy = stars500 + std::string(1000, 'a') + "b";
  bool r3 = true;
  CHECK(Seconds([&] { r3 = GlobMatch(tail_heavy, as.substr(0, 5000)); }) < 5.0);
  CHECK_FALSE(r3);
  CHECK(GlobMatch(tail_heavy, std::string(4999, 'a') + "b"));

  // A 10,000-byte class is parsed once per attempt, never recursively.
  std::string wide_class = "*[" + std::string(9996, 'x') + "]b";
  CHECK_FALSE(GlobMatch(wide_class, as.substr(0, 100)));
  CHECK(GlobMatch(wide_class, "yyxb"));
}

std::string RandomString(std::mt19937& rng, std::string_view alphabet, size_t max_len) {
  std::uniform_int_distribution<size_t> len(0, max_len);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string out(len(rng), '\0');
  for (char& c : out) c = alphabet[pick(rng)];
  return out;
}

TEST_CASE("glob: agrees with the recursive reference on random patterns", "[glob]") {
  std::mt19937 rng(20240611);
  const std::string_view pattern_alphabet = "ab*?[]^-\\";
  const std::string_view string_alphabet = "ab*?[]^-\\";
  int matches = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string pat = RandomString(rng, pattern_alphabet, 10);
    std::string str = RandomString(rng, string_alphabet, 8);
    bool expected = RefMatch(pat, str, false);
    matches += expected;
    INFO("pattern '" << pat << "' string '" << str << "'");
    REQUIRE(GlobMatch(pat, str) == expected);
  }
  // Both outcomes must be well represented, or the comparison proves little.
  CHECK(matches > 500);
  CHECK(matches < 19500);
}

TEST_CASE("glob: agrees with the reference under nocase and with high bytes", "[glob]") {
  std::mt19937 rng(7);
  const std::string_view pattern_alphabet = "aAbZz*?[]^-\\\xe9\x7f";
  const std::string_view string_alphabet = "aAbBzZ_-\xe9\x7f";
  int matches = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string pat = RandomString(rng, pattern_alphabet, 9);
    std::string str = RandomString(rng, string_alphabet, 6);
    for (bool nocase : {false, true}) {
      bool expected = RefMatch(pat, str, nocase);
      matches += expected;
      INFO("pattern '" << pat << "' string '" << str << "' nocase " << nocase);
      REQUIRE(GlobMatch(pat, str, nocase) == expected);
    }
  }
  CHECK(matches > 500);
}

TEST_CASE("glob: the reference itself reproduces known Redis answers", "[glob]") {
  // Guards the reference against drifting into agreement with a wrong matcher.
  CHECK_FALSE(RefMatch("*", "", false));
  CHECK(RefMatch("[^", "x", false));
  CHECK_FALSE(RefMatch("[", "[", false));
  CHECK(RefMatch("a\\", "a\\", false));
  CHECK_FALSE(RefMatch("[\\M]axmemory", "maxmemory", true));
  CHECK_FALSE(RefMatch("[Z-a]", "_", true));
  CHECK(RefMatch("[z-a]", "m", false));
}

}  // namespace
}  // namespace keel::engine
