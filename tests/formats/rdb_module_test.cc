// Tests for module values in RDB files (type 7): module ids split into name and encoding version,
// the opcode stream walked to its EOF, the visitor told before the walk, and every fault (unknown
// opcode, wrong encoding, truncation) refused with its offset. Keel runs no modules, so the values
// are hand-built as Redis's module.c writes them (RM_SaveUnsigned and friends).
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/byte_stream.h"
#include "formats/crc64.h"
#include "formats/rdb_format.h"
#include "formats/rdb_input.h"
#include "formats/rdb_reader.h"
#include "tests/formats/test_bytes.h"

namespace keel::formats {
namespace {

using testing::Bytes;
using testing::CheckCorruptionAt;

struct ModuleRecorder : RdbVisitor {
  std::vector<RdbModuleInfo> modules;
  Status answer;
  Status OnModuleValue(const RdbModuleInfo& info) override {
    modules.push_back(info);
    return answer;
  }
};

// Decodes `value` (type byte first); offsets count from the byte after the type.
Status Decode(std::string_view value, ModuleRecorder* rec, uint64_t* consumed = nullptr) {
  SpanSource src(value.substr(1));
  rdb::RdbInput in(src);
  Status s = rdb::ReadModuleValue(in, *rec);
  if (consumed != nullptr) *consumed = in.offset();
  return s;
}

// rdbSaveLen.
void Len(std::string* out, uint64_t v) {
  if (v < 64) {
    out->push_back(char(v));
  } else if (v < 16384) {
    out->push_back(char(0x40 | (v >> 8)));
    out->push_back(char(v & 0xff));
  } else if (v <= UINT32_MAX) {
    out->push_back(char(rdb::kLen32Bit));
    for (int shift = 24; shift >= 0; shift -= 8) out->push_back(char((v >> shift) & 0xff));
  } else {
    out->push_back(char(rdb::kLen64Bit));
    for (int shift = 56; shift >= 0; shift -= 8) out->push_back(char((v >> shift) & 0xff));
  }
}

// moduleTypeEncodeId: 9 characters of 6 bits, the first highest, then 10 bits of version.
uint64_t ModuleId(std::string_view name, int encver) {
  static const std::string kCharset =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint64_t id = 0;
  for (char c : name) id = id << 6 | kCharset.find(c);
  return id << 10 | uint64_t(encver);
}

constexpr size_t kIdSize = 9;  // a module id always takes the 64-bit length form: 0x81 + 8 bytes

// Type 7: the id of keeltest1 version 42, one of each opcode, EOF. `*eof_at` gets the offset of
// the EOF opcode (counted after the type byte).
std::string ModuleValue(uint64_t* eof_at = nullptr) {
  std::string v(1, char(rdb::kTypeModule2));
  Len(&v, ModuleId("keeltest1", 42));
  Len(&v, rdb::kModuleOpUint);
  Len(&v, 300);
  Len(&v, rdb::kModuleOpUint);
  Len(&v, uint64_t{1} << 40);  // the 64-bit length form
  Len(&v, rdb::kModuleOpSint);
  Len(&v, uint64_t(-5));  // two's complement bits
  Len(&v, rdb::kModuleOpFloat);
  v.append("\x00\x00\xc0\x3f", 4);  // 1.5f
  Len(&v, rdb::kModuleOpDouble);
  v.append("\x00\x00\x00\x00\x00\x00\xf8\x3f", 8);  // 1.5
  Len(&v, rdb::kModuleOpString);
  Len(&v, 5);
  v.append("hello");
  Len(&v, rdb::kModuleOpString);
  v.append("\xc0\x7b");  // an integer-encoded string
  if (eof_at != nullptr) *eof_at = v.size() - 1;
  Len(&v, rdb::kModuleOpEof);
  return v;
}

TEST_CASE("module ids split into a 9-character name and a 10-bit encoding version",
          "[rdb-module]") {
  CHECK(rdb::DecodeModuleId(0).name == "AAAAAAAAA");
  CHECK(rdb::DecodeModuleId(uint64_t{1} << 10).name == "AAAAAAAAB");
  CHECK(rdb::DecodeModuleId(uint64_t{63} << 58).name == "_AAAAAAAA");
  const RdbModuleInfo all = rdb::DecodeModuleId(UINT64_MAX);
  CHECK(all.name == "_________");
  CHECK(all.encver == 1023);
  const RdbModuleInfo json = rdb::DecodeModuleId(ModuleId("ReJSON-RL", 3));
  CHECK(json.name == "ReJSON-RL");
  CHECK(json.encver == 3);
  CHECK(json.module_id == ModuleId("ReJSON-RL", 3));
  CHECK(json.when == -1);
}

TEST_CASE("a module value is announced, then walked to its EOF opcode", "[rdb-module]") {
  const std::string value = ModuleValue();
  ModuleRecorder rec;
  uint64_t consumed = 0;
  REQUIRE(Decode(value, &rec, &consumed).ok());
  CHECK(consumed == value.size() - 1);
  REQUIRE(rec.modules.size() == 1);
  CHECK(rec.modules[0].name == "keeltest1");
  CHECK(rec.modules[0].encver == 42);
  CHECK(rec.modules[0].data_bytes == 0);  // announced before the walk
  // Bytes after the EOF opcode belong to whatever follows: the walk stops at the EOF.
  REQUIRE(Decode(value + "\xff", &rec, &consumed).ok());
  CHECK(consumed == value.size() - 1);
  // SkipModuleOpcodes on the data alone reports the bytes it walked.
  SpanSource src(std::string_view(value).substr(1 + kIdSize));
  rdb::RdbInput in(src);
  auto walked = rdb::SkipModuleOpcodes(in);
  REQUIRE(walked.has_value());
  CHECK(*walked == value.size() - 1 - kIdSize);
}

TEST_CASE("a visitor can refuse a module before its data is read", "[rdb-module]") {
  ModuleRecorder rec;
  rec.answer = Status::NotSupported("no modules here");
  const std::string value = ModuleValue().substr(0, 1 + kIdSize);  // the id only: data cut off
  CHECK(Decode(value, &rec).code() == StatusCode::kNotSupported);
}

TEST_CASE("module data faults are Corruption at their offset", "[rdb-module]") {
  uint64_t eof_at = 0;
  std::string value = ModuleValue(&eof_at);
  ModuleRecorder rec;
  value[1 + eof_at] = 6;
  CheckCorruptionAt(Decode(value, &rec), eof_at, "unknown module opcode 6");
  value[1 + eof_at] = char(0xC0);  // a string encoding where an opcode belongs
  CheckCorruptionAt(Decode(value, &rec), eof_at, "where a length belongs");
  value[1 + eof_at] = char(0x81);  // a 64-bit opcode cut off by the end of the data
  CheckCorruptionAt(Decode(value, &rec), eof_at + 1, "unexpected end");
  const std::string good = ModuleValue();
  for (size_t n = 1; n < good.size(); ++n) {
    Status s = Decode(std::string_view(good).substr(0, n), &rec);
    INFO("cut at " << n << ": " << s.ToString());
    REQUIRE(s.IsCorruption());
    CHECK(s.offset() == n - 1);
    CHECK(s.message().find("unexpected end") != std::string_view::npos);
  }
}

// A DUMP payload: value, RDB version 10 little-endian, CRC64 of both little-endian.
std::string DumpPayload(std::string value) {
  value.append("\x0a\x00", 2);
  const uint64_t crc = Crc64(0, Bytes(value));
  for (int i = 0; i < 8; ++i) value.push_back(char((crc >> (8 * i)) & 0xff));
  return value;
}

TEST_CASE("RESTORE's reader reaches the module decoder", "[rdb-module]") {
  const std::string payload = DumpPayload(ModuleValue());
  ModuleRecorder rec;
  Status s = ReadDumpPayload(Bytes(payload), rec);
  INFO(s.ToString());
  REQUIRE(s.ok());
  REQUIRE(rec.modules.size() == 1);
  CHECK(rec.modules[0].name == "keeltest1");
  rec.answer = Status::NotSupported("no module keeltest1");
  CHECK(ReadDumpPayload(Bytes(payload), rec).code() == StatusCode::kNotSupported);
}

}  // namespace
}  // namespace keel::formats
