// The top level of the RDB reader: the header, the opcodes between keys, the EOF and CRC64
// trailer (rdbLoadRioWithLoadingCtx in Redis 7.0's rdb.c), and DUMP payloads (verifyDumpPayload).
// Values are decoded by rdb_values.cc, rdb_blobs.cc, rdb_stream.cc and rdb_module.cc.
#include "formats/rdb_reader.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "formats/crc64.h"
#include "formats/rdb_blobs.h"
#include "formats/rdb_input.h"
#include "formats/zstd_stream.h"

namespace keel::formats {

namespace {

using rdb::RdbInput;

std::string Hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Replays bytes already taken from a source (the magic peeked at), then reads the source.
class PrefixSource final : public ByteSource {
 public:
  PrefixSource(ByteSource& inner, std::span<const uint8_t> prefix)
      : inner_(inner), prefix_(prefix) {}
  Result<size_t> Read(std::span<uint8_t> dst) override {
    if (pos_ < prefix_.size()) {
      size_t n = std::min(dst.size(), prefix_.size() - pos_);
      std::memcpy(dst.data(), prefix_.data() + pos_, n);
      pos_ += n;
      if (n == dst.size()) return n;
      // The contract allows a short read only at the end of the data: fill the rest.
      Result<size_t> more = inner_.Read(dst.subspan(n));
      if (!more) return more.error();
      return n + *more;
    }
    return inner_.Read(dst);
  }

 private:
  ByteSource& inner_;
  std::span<const uint8_t> prefix_;
  size_t pos_ = 0;
};

// The type byte of a key (file or payload): refuses what Keel does not load.
Status CheckValueType(uint8_t type, uint64_t at) {
  if (rdb::IsFutureType(type)) {
    return Status::NotSupported("value type " + std::to_string(type) + " at offset " +
                                std::to_string(at) +
                                " is hash field expiry, Redis 7.4+ (RDB version 12), which this "
                                "Keel does not read");
  }
  if (type == rdb::kTypeModulePreGa) {
    return Status::NotSupported("value type 6 at offset " + std::to_string(at) +
                                " is the module format of Redis 4.0 release candidates, which "
                                "Redis 7.2 does not load either");
  }
  if (!rdb::IsKnownType(type)) {
    return Status::Corruption("unknown value type or opcode " + std::to_string(type), at);
  }
  return Status::Ok();
}

Status NewerVersion(int version) {
  if (version == 12) {
    return Status::NotSupported(
        "RDB version 12 (header at offset 0) is newer than this Keel reads (Redis 7.4+ writes it); "
        "Keel reads RDB "
        "versions 1 to 11 (Redis 7.2 and older): save the data with Redis 7.2 or older, or "
        "migrate it with a replica or MIGRATE");
  }
  return Status::NotSupported(
      "RDB version " + std::to_string(version) +
      " (header at offset 0) is newer than this Keel reads; Keel reads RDB versions 1 to " +
      std::to_string(rdb::kMaxReadVersion) + " (Redis 7.2 and older)");
}

Result<int> ReadHeader(RdbInput& in) {
  char header[rdb::kHeaderSize];
  KEEL_RETURN_IF_ERROR(in.ReadExact(header, sizeof(header)));
  if (std::memcmp(header, rdb::kMagic.data(), rdb::kMagic.size()) != 0) {
    return Status::Corruption(
        "wrong signature: an RDB file starts with \"REDIS\" and a 4-digit version", 0);
  }
  int version = 0;
  for (int i = 5; i < rdb::kHeaderSize; ++i) {
    if (header[i] < '0' || header[i] > '9') {
      return Status::Corruption(
          "RDB version \"" + std::string(header + 5, 4) + "\" is not a 4-digit number", 5);
    }
    version = version * 10 + (header[i] - '0');
  }
  if (version == 0) return Status::Corruption("RDB version 0 does not exist", 5);
  if (version > rdb::kMaxReadVersion) return NewerVersion(version);
  return version;
}

// The per-key attributes set by opcodes before the type byte.
struct PendingKey {
  int64_t expire_ms = -1;
  int64_t idle_seconds = -1;
  int freq = -1;
};

Status ReadBody(RdbInput& in, RdbVisitor& visitor, const RdbReaderOptions& options,
                RdbReadStats* stats) {
  KEEL_ASSIGN_OR_RETURN(int version, ReadHeader(in));
  in.set_version(version);
  if (stats) stats->version = version;
  KEEL_RETURN_IF_ERROR(visitor.OnVersion(version));

  std::string key;
  std::string aux_value;
  uint64_t db = 0;
  PendingKey pending;
  uint64_t keys = 0;
  while (true) {
    const uint64_t at = in.offset();
    KEEL_ASSIGN_OR_RETURN(uint8_t op, in.ReadByte());
    switch (op) {
      case rdb::kOpEof:
        break;
      case rdb::kOpExpireTime: {
        KEEL_ASSIGN_OR_RETURN(int32_t s, in.ReadSeconds());
        pending.expire_ms = int64_t{s} * 1000;
        continue;
      }
      case rdb::kOpExpireTimeMs: {
        KEEL_ASSIGN_OR_RETURN(pending.expire_ms, in.ReadMillis());
        continue;
      }
      case rdb::kOpFreq: {
        KEEL_ASSIGN_OR_RETURN(uint8_t f, in.ReadByte());
        pending.freq = f;
        continue;
      }
      case rdb::kOpIdle: {
        KEEL_ASSIGN_OR_RETURN(uint64_t idle, in.ReadLength());
        pending.idle_seconds = idle > uint64_t{INT64_MAX} ? INT64_MAX : static_cast<int64_t>(idle);
        continue;
      }
      case rdb::kOpSelectDb: {
        KEEL_ASSIGN_OR_RETURN(db, in.ReadLength());
        KEEL_RETURN_IF_ERROR(visitor.OnSelectDb(db));
        continue;
      }
      case rdb::kOpResizeDb: {
        KEEL_ASSIGN_OR_RETURN(uint64_t db_size, in.ReadLength());
        KEEL_ASSIGN_OR_RETURN(uint64_t expires_size, in.ReadLength());
        KEEL_RETURN_IF_ERROR(visitor.OnResizeDb(db_size, expires_size));
        continue;
      }
      case rdb::kOpAux: {
        // Unknown AUX fields are the visitor's to ignore: Redis requires loaders to skip them.
        KEEL_RETURN_IF_ERROR(in.ReadString(&key));
        KEEL_RETURN_IF_ERROR(in.ReadString(&aux_value));
        KEEL_RETURN_IF_ERROR(visitor.OnAux(key, aux_value));
        continue;
      }
      case rdb::kOpFunction2: {
        KEEL_RETURN_IF_ERROR(in.ReadString(&aux_value));
        KEEL_RETURN_IF_ERROR(visitor.OnFunction(aux_value));
        continue;
      }
      case rdb::kOpFunctionPreGa:
        return Status::NotSupported("function library at offset " + std::to_string(at) +
                                    " is in the format of Redis 7.0 release candidates, which "
                                    "Redis 7.2 does not load either; re-save it with Redis 7.0");
      case rdb::kOpModuleAux: {
        KEEL_ASSIGN_OR_RETURN(uint64_t module_id, in.ReadLength());
        const uint64_t when_at = in.offset();
        KEEL_ASSIGN_OR_RETURN(uint64_t when_opcode, in.ReadLength());
        if (when_opcode != rdb::kModuleOpUint) {
          return RdbInput::CorruptAt(
              "module AUX data: bad when_opcode " + std::to_string(when_opcode) + " (expected 2)",
              when_at);
        }
        KEEL_ASSIGN_OR_RETURN(uint64_t when, in.ReadLength());
        RdbModuleInfo info = rdb::DecodeModuleId(module_id);
        info.when = when > uint64_t{INT64_MAX} ? INT64_MAX : static_cast<int64_t>(when);
        KEEL_ASSIGN_OR_RETURN(info.data_bytes, rdb::SkipModuleOpcodes(in));
        KEEL_RETURN_IF_ERROR(visitor.OnModuleAux(info));
        continue;
      }
      case rdb::kOpSlotInfo:
        return NewerVersion(12);
      default: {
        KEEL_RETURN_IF_ERROR(CheckValueType(op, at));
        KEEL_RETURN_IF_ERROR(in.ReadString(&key));
        RdbKeyInfo info;
        info.db = db;
        info.key = key;
        info.type = op;
        info.expire_ms = pending.expire_ms;
        info.idle_seconds = pending.idle_seconds;
        info.freq = pending.freq;
        info.offset = at;
        pending = PendingKey();
        KEEL_RETURN_IF_ERROR(visitor.BeginKey(info));
        KEEL_RETURN_IF_ERROR(rdb::ReadValue(in, op, visitor));
        KEEL_RETURN_IF_ERROR(visitor.EndKey());
        if (stats) stats->keys = ++keys;
        continue;
      }
    }
    break;  // EOF opcode
  }

  // The checksum covers every byte from the magic through the EOF opcode.
  if (version >= 5) {
    const uint64_t actual = in.crc();
    const uint64_t trailer_at = in.offset();
    KEEL_ASSIGN_OR_RETURN(uint64_t stored, in.ReadU64Le());
    if (stats) stats->stored_checksum = stored;
    if (stored != 0 && options.verify_checksum) {
      if (stored != actual) {
        return RdbInput::CorruptAt("CRC64 mismatch: the file stores " + Hex64(stored) +
                                       ", its bytes give " + Hex64(actual),
                                   trailer_at);
      }
      if (stats) stats->checksum_verified = true;
    }
  }
  if (!options.allow_trailing_data) {
    KEEL_ASSIGN_OR_RETURN(bool at_end, in.AtEnd());
    if (!at_end) return in.Corrupt("bytes after the end of the RDB file (after its checksum)");
  }
  return visitor.OnEnd();
}

Status ReadPayloadValue(RdbInput& in, int version, RdbVisitor& visitor) {
  in.set_version(version);
  KEEL_ASSIGN_OR_RETURN(uint8_t type, in.ReadByte());
  KEEL_RETURN_IF_ERROR(CheckValueType(type, 0));
  RdbKeyInfo info;
  info.type = type;
  KEEL_RETURN_IF_ERROR(visitor.BeginKey(info));
  KEEL_RETURN_IF_ERROR(rdb::ReadValue(in, type, visitor));
  KEEL_ASSIGN_OR_RETURN(bool at_end, in.AtEnd());
  // Redis ignores bytes between the value and the footer; no DUMP writes any, so Keel refuses.
  if (!at_end) return in.Corrupt("bytes after the value in the DUMP payload");
  return visitor.EndKey();
}

}  // namespace

RdbKind KindOfType(uint8_t type) {
  switch (type) {
    case rdb::kTypeString:
      return RdbKind::kString;
    case rdb::kTypeList:
    case rdb::kTypeListZiplist:
    case rdb::kTypeListQuicklist:
    case rdb::kTypeListQuicklist2:
      return RdbKind::kList;
    case rdb::kTypeSet:
    case rdb::kTypeSetIntset:
    case rdb::kTypeSetListpack:
      return RdbKind::kSet;
    case rdb::kTypeZset:
    case rdb::kTypeZset2:
    case rdb::kTypeZsetZiplist:
    case rdb::kTypeZsetListpack:
      return RdbKind::kZset;
    case rdb::kTypeStreamListpacks:
    case rdb::kTypeStreamListpacks2:
    case rdb::kTypeStreamListpacks3:
      return RdbKind::kStream;
    case rdb::kTypeModulePreGa:
    case rdb::kTypeModule2:
      return RdbKind::kModule;
    default:
      // Hashes: 4, 9, 13, 16 and Redis 7.4's 22..25. Unknown ids never reach a visitor.
      return RdbKind::kHash;
  }
}

Status ReadRdb(ByteSource& src, RdbVisitor& visitor, const RdbReaderOptions& options,
               RdbReadStats* stats) {
  if (stats) *stats = RdbReadStats();
  // Peek at the first bytes to tell a Keel zstd frame from a plain RDB file.
  uint8_t prefix[sizeof(kZstdMagic)];
  size_t got = 0;
  while (got < sizeof(prefix)) {
    Result<size_t> n = src.Read(std::span<uint8_t>(prefix + got, sizeof(prefix) - got));
    if (!n) return n.error();
    if (*n == 0) break;
    got += *n;
  }
  const std::span<const uint8_t> peeked(prefix, got);
  Status s;
  if (StartsWithZstdMagic(peeked)) {
    if (stats) stats->zstd = true;
    ZstdSource zstd(src, peeked);
    RdbInput in(zstd);
    s = ReadBody(in, visitor, options, stats);
    if (stats) stats->bytes = in.offset();
  } else {
    PrefixSource replay(src, peeked);
    RdbInput in(replay);
    s = ReadBody(in, visitor, options, stats);
    if (stats) stats->bytes = in.offset();  // up to the fault when there is one
  }
  rdb::ReleaseValueScratch();
  return s;
}

Status ReadDumpPayload(std::span<const uint8_t> payload, RdbVisitor& visitor) {
  // <type> <value> <u16 LE version> <u64 LE CRC64 of all before it>
  constexpr size_t kFooter = 10;
  if (payload.size() < kFooter + 1) {
    return Status::Corruption("DUMP payload of " + std::to_string(payload.size()) +
                                  " bytes is too short (a type, a value and a 10-byte footer)",
                              0);
  }
  const size_t body = payload.size() - kFooter;
  const int version = payload[body] | payload[body + 1] << 8;
  if (version > rdb::kMaxReadVersion) {
    if (version == 12) return NewerVersion(12);
    return Status::NotSupported("DUMP payload version " + std::to_string(version) +
                                " is newer than this Keel reads (at most " +
                                std::to_string(rdb::kMaxReadVersion) + ")");
  }
  uint64_t stored = 0;
  for (int i = 7; i >= 0; --i) stored = stored << 8 | payload[body + 2 + i];
  const uint64_t actual = Crc64(0, payload.first(body + 2));
  if (stored != actual) {
    return Status::Corruption("DUMP payload checksum mismatch: it stores " + Hex64(stored) +
                                  ", its bytes give " + Hex64(actual),
                              body + 2);
  }
  SpanSource src(payload.first(body));
  RdbInput in(src);
  Status s = ReadPayloadValue(in, version, visitor);
  rdb::ReleaseValueScratch();
  return s;
}

}  // namespace keel::formats
