// Byte helpers shared by the codec tests: hex dumps in failure messages, hex literals for golden
// bytes (from files redis-server wrote), and strings viewed as byte spans.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace keel::formats::testing {

// Lower-case hex, two digits per byte.
inline std::string Hex(std::string_view s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// The bytes a hex string spells (an odd last digit is ignored).
inline std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

inline std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace keel::formats::testing
