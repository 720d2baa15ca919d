// ByteSource and ByteSink: the two-method seams through which streaming codecs (the RDB reader and
// writer, zstd framing) meet files, sockets or memory without doing I/O themselves. Implementations
// over files live in io/ and the durability code; the in-memory ones here serve tests, fuzzers and
// DUMP/RESTORE.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "formats/status.h"

namespace keel::formats {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to dst.size() bytes into dst and returns how many; fewer than asked only at the end
  // of the data, 0 once it is reached.
  virtual Result<size_t> Read(std::span<uint8_t> dst) = 0;
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Takes all of `data` or fails.
  virtual Status Write(std::span<const uint8_t> data) = 0;
};

// Reads a span it does not own, handing out at most `max_read` bytes per Read (tests and fuzzers
// use a small one to cross every buffer boundary of a reader).
class SpanSource final : public ByteSource {
 public:
  explicit SpanSource(std::span<const uint8_t> data, size_t max_read = SIZE_MAX)
      : data_(data), max_read_(max_read) {}
  explicit SpanSource(std::string_view data, size_t max_read = SIZE_MAX)
      : data_(reinterpret_cast<const uint8_t*>(data.data()), data.size()), max_read_(max_read) {}
  Result<size_t> Read(std::span<uint8_t> dst) override {
    size_t n = dst.size() < data_.size() - pos_ ? dst.size() : data_.size() - pos_;
    if (n > max_read_) n = max_read_;
    if (n > 0) std::memcpy(dst.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::span<const uint8_t> data_;
  size_t max_read_;
  size_t pos_ = 0;
};

// Appends to a string it owns.
class StringSink final : public ByteSink {
 public:
  Status Write(std::span<const uint8_t> data) override {
    out_.append(reinterpret_cast<const char*>(data.data()), data.size());
    return Status::Ok();
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

}  // namespace keel::formats
