// Tests for the ziplist decoder: the example from Redis's ziplist.c, every string and integer
// encoding at its limits, 1- and 5-byte prevlens, unknown counts, and damaged ziplists (each fault
// reported as Corruption with an offset, every truncation rejected, nothing read out of bounds).
// Keel never writes ziplists, so the blobs come from a small encoder below that follows Redis's
// choices (zipTryEncoding, zipStoreEntryEncoding, zipStorePrevEntryLength).
#include "formats/ziplist.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/formats/test_bytes.h"

namespace keel::formats {
namespace {

using testing::Bytes;
using testing::CheckCorruptionAt;
using testing::ForEachSingleByteChange;
using testing::FromHex;
using testing::Hex;

void PutLe(std::string* out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void SetLe(std::string* zl, size_t at, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) (*zl)[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Encoding and data of one entry (no prevlen), as Redis writes them.
std::string EncodeString(std::string_view s) {
  std::string out;
  const size_t n = s.size();
  if (n <= 0x3f) {
    out.push_back(static_cast<char>(kZipStr06b | n));
  } else if (n <= 0x3fff) {
    out.push_back(static_cast<char>(kZipStr14b | (n >> 8)));  // 14 bits, big-endian
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(kZipStr32b));  // 32 bits, big-endian
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  }
  out.append(s);
  return out;
}

std::string EncodeInt(int64_t v) {
  std::string out;
  const auto u = static_cast<uint64_t>(v);
  if (v >= 0 && v <= 12) {
    out.push_back(static_cast<char>(kZipIntImmMin + v));
  } else if (v >= INT8_MIN && v <= INT8_MAX) {
    out.push_back(static_cast<char>(kZipInt8b));
    PutLe(&out, u, 1);
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    out.push_back(static_cast<char>(kZipInt16b));
    PutLe(&out, u, 2);
  } else if (v >= -8388608 && v <= 8388607) {
    out.push_back(static_cast<char>(kZipInt24b));
    PutLe(&out, u, 3);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out.push_back(static_cast<char>(kZipInt32b));
    PutLe(&out, u, 4);
  } else {
    out.push_back(static_cast<char>(kZipInt64b));
    PutLe(&out, u, 8);
  }
  return out;
}

// Builds a ziplist from encoded entries: prevlens, zltail, zllen and zlbytes as Redis sets them.
class ZiplistMaker {
 public:
  ZiplistMaker& Str(std::string_view s) { return Raw(EncodeString(s)); }
  ZiplistMaker& Int(int64_t v) { return Raw(EncodeInt(v)); }
  // `big_prevlen`: store this entry's prevlen in 5 bytes even when 1 would do, as Redis leaves
  // it after a cascade update shrinks the previous entry.
  ZiplistMaker& Raw(std::string body, bool big_prevlen = false) {
    bodies_.push_back(std::move(body));
    big_.push_back(big_prevlen);
    return *this;
  }
  std::string Finish() const {
    std::string out(kZiplistHeaderSize, '\0');
    size_t prev = 0;
    size_t tail = kZiplistHeaderSize;
    for (size_t i = 0; i < bodies_.size(); ++i) {
      tail = out.size();
      if (prev < kZiplistBigPrevlen && !big_[i]) {
        out.push_back(static_cast<char>(prev));
      } else {
        out.push_back(static_cast<char>(kZiplistBigPrevlen));
        PutLe(&out, prev, 4);
      }
      out += bodies_[i];
      prev = out.size() - tail;
    }
    out.push_back(static_cast<char>(kZiplistEnd));
    SetLe(&out, 0, out.size(), 4);
    SetLe(&out, 4, tail, 4);
    SetLe(&out, 8, bodies_.size() >= 65535 ? 65535 : bodies_.size(), 2);
    return out;
  }

 private:
  std::vector<std::string> bodies_;
  std::vector<bool> big_;
};

// The entries of a valid ziplist as strings ("i:5" for integers, "s:..." for strings).
std::vector<std::string> Entries(const std::string& zl, std::vector<ZiplistEntry>* raw = nullptr) {
  std::vector<std::string> out;
  Status s = ForEachZiplistEntry(Bytes(zl), [&](const ZiplistEntry& e) {
    out.push_back(e.is_int ? "i:" + std::to_string(e.num) : "s:" + std::string(e.str));
    if (raw != nullptr) raw->push_back(e);
    return Status::Ok();
  });
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

TEST_CASE("the two-entry example from Redis's ziplist.c decodes", "[ziplist]") {
  // [0f 00 00 00] [0c 00 00 00] [02 00] [00 f3] [02 f6] [ff]: the integers 2 and 5.
  const std::string zl = FromHex("0f0000000c000000020000f302f6ff");
  size_t count = 0;
  REQUIRE(ValidateZiplist(Bytes(zl), &count).ok());
  CHECK(count == 2);
  CHECK(Entries(zl) == std::vector<std::string>{"i:2", "i:5"});
  CHECK(ZiplistMaker().Int(2).Int(5).Finish() == zl);
  // Appending "Hello World" gives [02] [0b] [48 65 6c 6c 6f 20 57 6f 72 6c 64] after "5".
  const std::string three = ZiplistMaker().Int(2).Int(5).Str("Hello World").Finish();
  CHECK(Hex(three) == "1c0000000e000000030000f302f6020b48656c6c6f20576f726c64ff");
  CHECK(Entries(three) == std::vector<std::string>{"i:2", "i:5", "s:Hello World"});
}

TEST_CASE("an empty ziplist is valid and has no entries", "[ziplist]") {
  const std::string zl = ZiplistMaker().Finish();
  CHECK(Hex(zl) == "0b0000000a0000000000ff");
  size_t count = 99;
  REQUIRE(ValidateZiplist(Bytes(zl), &count).ok());
  CHECK(count == 0);
  CHECK(Entries(zl).empty());
  // Redis checks an empty ziplist's zltail only against the size.
  std::string other = zl;
  other[4] = 5;
  CHECK(ValidateZiplist(Bytes(other)).ok());
}

TEST_CASE("string lengths cross the 6-bit, 14-bit and 32-bit encodings", "[ziplist]") {
  struct Case {
    size_t len;
    std::string header;  // encoding bytes, hex
  };
  const std::vector<Case> cases = {{0, "00"},
                                   {1, "01"},
                                   {63, "3f"},
                                   {64, "4040"},
                                   {255, "40ff"},
                                   {256, "4100"},
                                   {16383, "7fff"},
                                   {16384, "8000004000"},
                                   {70000, "8000011170"}};
  ZiplistMaker all;
  std::vector<std::string> want;
  for (const Case& c : cases) {
    INFO(c.len);
    std::string s(c.len, static_cast<char>('a' + c.len % 26));
    CHECK(Hex(EncodeString(s).substr(0, c.header.size() / 2)) == c.header);
    const std::string one = ZiplistMaker().Str(s).Finish();
    CHECK(Entries(one) == std::vector<std::string>{"s:" + s});
    all.Str(s);
    want.push_back("s:" + s);
  }
  const std::string zl = all.Finish();
  size_t count = 0;
  REQUIRE(ValidateZiplist(Bytes(zl), &count).ok());
  CHECK(count == cases.size());
  CHECK(Entries(zl) == want);
}

TEST_CASE("integers decode at the limits of every width", "[ziplist]") {
  struct Case {
    int64_t v;
    uint8_t enc;
  };
  const std::vector<Case> cases = {{0, 0xF1},
                                   {12, 0xFD},
                                   {13, kZipInt8b},
                                   {-1, kZipInt8b},
                                   {127, kZipInt8b},
                                   {-128, kZipInt8b},
                                   {128, kZipInt16b},
                                   {-129, kZipInt16b},
                                   {32767, kZipInt16b},
                                   {-32768, kZipInt16b},
                                   {32768, kZipInt24b},
                                   {-32769, kZipInt24b},
                                   {8388607, kZipInt24b},
                                   {-8388608, kZipInt24b},
                                   {8388608, kZipInt32b},
                                   {-8388609, kZipInt32b},
                                   {INT32_MAX, kZipInt32b},
                                   {INT32_MIN, kZipInt32b},
                                   {int64_t{INT32_MAX} + 1, kZipInt64b},
                                   {int64_t{INT32_MIN} - 1, kZipInt64b},
                                   {INT64_MAX, kZipInt64b},
                                   {INT64_MIN, kZipInt64b}};
  ZiplistMaker all;
  std::vector<std::string> want;
  for (const Case& c : cases) {
    INFO(c.v);
    CHECK(static_cast<uint8_t>(EncodeInt(c.v)[0]) == c.enc);
    all.Int(c.v);
    want.push_back("i:" + std::to_string(c.v));
  }
  const std::string zl = all.Finish();
  size_t count = 0;
  REQUIRE(ValidateZiplist(Bytes(zl), &count).ok());
  CHECK(count == cases.size());
  CHECK(Entries(zl) == want);
}

TEST_CASE("integers in wider encodings than needed still decode", "[ziplist]") {
  // Redis picks the smallest width, but a reader must not assume it: 5 as int64, -1 as int24.
  std::string five = "\xe0";
  PutLe(&five, 5, 8);
  std::string minus_one = "\xf0\xff\xff\xff";
  const std::string zl = ZiplistMaker().Raw(five).Raw(minus_one).Raw("\x40\x03xyz").Finish();
  CHECK(Entries(zl) == std::vector<std::string>{"i:5", "i:-1", "s:xyz"});
}

TEST_CASE("an entry of 254 bytes or more gives the next one a 5-byte prevlen", "[ziplist]") {
  // With a 1-byte prevlen, a string of n > 63 bytes takes 3 + n bytes.
  const std::string s250(250, 'x');  // entry of 253 bytes: next prevlen is 1 byte
  const std::string s251(251, 'y');  // entry of 254 bytes: next prevlen is 5 bytes
  const std::string zl = ZiplistMaker().Str(s250).Int(7).Str(s251).Int(8).Str("end").Finish();
  std::vector<ZiplistEntry> raw;
  CHECK(Entries(zl, &raw) ==
        std::vector<std::string>{"s:" + s250, "i:7", "s:" + s251, "i:8", "s:end"});
  REQUIRE(raw.size() == 5);
  CHECK(raw[0].size == 253);
  CHECK(raw[1].prevlen == 253);
  CHECK(static_cast<uint8_t>(zl[raw[1].offset]) == 253);
  CHECK(raw[3].prevlen == 254);
  CHECK(static_cast<uint8_t>(zl[raw[3].offset]) == kZiplistBigPrevlen);
  CHECK(raw[3].size == 6);  // 5-byte prevlen + immediate
  CHECK(raw[4].prevlen == 6);
  CHECK(ZiplistTailOffset(Bytes(zl).data()) == raw[4].offset);
  // Walking back from zltail by prevlens visits the same offsets.
  size_t off = ZiplistTailOffset(Bytes(zl).data());
  for (size_t k = raw.size(); k-- > 0;) {
    CHECK(off == raw[k].offset);
    off -= raw[k].prevlen;
  }
  CHECK(off == kZiplistHeaderSize);
}

TEST_CASE("a 5-byte prevlen holding a small size is accepted", "[ziplist]") {
  // Redis never shrinks a prevlen field once a cascade update widened it.
  const std::string zl = ZiplistMaker().Str("a").Raw(EncodeInt(3), true).Str("b").Finish();
  std::vector<ZiplistEntry> raw;
  CHECK(Entries(zl, &raw) == std::vector<std::string>{"s:a", "i:3", "s:b"});
  CHECK(raw[1].prevlen == 3);
  CHECK(raw[1].size == 6);
  CHECK(raw[2].prevlen == 6);
}

TEST_CASE("a count of 65535 is unknown and the entries are walked", "[ziplist]") {
  std::string zl = ZiplistMaker().Str("a").Int(1).Finish();
  SetLe(&zl, 8, 65535, 2);
  size_t count = 0;
  REQUIRE(ValidateZiplist(Bytes(zl), &count).ok());
  CHECK(count == 2);

  ZiplistMaker big;
  for (int i = 0; i < 70000; ++i) big.Int(i % 13);
  const std::string many = big.Finish();
  CHECK(ZiplistHeaderCount(Bytes(many).data()) == kZiplistCountUnknown);
  REQUIRE(ValidateZiplist(Bytes(many), &count).ok());
  CHECK(count == 70000);
}

void CheckCorrupt(const std::string& zl, uint64_t offset, std::string_view words) {
  CheckCorruptionAt(ValidateZiplist(Bytes(zl)), offset, words);
  // The visitor walk fails the same way.
  Status walked = ForEachZiplistEntry(Bytes(zl), [](const ZiplistEntry&) { return Status::Ok(); });
  CHECK(walked.IsCorruption());
  CHECK(walked.offset() == offset);
}

// Sets zlbytes to the real size, so a change gets past the first header check.
std::string FixBytes(std::string zl) {
  SetLe(&zl, 0, zl.size(), 4);
  return zl;
}

TEST_CASE("ziplist validation reports each fault with its offset", "[ziplist]") {
  // Entries at 10 ("hello", 7 bytes), 17 (-70000, 5 bytes), 22 (300 x 'q', 303 bytes), 325.
  const std::string good =
      ZiplistMaker().Str("hello").Int(-70000).Str(std::string(300, 'q')).Int(4).Finish();
  REQUIRE(ValidateZiplist(Bytes(good)).ok());
  REQUIRE(ZiplistTailOffset(Bytes(good).data()) == 325);
  SECTION("shorter than header and terminator") {
    CheckCorrupt(good.substr(0, 10), 0, "shorter");
    CheckCorrupt("", 0, "shorter");
  }
  SECTION("zlbytes differs from the size") {
    CheckCorrupt(good.substr(0, good.size() - 1), 0, "header says");
    CheckCorrupt(good + '\xff', 0, "header says");
  }
  SECTION("no terminator at the end") {
    std::string zl = good;
    zl.back() = 0;
    CheckCorrupt(zl, zl.size() - 1, "terminator");
  }
  SECTION("zltail past the terminator") {
    std::string zl = good;
    SetLe(&zl, 4, zl.size(), 4);
    CheckCorrupt(zl, 4, "past the terminator");
  }
  SECTION("zltail not at the last entry") {
    std::string zl = good;
    SetLe(&zl, 4, 22, 4);
    CheckCorrupt(zl, 4, "not the last entry");
    SetLe(&zl, 4, 326, 4);  // inside the last entry
    CheckCorrupt(zl, 4, "not the last entry");
  }
  SECTION("first entry with a nonzero prevlen") {
    std::string zl = good;
    zl[10] = 1;
    CheckCorrupt(zl, 10, "previous entry of 1 bytes but it has 0");
  }
  SECTION("prevlen disagreeing with the previous entry") {
    std::string zl = good;
    zl[17] = 6;
    CheckCorrupt(zl, 17, "previous entry of 6 bytes but it has 7");
    zl = good;
    SetLe(&zl, 326, 302, 4);  // the 5-byte prevlen after the 303-byte string
    CheckCorrupt(zl, 325, "previous entry of 302 bytes but it has 303");
  }
  SECTION("unknown encoding bytes") {
    for (int b : {0xC1, 0xCF, 0xD5, 0xE8, 0xEF, 0xFF}) {
      std::string zl = good;
      zl[18] = static_cast<char>(b);  // -70000's int24 encoding byte
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%02x", b);
      CheckCorrupt(zl, 18, hex);
    }
  }
  SECTION("string running past the end") {
    std::string zl = good;
    zl[11] = '\x7f';  // a 16383-byte string where a 5-byte one was
    zl[12] = '\xff';
    CheckCorrupt(zl, 10, "runs past the end");
  }
  SECTION("32-bit string length near 4 GiB") {
    std::string zl =
        FixBytes(ZiplistMaker().Raw("\x80\xff\xff\xff\xfe" + std::string(8, 'z')).Finish());
    CheckCorrupt(zl, 10, "runs past the end");
  }
  SECTION("integer data cut by the terminator") {
    // One entry whose int64 data would need 8 bytes; only 2 precede the terminator.
    std::string zl =
        FixBytes(FromHex("00000000"
                         "0a000000"
                         "0100"
                         "00e00102"
                         "ff"));
    CheckCorrupt(zl, 10, "runs past the end");
  }
  SECTION("string length bytes cut by the terminator") {
    std::string zl =
        FixBytes(FromHex("00000000"
                         "0a000000"
                         "0100"
                         "008000"
                         "ff"));
    CheckCorrupt(zl, 11, "length bytes");
  }
  SECTION("5-byte prevlen cut by the terminator") {
    std::string zl =
        FixBytes(FromHex("00000000"
                         "0a000000"
                         "0100"
                         "fe0000"
                         "ff"));
    CheckCorrupt(zl, 10, "prevlen runs past the end");
  }
  SECTION("terminator before the end") {
    std::string zl = good;
    zl[17] = '\xff';
    CheckCorrupt(zl, 17, "before the end");
  }
  SECTION("zllen disagreeing with the entries") {
    std::string zl = good;
    zl[8] = 3;
    CheckCorrupt(zl, 8, "counts 3 entries but it holds 4");
    zl[8] = 0;
    CheckCorrupt(zl, 8, "counts 0");
    SetLe(&zl, 8, 65534, 2);
    CheckCorrupt(zl, 8, "counts 65534");
  }
}

TEST_CASE("every truncation of a ziplist is rejected without reading past the bytes", "[ziplist]") {
  const std::string good = ZiplistMaker()
                               .Str("hello")
                               .Int(-70000)
                               .Str(std::string(300, 'z'))
                               .Int(12)
                               .Int(INT64_MIN)
                               .Str(std::string(70, 'w'))
                               .Str("")
                               .Finish();
  REQUIRE(ValidateZiplist(Bytes(good)).ok());
  for (size_t n = 0; n < good.size(); ++n) {
    INFO(n);
    // Exact-size copies, so ASan sees any read past the end.
    std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<long>(n));
    Status s = ValidateZiplist(cut);
    CHECK(s.IsCorruption());
    CHECK(s.offset() <= n);
    // The same bytes with zlbytes and the terminator repaired get past the header checks.
    if (n >= kZiplistEmptySize) {
      cut[0] = static_cast<uint8_t>(n);
      cut[1] = static_cast<uint8_t>(n >> 8);
      cut[n - 1] = kZiplistEnd;
      Status deep = ValidateZiplist(cut);
      CHECK(deep.IsCorruption());
      CHECK(deep.offset() < n);
    }
  }
}

TEST_CASE("single-byte changes to a ziplist are caught or walk consistently", "[ziplist]") {
  const std::string good =
      ZiplistMaker().Str("ab").Int(300).Str(std::string(260, 'k')).Int(-2).Int(9).Finish();
  size_t accepted = ForEachSingleByteChange(
      good, {0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xd0, 0xe0, 0xf0, 0xf1, 0xfd, 0xfe, 0xff},
      [](const std::vector<uint8_t>& bad, size_t* count) { return ValidateZiplist(bad, count); },
      [](const std::vector<uint8_t>& bad, size_t count) {
        size_t seen = 0;
        size_t last = 0;
        REQUIRE(ForEachZiplistEntry(bad, [&](const ZiplistEntry& e) {
                  CHECK(e.offset + e.size < bad.size());
                  if (!e.is_int) {
                    CHECK(e.str.data() >= reinterpret_cast<const char*>(bad.data()));
                    CHECK(e.str.data() + e.str.size() <=
                          reinterpret_cast<const char*>(bad.data() + bad.size() - 1));
                  }
                  last = e.offset;
                  ++seen;
                  return Status::Ok();
                }).ok());
        CHECK(seen == count);
        if (count > 0) CHECK(ZiplistTailOffset(bad.data()) == last);
      });
  CHECK(accepted > 0);  // e.g. changed string bytes
}

TEST_CASE("the ziplist visitor sees each entry once and can stop the walk", "[ziplist]") {
  const std::string zl = ZiplistMaker().Str("f1").Str("v1").Str("f2").Int(7).Finish();
  std::vector<size_t> offsets;
  Status s = ForEachZiplistEntry(Bytes(zl), [&](const ZiplistEntry& e) {
    offsets.push_back(e.offset);
    return Status::Ok();
  });
  CHECK(s.ok());
  CHECK(offsets == std::vector<size_t>{10, 14, 18, 22});
  s = ForEachZiplistEntry(Bytes(zl), [](const ZiplistEntry& e) {
    return e.is_int ? Status::Corruption("integer field", e.offset) : Status::Ok();
  });
  CHECK(s.IsCorruption());
  CHECK(s.offset() == 22);
  CHECK(s.message() == "integer field");
}

}  // namespace
}  // namespace keel::formats
