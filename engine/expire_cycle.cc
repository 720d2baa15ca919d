// Active expiry: Redis 7.0's activeExpireCycle at active-expire-effort 1, and the per-db sampling
// round it repeats. Keys that are never read again would otherwise stay in memory forever; the
// cycle samples volatile keys and keeps going while more than 10% of a sample was expired, within
// a time budget (25% of a cron period for the slow cycle, 1 ms for the fast one).
#include <cmath>

#include "engine/db_impl.h"
#include "engine/keyspace.h"

namespace keel::engine {

namespace {

// Redis's ACTIVE_EXPIRE_CYCLE_* at effort 1.
constexpr size_t kKeysPerLoop = 20;
constexpr int64_t kFastCycleUs = 1000;
constexpr int64_t kSlowCycleTimePercent = 25;
constexpr size_t kAcceptableStalePercent = 10;
constexpr int kDbsPerCall = 16;  // CRON_DBS_PER_CALL
// Empty buckets are cheap to skip (a sequential array of null pointers), so a round may look at
// many more buckets than keys before giving up.
constexpr size_t kBucketsPerKey = 20;

}  // namespace

size_t Db::ExpireSample(size_t max_checks, size_t* sampled) {
  Impl& d = *impl_;
  *sampled = 0;
  size_t num = d.expires.size();
  if (num == 0) {
    d.avg_ttl = 0;
    return 0;
  }
  if (num > max_checks) num = max_checks;
  // Wall-clock now, not the command time: the cycle runs between commands.
  const int64_t now = ks_->clock()->NowMs();
  const size_t max_buckets = num * kBucketsPerKey;
  size_t checked_buckets = 0;
  size_t expired = 0;
  int64_t ttl_sum = 0;
  int64_t ttl_samples = 0;
  // The cursor walks bucket indexes linearly (masked per table), as Redis 7.0 does; while the
  // table rehashes, the same index is read in both tables.
  while (*sampled < num && checked_buckets < max_buckets) {
    for (int t = 0; t < 2; t++) {
      if (t == 1 && !d.expires.rehashing()) break;
      ExpireNode* x = d.expires.bucket(t, d.expires_cursor);
      checked_buckets++;
      while (x != nullptr) {
        // Deleting x frees it; its successor stays valid (a rehash step may move it to the other
        // table, which only changes which chain the walk finishes).
        ExpireNode* next = x->next;
        int64_t ttl = x->when_ms - now;
        if (now > x->when_ms) {
          d.ExpireEntry(x->entry);
          expired++;
        }
        if (ttl > 0) {
          ttl_sum += ttl;
          ttl_samples++;
        }
        (*sampled)++;
        x = next;
      }
    }
    d.expires_cursor++;
  }
  if (ttl_samples > 0) {
    // Running average: 2% for this sample, 98% for the previous estimate.
    int64_t avg = ttl_sum / ttl_samples;
    if (d.avg_ttl == 0) d.avg_ttl = avg;
    d.avg_ttl = (d.avg_ttl / 50) * 49 + (avg / 50);
  }
  return expired;
}

void Keyspace::ActiveExpireCycle(ExpireCycle type, int hz) {
  if (!active_expire_enabled || loading || dbs_.empty()) return;
  const int64_t start = clock_->MonotonicUs();
  if (type == ExpireCycle::kFast) {
    // Redis compares the stale *fraction* (0..1) with the acceptable *percentage* (10) here, so in
    // practice a fast cycle runs only after a slow one hit its time limit. Kept as is: it decides
    // how much work runs before every sleep, and matching Redis's load profile matters more.
    if (!timelimit_exit_ && stale_fraction_ < static_cast<double>(kAcceptableStalePercent)) return;
    // Never more often than twice the fast cycle's own duration.
    if (start < last_fast_cycle_us_ + kFastCycleUs * 2) return;
    last_fast_cycle_us_ = start;
  }

  // After a time-limited cycle, visit every db: some of them have work left.
  int dbs_per_call = kDbsPerCall;
  if (dbs_per_call > num_dbs() || timelimit_exit_) dbs_per_call = num_dbs();
  if (hz < 1) hz = 1;
  int64_t timelimit = kSlowCycleTimePercent * 1'000'000 / hz / 100;
  if (timelimit <= 0) timelimit = 1;
  if (type == ExpireCycle::kFast) timelimit = kFastCycleUs;
  timelimit_exit_ = false;

  uint64_t total_sampled = 0;
  uint64_t total_expired = 0;
  int iteration = 0;
  for (int j = 0; j < dbs_per_call && !timelimit_exit_; j++) {
    Db& db = *dbs_[expire_db_cursor_];
    // Advance first, so a cycle that runs out of time in this db starts from the next one.
    expire_db_cursor_ = (expire_db_cursor_ + 1) % num_dbs();
    size_t sampled = 0;
    size_t expired = 0;
    do {
      iteration++;
      size_t num = db.expires_size();
      if (num == 0) {
        db.ExpireSample(kKeysPerLoop, &sampled);  // resets the db's avg_ttl
        break;
      }
      // Under 1% full, sampling costs more than it finds; the cron will shrink the table.
      size_t slots = db.expires_slots();
      if (slots > kDictInitialSize && num * 100 / slots < 1) break;
      expired = db.ExpireSample(kKeysPerLoop, &sampled);
      total_expired += expired;
      total_sampled += sampled;
      // Reading the clock is not free: check the time budget every 16 rounds only.
      if ((iteration & 0xf) == 0 && clock_->MonotonicUs() - start > timelimit) {
        timelimit_exit_ = true;
        stats_.expired_time_cap_reached_count++;
        break;
      }
    } while (sampled == 0 || expired * 100 / sampled > kAcceptableStalePercent);
  }

  expire_cycle_us_ += clock_->MonotonicUs() - start;
  stats_.expire_cycle_cpu_milliseconds = static_cast<uint64_t>(expire_cycle_us_ / 1000);
  // Estimate of logically expired keys still in memory: running average, 5% for this cycle.
  double current = total_sampled > 0
                       ? static_cast<double>(total_expired) / static_cast<double>(total_sampled)
                       : 0.0;
  stale_fraction_ = current * 0.05 + stale_fraction_ * 0.95;
  stats_.expired_stale_perc_x100 = static_cast<uint64_t>(std::llround(stale_fraction_ * 10000));
}

}  // namespace keel::engine
