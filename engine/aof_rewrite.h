// The dataset as commands (an AOF base file when aof-use-rdb-preamble is no), as Redis 7.0's
// rewriteAppendOnlyFileRio writes it: for each non-empty database "SELECT <n>", then each key as
// SET (strings), RPUSH (lists), SADD (sets), ZADD score member (sorted sets) or HMSET (hashes)
// with at most `items_per_command` elements (fields, members) per command, and "PEXPIREAT <key>
// <ms>" after a key that has a TTL. Replaying the output into an empty keyspace gives the same
// DEBUG DIGEST. Runs in a fork child: reads the keyspace, never changes it.
#pragma once

#include <cstdint>

#include "formats/byte_stream.h"
#include "formats/status.h"

namespace keel::engine {

class Keyspace;

struct AofRewriteOptions {
  int items_per_command = 64;  // Redis's AOF_REWRITE_ITEMS_PER_CMD
  // > 0: starts with a "#TS:<unix seconds>" annotation (aof-timestamp-enabled).
  int64_t timestamp_s = 0;
};

struct AofRewriteStats {
  uint64_t keys = 0;
  uint64_t commands = 0;
  uint64_t bytes = 0;
};

// Writes every key of `ks` to `out`. Expired keys still present are skipped.
Result<AofRewriteStats> WriteAofCommands(Keyspace& ks, formats::ByteSink& out,
                                         const AofRewriteOptions& options = {});

}  // namespace keel::engine
