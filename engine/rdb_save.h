// Writing the keyspace as an RDB stream, as Redis 7.0's rdbSaveRio does: the header, Redis's AUX
// fields, then for each non-empty database SELECTDB, RESIZEDB and every key (expired ones too, as
// Redis writes them; the loader drops them) with its expiry and LRU/LFU data, values in the
// encodings Redis 7.0 writes. Also the value encoder DUMP uses.
// Loop thread only (or a fork child, which owns its copy of the keyspace).
#pragma once

#include <cstdint>
#include <string>

#include "engine/entry.h"
#include "formats/byte_stream.h"
#include "formats/rdb_writer.h"
#include "formats/status.h"

namespace keel::engine {

class Keyspace;

struct RdbSaveOptions {
  formats::RdbWriterOptions writer;  // version (10 or 9), rdbcompression, rdbchecksum
  std::string redis_ver;             // AUX redis-ver (the Redis version Keel reports)
  int64_t ctime_s = 0;               // AUX ctime: Unix seconds of the save
  uint64_t used_memory = 0;          // AUX used-mem
  bool aof_base = false;             // AUX aof-base: the file is the base of an AOF
  int zstd_level = 0;                // > 0: Keel's zstd framing at this level (rdb-zstd-level)
  int64_t key_save_delay_us = 0;     // > 0: sleep this long after each key (rdb-key-save-delay)
};

struct RdbSaveStats {
  uint64_t keys = 0;   // keys written
  uint64_t bytes = 0;  // bytes given to the sink (after zstd, when framed)
};

// Writes every database of `ks` to `sink`. Keys are read through Db::ForEach, without lazy expiry
// or LRU updates, so saving changes nothing. `stats` may be null.
Status SaveRdb(Keyspace& ks, formats::ByteSink& sink, const RdbSaveOptions& o, RdbSaveStats* stats);

// The RDB type byte of `e`'s value as `w` writes it (Redis's rdbSaveObjectType for the writer's
// version), and the value itself (rdbSaveObject). DUMP writes the pair with WriteRaw and this.
uint8_t RdbTypeOf(const Entry* e, const formats::RdbWriter& w);
Status WriteRdbValue(formats::RdbWriter& w, const Entry* e);

}  // namespace keel::engine
