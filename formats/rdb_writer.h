// Writer of RDB files and DUMP payloads as Redis 7.0 writes them (version 10), or version 9 for
// Redis 5 and 6. It writes through a ByteSink, keeping the CRC64 of everything written. Strings go
// through Redis's rules: integer encoding for short canonical integers, LZF when compression is on,
// the string is longer than 20 bytes and LZF saves at least 4 bytes, raw otherwise. Compact values
// are written as the listpack or intset bytes the engine holds (version 10) or converted to the
// ziplists of version 9. docs/formats/rdb.md has the grammar.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "formats/byte_stream.h"
#include "formats/rdb_format.h"
#include "formats/status.h"
#include "formats/ziplist_builder.h"

namespace keel::formats {

struct RdbWriterOptions {
  int version = rdb::kVersion;  // 10, or 9 (rdb::kMinWriteVersion)
  bool compress = true;         // rdbcompression
  bool checksum = true;         // rdbchecksum: false stores a zero trailer
};

// What precedes a key's type byte.
struct RdbKeyMeta {
  int64_t expire_ms = -1;     // absolute unix ms; -1: none
  int64_t idle_seconds = -1;  // LRU idle time (maxmemory-policy *lru); -1: none
  int freq = -1;              // LFU counter 0..255 (maxmemory-policy *lfu); -1: none
};

class RdbWriter {
 public:
  RdbWriter(ByteSink& sink, const RdbWriterOptions& options);
  RdbWriter(const RdbWriter&) = delete;
  RdbWriter& operator=(const RdbWriter&) = delete;

  int version() const { return options_.version; }
  uint64_t bytes_written() const { return bytes_; }

  // File structure, in the order Redis writes it.
  Status WriteHeader();  // "REDIS0010"
  Status WriteAux(std::string_view key, std::string_view value);
  Status WriteAuxInt(std::string_view key, int64_t value);  // rdbSaveAuxFieldStrInt
  Status WriteFunction(std::string_view library_code);      // FUNCTION2
  Status WriteSelectDb(uint64_t db);
  Status WriteResizeDb(uint64_t keys, uint64_t expires);
  // EOF opcode and the CRC64 trailer (zero when checksums are off). Hands everything to the sink.
  Status Finish();
  // Hands the buffered bytes to the sink. The writer gathers its output into writes of up to
  // 64 KiB, so a caller that reads the sink without calling Finish (a DUMP payload) calls this
  // first.
  Status Flush();

  // A key: [EXPIRETIME_MS] [IDLE] [FREQ], the type byte and the key. Its value follows through the
  // calls below.
  Status BeginKey(uint8_t type, std::string_view key, const RdbKeyMeta& meta = {});

  // Value primitives.
  Status WriteString(std::string_view s);  // encoded by Redis's rules
  Status WriteInteger(int64_t v);          // the string form of v, integer-encoded when it fits
  Status WriteLength(uint64_t n);
  Status WriteBinaryDouble(double d);

  // Whole compact values, for the key just begun with the matching type:
  //   version 10: the blob as a string; version 9: converted to a ziplist (hash 13, zset 12).
  // Callers begin the key with TypeForHashListpack() etc. so the type byte fits the version.
  Status WriteListpackValue(std::span<const uint8_t> listpack);
  Status WriteIntsetValue(std::span<const uint8_t> intset);
  uint8_t TypeForHashListpack() const;  // 16, or 13 in version 9
  uint8_t TypeForZsetListpack() const;  // 17, or 12 in version 9
  uint8_t TypeForQuicklist() const;     // 18, or 14 in version 9

  // A quicklist: the node count, then each node. Version 10 writes the container id before each
  // node; version 9 writes every node as a ziplist.
  Status BeginQuicklist(uint64_t nodes);
  Status WriteQuicklistNode(std::span<const uint8_t> listpack);  // packed
  Status WriteQuicklistPlainNode(std::string_view element);      // one large element
  // A packed node the engine keeps LZF-compressed (its bytes expand to a listpack of raw_size
  // bytes): written as an LZF string without recompressing (version 10), or decompressed and
  // converted (version 9). A compressed plain node is expanded by the caller.
  Status WriteQuicklistCompressedNode(std::span<const uint8_t> lzf, uint64_t raw_size);

  // Raw bytes, counted in the CRC (for callers that frame their own data).
  Status WriteRaw(std::span<const uint8_t> data);

 private:
  static constexpr size_t kMaxBuffer = 64 * 1024;

  Status WriteByte(uint8_t b) { return Put(&b, 1); }
  // Appends to the buffer; the common case is inline and never touches the sink.
  Status Put(const void* p, size_t n) {
    if (n <= cap_ - pos_) {
      if (n > 0) std::memcpy(buf_.get() + pos_, p, n);
      pos_ += n;
      bytes_ += n;
      return Status::Ok();
    }
    return PutSlow(p, n);
  }
  Status PutSlow(const void* p, size_t n);
  // Updates the CRC over the buffered bytes not yet counted and writes the buffer to the sink.
  Status FlushBuffer();
  Status WriteLzfBlob(std::span<const uint8_t> compressed, uint64_t raw_size);
  // The ziplist in ziplist_, written as a string (version 9).
  Status WriteZiplist() { return WriteString(ziplist_.Finish()); }

  ByteSink& sink_;
  RdbWriterOptions options_;
  uint64_t crc_ = 0;
  uint64_t bytes_ = 0;
  Status error_;  // sticky: the first failure of the sink, or a bad option
  // Output buffer: grows from a small size up to kMaxBuffer (a DUMP of a small value stays
  // small), then is flushed whenever full.
  std::unique_ptr<uint8_t[]> buf_;
  size_t cap_ = 0;
  size_t pos_ = 0;
  size_t crc_pos_ = 0;  // buf_[0, crc_pos_) is already in crc_
  // Reused scratch space: LZF output, decompressed quicklist nodes and ziplists (version 9).
  std::unique_ptr<uint8_t[]> lzf_;
  size_t lzf_cap_ = 0;
  std::unique_ptr<uint8_t[]> node_;
  size_t node_cap_ = 0;
  ZiplistBuilder ziplist_;
};

// A DUMP payload for one value: `value` is the type byte and value as an RdbWriter wrote them
// (BeginKey is not used: write the type with WriteRaw; call Flush before taking the sink's
// bytes), followed by the 2-byte little-endian version and the CRC64 of everything before it.
std::string FinishDumpPayload(std::string value, int version = rdb::kVersion);

}  // namespace keel::formats
