// Tests for the zipmap decoder: the example from Redis's zipmap.c, 1- and 5-byte lengths at the
// 253/254 boundary, free bytes after values, unknown counts, and damaged zipmaps (each fault
// reported as Corruption with an offset, every truncation rejected, nothing read out of bounds).
// The blobs come from a small encoder below that follows zipmapSet's layout.
#include "formats/zipmap.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/formats/test_bytes.h"

namespace keel::formats {
namespace {

using testing::Bytes;
using testing::CheckCorruptionAt;
using testing::ForEachSingleByteChange;
using testing::Hex;

void PutLength(std::string* out, size_t n) {
  if (n < kZipmapBigLen) {
    out->push_back(static_cast<char>(n));
    return;
  }
  out->push_back(static_cast<char>(kZipmapBigLen));
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
}

struct Pair {
  std::string field;
  std::string value;
  uint8_t free = 0;  // unused bytes after the value
};

// zmlen is the pair count (254 once there are that many), unless `zmlen` overrides it.
std::string Zipmap(const std::vector<Pair>& pairs, int zmlen = -1) {
  size_t header = pairs.size() < kZipmapBigLen ? pairs.size() : kZipmapBigLen;
  if (zmlen >= 0) header = static_cast<size_t>(zmlen);
  std::string out(1, static_cast<char>(header));
  for (const Pair& p : pairs) {
    PutLength(&out, p.field.size());
    out += p.field;
    PutLength(&out, p.value.size());
    out.push_back(static_cast<char>(p.free));
    out += p.value;
    out.append(p.free, '\xff');  // free bytes hold anything; 0xff must not end the walk
  }
  out.push_back(static_cast<char>(kZipmapEnd));
  return out;
}

std::vector<std::pair<std::string, std::string>> Pairs(const std::string& zm) {
  std::vector<std::pair<std::string, std::string>> out;
  Status s = ForEachZipmapPair(Bytes(zm), [&](const ZipmapPair& p) {
    out.emplace_back(std::string(p.field), std::string(p.value));
    return Status::Ok();
  });
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

using PairList = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("the example from Redis's zipmap.c decodes", "[zipmap]") {
  // "foo" => "bar", "hello" => "world", as the comment at the top of zipmap.c spells it.
  const std::string zm(
      "\x02\x03"
      "foo"
      "\x03\x00"
      "bar"
      "\x05"
      "hello"
      "\x05\x00"
      "world"
      "\xff",
      24);
  CHECK(Zipmap({{"foo", "bar"}, {"hello", "world"}}) == zm);
  size_t count = 0;
  REQUIRE(ValidateZipmap(Bytes(zm), &count).ok());
  CHECK(count == 2);
  CHECK(Pairs(zm) == PairList{{"foo", "bar"}, {"hello", "world"}});
}

TEST_CASE("lengths switch to five bytes at 254", "[zipmap]") {
  const std::string f253(253, 'f'), f254(254, 'g'), v253(253, 'v'), v254(254, 'w');
  const std::string big(70000, 'b');
  const std::string zm = Zipmap({{f253, v254}, {f254, v253}, {"", ""}, {big, "x"}, {"k", big}});
  CHECK(Hex(zm.substr(0, 2)) == "05fd");                  // 5 pairs, then a 1-byte length 253
  CHECK(Hex(zm.substr(1 + 1 + 253, 5)) == "fefe000000");  // value length 254 in 5 bytes
  size_t count = 0;
  REQUIRE(ValidateZipmap(Bytes(zm), &count).ok());
  CHECK(count == 5);
  CHECK(Pairs(zm) == PairList{{f253, v254}, {f254, v253}, {"", ""}, {big, "x"}, {"k", big}});
}

TEST_CASE("free bytes after a value are skipped", "[zipmap]") {
  const std::string zm = Zipmap({{"a", "1", 3}, {"b", "", 1}, {"c", "xyz", 255}, {"d", "2", 0}});
  size_t count = 0;
  REQUIRE(ValidateZipmap(Bytes(zm), &count).ok());
  CHECK(count == 4);
  CHECK(Pairs(zm) == PairList{{"a", "1"}, {"b", ""}, {"c", "xyz"}, {"d", "2"}});
}

TEST_CASE("a zmlen of 254 is unknown and the pairs are walked", "[zipmap]") {
  std::string zm = Zipmap({{"a", "1"}, {"b", "2"}}, kZipmapBigLen);
  size_t count = 0;
  REQUIRE(ValidateZipmap(Bytes(zm), &count).ok());
  CHECK(count == 2);

  std::vector<Pair> many;
  for (int i = 0; i < 300; ++i) many.push_back({"f" + std::to_string(i), std::to_string(i)});
  zm = Zipmap(many);
  CHECK(static_cast<uint8_t>(zm[0]) == kZipmapBigLen);
  REQUIRE(ValidateZipmap(Bytes(zm), &count).ok());
  CHECK(count == 300);
  CHECK(Pairs(zm).back() == std::make_pair(std::string("f299"), std::string("299")));
}

void CheckCorrupt(const std::string& zm, uint64_t offset, std::string_view words) {
  CheckCorruptionAt(ValidateZipmap(Bytes(zm)), offset, words);
  Status walked = ForEachZipmapPair(Bytes(zm), [](const ZipmapPair&) { return Status::Ok(); });
  CHECK(walked.IsCorruption());
  CHECK(walked.offset() == offset);
}

TEST_CASE("zipmap validation reports each fault with its offset", "[zipmap]") {
  // Pairs at 1 ("foo" => "bar", 9 bytes) and 10 ("hello" => "world", 13 bytes); end at 23.
  const std::string good = Zipmap({{"foo", "bar"}, {"hello", "world"}});
  REQUIRE(good.size() == 24);
  SECTION("shorter than count and terminator") {
    CheckCorrupt("", 0, "shorter");
    CheckCorrupt("\xff", 0, "shorter");
  }
  SECTION("no terminator at the end") {
    CheckCorrupt(good.substr(0, good.size() - 1), 22, "terminator");
  }
  SECTION("empty zipmap") { CheckCorrupt(std::string("\x00\xff", 2), 0, "no pairs"); }
  SECTION("zmlen disagreeing with the pairs") {
    std::string zm = good;
    zm[0] = 3;
    CheckCorrupt(zm, 0, "counts 3 pairs but it holds 2");
    zm[0] = static_cast<char>(0xff);
    CheckCorrupt(zm, 0, "counts 255");
  }
  SECTION("field running past the end") {
    std::string zm = good;
    zm[10] = 40;  // "hello" claims 40 bytes
    CheckCorrupt(zm, 10, "field of 40 bytes runs past the end");
  }
  SECTION("field ending at the terminator has no value") {
    std::string zm = good;
    zm[10] = 12;  // "hello" swallows everything up to the terminator
    CheckCorrupt(zm, 23, "no value");
  }
  SECTION("5-byte field length cut by the terminator") {
    CheckCorrupt(std::string("\x01\xfe\x01\x00\xff", 5), 1, "field length runs past the end");
  }
  SECTION("32-bit field length near 4 GiB") {
    CheckCorrupt(std::string("\x01\xfe\xff\xff\xff\xfe"
                             "abcdef"
                             "\xff",
                             13),
                 1, "runs past");
  }
  SECTION("value running past the end") {
    std::string zm = good;
    zm[16] = 9;  // "world" claims 9 bytes
    CheckCorrupt(zm, 16, "value of 9 bytes and 0 free bytes runs past the end");
  }
  SECTION("free bytes running past the end") {
    std::string zm = good;
    zm[17] = 2;
    CheckCorrupt(zm, 16, "value of 5 bytes and 2 free bytes");
  }
  SECTION("value length cut before its free byte") {
    CheckCorrupt(std::string("\x01\x01k\x00\xff", 5), 4, "no free byte");
  }
  SECTION("value length byte 0xff") {
    std::string zm = good;
    zm[5] = static_cast<char>(0xff);  // "bar"'s length
    CheckCorrupt(zm, 5, "value length is the end marker");
  }
  SECTION("terminator before the end") {
    std::string zm = good;
    zm[10] = static_cast<char>(0xff);
    CheckCorrupt(zm, 10, "before the end");
  }
}

TEST_CASE("every truncation of a zipmap is rejected without reading past the bytes", "[zipmap]") {
  const std::string good = Zipmap(
      {{"foo", "bar", 2}, {std::string(300, 'k'), "v"}, {"", std::string(260, 'z'), 1}, {"x", ""}});
  REQUIRE(ValidateZipmap(Bytes(good)).ok());
  for (size_t n = 0; n < good.size(); ++n) {
    INFO(n);
    std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<long>(n));
    Status s = ValidateZipmap(cut);
    CHECK(s.IsCorruption());
    CHECK(s.offset() <= n);
    if (n >= kZipmapEmptySize) {
      cut[n - 1] = kZipmapEnd;  // repaired terminator: the walk itself must find the fault
      Status deep = ValidateZipmap(cut);
      CHECK(deep.IsCorruption());
      CHECK(deep.offset() < n);
    }
  }
}

TEST_CASE("single-byte changes to a zipmap are caught or walk inside the bytes", "[zipmap]") {
  const std::string good = Zipmap({{"ab", "cd", 1}, {std::string(254, 'q'), "1"}, {"z", "9"}});
  size_t accepted = ForEachSingleByteChange(
      good, {0x00, 0x01, 0x02, 0x03, 0x7f, 0xfd, 0xfe, 0xff},
      [](const std::vector<uint8_t>& bad, size_t* count) { return ValidateZipmap(bad, count); },
      [](const std::vector<uint8_t>& bad, size_t count) {
        size_t seen = 0;
        const auto* lo = reinterpret_cast<const char*>(bad.data());
        const auto* hi = lo + bad.size() - 1;
        REQUIRE(ForEachZipmapPair(bad, [&](const ZipmapPair& p) {
                  CHECK(p.field.data() > lo);
                  CHECK(p.field.data() + p.field.size() <= hi);
                  CHECK(p.value.data() > lo);
                  CHECK(p.value.data() + p.value.size() <= hi);
                  ++seen;
                  return Status::Ok();
                }).ok());
        CHECK(seen == count);
      });
  CHECK(accepted > 0);
}

TEST_CASE("the zipmap visitor can stop the walk with its own error", "[zipmap]") {
  const std::string zm = Zipmap({{"a", "1"}, {"a", "2"}});
  std::vector<std::string> seen;
  Status s = ForEachZipmapPair(Bytes(zm), [&](const ZipmapPair& p) {
    for (const std::string& f : seen) {
      if (f == p.field) return Status::Corruption("duplicate field", p.offset);
    }
    seen.emplace_back(p.field);
    return Status::Ok();
  });
  CHECK(s.IsCorruption());
  CHECK(s.offset() == 6);  // the second pair: 0x01 "a" 0x01 0x00 "1" is five bytes
  CHECK(s.message() == "duplicate field");
}

}  // namespace
}  // namespace keel::formats
