// Helpers shared by the codec tests: hex dumps in failure messages, hex literals for golden bytes
// (from files redis-server wrote), strings viewed as byte spans, and the check of a Corruption.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/byte_stream.h"
#include "formats/status.h"

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

// `s` is a Corruption at `offset`, the rendered text says so, and the message contains `words`.
inline void CheckCorruptionAt(const Status& s, uint64_t offset, std::string_view words) {
  INFO(s.ToString());
  REQUIRE(s.IsCorruption());
  CHECK(s.offset() == offset);
  CHECK(s.ToString().find("at offset " + std::to_string(offset)) != std::string::npos);
  CHECK(s.message().find(words) != std::string_view::npos);
}

// Every copy of `good` with one byte set to one of `values`: `validate(bad, &count)` must refuse
// it with a Corruption inside the bytes, or accept it, and then `walk(bad, count)` checks the
// accepted copy. Returns how many copies were accepted.
template <typename Validate, typename Walk>
size_t ForEachSingleByteChange(std::string_view good, std::initializer_list<int> values,
                               Validate validate, Walk walk) {
  size_t accepted = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    for (int v : values) {
      std::vector<uint8_t> bad(good.begin(), good.end());
      bad[i] = static_cast<uint8_t>(v);
      size_t count = 0;
      Status s = validate(bad, &count);
      if (!s.ok()) {
        CHECK(s.IsCorruption());
        CHECK(s.offset() < bad.size());
        continue;
      }
      ++accepted;
      walk(bad, count);
    }
  }
  return accepted;
}

// Calls `check(prefix)` for every proper prefix of `good` (lengths 0 to good.size() - 1): the
// file as a crash could have left it.
template <typename Check>
void ForEachPrefix(std::string_view good, Check check) {
  for (size_t n = 0; n < good.size(); ++n) {
    INFO("prefix of " << n << " of " << good.size() << " bytes");
    check(good.substr(0, n));
  }
}

}  // namespace keel::formats::testing
