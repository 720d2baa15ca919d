// maxmemory enforcement, Redis 7.0's performEvictions: when used memory exceeds maxmemory, keys
// are deleted until it does not, chosen by maxmemory-policy. LRU, LFU and volatile-ttl policies
// sample maxmemory-samples keys per db into a pool of the 16 best candidates kept across calls
// (an approximation of true LRU/LFU that needs no per-key bookkeeping); the random policies take
// a random key, visiting the dbs in turn. The entry points are Keyspace::PerformEvictions and
// Keyspace::ContinueEvictions (evict.cc); this header holds the pieces they share with tests.
// Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace keel::engine {

enum class MaxmemoryPolicy : uint8_t;  // keyspace.h

// Redis's EVICT_OK / EVICT_RUNNING / EVICT_FAIL.
enum class EvictResult {
  kOk,       // memory is within the limit, or evicting is not possible right now
  kRunning,  // still over the limit, but a time-limited run continues later (ContinueEvictions)
  kFail,     // over the limit and nothing (more) may be evicted: denyoom commands are refused
};

// The policy's name as CONFIG GET and INFO print it ("allkeys-lru").
const char* MaxmemoryPolicyName(MaxmemoryPolicy policy);

// Redis's evictionTimeLimitUs: how long one eviction run may take for maxmemory-eviction-tenacity
// 0..100: linear up to 500 us at 10, then 15% more per step (about 2 minutes at 99); 100 means no
// limit (UINT64_MAX).
uint64_t EvictionTimeLimitUs(int tenacity);

// Redis's EVPOOL_SIZE pool: candidates in ascending order of score (idle time in ms for LRU,
// 255 - frequency for LFU, UINT64_MAX - expiry for volatile-ttl), best on the right. Keys are
// copies, so a candidate deleted meanwhile is only a "ghost" that eviction skips.
class EvictionPool {
 public:
  static constexpr size_t kSize = 16;  // EVPOOL_SIZE

  EvictionPool();

  // evictionPoolPopulate's insertion: fills an empty slot or displaces the worst candidate; a
  // score below every candidate's of a full pool is dropped.
  void Insert(uint64_t score, std::string_view key, int db);

  struct Slot {
    uint64_t score = 0;
    std::string key;
    int db = 0;
    bool used = false;
  };
  Slot& slot(size_t i) { return slots_[i]; }
  void Release(size_t i) {
    slots_[i].used = false;
    slots_[i].score = 0;
  }
  size_t used() const;

 private:
  Slot slots_[kSize];
};

}  // namespace keel::engine
