// Tests for the listpack codec: Redis's integer-string rules, every encoding boundary, the backlen
// thresholds, golden bytes produced by redis-server 7.0.15, and validation of damaged listpacks
// (each fault reported as Corruption at the right offset, nothing read out of bounds).
#include "formats/listpack.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/formats/test_bytes.h"

namespace keel::formats {
namespace {

using testing::Bytes;
using testing::FromHex;
using testing::Hex;

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The bytes one element takes in a listpack (encoding, data, backlen).
std::string Element(std::string_view v) {
  ListpackElement e = PrepareListpackElement(v);
  std::string out(e.entry_size(), '\0');
  WriteListpackElement(e, v, reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

std::string Listpack(const std::vector<std::string>& elements) {
  ListpackBuilder b;
  for (const std::string& e : elements) b.Add(e);
  return b.Finish();
}

// Walks a validated listpack both ways and returns its elements as strings.
std::vector<std::string> Elements(const std::string& lp) {
  std::vector<std::string> out;
  size_t off = kListpackHeaderSize;
  const auto* p = reinterpret_cast<const uint8_t*>(lp.data());
  while (p[off] != kListpackEof) {
    ListpackEntry e = DecodeListpackEntryUnsafe(p + off);
    out.push_back(e.is_int ? std::to_string(e.num) : std::string(e.sv()));
    off += e.entry_size;
  }
  return out;
}

TEST_CASE("integer strings follow Redis's lpStringToInt64", "[listpack]") {
  int64_t v = 0;
  CHECK(ListpackStringToInt64("0", &v));
  CHECK(v == 0);
  CHECK(ListpackStringToInt64("-1", &v));
  CHECK(v == -1);
  CHECK(ListpackStringToInt64("9223372036854775807", &v));
  CHECK(v == INT64_MAX);
  CHECK(ListpackStringToInt64("-9223372036854775808", &v));
  CHECK(v == INT64_MIN);
  for (const char* s :
       {"", "-", "-0", "00", "01", "+1", " 1", "1 ", "1a", "9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "1.0", "0x10", "000000000000000000001"}) {
    INFO(s);
    CHECK_FALSE(ListpackStringToInt64(s, &v));
  }
}

TEST_CASE("integers take the smallest encoding at every boundary", "[listpack]") {
  struct Case {
    const char* v;
    const char* hex;
  };
  const Case cases[] = {
      {"0", "0001"},
      {"127", "7f01"},
      {"128", "c08002"},
      {"-1", "dfff02"},
      {"4095", "cfff02"},
      {"-4096", "d00002"},
      {"4096", "f1001003"},
      {"-4097", "f1ffef03"},
      {"32767", "f1ff7f03"},
      {"-32768", "f1008003"},
      {"32768",
       "f2008000"
       "04"},
      {"-32769", "f2ff7fff04"},
      {"8388607", "f2ffff7f04"},
      {"-8388608",
       "f2000080"
       "04"},
      {"8388608", "f30000800005"},
      {"-8388609", "f3ffff7fff05"},
      {"2147483647", "f3ffffff7f05"},
      {"-2147483648", "f30000008005"},
      {"2147483648", "f4000000800000000009"},
      {"-2147483649", "f4ffffff7fffffffff09"},
      {"9223372036854775807", "f4ffffffffffffff7f09"},
      {"-9223372036854775808", "f4000000000000008009"},
  };
  for (const Case& c : cases) {
    INFO(c.v);
    CHECK(Hex(Element(c.v)) == c.hex);
    int64_t n = 0;
    REQUIRE(ListpackStringToInt64(c.v, &n));
    ListpackElement e = PrepareListpackInt(n);
    CHECK(e.is_int);
    CHECK(e.entry_size() == std::string_view(c.hex).size() / 2);
    std::string el = Element(c.v);
    ListpackEntry d = DecodeListpackEntryUnsafe(reinterpret_cast<const uint8_t*>(el.data()));
    CHECK(d.is_int);
    CHECK(d.num == n);
    CHECK(d.entry_size == el.size());
  }
}

TEST_CASE("string lengths cross the 6-bit, 12-bit and 32-bit encodings", "[listpack]") {
  struct Case {
    size_t len;
    size_t header;
    size_t backlen;
  };
  // 127 is the last one-byte backlen; Redis gives 16383 three bytes although 14 bits would do.
  const Case cases[] = {{0, 1, 1},     {63, 1, 1},      {64, 2, 1},     {125, 2, 1},
                        {126, 2, 2},   {4095, 2, 2},    {4096, 5, 2},   {16377, 5, 2},
                        {16378, 5, 3}, {2097145, 5, 3}, {2097146, 5, 4}};
  for (const Case& c : cases) {
    INFO(c.len);
    std::string v(c.len, 'x');
    std::string el = Element(v);
    REQUIRE(el.size() == c.header + c.len + c.backlen);
    CHECK(ListpackEntrySize(v) == el.size());
    ListpackEntry d = DecodeListpackEntryUnsafe(reinterpret_cast<const uint8_t*>(el.data()));
    CHECK_FALSE(d.is_int);
    CHECK(d.sv() == v);
    CHECK(d.entry_size == el.size());
    const auto* last = reinterpret_cast<const uint8_t*>(el.data()) + el.size() - 1;
    CHECK(ListpackDecodeBacklen(last) == c.header + c.len);
  }
  CHECK(Hex(Element("")) == "8001");
  CHECK(Hex(Element(std::string(64, 'x'))).substr(0, 4) == "e040");
  CHECK(Hex(Element(std::string(4096, 'y'))).substr(0, 10) == "f000100000");
}

TEST_CASE("backlen round-trips at Redis's size thresholds", "[listpack]") {
  for (uint64_t l : {1ULL, 127ULL, 128ULL, 16382ULL, 16383ULL, 2097150ULL, 2097151ULL, 268435454ULL,
                     268435455ULL, 4294967300ULL}) {
    INFO(l);
    uint8_t buf[8] = {};
    size_t n = ListpackEncodeBacklen(l, buf + 2);
    CHECK(n == ListpackBacklenSize(l));
    CHECK(ListpackDecodeBacklen(buf + 2 + n - 1) == l);
  }
  CHECK(ListpackBacklenSize(16383) == 3);
  CHECK(ListpackBacklenSize(2097151) == 4);
  CHECK(ListpackBacklenSize(268435455) == 5);
  const uint8_t six_bytes[] = {0x81, 0x80, 0x80, 0x80, 0x80, 0x80};
  CHECK(ListpackDecodeBacklen(six_bytes + 5) == UINT64_MAX);
}

// Produced by redis-server 7.0.15 (config set rdbcompression no; list-max-listpack-size -5;
// RPUSH small <these>; DUMP small): the listpack of the list's only quicklist node.
const std::vector<std::string> kSmallElements = {"0",
                                                 "127",
                                                 "128",
                                                 "-1",
                                                 "-4096",
                                                 "4095",
                                                 "4096",
                                                 "-4097",
                                                 "32767",
                                                 "32768",
                                                 "-32768",
                                                 "-32769",
                                                 "8388607",
                                                 "8388608",
                                                 "-8388608",
                                                 "-8388609",
                                                 "2147483647",
                                                 "2147483648",
                                                 "-2147483648",
                                                 "-2147483649",
                                                 "9223372036854775807",
                                                 "-9223372036854775808",
                                                 "9223372036854775808",
                                                 "-9223372036854775809",
                                                 "-0",
                                                 "01",
                                                 "+1",
                                                 " 1",
                                                 "1 ",
                                                 "",
                                                 "a",
                                                 std::string(63, 'x'),
                                                 std::string(64, 'x'),
                                                 "12345678901234567890"};
const char* kSmallGolden =
    "59010000220000017f01c08002dfff02d00002cfff02f1001003f1ffef03f1ff7f03f200800004f1008003f2ff7f"
    "ff04f2ffff7f04f30000800005f200008004f3ffff7fff05f3ffffff7f05f4000000800000000009f30000008005"
    "f4ffffff7fffffffff09f4ffffffffffffff7f09f400000000000000800993393232333337323033363835343737"
    "3538303814942d3932323333373230333638353437373538303915822d300382303103822b310382203103823120"
    "038001816102bf787878787878787878787878787878787878787878787878787878787878787878787878787878"
    "78787878787878787878787878787878787878787878787840e04078787878787878787878787878787878787878"
    "78787878787878787878787878787878787878787878787878787878787878787878787878787878787878787842"
    "94313233343536373839303132333435363738393015ff";

TEST_CASE("golden: Keel encodes a list node exactly as Redis does", "[listpack]") {
  std::string lp = Listpack(kSmallElements);
  CHECK(Hex(lp) == kSmallGolden);
  CHECK(ValidateListpack(Bytes(lp), true).ok());
  std::vector<std::string> back = Elements(lp);
  REQUIRE(back.size() == kSmallElements.size());
  for (size_t i = 0; i < back.size(); ++i) CHECK(back[i] == kSmallElements[i]);
}

TEST_CASE("golden: a small hash's listpack from Redis's DUMP", "[listpack]") {
  // HSET h a 1 b hello; DUMP h = \x10 \x16 <22 bytes of listpack> <version> <crc>.
  CHECK(Hex(Listpack({"a", "1", "b", "hello"})) == "16000000040081610201018162028568656c6c6f06ff");
}

TEST_CASE("golden: multi-byte backlens of long strings match Redis", "[listpack]") {
  // RPUSH big1 y*4095 y*4096 z*16377 z*16378 with list-max-listpack-size -5: one node whose
  // listpack Redis printed as size, FNV-1a 64 and first/last 12 bytes.
  std::string lp = Listpack({std::string(4095, 'y'), std::string(4096, 'y'),
                             std::string(16377, 'z'), std::string(16378, 'z')});
  CHECK(lp.size() == 40979);
  CHECK(Hex(lp.substr(0, 12)) == "13a000000400efff79797979");
  CHECK(Hex(lp.substr(lp.size() - 12)) == "7a7a7a7a7a7a7a7a00ffffff");
  CHECK(Fnv1a(lp) == 0xdd45eb12f17553eeULL);
  // 2097146 bytes: encoded size 2097151 takes a 4-byte backlen at Redis's threshold.
  std::string w1 = Listpack({std::string(2097146, 'w')});
  CHECK(w1.size() == 2097162);
  CHECK(Fnv1a(w1) == 0x643bf8df25e3d82cULL);
  CHECK(Hex(w1.substr(w1.size() - 12)) == "7777777777777700ffffffff");
  std::string w2 = Listpack({std::string(2097147, 'w')});
  CHECK(Hex(w2.substr(0, 12)) == "0b0020000100f0fbff1f0077");
  CHECK(Fnv1a(w2) == 0xef26b7cddf79086fULL);
  CHECK(ValidateListpack(Bytes(w2), true).ok());
}

TEST_CASE("validation accepts good listpacks and counts their elements", "[listpack]") {
  std::string lp = Listpack(kSmallElements);
  size_t count = 0;
  REQUIRE(ValidateListpack(Bytes(lp), true, nullptr, &count).ok());
  CHECK(count == kSmallElements.size());
  std::string empty = Listpack({});
  CHECK(Hex(empty) ==
        "07000000"
        "0000ff");
  CHECK(ValidateListpack(Bytes(empty), true, nullptr, &count).ok());
  CHECK(count == 0);
  // A count of 65535 means "unknown" and is never checked against the elements.
  lp[4] = '\xff';
  lp[5] = '\xff';
  CHECK(ValidateListpack(Bytes(lp), true, nullptr, &count).ok());
  CHECK(count == kSmallElements.size());
}

TEST_CASE("65535 or more elements leave the header count unknown", "[listpack]") {
  ListpackBuilder b;
  for (int i = 0; i < 65535; ++i) b.AddInt(i % 100);
  std::string lp = b.Finish();
  CHECK(ListpackHeaderCount(Bytes(lp).data()) == kListpackCountUnknown);
  size_t count = 0;
  REQUIRE(ValidateListpack(Bytes(lp), true, nullptr, &count).ok());
  CHECK(count == 65535);
}

void CheckCorrupt(const std::string& lp, uint64_t offset, std::string_view words) {
  Status s = ValidateListpack(Bytes(lp), true);
  INFO(s.ToString());
  REQUIRE(s.IsCorruption());
  CHECK(s.offset() == offset);
  CHECK(s.message().find(words) != std::string_view::npos);
}

TEST_CASE("validation reports each fault with its offset", "[listpack]") {
  const std::string good = Listpack({"hello", "42", std::string(100, 'q')});
  SECTION("shorter than header and terminator") { CheckCorrupt(good.substr(0, 6), 0, "shorter"); }
  SECTION("header total differs from the size") {
    CheckCorrupt(good.substr(0, good.size() - 1), 0, "header says");
    std::string lp = good + '\xff';
    CheckCorrupt(lp, 0, "header says");
  }
  SECTION("no terminator") {
    std::string lp = good;
    lp.back() = 0;
    CheckCorrupt(lp, lp.size() - 1, "terminator");
  }
  SECTION("unknown encoding byte") {
    std::string lp = good;
    lp[6 + 7] = '\xf5';  // the second element, after "hello" (1 + 5 + 1 bytes)
    CheckCorrupt(lp, 13, "0xf5");
  }
  SECTION("string running past the end") {
    std::string lp = good;
    lp[6] = '\xef';  // a 4095-byte string where a 5-byte one was
    lp[7] = '\xff';
    CheckCorrupt(lp, 6, "past the end");
  }
  SECTION("32-bit string length near 4 GiB") {
    std::string lp = Listpack({"x"});
    std::string body = "\xf0\xff\xff\xff\xff";
    lp.insert(6, body);
    SetListpackTotalBytes(reinterpret_cast<uint8_t*>(lp.data()), static_cast<uint32_t>(lp.size()));
    CheckCorrupt(lp, 6, "past the end");
  }
  SECTION("length bytes cut by the terminator") {
    std::string lp = FromHex(
        "0a000000"
        "0100"
        "f000ff"
        "ff");
    CheckCorrupt(lp, 6, "length bytes");
  }
  SECTION("backlen disagreeing with the element") {
    std::string lp = good;
    lp[6 + 6] = 5;  // "hello" is 6 bytes encoded
    CheckCorrupt(lp, 12, "backlen");
  }
  SECTION("terminator before the end") {
    std::string lp = good;
    lp[6] = '\xff';
    CheckCorrupt(lp, 6, "before the end");
  }
  SECTION("header count wrong") {
    std::string lp = good;
    lp[4] = 2;
    CheckCorrupt(lp, 4, "counts 2");
  }
  SECTION("a shallow check looks at the header and terminator only") {
    std::string lp = good;
    lp[6 + 6] = 5;
    CHECK(ValidateListpack(Bytes(lp), false).ok());
  }
}

TEST_CASE("the entry check sees every element and can stop validation", "[listpack]") {
  const std::string lp = Listpack({"f1", "v1", "f2", "7"});
  std::vector<size_t> offsets;
  std::vector<std::string> seen;
  Status s = ValidateListpack(Bytes(lp), true, [&](const ListpackEntry& e, size_t off) {
    offsets.push_back(off);
    seen.push_back(e.is_int ? std::to_string(e.num) : std::string(e.sv()));
    return Status::Ok();
  });
  CHECK(s.ok());
  CHECK(seen == std::vector<std::string>{"f1", "v1", "f2", "7"});
  CHECK(offsets == std::vector<size_t>{6, 10, 14, 18});
  s = ValidateListpack(Bytes(lp), true, [](const ListpackEntry& e, size_t off) {
    return e.is_int ? Status::Corruption("integer field", off) : Status::Ok();
  });
  CHECK(s.IsCorruption());
  CHECK(s.offset() == 18);
}

TEST_CASE("checked decoding refuses offsets outside the elements", "[listpack]") {
  const std::string lp = Listpack({"abc", "-5"});
  Result<ListpackEntry> e = DecodeListpackEntry(Bytes(lp), 6);
  REQUIRE(e.has_value());
  CHECK(e->sv() == "abc");
  Result<size_t> next = ValidateListpackEntry(Bytes(lp), 6);
  REQUIRE(next.has_value());
  Result<ListpackEntry> e2 = DecodeListpackEntry(Bytes(lp), *next);
  REQUIRE(e2.has_value());
  CHECK(e2->is_int);
  CHECK(e2->num == -5);
  for (size_t off : {size_t{0}, size_t{5}, lp.size() - 1, lp.size(), lp.size() + 100}) {
    INFO(off);
    CHECK(DecodeListpackEntry(Bytes(lp), off).error().IsCorruption());
  }
}

TEST_CASE("every truncation and single-byte change is caught or stays in bounds", "[listpack]") {
  const std::string good = Listpack({"hello", "-70000", std::string(200, 'z'), "12", ""});
  for (size_t n = 0; n < good.size(); ++n) {
    // A copy of exactly n bytes, so ASan sees any read past it.
    std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<long>(n));
    CHECK_FALSE(ValidateListpack(cut, true).ok());
  }
  for (size_t i = 0; i < good.size(); ++i) {
    for (int v : {0x00, 0x01, 0x7f, 0x80, 0xbf, 0xc0, 0xe0, 0xef, 0xf0, 0xf4, 0xf5, 0xff}) {
      std::vector<uint8_t> bad(good.begin(), good.end());
      bad[i] = static_cast<uint8_t>(v);
      size_t count = 0;
      if (!ValidateListpack(bad, true, nullptr, &count).ok()) continue;
      // Accepted: walking it both ways must stay inside the bytes and agree.
      size_t off = kListpackHeaderSize;
      std::vector<size_t> forward;
      while (bad[off] != kListpackEof) {
        forward.push_back(off);
        off += DecodeListpackEntryUnsafe(bad.data() + off).entry_size;
        REQUIRE(off < bad.size());
      }
      CHECK(forward.size() == count);
      for (size_t k = forward.size(); k-- > 0;) {
        uint64_t len = ListpackDecodeBacklen(bad.data() + off - 1);
        off -= len + ListpackBacklenSize(len);
        CHECK(off == forward[k]);
      }
    }
  }
}

}  // namespace
}  // namespace keel::formats
