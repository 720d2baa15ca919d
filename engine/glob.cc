// Glob matching with the results of Redis 7.0's stringmatchlen, computed iteratively: one pass over
// the string per star backtrack instead of recursion, so time is O(pattern x string) and the stack
// is constant whatever the pattern (fault checklist N15).
#include "engine/glob.h"

#include <cstddef>
#include <utility>

namespace keel::engine {

namespace {

// Redis gives up on a pattern whose matching would recurse through more than 1000 '*' groups
// (its CVE-2024-31228 guard), so such patterns never match there. Keel reproduces the answer, not
// the recursion: a match has to pass every '*' group that is followed by more pattern, so
// reaching group 1001 means the pattern cannot match.
constexpr size_t kMaxInnerStarGroups = 1000;

// Redis compares pattern and string bytes as C `char`, which is signed on the platforms it ships
// for; ranges over bytes >= 0x80 depend on that ordering, so Keel uses the same one.
inline int Byte(char c) { return static_cast<signed char>(c); }

// Redis calls tolower() in the "C" locale: only ASCII letters fold.
inline int Lower(int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

inline bool SameChar(char a, char b, bool nocase) {
  return nocase ? Lower(Byte(a)) == Lower(Byte(b)) : a == b;
}

// Matches the '[...]' class starting at pattern[p] against `c`; *next receives the index after
// the class. The class's extent depends on the pattern alone, which is what makes backtracking to
// the last '*' sufficient.
bool MatchClass(std::string_view pat, size_t p, char c, bool nocase, size_t* next) {
  const size_t n = pat.size();
  size_t q = p + 1;
  const bool negate = q < n && pat[q] == '^';
  if (negate) ++q;
  bool match = false;
  for (;;) {
    if (q + 1 < n && pat[q] == '\\') {
      ++q;
      // An escaped byte compares exactly, even under nocase (as in Redis).
      if (pat[q] == c) match = true;
    } else if (q < n && pat[q] == ']') {
      break;
    } else if (q >= n) {
      // Unterminated: the class runs to the end of the pattern.
      q = n - 1;
      break;
    } else if (n - q >= 3 && pat[q + 1] == '-') {
      int lo = Byte(pat[q]);
      int hi = Byte(pat[q + 2]);
      int x = Byte(c);
      if (lo > hi) std::swap(lo, hi);  // "[z-a]" is "[a-z]"
      if (nocase) {
        // Folded after ordering, so a range such as "[Z-a]" can become empty under nocase.
        lo = Lower(lo);
        hi = Lower(hi);
        x = Lower(x);
      }
      if (x >= lo && x <= hi) match = true;
      q += 2;
    } else if (SameChar(pat[q], c, nocase)) {
      match = true;
    }
    ++q;
  }
  *next = q + 1;
  return match != negate;
}

// Matches the one-byte element at pattern[p] (anything but '*') against `c`.
bool MatchElement(std::string_view pat, size_t p, char c, bool nocase, size_t* next) {
  switch (pat[p]) {
    case '?':
      *next = p + 1;
      return true;
    case '[':
      return MatchClass(pat, p, c, nocase, next);
    case '\\':
      // A trailing backslash stands for itself.
      if (p + 1 < pat.size()) ++p;
      [[fallthrough]];
    default:
      *next = p + 1;
      return SameChar(pat[p], c, nocase);
  }
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  // Redis consumes pattern only while string bytes remain: an empty string matches only the empty
  // pattern, not even "*" (KEYS and SCAN special-case a lone "*" before calling the matcher).
  if (str.empty()) return pattern.empty();

  const size_t pn = pattern.size();
  const size_t sn = str.size();
  size_t p = 0;
  size_t s = 0;
  // Where to resume after the most recent '*' group: the pattern index after it, the string index
  // it is currently assumed to stretch to, and how many inner groups had been passed there.
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t star_p = kNone;
  size_t star_s = 0;
  size_t groups = 0;
  size_t star_groups = 0;

  // Invariant at the top of the loop: s < sn.
  for (;;) {
    if (p < pn && pattern[p] == '*') {
      while (p < pn && pattern[p] == '*') ++p;
      if (p == pn) return true;  // a trailing '*' takes the rest of the string
      if (++groups > kMaxInnerStarGroups) return false;
      star_p = p;
      star_s = s;
      star_groups = groups;
      continue;
    }
    size_t next = 0;
    if (p < pn && MatchElement(pattern, p, str[s], nocase, &next)) {
      p = next;
      if (++s < sn) continue;
      // String consumed: only '*'s may remain in the pattern.
      while (p < pn && pattern[p] == '*') ++p;
      if (p == pn) return true;
    }
    // Mismatch (or pattern left over): let the last '*' take one more byte. Earlier '*'s need not
    // be retried: whatever they could absorb, the last one can absorb instead. The rest of the
    // pattern needs at least one byte, so a '*' never has to take the whole string.
    if (star_p == kNone || ++star_s >= sn) return false;
    p = star_p;
    s = star_s;
    groups = star_groups;
  }
}

}  // namespace keel::engine
