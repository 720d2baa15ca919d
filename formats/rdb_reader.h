// Streaming reader of RDB files (versions 1 to 11; version 12 and its new type ids are recognised
// and refused) and of DUMP payloads. It decodes every encoding Redis has written into events on an
// RdbVisitor, so the server's loader, the offline tool and the fuzzers share one decoder. Nothing
// is trusted: each length is checked against the bytes that really arrive before memory is
// committed to it, nested blobs (listpack, ziplist, intset, zipmap) are validated deeply, and any
// fault is a Corruption status carrying the byte offset where it was found. docs/formats/rdb.md
// has the grammar.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/byte_stream.h"
#include "formats/rdb_format.h"
#include "formats/status.h"

namespace keel::formats {

struct RdbReaderOptions {
  // Check the CRC64 trailer (a stored 0 means the writer had rdbchecksum off).
  bool verify_checksum = true;
  // The RDB preamble of an AOF: RESP commands may follow the checksum. The read stops there, and
  // RdbReadStats::bytes says where the commands start.
  bool allow_trailing_data = false;
};

// Where a key starts and what came before it.
struct RdbKeyInfo {
  uint64_t db = 0;
  std::string_view key;     // valid until EndKey
  uint8_t type = 0;         // the type id as stored (rdb::Type)
  int64_t expire_ms = -1;   // absolute unix time in ms, -1 when none
  int64_t idle_seconds = -1;  // from an IDLE opcode, -1 when none
  int freq = -1;              // from a FREQ opcode, -1 when none
  uint64_t offset = 0;        // of the type byte
};

// The value kinds, as a visitor usually wants them (many type ids map to one kind).
enum class RdbKind : uint8_t { kString, kList, kSet, kZset, kHash, kStream, kModule };
RdbKind KindOfType(uint8_t type);

// The blobs a visitor may take whole: each is Redis 7's in-memory encoding, validated deeply
// (structure, counts, duplicate members or fields) before it is offered.
enum class RdbBlob : uint8_t {
  kListNode,      // a listpack: one quicklist node (type 18 packed node)
  kIntset,        // type 11
  kSetListpack,   // type 20
  kHashListpack,  // type 16, field and value alternating
  kZsetListpack,  // type 17, member and score alternating
};

struct RdbStreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;
  bool operator==(const RdbStreamId&) const = default;
};

// A stream's metadata (after its entries). Fields a version lacks are left as shown.
struct RdbStreamMeta {
  uint64_t length = 0;
  RdbStreamId last_id;
  RdbStreamId first_id;        // v2+; zero before
  RdbStreamId max_deleted_id;  // v2+; zero before
  uint64_t entries_added = 0;  // v2+; before, equal to length
  uint64_t listpacks = 0;
};

struct RdbStreamPending {
  RdbStreamId id;
  int64_t delivery_time_ms = 0;
  uint64_t delivery_count = 0;
};

struct RdbStreamConsumer {
  std::string name;
  int64_t seen_time_ms = 0;
  int64_t active_time_ms = -1;  // v3+; -1 before
  std::vector<RdbStreamId> pending;
};

struct RdbStreamGroup {
  std::string name;
  RdbStreamId last_id;
  int64_t entries_read = -1;  // v2+; -1 (unknown) before
  std::vector<RdbStreamPending> pending;
  std::vector<RdbStreamConsumer> consumers;
};

// A module's value or AUX data: the 64-bit id splits into a 9-character name and a 10-bit
// encoding version. Keel walks module data by opcode without understanding it.
struct RdbModuleInfo {
  uint64_t module_id = 0;
  std::string name;
  int encver = 0;
  int64_t when = -1;       // MODULE_AUX only: 1 before the keyspace, 2 after
  uint64_t data_bytes = 0;  // bytes of opcode stream walked (OnModuleValue: 0, not yet walked)
};

// Receives the file's contents in order. Every method may return an error, which stops the read
// and is returned as is. Defaults accept and ignore, so a visitor implements what it needs.
//
// A key is BeginKey, then the events of its value, then EndKey:
//   string: OnString;
//   list:   OnElement per element, or OnBlob(kListNode) per packed node;
//   set:    OnElement per member, or OnBlob(kIntset / kSetListpack);
//   hash:   OnPair per field, or OnBlob(kHashListpack);
//   zset:   OnScored per member, or OnBlob(kZsetListpack);
//   stream: OnStreamEntry per entry, OnStreamMeta, OnStreamGroup per group;
//   module: OnModuleValue (before its data is walked).
// OnBlob returns true to take the blob as it is, false to receive its elements instead. Elements
// of old encodings (ziplist, zipmap, linked lists, hash tables) always come as elements. Integer
// elements are given in decimal. String views are valid only during the call.
class RdbVisitor {
 public:
  virtual ~RdbVisitor() = default;
  virtual Status OnVersion(int /*version*/) { return Status::Ok(); }
  virtual Status OnAux(std::string_view /*key*/, std::string_view /*value*/) {
    return Status::Ok();
  }
  virtual Status OnSelectDb(uint64_t /*db*/) { return Status::Ok(); }
  virtual Status OnResizeDb(uint64_t /*keys*/, uint64_t /*expires*/) { return Status::Ok(); }
  virtual Status OnFunction(std::string_view /*library_code*/) { return Status::Ok(); }
  virtual Status OnModuleAux(const RdbModuleInfo& /*info*/) { return Status::Ok(); }

  virtual Status BeginKey(const RdbKeyInfo& /*key*/) { return Status::Ok(); }
  // For collections stored with an element count, that count (a hint, not trusted: it may exceed
  // what follows), before the elements.
  virtual Status OnSizeHint(uint64_t /*elements*/) { return Status::Ok(); }
  virtual Status OnString(std::string_view /*value*/) { return Status::Ok(); }
  virtual Status OnElement(std::string_view /*value*/) { return Status::Ok(); }
  virtual Status OnPair(std::string_view /*field*/, std::string_view /*value*/) {
    return Status::Ok();
  }
  virtual Status OnScored(std::string_view /*member*/, double /*score*/) { return Status::Ok(); }
  virtual Result<bool> OnBlob(RdbBlob /*kind*/, std::span<const uint8_t> /*bytes*/) {
    return false;
  }
  // `fields` alternates field and value.
  virtual Status OnStreamEntry(const RdbStreamId& /*id*/,
                               std::span<const std::string_view> /*fields*/) {
    return Status::Ok();
  }
  virtual Status OnStreamMeta(const RdbStreamMeta& /*meta*/) { return Status::Ok(); }
  virtual Status OnStreamGroup(const RdbStreamGroup& /*group*/) { return Status::Ok(); }
  virtual Status OnModuleValue(const RdbModuleInfo& /*info*/) { return Status::Ok(); }
  virtual Status EndKey() { return Status::Ok(); }

  // After the EOF opcode and the checksum check.
  virtual Status OnEnd() { return Status::Ok(); }
};

struct RdbReadStats {
  int version = 0;
  uint64_t keys = 0;
  uint64_t bytes = 0;           // consumed, decompressed when zstd-framed
  bool zstd = false;            // the file was a Keel zstd frame
  uint64_t stored_checksum = 0;  // 0: none stored (version < 5) or disabled by the writer
  bool checksum_verified = false;
};

// Reads a whole RDB file. A stream starting with zstd's frame magic is Keel's zstd-wrapped RDB
// (rdb-zstd-level) and is decompressed on the fly. Refuses: bad magic, versions outside 1..11
// (NotSupported for 12 and Redis 7.4's type ids), unknown opcodes or types, malformed values, a
// CRC64 mismatch, bytes after the trailer.
Status ReadRdb(ByteSource& src, RdbVisitor& visitor, const RdbReaderOptions& options = {},
               RdbReadStats* stats = nullptr);

// Reads a DUMP payload: one type byte and value, the 2-byte little-endian RDB version and the
// CRC64 of everything before it. The visitor sees BeginKey (empty key, db 0), the value, EndKey.
// Payloads of versions above kMaxReadVersion or with a wrong CRC are refused.
Status ReadDumpPayload(std::span<const uint8_t> payload, RdbVisitor& visitor);

}  // namespace keel::formats
