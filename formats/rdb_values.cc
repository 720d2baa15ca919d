// ReadValue: the dispatch from a stored type id to its decoder, and the decoders of the types
// stored element by element (strings, linked lists, hash-table sets, hashes and sorted sets) and
// of quicklists. Blob types are in rdb_blobs.cc, streams in rdb_stream.cc, modules in
// rdb_module.cc.
//
// Element-by-element types (1 to 5) are read as they stream past: the reader keeps no copy of the
// members, so finding a duplicate member or field there is the visitor's job (a loader inserting
// into a set or hash finds it as it inserts; Redis does the same).
#include <cmath>
#include <string>

#include "formats/rdb_blobs.h"
#include "formats/rdb_format.h"
#include "formats/rdb_input.h"

namespace keel::formats::rdb {

namespace {

// Reused from element to element and key to key, so the per-element path does not allocate
// once the strings have grown to the largest element seen; ReleaseValueScratch gives big ones back.
thread_local std::string t_first;
thread_local std::string t_second;

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Types 1 (list) and 2 (set): a count, then that many strings.
Status ReadStrings(RdbInput& in, RdbVisitor& visitor) {
  KEEL_ASSIGN_OR_RETURN(uint64_t n, in.ReadLength());
  KEEL_RETURN_IF_ERROR(visitor.OnSizeHint(n));
  for (uint64_t i = 0; i < n; ++i) {
    KEEL_RETURN_IF_ERROR(in.ReadString(&t_first));
    KEEL_RETURN_IF_ERROR(visitor.OnElement(t_first));
  }
  return Status::Ok();
}

// Type 4: a count of pairs, then field and value strings.
Status ReadHash(RdbInput& in, RdbVisitor& visitor) {
  KEEL_ASSIGN_OR_RETURN(uint64_t n, in.ReadLength());
  KEEL_RETURN_IF_ERROR(visitor.OnSizeHint(n));
  for (uint64_t i = 0; i < n; ++i) {
    KEEL_RETURN_IF_ERROR(in.ReadString(&t_first));
    KEEL_RETURN_IF_ERROR(in.ReadString(&t_second));
    KEEL_RETURN_IF_ERROR(visitor.OnPair(t_first, t_second));
  }
  return Status::Ok();
}

// Types 3 (ASCII scores) and 5 (binary scores): a count, then member and score.
Status ReadZset(RdbInput& in, uint8_t type, RdbVisitor& visitor) {
  KEEL_ASSIGN_OR_RETURN(uint64_t n, in.ReadLength());
  KEEL_RETURN_IF_ERROR(visitor.OnSizeHint(n));
  for (uint64_t i = 0; i < n; ++i) {
    KEEL_RETURN_IF_ERROR(in.ReadString(&t_first));
    const uint64_t score_at = in.offset();
    double score;
    if (type == kTypeZset2) {
      KEEL_ASSIGN_OR_RETURN(score, in.ReadBinaryDouble());
    } else {
      KEEL_ASSIGN_OR_RETURN(score, in.ReadAsciiDouble());
    }
    // Redis: "Zset with NAN score detected".
    if (std::isnan(score)) return RdbInput::CorruptAt("sorted set score is NaN", score_at);
    KEEL_RETURN_IF_ERROR(visitor.OnScored(t_first, score));
  }
  return Status::Ok();
}

// Types 14 (nodes are ziplists) and 18 (each node has a container: plain or packed listpack).
// The stored count is of nodes, not elements, so no size hint is given.
Status ReadQuicklist(RdbInput& in, uint8_t type, RdbVisitor& visitor) {
  KEEL_ASSIGN_OR_RETURN(uint64_t nodes, in.ReadLength());
  for (uint64_t i = 0; i < nodes; ++i) {
    uint64_t container = kQuicklistNodePacked;
    if (type == kTypeListQuicklist2) {
      const uint64_t container_at = in.offset();
      KEEL_ASSIGN_OR_RETURN(container, in.ReadLength());
      if (container != kQuicklistNodePlain && container != kQuicklistNodePacked) {
        return RdbInput::CorruptAt("quicklist node container " + std::to_string(container) +
                                       " is neither 1 (plain) nor 2 (packed)",
                                   container_at);
      }
    }
    const uint64_t at = in.offset();
    KEEL_RETURN_IF_ERROR(in.ReadString(&t_first));
    if (t_first.empty()) return RdbInput::CorruptAt("empty quicklist node", at);
    if (container == kQuicklistNodePlain) {
      KEEL_RETURN_IF_ERROR(visitor.OnElement(t_first));
    } else if (type == kTypeListQuicklist2) {
      KEEL_RETURN_IF_ERROR(ReadListpackNode(Bytes(t_first), at, visitor));
    } else {
      KEEL_RETURN_IF_ERROR(ReadZiplistNode(Bytes(t_first), at, visitor));
    }
  }
  return Status::Ok();
}

}  // namespace

void ReleaseValueScratch() {
  constexpr size_t kKeep = 64 * 1024;
  if (t_first.capacity() > kKeep) std::string().swap(t_first);
  if (t_second.capacity() > kKeep) std::string().swap(t_second);
  ReleaseBlobScratch();
}

Status ReadValue(RdbInput& in, uint8_t type, RdbVisitor& visitor) {
  switch (type) {
    case kTypeString:
      KEEL_RETURN_IF_ERROR(in.ReadString(&t_first));
      return visitor.OnString(t_first);
    case kTypeList:
    case kTypeSet:
      return ReadStrings(in, visitor);
    case kTypeZset:
    case kTypeZset2:
      return ReadZset(in, type, visitor);
    case kTypeHash:
      return ReadHash(in, visitor);
    case kTypeListQuicklist:
    case kTypeListQuicklist2:
      return ReadQuicklist(in, type, visitor);
    case kTypeHashZipmap:
    case kTypeListZiplist:
    case kTypeSetIntset:
    case kTypeZsetZiplist:
    case kTypeHashZiplist:
    case kTypeHashListpack:
    case kTypeZsetListpack:
    case kTypeSetListpack: {
      const uint64_t at = in.offset();
      KEEL_RETURN_IF_ERROR(in.ReadString(&t_first));
      return ReadBlobValue(type, Bytes(t_first), at, visitor);
    }
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2:
    case kTypeStreamListpacks3:
      return ReadStreamValue(in, type, visitor);
    case kTypeModule2:
      return ReadModuleValue(in, visitor);
    case kTypeModulePreGa:
      return Status::NotSupported(
          "value type 6 is the module format of Redis 4.0 release candidates, which Redis 7.2 "
          "does not load either");
    default:
      if (IsFutureType(type)) {
        return Status::NotSupported("value type " + std::to_string(type) +
                                    " is hash field expiry, Redis 7.4+ (RDB version 12)");
      }
      return in.Corrupt("unknown value type " + std::to_string(type));
  }
}

}  // namespace keel::formats::rdb
