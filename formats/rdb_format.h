// Constants of Redis's RDB file format (rdb.h in Redis 7.0 and 7.2): versions, opcodes, value type
// ids, length and string encodings, module opcodes and quicklist containers. docs/formats/rdb.md
// has the grammar; ../shared/reference/redis-formats.md section 1 has the sources.
#pragma once

#include <cstdint>
#include <string_view>

namespace keel::formats::rdb {

inline constexpr std::string_view kMagic = "REDIS";
inline constexpr int kHeaderSize = 9;  // "REDIS" and four decimal digits
// What Keel writes by default (Redis 7.0), the oldest it can write (Redis 5 and 6), and the newest
// it reads (Redis 7.2). Version 12 (Redis 7.4) is recognised and refused.
inline constexpr int kVersion = 10;
inline constexpr int kMinWriteVersion = 9;
inline constexpr int kMaxReadVersion = 11;

// Opcodes: a byte where a value type id may also stand.
enum Opcode : uint8_t {
  kOpSlotInfo = 244,  // Redis 7.4+ (cluster slot sizes); refused with version 12
  kOpFunction2 = 245,
  kOpFunctionPreGa = 246,  // Redis 7.0 release candidates only
  kOpModuleAux = 247,
  kOpIdle = 248,
  kOpFreq = 249,
  kOpAux = 250,
  kOpResizeDb = 251,
  kOpExpireTimeMs = 252,
  kOpExpireTime = 253,
  kOpSelectDb = 254,
  kOpEof = 255,
};

// Value type ids (the byte before a key).
enum Type : uint8_t {
  kTypeString = 0,
  kTypeList = 1,  // linked list (old)
  kTypeSet = 2,
  kTypeZset = 3,  // ASCII scores (old)
  kTypeHash = 4,
  kTypeZset2 = 5,       // binary scores, RDB 8+
  kTypeModulePreGa = 6,  // Redis 4.0 release candidates
  kTypeModule2 = 7,
  kTypeHashZipmap = 9,
  kTypeListZiplist = 10,
  kTypeSetIntset = 11,
  kTypeZsetZiplist = 12,
  kTypeHashZiplist = 13,
  kTypeListQuicklist = 14,
  kTypeStreamListpacks = 15,
  kTypeHashListpack = 16,
  kTypeZsetListpack = 17,
  kTypeListQuicklist2 = 18,
  kTypeStreamListpacks2 = 19,
  kTypeSetListpack = 20,       // RDB 11
  kTypeStreamListpacks3 = 21,  // RDB 11
  // 22..25: hash field expiry (RDB 12, Redis 7.4): recognised and refused.
  kTypeHashMetadataPreGa = 22,
  kTypeHashListpackExPreGa = 23,
  kTypeHashMetadata = 24,
  kTypeHashListpackEx = 25,
};

// A type id Redis 7.2 loads (rdbIsObjectType).
inline constexpr bool IsKnownType(uint8_t t) { return t <= 7 || (t >= 9 && t <= 21); }
// A type id of a newer Redis (hash field expiry): refused as "not supported", not as corruption.
inline constexpr bool IsFutureType(uint8_t t) { return t >= 22 && t <= 25; }

// Length encoding: the top two bits of the first byte.
inline constexpr uint8_t kLen6Bit = 0;   // 00xxxxxx
inline constexpr uint8_t kLen14Bit = 1;  // 01xxxxxx yyyyyyyy, big-endian
inline constexpr uint8_t kLenEncoded = 3;  // 11xxxxxx: a special string encoding
inline constexpr uint8_t kLen32Bit = 0x80;  // then 4 bytes big-endian
inline constexpr uint8_t kLen64Bit = 0x81;  // then 8 bytes big-endian

// Special string encodings (the low six bits after 11).
inline constexpr uint8_t kEncInt8 = 0;
inline constexpr uint8_t kEncInt16 = 1;
inline constexpr uint8_t kEncInt32 = 2;
inline constexpr uint8_t kEncLzf = 3;

// Module value opcodes (RDB_MODULE_OPCODE_*).
inline constexpr uint64_t kModuleOpEof = 0;
inline constexpr uint64_t kModuleOpSint = 1;
inline constexpr uint64_t kModuleOpUint = 2;
inline constexpr uint64_t kModuleOpFloat = 3;
inline constexpr uint64_t kModuleOpDouble = 4;
inline constexpr uint64_t kModuleOpString = 5;

// Quicklist 2 node containers.
inline constexpr uint64_t kQuicklistNodePlain = 1;
inline constexpr uint64_t kQuicklistNodePacked = 2;

// Scores of the ASCII double encoding (type 3): these length bytes stand for special values.
inline constexpr uint8_t kDoubleNan = 253;
inline constexpr uint8_t kDoublePosInf = 254;
inline constexpr uint8_t kDoubleNegInf = 255;

// Stream listpack entry flags.
inline constexpr int64_t kStreamItemDeleted = 1;
inline constexpr int64_t kStreamItemSameFields = 2;

}  // namespace keel::formats::rdb
