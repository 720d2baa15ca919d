// redis.conf's lexical rules. These decide which configuration files start and which values
// CONFIG SET accepts, so they follow redis-server 7.0's observable behaviour (quirks included)
// rather than a cleaner grammar: an existing redis.conf must mean the same thing to Keel.
#include "server/config_parse.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "engine/parse.h"

namespace keel::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::optional<std::vector<std::string>> SplitConfigLine(std::string_view line) {
  // Reading past the end yields '\0', which plays the role of the C string terminator Redis's
  // parser relies on; a NUL byte inside the line therefore ends it, as it does for Redis.
  auto at = [&line](size_t i) { return i < line.size() ? line[i] : '\0'; };
  std::vector<std::string> words;
  size_t p = 0;
  while (true) {
    while (at(p) != '\0' && IsSpace(at(p))) ++p;
    if (at(p) == '\0') return words;
    std::string word;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      char c = at(p);
      if (in_double) {
        if (c == '\\' && at(p + 1) == 'x' && HexValue(at(p + 2)) >= 0 && HexValue(at(p + 3)) >= 0) {
          word.push_back(static_cast<char>(HexValue(at(p + 2)) * 16 + HexValue(at(p + 3))));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          ++p;
          switch (at(p)) {
            case 'n':
              word.push_back('\n');
              break;
            case 'r':
              word.push_back('\r');
              break;
            case 't':
              word.push_back('\t');
              break;
            case 'b':
              word.push_back('\b');
              break;
            case 'a':
              word.push_back('\a');
              break;
            default:
              word.push_back(at(p));
              break;
          }
        } else if (c == '"') {
          // A closing quote glued to more text ("a"b) is an error, not a concatenation.
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return std::nullopt;
          done = true;
        } else if (c == '\0') {
          return std::nullopt;
        } else {
          word.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          word.push_back('\'');
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return std::nullopt;
          done = true;
        } else if (c == '\0') {
          return std::nullopt;
        } else {
          word.push_back(c);
        }
      } else {
        switch (c) {
          // Only these end an unquoted word; other blanks (\v, \f) are kept inside it.
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            word.push_back(c);
            break;
        }
      }
      if (at(p) != '\0') ++p;
    }
    words.push_back(std::move(word));
  }
}

std::string QuoteConfigWord(std::string_view word) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : word) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default: {
        auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u <= 0x7e) {
          out.push_back(c);
        } else {
          out += "\\x";
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0xf]);
        }
      }
    }
  }
  out.push_back('"');
  return out;
}

std::vector<std::string> SplitOnSpaces(std::string_view value) {
  std::vector<std::string> words;
  if (value.empty()) return words;
  size_t start = 0;
  while (true) {
    size_t space = value.find(' ', start);
    if (space == std::string_view::npos) {
      words.emplace_back(value.substr(start));
      return words;
    }
    words.emplace_back(value.substr(start, space - start));
    start = space + 1;
  }
}

std::optional<uint64_t> ParseMemory(std::string_view text) {
  if (!text.empty() && text[0] == '-') return std::nullopt;
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::string_view unit = text.substr(digits);
  uint64_t mul;
  if (unit.empty() || engine::EqualsIgnoreCase(unit, "b")) {
    mul = 1;
  } else if (engine::EqualsIgnoreCase(unit, "k")) {
    mul = 1000;
  } else if (engine::EqualsIgnoreCase(unit, "kb")) {
    mul = 1024;
  } else if (engine::EqualsIgnoreCase(unit, "m")) {
    mul = 1000 * 1000;
  } else if (engine::EqualsIgnoreCase(unit, "mb")) {
    mul = 1024 * 1024;
  } else if (engine::EqualsIgnoreCase(unit, "g")) {
    mul = 1000ull * 1000 * 1000;
  } else if (engine::EqualsIgnoreCase(unit, "gb")) {
    mul = 1024ull * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  // Redis copies the digits into a 128-byte buffer first and refuses longer numbers.
  if (digits >= 128) return std::nullopt;
  // strtoull semantics on purpose: no digits gives 0 and overflow saturates at UINT64_MAX; the
  // bounds check of the option then refuses such values with Redis's own message.
  uint64_t value = 0;
  for (size_t i = 0; i < digits; ++i) {
    uint64_t d = static_cast<uint64_t>(text[i] - '0');
    if (value > (UINT64_MAX - d) / 10) {
      value = UINT64_MAX;
      break;
    }
    value = value * 10 + d;
  }
  if (value > UINT64_MAX / mul) return std::nullopt;
  return value * mul;
}

std::optional<int64_t> ParseLooseInt(std::string_view text) {
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(copy.c_str(), &end, 10);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  return static_cast<int64_t>(v);
}

}  // namespace keel::server
