// maxmemory enforcement: Redis 7.0's performEvictions, evictionPoolPopulate and the eviction time
// proc (see evict.h). Memory freed is measured around each deletion, as Redis does, rather than
// predicted from the key: what a deletion frees is whatever the allocator gives back.
#include "engine/evict.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "engine/keyspace.h"
#include "engine/lfu.h"
#include "engine/memory.h"

namespace keel::engine {

namespace {

// Keys evicted between two looks at the clock (Redis checks its time limit every 16).
constexpr uint64_t kKeysPerTimeCheck = 16;
// Redis's EVPOOL_CACHED_SDS_SIZE: pool keys up to this length reuse their buffer.
constexpr size_t kPoolCachedKeySize = 255;

bool IsAllKeys(MaxmemoryPolicy p) {
  return p == MaxmemoryPolicy::kAllKeysLru || p == MaxmemoryPolicy::kAllKeysLfu ||
         p == MaxmemoryPolicy::kAllKeysRandom;
}
bool IsLru(MaxmemoryPolicy p) {
  return p == MaxmemoryPolicy::kAllKeysLru || p == MaxmemoryPolicy::kVolatileLru;
}
bool IsLfu(MaxmemoryPolicy p) {
  return p == MaxmemoryPolicy::kAllKeysLfu || p == MaxmemoryPolicy::kVolatileLfu;
}
bool IsRandom(MaxmemoryPolicy p) {
  return p == MaxmemoryPolicy::kAllKeysRandom || p == MaxmemoryPolicy::kVolatileRandom;
}

}  // namespace

const char* MaxmemoryPolicyName(MaxmemoryPolicy policy) {
  switch (policy) {
    case MaxmemoryPolicy::kNoEviction:
      return "noeviction";
    case MaxmemoryPolicy::kAllKeysLru:
      return "allkeys-lru";
    case MaxmemoryPolicy::kAllKeysLfu:
      return "allkeys-lfu";
    case MaxmemoryPolicy::kAllKeysRandom:
      return "allkeys-random";
    case MaxmemoryPolicy::kVolatileLru:
      return "volatile-lru";
    case MaxmemoryPolicy::kVolatileLfu:
      return "volatile-lfu";
    case MaxmemoryPolicy::kVolatileRandom:
      return "volatile-random";
    case MaxmemoryPolicy::kVolatileTtl:
      return "volatile-ttl";
  }
  return "unknown";
}

uint64_t EvictionTimeLimitUs(int tenacity) {
  if (tenacity <= 0) return 0;
  if (tenacity <= 10) return 50ull * static_cast<uint64_t>(tenacity);
  if (tenacity < 100) return static_cast<uint64_t>(500.0 * std::pow(1.15, tenacity - 10.0));
  return UINT64_MAX;
}

// ---- The pool ----

EvictionPool::EvictionPool() {
  // Redis allocates each slot's key buffer once, so refilling the pool does not allocate.
  for (Slot& s : slots_) s.key.reserve(kPoolCachedKeySize);
}

void EvictionPool::Insert(uint64_t score, std::string_view key, int db) {
  // The first empty slot, or the first candidate that is at least as good.
  size_t k = 0;
  while (k < kSize && slots_[k].used && slots_[k].score < score) k++;
  if (k == 0 && slots_[kSize - 1].used) return;  // worse than every candidate of a full pool
  if (k < kSize && !slots_[k].used) {
    // An empty slot: nothing to move.
  } else if (!slots_[kSize - 1].used) {
    // Room on the right: shift k.. one step right (the empty last slot comes round to k).
    std::rotate(slots_ + k, slots_ + kSize - 1, slots_ + kSize);
  } else {
    // Full: drop the worst candidate (slot 0) by shifting 1..k-1 one step left.
    k--;
    std::rotate(slots_, slots_ + 1, slots_ + k + 1);
  }
  Slot& s = slots_[k];
  s.score = score;
  s.key.assign(key);
  s.db = db;
  s.used = true;
}

size_t EvictionPool::used() const {
  size_t n = 0;
  for (const Slot& s : slots_) n += s.used ? 1 : 0;
  return n;
}

// ---- Keyspace ----

bool Keyspace::MemoryWithinLimit(size_t* to_free) const {
  if (eviction.maxmemory == 0) return true;
  size_t reported = used_memory ? used_memory() : UsedMemory();
  if (reported <= eviction.maxmemory) return true;
  size_t overhead = not_counted_memory ? not_counted_memory() : 0;
  size_t counted = reported > overhead ? reported - overhead : 0;
  if (counted <= eviction.maxmemory) return true;
  if (to_free != nullptr) *to_free = counted - eviction.maxmemory;
  return false;
}

EvictResult Keyspace::PerformEvictions() {
  // Loading a snapshot or replaying the AOF must rebuild the data exactly: no evictions, and no
  // refusals either (Redis's isSafeToPerformEvictions answers a fake EVICT_OK).
  if (loading) return EvictResult::kOk;
  EvictResult result;
  size_t to_free = 0;
  if (MemoryWithinLimit(&to_free)) {
    result = EvictResult::kOk;
  } else if (eviction.policy == MaxmemoryPolicy::kNoEviction) {
    result = EvictResult::kFail;
  } else {
    result = EvictKeys(to_free);
  }
  // Time over the limit, for INFO. The clock is read only when the state changes.
  if (result != EvictResult::kOk) {
    if (stats_.eviction_exceeded_since_us == 0) {
      stats_.eviction_exceeded_since_us = clock_->MonotonicUs();
    }
  } else if (stats_.eviction_exceeded_since_us != 0) {
    stats_.eviction_exceeded_us +=
        static_cast<uint64_t>(clock_->MonotonicUs() - stats_.eviction_exceeded_since_us);
    stats_.eviction_exceeded_since_us = 0;
  }
  return result;
}

void Keyspace::ContinueEvictions() {
  if (!eviction_running_) return;
  // As Redis's evictionTimeProc: keep going while a run is cut short; stop once memory is within
  // the limit (kOk) or nothing is left to evict (kFail).
  if (PerformEvictions() != EvictResult::kRunning) eviction_running_ = false;
}

EvictResult Keyspace::EvictKeys(size_t to_free) {
  const uint64_t limit_us = EvictionTimeLimitUs(eviction.tenacity);
  const int64_t start_us = clock_->MonotonicUs();
  auto used_now = [this] {
    return static_cast<int64_t>(used_memory ? used_memory() : UsedMemory());
  };
  // What the deletions freed; may even go down when an observer allocates.
  int64_t freed = 0;
  uint64_t keys_freed = 0;
  while (freed < static_cast<int64_t>(to_free)) {
    Db* db = nullptr;
    Entry* victim = EvictionVictim(&db);
    if (victim == nullptr) return EvictResult::kFail;  // nothing left that the policy may evict
    int64_t before = used_now();
    if (observer_ != nullptr) observer_->OnKeyEvicted(*db, victim->key());
    db->DeleteEntry(victim);
    freed += before - used_now();
    stats_.evicted_keys++;
    keys_freed++;
    if (keys_freed % kKeysPerTimeCheck == 0 &&
        static_cast<uint64_t>(clock_->MonotonicUs() - start_us) > limit_us) {
      // Out of time: the rest is done between commands (ContinueEvictions).
      eviction_running_ = true;
      break;
    }
  }
  return eviction_running_ ? EvictResult::kRunning : EvictResult::kOk;
}

Entry* Keyspace::EvictionVictim(Db** out_db) {
  const MaxmemoryPolicy policy = eviction.policy;
  const bool allkeys = IsAllKeys(policy);
  const int n = num_dbs();
  if (IsRandom(policy)) {
    // One key from each db in turn, so no db is emptied before the others.
    for (int i = 0; i < n; i++) {
      Db& db = *dbs_[++eviction_next_db_ % static_cast<unsigned>(n)];
      if ((allkeys ? db.size() : db.expires_size()) == 0) continue;
      *out_db = &db;
      return db.RandomForEviction(!allkeys);
    }
    return nullptr;
  }
  // Sample every db, so the choice is global rather than local to one db, then take the best
  // candidate that still exists. When all of them are ghosts, sample again.
  for (;;) {
    size_t total_keys = 0;
    for (int i = 0; i < n; i++) {
      size_t keys = allkeys ? dbs_[i]->size() : dbs_[i]->expires_size();
      if (keys == 0) continue;
      PopulateEvictionPool(i);
      total_keys += keys;
    }
    if (total_keys == 0) return nullptr;
    for (size_t k = EvictionPool::kSize; k-- > 0;) {
      EvictionPool::Slot& slot = eviction_pool_.slot(k);
      if (!slot.used) continue;
      Db& db = *dbs_[slot.db];
      Entry* e = db.Find(slot.key);
      eviction_pool_.Release(k);
      if (e != nullptr && (allkeys || e->has_expire())) {
        *out_db = &db;
        return e;
      }
    }
  }
}

void Keyspace::PopulateEvictionPool(int db_index) {
  const MaxmemoryPolicy policy = eviction.policy;
  size_t samples = eviction.samples > 0 ? static_cast<size_t>(eviction.samples) : 1;
  dbs_[db_index]->SampleForEviction(!IsAllKeys(policy), samples, &eviction_samples_);
  const uint32_t lru_clock = LruClock();
  const uint32_t minutes = LfuTimeInMinutes(now_ms_);
  for (const Db::Sample& s : eviction_samples_) {
    // The higher the score, the better the candidate.
    uint64_t score;
    if (IsLru(policy)) {
      score = EstimateIdleTimeMs(s.entry->lru(), lru_clock);
    } else if (IsLfu(policy)) {
      score = kLfuCounterMax - LfuDecrAndReturn(s.entry->lru(), eviction.lfu_decay_time, minutes);
    } else {
      score = UINT64_MAX - static_cast<uint64_t>(s.when_ms);  // volatile-ttl: soonest first
    }
    eviction_pool_.Insert(score, s.entry->key(), db_index);
  }
}

}  // namespace keel::engine
