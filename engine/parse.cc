// Number parsing and formatting with Redis's rules. These decide which replies are errors, so they
// follow util.c's behaviour exactly rather than the C library's looser defaults.
#include "engine/parse.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace keel::engine {

std::optional<int64_t> ParseInt64(std::string_view s) {
  size_t n = s.size();
  if (n == 0 || n > 20) return std::nullopt;
  size_t i = 0;
  bool negative = false;
  if (n == 1 && s[0] == '0') return 0;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (n == 1) return std::nullopt;
  }
  // First digit must be 1-9: no leading zeros, no "-0".
  if (s[i] < '1' || s[i] > '9') return std::nullopt;
  uint64_t v = static_cast<uint64_t>(s[i] - '0');
  for (++i; i < n; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (v > UINT64_MAX / 10) return std::nullopt;
    v *= 10;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > UINT64_MAX - d) return std::nullopt;
    v += d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - v);
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(v);
}

namespace {
template <typename T, typename F>
std::optional<T> ParseFloating(std::string_view s, F conv) {
  // Redis bounds the buffer (MAX_LONG_DOUBLE_CHARS = 5k) and rejects leading whitespace.
  if (s.empty() || s.size() >= 5 * 1024) return std::nullopt;
  if (std::isspace(static_cast<unsigned char>(s[0]))) return std::nullopt;
  char buf[5 * 1024];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  errno = 0;
  T v = conv(buf, &end);
  if (static_cast<size_t>(end - buf) != s.size()) return std::nullopt;
  // Overflow to infinity and underflow to zero are errors, as in Redis; a denormal result is not.
  if (errno == ERANGE && (v == 0 || std::isinf(v))) return std::nullopt;
  if (std::isnan(v)) return std::nullopt;
  return v;
}
}  // namespace

std::optional<long double> ParseLongDouble(std::string_view s) {
  return ParseFloating<long double>(s, [](const char* b, char** e) { return std::strtold(b, e); });
}

std::optional<double> ParseDouble(std::string_view s) {
  return ParseFloating<double>(s, [](const char* b, char** e) { return std::strtod(b, e); });
}

std::string FormatLongDouble(long double v) {
  if (std::isinf(v) || std::isnan(v)) return std::string();
  char buf[5 * 1024 + 32];
  int len = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (len <= 0) return std::string();
  // Trim trailing zeros, and the dot when nothing follows it.
  if (std::memchr(buf, '.', static_cast<size_t>(len)) != nullptr) {
    char* p = buf + len - 1;
    while (*p == '0') {
      --p;
      --len;
    }
    if (*p == '.') --len;
  }
  std::string out(buf, static_cast<size_t>(len));
  if (out == "-0") out = "0";
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

}  // namespace keel::engine
