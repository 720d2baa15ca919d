// Tests for the ziplist encoder used by version-9 RDB files: Redis's own example, each integer
// and string encoding at its limits with exact bytes, 1- and 5-byte prevlens, the zllen cap, and
// round trips through the decoder (ValidateZiplist, ForEachZiplistEntry), including conversions
// of listpacks.
#include "formats/ziplist_builder.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "formats/listpack.h"
#include "formats/ziplist.h"
#include "tests/formats/test_bytes.h"

namespace keel::formats {
namespace {

using testing::Bytes;
using testing::FromHex;
using testing::Hex;

struct Decoded {
  bool is_int;
  int64_t num;
  std::string str;
  bool operator==(const Decoded&) const = default;
};

std::vector<Decoded> DecodeAll(std::string_view zl) {
  size_t count = 0;
  REQUIRE(ValidateZiplist(Bytes(zl), &count).ok());
  std::vector<Decoded> out;
  REQUIRE(ForEachZiplistEntry(Bytes(zl), [&](const ZiplistEntry& e) {
            out.push_back({e.is_int, e.is_int ? e.num : 0, std::string(e.str)});
            return Status::Ok();
          }).ok());
  CHECK(out.size() == count);
  return out;
}

// The bytes of a one-entry ziplist holding `v`, without the 10-byte header, the prevlen 00 and
// the terminator.
std::string OneEntryBody(std::string_view v) {
  ZiplistBuilder b;
  b.Add(v);
  std::string zl(b.Finish());
  REQUIRE(zl.size() >= 12);
  CHECK(zl[10] == 0);
  CHECK(static_cast<uint8_t>(zl.back()) == 0xFF);
  return zl.substr(11, zl.size() - 12);
}

TEST_CASE("the example of ziplist.c: the integers 2 and 5", "[ziplist-builder]") {
  ZiplistBuilder b;
  b.Add("2");
  b.Add("5");
  CHECK(Hex(b.Finish()) ==
        "0f0000000c0000000200"
        "00f3"
        "02f6"
        "ff");
}

TEST_CASE("an empty ziplist has zltail at the terminator", "[ziplist-builder]") {
  ZiplistBuilder b;
  CHECK(Hex(b.Finish()) == "0b0000000a0000000000ff");
  CHECK(DecodeAll(b.Finish()).empty());
}

TEST_CASE("integers take the smallest encoding, immediates for 0..12", "[ziplist-builder]") {
  CHECK(Hex(OneEntryBody("0")) == "f1");
  CHECK(Hex(OneEntryBody("12")) == "fd");
  CHECK(Hex(OneEntryBody("13")) == "fe0d");
  CHECK(Hex(OneEntryBody("-1")) == "feff");
  CHECK(Hex(OneEntryBody("127")) == "fe7f");
  CHECK(Hex(OneEntryBody("-128")) == "fe80");
  CHECK(Hex(OneEntryBody("128")) == "c08000");
  CHECK(Hex(OneEntryBody("-129")) == "c07fff");
  CHECK(Hex(OneEntryBody("32767")) == "c0ff7f");
  CHECK(Hex(OneEntryBody("32768")) == "f0008000");
  CHECK(Hex(OneEntryBody("-32769")) == "f0ff7fff");
  CHECK(Hex(OneEntryBody("8388607")) == "f0ffff7f");
  CHECK(Hex(OneEntryBody("-8388608")) == "f0000080");
  CHECK(Hex(OneEntryBody("8388608")) == "d000008000");
  CHECK(Hex(OneEntryBody("2147483647")) == "d0ffffff7f");
  CHECK(Hex(OneEntryBody("-2147483648")) == "d000000080");
  CHECK(Hex(OneEntryBody("2147483648")) == "e00000008000000000");
  CHECK(Hex(OneEntryBody("9223372036854775807")) == "e0ffffffffffffff7f");
  CHECK(Hex(OneEntryBody("-9223372036854775808")) == "e00000000000000080");
}

TEST_CASE("non-canonical integers stay strings", "[ziplist-builder]") {
  CHECK(Hex(OneEntryBody("0123")) == "04" + Hex("0123"));
  CHECK(Hex(OneEntryBody("+1")) == "02" + Hex("+1"));
  CHECK(Hex(OneEntryBody("-0")) == "02" + Hex("-0"));
  CHECK(Hex(OneEntryBody(" 1")) == "02" + Hex(" 1"));
  CHECK(Hex(OneEntryBody("9223372036854775808")) == "13" + Hex("9223372036854775808"));
  CHECK(Hex(OneEntryBody("")) == "00");
  CHECK(Hex(OneEntryBody("1.5")) == "03" + Hex("1.5"));
}

TEST_CASE("string lengths: 6-bit, 14-bit and 32-bit big-endian", "[ziplist-builder]") {
  CHECK(Hex(OneEntryBody(std::string(63, 'a')).substr(0, 1)) == "3f");
  CHECK(Hex(OneEntryBody(std::string(64, 'a')).substr(0, 2)) == "4040");
  CHECK(Hex(OneEntryBody(std::string(16383, 'a')).substr(0, 2)) == "7fff");
  CHECK(Hex(OneEntryBody(std::string(16384, 'a')).substr(0, 5)) == "8000004000");
  for (size_t n : {63, 64, 16383, 16384, 70000}) {
    ZiplistBuilder b;
    b.Add(std::string(n, 'q'));
    b.Add("x");
    auto all = DecodeAll(b.Finish());
    REQUIRE(all.size() == 2);
    CHECK(all[0].str == std::string(n, 'q'));
    CHECK(all[1].str == "x");
  }
}

TEST_CASE("prevlen takes one byte below 254 and five from 254", "[ziplist-builder]") {
  // An entry of 253 bytes: prevlen 1 + encoding 1 + 251 bytes of string.
  ZiplistBuilder b;
  b.Add(std::string(251, 'a'));  // 251 > 63: the 14-bit length makes it 1 + 2 + 251 = 254
  b.Add("x");
  std::string zl(b.Finish());
  CHECK(Hex(zl.substr(10 + 254, 5)) == "fefe000000");
  CHECK(DecodeAll(zl).size() == 2);

  ZiplistBuilder c;
  c.Add(std::string(250, 'a'));  // 1 + 2 + 250 = 253
  c.Add("x");
  std::string zl2(c.Finish());
  CHECK(Hex(zl2.substr(10 + 253, 3)) == "fd0178");
  CHECK(ZiplistTailOffset(Bytes(zl2).data()) == 10 + 253);
  CHECK(DecodeAll(zl2).size() == 2);
}

TEST_CASE("zllen saturates at 65535 and the decoder walks to count", "[ziplist-builder]") {
  ZiplistBuilder b;
  for (int i = 0; i < 70000; ++i) b.AddInt(i % 3 == 0 ? i : -i * 1000);
  std::string zl(b.Finish());
  CHECK(ZiplistHeaderCount(Bytes(zl).data()) == 65535);
  auto all = DecodeAll(zl);
  REQUIRE(all.size() == 70000);
  CHECK(all[69999].num == 69999);  // 69999 is a multiple of 3
  CHECK(all[69998].num == -69998000);

  ZiplistBuilder c;
  for (int i = 0; i < 65534; ++i) c.AddInt(1);
  CHECK(ZiplistHeaderCount(Bytes(c.Finish()).data()) == 65534);
}

TEST_CASE("Finish can be called again after more entries, and Clear reuses", "[ziplist-builder]") {
  ZiplistBuilder b;
  b.Add("a");
  std::string first(b.Finish());
  b.Add("b");
  auto all = DecodeAll(b.Finish());
  REQUIRE(all.size() == 2);
  CHECK(all[1].str == "b");
  b.Clear();
  b.Add("2");
  b.Add("5");
  CHECK(Hex(b.Finish()) == "0f0000000c000000020000f302f6ff");
  CHECK(Hex(first) ==
        "0e0000000a000000010000016"
        "1ff");
}

TEST_CASE("listpack to ziplist keeps every element and its kind", "[ziplist-builder]") {
  std::vector<std::string> values = {"0",
                                     "12",
                                     "13",
                                     "-1",
                                     "hello",
                                     "",
                                     "0123",
                                     "1.5",
                                     "-9223372036854775808",
                                     "9223372036854775807",
                                     std::string(300, 'z'),
                                     std::string(20000, 'y'),
                                     "4096",
                                     "-4097",
                                     "8388608"};
  for (int i = 0; i < 200; ++i) values.push_back(std::to_string(i * 7919 - 500000));
  ListpackBuilder lb;
  for (const auto& v : values) lb.Add(v);
  const std::string lp = lb.Finish();
  REQUIRE(ValidateListpack(Bytes(lp), true).ok());

  const std::string zl = ListpackToZiplist(Bytes(lp));
  auto all = DecodeAll(zl);
  REQUIRE(all.size() == values.size());
  ZiplistBuilder direct;
  for (size_t i = 0; i < values.size(); ++i) {
    INFO(i);
    const std::string got = all[i].is_int ? std::to_string(all[i].num) : all[i].str;
    CHECK(got == values[i]);
    int64_t n;
    CHECK(all[i].is_int == ListpackStringToInt64(values[i], &n));
    direct.Add(values[i]);
  }
  // Converting gives the bytes pushing the strings one by one gives (what Redis would write).
  CHECK(Hex(direct.Finish()) == Hex(zl));

  // An empty listpack becomes an empty ziplist.
  CHECK(Hex(ListpackToZiplist(Bytes(ListpackBuilder().Finish()))) == "0b0000000a0000000000ff");
}

}  // namespace
}  // namespace keel::formats
