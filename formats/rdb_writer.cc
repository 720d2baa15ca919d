// RdbWriter: Redis 7.0's rdb.c save path (rdbSaveLen, rdbSaveRawString, rdbSaveLzfStringObject,
// rdbSaveKeyValuePair's key prelude, rdbSaveObject's compact values) over a ByteSink. The bytes
// must be exactly Redis's: redis-check-rdb and redis-server load what Keel writes, and a DUMP
// payload is compared byte for byte by clients that cache them.
#include "formats/rdb_writer.h"

#include <algorithm>
#include <cstdio>

#include "formats/crc64.h"
#include "formats/listpack.h"
#include "formats/lzf.h"

namespace keel::formats {

namespace {

// First buffer size: enough for a DUMP of a small value without growing.
constexpr size_t kInitialBuffer = 256;

// rdbSaveLen into `out` (at least 9 bytes); returns the bytes used.
size_t EncodeLength(uint64_t n, uint8_t* out) {
  if (n < (1u << 6)) {
    out[0] = static_cast<uint8_t>(n);
    return 1;
  }
  if (n < (1u << 14)) {
    out[0] = static_cast<uint8_t>((rdb::kLen14Bit << 6) | (n >> 8));
    out[1] = static_cast<uint8_t>(n & 0xff);
    return 2;
  }
  if (n <= UINT32_MAX) {
    out[0] = rdb::kLen32Bit;
    for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<uint8_t>(n >> (24 - 8 * i));
    return 5;
  }
  out[0] = rdb::kLen64Bit;
  for (int i = 0; i < 8; ++i) out[1 + i] = static_cast<uint8_t>(n >> (56 - 8 * i));
  return 9;
}

// rdbEncodeInteger: the INT8/16/32 string encodings, little-endian; 0 when `v` needs more.
size_t EncodeInteger(int64_t v, uint8_t* out) {
  const auto u = static_cast<uint64_t>(v);
  size_t n;
  if (v >= INT8_MIN && v <= INT8_MAX) {
    out[0] = (rdb::kLenEncoded << 6) | rdb::kEncInt8;
    n = 1;
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    out[0] = (rdb::kLenEncoded << 6) | rdb::kEncInt16;
    n = 2;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out[0] = (rdb::kLenEncoded << 6) | rdb::kEncInt32;
    n = 4;
  } else {
    return 0;
  }
  for (size_t i = 0; i < n; ++i) out[1 + i] = static_cast<uint8_t>(u >> (8 * i));
  return n + 1;
}

void StoreLe64(uint64_t v, uint8_t* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

// Makes `*buf` hold at least `n` bytes, keeping nothing (scratch space).
uint8_t* Reserve(std::unique_ptr<uint8_t[]>* buf, size_t* cap, size_t n) {
  if (*cap < n) {
    const size_t want = std::max(n, *cap * 2);
    buf->reset(new uint8_t[want]);
    *cap = want;
  }
  return buf->get();
}

std::string_view AsChars(std::span<const uint8_t> s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

}  // namespace

RdbWriter::RdbWriter(ByteSink& sink, const RdbWriterOptions& options)
    : sink_(sink), options_(options) {
  if (options_.version != rdb::kVersion && options_.version != rdb::kMinWriteVersion) {
    error_ = Status::InvalidArgument("Keel writes RDB version " + std::to_string(rdb::kVersion) +
                                     " or " + std::to_string(rdb::kMinWriteVersion) + ", not " +
                                     std::to_string(options_.version));
  }
}

// ---------------------------------------------------------------------------------------------
// Buffering

Status RdbWriter::PutSlow(const void* p, size_t n) {
  if (!error_.ok()) return error_;
  const auto* src = static_cast<const uint8_t*>(p);
  // Grow first: until it reaches 64 KiB the buffer holds everything, so a DUMP payload or a
  // small file reaches the sink in one write.
  if (cap_ < kMaxBuffer) {
    const size_t want = std::min(kMaxBuffer, std::max({pos_ + n, cap_ * 2, kInitialBuffer}));
    auto grown = std::unique_ptr<uint8_t[]>(new uint8_t[want]);
    if (pos_ > 0) std::memcpy(grown.get(), buf_.get(), pos_);
    buf_ = std::move(grown);
    cap_ = want;
    if (n <= cap_ - pos_) return Put(p, n);
  }
  KEEL_RETURN_IF_ERROR(FlushBuffer());
  if (n < cap_) return Put(p, n);
  // Larger than the buffer (a big value): straight to the sink, without a copy.
  if (options_.checksum) crc_ = Crc64(crc_, {src, n});
  bytes_ += n;
  error_ = sink_.Write({src, n});
  return error_;
}

Status RdbWriter::FlushBuffer() {
  if (!error_.ok()) return error_;
  if (pos_ == 0) return Status::Ok();
  // The CRC runs over whole buffers rather than each small write: one pass of the slicing-by-8
  // tables over 64 KiB is much faster than thousands of calls on a few bytes.
  if (options_.checksum && crc_pos_ < pos_)
    crc_ = Crc64(crc_, {buf_.get() + crc_pos_, pos_ - crc_pos_});
  error_ = sink_.Write({buf_.get(), pos_});
  pos_ = 0;
  crc_pos_ = 0;
  return error_;
}

Status RdbWriter::Flush() { return FlushBuffer(); }

Status RdbWriter::WriteRaw(std::span<const uint8_t> data) { return Put(data.data(), data.size()); }

// ---------------------------------------------------------------------------------------------
// Primitives

Status RdbWriter::WriteLength(uint64_t n) {
  uint8_t b[9];
  return Put(b, EncodeLength(n, b));
}

Status RdbWriter::WriteString(std::string_view s) {
  const size_t len = s.size();
  // rdbTryIntegerEncoding: a canonical integer (string2ll) in int32 range. Longer strings cannot
  // be one ("-2147483648" is 11 bytes).
  if (len <= 11) {
    int64_t v;
    if (ListpackStringToInt64(s, &v)) {
      uint8_t b[5];
      const size_t n = EncodeInteger(v, b);
      if (n > 0) return Put(b, n);
    }
  }
  // rdbSaveLzfStringObject: LZF must save at least 4 bytes, so the output budget is len - 4 and
  // LzfCompress answers 0 when the result would not fit.
  if (options_.compress && len > 20) {
    uint8_t* out = Reserve(&lzf_, &lzf_cap_, len - 4);
    const size_t clen =
        LzfCompress({reinterpret_cast<const uint8_t*>(s.data()), len}, {out, len - 4});
    if (clen > 0) return WriteLzfBlob({out, clen}, len);
  }
  KEEL_RETURN_IF_ERROR(WriteLength(len));
  return Put(s.data(), len);
}

Status RdbWriter::WriteLzfBlob(std::span<const uint8_t> compressed, uint64_t raw_size) {
  uint8_t b[1 + 9 + 9];
  b[0] = (rdb::kLenEncoded << 6) | rdb::kEncLzf;
  size_t n = 1;
  n += EncodeLength(compressed.size(), b + n);
  n += EncodeLength(raw_size, b + n);
  KEEL_RETURN_IF_ERROR(Put(b, n));
  return Put(compressed.data(), compressed.size());
}

Status RdbWriter::WriteInteger(int64_t v) {
  // rdbSaveLongLongAsStringObject: the integer encodings, else the decimal text (at most 20
  // bytes, so never LZF).
  uint8_t b[5];
  const size_t n = EncodeInteger(v, b);
  if (n > 0) return Put(b, n);
  char text[24];
  const int len = std::snprintf(text, sizeof(text), "%lld", static_cast<long long>(v));
  KEEL_RETURN_IF_ERROR(WriteLength(static_cast<uint64_t>(len)));
  return Put(text, static_cast<size_t>(len));
}

Status RdbWriter::WriteBinaryDouble(double d) {
  uint64_t bits;
  static_assert(sizeof(bits) == sizeof(d));
  std::memcpy(&bits, &d, sizeof(d));
  uint8_t b[8];
  StoreLe64(bits, b);
  return Put(b, 8);
}

// ---------------------------------------------------------------------------------------------
// File structure

Status RdbWriter::WriteHeader() {
  if (!error_.ok()) return error_;
  char header[16];
  std::snprintf(header, sizeof(header), "REDIS%04d", options_.version);
  return Put(header, rdb::kHeaderSize);
}

Status RdbWriter::WriteAux(std::string_view key, std::string_view value) {
  KEEL_RETURN_IF_ERROR(WriteByte(rdb::kOpAux));
  KEEL_RETURN_IF_ERROR(WriteString(key));
  return WriteString(value);
}

Status RdbWriter::WriteAuxInt(std::string_view key, int64_t value) {
  // rdbSaveAuxFieldStrInt formats the number and saves it as a string, so it is integer-encoded
  // only within int32 (used-mem above 2 GiB is text).
  char text[24];
  const int len = std::snprintf(text, sizeof(text), "%lld", static_cast<long long>(value));
  return WriteAux(key, std::string_view(text, static_cast<size_t>(len)));
}

Status RdbWriter::WriteFunction(std::string_view library_code) {
  if (options_.version < rdb::kVersion) {
    return Status::NotSupported(
        "functions cannot be saved in RDB version 9: Redis 6 has no functions; save with "
        "version 10 or delete the libraries first");
  }
  KEEL_RETURN_IF_ERROR(WriteByte(rdb::kOpFunction2));
  return WriteString(library_code);
}

Status RdbWriter::WriteSelectDb(uint64_t db) {
  KEEL_RETURN_IF_ERROR(WriteByte(rdb::kOpSelectDb));
  return WriteLength(db);
}

Status RdbWriter::WriteResizeDb(uint64_t keys, uint64_t expires) {
  KEEL_RETURN_IF_ERROR(WriteByte(rdb::kOpResizeDb));
  KEEL_RETURN_IF_ERROR(WriteLength(keys));
  return WriteLength(expires);
}

Status RdbWriter::Finish() {
  KEEL_RETURN_IF_ERROR(WriteByte(rdb::kOpEof));
  // The trailer is not part of what it checks: count the buffer now, then append the trailer
  // behind crc_pos_ so FlushBuffer leaves it out. With checksums off Redis computes nothing and
  // stores zero.
  if (options_.checksum) {
    crc_ = Crc64(crc_, {buf_.get() + crc_pos_, pos_ - crc_pos_});
  }
  crc_pos_ = pos_;
  uint8_t trailer[8];
  StoreLe64(options_.checksum ? crc_ : 0, trailer);
  if (cap_ - pos_ < sizeof(trailer)) KEEL_RETURN_IF_ERROR(FlushBuffer());
  std::memcpy(buf_.get() + pos_, trailer, sizeof(trailer));
  pos_ += sizeof(trailer);
  bytes_ += sizeof(trailer);
  crc_pos_ = pos_;
  return FlushBuffer();
}

// ---------------------------------------------------------------------------------------------
// Keys and compact values

Status RdbWriter::BeginKey(uint8_t type, std::string_view key, const RdbKeyMeta& meta) {
  if (!error_.ok()) return error_;
  const uint8_t max_type =
      options_.version >= rdb::kVersion ? rdb::kTypeStreamListpacks2 : rdb::kTypeStreamListpacks;
  if (!rdb::IsKnownType(type) || type > max_type) {
    return Status::InvalidArgument("type " + std::to_string(type) +
                                   " cannot be written in RDB version " +
                                   std::to_string(options_.version));
  }
  // rdbSaveKeyValuePair's order: expire, LRU idle time, LFU counter, then type and key.
  uint8_t b[1 + 9];
  if (meta.expire_ms != -1) {
    b[0] = rdb::kOpExpireTimeMs;
    StoreLe64(static_cast<uint64_t>(meta.expire_ms), b + 1);
    KEEL_RETURN_IF_ERROR(Put(b, 9));
  }
  if (meta.idle_seconds != -1) {
    b[0] = rdb::kOpIdle;
    KEEL_RETURN_IF_ERROR(Put(b, 1 + EncodeLength(static_cast<uint64_t>(meta.idle_seconds), b + 1)));
  }
  if (meta.freq != -1) {
    b[0] = rdb::kOpFreq;
    b[1] = static_cast<uint8_t>(meta.freq);
    KEEL_RETURN_IF_ERROR(Put(b, 2));
  }
  KEEL_RETURN_IF_ERROR(WriteByte(type));
  return WriteString(key);
}

uint8_t RdbWriter::TypeForHashListpack() const {
  return options_.version >= rdb::kVersion ? rdb::kTypeHashListpack : rdb::kTypeHashZiplist;
}
uint8_t RdbWriter::TypeForZsetListpack() const {
  return options_.version >= rdb::kVersion ? rdb::kTypeZsetListpack : rdb::kTypeZsetZiplist;
}
uint8_t RdbWriter::TypeForQuicklist() const {
  return options_.version >= rdb::kVersion ? rdb::kTypeListQuicklist2 : rdb::kTypeListQuicklist;
}

Status RdbWriter::WriteListpackValue(std::span<const uint8_t> listpack) {
  if (options_.version >= rdb::kVersion) return WriteString(AsChars(listpack));
  ziplist_.Clear();
  AppendListpackToZiplist(listpack, &ziplist_);
  return WriteZiplist();
}

Status RdbWriter::WriteIntsetValue(std::span<const uint8_t> intset) {
  return WriteString(AsChars(intset));
}

Status RdbWriter::BeginQuicklist(uint64_t nodes) { return WriteLength(nodes); }

Status RdbWriter::WriteQuicklistNode(std::span<const uint8_t> listpack) {
  if (options_.version >= rdb::kVersion) {
    KEEL_RETURN_IF_ERROR(WriteLength(rdb::kQuicklistNodePacked));
    return WriteString(AsChars(listpack));
  }
  ziplist_.Clear();
  AppendListpackToZiplist(listpack, &ziplist_);
  return WriteZiplist();
}

Status RdbWriter::WriteQuicklistPlainNode(std::string_view element) {
  if (options_.version >= rdb::kVersion) {
    KEEL_RETURN_IF_ERROR(WriteLength(rdb::kQuicklistNodePlain));
    return WriteString(element);
  }
  // Version 9 has no plain nodes: the element becomes a ziplist of one entry.
  ziplist_.Clear();
  ziplist_.Add(element);
  return WriteZiplist();
}

Status RdbWriter::WriteQuicklistCompressedNode(std::span<const uint8_t> lzf, uint64_t raw_size) {
  if (options_.version >= rdb::kVersion) {
    // rdbSaveObject writes a compressed node's LZF bytes as they are (quicklistGetLzf), with no
    // attempt at the integer encoding or at recompressing.
    KEEL_RETURN_IF_ERROR(WriteLength(rdb::kQuicklistNodePacked));
    return WriteLzfBlob(lzf, raw_size);
  }
  uint8_t* raw = Reserve(&node_, &node_cap_, raw_size);
  Result<size_t> got = LzfDecompress(lzf, {raw, raw_size});
  if (!got.has_value() || *got != raw_size) {
    return Status::Internal("a compressed list node does not expand to its recorded " +
                            std::to_string(raw_size) + " bytes");
  }
  ziplist_.Clear();
  AppendListpackToZiplist({raw, raw_size}, &ziplist_);
  return WriteZiplist();
}

// ---------------------------------------------------------------------------------------------
// DUMP payloads

std::string FinishDumpPayload(std::string value, int version) {
  // createDumpPayload: the RDB version as 2 bytes little-endian, then the CRC64 of everything
  // before, little-endian.
  value.push_back(static_cast<char>(version & 0xff));
  value.push_back(static_cast<char>((version >> 8) & 0xff));
  uint8_t crc[8];
  StoreLe64(Crc64(0, value), crc);
  value.append(reinterpret_cast<const char*>(crc), sizeof(crc));
  return value;
}

}  // namespace keel::formats
