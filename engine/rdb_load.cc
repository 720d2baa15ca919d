// The RDB loader: the file-level events (AUX fields, SELECTDB, RESIZEDB) and the linking of each
// finished value into its database, as rdbLoadRioWithLoadingCtx does. Values themselves are built
// by RdbValueBuilder (rdb_load_values.cc).
#include "engine/rdb_load.h"

#include <strings.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/db.h"
#include "engine/keyspace.h"
#include "engine/lfu.h"
#include "engine/rdb_load_values.h"
#include "formats/rdb_reader.h"

namespace keel::engine {

namespace {

// RESIZEDB is a hint from the file, not trusted: presizing stops at 8M keys (64 MiB of buckets),
// so a tiny file cannot make the loader allocate gigabytes. Bigger databases grow as keys arrive.
constexpr uint64_t kMaxResizeHint = uint64_t{1} << 23;

// Restores the keyspace's observer and loading flag however the load ends.
class LoadingScope {
 public:
  explicit LoadingScope(Keyspace& ks)
      : ks_(ks), observer_(ks.observer()), was_loading_(ks.loading) {
    ks.set_observer(nullptr);
    ks.loading = true;
  }
  ~LoadingScope() {
    ks_.set_observer(observer_);
    ks_.loading = was_loading_;
  }
  LoadingScope(const LoadingScope&) = delete;
  LoadingScope& operator=(const LoadingScope&) = delete;

 private:
  Keyspace& ks_;
  KeyspaceObserver* observer_;
  bool was_loading_;
};

class LoadVisitor final : public RdbValueBuilder {
 public:
  LoadVisitor(Keyspace& ks, const RdbLoadOptions& o, RdbLoadStats* stats)
      : RdbValueBuilder(ks.limits),
        ks_(ks),
        options_(o),
        stats_(stats),
        db_(&ks.db(0)),
        now_ms_(ks.clock()->NowMs()) {
    pending_.reserve(kBatch);
    arena_.reserve(kBatch * kMaxPendingBytes);
  }

  Status OnAux(std::string_view key, std::string_view value) override {
    // Redis compares AUX names case-insensitively and reads numbers with strtol.
    std::string v(value);
    if (key.size() == 9 && strncasecmp(key.data(), "redis-ver", 9) == 0) {
      stats_->redis_ver = v;
    } else if (key.size() == 5 && strncasecmp(key.data(), "ctime", 5) == 0) {
      stats_->ctime_s = std::strtoll(v.c_str(), nullptr, 10);
    } else if (key.size() == 8 && strncasecmp(key.data(), "aof-base", 8) == 0) {
      stats_->aof_base = std::strtoll(v.c_str(), nullptr, 10) != 0;
    }
    return Status::Ok();
  }

  Status OnSelectDb(uint64_t db) override {
    KEEL_RETURN_IF_ERROR(FlushPending());
    if (db >= static_cast<uint64_t>(ks_.num_dbs())) {
      return Status::NotSupported(
          "Data file was created with a Redis server configured to handle more than " +
          std::to_string(ks_.num_dbs()) + " databases. (It selects database " + std::to_string(db) +
          ": start the server with 'databases' set to at least " + std::to_string(db + 1) + ".)");
    }
    db_index_ = static_cast<int>(db);
    db_ = &ks_.db(db_index_);
    return Status::Ok();
  }

  Status OnResizeDb(uint64_t keys, uint64_t expires) override {
    KEEL_RETURN_IF_ERROR(FlushPending());
    db_->Reserve(std::min(keys, kMaxResizeHint), std::min(expires, kMaxResizeHint));
    return Status::Ok();
  }

  Status OnFunction(std::string_view /*library_code*/) override {
    return Status::NotSupported(
        "the file holds Redis functions (FUNCTION2), which Keel does not support");
  }

  Status OnModuleAux(const formats::RdbModuleInfo& info) override {
    return Status::NotSupported("the file holds AUX data of module '" + info.name +
                                "', which cannot be loaded: Keel has no modules");
  }

  Status BeginKey(const formats::RdbKeyInfo& key) override {
    KEEL_RETURN_IF_ERROR(RdbValueBuilder::BeginKey(key));
    // As rdbLoadRio: a key that expired before the load began is dropped (strictly before: a
    // key expiring this very millisecond is kept). Its value is skipped unbuilt.
    if (options_.drop_expired && key.expire_ms != -1 && key.expire_ms < now_ms_) {
      skip_value_ = true;
    }
    return Status::Ok();
  }

  Status OnEnd() override { return FlushPending(); }

  // Links the string keys still waiting in the batch.
  Status FlushPending() {
    if (pending_.empty()) return Status::Ok();
    // First every bucket of the batch, in a tight loop so the misses overlap; then the inserts,
    // which find their buckets (and mostly the entries there) in cache.
    std::string_view keys[kBatch];
    for (size_t i = 0; i < pending_.size(); i++) keys[i] = PendingKey(pending_[i]);
    db_->Prefetch(std::span<const std::string_view>(keys, pending_.size()));
    Status st;
    for (const Pending& p : pending_) {
      const std::string_view value = PendingValue(p);
      st = Link(PendingKey(p), &value, nullptr, p.meta);
      if (!st.ok()) break;
    }
    pending_.clear();
    arena_.clear();
    return st;
  }

  // A small string goes straight into the batch, with the key the reader still holds: one copy
  // of each instead of two.
  Status OnString(std::string_view value) override {
    if (skip_value_ || key().size() + value.size() > kMaxPendingBytes) {
      return RdbValueBuilder::OnString(value);
    }
    const KeyMeta meta{info().expire_ms, info().idle_seconds, info().freq, info().offset};
    pending_.push_back(Pending{arena_.size(), key().size(), value.size(), meta});
    arena_.append(key());
    arena_.append(value);
    batched_ = true;
    return Status::Ok();
  }

 protected:
  Status OnValue() override {
    if (batched_) {
      batched_ = false;
      return pending_.size() == kBatch ? FlushPending() : Status::Ok();
    }
    if (skip_value_) {
      stats_->expired_skipped++;
      return Status::Ok();
    }
    if (!is_string() && empty()) {
      stats_->empty_skipped++;
      return Status::Ok();
    }
    // Small strings (the bulk of most datasets) wait in a batch (OnString, FlushPending);
    // anything else goes in at once, after the batch, so keys are linked in file order.
    const KeyMeta meta{info().expire_ms, info().idle_seconds, info().freq, info().offset};
    KEEL_RETURN_IF_ERROR(FlushPending());
    if (is_string()) {
      const std::string_view value = string_value();
      return Link(key(), &value, nullptr, meta);
    }
    return Link(key(), nullptr, TakeObject(), meta);
  }

 private:
  static constexpr size_t kBatch = 32;
  static constexpr size_t kMaxPendingBytes = 256;

  struct KeyMeta {
    int64_t expire_ms;
    int64_t idle_seconds;
    int freq;
    uint64_t offset;
  };
  // A string key waiting to be linked: key and value bytes in arena_.
  struct Pending {
    size_t at;
    size_t key_len;
    size_t value_len;
    KeyMeta meta;
  };
  std::string_view PendingKey(const Pending& p) const {
    return std::string_view(arena_).substr(p.at, p.key_len);
  }
  std::string_view PendingValue(const Pending& p) const {
    return std::string_view(arena_).substr(p.at + p.key_len, p.value_len);
  }
  Status Link(std::string_view key, const std::string_view* value, std::unique_ptr<Object> obj,
              const KeyMeta& meta) {
    // One hash and one bucket walk per key: the Set* paths look the key up for the overwrite
    // case anyway, so a duplicate shows as a key count that did not grow. An overwritten key
    // loses its old value and expiry, as dbSyncDelete then dbAddRDBLoad.
    const size_t before = db_->size();
    Entry* e = value != nullptr ? db_->SetString(key, *value)
                                : db_->SetObject(key, type(), std::move(obj));
    if (db_->size() == before && !options_.replace_existing) {
      return Status::Corruption(
          "duplicate key '" + std::string(key) + "' in db " + std::to_string(db_index_),
          meta.offset);
    }
    if (meta.expire_ms != -1) db_->SetExpire(e, meta.expire_ms);
    SetLruOrLfu(e, ks_.eviction, now_ms_, meta.idle_seconds, meta.freq);
    stats_->keys++;
    return Status::Ok();
  }

  Keyspace& ks_;
  const RdbLoadOptions& options_;
  RdbLoadStats* stats_;
  Db* db_;
  int db_index_ = 0;
  int64_t now_ms_;
  std::vector<Pending> pending_;
  std::string arena_;     // the pending keys' bytes; its capacity is reused batch after batch
  bool batched_ = false;  // the current key's value went into the batch
};

}  // namespace

void SetLruOrLfu(Entry* e, const EvictionConfig& eviction, int64_t now_ms, int64_t idle_seconds,
                 int freq) {
  if (eviction.lfu()) {
    if (freq >= 0) e->set_lru((LfuTimeInMinutes(now_ms) << 8) | static_cast<uint32_t>(freq & 255));
    return;
  }
  if (idle_seconds < 0) return;
  // The LRU clock's resolution is one second (LRU_CLOCK_RESOLUTION), as is IDLE's unit. A time
  // before the clock last wrapped is unwrapped as estimateObjectIdleTime expects (Redis 7.0.15;
  // older releases put such keys half the clock's range back instead), and like Redis's 24-bit
  // field the result keeps its low 24 bits.
  const int64_t clock = (now_ms / kLruClockResolutionMs) & kLruClockMax;
  int64_t when = clock - idle_seconds;
  if (when < 0) when += kLruClockMax;
  e->set_lru(static_cast<uint32_t>(static_cast<uint64_t>(when)) & kLruClockMax);
}

Status LoadRdb(Keyspace& ks, formats::ByteSource& src, const RdbLoadOptions& o,
               RdbLoadStats* stats) {
  RdbLoadStats local;
  if (stats == nullptr) stats = &local;
  *stats = RdbLoadStats();
  // New keys' access data comes from the keyspace's time: make it now, not the last command's.
  ks.UpdateTime();
  LoadingScope scope(ks);
  LoadVisitor visitor(ks, o, stats);
  formats::RdbReadStats read;
  formats::RdbReaderOptions ro;
  ro.allow_trailing_data = o.aof_preamble;
  Status s = formats::ReadRdb(src, visitor, ro, &read);
  if (s.ok()) s = visitor.FlushPending();  // OnEnd did; a no-op unless the reader skipped it
  stats->version = read.version;
  stats->bytes = read.bytes;
  return s;
}

}  // namespace keel::engine
