// CRC-64/Jones: the check value, agreement with a bit-at-a-time reference on every length around
// the 8-byte stride, chunked updates, and the checksums redis-server 7.0.15 put in DUMP payloads.
#include "formats/crc64.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/formats/test_bytes.h"

namespace keel::formats {
namespace {

using testing::FromHex;

// The definition, one bit at a time: reflected polynomial, initial value `crc`, no final xor.
uint64_t BitwiseCrc64(uint64_t crc, const std::string& data) {
  for (unsigned char c : data) {
    crc ^= c;
    for (int bit = 0; bit < 8; bit++)
      crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ull : crc >> 1;
  }
  return crc;
}

uint64_t LittleEndian64(const std::string& bytes) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

TEST_CASE("CRC64 check value of \"123456789\" is Redis's", "[crc64]") {
  CHECK(Crc64(0, std::string_view("123456789")) == 0xe9c6d914c4b8d9caull);
  CHECK(Crc64(0, std::string_view()) == 0);
}

TEST_CASE("CRC64 slicing agrees with the bitwise definition at every length", "[crc64]") {
  std::mt19937_64 rng(42);
  std::string data;
  for (size_t len = 0; len < 80; len++) {
    CHECK(Crc64(0, data) == BitwiseCrc64(0, data));
    CHECK(Crc64(0x1234, data) == BitwiseCrc64(0x1234, data));
    data.push_back(static_cast<char>(rng()));
  }
}

TEST_CASE("CRC64 over chunks equals CRC64 over the whole", "[crc64]") {
  std::mt19937_64 rng(7);
  std::string data(10000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  const uint64_t whole = Crc64(0, data);
  for (size_t cut : {size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{4095}, size_t{9999}}) {
    uint64_t crc = Crc64(0, std::string_view(data).substr(0, cut));
    crc = Crc64(crc, std::string_view(data).substr(cut));
    CHECK(crc == whole);
  }
}

TEST_CASE("CRC64 matches the trailers of DUMP payloads written by redis-server 7.0.15", "[crc64]") {
  // DUMP k (the string "hello") and DUMP l (RPUSH l a b 1 2): the value, the RDB version (10, two
  // bytes), then the CRC64 of everything before it, little-endian.
  for (const char* hex : {"000568656c6c6f0a006372df766534200a",
                          "1201021111000000040081610281620201010201ff0a006d72713e9b43482b"}) {
    std::string payload = FromHex(hex);
    std::string body = payload.substr(0, payload.size() - 8);
    CHECK(Crc64(0, body) == LittleEndian64(payload.substr(payload.size() - 8)));
  }
}

}  // namespace
}  // namespace keel::formats
