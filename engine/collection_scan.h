// HSCAN, SSCAN and ZSCAN share Redis's scanGenericCommand: the cursor, then the key, then MATCH and
// COUNT (TYPE is a syntax error for them), and a reply of the next cursor and the elements that
// match, each with its value for hashes and sorted sets. A compact encoding returns everything at
// once with cursor 0; a hash table is walked with Dict::Scan for at most COUNT*10 buckets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.h"

namespace keel::engine {

struct CollectionScanOptions {
  uint64_t cursor = 0;
  int64_t count = 10;
  std::string_view pattern;  // used when use_pattern
  bool use_pattern = false;
  // Redis's bound on empty buckets visited per call (count*10, saturating).
  int64_t max_iterations() const { return count > INT64_MAX / 10 ? INT64_MAX : count * 10; }
  // Items wanted per call from a hash table of pairs (HSCAN, ZSCAN): Redis doubles COUNT for a
  // field and its value, so COUNT counts pairs, and the bucket bound grows with it.
  CollectionScanOptions ForPairs() const {
    CollectionScanOptions pairs = *this;
    pairs.count = count > INT64_MAX / 2 ? INT64_MAX : count * 2;
    return pairs;
  }
};

// Parses `<cmd> key cursor [MATCH pattern] [COUNT count]`. Returns nullopt after replying:
// "invalid cursor" (checked first), then the key: a missing key gets the empty scan reply, a key of
// another type than `type` gets WRONGTYPE. `*entry` receives the key's entry when the options are
// returned. Options are checked last, as Redis does.
std::optional<CollectionScanOptions> ParseCollectionScan(CommandContext& ctx, ObjType type,
                                                         const Entry** entry);

// Replies [next_cursor, [elements...]]. `items` holds elements and, with stride 2, each one's
// value after it; elements whose name does not match the pattern are dropped with their value.
void AddCollectionScanReply(CommandContext& ctx, const CollectionScanOptions& options,
                            uint64_t next_cursor, const std::vector<std::string>& items,
                            size_t stride);

}  // namespace keel::engine
