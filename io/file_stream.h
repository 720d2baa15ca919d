// Adapters between io's files and formats' streaming codecs: an RDB writer writes into a
// WritableFile, an RDB reader reads from a SequentialFile.
#pragma once

#include <algorithm>
#include <span>

#include "formats/byte_stream.h"
#include "io/file_system.h"

namespace keel::io {

// Appends everything written to `file` (which buffers and is flushed and synced by its owner).
class FileSink final : public formats::ByteSink {
 public:
  explicit FileSink(WritableFile& file) : file_(file) {}
  Status Write(std::span<const uint8_t> data) override {
    return file_.Append({reinterpret_cast<const char*>(data.data()), data.size()});
  }

 private:
  WritableFile& file_;
};

// Reads `file` front to back.
class FileSource final : public formats::ByteSource {
 public:
  explicit FileSource(SequentialFile& file) : file_(file) {}
  Result<size_t> Read(std::span<uint8_t> dst) override {
    auto r = file_.Read(dst.size(), reinterpret_cast<char*>(dst.data()));
    if (!r.has_value()) return r.error();
    if (r->data() != reinterpret_cast<const char*>(dst.data()) && !r->empty()) {
      std::copy(r->begin(), r->end(), reinterpret_cast<char*>(dst.data()));
    }
    return r->size();
  }

 private:
  SequentialFile& file_;
};

}  // namespace keel::io
