// Tests for the intset codec: encodings chosen at the 16/32/64-bit edges, little-endian element
// access, and validation of damaged intsets with the offset of each fault.
#include "formats/intset.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace keel::formats {
namespace {

std::vector<uint8_t> Make(uint32_t enc, const std::vector<int64_t>& values) {
  std::vector<uint8_t> out(kIntsetHeaderSize + values.size() * enc);
  IntsetStoreU32(out.data(), enc);
  IntsetStoreU32(out.data() + 4, static_cast<uint32_t>(values.size()));
  for (size_t i = 0; i < values.size(); ++i) {
    IntsetSetEncoded(out.data() + kIntsetHeaderSize, i, enc, values[i]);
  }
  return out;
}

TEST_CASE("value encodings switch at the 16 and 32-bit edges", "[intset]") {
  CHECK(IntsetValueEncoding(0) == kIntsetEnc16);
  CHECK(IntsetValueEncoding(INT16_MAX) == kIntsetEnc16);
  CHECK(IntsetValueEncoding(INT16_MIN) == kIntsetEnc16);
  CHECK(IntsetValueEncoding(INT16_MAX + 1) == kIntsetEnc32);
  CHECK(IntsetValueEncoding(INT16_MIN - 1) == kIntsetEnc32);
  CHECK(IntsetValueEncoding(INT32_MAX) == kIntsetEnc32);
  CHECK(IntsetValueEncoding(INT32_MIN) == kIntsetEnc32);
  CHECK(IntsetValueEncoding(int64_t{INT32_MAX} + 1) == kIntsetEnc64);
  CHECK(IntsetValueEncoding(int64_t{INT32_MIN} - 1) == kIntsetEnc64);
  CHECK(IntsetValueEncoding(INT64_MIN) == kIntsetEnc64);
}

TEST_CASE("elements are little-endian two's complement of the set width", "[intset]") {
  // SADD s64 5000000000 -3 7; DUMP s64 from redis-server 7.0.15.
  std::vector<uint8_t> is = Make(8, {-3, 7, 5000000000});
  const std::vector<uint8_t> redis = {0x08, 0,    0,    0,    0x03, 0,    0,    0, 0xfd, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0xff, 0xff, 0x07, 0,    0, 0,    0,    0,
                                      0,    0,    0x00, 0xf2, 0x05, 0x2a, 0x01, 0, 0,    0};
  CHECK(is == redis);
  for (uint32_t enc : {2u, 4u, 8u}) {
    const int64_t lo = enc == 2 ? INT16_MIN : enc == 4 ? INT32_MIN : INT64_MIN;
    const int64_t hi = enc == 2 ? INT16_MAX : enc == 4 ? INT32_MAX : INT64_MAX;
    std::vector<uint8_t> b = Make(enc, {lo, -1, 0, hi});
    const uint8_t* c = b.data() + kIntsetHeaderSize;
    CHECK(IntsetGetEncoded(c, 0, enc) == lo);
    CHECK(IntsetGetEncoded(c, 1, enc) == -1);
    CHECK(IntsetGetEncoded(c, 2, enc) == 0);
    CHECK(IntsetGetEncoded(c, 3, enc) == hi);
    CHECK(ValidateIntset(b, true).ok());
  }
}

void CheckCorrupt(const std::vector<uint8_t>& is, bool deep, uint64_t offset,
                  std::string_view words) {
  Status s = ValidateIntset(is, deep);
  INFO(s.ToString());
  REQUIRE(s.IsCorruption());
  CHECK(s.offset() == offset);
  CHECK(s.message().find(words) != std::string_view::npos);
}

TEST_CASE("intset validation reports each fault with its offset", "[intset]") {
  const std::vector<uint8_t> good = Make(4, {-70000, 1, 70000});
  CHECK(ValidateIntset(good, true).ok());
  SECTION("shorter than the header") {
    CheckCorrupt(std::vector<uint8_t>(good.begin(), good.begin() + 7), false, 0, "header");
  }
  SECTION("unknown encoding") {
    for (uint32_t enc : {0u, 1u, 3u, 16u}) {
      std::vector<uint8_t> b = good;
      IntsetStoreU32(b.data(), enc);
      CheckCorrupt(b, false, 0, "encoding");
    }
  }
  SECTION("size disagrees with length and encoding") {
    std::vector<uint8_t> b(good.begin(), good.end() - 1);
    CheckCorrupt(b, false, 4, "needs 20 bytes");
    b = good;
    IntsetStoreU32(b.data() + 4, 0xFFFFFFFF);  // no overflow: 8 + 4 * (2^32 - 1) bytes expected
    CheckCorrupt(b, false, 4, "needs");
  }
  SECTION("empty") { CheckCorrupt(Make(2, {}), false, 4, "empty"); }
  SECTION("out of order or duplicate, found only by a deep check") {
    std::vector<uint8_t> dup = Make(2, {1, 5, 5, 9});
    CHECK(ValidateIntset(dup, false).ok());
    CheckCorrupt(dup, true, 8 + 2 * 2, "ascending");
    CheckCorrupt(Make(8, {3, 2}), true, 16, "ascending");
  }
}

}  // namespace
}  // namespace keel::formats
