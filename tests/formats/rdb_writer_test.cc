// Tests for RdbWriter: the exact bytes of every primitive as Redis 7.0 writes them, a whole file
// and DUMP payloads compared with ones redis-server 7.0.15 produced, the version-9 conversions,
// buffering and checksums. rdb_writer_redis_test.cc has the checks with the real redis-server.
#include "formats/rdb_writer.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "formats/crc64.h"
#include "formats/listpack.h"
#include "formats/lzf.h"
#include "formats/ziplist.h"
#include "formats/ziplist_builder.h"
#include "tests/formats/test_bytes.h"

namespace keel::formats {
namespace {

using testing::Bytes;
using testing::FromHex;
using testing::Hex;

// The hex of what `fn` writes through a fresh writer (flushed, no header or trailer).
template <typename Fn>
std::string Written(Fn fn, RdbWriterOptions o = {}) {
  StringSink sink;
  RdbWriter w(sink, o);
  REQUIRE(fn(w).ok());
  REQUIRE(w.Flush().ok());
  CHECK(w.bytes_written() == sink.str().size());
  return Hex(sink.str());
}

std::string StringHex(std::string_view s, RdbWriterOptions o = {}) {
  return Written([&](RdbWriter& w) { return w.WriteString(s); }, o);
}

std::string LengthHex(uint64_t n) {
  return Written([&](RdbWriter& w) { return w.WriteLength(n); });
}

// Records each write the sink receives.
class ChunkSink final : public ByteSink {
 public:
  Status Write(std::span<const uint8_t> data) override {
    if (fail_after_ >= 0 && static_cast<int>(chunks_.size()) >= fail_after_) {
      return Status::IoError("no space left on device", 28);
    }
    chunks_.push_back(data.size());
    out_.append(reinterpret_cast<const char*>(data.data()), data.size());
    return Status::Ok();
  }
  std::vector<size_t> chunks_;
  std::string out_;
  int fail_after_ = -1;
};

TEST_CASE("lengths: 6-bit, 14-bit big-endian, 32 and 64-bit big-endian", "[rdb-writer]") {
  CHECK(LengthHex(0) == "00");
  CHECK(LengthHex(63) == "3f");
  CHECK(LengthHex(64) == "4040");
  CHECK(LengthHex(300) == "412c");
  CHECK(LengthHex(16383) == "7fff");
  CHECK(LengthHex(16384) == "8000004000");
  CHECK(LengthHex(UINT32_MAX) == "80ffffffff");
  CHECK(LengthHex(uint64_t{UINT32_MAX} + 1) == "810000000100000000");
}

TEST_CASE("strings that are canonical int32 take the integer encodings", "[rdb-writer]") {
  CHECK(StringHex("12") == "c00c");
  CHECK(StringHex("0") == "c000");
  CHECK(StringHex("-128") == "c080");
  CHECK(StringHex("127") == "c07f");
  CHECK(StringHex("128") == "c18000");
  CHECK(StringHex("-129") == "c17fff");
  CHECK(StringHex("32767") == "c1ff7f");
  CHECK(StringHex("32768") == "c200800000");
  CHECK(StringHex("123456") == "c240e20100");
  CHECK(StringHex("2147483647") == "c2ffffff7f");
  CHECK(StringHex("-2147483648") == "c200000080");
}

TEST_CASE("other strings are raw: non-canonical, beyond int32, longer than 11", "[rdb-writer]") {
  CHECK(StringHex("0123") == "04" + Hex("0123"));
  CHECK(StringHex("+1") == "02" + Hex("+1"));
  CHECK(StringHex("-0") == "02" + Hex("-0"));
  CHECK(StringHex("1 ") == "02" + Hex("1 "));
  CHECK(StringHex("2147483648") == "0a" + Hex("2147483648"));
  CHECK(StringHex("-2147483649") == "0b" + Hex("-2147483649"));
  CHECK(StringHex("") == "00");
  CHECK(StringHex("hello") == "05" + Hex("hello"));
  const std::string s64(64, 'x');  // incompressible? no: but compression is off here
  RdbWriterOptions raw;
  raw.compress = false;
  CHECK(StringHex(s64, raw) == "4040" + Hex(s64));
}

TEST_CASE("LZF: only above 20 bytes, only when it saves 4 bytes, only if enabled", "[rdb-writer]") {
  const std::string a21(21, 'a');
  // Redis 7.0.15 wrote exactly this for SET lz aaaaaaaaaaaaaaaaaaaaa.
  CHECK(StringHex(a21) == "c30615016161e00a00");
  const std::string a20(20, 'a');
  CHECK(StringHex(a20) == "14" + Hex(a20));
  RdbWriterOptions off;
  off.compress = false;
  CHECK(StringHex(a21, off) == "15" + Hex(a21));
  // 21 distinct bytes do not compress: raw.
  const std::string distinct = "abcdefghijklmnopqrstu";
  CHECK(StringHex(distinct) == "15" + Hex(distinct));
  // Compressible, but by less than 4 bytes: raw. "abcdefghijklmnopq" + "abcd" saves nothing.
  const std::string barely = "abcdefghijklmnopqabcd";
  CHECK(StringHex(barely) == "15" + Hex(barely));
  // A long value: the LZF blob decompresses back and its lengths are right.
  std::string big;
  for (int i = 0; i < 2000; ++i) big += "item:" + std::to_string(i % 50) + ";";
  const std::string enc = FromHex(StringHex(big));
  REQUIRE(static_cast<uint8_t>(enc[0]) == 0xc3);
  REQUIRE(enc.size() < big.size() / 2);
}

TEST_CASE("WriteInteger is rdbSaveLongLongAsStringObject", "[rdb-writer]") {
  auto hex = [](int64_t v) { return Written([&](RdbWriter& w) { return w.WriteInteger(v); }); };
  CHECK(hex(12) == "c00c");
  CHECK(hex(-129) == "c17fff");
  CHECK(hex(123456) == "c240e20100");
  CHECK(hex(int64_t{1} << 31) == "0a" + Hex("2147483648"));
  CHECK(hex(std::numeric_limits<int64_t>::min()) == "14" + Hex("-9223372036854775808"));
}

TEST_CASE("binary doubles are IEEE 754 little-endian", "[rdb-writer]") {
  auto hex = [](double d) { return Written([&](RdbWriter& w) { return w.WriteBinaryDouble(d); }); };
  CHECK(hex(1.5) == "000000000000f83f");
  CHECK(hex(-2.0) == "00000000000000c0");
  CHECK(hex(std::numeric_limits<double>::infinity()) == "000000000000f07f");
}

TEST_CASE("key prelude: expire ms, idle, freq, type and key in Redis's order", "[rdb-writer]") {
  RdbKeyMeta meta;
  meta.expire_ms = 4102444800000;  // 2100-01-01
  meta.idle_seconds = 300;
  meta.freq = 200;
  CHECK(Written([&](RdbWriter& w) { return w.BeginKey(rdb::kTypeString, "s", meta); }) ==
        "fc00d8c32cbb030000"
        "f8412c"
        "f9c8"
        "00"
        "0173");
  CHECK(Written([&](RdbWriter& w) { return w.BeginKey(rdb::kTypeString, "7"); }) == "00c007");
}

TEST_CASE("opcodes: SELECTDB, RESIZEDB, AUX, AUX integers, FUNCTION2", "[rdb-writer]") {
  CHECK(Written([](RdbWriter& w) { return w.WriteSelectDb(3); }) == "fe03");
  CHECK(Written([](RdbWriter& w) { return w.WriteResizeDb(100, 2); }) ==
        "fb4064"
        "02");
  CHECK(Written([](RdbWriter& w) { return w.WriteAux("redis-ver", "7.0.15"); }) ==
        "fa09" + Hex("redis-ver") + "06" + Hex("7.0.15"));
  CHECK(Written([](RdbWriter& w) { return w.WriteAuxInt("redis-bits", 64); }) ==
        "fa0a" + Hex("redis-bits") + "c040");
  // Beyond int32 rdbSaveAuxFieldStrInt's text stays text.
  CHECK(Written([](RdbWriter& w) { return w.WriteAuxInt("used-mem", 3000000000); }) ==
        "fa08" + Hex("used-mem") + "0a" + Hex("3000000000"));
  CHECK(Written([](RdbWriter& w) { return w.WriteFunction("#!lua name=x\n"); }) ==
        "f50d" + Hex("#!lua name=x\n"));
}

TEST_CASE("header, EOF and CRC64 trailer; zero trailer without checksums", "[rdb-writer]") {
  for (int version : {10, 9}) {
    for (bool checksum : {true, false}) {
      ChunkSink sink;
      RdbWriterOptions o;
      o.version = version;
      o.checksum = checksum;
      RdbWriter w(sink, o);
      REQUIRE(w.WriteHeader().ok());
      REQUIRE(w.Finish().ok());
      const std::string body = (version == 10 ? "REDIS0010" : "REDIS0009") + std::string("\xff");
      uint64_t crc = checksum ? Crc64(0, body) : 0;
      std::string trailer;
      for (int i = 0; i < 8; ++i) trailer.push_back(static_cast<char>(crc >> (8 * i)));
      CHECK(Hex(sink.out_) == Hex(body + trailer));
      CHECK(sink.chunks_.size() == 1);
      CHECK(w.bytes_written() == 18);
    }
  }
}

TEST_CASE("an RDB version other than 10 or 9 is refused", "[rdb-writer]") {
  StringSink sink;
  RdbWriterOptions o;
  o.version = 11;
  RdbWriter w(sink, o);
  CHECK(w.WriteHeader().code() == StatusCode::kInvalidArgument);
}

// The golden file: redis-server 7.0.15 after SET n 12, SET neg -129, SET s 0123, SET lz a*21,
// RPUSH l a 1, SADD is 3 1 2, HSET h f v, ZADD z 1.5 m 2 k, PEXPIREAT s 4102444800000, SAVE.
constexpr std::string_view kGolden =
    "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa0563"
    "74696d65c2a6f0016bfa08757365642d6d656dc2e8391000fa08616f662d62617365c000fe00fb080111017a"
    "14140000000400816d0283312e3504816b020201ff00016ec00cfc00d8c32cbb030000000173043031323300"
    "026c7ac30615016161e00a001001680d0d0000000200816602817602ff0b0269730e02000000030000000100"
    "0200030000036e6567c17fff12016c01020c0c00000002008161020101ffff4fe77efb069e538d";

std::string Listpack(std::initializer_list<std::string_view> elements) {
  ListpackBuilder b;
  for (auto e : elements) b.Add(e);
  return b.Finish();
}

std::string Intset16(std::initializer_list<int16_t> values) {
  std::string s = FromHex("02000000");
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(values.size() >> (8 * i)));
  for (int16_t v : values) {
    s.push_back(static_cast<char>(v & 0xff));
    s.push_back(static_cast<char>((v >> 8) & 0xff));
  }
  return s;
}

TEST_CASE("a whole file is byte for byte what redis-server 7.0.15 wrote", "[rdb-writer]") {
  ChunkSink sink;
  RdbWriter w(sink, {});
  REQUIRE(w.WriteHeader().ok());
  REQUIRE(w.WriteAux("redis-ver", "7.0.15").ok());
  REQUIRE(w.WriteAuxInt("redis-bits", 64).ok());
  REQUIRE(w.WriteAuxInt("ctime", 0x6b01f0a6).ok());
  REQUIRE(w.WriteAuxInt("used-mem", 0x1039e8).ok());
  REQUIRE(w.WriteAuxInt("aof-base", 0).ok());
  REQUIRE(w.WriteSelectDb(0).ok());
  REQUIRE(w.WriteResizeDb(8, 1).ok());
  // In the order of Redis's dict.
  REQUIRE(w.BeginKey(w.TypeForZsetListpack(), "z").ok());
  REQUIRE(w.WriteListpackValue(Bytes(Listpack({"m", "1.5", "k", "2"}))).ok());
  REQUIRE(w.BeginKey(rdb::kTypeString, "n").ok());
  REQUIRE(w.WriteInteger(12).ok());
  RdbKeyMeta ttl;
  ttl.expire_ms = 4102444800000;
  REQUIRE(w.BeginKey(rdb::kTypeString, "s", ttl).ok());
  REQUIRE(w.WriteString("0123").ok());
  REQUIRE(w.BeginKey(rdb::kTypeString, "lz").ok());
  REQUIRE(w.WriteString(std::string(21, 'a')).ok());
  REQUIRE(w.BeginKey(w.TypeForHashListpack(), "h").ok());
  REQUIRE(w.WriteListpackValue(Bytes(Listpack({"f", "v"}))).ok());
  REQUIRE(w.BeginKey(rdb::kTypeSetIntset, "is").ok());
  REQUIRE(w.WriteIntsetValue(Bytes(Intset16({1, 2, 3}))).ok());
  REQUIRE(w.BeginKey(rdb::kTypeString, "neg").ok());
  REQUIRE(w.WriteString("-129").ok());
  REQUIRE(w.BeginKey(w.TypeForQuicklist(), "l").ok());
  REQUIRE(w.BeginQuicklist(1).ok());
  REQUIRE(w.WriteQuicklistNode(Bytes(Listpack({"a", "1"}))).ok());
  REQUIRE(w.Finish().ok());
  CHECK(Hex(sink.out_) == kGolden);
  CHECK(sink.chunks_.size() == 1);
  CHECK(w.bytes_written() == kGolden.size() / 2);
}

TEST_CASE("DUMP payloads are byte for byte redis-server 7.0.15's", "[rdb-writer]") {
  auto dump = [](auto fn) {
    StringSink sink;
    RdbWriter w(sink, {});
    REQUIRE(fn(w).ok());
    REQUIRE(w.Flush().ok());
    return Hex(FinishDumpPayload(sink.str()));
  };
  auto raw_type = [](RdbWriter& w, uint8_t t) { return w.WriteRaw({&t, 1}); };
  CHECK(dump([&](RdbWriter& w) {
          KEEL_RETURN_IF_ERROR(raw_type(w, rdb::kTypeString));
          return w.WriteInteger(12);
        }) == "00c00c0a003c2af8515c04bcd5");
  CHECK(dump([&](RdbWriter& w) {
          KEEL_RETURN_IF_ERROR(raw_type(w, rdb::kTypeString));
          return w.WriteString(std::string(21, 'a'));
        }) == "00c30615016161e00a000a00fd0cb36807413f68");
  CHECK(dump([&](RdbWriter& w) {
          KEEL_RETURN_IF_ERROR(raw_type(w, w.TypeForQuicklist()));
          KEEL_RETURN_IF_ERROR(w.BeginQuicklist(1));
          return w.WriteQuicklistNode(Bytes(Listpack({"a", "1"})));
        }) == "1201020c0c00000002008161020101ff0a0094962b23ac17aa85");
  CHECK(dump([&](RdbWriter& w) {
          KEEL_RETURN_IF_ERROR(raw_type(w, w.TypeForHashListpack()));
          return w.WriteListpackValue(Bytes(Listpack({"f", "v"})));
        }) == "100d0d0000000200816602817602ff0a0020f13d442354089d");
  CHECK(dump([&](RdbWriter& w) {
          KEEL_RETURN_IF_ERROR(raw_type(w, rdb::kTypeSet));
          KEEL_RETURN_IF_ERROR(w.WriteLength(1));
          return w.WriteString("alpha");
        }) == "020105616c7068610a00cd054d495fe3f945");
}

TEST_CASE("quicklist nodes in version 10: container, then the blob", "[rdb-writer]") {
  const std::string lp = Listpack({"a", "1"});
  CHECK(Written([&](RdbWriter& w) { return w.WriteQuicklistNode(Bytes(lp)); }) ==
        "02"
        "0c" +
            Hex(lp));
  CHECK(Written([](RdbWriter& w) { return w.WriteQuicklistPlainNode("big"); }) ==
        "01"
        "03" +
            Hex("big"));
  // A compressed node is its stored LZF bytes, untouched: C3, clen, ulen, bytes.
  std::string elems;
  ListpackBuilder b;
  for (int i = 0; i < 100; ++i) b.Add("element-" + std::to_string(i % 10));
  const std::string big_lp = b.Finish();
  std::string lzf = LzfCompressString(big_lp, big_lp.size());
  REQUIRE(!lzf.empty());
  const std::string got = Written(
      [&](RdbWriter& w) { return w.WriteQuicklistCompressedNode(Bytes(lzf), big_lp.size()); });
  const std::string expect_lens = Written([&](RdbWriter& w) {
    KEEL_RETURN_IF_ERROR(w.WriteLength(lzf.size()));
    return w.WriteLength(big_lp.size());
  });
  CHECK(got == "02c3" + expect_lens + Hex(lzf));
}

// The ziplist of `s` read back, for the version-9 checks: its entries as text.
std::vector<std::string> ZiplistTexts(std::string_view zl) {
  std::vector<std::string> out;
  REQUIRE(ValidateZiplist(Bytes(zl)).ok());
  REQUIRE(ForEachZiplistEntry(Bytes(zl), [&](const ZiplistEntry& e) {
            out.push_back(e.is_int ? std::to_string(e.num) : std::string(e.str));
            return Status::Ok();
          }).ok());
  return out;
}

TEST_CASE("version 9: ziplists for hashes, sorted sets and quicklist nodes", "[rdb-writer]") {
  RdbWriterOptions v9;
  v9.version = 9;
  v9.compress = false;  // keep the ziplists readable in the output
  StringSink sink;
  RdbWriter w(sink, v9);
  CHECK(w.TypeForHashListpack() == rdb::kTypeHashZiplist);
  CHECK(w.TypeForZsetListpack() == rdb::kTypeZsetZiplist);
  CHECK(w.TypeForQuicklist() == rdb::kTypeListQuicklist);
  const std::string lp = Listpack({"f", "v", "n", "-70000"});
  REQUIRE(w.WriteListpackValue(Bytes(lp)).ok());
  REQUIRE(w.Flush().ok());
  const std::string zl = ListpackToZiplist(Bytes(lp));
  CHECK(Hex(sink.str()) == Hex(std::string(1, static_cast<char>(zl.size())) + zl));
  CHECK(ZiplistTexts(zl) == std::vector<std::string>{"f", "v", "n", "-70000"});

  // Quicklist: no containers; packed, plain and compressed nodes all become ziplists.
  sink.str().clear();
  ListpackBuilder b;
  for (int i = 0; i < 40; ++i) b.Add(i % 2 ? std::to_string(i * 1000) : "str" + std::to_string(i));
  const std::string node = b.Finish();
  const std::string lzf = LzfCompressString(node, node.size());
  REQUIRE(!lzf.empty());
  REQUIRE(w.BeginQuicklist(3).ok());
  REQUIRE(w.WriteQuicklistNode(Bytes(Listpack({"a", "1"}))).ok());
  REQUIRE(w.WriteQuicklistPlainNode("plain").ok());
  REQUIRE(w.WriteQuicklistCompressedNode(Bytes(lzf), node.size()).ok());
  REQUIRE(w.Flush().ok());
  const std::string out = sink.str();
  REQUIRE(out[0] == 3);
  size_t at = 1;
  std::vector<std::vector<std::string>> nodes;
  for (int i = 0; i < 3; ++i) {
    // A 6- or 14-bit length (compression is off, so each node is a raw string).
    size_t len = static_cast<uint8_t>(out[at]);
    size_t hdr = 1;
    if (len >= 0x40) {
      REQUIRE(len < 0x80);
      len = (len & 0x3f) << 8 | static_cast<uint8_t>(out[at + 1]);
      hdr = 2;
    }
    at += hdr - 1;
    nodes.push_back(ZiplistTexts(out.substr(at + 1, len)));
    at += 1 + len;
  }
  CHECK(at == out.size());
  CHECK(nodes[0] == std::vector<std::string>{"a", "1"});
  CHECK(nodes[1] == std::vector<std::string>{"plain"});
  REQUIRE(nodes[2].size() == 40);
  CHECK(nodes[2][39] == "39000");
}

TEST_CASE("version 9 refuses what Redis 6 cannot load", "[rdb-writer]") {
  RdbWriterOptions v9;
  v9.version = 9;
  StringSink sink;
  RdbWriter w(sink, v9);
  CHECK(w.WriteFunction("#!lua name=x\n").code() == StatusCode::kNotSupported);
  CHECK(w.BeginKey(rdb::kTypeHashListpack, "k").code() == StatusCode::kInvalidArgument);
  CHECK(w.BeginKey(rdb::kTypeListQuicklist2, "k").code() == StatusCode::kInvalidArgument);
  CHECK(w.BeginKey(rdb::kTypeListQuicklist, "k").ok());
  RdbWriter w10(sink, {});
  CHECK(w10.BeginKey(rdb::kTypeSetListpack, "k").code() == StatusCode::kInvalidArgument);
  CHECK(w10.BeginKey(8, "k").code() == StatusCode::kInvalidArgument);
}

TEST_CASE("output reaches the sink in chunks of 64 KiB, large values directly, CRC intact",
          "[rdb-writer]") {
  for (bool compress : {false, true}) {
    ChunkSink sink;
    RdbWriterOptions o;
    o.compress = compress;
    RdbWriter w(sink, o);
    REQUIRE(w.WriteHeader().ok());
    REQUIRE(w.WriteSelectDb(0).ok());
    std::string big(300000, 'x');
    for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
    for (int i = 0; i < 20000; ++i) {
      REQUIRE(w.BeginKey(rdb::kTypeString, "key:" + std::to_string(i)).ok());
      if (i % 5000 == 17) {
        REQUIRE(w.WriteString(big).ok());
      } else {
        REQUIRE(w.WriteString("value-" + std::to_string(i * 31)).ok());
      }
    }
    REQUIRE(w.Finish().ok());
    const std::string& out = sink.out_;
    CHECK(w.bytes_written() == out.size());
    uint64_t stored = 0;
    for (int i = 7; i >= 0; --i)
      stored = stored << 8 | static_cast<uint8_t>(out[out.size() - 8 + i]);
    CHECK(stored == Crc64(0, std::string_view(out).substr(0, out.size() - 8)));
    size_t small = 0;
    for (size_t c : sink.chunks_) {
      if (c < 32 * 1024) ++small;
      CHECK(c <= (compress ? size_t{64 * 1024} : big.size() + 16));
    }
    // Only the last write, and those before a value written directly, may be small.
    CHECK(small <= (compress ? 1u : 5u));
  }
}

TEST_CASE("the trailer is right when EOF lands at the end of a full buffer", "[rdb-writer]") {
  // Header, raw filler and EOF end 0..12 bytes short of 64 KiB: the 8-byte trailer fits, or does
  // not, in what is left of the buffer.
  for (size_t shortfall = 0; shortfall <= 12; ++shortfall) {
    ChunkSink sink;
    RdbWriter w(sink, {});
    REQUIRE(w.WriteHeader().ok());
    const std::string filler(64 * 1024 - 9 - 1 - shortfall, 'f');
    REQUIRE(w.WriteRaw(Bytes(filler)).ok());
    REQUIRE(w.Finish().ok());
    const std::string& out = sink.out_;
    REQUIRE(out.size() == 64 * 1024 - shortfall + 8);
    uint64_t stored = 0;
    for (int i = 7; i >= 0; --i) {
      stored = stored << 8 | static_cast<uint8_t>(out[out.size() - 8 + i]);
    }
    INFO("shortfall " << shortfall);
    CHECK(stored == Crc64(0, std::string_view(out).substr(0, out.size() - 8)));
    CHECK(sink.chunks_.size() == (shortfall < 8 ? 2u : 1u));
  }
}

TEST_CASE("a failing sink is reported and the writer stays failed", "[rdb-writer]") {
  ChunkSink sink;
  sink.fail_after_ = 1;
  RdbWriter w(sink, {});
  REQUIRE(w.WriteHeader().ok());
  Status st;
  for (int i = 0; i < 100000 && st.ok(); ++i) st = w.WriteString("value-" + std::to_string(i));
  CHECK(st.code() == StatusCode::kIoError);
  CHECK(w.Finish().code() == StatusCode::kIoError);
  CHECK(w.Flush().code() == StatusCode::kIoError);
  CHECK(sink.chunks_.size() == 1);
}

}  // namespace
}  // namespace keel::formats
