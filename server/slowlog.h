// The slow log (SLOWLOG): the most recent commands that took at least slowlog-log-slower-than
// microseconds, newest first, at most slowlog-max-len of them. Entries keep what Redis keeps:
// arguments cut to 32 and each to 128 bytes, the client's address and name. Loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keel::server {

struct SlowLogEntry {
  int64_t id = 0;
  int64_t unix_time = 0;    // seconds
  int64_t duration_us = 0;  // the command's execution time
  std::vector<std::string> args;
  std::string peer;  // "ip:port"
  std::string client_name;
};

class SlowLog {
 public:
  // Redis's limits on what one entry keeps (SLOWLOG_ENTRY_MAX_ARGC / _MAX_STRING).
  static constexpr size_t kMaxArgs = 32;
  static constexpr size_t kMaxArgBytes = 128;

  // Logs a command if `duration_us` reaches `log_slower_than` (negative: the log is off), then
  // trims to `max_len` entries. Lowering slowlog-max-len therefore shortens the log at the next
  // command logged, not at CONFIG SET, as in Redis. Each id is used once, even across RESET.
  void MaybeAdd(std::span<const std::string_view> args, int64_t duration_us, int64_t unix_time,
                std::string_view peer, std::string_view client_name, int64_t log_slower_than,
                int64_t max_len);

  // Drops the oldest entries beyond `max_len` (what MaybeAdd does after a fast command).
  void Trim(int64_t max_len) {
    while (static_cast<int64_t>(entries_.size()) > max_len) entries_.pop_back();
  }

  // Newest first.
  const std::deque<SlowLogEntry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  void Reset() { entries_.clear(); }

  // The arguments an entry keeps: at most kMaxArgs, the last of them replaced by
  // "... (N more arguments)" when there were more; each cut to kMaxArgBytes followed by
  // "... (N more bytes)".
  static std::vector<std::string> TrimArgs(std::span<const std::string_view> args);

 private:
  std::deque<SlowLogEntry> entries_;
  int64_t next_id_ = 0;
};

}  // namespace keel::server
