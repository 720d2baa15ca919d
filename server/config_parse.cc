// redis.conf's lexical rules. These decide which configuration files start and which values
// CONFIG SET accepts, so they follow redis-server 7.0's observable behaviour (quirks included)
// rather than a cleaner grammar: an existing redis.conf must mean the same thing to Keel.
#include "server/config_parse.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "engine/parse.h"
#include "formats/split_args.h"

namespace keel::server {

std::optional<std::vector<std::string>> SplitConfigLine(std::string_view line) {
  // Redis splits configuration lines as C strings: a NUL byte ends the line.
  line = line.substr(0, line.find('\0'));
  std::string storage(line.size(), '\0');
  std::vector<std::string_view> views;
  if (!formats::SplitArgs(line, storage.data(), &views)) return std::nullopt;
  return std::vector<std::string>(views.begin(), views.end());
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
