// The keyspace: the databases, the cached command time, keyspace statistics and the active expiry
// cycle (Redis's activeExpireCycle, slow from the cron and fast before sleeping).
// Loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/db.h"
#include "io/clock.h"

namespace keel::engine {

struct KeyspaceStats {
  uint64_t expired_keys = 0;
  uint64_t expired_stale_perc_x100 = 0;       // INFO expired_stale_perc * 100
  uint64_t expired_time_cap_reached_count = 0;
  uint64_t expire_cycle_cpu_milliseconds = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
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

  KeyspaceStats& stats() { return stats_; }
  // Changes since the last successful save (Redis's server.dirty).
  uint64_t dirty = 0;

  // DEBUG SET-ACTIVE-EXPIRE.
  bool active_expire_enabled = true;
  // proto-max-bulk-len: the largest string a command may build (APPEND, SETRANGE, SETBIT).
  int64_t proto_max_bulk_len = 512ll * 1024 * 1024;

  enum class ExpireCycle { kSlow, kFast };
  // Redis's adaptive cycle: samples volatile keys per db (20 per round), repeats while more than
  // 10% of the sample was expired, within 25% of a cron period (slow, `hz` given) or 1000 us (fast).
  void ActiveExpireCycle(ExpireCycle type, int hz);

  // Swaps the contents of two databases (SWAPDB).
  void SwapDbs(int a, int b);
  // Incremental rehash work for up to `us` microseconds across dbs, and table shrinking (cron).
  void DatabasesCron(int64_t us);
  size_t TotalKeys() const;

 private:
  const io::Clock* clock_;
  int64_t now_ms_ = 0;
  KeyspaceStats stats_;
  std::vector<std::unique_ptr<Db>> dbs_;
  // Active expiry state carried between cycles, as in Redis.
  int expire_db_cursor_ = 0;
  bool timelimit_exit_ = false;
  int64_t last_fast_cycle_us_ = 0;
};

}  // namespace keel::engine
