// The keyspace: the databases, the cached command time, keyspace statistics and the active expiry
// cycle (Redis's activeExpireCycle, slow from the cron and fast before sleeping).
// Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/db.h"
#include "engine/evict.h"
#include "engine/lfu.h"
#include "io/clock.h"

namespace keel::engine {

struct KeyspaceStats {
  uint64_t expired_keys = 0;
  uint64_t expired_stale_perc_x100 = 0;       // INFO expired_stale_perc * 100
  uint64_t expired_time_cap_reached_count = 0;
  uint64_t expire_cycle_cpu_milliseconds = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t evicted_keys = 0;
  // Time spent over maxmemory (INFO total_/current_eviction_exceeded_time): the closed periods,
  // and the monotonic start of the current one (0 while within the limit).
  uint64_t eviction_exceeded_us = 0;
  int64_t eviction_exceeded_since_us = 0;
};

// Told about changes to keys, so the server can invalidate WATCHes (Redis's signalModifiedKey),
// wake clients blocked on a key (signalKeyAsReady) and propagate DELs of expired keys. Callbacks
// must not change the keyspace.
class KeyspaceObserver {
 public:
  virtual ~KeyspaceObserver() = default;
  // A key the keyspace removes by itself (lazy and active expiry, RANDOMKEY). Called before the
  // entry is freed. Also counts as a modification of the key (Redis 7.0 signals it).
  virtual void OnKeyExpired(Db& db, std::string_view key) = 0;
  // maxmemory evicts `key` (before the entry is freed; a modification is signalled too).
  virtual void OnKeyEvicted(Db& /*db*/, std::string_view /*key*/) {}
  // Any write to `key`: Db's string, expiry, delete, rename, move and copy operations call it
  // themselves; collection commands call Db::SignalModified after changing a value in place.
  virtual void OnKeyModified(Db& /*db*/, std::string_view /*key*/) {}
  // A new key of `type` was linked (Redis's dbAdd -> signalKeyAsReady): clients blocked on the
  // key may now be served. Called after the entry is linked.
  virtual void OnKeyAdded(Db& /*db*/, std::string_view /*key*/, ObjType /*type*/) {}
  // FLUSHDB/FLUSHALL (before the keys go) and SWAPDB (after the swap, once per db): watched keys
  // present in the db are modified; after a swap, blocked clients may be served.
  virtual void OnDbFlushing(Db& /*db*/) {}
  virtual void OnDbsSwapped(Db& /*a*/, Db& /*b*/) {}
};

// Redis 7.0's encoding thresholds, from the config options of the same names.
struct EncodingLimits {
  int64_t list_max_listpack_size = -2;  // > 0: entries per node; -1..-5: 4/8/16/32/64 KiB
  int64_t list_compress_depth = 0;      // nodes at each end left uncompressed; 0: none compressed
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
};

// Server-wide memory figures the engine cannot measure, for MEMORY STATS and MEMORY DOCTOR.
struct ServerMemoryFigures {
  size_t peak = 0;            // used_memory_peak
  size_t startup = 0;         // used_memory_startup
  size_t clients_memory = 0;  // normal clients: objects and buffers (mem_clients_normal)
  size_t clients = 0;         // connected clients
};

// maxmemory-policy, in Redis's order of CONFIG GET names.
enum class MaxmemoryPolicy : uint8_t {
  kNoEviction,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
};

// maxmemory and the eviction options (config options of the same names).
struct EvictionConfig {
  uint64_t maxmemory = 0;  // bytes; 0: no limit
  MaxmemoryPolicy policy = MaxmemoryPolicy::kNoEviction;
  int samples = 5;
  int tenacity = 10;  // maxmemory-eviction-tenacity
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;  // minutes
  bool lfu() const {
    return policy == MaxmemoryPolicy::kAllKeysLfu || policy == MaxmemoryPolicy::kVolatileLfu;
  }
};

class Keyspace {
 public:
  // `clock` must outlive the keyspace.
  Keyspace(int num_dbs, const io::Clock* clock);
  ~Keyspace();

  int num_dbs() const { return static_cast<int>(dbs_.size()); }
  Db& db(int i) { return *dbs_[i]; }

  // Time as seen by commands: refreshed by the dispatcher before each command, so a command sees
  // one consistent "now" for all its keys.
  int64_t now_ms() const { return now_ms_; }
  void UpdateTime() { now_ms_ = clock_->NowMs(); }
  const io::Clock* clock() const { return clock_; }
  // Redis's LRU_CLOCK: seconds of the cached time, 24 bits (kLruClockMax), for Entry::lru().
  uint32_t LruClock() const {
    return static_cast<uint32_t>(now_ms_ / kLruClockResolutionMs) & kLruClockMax;
  }

  // The access data (lfu.h) of a new value and of a value just accessed, under the current
  // policy: the LRU clock, or LFU data (Redis's createObject and updateLFU).
  uint32_t NewAccessData() const {
    return eviction.lfu() ? LfuInitialData(LfuTimeInMinutes(now_ms_)) : LruClock();
  }
  uint32_t AccessedData(uint32_t old) const {
    if (!eviction.lfu()) return LruClock();
    return LfuAccessedData(old, eviction.lfu_log_factor, eviction.lfu_decay_time,
                           LfuTimeInMinutes(now_ms_));
  }

  KeyspaceStats& stats() { return stats_; }
  // Changes since the last successful save (Redis's server.dirty).
  uint64_t dirty = 0;

  // DEBUG SET-ACTIVE-EXPIRE.
  bool active_expire_enabled = true;
  // Set during CLIENT PAUSE: a read of an expired key finds nothing but leaves it in place, so
  // the dataset does not change while paused (Redis's expireIfNeeded). Writes still reclaim one:
  // they run only when the pause allows them anyway.
  bool expiry_paused = false;
  // Set while loading an RDB or replaying the AOF: keys are then never expired (Redis's
  // keyIsExpired), so replayed commands see exactly the data they saw when they were logged.
  bool loading = false;
  // rdbcompression: DUMP LZF-compresses strings only when it is set, as Redis's DUMP follows the
  // option (snapshots take it from the server's config).
  bool rdb_compression = true;
  // proto-max-bulk-len: the largest string a command may build (APPEND, SETRANGE, SETBIT).
  int64_t proto_max_bulk_len = 512ll * 1024 * 1024;
  // Collection encoding thresholds and eviction settings, kept in step with the config.
  EncodingLimits limits;
  EvictionConfig eviction;

  enum class ExpireCycle { kSlow, kFast };
  // Redis's adaptive cycle: samples volatile keys per db (20 per round), repeats while more than
  // 10% of the sample was expired, within 25% of a cron period (slow, `hz` given) or 1000 us (fast).
  void ActiveExpireCycle(ExpireCycle type, int hz);

  // maxmemory (evict.cc). PerformEvictions evicts keys by maxmemory-policy until the memory
  // counted is within eviction.maxmemory, for at most the tenacity's time limit; run it before a
  // command (kFail: refuse denyoom commands). A run cut short by the limit returns kRunning and
  // ContinueEvictions (from before-sleep) carries on until memory is within the limit or nothing
  // is left to evict. Evicted keys are deleted through Db (the observer sees a modification) and
  // counted in stats().evicted_keys.
  EvictResult PerformEvictions();
  void ContinueEvictions();
  bool eviction_running() const { return eviction_running_; }
  // Redis's getMaxmemoryState: whether the memory counted is within maxmemory (always when it is
  // 0); otherwise *to_free (if given) receives the excess.
  bool MemoryWithinLimit(size_t* to_free = nullptr) const;
  // The memory maxmemory is compared with: used_memory (UsedMemory() when empty) minus
  // not_counted_memory (Redis's replication and AOF buffers; Keel has none yet). Tests replace
  // used_memory with a fake.
  std::function<size_t()> used_memory;
  std::function<size_t()> not_counted_memory;
  // Called by FLUSHALL after the keys are gone: the server stops a background save and, when
  // save points exist, writes the now empty snapshot, as Redis's flushAllDataAndResetRDB does.
  std::function<void()> after_flushall;
  // Set by the server (MEMORY STATS, MEMORY DOCTOR); when empty those report zeros.
  std::function<ServerMemoryFigures()> server_memory;

  // `observer` (may be null) must outlive the keyspace or be reset first.
  void set_observer(KeyspaceObserver* observer) { observer_ = observer; }
  KeyspaceObserver* observer() const { return observer_; }

  // Call with false while a fork child (snapshot, AOF rewrite) runs and true when it is reaped:
  // tables then grow only when overfull (5 keys per bucket), never shrink, the cron does no
  // rehashing, and reads do not update LRU clocks, so the parent dirties as few shared pages as
  // possible. Process-wide (it sets the Dict resize policy), like the fork itself.
  void SetResizeAllowed(bool allowed);
  bool resize_allowed() const;

  // Swaps the contents of two databases (SWAPDB).
  void SwapDbs(int a, int b);
  // Incremental rehash work for up to `us` microseconds across dbs, and table shrinking (cron).
  void DatabasesCron(int64_t us);
  size_t TotalKeys() const;

 private:
  // evict.cc: the eviction loop, and the choice of one key to evict (nullptr: none left).
  EvictResult EvictKeys(size_t to_free);
  Entry* EvictionVictim(Db** db);
  void PopulateEvictionPool(int db);

  const io::Clock* clock_;
  int64_t now_ms_ = 0;
  KeyspaceStats stats_;
  std::vector<std::unique_ptr<Db>> dbs_;
  // Active expiry state carried between cycles, as in Redis.
  int expire_db_cursor_ = 0;
  bool timelimit_exit_ = false;
  int64_t last_fast_cycle_us_ = 0;
  double stale_fraction_ = 0;    // running average of expired/sampled (expired_stale_perc)
  int64_t expire_cycle_us_ = 0;  // total time spent in active expiry
  int resize_db_cursor_ = 0;     // DatabasesCron positions, as in Redis
  int rehash_db_cursor_ = 0;
  // Eviction state carried between runs, as in Redis (EvictionPoolLRU, next_db,
  // isEvictionProcRunning), and a reused sample buffer.
  EvictionPool eviction_pool_;
  unsigned eviction_next_db_ = 0;
  bool eviction_running_ = false;
  std::vector<Db::Sample> eviction_samples_;
  KeyspaceObserver* observer_ = nullptr;
};

}  // namespace keel::engine
