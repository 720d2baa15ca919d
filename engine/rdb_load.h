// Loading an RDB stream into the keyspace (Redis 7.0's rdbLoadRio): every database's keys with
// their expiry and LRU/LFU data, values in the encodings Redis 7.0 would give them under this
// server's thresholds. Keys that are already expired and empty collections are dropped and
// counted; what Keel cannot hold (streams, module values, functions) and what Redis would refuse
// (duplicate keys, a database index beyond `databases`) stop the load with a Status.
// Loop thread only.
#pragma once

#include <cstdint>
#include <string>

#include "engine/entry.h"
#include "formats/byte_stream.h"
#include "formats/status.h"

namespace keel::engine {

class Keyspace;
struct EvictionConfig;

struct RdbLoadOptions {
  // Drop keys whose expiry is already past (a master loading its own file). A replica, or an RDB
  // preamble of an AOF, keeps them: the commands that follow expect the data as it was.
  bool drop_expired = true;
  // A key of the file replaces a key of the same name already in the keyspace (or earlier in
  // the file) instead of failing the load: Redis's RDBFLAGS_ALLOW_DUP, for DEBUG RELOAD NOFLUSH.
  bool replace_existing = false;
  // An AOF's RDB preamble: commands may follow the RDB; RdbLoadStats::bytes says where.
  bool aof_preamble = false;
};

struct RdbLoadStats {
  uint64_t keys = 0;             // keys added
  uint64_t expired_skipped = 0;  // already expired, dropped (drop_expired)
  uint64_t empty_skipped = 0;    // empty collections, dropped (as Redis does since #8453)
  int version = 0;               // RDB version of the file
  std::string redis_ver;         // AUX redis-ver, empty when absent
  int64_t ctime_s = -1;          // AUX ctime, -1 when absent
  bool aof_base = false;         // AUX aof-base
  uint64_t bytes = 0;            // bytes of RDB read (decompressed, for a zstd-framed file)
};

// Reads a whole RDB stream (plain or Keel's zstd framing) from `src` into `ks`, adding to what it
// holds. Keys are linked without telling the keyspace observer (no WATCH invalidation, no blocked
// client is served) and with Keyspace::loading set, as Redis loads; both are restored after.
// On error the keyspace holds the keys loaded before the fault: the caller decides whether to
// flush it. The Status is the reader's (Corruption with the byte offset), or one of:
//   Corruption "duplicate key '<key>' in db N" at the key's offset (Redis panics), unless
//   replace_existing;
//   NotSupported for a database index >= Keyspace::num_dbs() (Redis's text), streams, module
//   values or AUX data, and Redis functions.
// `stats` may be null.
Status LoadRdb(Keyspace& ks, formats::ByteSource& src, const RdbLoadOptions& o,
               RdbLoadStats* stats);

// Redis's objectSetLRUOrLFU for a key loaded from an RDB file or by RESTORE: under an LFU policy
// a given FREQ (`freq` >= 0) becomes the counter, stamped now; otherwise a given IDLE time
// (`idle_seconds` >= 0) sets the LRU clock that far in the past, across a wrap of the 24-bit
// clock if need be. Nothing changes when the matching value is absent.
void SetLruOrLfu(Entry* e, const EvictionConfig& eviction, int64_t now_ms, int64_t idle_seconds,
                 int freq);

}  // namespace keel::engine
