// SaveRdb and the value encoder: rdbSaveRio, rdbSaveKeyValuePair and rdbSaveObject of Redis 7.0
// over Keel's objects. Compact encodings are written as the bytes the engine holds (listpacks,
// intsets, LZF-compressed quicklist nodes), which is what makes a save cheap: no value is
// re-encoded and no per-key memory is allocated.
#include "engine/rdb_save.h"

#include <unistd.h>

#include <string>

#include "engine/db.h"
#include "engine/hash_object.h"
#include "engine/keyspace.h"
#include "engine/lfu.h"
#include "engine/list_object.h"
#include "engine/set_object.h"
#include "engine/zset_object.h"
#include "formats/lzf.h"
#include "formats/rdb_format.h"
#include "formats/zstd_stream.h"

namespace keel::engine {

namespace {

namespace rdb = formats::rdb;
using formats::RdbWriter;

// Counts the bytes that reach the destination (the writer and zstd hand over large blocks).
class CountingSink final : public formats::ByteSink {
 public:
  explicit CountingSink(formats::ByteSink& out) : out_(out) {}
  Status Write(std::span<const uint8_t> data) override {
    bytes_ += data.size();
    return out_.Write(data);
  }
  uint64_t bytes() const { return bytes_; }

 private:
  formats::ByteSink& out_;
  uint64_t bytes_ = 0;
};

// One node of a list. A compressed plain node (an element of at least 1 GiB by default) is
// expanded and written as a plain node: the writer's compressed-node call is for packed nodes.
Status WriteListNode(RdbWriter& w, const ListObject::NodeView& n, std::string* scratch) {
  if (n.compressed && n.plain) {
    scratch->resize(n.raw_size);
    Result<size_t> got = formats::LzfDecompress(
        n.bytes, std::span<uint8_t>(reinterpret_cast<uint8_t*>(scratch->data()), n.raw_size));
    if (!got.has_value() || *got != n.raw_size) {
      return Status::Internal("a compressed list node does not expand to its recorded size");
    }
    return w.WriteQuicklistPlainNode(*scratch);
  }
  if (n.compressed) return w.WriteQuicklistCompressedNode(n.bytes, n.raw_size);
  if (n.plain) {
    return w.WriteQuicklistPlainNode(
        std::string_view(reinterpret_cast<const char*>(n.bytes.data()), n.bytes.size()));
  }
  return w.WriteQuicklistNode(n.bytes);
}

Status WriteList(RdbWriter& w, const ListObject& list) {
  KEEL_RETURN_IF_ERROR(w.BeginQuicklist(list.node_count()));
  // The callback captures one pointer, so std::function keeps it inline: no allocation per list.
  struct State {
    RdbWriter* w;
    Status st;
    std::string scratch;
  } state{&w, Status::Ok(), {}};
  list.ForEachNode([&state](const ListObject::NodeView& n) {
    if (state.st.ok()) state.st = WriteListNode(*state.w, n, &state.scratch);
  });
  return std::move(state.st);
}

Status WriteSet(RdbWriter& w, const SetObject& set) {
  if (set.is_intset()) return w.WriteIntsetValue(set.intset().data());
  KEEL_RETURN_IF_ERROR(w.WriteLength(set.Size()));
  Status st;
  set.ForEach([&](const SetMember& m) {
    st = w.WriteString(m.str);
    return st.ok();
  });
  return st;
}

Status WriteZSet(RdbWriter& w, const ZSetObject& zset) {
  if (zset.is_listpack()) return w.WriteListpackValue(zset.listpack().data());
  KEEL_RETURN_IF_ERROR(w.WriteLength(zset.Size()));
  // From the highest score to the lowest, as Redis writes it: each member a loader inserts then
  // goes to the front of its skiplist.
  char buf[24];
  for (ZSetCursor c = zset.Last(); c.valid(); c.Prev()) {
    KEEL_RETURN_IF_ERROR(w.WriteString(c.Member(buf)));
    KEEL_RETURN_IF_ERROR(w.WriteBinaryDouble(c.Score()));
  }
  return Status::Ok();
}

Status WriteHash(RdbWriter& w, const HashObject& hash) {
  if (hash.is_listpack()) return w.WriteListpackValue(hash.listpack().data());
  KEEL_RETURN_IF_ERROR(w.WriteLength(hash.Size()));
  Status st;
  hash.ForEach([&](std::string_view field, std::string_view value) {
    if (!st.ok()) return;
    st = w.WriteString(field);
    if (st.ok()) st = w.WriteString(value);
  });
  return st;
}

// What rdbSaveKeyValuePair writes before a key, by maxmemory-policy.
struct AccessDataMode {
  bool lru = false;  // IDLE: allkeys-lru, volatile-lru (MAXMEMORY_FLAG_LRU)
  bool lfu = false;  // FREQ: allkeys-lfu, volatile-lfu (MAXMEMORY_FLAG_LFU)
  uint32_t lru_clock = 0;
  uint32_t lfu_minutes = 0;
  int lfu_decay_time = 1;
};

AccessDataMode AccessDataFor(const Keyspace& ks, int64_t now_ms) {
  AccessDataMode m;
  const MaxmemoryPolicy p = ks.eviction.policy;
  m.lru = p == MaxmemoryPolicy::kAllKeysLru || p == MaxmemoryPolicy::kVolatileLru;
  m.lfu = ks.eviction.lfu();
  m.lru_clock = static_cast<uint32_t>(now_ms / kLruClockResolutionMs) & kLruClockMax;
  m.lfu_minutes = LfuTimeInMinutes(now_ms);
  m.lfu_decay_time = ks.eviction.lfu_decay_time;
  return m;
}

Status SaveKey(RdbWriter& w, const Db& db, const Entry* e, const AccessDataMode& mode) {
  formats::RdbKeyMeta meta;
  if (e->has_expire()) meta.expire_ms = db.GetExpire(e);
  if (mode.lru) {
    meta.idle_seconds = static_cast<int64_t>(EstimateIdleTimeMs(e->lru(), mode.lru_clock) / 1000);
  }
  if (mode.lfu) {
    meta.freq = static_cast<int>(LfuDecrAndReturn(e->lru(), mode.lfu_decay_time, mode.lfu_minutes));
  }
  KEEL_RETURN_IF_ERROR(w.BeginKey(RdbTypeOf(e, w), e->key(), meta));
  return WriteRdbValue(w, e);
}

Status SaveDb(RdbWriter& w, Db& db, int index, const AccessDataMode& mode, int64_t delay_us,
              uint64_t* keys) {
  KEEL_RETURN_IF_ERROR(w.WriteSelectDb(static_cast<uint64_t>(index)));
  KEEL_RETURN_IF_ERROR(w.WriteResizeDb(db.size(), db.expires_size()));
  // Entries are visited in hash order, so each is a cache miss. The walk only gathers them, a
  // batch at a time: with nothing else to do between entries the CPU overlaps those misses, and
  // the batch is still in cache when it is written out. Writing each entry as it is reached
  // serialises the misses and more than doubles the time of a save.
  constexpr size_t kBatch = 256;
  const Entry* batch[kBatch];
  size_t n = 0;
  Status st;
  auto flush = [&] {
    for (size_t i = 0; i < n && st.ok(); ++i) {
      st = SaveKey(w, db, batch[i], mode);
      // Tests slow a background save down with this (Redis's rdb-key-save-delay).
      if (delay_us > 0) usleep(static_cast<useconds_t>(delay_us));
    }
    if (st.ok()) *keys += n;
    n = 0;
  };
  db.ForEach([&](const Entry* e) {
    // The walk read the entry's first bytes; its key and value may run into the next line.
    __builtin_prefetch(reinterpret_cast<const char*>(e) + 63);
    batch[n++] = e;
    if (n == kBatch) flush();
  });
  flush();
  return st;
}

Status SaveAll(Keyspace& ks, formats::ByteSink& out, const RdbSaveOptions& o, uint64_t* keys) {
  RdbWriter w(out, o.writer);
  KEEL_RETURN_IF_ERROR(w.WriteHeader());
  // rdbSaveInfoAuxFields, without the replication fields (Keel has no replication yet).
  KEEL_RETURN_IF_ERROR(w.WriteAux("redis-ver", o.redis_ver));
  KEEL_RETURN_IF_ERROR(w.WriteAuxInt("redis-bits", 64));
  KEEL_RETURN_IF_ERROR(w.WriteAuxInt("ctime", o.ctime_s));
  KEEL_RETURN_IF_ERROR(w.WriteAuxInt("used-mem", static_cast<int64_t>(o.used_memory)));
  KEEL_RETURN_IF_ERROR(w.WriteAuxInt("aof-base", o.aof_base ? 1 : 0));
  const AccessDataMode mode = AccessDataFor(ks, ks.clock()->NowMs());
  for (int i = 0; i < ks.num_dbs(); ++i) {
    Db& db = ks.db(i);
    if (db.size() == 0) continue;
    KEEL_RETURN_IF_ERROR(SaveDb(w, db, i, mode, o.key_save_delay_us, keys));
  }
  return w.Finish();
}

}  // namespace

uint8_t RdbTypeOf(const Entry* e, const RdbWriter& w) {
  switch (e->type()) {
    case ObjType::kString:
      return rdb::kTypeString;
    case ObjType::kList:
      return w.TypeForQuicklist();
    case ObjType::kSet:
      return e->As<SetObject>()->is_intset() ? uint8_t{rdb::kTypeSetIntset}
                                             : uint8_t{rdb::kTypeSet};
    case ObjType::kZSet:
      return e->As<ZSetObject>()->is_listpack() ? w.TypeForZsetListpack()
                                                : uint8_t{rdb::kTypeZset2};
    case ObjType::kHash:
      return e->As<HashObject>()->is_listpack() ? w.TypeForHashListpack() : uint8_t{rdb::kTypeHash};
    case ObjType::kStream:
      break;
  }
  return rdb::kTypeStreamListpacks2;
}

Status WriteRdbValue(RdbWriter& w, const Entry* e) {
  switch (e->type()) {
    case ObjType::kString:
      return e->is_int() ? w.WriteInteger(e->int_value()) : w.WriteString(e->string_value());
    case ObjType::kList:
      return WriteList(w, *e->As<ListObject>());
    case ObjType::kSet:
      return WriteSet(w, *e->As<SetObject>());
    case ObjType::kZSet:
      return WriteZSet(w, *e->As<ZSetObject>());
    case ObjType::kHash:
      return WriteHash(w, *e->As<HashObject>());
    case ObjType::kStream:
      break;
  }
  return Status::NotSupported("stream values cannot be saved: Keel has no streams yet");
}

Status SaveRdb(Keyspace& ks, formats::ByteSink& sink, const RdbSaveOptions& o,
               RdbSaveStats* stats) {
  uint64_t keys = 0;
  CountingSink counted(sink);
  Status st;
  if (o.zstd_level > 0) {
    formats::ZstdSink zstd(counted, o.zstd_level);
    st = SaveAll(ks, zstd, o, &keys);
    if (st.ok()) st = zstd.Finish();
  } else {
    st = SaveAll(ks, counted, o, &keys);
  }
  if (stats != nullptr) {
    stats->keys = keys;
    stats->bytes = counted.bytes();
  }
  return st;
}

}  // namespace keel::engine
