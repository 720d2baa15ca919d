// Tests for INFO's statistics containers (server/info_stats.h) and number formats
// (server/info_sections.h): error codes read back from reply bytes, the latency histogram's
// buckets and percentiles, the per-command table, and Redis's human-readable byte counts.
#include "server/info_stats.h"

#include <catch2/catch.hpp>
#include <string>

#include "server/info_sections.h"

namespace keel::server {
namespace {

// ---- Error codes ----

TEST_CASE("error code is the word after '-' up to the first space", "[info]") {
  REQUIRE(ErrorCode("-ERR value is not an integer or out of range") == "ERR");
  REQUIRE(ErrorCode("-WRONGTYPE Operation against a key holding the wrong kind of value") ==
          "WRONGTYPE");
  REQUIRE(ErrorCode("-NOAUTH Authentication required.") == "NOAUTH");
}

TEST_CASE("error code without a space in its first 32 bytes counts as ERR", "[info]") {
  REQUIRE(ErrorCode("-NOSPACE") == "ERR");
  // '-' + 30 letters + ' ': the space is the 32nd byte, still found.
  std::string longest = "-" + std::string(30, 'A') + " text";
  REQUIRE(ErrorCode(longest) == std::string(30, 'A'));
  // One letter more puts the space at the 33rd byte: Redis gives up and counts ERR.
  std::string too_long = "-" + std::string(31, 'A') + " text";
  REQUIRE(ErrorCode(too_long) == "ERR");
  REQUIRE(ErrorCode("") == "ERR");
}

TEST_CASE("error replies are counted by code from reply bytes", "[info]") {
  ErrorStats stats;
  stats.CountReplies("-ERR syntax error\r\n", 1);
  stats.CountReplies("-WRONGTYPE Operation against a key\r\n", 1);
  stats.CountReplies("-ERR again\r\n", 1);
  REQUIRE(stats.counts().size() == 2);
  REQUIRE(stats.counts().at("ERR") == 2);
  REQUIRE(stats.counts().at("WRONGTYPE") == 1);
  // Codes are kept in byte order, as INFO lists them.
  REQUIRE(stats.counts().begin()->first == "ERR");
}

TEST_CASE("errors nested in arrays are found and bulk payloads are skipped", "[info]") {
  ErrorStats stats;
  // An array of: a bulk string whose payload looks like an error, an error, a nested array with
  // an integer and another error, and a null bulk string.
  std::string replies =
      "*4\r\n$11\r\n-FAKE x\r\nyz\r\n-BUSYKEY Target key name already exists.\r\n"
      "*2\r\n:5\r\n-NOPERM no\r\n$-1\r\n";
  stats.CountReplies(replies, 2);
  REQUIRE(stats.counts().size() == 2);
  REQUIRE(stats.counts().at("BUSYKEY") == 1);
  REQUIRE(stats.counts().at("NOPERM") == 1);
  REQUIRE(stats.counts().count("FAKE") == 0);
}

TEST_CASE("errors the walk cannot find still count, as ERR", "[info]") {
  ErrorStats stats;
  stats.CountReplies("+OK\r\n$99\r\nshort", 2);  // truncated bulk: nothing to find after it
  REQUIRE(stats.counts().at("ERR") == 2);
  stats.CountReplies("-MOVED 1 x\r\n", 3);
  REQUIRE(stats.counts().at("MOVED") == 1);
  REQUIRE(stats.counts().at("ERR") == 4);
  stats.Clear();
  REQUIRE(stats.counts().empty());
}

// ---- Latency histogram ----

TEST_CASE("latency buckets are exact below 32 ns and within 1/32 above", "[info]") {
  using H = LatencyHistogram;
  for (uint64_t v = 0; v < 32; ++v) REQUIRE(H::UpperBound(H::IndexOf(v)) == v);
  size_t previous = 0;
  for (uint64_t v = 1; v < (uint64_t{1} << 30); v += 1 + v / 7) {
    size_t i = H::IndexOf(v);
    REQUIRE(i < H::kBuckets);
    REQUIRE(i >= previous);  // monotonic
    previous = i;
    uint64_t upper = H::UpperBound(i);
    REQUIRE(upper >= v);
    REQUIRE(static_cast<double>(upper - v) <= static_cast<double>(v) / 32);
    if (i > 0) REQUIRE(H::UpperBound(i - 1) < v);  // v is not in the bucket below
  }
}

TEST_CASE("latency buckets meet at powers of two and the last takes everything above", "[info]") {
  using H = LatencyHistogram;
  REQUIRE(H::IndexOf(63) + 1 == H::IndexOf(64));
  REQUIRE(H::UpperBound(H::IndexOf(64)) == 65);  // buckets two wide from 64 to 127
  REQUIRE(H::IndexOf((uint64_t{1} << 30) - 1) == H::kBuckets - 1);
  REQUIRE(H::IndexOf(uint64_t{1} << 30) == H::kBuckets - 1);
  REQUIRE(H::IndexOf(UINT64_MAX) == H::kBuckets - 1);
  REQUIRE(H::UpperBound(H::kBuckets - 1) == (uint64_t{1} << 30) - 1);
}

TEST_CASE("latency percentiles are bucket upper bounds at the nearest rank", "[info]") {
  LatencyHistogram h;
  REQUIRE(h.ValueAtPercentile(50) == 0);                   // empty
  for (uint64_t v = 1; v <= 100; ++v) h.Record(v * 1000);  // 1..100 us
  REQUIRE(h.total() == 100);
  auto near = [](uint64_t got, uint64_t want) { return got >= want && got - want <= want / 32; };
  REQUIRE(near(h.ValueAtPercentile(50), 50'000));
  REQUIRE(near(h.ValueAtPercentile(99), 99'000));
  REQUIRE(near(h.ValueAtPercentile(99.9), 100'000));
  REQUIRE(near(h.ValueAtPercentile(100), 100'000));
  REQUIRE(near(h.ValueAtPercentile(0.001), 1'000));  // at least the first value
}

TEST_CASE("one slow call shows at p99.9 but not at p50", "[info]") {
  LatencyHistogram h;
  for (int i = 0; i < 999; ++i) h.Record(2'000);
  h.Record(5'000'000);
  REQUIRE(h.ValueAtPercentile(50) < 2'100);
  REQUIRE(h.ValueAtPercentile(99) < 2'100);
  REQUIRE(h.ValueAtPercentile(99.9) < 2'100);  // rank 999 of 1000 is still fast
  REQUIRE(h.ValueAtPercentile(100) >= 5'000'000);
}

// ---- Per-command table ----

engine::CommandSpec Spec(const char* name, int arity) {
  engine::CommandSpec spec;
  spec.name = name;
  spec.arity = arity;
  return spec;
}

TEST_CASE("every command and subcommand gets its own slot, containers first", "[info]") {
  engine::CommandTable table;
  table.Add(Spec("get", 2));
  engine::CommandSpec config = Spec("config", -2);
  config.subcommands.push_back(Spec("get", -3));
  config.subcommands.push_back(Spec("set", -4));
  table.Add(std::move(config));
  for (int i = 0; i < 100; ++i) table.Add(Spec(("cmd" + std::to_string(i)).c_str(), 1));

  CommandStatsTable stats;
  stats.Build(table);
  REQUIRE(stats.slots().size() == 104);
  const engine::CommandSpec* container = table.Find("config");
  REQUIRE(stats.slots()[1].cmd == container);
  REQUIRE(stats.slots()[2].cmd->FullName() == "config|get");
  REQUIRE(stats.slots()[3].cmd->FullName() == "config|set");
  for (const CommandStatsTable::Slot& slot : stats.slots()) {
    REQUIRE(stats.Find(slot.cmd) == &slot.stats);
  }
  engine::CommandSpec stranger = Spec("get", 2);
  REQUIRE(stats.Find(&stranger) == nullptr);
  REQUIRE(stats.Find(nullptr) == nullptr);
}

TEST_CASE("command counters record calls and failures; reset drops them", "[info]") {
  engine::CommandTable table;
  table.Add(Spec("incr", 2));
  CommandStatsTable stats;
  stats.Build(table);
  CommandStats* incr = stats.Find(table.Find("incr"));
  REQUIRE(incr != nullptr);
  REQUIRE(incr->empty());
  incr->RecordCall(1'500, false);
  incr->RecordCall(2'500, true);
  incr->rejected_calls++;
  REQUIRE(incr->calls == 2);
  REQUIRE(incr->nanos == 4'000);
  REQUIRE(incr->failed_calls == 1);
  REQUIRE(incr->latency != nullptr);
  REQUIRE(incr->latency->total() == 2);
  stats.Reset();
  REQUIRE(stats.Find(table.Find("incr")) == incr);  // same slot after a reset
  REQUIRE(incr->empty());
  REQUIRE(incr->nanos == 0);
  REQUIRE(incr->latency == nullptr);
}

// ---- Byte counts ----

TEST_CASE("byte counts are human-readable as Redis prints them", "[info]") {
  REQUIRE(BytesToHuman(0) == "0B");
  REQUIRE(BytesToHuman(1023) == "1023B");
  REQUIRE(BytesToHuman(1024) == "1.00K");
  REQUIRE(BytesToHuman(1015288) == "991.49K");
  REQUIRE(BytesToHuman(12304384) == "11.73M");
  REQUIRE(BytesToHuman(25276510208ull) == "23.54G");
  REQUIRE(BytesToHuman(uint64_t{1} << 40) == "1.00T");
  REQUIRE(BytesToHuman(uint64_t{3} << 50) == "3.00P");
  // 1 EiB and more: past the largest unit, plain bytes.
  REQUIRE(BytesToHuman(uint64_t{1} << 60) == "1152921504606846976B");
}

}  // namespace
}  // namespace keel::server
