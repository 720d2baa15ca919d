// Tests for the RDB reader (all but streams and module values, which rdb_stream_test.cc covers).
// Real files from redis-server 7.0.15 (tests/testdata/rdb/reader/, made by make_reader_files.py
// there) are decoded and compared with what the server itself reported for each key (types.txt),
// both with blobs taken whole and given as elements; every older encoding and every opcode is
// checked with hand-built bytes (rdb_test_builder.h); and damaged input (every truncation, every
// single-bit flip, bad headers, checksums and lengths) must fail cleanly with the right offset.
#include "formats/rdb_reader.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "formats/byte_stream.h"
#include "formats/intset.h"
#include "formats/listpack.h"
#include "formats/rdb_format.h"
#include "formats/zstd_stream.h"
#include "tests/formats/rdb_test_builder.h"
#include "tests/formats/test_bytes.h"
#include "tests/support/testdata.h"

namespace keel::formats {
namespace {

using namespace std::literals;
using testing::Bytes;
using testing::CheckCorruptionAt;
using testing::DumpPayload;
using testing::RdbBuilder;
using testing::RdbFile;
using testing::ZlInt;
using testing::ZlStr;

std::string DataPath(const std::string& name) {
  return keel::testing::TestDataPath("rdb/reader/" + name);
}

std::string ReadFile(const std::string& name) {
  std::ifstream f(DataPath(name), std::ios::binary);
  INFO(DataPath(name));
  REQUIRE(f.good());
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// make_reader_files.py's escaping: printable ASCII but \ , = as is, other bytes as \xHH.
std::string Esc(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x21 && c < 0x7f && c != '\\' && c != ',' && c != '=') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string Score(double d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", d);
  return buf;
}

const char* KindName(RdbKind k) {
  switch (k) {
    case RdbKind::kString:
      return "string";
    case RdbKind::kList:
      return "list";
    case RdbKind::kSet:
      return "set";
    case RdbKind::kZset:
      return "zset";
    case RdbKind::kHash:
      return "hash";
    case RdbKind::kStream:
      return "stream";
    case RdbKind::kModule:
      return "module";
  }
  return "?";
}

// Records every event as a line of text (log) and each key in make_reader_files.py's canonical
// form (lines). With take_blobs, it takes every blob offered and decodes it itself.
struct Log : RdbVisitor {
  bool take_blobs = false;
  std::vector<std::string> log;
  std::vector<std::string> lines;
  std::vector<RdbKeyInfo> keys;  // key views are cleared: see key_names
  std::vector<std::string> key_names;
  std::map<RdbBlob, int> blobs;
  uint64_t db = 0;
  RdbKind kind = RdbKind::kString;
  std::vector<std::string> items;
  uint64_t stream_entries = 0;

  void Add(std::string s) { log.push_back(std::move(s)); }
  std::string Joined() const {
    std::string out;
    for (const std::string& s : log) out += s + "\n";
    return out;
  }

  Status OnVersion(int v) override { return Add("version " + std::to_string(v)), Status::Ok(); }
  Status OnAux(std::string_view k, std::string_view v) override {
    return Add("aux " + Esc(k) + "=" + Esc(v)), Status::Ok();
  }
  Status OnSelectDb(uint64_t d) override { return Add("db " + std::to_string(d)), Status::Ok(); }
  Status OnResizeDb(uint64_t k, uint64_t e) override {
    return Add("resize " + std::to_string(k) + " " + std::to_string(e)), Status::Ok();
  }
  Status OnFunction(std::string_view code) override {
    return Add("function " + Esc(code)), Status::Ok();
  }
  Status OnModuleAux(const RdbModuleInfo& m) override {
    return Add("moduleaux " + m.name + " " + std::to_string(m.encver) +
               " when=" + std::to_string(m.when)),
           Status::Ok();
  }
  Status BeginKey(const RdbKeyInfo& k) override {
    db = k.db;
    kind = KindOfType(k.type);
    items.clear();
    stream_entries = 0;
    keys.push_back(k);
    keys.back().key = {};
    key_names.emplace_back(k.key);
    Add("key " + Esc(k.key) + " type=" + std::to_string(k.type) + " db=" + std::to_string(k.db) +
        " exp=" + std::to_string(k.expire_ms) + " idle=" + std::to_string(k.idle_seconds) +
        " freq=" + std::to_string(k.freq) + " at=" + std::to_string(k.offset));
    return Status::Ok();
  }
  Status OnSizeHint(uint64_t n) override { return Add("hint " + std::to_string(n)), Status::Ok(); }
  Status OnString(std::string_view v) override {
    items.push_back(Esc(v));
    return Add("string " + Esc(v)), Status::Ok();
  }
  Status OnElement(std::string_view v) override {
    items.push_back(Esc(v));
    return Add("element " + Esc(v)), Status::Ok();
  }
  Status OnPair(std::string_view f, std::string_view v) override {
    items.push_back(Esc(f) + "=" + Esc(v));
    return Add("pair " + Esc(f) + "=" + Esc(v)), Status::Ok();
  }
  Status OnScored(std::string_view m, double s) override {
    items.push_back(Esc(m) + "=" + Score(s));
    return Add("scored " + Esc(m) + "=" + Score(s)), Status::Ok();
  }
  Result<bool> OnBlob(RdbBlob kind_of_blob, std::span<const uint8_t> bytes) override {
    ++blobs[kind_of_blob];
    Add("blob " + std::to_string(static_cast<int>(kind_of_blob)) + " " +
        std::to_string(bytes.size()));
    if (!take_blobs) return false;
    if (kind_of_blob == RdbBlob::kIntset) {
      const uint32_t enc = IntsetEncoding(bytes.data());
      for (uint32_t i = 0; i < IntsetLength(bytes.data()); ++i) {
        items.push_back(std::to_string(IntsetGetEncoded(bytes.data() + kIntsetHeaderSize, i, enc)));
      }
      return true;
    }
    std::vector<std::string> elems;
    for (const uint8_t* p = bytes.data() + kListpackHeaderSize; *p != kListpackEof;) {
      ListpackEntry e = DecodeListpackEntryUnsafe(p);
      p += e.entry_size;
      elems.push_back(e.is_int ? std::to_string(e.num) : std::string(e.sv()));
    }
    for (size_t i = 0; i < elems.size(); ++i) {
      if (kind_of_blob == RdbBlob::kHashListpack) {
        items.push_back(Esc(elems[i]) + "=" + Esc(elems[i + 1]));
        ++i;
      } else if (kind_of_blob == RdbBlob::kZsetListpack) {
        items.push_back(Esc(elems[i]) + "=" + Score(std::strtod(elems[i + 1].c_str(), nullptr)));
        ++i;
      } else {
        items.push_back(Esc(elems[i]));
      }
    }
    return true;
  }
  Status OnStreamEntry(const RdbStreamId&, std::span<const std::string_view>) override {
    ++stream_entries;
    return Status::Ok();
  }
  Status OnModuleValue(const RdbModuleInfo& m) override {
    return Add("module " + m.name + " " + std::to_string(m.encver)), Status::Ok();
  }
  Status EndKey() override {
    const RdbKeyInfo& k = keys.back();
    std::vector<std::string> v = items;
    if (kind == RdbKind::kSet || kind == RdbKind::kHash || kind == RdbKind::kZset) {
      std::sort(v.begin(), v.end());
    }
    std::string value;
    if (kind == RdbKind::kStream) {
      value = "entries=" + std::to_string(stream_entries);
    } else {
      for (size_t i = 0; i < v.size(); ++i) value += (i ? "," : "") + v[i];
    }
    lines.push_back(std::to_string(db) + " " + Esc(key_names.back()) + " " + KindName(kind) + " " +
                    std::to_string(k.expire_ms) + " " + value);
    return Add("end"), Status::Ok();
  }
  Status OnEnd() override { return Add("eof"), Status::Ok(); }

  std::string Canonical() const {
    std::vector<std::string> sorted = lines;
    std::sort(sorted.begin(), sorted.end());
    std::string out;
    for (const std::string& l : sorted) out += l + "\n";
    return out;
  }
};

// A visitor that only looks at what it is given (for the loops over damaged files, where Log's
// text would dominate the run time).
struct Touch : RdbVisitor {
  uint64_t sum = 0;
  Status Add(std::string_view a, std::string_view b = {}) {
    for (char c : a) sum += static_cast<uint8_t>(c);
    for (char c : b) sum += static_cast<uint8_t>(c);
    return Status::Ok();
  }
  Status OnString(std::string_view v) override { return Add(v); }
  Status OnElement(std::string_view v) override { return Add(v); }
  Status OnPair(std::string_view f, std::string_view v) override { return Add(f, v); }
  Status OnScored(std::string_view m, double) override { return Add(m); }
};

Status Read(std::string_view file, RdbVisitor& v, RdbReadStats* stats = nullptr,
            bool verify = true) {
  SpanSource src(file);
  RdbReaderOptions options;
  options.verify_checksum = verify;
  return ReadRdb(src, v, options, stats);
}

// Reads `body` (opcodes and keys after the header) as a version-10 file and returns the log.
std::string Events(const RdbBuilder& body, int version = rdb::kVersion) {
  Log log;
  Status s = Read(RdbFile(body, version), log);
  INFO(s.ToString());
  REQUIRE(s.ok());
  std::string out;
  for (size_t i = 1; i + 1 < log.log.size(); ++i) out += log.log[i] + "\n";  // no version, eof
  return out;
}

// The status of reading `body` as a version-10 file.
Status Fails(const RdbBuilder& body, int version = rdb::kVersion) {
  Log log;
  return Read(RdbFile(body, version), log);
}

std::string Listpack(const std::vector<std::string>& items) {
  ListpackBuilder b;
  for (const std::string& s : items) b.Add(s);
  return b.Finish();
}

// ------------------------------------------------------------------------------------------------
// Real files

TEST_CASE("a real 7.0 file decodes to what the server held, key by key", "[rdb]") {
  const std::string file = ReadFile("types.rdb");
  const std::string expected = ReadFile("types.txt");
  for (bool take : {false, true}) {
    Log log;
    log.take_blobs = take;
    RdbReadStats stats;
    Status s = Read(file, log, &stats);
    INFO(s.ToString());
    REQUIRE(s.ok());
    CHECK(log.Canonical() == expected);
    CHECK(stats.version == 10);
    CHECK(stats.keys == 30);
    CHECK(stats.bytes == file.size());
    CHECK(stats.checksum_verified);
    CHECK(stats.stored_checksum != 0);
    CHECK_FALSE(stats.zstd);
    // Each blob kind 7.0 writes was offered: list nodes, an intset, hash and zset listpacks.
    CHECK(log.blobs[RdbBlob::kListNode] >= 5);
    CHECK(log.blobs[RdbBlob::kIntset] == 2);
    CHECK(log.blobs[RdbBlob::kHashListpack] == 1);
    CHECK(log.blobs[RdbBlob::kZsetListpack] == 2);
  }
}

TEST_CASE("a real file's AUX fields, function library, dbs and RESIZEDB hints", "[rdb]") {
  Log log;
  REQUIRE(Read(ReadFile("types.rdb"), log).ok());
  const std::string all = log.Joined();
  CHECK(all.find("aux redis-ver=7.0.15\n") != std::string::npos);
  CHECK(all.find("aux redis-bits=64\n") != std::string::npos);  // an int-encoded AUX value
  CHECK(all.find("aux aof-base=0\n") != std::string::npos);
  CHECK(all.find("function #!lua\\x20name\\x3dkeellib\\x0a") != std::string::npos);
  CHECK(all.find("db 0\nresize 27 3\n") != std::string::npos);
  CHECK(all.find("db 1\nresize 2 0\n") != std::string::npos);
  CHECK(all.find("db 5\nresize 1 1\n") != std::string::npos);
  // A plain quicklist node (an element of 40+ bytes) comes as an element between packed nodes.
  CHECK(all.find("element pppppppppp") != std::string::npos);
}

TEST_CASE("IDLE and FREQ opcodes of real files reach the key they precede", "[rdb]") {
  Log lru;
  REQUIRE(Read(ReadFile("lru.rdb"), lru).ok());
  REQUIRE(lru.keys.size() == 2);
  for (const RdbKeyInfo& k : lru.keys) {
    CHECK(k.idle_seconds >= 0);
    CHECK(k.freq == -1);
  }
  Log lfu;
  REQUIRE(Read(ReadFile("lfu.rdb"), lfu).ok());
  REQUIRE(lfu.keys.size() == 2);
  for (const RdbKeyInfo& k : lfu.keys) {
    CHECK(k.freq >= 0);
    CHECK(k.idle_seconds == -1);
  }
}

TEST_CASE("real DUMP payloads decode, blobs taken or not", "[rdb]") {
  struct Case {
    const char* file;
    const char* canonical;
  };
  for (const Case& c :
       {Case{"hash_small.dump", "=empty\\x20field,f1=v1,num=123"}, Case{"set_int.dump", "-5,1,2,3"},
        Case{"zset_small.dump", "a=1,b=2.5,c=-inf,d=inf"}}) {
    for (bool take : {false, true}) {
      const std::string payload = ReadFile(c.file);
      Log log;
      log.take_blobs = take;
      Status s = ReadDumpPayload(Bytes(payload), log);
      INFO(c.file << ": " << s.ToString());
      REQUIRE(s.ok());
      REQUIRE(log.lines.size() == 1);
      const std::string& line = log.lines[0];
      CHECK(line.substr(line.rfind(' ') + 1) == c.canonical);
    }
  }
  const std::string lzf = ReadFile("list_lzf.dump");
  Log log;
  REQUIRE(ReadDumpPayload(Bytes(lzf), log).ok());
  CHECK(log.items.size() == 24);
  CHECK(log.items[23] == "compressible\\x20element\\x2023\\x20........");
}

TEST_CASE("a zstd-framed copy of a real file reads the same", "[rdb]") {
  const std::string file = ReadFile("types.rdb");
  StringSink sink;
  ZstdSink zstd(sink, 3);
  REQUIRE(zstd.Write(Bytes(file)).ok());
  REQUIRE(zstd.Finish().ok());
  Log log;
  RdbReadStats stats;
  Status s = Read(sink.str(), log, &stats);
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(stats.zstd);
  CHECK(stats.bytes == file.size());
  CHECK(log.Canonical() == ReadFile("types.txt"));
}

// ------------------------------------------------------------------------------------------------
// Damaged real files

TEST_CASE("every truncation of a real file fails where the data ends", "[rdb]") {
  const std::string file = ReadFile("types.rdb");
  for (size_t n = 0; n < file.size(); ++n) {
    Touch log;
    Status s = Read(std::string_view(file).substr(0, n), log);
    INFO("cut at " << n << ": " << s.ToString());
    REQUIRE(s.IsCorruption());
    CHECK(s.offset() == n);
  }
}

TEST_CASE("every single-bit flip of a real file fails the checksum or fails cleanly", "[rdb]") {
  for (const char* name : {"lfu.rdb", "types.rdb"}) {
    const std::string file = ReadFile(name);
    size_t clean_without_crc = 0;
    for (size_t i = 0; i < file.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string damaged = file;
        damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
        INFO(name << " byte " << i << " bit " << bit);
        if (name == std::string_view("lfu.rdb")) {  // once is enough for the CRC's property
          Touch log;
          CHECK_FALSE(Read(damaged, log).ok());  // CRC64 catches every single-bit error
        }
        Touch unchecked_log;
        Status unchecked = Read(damaged, unchecked_log, nullptr, /*verify=*/false);
        CHECK((unchecked.ok() || unchecked.IsCorruption() ||
               unchecked.code() == StatusCode::kNotSupported));
        if (unchecked.ok()) ++clean_without_crc;
      }
    }
    // Flips in string contents, expiry times or the trailer leave a well-formed file (about 60%
    // of them in these files); flips in lengths, encodings and blob structure must not.
    CHECK(clean_without_crc < file.size() * 8 * 3 / 4);
  }
}

TEST_CASE("a stored checksum of 0 means none; verification can be turned off", "[rdb]") {
  std::string file = ReadFile("lfu.rdb");
  std::string zeroed = file;
  zeroed.replace(zeroed.size() - 8, 8, 8, '\0');
  Log log;
  RdbReadStats stats;
  REQUIRE(Read(zeroed, log, &stats).ok());
  CHECK(stats.stored_checksum == 0);
  CHECK_FALSE(stats.checksum_verified);

  std::string wrong = file;
  wrong[wrong.size() - 1] ^= 0x55;
  Log log2;
  Status s = Read(wrong, log2);
  CheckCorruptionAt(s, file.size() - 8, "CRC64 mismatch");
  CHECK(s.message().find("0x") != std::string_view::npos);
  Log log3;
  REQUIRE(Read(wrong, log3, &stats, /*verify=*/false).ok());
  CHECK_FALSE(stats.checksum_verified);
}

TEST_CASE("bytes after the checksum are refused", "[rdb]") {
  const std::string file = ReadFile("lfu.rdb") + "x";
  Log log;
  CheckCorruptionAt(Read(file, log), file.size() - 1, "after the end");
}

// ------------------------------------------------------------------------------------------------
// Header

TEST_CASE("headers: wrong magic, version 0, garbage, 12 and newer", "[rdb]") {
  Log log;
  CheckCorruptionAt(Read("RADIS0010\xff", log), 0, "wrong signature");
  CheckCorruptionAt(Read("REDIS0000\xff", log), 5, "version 0");
  CheckCorruptionAt(Read("REDIS00a1\xff", log), 5, "not a 4-digit number");
  CheckCorruptionAt(Read("REDIS", log), 5, "unexpected end of file");
  CheckCorruptionAt(Read("", log), 0, "unexpected end of file");
  Status v12 = Read("REDIS0012\xff", log);
  CHECK(v12.code() == StatusCode::kNotSupported);
  CHECK(v12.message().find("RDB version 12 (header at offset 0) is newer than this Keel reads "
                           "(Redis 7.4+") == 0);
  Status v99 = Read("REDIS0099\xff", log);
  CHECK(v99.code() == StatusCode::kNotSupported);
  CHECK(v99.message().find("version 99") != std::string_view::npos);
}

TEST_CASE("versions before 5 have no checksum; 11 is read", "[rdb]") {
  for (int v : {1, 4}) {
    Log log;
    RdbReadStats stats;
    std::string file = RdbBuilder().Header(v).Key(0, "k").Str("v").Byte(0xFF).str();
    INFO(v);
    REQUIRE(Read(file, log, &stats).ok());
    CHECK(stats.version == v);
    CHECK(stats.keys == 1);
    CHECK(stats.stored_checksum == 0);
    Log log2;
    CheckCorruptionAt(Read(file + "12345678", log2), file.size(), "after the end");
  }
  CHECK(Events(RdbBuilder().Key(0, "k").Str("v"), 11) ==
        "key k type=0 db=0 exp=-1 idle=-1 freq=-1 at=9\nstring v\nend\n");
}

// ------------------------------------------------------------------------------------------------
// Opcodes

TEST_CASE("opcodes: AUX, SELECTDB, RESIZEDB, expiry, IDLE and FREQ reset after each key", "[rdb]") {
  RdbBuilder b;
  b.Byte(rdb::kOpAux).Str("redis-ver").Str("7.0.15");
  b.Byte(rdb::kOpAux).Str("unknown-field").IntStr(-5);
  b.Byte(rdb::kOpSelectDb).Len(3);
  b.Byte(rdb::kOpResizeDb).Len(2).Len(1);
  b.Byte(rdb::kOpExpireTimeMs).Le(1700000000123, 8);
  b.Byte(rdb::kOpIdle).Len(300);
  b.Byte(rdb::kOpFreq).Byte(7);
  b.Key(0, "a").Str("1");
  b.Key(0, "b").Str("2");
  b.Byte(rdb::kOpExpireTime).Le(1700000000, 4);
  b.Key(0, "c").Str("3");
  b.Byte(rdb::kOpFunction2).Str("#!lua name=x\n");
  CHECK(Events(b) ==
        "aux redis-ver=7.0.15\n"
        "aux unknown-field=-5\n"
        "db 3\n"
        "resize 2 1\n"
        "key a type=0 db=3 exp=1700000000123 idle=300 freq=7 at=63\n"
        "string 1\nend\n"
        "key b type=0 db=3 exp=-1 idle=-1 freq=-1 at=68\n"
        "string 2\nend\n"
        "key c type=0 db=3 exp=1700000000000 idle=-1 freq=-1 at=78\n"
        "string 3\nend\n"
        "function #!lua\\x20name\\x3dx\\x0a\n");
}

TEST_CASE("MODULE_AUX is walked; a when_opcode other than 2 is corrupt", "[rdb]") {
  // Module id of a 9-character name "keelmodul" with encver 3 is not needed: any id decodes.
  RdbBuilder good;
  good.Byte(rdb::kOpModuleAux).Len(uint64_t{1} << 20 | 3).Len(2).Len(2);
  good.Len(rdb::kModuleOpUint).Len(42).Len(rdb::kModuleOpString).Str("x");
  good.Len(rdb::kModuleOpEof);
  const std::string events = Events(good);
  CHECK(events.find("moduleaux ") == 0);
  CHECK(events.find(" 3 when=2\n") != std::string::npos);

  RdbBuilder bad;
  bad.Byte(rdb::kOpModuleAux).Len(5).Len(1).Len(2).Len(rdb::kModuleOpEof);
  CheckCorruptionAt(Fails(bad), 11, "when_opcode");
}

TEST_CASE("refused opcodes and types: pre-GA functions, SLOT_INFO, 6, 22..25, unknown", "[rdb]") {
  Status fn = Fails(RdbBuilder().Byte(rdb::kOpFunctionPreGa).Str("lib"));
  CHECK(fn.code() == StatusCode::kNotSupported);
  Status slot = Fails(RdbBuilder().Byte(rdb::kOpSlotInfo).Len(1).Len(2).Len(3));
  CHECK(slot.code() == StatusCode::kNotSupported);
  CHECK(slot.message().find("RDB version 12") == 0);
  for (uint8_t t : {22, 23, 24, 25}) {
    Status s = Fails(RdbBuilder().Key(t, "h").Len(0));
    INFO(int(t) << ": " << s.ToString());
    CHECK(s.code() == StatusCode::kNotSupported);
    CHECK(s.message().find("hash field expiry, Redis 7.4+") != std::string_view::npos);
  }
  Status six = Fails(RdbBuilder().Key(6, "m").Len(0));
  CHECK(six.code() == StatusCode::kNotSupported);
  for (uint8_t t : {8, 26, 100, 243}) {
    INFO(int(t));
    CheckCorruptionAt(Fails(RdbBuilder().Byte(rdb::kOpSelectDb).Len(0).Key(t, "x")), 11,
                      "unknown value type or opcode");
  }
}

// ------------------------------------------------------------------------------------------------
// Strings and lengths

TEST_CASE("strings: raw, 14/32/64-bit lengths, integer encodings, LZF", "[rdb]") {
  const std::string s100(100, 'a');
  const std::string lzf_text = "0123456789" + std::string(200, 'z') + "end";
  RdbBuilder b;
  b.Key(0, "raw").Str("");
  b.Key(0, "l14").Str(s100);
  b.Key(0, "l32").Len32(3).Raw("abc");
  b.Key(0, "l64").Len64(2).Raw("xy");
  b.Key(0, "i8").IntStr(-128);
  b.Key(0, "i16").IntStr(-300);
  b.Key(0, "i32").IntStr(INT32_MIN);
  b.Key(0, "lzf").LzfStr(lzf_text);
  Log log;
  REQUIRE(Read(RdbFile(b), log).ok());
  REQUIRE(log.lines.size() == 8);
  CHECK(log.items.size() == 1);
  std::vector<std::string> values;
  for (const std::string& l : log.log) {
    if (l.rfind("string ", 0) == 0) values.push_back(l.substr(7));
  }
  CHECK(values ==
        std::vector<std::string>{"", s100, "abc", "xy", "-128", "-300", "-2147483648", lzf_text});
}

TEST_CASE("a 2^40-byte string length in a short file fails at the end of the data", "[rdb]") {
  RdbBuilder b;
  b.Key(0, "k").Len64(uint64_t{1} << 40).Raw("only a few bytes");
  const std::string file = RdbFile(b);
  Log log;
  CheckCorruptionAt(Read(file, log), file.size(), "unexpected end of file");
}

TEST_CASE("bad lengths and string encodings are corrupt at their offset", "[rdb]") {
  // Key type at 9, key length at 10.
  CheckCorruptionAt(Fails(RdbBuilder().Key(0, "k").Byte(0x82)), 12, "unknown length encoding");
  CheckCorruptionAt(Fails(RdbBuilder().Key(0, "k").Byte(0xC4)), 12, "unknown string encoding");
  CheckCorruptionAt(Fails(RdbBuilder().Byte(rdb::kOpSelectDb).Byte(0xC0)), 10,
                    "where a length belongs");
  // LZF claiming 10 MB from 5 bytes: refused before anything is allocated or read.
  CheckCorruptionAt(Fails(RdbBuilder().Key(0, "k").Byte(0xC3).Len(5).Len(10000000).Raw("abcde")),
                    12, "cannot expand");
  CheckCorruptionAt(Fails(RdbBuilder().Key(0, "k").Byte(0xC3).Len(2).Len(3).Raw("\x01"
                                                                                "a")),
                    12, "bad LZF string");
  CheckCorruptionAt(Fails(RdbBuilder().Key(0, "k").Byte(0xC3).Len(2).Len(5).Raw("\x00"
                                                                                "a"sv)),
                    12, "decompressed to 1 bytes instead of 5");
  CheckCorruptionAt(Fails(RdbBuilder().Key(0, "k").Byte(0xC3).Len(0).Len(0)), 12, "LZF string");
}

TEST_CASE("values crossing the reader's buffer boundaries keep the checksum right", "[rdb]") {
  std::string big(200000, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  RdbBuilder b;
  b.Key(0, "big").Str(big);
  b.Key(rdb::kTypeList, "many").Len(30000);
  for (int i = 0; i < 30000; ++i) b.Str("element-" + std::to_string(i));
  b.Key(0, "lzf").LzfStr(std::string(150000, 'q'));
  Log log;
  RdbReadStats stats;
  const std::string file = RdbFile(b);
  Status s = Read(file, log, &stats);
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(stats.checksum_verified);
  CHECK(stats.bytes == file.size());
  REQUIRE(log.lines.size() == 3);
  CHECK(log.log[2] == "string " + big);
  CHECK(log.log.size() == 1 + 3 + (3 + 30000) + 3 + 1);
  CHECK(log.log[log.log.size() - 3] == "string " + std::string(150000, 'q'));
}

// ------------------------------------------------------------------------------------------------
// Values stored element by element

TEST_CASE("types 1 to 5: linked list, set, ASCII and binary zsets, hash", "[rdb]") {
  RdbBuilder b;
  b.Key(rdb::kTypeList, "l").Len(2).Str("a").IntStr(5);
  b.Key(rdb::kTypeSet, "s").Len(2).Str("x").Str("y");
  b.Key(rdb::kTypeZset, "z")
      .Len(3)
      .Str("m")
      .Byte(3)
      .Raw("1.5")
      .Str("p")
      .Byte(254)
      .Str("n")
      .Byte(255);
  b.Key(rdb::kTypeZset2, "z2").Len(1).Str("m").Double(-2.25);
  b.Key(rdb::kTypeHash, "h").Len(1).Str("f").LzfStr(std::string(40, 'v'));
  b.Key(rdb::kTypeSet, "empty").Len(0);
  CHECK(Events(b) ==
        "key l type=1 db=0 exp=-1 idle=-1 freq=-1 at=9\nhint 2\nelement a\nelement 5\nend\n"
        "key s type=2 db=0 exp=-1 idle=-1 freq=-1 at=17\nhint 2\nelement x\nelement y\nend\n"
        "key z type=3 db=0 exp=-1 idle=-1 freq=-1 at=25\nhint 3\nscored m=1.5\nscored p=inf\n"
        "scored n=-inf\nend\n"
        "key z2 type=5 db=0 exp=-1 idle=-1 freq=-1 at=41\nhint 1\nscored m=-2.25\nend\n"
        "key h type=4 db=0 exp=-1 idle=-1 freq=-1 at=56\nhint 1\npair f=" +
            std::string(40, 'v') +
            "\nend\n"
            "key empty type=2 db=0 exp=-1 idle=-1 freq=-1 at=74\nhint 0\nend\n");
}

TEST_CASE("NaN scores and unparsable ASCII scores are corrupt", "[rdb]") {
  // Key "z" at 9..11, count at 12, member at 13..14, score at 15.
  CheckCorruptionAt(Fails(RdbBuilder().Key(rdb::kTypeZset2, "z").Len(1).Str("m").Double(NAN)), 15,
                    "NaN");
  CheckCorruptionAt(Fails(RdbBuilder().Key(rdb::kTypeZset, "z").Len(1).Str("m").Byte(253)), 15,
                    "NaN");
  CheckCorruptionAt(Fails(RdbBuilder().Key(rdb::kTypeZset, "z").Len(1).Str("m").Byte(2).Raw("ab")),
                    15, "not a number");
}

// ------------------------------------------------------------------------------------------------
// Blobs

TEST_CASE("listpack hash, zset and set: offered whole, or as elements when declined", "[rdb]") {
  const std::string hash = Listpack({"f", "v", "n", "12"});
  const std::string zset = Listpack({"a", "1", "b", "-2.5", "c", "inf"});
  const std::string set = Listpack({"x", "7", "y"});
  RdbBuilder b;
  b.Key(rdb::kTypeHashListpack, "h").Str(hash);
  b.Key(rdb::kTypeZsetListpack, "z").Str(zset);
  b.Key(rdb::kTypeSetListpack, "s").Str(set);
  const std::string events = Events(b, 11);
  CHECK(events == "key h type=16 db=0 exp=-1 idle=-1 freq=-1 at=9\nhint 2\nblob 3 " +
                      std::to_string(hash.size()) +
                      "\npair f=v\npair n=12\nend\n"
                      "key z type=17 db=0 exp=-1 idle=-1 freq=-1 at=" +
                      std::to_string(9 + 3 + 1 + hash.size()) + "\nhint 3\nblob 4 " +
                      std::to_string(zset.size()) +
                      "\nscored a=1\nscored b=-2.5\nscored c=inf\nend\n"
                      "key s type=20 db=0 exp=-1 idle=-1 freq=-1 at=" +
                      std::to_string(9 + 2 * 4 + hash.size() + zset.size()) + "\nhint 3\nblob 2 " +
                      std::to_string(set.size()) + "\nelement x\nelement 7\nelement y\nend\n");
  Log taker;
  taker.take_blobs = true;
  REQUIRE(Read(RdbFile(b, 11), taker).ok());
  for (const std::string& l : taker.log) CHECK(l.rfind("pair", 0) != 0);
  CHECK(taker.blobs.size() == 3);
}

TEST_CASE("listpack blobs: duplicates, odd pair counts, bad scores, damaged bytes", "[rdb]") {
  // The blob string starts at 12 (type at 9, key "k" at 10..11).
  struct Case {
    uint8_t type;
    std::string blob;
    const char* words;
  };
  std::string damaged = Listpack({"a", "b"});
  damaged[6] = '\xF5';  // no such encoding
  const Case cases[] = {
      {rdb::kTypeHashListpack, Listpack({"f", "1", "f", "2"}), "duplicate field"},
      {rdb::kTypeHashListpack, Listpack({"1", "a", "1", "b"}), "duplicate field"},
      {rdb::kTypeHashListpack, Listpack({"f", "1", "g"}), "odd number"},
      {rdb::kTypeZsetListpack, Listpack({"m", "1", "m", "2"}), "duplicate member"},
      {rdb::kTypeZsetListpack, Listpack({"m", "abc"}), "not a number"},
      {rdb::kTypeZsetListpack, Listpack({"m", "nan"}), "not a number"},
      {rdb::kTypeZsetListpack, Listpack({"m", "1.5x"}), "not a number"},
      {rdb::kTypeSetListpack, Listpack({"a", "b", "a"}), "duplicate member"},
      {rdb::kTypeSetListpack, Listpack({"5", "x", "5"}), "duplicate member"},
      {rdb::kTypeSetListpack, std::string("\x07\x00\x00\x00\x00\x00\x00", 7), "listpack"},
      {rdb::kTypeHashListpack, damaged, "byte 6 of the blob"},
  };
  for (const Case& c : cases) {
    INFO(int(c.type) << " " << testing::Hex(c.blob));
    CheckCorruptionAt(Fails(RdbBuilder().Key(c.type, "k").Str(c.blob), 11), 12, c.words);
  }
}

TEST_CASE("an empty listpack hash is an empty key, not an error", "[rdb]") {
  CHECK(Events(RdbBuilder().Key(rdb::kTypeHashListpack, "h").Str(Listpack({}))) ==
        "key h type=16 db=0 exp=-1 idle=-1 freq=-1 at=9\nhint 0\nend\n");
}

TEST_CASE("intsets: offered whole, as decimal elements, refused when unsorted", "[rdb]") {
  const std::string is = testing::Intset(8, {INT64_MIN, -1, 70000, INT64_MAX});
  CHECK(Events(RdbBuilder().Key(rdb::kTypeSetIntset, "s").Str(is)) ==
        "key s type=11 db=0 exp=-1 idle=-1 freq=-1 at=9\nhint 4\nblob 1 40\n"
        "element -9223372036854775808\nelement -1\nelement 70000\n"
        "element 9223372036854775807\nend\n");
  CheckCorruptionAt(
      Fails(RdbBuilder().Key(rdb::kTypeSetIntset, "s").Str(testing::Intset(2, {3, 1}))), 12,
      "set intset");
  CheckCorruptionAt(
      Fails(RdbBuilder().Key(rdb::kTypeSetIntset, "s").Str(testing::Intset(2, {1, 1}))), 12,
      "set intset");
  CheckCorruptionAt(Fails(RdbBuilder().Key(rdb::kTypeSetIntset, "s").Str(testing::Intset(2, {}))),
                    12, "set intset");
}

TEST_CASE("quicklist 2: packed and plain nodes, empty listpacks skipped, bad containers", "[rdb]") {
  RdbBuilder b;
  b.Key(rdb::kTypeListQuicklist2, "l").Len(3);
  b.Len(2).Str(Listpack({"a", "1"}));
  b.Len(1).Str("a plain node");
  b.Len(2).Str(Listpack({}));
  CHECK(Events(b) ==
        "key l type=18 db=0 exp=-1 idle=-1 freq=-1 at=9\nblob 0 12\nelement a\nelement 1\n"
        "element a\\x20plain\\x20node\nend\n");
  // The node count is at 12, the first container at 13.
  CheckCorruptionAt(Fails(RdbBuilder().Key(rdb::kTypeListQuicklist2, "l").Len(1).Len(3).Str("x")),
                    13, "container 3");
  CheckCorruptionAt(Fails(RdbBuilder().Key(rdb::kTypeListQuicklist2, "l").Len(1).Len(1).Str("")),
                    14, "empty quicklist node");
  CheckCorruptionAt(
      Fails(RdbBuilder().Key(rdb::kTypeListQuicklist2, "l").Len(1).Len(2).Str("garbage")), 14,
      "quicklist listpack node");
}

TEST_CASE("ziplists: list, quicklist, zset and hash pairs, always as elements", "[rdb]") {
  const std::string list = testing::Ziplist({ZlStr("a"), ZlInt(-7), ZlInt(INT64_MAX)});
  const std::string zset = testing::Ziplist({ZlStr("m"), ZlStr("1.5"), ZlStr("n"), ZlInt(3)});
  const std::string hash = testing::Ziplist({ZlStr("f"), ZlStr("v"), ZlInt(10), ZlStr("w")});
  RdbBuilder b;
  b.Key(rdb::kTypeListZiplist, "l").Str(list);
  b.Key(rdb::kTypeListQuicklist, "q").Len(2).Str(list).Str(testing::Ziplist({}));
  b.Key(rdb::kTypeZsetZiplist, "z").Str(zset);
  b.Key(rdb::kTypeHashZiplist, "h").Str(hash);
  Log taker;
  taker.take_blobs = true;
  REQUIRE(Read(RdbFile(b, 9), taker).ok());
  CHECK(taker.blobs.empty());
  const std::string events = Events(b, 9);
  CHECK(events.find("hint 3\nelement a\nelement -7\nelement 9223372036854775807\nend\n") !=
        std::string::npos);
  CHECK(events.find(
            "type=14 db=0 exp=-1 idle=-1 freq=-1 at=" + std::to_string(12 + list.size() + 1) +
            "\nelement a\nelement -7\nelement 9223372036854775807\nend\n") != std::string::npos);
  CHECK(events.find("hint 2\nscored m=1.5\nscored n=3\nend\n") != std::string::npos);
  CHECK(events.find("hint 2\npair f=v\npair 10=w\nend\n") != std::string::npos);
}

TEST_CASE("ziplist pairs: duplicates, odd counts, bad scores, damaged bytes", "[rdb]") {
  struct Case {
    uint8_t type;
    std::string blob;
    const char* words;
  };
  std::string damaged = testing::Ziplist({ZlStr("a"), ZlStr("b")});
  damaged[10 + 3] = 9;  // the second entry's prevlen no longer matches
  const Case cases[] = {
      {rdb::kTypeHashZiplist, testing::Ziplist({ZlStr("f"), ZlStr("1"), ZlStr("f"), ZlStr("2")}),
       "duplicate field"},
      {rdb::kTypeHashZiplist, testing::Ziplist({ZlInt(5), ZlStr("1"), ZlStr("5"), ZlStr("2")}),
       "duplicate field"},
      {rdb::kTypeZsetZiplist, testing::Ziplist({ZlStr("m"), ZlStr("1"), ZlStr("x")}), "odd number"},
      {rdb::kTypeZsetZiplist, testing::Ziplist({ZlStr("m"), ZlStr("x1")}), "not a number"},
      {rdb::kTypeZsetZiplist, testing::Ziplist({ZlStr("m"), ZlInt(1), ZlStr("m"), ZlInt(2)}),
       "duplicate member"},
      {rdb::kTypeListZiplist, damaged, "list ziplist"},
      {rdb::kTypeListZiplist, "short", "list ziplist"},
  };
  for (const Case& c : cases) {
    INFO(int(c.type) << " " << testing::Hex(c.blob));
    CheckCorruptionAt(Fails(RdbBuilder().Key(c.type, "k").Str(c.blob), 9), 12, c.words);
  }
}

TEST_CASE("zipmaps: pairs in order, duplicate fields refused", "[rdb]") {
  RdbBuilder b;
  b.Key(rdb::kTypeHashZipmap, "h").Str(testing::Zipmap({{"f", "v"}, {"g", ""}}));
  CHECK(Events(b, 3) ==
        "key h type=9 db=0 exp=-1 idle=-1 freq=-1 at=9\nhint 2\npair f=v\npair g=\nend\n");
  CheckCorruptionAt(Fails(RdbBuilder()
                              .Key(rdb::kTypeHashZipmap, "h")
                              .Str(testing::Zipmap({{"f", "1"}, {"f", "2"}})),
                          3),
                    12, "duplicate field");
  CheckCorruptionAt(Fails(RdbBuilder().Key(rdb::kTypeHashZipmap, "h").Str("\x01\x05"), 3), 12,
                    "hash zipmap");
}

TEST_CASE("visitor errors stop the read and come back as they are", "[rdb]") {
  struct Stop : RdbVisitor {
    int elements = 0;
    Status OnElement(std::string_view) override {
      return ++elements == 2 ? Status::ResourceExhausted("enough") : Status::Ok();
    }
  };
  Stop stop;
  const std::string file =
      RdbFile(RdbBuilder().Key(rdb::kTypeList, "l").Len(3).Str("a").Str("b").Str("c"));
  SpanSource src(file);
  Status s = ReadRdb(src, stop);
  CHECK(s.code() == StatusCode::kResourceExhausted);
  CHECK(stop.elements == 2);
}

// ------------------------------------------------------------------------------------------------
// DUMP payloads

TEST_CASE("DUMP payloads: versions, checksum, trailing bytes, refused types", "[rdb]") {
  const std::string value = RdbBuilder().Byte(rdb::kTypeString).Str("hello").str();
  for (int v : {1, 9, 10, 11}) {
    Log log;
    INFO(v);
    REQUIRE(ReadDumpPayload(Bytes(DumpPayload(value, v)), log).ok());
    CHECK(log.Joined() == "key  type=0 db=0 exp=-1 idle=-1 freq=-1 at=0\nstring hello\nend\n");
  }
  Log log;
  Status v12 = ReadDumpPayload(Bytes(DumpPayload(value, 12)), log);
  CHECK(v12.code() == StatusCode::kNotSupported);
  std::string bad = DumpPayload(value);
  bad[1] ^= 1;
  CheckCorruptionAt(ReadDumpPayload(Bytes(bad), log), value.size() + 2, "checksum mismatch");
  CheckCorruptionAt(ReadDumpPayload(Bytes(DumpPayload(value + "x")), log), value.size(),
                    "after the value");
  CheckCorruptionAt(ReadDumpPayload(Bytes(std::string_view("\x00\x0a\x00", 3)), log), 0,
                    "too short");
  CheckCorruptionAt(ReadDumpPayload(Bytes(DumpPayload("\x00\x05hel"sv)), log), 5,
                    "unexpected end of file");
  CheckCorruptionAt(ReadDumpPayload(Bytes(DumpPayload("\x63\x00"sv)), log), 0,
                    "unknown value type");
  CHECK(ReadDumpPayload(Bytes(DumpPayload("\x19\x00"sv)), log).code() == StatusCode::kNotSupported);
}

}  // namespace
}  // namespace keel::formats
