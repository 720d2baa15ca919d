// The statistics behind INFO commandstats, latencystats and errorstats. Error codes are read back
// from the reply bytes a command wrote, so handlers and the reply writer need no hook: counting is
// paid only when a reply holds an error.
#include "server/info_stats.h"

#include <cmath>

namespace keel::server {

namespace {

constexpr std::string_view kDefaultCode = "ERR";
// Redis looks for the end of the code within this many bytes of the error text.
constexpr size_t kCodeSearchBytes = 32;

// Parses the decimal length of a "$<n>" header line (without its prefix); -1 when malformed.
int64_t ParseLength(std::string_view digits) {
  if (digits == "-1") return -1;
  if (digits.empty() || digits.size() > 18) return -2;
  int64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return -2;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::string_view ErrorCode(std::string_view error) {
  size_t space = error.substr(0, kCodeSearchBytes).find(' ');
  if (error.empty() || error[0] != '-' || space == std::string_view::npos) return kDefaultCode;
  return error.substr(1, space - 1);
}

void ErrorStats::Add(std::string_view code, uint64_t n) {
  auto it = counts_.find(code);
  if (it == counts_.end()) it = counts_.emplace(std::string(code), 0).first;
  it->second += n;
}

void ErrorStats::CountReplies(std::string_view replies, uint64_t expected) {
  // Every RESP2 element starts with a header line; only bulk strings carry a payload after it.
  // An array header is just a line, so walking elements one after another visits nested errors
  // without tracking the nesting.
  uint64_t found = 0;
  size_t pos = 0;
  while (found < expected && pos < replies.size()) {
    size_t eol = replies.find("\r\n", pos);
    if (eol == std::string_view::npos) break;
    std::string_view line = replies.substr(pos, eol - pos);
    pos = eol + 2;
    if (line.empty()) break;
    if (line[0] == '-') {
      Add(ErrorCode(line));
      ++found;
    } else if (line[0] == '$') {
      int64_t len = ParseLength(line.substr(1));
      if (len < -1) break;
      if (len >= 0) pos += static_cast<size_t>(len) + 2;
    }
  }
  if (found < expected) Add(kDefaultCode, expected - found);
}

uint64_t LatencyHistogram::UpperBound(size_t index) {
  if (index < kSubBuckets) return index;
  size_t shift = index / kSubBuckets - 1;
  uint64_t lower = static_cast<uint64_t>(kSubBuckets + index % kSubBuckets) << shift;
  return lower + (uint64_t{1} << shift) - 1;
}

uint64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  if (total_ == 0) return 0;
  // The rank of the value at `percentile`, rounded to the nearest call and at least the first.
  auto rank = static_cast<uint64_t>(std::llround(percentile / 100.0 * static_cast<double>(total_)));
  if (rank < 1) rank = 1;
  if (rank > total_) rank = total_;
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return UpperBound(i);
  }
  return UpperBound(kBuckets - 1);
}

void CommandStatsTable::Build(const engine::CommandTable& table) {
  slots_.clear();
  for (const auto& cmd : table.commands()) {
    slots_.push_back(Slot{cmd.get(), {}});
    for (const engine::CommandSpec& sub : cmd->subcommands) slots_.push_back(Slot{&sub, {}});
  }
  size_t size = 16;
  while (size < 2 * slots_.size()) size *= 2;
  index_.assign(size, Bucket{});
  for (size_t s = 0; s < slots_.size(); ++s) {
    size_t i = Hash(slots_[s].cmd) & (size - 1);
    while (index_[i].cmd != nullptr) i = (i + 1) & (size - 1);
    index_[i] = Bucket{slots_[s].cmd, static_cast<uint32_t>(s)};
  }
}

void CommandStatsTable::Reset() {
  for (Slot& slot : slots_) slot.stats = CommandStats();
}

}  // namespace keel::server
