// The slow log's entries, trimmed exactly as Redis's slowlogCreateEntry trims them so that tools
// parsing "... (N more bytes)" see the same text.
#include "server/slowlog.h"

#include <algorithm>

namespace keel::server {

std::vector<std::string> SlowLog::TrimArgs(std::span<const std::string_view> args) {
  const size_t kept = std::min(args.size(), kMaxArgs);
  std::vector<std::string> out;
  out.reserve(kept);
  for (size_t i = 0; i < kept; ++i) {
    if (kept != args.size() && i == kept - 1) {
      // The last slot says how many arguments were left out, itself included.
      out.push_back("... (" + std::to_string(args.size() - kept + 1) + " more arguments)");
    } else if (args[i].size() > kMaxArgBytes) {
      std::string s(args[i].substr(0, kMaxArgBytes));
      s += "... (" + std::to_string(args[i].size() - kMaxArgBytes) + " more bytes)";
      out.push_back(std::move(s));
    } else {
      out.emplace_back(args[i]);
    }
  }
  return out;
}

void SlowLog::MaybeAdd(std::span<const std::string_view> args, int64_t duration_us,
                       int64_t unix_time, std::string_view peer, std::string_view client_name,
                       int64_t log_slower_than, int64_t max_len) {
  if (log_slower_than < 0) return;
  if (duration_us >= log_slower_than) {
    SlowLogEntry e;
    e.id = next_id_++;
    e.unix_time = unix_time;
    e.duration_us = duration_us;
    e.args = TrimArgs(args);
    e.peer = peer;
    e.client_name = client_name;
    entries_.push_front(std::move(e));
  }
  Trim(max_len);
}

}  // namespace keel::server
