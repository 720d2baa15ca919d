// The RDB reader's input: a buffered cursor over a ByteSource that counts the offset, keeps the
// running CRC64 of every byte consumed, and decodes RDB's primitives (lengths, strings in their
// integer and LZF encodings, doubles, times). Shared by the reader's parts (rdb_reader.cc,
// rdb_values.cc, rdb_stream.cc, rdb_module.cc); not an interface for other code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/byte_stream.h"
#include "formats/rdb_reader.h"
#include "formats/status.h"

namespace keel::formats::rdb {

// A length, or (encoded) one of the special string encodings kEncInt8..kEncLzf.
struct LengthOrEncoding {
  bool encoded = false;
  uint64_t value = 0;
};

class RdbInput {
 public:
  explicit RdbInput(ByteSource& src) : src_(src) {}
  RdbInput(const RdbInput&) = delete;
  RdbInput& operator=(const RdbInput&) = delete;

  // Bytes consumed so far.
  uint64_t offset() const { return offset_; }
  // The RDB version from the header (1 before it is read); some encodings depend on it.
  int version() const { return version_; }
  void set_version(int v) { version_ = v; }

  // CRC64 of every byte consumed so far.
  uint64_t crc() const;

  // Corruption("<what>", offset) with the given offset, or the current one.
  Status Corrupt(std::string what) const { return Status::Corruption(std::move(what), offset_); }
  static Status CorruptAt(std::string what, uint64_t offset) {
    return Status::Corruption(std::move(what), offset);
  }

  // Exactly n bytes, or Corruption("unexpected end of file ...") at the offset where they ran out.
  Status ReadExact(void* dst, size_t n);
  // True at the end of the data (nothing more to read).
  Result<bool> AtEnd();
  Result<uint8_t> ReadByte();
  Result<uint32_t> ReadU32Le();
  Result<uint64_t> ReadU64Le();
  Result<uint64_t> ReadU64Be();

  // rdbLoadLenByRef: 6, 14, 32 or 64-bit lengths, or a special encoding.
  Result<LengthOrEncoding> ReadLengthOrEncoding();
  // A plain length; a special encoding here is Corruption.
  Result<uint64_t> ReadLength();
  // rdbGenericLoadStringObject: raw, integer (decimal text) or LZF strings. Memory grows with the
  // bytes that really arrive (never sized by the stored length alone), so a huge length in a short
  // file fails at the end of the data rather than at allocation. `out` is replaced.
  Status ReadString(std::string* out);
  // The same, appending nothing but reporting the length only (for skipping module strings).
  Status SkipString(uint64_t* len = nullptr);

  // Doubles: RDB_TYPE_ZSET's length-prefixed ASCII form (with 253/254/255 for nan/+inf/-inf) and
  // the 8-byte little-endian binary form.
  Result<double> ReadAsciiDouble();
  Result<double> ReadBinaryDouble();
  // Module FLOAT: 4-byte little-endian.
  Result<float> ReadBinaryFloat();
  // EXPIRETIME_MS: 8-byte little-endian ms (host order before version 9; Keel, like every
  // deployed Redis, runs little-endian). EXPIRETIME: 4-byte little-endian seconds.
  Result<int64_t> ReadMillis();
  Result<int32_t> ReadSeconds();

 private:
  Status Fill();  // refills buf_ from src_; keeps the CRC current
  Status Skip(uint64_t n);
  Status AppendExact(std::string* out, uint64_t n);  // grows `out` as the bytes arrive
  template <typename Take>
  Status Consume(uint64_t n, Take&& take);
  Status ReadIntString(uint64_t enc, std::string* out);
  Status ReadLzfString(uint64_t at, std::string* out);

  ByteSource& src_;
  std::vector<uint8_t> buf_;
  size_t pos_ = 0;
  size_t len_ = 0;
  uint64_t offset_ = 0;
  uint64_t crc_ = 0;  // over buf_[0, crc_pos_) of the current buffer and all before it
  size_t crc_pos_ = 0;
  bool eof_ = false;
  int version_ = 1;
  std::string lzf_scratch_;   // compressed bytes that straddle a refill
  std::string skip_scratch_;  // SkipString's decoded integer and LZF strings
};

// Value decoders the parts of the reader share. `type` is the stored type id; `key` gives the
// visitor's key and offset context.
Status ReadValue(RdbInput& in, uint8_t type, RdbVisitor& visitor);
Status ReadStreamValue(RdbInput& in, uint8_t type, RdbVisitor& visitor);
// Type 7 (and type 6 is refused by the caller): <len module id> then the opcode stream.
Status ReadModuleValue(RdbInput& in, RdbVisitor& visitor);
// Walks a module opcode stream up to its EOF opcode; returns the bytes walked.
Result<uint64_t> SkipModuleOpcodes(RdbInput& in);
// A module id's 9-character name (charset A-Z a-z 0-9 - _) and 10-bit encoding version.
RdbModuleInfo DecodeModuleId(uint64_t id);

}  // namespace keel::formats::rdb
