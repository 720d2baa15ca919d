// Expiry: lazy expiry on access against the command time, and the active cycle (Redis 7.0's
// activeExpireCycle) driven by clocks the test controls: it expires keys over cycles, stops once a
// sample is at most 10% stale, leaves persistent keys alone, honours its time budget and the fast
// cycle's rules, keeps its db cursor across calls, and reports its statistics.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "engine/db.h"
#include "engine/keyspace.h"
#include "io/clock.h"

namespace keel::engine {
namespace {

constexpr int64_t kBaseMs = 1'700'000'000'000;

// Wall time stands still (expiry decisions are fixed) while each monotonic read advances by
// `tick_us`, so time budgets run out after a known number of clock reads.
class TickingClock final : public io::Clock {
 public:
  int64_t NowMs() const override { return now_ms; }
  int64_t NowUs() const override { return now_ms * 1000; }
  int64_t MonotonicUs() const override {
    mono_us += tick_us;
    return mono_us;
  }
  int64_t now_ms = kBaseMs;
  int64_t tick_us = 0;
  mutable int64_t mono_us = 1'000'000;
};

std::string Key(const char* prefix, int i) { return prefix + std::to_string(i); }

// Adds n keys with the given TTL (ms, relative to the keyspace's time), or persistent when ttl < 0.
void AddKeys(Keyspace& ks, int db, const char* prefix, int n, int64_t ttl) {
  for (int i = 0; i < n; i++) {
    Entry* e = ks.db(db).SetString(Key(prefix, i), "value");
    if (ttl >= 0) ks.db(db).SetExpire(e, ks.now_ms() + ttl);
  }
}

struct RecordingObserver : KeyspaceObserver {
  void OnKeyExpired(Db& db, std::string_view key) override {
    keys.emplace_back(std::to_string(db.index()) + ":" + std::string(key));
  }
  std::vector<std::string> keys;
};

TEST_CASE("a key expires lazily only once the time is past its expiry", "[expire]") {
  io::ManualClock clock;
  Keyspace ks(16, &clock);
  Db& db = ks.db(0);
  db.SetExpire(db.SetString("k", "v"), ks.now_ms() + 100);
  clock.AdvanceMs(100);
  ks.UpdateTime();
  REQUIRE(db.LookupRead("k") != nullptr);  // at the expiry instant it is still alive
  clock.AdvanceMs(1);
  REQUIRE(db.Find("k") != nullptr);  // the command time has not moved yet
  REQUIRE_FALSE(db.IsExpired(db.Find("k")));
  ks.UpdateTime();
  REQUIRE(db.IsExpired(db.Find("k")));
  REQUIRE(db.Find("k") != nullptr);  // Find never expires
  REQUIRE(db.LookupRead("k") == nullptr);
  REQUIRE(db.Find("k") == nullptr);
  REQUIRE(ks.stats().expired_keys == 1);
  REQUIRE(ks.stats().keyspace_hits == 1);
  REQUIRE(ks.stats().keyspace_misses == 1);
  REQUIRE(db.expires_size() == 0);
}

TEST_CASE("LookupWrite expires too but counts no hit or miss", "[expire]") {
  io::ManualClock clock;
  Keyspace ks(16, &clock);
  Db& db = ks.db(0);
  db.SetExpire(db.SetString("k", "v"), ks.now_ms() + 1);
  clock.AdvanceMs(2);
  ks.UpdateTime();
  REQUIRE(db.LookupWrite("k") == nullptr);
  REQUIRE(ks.stats().expired_keys == 1);
  REQUIRE(ks.stats().keyspace_misses == 0);
}

TEST_CASE("nothing expires while loading", "[expire]") {
  io::ManualClock clock;
  Keyspace ks(16, &clock);
  Db& db = ks.db(0);
  db.SetExpire(db.SetString("k", "v"), ks.now_ms() + 1);
  clock.AdvanceMs(2);
  ks.UpdateTime();
  ks.loading = true;
  REQUIRE(db.LookupRead("k") != nullptr);
  REQUIRE_FALSE(db.IsExpired(db.Find("k")));
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
  REQUIRE(db.size() == 1);
  ks.loading = false;
  REQUIRE(db.LookupRead("k") == nullptr);
  REQUIRE(ks.stats().expired_keys == 1);
}

TEST_CASE("the observer hears of lazily and actively expired keys", "[expire]") {
  io::ManualClock clock;
  Keyspace ks(16, &clock);
  RecordingObserver observer;
  ks.set_observer(&observer);
  ks.db(2).SetExpire(ks.db(2).SetString("lazy", "v"), ks.now_ms() + 1);
  ks.db(5).SetExpire(ks.db(5).SetString("active", "v"), ks.now_ms() + 1);
  clock.AdvanceMs(2);
  ks.UpdateTime();
  REQUIRE(ks.db(2).LookupRead("lazy") == nullptr);
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
  REQUIRE(observer.keys == std::vector<std::string>{"2:lazy", "5:active"});
  ks.set_observer(nullptr);
}

TEST_CASE("the active cycle removes expired keys and leaves the others", "[expire][active]") {
  io::ManualClock clock;
  Keyspace ks(16, &clock);
  AddKeys(ks, 0, "dead", 1000, 10);
  AddKeys(ks, 0, "live", 100, 60'000);
  AddKeys(ks, 0, "persistent", 100, -1);
  clock.AdvanceMs(11);
  // While samples are mostly stale one cycle keeps going (the manual clock never exhausts its time
  // budget); once the last few dead keys sit among live ones a sample can fall under 10% stale and
  // the cycle stops, as Redis's does. Later cycles resume at the saved cursor and reach the rest.
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
  REQUIRE(ks.stats().expired_keys >= 500);
  for (int i = 0; i < 200 && ks.stats().expired_keys < 1000; ++i) {
    ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
  }
  REQUIRE(ks.stats().expired_keys == 1000);
  REQUIRE(ks.db(0).size() == 200);
  REQUIRE(ks.db(0).expires_size() == 100);
  REQUIRE(ks.db(0).Find("persistent7") != nullptr);
  REQUIRE(ks.stats().expired_stale_perc_x100 > 0);
}

TEST_CASE("the active cycle stops once a sample is at most 10% stale", "[expire][active]") {
  io::ManualClock clock;
  Keyspace ks(16, &clock);
  AddKeys(ks, 0, "dead", 20, 10);
  AddKeys(ks, 0, "live", 980, 60'000);
  clock.AdvanceMs(11);
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
  // 2% of the keys are stale: a round of ~20 rarely finds more than 10%, so one cycle stops long
  // before visiting all 1000 keys.
  uint64_t after_one = ks.stats().expired_keys;
  REQUIRE(after_one < 20);
  // The cursor moves on between cycles, so repeated cycles cover the whole table.
  for (int i = 0; i < 300 && ks.stats().expired_keys < 20; i++) {
    ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
  }
  REQUIRE(ks.stats().expired_keys == 20);
  REQUIRE(ks.db(0).size() == 980);
}

// With 20 volatile keys in a settled table, one round samples each of them exactly once, so the
// cycle's totals, and from them expired_stale_perc, are deterministic.
uint64_t StalePercX100AfterOneCycle(int dead) {
  io::ManualClock clock;
  Keyspace ks(16, &clock);
  AddKeys(ks, 0, "dead", dead, 10);
  AddKeys(ks, 0, "live", 20 - dead, 60'000);
  ks.DatabasesCron(1000);  // finish any rehash: one table, each key visited once per pass
  clock.AdvanceMs(11);
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
  REQUIRE(ks.stats().expired_keys == static_cast<uint64_t>(dead));
  return ks.stats().expired_stale_perc_x100;
}

TEST_CASE("a round at exactly 10% stale ends the cycle, above 10% another round runs",
          "[expire][active]") {
  // 2 of 20 expired is 10%: one round, 2/20 sampled, stale average 0.05 * 0.1 = 0.50%.
  REQUIRE(StalePercX100AfterOneCycle(2) == 50);
  // 3 of 20 is 15%: a second round samples the 17 survivors, 3/37 overall: 0.05 * 0.0811 = 0.41%.
  REQUIRE(StalePercX100AfterOneCycle(3) == 41);
}

TEST_CASE("the active cycle does nothing when active expiry is disabled", "[expire][active]") {
  io::ManualClock clock;
  Keyspace ks(16, &clock);
  AddKeys(ks, 0, "dead", 100, 10);
  clock.AdvanceMs(11);
  ks.active_expire_enabled = false;
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
  REQUIRE(ks.db(0).size() == 100);
  ks.active_expire_enabled = true;
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
  REQUIRE(ks.db(0).size() == 0);
}

TEST_CASE("the db cursor carries over: 16 dbs per slow cycle", "[expire][active]") {
  io::ManualClock clock;
  Keyspace ks(20, &clock);
  AddKeys(ks, 17, "dead", 50, 10);
  clock.AdvanceMs(11);
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);  // dbs 0..15
  REQUIRE(ks.db(17).size() == 50);
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);  // dbs 16..19, 0..11
  REQUIRE(ks.db(17).size() == 0);
}

TEST_CASE("a slow cycle stops at its time budget and fast cycles follow", "[expire][active]") {
  TickingClock clock;
  Keyspace ks(16, &clock);
  clock.now_ms = kBaseMs - 1000;
  ks.UpdateTime();
  AddKeys(ks, 0, "dead", 30'000, 10);
  clock.now_ms = kBaseMs;
  ks.UpdateTime();

  // Without a time-limited slow cycle before it, a fast cycle does not run.
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kFast, 10);
  REQUIRE(ks.stats().expired_keys == 0);

  // hz 100: the slow budget is 2500 us; at 100 us per clock read (one per 16 rounds) the cycle
  // stops after about 26 reads, long before 30000 keys are gone.
  clock.tick_us = 100;
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 100);
  uint64_t after_slow = ks.stats().expired_keys;
  REQUIRE(after_slow > 0);
  REQUIRE(after_slow < 30'000);
  REQUIRE(ks.stats().expired_time_cap_reached_count == 1);
  REQUIRE(ks.db(0).size() == 30'000 - after_slow);

  // The fast cycle now runs (1000 us budget) and is itself cut short.
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kFast, 100);
  uint64_t after_fast = ks.stats().expired_keys;
  REQUIRE(after_fast > after_slow);
  REQUIRE(ks.stats().expired_time_cap_reached_count == 2);

  // Another fast cycle within twice its duration of the last one's start is skipped...
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kFast, 100);
  REQUIRE(ks.stats().expired_keys == after_fast);
  // ...and runs once that much time has passed.
  clock.mono_us += 2000;
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kFast, 100);
  REQUIRE(ks.stats().expired_keys > after_fast);
  REQUIRE(ks.stats().expire_cycle_cpu_milliseconds > 0);
}

TEST_CASE("avg_ttl tracks the volatile keys seen and resets when none are left",
          "[expire][active]") {
  io::ManualClock clock;
  Keyspace ks(16, &clock);
  AddKeys(ks, 0, "live", 100, 10'000);
  REQUIRE(ks.db(0).avg_ttl() == 0);
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
  REQUIRE(ks.db(0).avg_ttl() == 10'000);
  for (int i = 0; i < 100; i++) ks.db(0).RemoveExpire(ks.db(0).Find(Key("live", i)));
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
  REQUIRE(ks.db(0).avg_ttl() == 0);
}

TEST_CASE("a sparse expiry table is skipped until the cron shrinks it", "[expire][active]") {
  io::ManualClock clock;
  Keyspace ks(16, &clock);
  Db& db = ks.db(0);
  AddKeys(ks, 0, "k", 10'000, 10);
  // Keep ten volatile keys in a 16384-bucket table: under 1% full.
  for (int i = 10; i < 10'000; i++) db.RemoveExpire(db.Find(Key("k", i)));
  clock.AdvanceMs(11);
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
  REQUIRE(ks.stats().expired_keys == 0);
  ks.DatabasesCron(1000);
  REQUIRE(db.expires_slots() == 16);
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
  REQUIRE(ks.stats().expired_keys == 10);
  REQUIRE(db.size() == 9'990);
}

TEST_CASE("an entry that moved is still expired by the active cycle", "[expire][active]") {
  io::ManualClock clock;
  Keyspace ks(16, &clock);
  Db& db = ks.db(0);
  Entry* e = db.SetString("k", "v");
  db.SetExpire(e, ks.now_ms() + 10);
  Entry* moved = db.SetString("k", std::string(5000, 'x'), /*keep_ttl=*/true);
  REQUIRE(moved != e);
  std::string* s = db.MutableString(moved);  // moves again, to a small block
  s->append("y");
  clock.AdvanceMs(11);
  ks.ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
  REQUIRE(db.size() == 0);
  REQUIRE(db.expires_size() == 0);
  REQUIRE(ks.stats().expired_keys == 1);
}

}  // namespace
}  // namespace keel::engine
