// Tests for LZF: output byte-identical to Redis's lzf_compress (golden data from redis-server
// 7.0.15's DUMP of strings it stored LZF-compressed), round trips across sizes and budgets, and
// bounds-checked decompression of damaged input.
#include "formats/lzf.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/formats/test_bytes.h"

namespace keel::formats {
namespace {

using testing::Bytes;
using testing::Hex;

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The inputs the golden data was made from (the same formulas ran in Python against Redis).
std::string KeyValueText() {
  std::string s;
  for (int i = 0; i < 300; ++i) {
    s += "key:" + std::to_string(i % 37) + ":value:" + std::to_string(i * i % 101) + ";";
  }
  return s;
}

std::string FourLetterNoise() {
  std::string s;
  uint64_t x = 12345;
  for (int i = 0; i < 5000; ++i) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s.push_back(static_cast<char>('a' + (x >> 16) % 4));
  }
  return s;
}

// Redis stores a string LZF-compressed only when that saves at least four bytes.
std::string RedisStyle(std::string_view in) { return LzfCompressString(in, in.size() - 4); }

TEST_CASE("golden: compression is byte-identical to Redis's", "[lzf]") {
  // SET lzf2 <a x 100>; DUMP lzf2 -> \x00 \xc3 <clen 9> <ulen 100> <these 9 bytes>.
  CHECK(Hex(RedisStyle(std::string(100, 'a'))) == "016161e05700016161");

  const std::string kv = KeyValueText();
  REQUIRE(kv.size() == 4692);
  const std::string z1 = RedisStyle(kv);
  CHECK(z1.size() == 1490);
  CHECK(Hex(z1.substr(0, 64)) ==
        "0e6b65793a303a76616c75653a303b6b200d0031a00d0031600d0032a00d0034600d0033a00d0039600d0034"
        "a00d013136600e0035a00e013235600e0036a00e");
  CHECK(Fnv1a(z1) == 0x87f62e1057c9f9b1ULL);

  const std::string noise = FourLetterNoise();
  const std::string z3 = RedisStyle(noise);
  CHECK(z3.size() == 3003);
  CHECK(Hex(z3.substr(0, 64)) ==
        "1061616263646262636362616463646461622001016462400700614019006320152016006320100062402220"
        "0620020062201420166009016161201740254026");
  CHECK(Fnv1a(z3) == 0xec2c6a3a5fb7a7bcULL);
}

TEST_CASE("compress then decompress returns the input", "[lzf]") {
  std::vector<std::string> inputs = {"a",
                                     "ab",
                                     "abc",
                                     "abcd",
                                     "aaaaa",
                                     std::string(7, 'x'),
                                     std::string(262, 'r'),
                                     std::string(264, 'r'),
                                     std::string(265, 'r'),
                                     std::string(100000, 'q'),
                                     KeyValueText(),
                                     FourLetterNoise()};
  // Matches whose length lands near the 16-byte unrolled comparison and input end.
  for (int n = 15; n <= 24; ++n)
    inputs.push_back("xyz" + std::string(n, 'k') + "xyz" + std::string(n, 'k'));
  std::string bytes;
  for (int i = 0; i < 9000; ++i) bytes.push_back(static_cast<char>((i * 7919) % 251));
  inputs.push_back(bytes);
  for (const std::string& in : inputs) {
    INFO(in.size());
    // A generous budget always fits (literals cost one control byte per 32 bytes).
    std::string z = LzfCompressString(in, in.size() + in.size() / 32 + 8);
    REQUIRE_FALSE(z.empty());
    Result<std::string> back = LzfDecompressString(z, in.size());
    REQUIRE(back.has_value());
    CHECK(*back == in);
  }
}

TEST_CASE("compression fails with 0 when the budget is too small", "[lzf]") {
  CHECK(LzfCompressString("", 100).empty());
  CHECK(LzfCompressString("abc", 0).empty());
  // One byte needs a control byte too, and lzf_compress wants three bytes of slack at the end.
  CHECK(LzfCompressString("a", 3).empty());
  CHECK(Hex(LzfCompressString("a", 4)) == "0061");
  // Incompressible data does not fit in less than its own size.
  std::string noise;
  uint64_t x = 99;
  for (int i = 0; i < 4096; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    noise.push_back(static_cast<char>(x >> 56));
  }
  CHECK(RedisStyle(noise).empty());
  // Every budget either fails or produces a decompressible result within it.
  const std::string kv = KeyValueText().substr(0, 600);
  for (size_t budget = 0; budget < 700; ++budget) {
    std::string out(budget + 16, '\x5a');  // canary bytes past the budget
    size_t n = LzfCompress(Bytes(kv), {reinterpret_cast<uint8_t*>(out.data()), budget});
    CHECK(n <= budget);
    CHECK(out.substr(budget) == std::string(16, '\x5a'));
    if (n == 0) continue;
    Result<std::string> back = LzfDecompressString(out.substr(0, n), kv.size());
    REQUIRE(back.has_value());
    CHECK(*back == kv);
  }
}

void CheckCorrupt(const std::string& z, size_t out_len, uint64_t offset, std::string_view words) {
  std::vector<uint8_t> out(out_len + 8, 0xA5);
  Result<size_t> r = LzfDecompress(Bytes(z), {out.data(), out_len});
  REQUIRE_FALSE(r.has_value());
  INFO(r.error().ToString());
  CHECK(r.error().IsCorruption());
  CHECK(r.error().offset() == offset);
  CHECK(r.error().message().find(words) != std::string_view::npos);
  for (size_t i = out_len; i < out.size(); ++i) CHECK(out[i] == 0xA5);
}

TEST_CASE("decompression reports damaged input with its offset", "[lzf]") {
  SECTION("truncated literal run") {
    CheckCorrupt(std::string("\x04"
                             "abc",
                             4),
                 10, 0, "truncated");
  }
  SECTION("truncated back reference") {
    CheckCorrupt(std::string("\x01"
                             "ab"
                             "\x20",
                             4),
                 10, 3, "truncated");
    CheckCorrupt(std::string("\x01"
                             "ab"
                             "\xe0\x05",
                             5),
                 10, 3, "truncated");
  }
  SECTION("back reference before the start") {
    CheckCorrupt(std::string("\x01"
                             "ab"
                             "\x20\x05",
                             5),
                 10, 3, "before the start");
  }
  SECTION("output overflow by a literal and by a reference") {
    CheckCorrupt(std::string("\x03"
                             "abcd",
                             5),
                 3, 0, "overflows");
    CheckCorrupt(std::string("\x01"
                             "ab"
                             "\xe0\xff\x01",
                             6),
                 100, 3, "overflows");
  }
  SECTION("decompressed size differs from the expected one") {
    Result<std::string> r = LzfDecompressString(std::string("\x01"
                                                            "ab",
                                                            3),
                                                3);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message().find("instead of 3") != std::string_view::npos);
  }
  SECTION("an impossible expected size is refused before allocating") {
    Result<std::string> r = LzfDecompressString(
        "\x01"
        "ab",
        size_t{1} << 40);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message().find("cannot expand") != std::string_view::npos);
  }
}

TEST_CASE("an overlapping back reference repeats a run", "[lzf]") {
  // 'a', then "copy 9 bytes from 1 back": ten a's.
  std::string z(
      "\x00"
      "a"
      "\xe0\x00\x00",
      5);
  Result<std::string> r = LzfDecompressString(z, 10);
  REQUIRE(r.has_value());
  CHECK(*r == std::string(10, 'a'));
}

}  // namespace
}  // namespace keel::formats
