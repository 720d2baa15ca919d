// maxmemory eviction on a keyspace driven by a manual clock and a fake memory gauge (a fixed cost
// per key), so each policy's choice is deterministic: LRU takes the idlest keys, LFU the least
// used, volatile-ttl the soonest to expire, volatile-* never persistent keys, noeviction nothing;
// plus the time limit and its continuation, the pool's ordering, and LFU counter growth and decay.
#include "engine/evict.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/db.h"
#include "engine/keyspace.h"
#include "engine/lfu.h"
#include "engine/memory.h"
#include "io/clock.h"

namespace keel::engine {
namespace {

constexpr size_t kBytesPerKey = 100;

// A keyspace whose "used memory" is `base` plus kBytesPerKey per key in all dbs.
struct Env {
  explicit Env(int num_dbs = 1) : ks(num_dbs, &clock) {
    ks.used_memory = [this] { return base + ks.TotalKeys() * kBytesPerKey; };
  }
  void Advance(int64_t ms) {
    clock.AdvanceMs(ms);
    ks.UpdateTime();
  }
  // Allows `keys` keys; anything beyond must go.
  void LimitTo(size_t keys, MaxmemoryPolicy policy) {
    ks.eviction.maxmemory = keys * kBytesPerKey;
    ks.eviction.policy = policy;
  }
  bool Has(std::string_view key, int db = 0) { return ks.db(db).Find(key) != nullptr; }

  io::ManualClock clock;
  Keyspace ks;
  size_t base = 0;
};

std::string Key(const char* prefix, int i) { return prefix + std::to_string(i); }

struct RecordingObserver : KeyspaceObserver {
  void OnKeyExpired(Db&, std::string_view) override {}
  void OnKeyModified(Db& db, std::string_view key) override {
    keys.push_back(std::to_string(db.index()) + ":" + std::string(key));
  }
  std::vector<std::string> keys;
};

TEST_CASE("within the limit, or with no limit, nothing is evicted", "[evict]") {
  Env env;
  for (int i = 0; i < 10; i++) env.ks.db(0).SetString(Key("k", i), "v");
  env.ks.eviction.policy = MaxmemoryPolicy::kAllKeysRandom;
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kOk);  // maxmemory 0: no limit
  env.LimitTo(10, MaxmemoryPolicy::kAllKeysRandom);
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kOk);  // exactly at the limit
  REQUIRE(env.ks.db(0).size() == 10);
  REQUIRE(env.ks.stats().evicted_keys == 0);
}

TEST_CASE("noeviction never evicts and reports failure", "[evict]") {
  Env env;
  for (int i = 0; i < 10; i++) env.ks.db(0).SetString(Key("k", i), "v");
  env.LimitTo(5, MaxmemoryPolicy::kNoEviction);
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kFail);
  REQUIRE(env.ks.db(0).size() == 10);
  REQUIRE(env.ks.stats().evicted_keys == 0);
  REQUIRE(env.ks.stats().eviction_exceeded_since_us != 0);
  env.ks.eviction.maxmemory = 0;
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kOk);
  REQUIRE(env.ks.stats().eviction_exceeded_since_us == 0);
}

TEST_CASE("allkeys-lru evicts the idlest keys first", "[evict][lru]") {
  Env env;
  env.ks.eviction.samples = 10;  // every key is sampled: the choice is exact
  for (int i = 0; i < 10; i++) {
    env.ks.db(0).SetString(Key("k", i), "v");
    env.Advance(1000);
  }
  // Reading the oldest two makes them the most recently used.
  REQUIRE(env.ks.db(0).LookupRead("k0") != nullptr);
  REQUIRE(env.ks.db(0).LookupRead("k1") != nullptr);
  env.LimitTo(7, MaxmemoryPolicy::kAllKeysLru);
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kOk);
  REQUIRE(env.ks.db(0).size() == 7);
  CHECK_FALSE(env.Has("k2"));
  CHECK_FALSE(env.Has("k3"));
  CHECK_FALSE(env.Has("k4"));
  CHECK(env.Has("k0"));
  CHECK(env.Has("k1"));
  CHECK(env.Has("k5"));
  CHECK(env.ks.stats().evicted_keys == 3);
}

TEST_CASE("LRU chooses across databases, not within one", "[evict][lru]") {
  Env env(4);
  env.ks.eviction.samples = 10;
  env.ks.db(3).SetString("old", "v");
  env.Advance(5000);
  for (int i = 0; i < 5; i++) env.ks.db(0).SetString(Key("new", i), "v");
  env.Advance(1000);
  env.LimitTo(5, MaxmemoryPolicy::kAllKeysLru);
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kOk);
  CHECK_FALSE(env.Has("old", 3));
  CHECK(env.ks.db(0).size() == 5);
}

TEST_CASE("allkeys-lfu evicts the least frequently used keys", "[evict][lfu]") {
  Env env;
  env.ks.eviction.samples = 10;
  env.ks.eviction.lfu_log_factor = 0;  // every access counts: the counters are exact
  env.ks.eviction.policy = MaxmemoryPolicy::kAllKeysLfu;
  for (int i = 0; i < 10; i++) env.ks.db(0).SetString(Key("k", i), "v");
  // k<i> is read i times, except k9 which is never read.
  for (int i = 0; i < 9; i++) {
    for (int j = 0; j < i; j++) REQUIRE(env.ks.db(0).LookupRead(Key("k", i)) != nullptr);
  }
  env.LimitTo(6, MaxmemoryPolicy::kAllKeysLfu);
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kOk);
  CHECK_FALSE(env.Has("k9"));
  CHECK_FALSE(env.Has("k0"));
  CHECK_FALSE(env.Has("k1"));
  CHECK_FALSE(env.Has("k2"));
  CHECK(env.Has("k3"));
  CHECK(env.Has("k8"));
}

TEST_CASE("volatile-ttl evicts the keys closest to expiring, never persistent ones",
          "[evict][ttl]") {
  Env env;
  env.ks.eviction.samples = 10;
  Db& db = env.ks.db(0);
  for (int i = 0; i < 5; i++) db.SetString(Key("persistent", i), "v");
  for (int i = 0; i < 5; i++) {
    db.SetExpire(db.SetString(Key("ttl", i), "v"), env.ks.now_ms() + 1000 * (i + 1));
  }
  env.LimitTo(7, MaxmemoryPolicy::kVolatileTtl);
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kOk);
  CHECK_FALSE(env.Has("ttl0"));
  CHECK_FALSE(env.Has("ttl1"));
  CHECK_FALSE(env.Has("ttl2"));
  CHECK(env.Has("ttl3"));
  CHECK(env.Has("ttl4"));
  // Past the volatile keys there is nothing it may take.
  env.LimitTo(2, MaxmemoryPolicy::kVolatileTtl);
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kFail);
  CHECK(db.size() == 5);
  CHECK(db.expires_size() == 0);
  for (int i = 0; i < 5; i++) CHECK(env.Has(Key("persistent", i)));
}

TEST_CASE("volatile-lru, volatile-lfu and volatile-random spare persistent keys", "[evict]") {
  auto policy = GENERATE(MaxmemoryPolicy::kVolatileLru, MaxmemoryPolicy::kVolatileLfu,
                         MaxmemoryPolicy::kVolatileRandom);
  Env env;
  Db& db = env.ks.db(0);
  env.ks.eviction.policy = policy;
  // The persistent keys are the idlest and least used: LRU and LFU would pick them first.
  for (int i = 0; i < 20; i++) db.SetString(Key("persistent", i), "v");
  env.Advance(60'000);
  for (int i = 0; i < 20; i++) {
    db.SetExpire(db.SetString(Key("volatile", i), "v"), env.ks.now_ms() + 3'600'000);
    for (int j = 0; j < 3; j++) db.LookupRead(Key("volatile", i));
  }
  env.LimitTo(30, policy);
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kOk);
  CHECK(db.size() == 30);
  CHECK(db.expires_size() == 10);
  for (int i = 0; i < 20; i++) CHECK(env.Has(Key("persistent", i)));
  env.LimitTo(10, policy);
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kFail);
  CHECK(db.size() == 20);
  CHECK(db.expires_size() == 0);
}

TEST_CASE("allkeys-random evicts until under the limit, from every database", "[evict]") {
  Env env(3);
  for (int d = 0; d < 3; d++) {
    for (int i = 0; i < 10; i++) env.ks.db(d).SetString(Key("k", i), "v");
  }
  env.LimitTo(15, MaxmemoryPolicy::kAllKeysRandom);
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kOk);
  CHECK(env.ks.TotalKeys() == 15);
  CHECK(env.ks.stats().evicted_keys == 15);
  // The dbs are visited in turn: each lost five.
  for (int d = 0; d < 3; d++) CHECK(env.ks.db(d).size() == 5);
  // Memory that is not keys stays over the limit: everything goes, then failure.
  env.base = 2 * kBytesPerKey;
  env.LimitTo(1, MaxmemoryPolicy::kAllKeysRandom);
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kFail);
  CHECK(env.ks.TotalKeys() == 0);
}

TEST_CASE("an evicted key is deleted through Db: the observer hears of it", "[evict]") {
  Env env(2);
  RecordingObserver observer;
  env.ks.db(1).SetString("victim", "v");
  env.ks.set_observer(&observer);
  env.LimitTo(0, MaxmemoryPolicy::kAllKeysLru);
  env.ks.eviction.maxmemory = 1;
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kOk);
  CHECK(observer.keys == std::vector<std::string>{"1:victim"});
  CHECK(env.ks.stats().evicted_keys == 1);
  env.ks.set_observer(nullptr);
}

TEST_CASE("memory Redis does not count (AOF and replica buffers) is left out", "[evict]") {
  Env env;
  for (int i = 0; i < 10; i++) env.ks.db(0).SetString(Key("k", i), "v");
  env.LimitTo(8, MaxmemoryPolicy::kAllKeysRandom);
  env.ks.not_counted_memory = [] { return 2 * kBytesPerKey; };
  size_t to_free = 0;
  CHECK(env.ks.MemoryWithinLimit(&to_free));
  env.ks.not_counted_memory = [] { return kBytesPerKey; };
  CHECK_FALSE(env.ks.MemoryWithinLimit(&to_free));
  CHECK(to_free == kBytesPerKey);
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kOk);
  CHECK(env.ks.db(0).size() == 9);
}

TEST_CASE("nothing is evicted while loading", "[evict]") {
  Env env;
  for (int i = 0; i < 10; i++) env.ks.db(0).SetString(Key("k", i), "v");
  env.LimitTo(5, MaxmemoryPolicy::kAllKeysRandom);
  env.ks.loading = true;
  REQUIRE(env.ks.PerformEvictions() == EvictResult::kOk);
  CHECK(env.ks.db(0).size() == 10);
}

// Each monotonic read advances by `tick_us`; wall time stays put.
class TickingClock final : public io::Clock {
 public:
  int64_t NowMs() const override { return 1'700'000'000'000; }
  int64_t NowUs() const override { return NowMs() * 1000; }
  int64_t MonotonicUs() const override { return mono_us += tick_us; }
  int64_t tick_us = 0;
  mutable int64_t mono_us = 1'000'000;
};

TEST_CASE("a run that exceeds the tenacity's time limit continues later", "[evict][time]") {
  TickingClock clock;
  Keyspace ks(1, &clock);
  ks.used_memory = [&ks] { return ks.TotalKeys() * kBytesPerKey; };
  for (int i = 0; i < 100; i++) ks.db(0).SetString(Key("k", i), "v");
  ks.eviction.maxmemory = 10 * kBytesPerKey;
  ks.eviction.policy = MaxmemoryPolicy::kAllKeysRandom;
  ks.eviction.tenacity = 10;  // 500 us
  clock.tick_us = 1000;       // every clock read looks 1 ms later
  // The clock is read every 16 keys: the first check is already past the limit.
  REQUIRE(ks.PerformEvictions() == EvictResult::kRunning);
  CHECK(ks.stats().evicted_keys == 16);
  CHECK(ks.eviction_running());
  int rounds = 0;
  while (ks.eviction_running() && rounds++ < 100) ks.ContinueEvictions();
  CHECK_FALSE(ks.eviction_running());
  CHECK(ks.db(0).size() == 10);
  // Without a limit one run does it all.
  for (int i = 0; i < 100; i++) ks.db(0).SetString(Key("k", i), "v");
  ks.eviction.tenacity = 100;
  REQUIRE(ks.PerformEvictions() == EvictResult::kOk);
  CHECK(ks.db(0).size() == 10);
  CHECK(ks.stats().eviction_exceeded_us > 0);
}

TEST_CASE("eviction time limits follow Redis's tenacity curve", "[evict][time]") {
  CHECK(EvictionTimeLimitUs(0) == 0);
  CHECK(EvictionTimeLimitUs(1) == 50);
  CHECK(EvictionTimeLimitUs(10) == 500);
  CHECK(EvictionTimeLimitUs(11) == 575);
  CHECK(EvictionTimeLimitUs(99) > 100'000'000);  // about two minutes
  CHECK(EvictionTimeLimitUs(100) == UINT64_MAX);
}

TEST_CASE("the pool keeps the best 16 candidates in ascending order", "[evict][pool]") {
  EvictionPool pool;
  for (uint64_t score : {50, 10, 30, 20, 40}) pool.Insert(score, "k" + std::to_string(score), 0);
  std::vector<uint64_t> scores;
  for (size_t i = 0; i < pool.used(); i++) scores.push_back(pool.slot(i).score);
  CHECK(scores == std::vector<uint64_t>{10, 20, 30, 40, 50});
  for (uint64_t s = 100; s < 120; s++) pool.Insert(s, "k" + std::to_string(s), 1);
  REQUIRE(pool.used() == EvictionPool::kSize);
  // The worst were displaced; the best (highest) is on the right.
  CHECK(pool.slot(0).score == 104);
  CHECK(pool.slot(EvictionPool::kSize - 1).score == 119);
  CHECK(pool.slot(EvictionPool::kSize - 1).key == "k119");
  CHECK(pool.slot(EvictionPool::kSize - 1).db == 1);
  pool.Insert(1, "worse", 0);  // below every candidate of a full pool: dropped
  CHECK(pool.slot(0).score == 104);
  pool.Release(EvictionPool::kSize - 1);
  pool.Insert(200, "best", 0);  // room on the right again
  CHECK(pool.slot(EvictionPool::kSize - 1).key == "best");
}

TEST_CASE("the LFU counter grows logarithmically and saturates", "[lfu]") {
  // From LFU_INIT_VAL and below, every access counts.
  CHECK(LfuLogIncr(0, 10, 0.99) == 1);
  CHECK(LfuLogIncr(5, 10, 0.99) == 6);
  // Above it, with probability 1 / ((counter - 5) * factor + 1).
  CHECK(LfuLogIncr(6, 10, 1.0 / 11 - 1e-9) == 7);
  CHECK(LfuLogIncr(6, 10, 1.0 / 11 + 1e-9) == 6);
  CHECK(LfuLogIncr(105, 10, 0.0009) == 106);
  CHECK(LfuLogIncr(105, 10, 0.0011) == 105);
  CHECK(LfuLogIncr(255, 0, 0.0) == 255);
  // Random draws: Redis's table says about 18 after 1000 hits at factor 10.
  uint8_t c = kLfuInitVal;
  for (int i = 0; i < 1000; i++) c = LfuLogIncr(c, 10);
  CHECK(c >= 12);
  CHECK(c <= 26);
  c = kLfuInitVal;
  for (int i = 0; i < 1000; i++) c = LfuLogIncr(c, 0);
  CHECK(c == 255);
}

TEST_CASE("the LFU counter decays one per decay period, wrapping minutes once", "[lfu]") {
  uint32_t now = 1000;
  uint32_t data = ((now - 3) << 8) | 10;
  CHECK(LfuDecrAndReturn(data, 1, now) == 7);
  CHECK(LfuDecrAndReturn(data, 2, now) == 9);
  CHECK(LfuDecrAndReturn(data, 0, now) == 10);  // decay disabled
  CHECK(LfuDecrAndReturn(((now - 60) << 8) | 10, 1, now) == 0);
  // Stamped at minute 65530, read at minute 4: 9 minutes later.
  CHECK(LfuTimeElapsed(65530, 4) == 9);
  CHECK(LfuDecrAndReturn((65530u << 8) | 20, 1, 4) == 11);
  // An access decays first, then increments, and stamps the current minute.
  uint32_t after = LfuAccessedData(data, 0, 1, now);
  CHECK((after & 255) == 8);
  CHECK((after >> 8) == now);
}

TEST_CASE("keys start at LFU_INIT_VAL under an LFU policy; overwrites keep the counter", "[lfu]") {
  Env env;
  env.ks.eviction.policy = MaxmemoryPolicy::kAllKeysLfu;
  env.ks.eviction.lfu_log_factor = 0;
  Db& db = env.ks.db(0);
  db.SetString("k", "v");
  uint32_t minutes = LfuTimeInMinutes(env.ks.now_ms());
  CHECK(db.Find("k")->lru() == ((minutes << 8) | kLfuInitVal));
  db.LookupRead("k");
  db.LookupWrite("k");
  CHECK((db.Find("k")->lru() & 255) == kLfuInitVal + 2);
  db.SetString("k", "a much longer value that does not fit the old block at all");
  CHECK((db.Find("k")->lru() & 255) == kLfuInitVal + 2);
  db.SetInteger("k", 12);
  CHECK((db.Find("k")->lru() & 255) == kLfuInitVal + 2);
  // Under LRU an overwrite is a new value: the clock of now.
  env.ks.eviction.policy = MaxmemoryPolicy::kAllKeysLru;
  env.Advance(5000);
  db.SetString("k", "v");
  CHECK(db.Find("k")->lru() == env.ks.LruClock());
}

TEST_CASE("with the real allocator, eviction brings used memory under maxmemory", "[evict]") {
  io::ManualClock clock;
  Keyspace ks(1, &clock);
  std::string value(1000, 'x');
  for (int i = 0; i < 200; i++) ks.db(0).SetString(Key("key", i), value);
  ks.eviction.policy = MaxmemoryPolicy::kAllKeysLru;
  // A first run evicts one key and allocates the sampling buffers, which later runs reuse (only
  // deletions are measured, so a run's own allocations would otherwise show in the total).
  ks.eviction.maxmemory = UsedMemory() - 1;
  REQUIRE(ks.PerformEvictions() == EvictResult::kOk);
  REQUIRE(ks.stats().evicted_keys == 1);
  ks.eviction.maxmemory = UsedMemory() - 50'000;
  REQUIRE(ks.PerformEvictions() == EvictResult::kOk);
  size_t after = UsedMemory();
  CHECK(after <= ks.eviction.maxmemory);
  CHECK(ks.stats().evicted_keys >= 40);
  CHECK(ks.stats().evicted_keys < 100);
}

}  // namespace
}  // namespace keel::engine
