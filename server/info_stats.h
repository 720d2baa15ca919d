// Statistics the dispatcher keeps for INFO's commandstats, latencystats and errorstats sections:
// calls, time and failures per command, a latency histogram per command, and error replies
// counted by error code. Recording is on the command path, so it is a few increments into
// storage found without building strings; INFO does the formatting.
// Loop thread only.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.h"

namespace keel::server {

// ---- Error replies ----

// The code of one error reply as it is written on the wire ("-WRONGTYPE Operation ..."): the word
// after '-' up to the first space, which must come within the first 32 bytes (as Redis looks for
// it); "ERR" when it does not. `error` starts at the '-'.
std::string_view ErrorCode(std::string_view error);

// Error replies by code (INFO's errorstat_<CODE>:count=N), in byte order of the code.
class ErrorStats {
 public:
  void Add(std::string_view code, uint64_t n = 1);
  // Counts the error replies among `replies`, a sequence of complete RESP2 replies (errors nested
  // in arrays included). `expected` is how many the writer reported: any the walk cannot find
  // (bytes that do not parse) are counted as ERR, so the totals always agree.
  void CountReplies(std::string_view replies, uint64_t expected);
  void Clear() { counts_.clear(); }
  const std::map<std::string, uint64_t, std::less<>>& counts() const { return counts_; }

 private:
  std::map<std::string, uint64_t, std::less<>> counts_;
};

// ---- Latency ----

// A log-linear histogram of durations in nanoseconds: exact below 32 ns, then 32 buckets per
// power of two, so a reported value is at most 1/32 (3.1%) above the true one. Durations of
// 2^30 ns (1.07 s) and more share the last bucket. 6.5 KiB, so it is allocated per command on
// its first call rather than for every command up front.
class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 5;
  static constexpr int kMaxBits = 30;
  static constexpr size_t kSubBuckets = size_t{1} << kSubBucketBits;
  static constexpr size_t kBuckets = (kMaxBits - kSubBucketBits + 1) * kSubBuckets;

  void Record(uint64_t ns) {
    ++counts_[IndexOf(ns)];
    ++total_;
  }
  uint64_t total() const { return total_; }
  // The upper bound of the bucket holding the value at `percentile` (0 < percentile <= 100):
  // at least that share of the recorded durations were at or below it. 0 when empty.
  uint64_t ValueAtPercentile(double percentile) const;

  static size_t IndexOf(uint64_t ns) {
    if (ns < kSubBuckets) return static_cast<size_t>(ns);
    if (ns >= (uint64_t{1} << kMaxBits)) return kBuckets - 1;
    int top = 63 - __builtin_clzll(ns);  // ns >= 32, so top >= kSubBucketBits
    int shift = top - kSubBucketBits;
    return static_cast<size_t>(shift + 1) * kSubBuckets + ((ns >> shift) - kSubBuckets);
  }
  // The largest duration that falls in bucket `index`.
  static uint64_t UpperBound(size_t index);

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
};

// ---- Per command ----

// One command's (or subcommand's) counters, as INFO commandstats prints them.
struct CommandStats {
  uint64_t calls = 0;
  uint64_t nanos = 0;
  uint64_t rejected_calls = 0;                // refused by the dispatcher (arity, authentication)
  uint64_t failed_calls = 0;                  // ran and replied with an error
  std::unique_ptr<LatencyHistogram> latency;  // from the first call after start or a reset

  void RecordCall(uint64_t ns, bool failed) {
    ++calls;
    nanos += ns;
    failed_calls += failed ? 1 : 0;
    if (latency == nullptr) latency = std::make_unique<LatencyHistogram>();
    latency->Record(ns);
  }
  bool empty() const { return calls == 0 && rejected_calls == 0 && failed_calls == 0; }
};

// CommandStats for every command and subcommand of a command table, found by the command's spec
// pointer through a small open-addressing index (a multiply and a compare or two per lookup).
class CommandStatsTable {
 public:
  struct Slot {
    const engine::CommandSpec* cmd = nullptr;
    CommandStats stats;
  };

  // Gives each command of `table` a slot, a container before its subcommands. The specs must stay
  // where they are (the table must not change) while this is in use.
  void Build(const engine::CommandTable& table);
  // `cmd`'s counters; nullptr for a spec that was not in the table.
  CommandStats* Find(const engine::CommandSpec* cmd) {
    if (index_.empty()) return nullptr;
    size_t mask = index_.size() - 1;
    for (size_t i = Hash(cmd) & mask;; i = (i + 1) & mask) {
      const Bucket& b = index_[i];
      if (b.cmd == nullptr) return nullptr;
      if (b.cmd == cmd) return &slots_[b.slot].stats;
    }
  }
  // Zeroes every counter and drops the histograms (CONFIG RESETSTAT).
  void Reset();
  const std::vector<Slot>& slots() const { return slots_; }

 private:
  struct Bucket {
    const engine::CommandSpec* cmd = nullptr;
    uint32_t slot = 0;
  };
  static size_t Hash(const engine::CommandSpec* cmd) {
    // Specs are heap objects or vector elements: the low bits carry little, so mix them all.
    uint64_t x = reinterpret_cast<uintptr_t>(cmd) * 0x9E3779B97F4A7C15ull;
    return static_cast<size_t>(x >> 32);
  }

  std::vector<Slot> slots_;
  std::vector<Bucket> index_;  // a power of two, at most half full
};

}  // namespace keel::server
