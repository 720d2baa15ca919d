// Keel's zstd framing of RDB files (rdb-zstd-level): the whole RDB byte stream inside one zstd
// frame, recognised on load by zstd's frame magic (28 B5 2F FD), which no RDB file starts with
// ("REDIS"). A Keel extension, off by default; docs/formats/rdb.md describes it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "formats/byte_stream.h"
#include "formats/status.h"

namespace keel::formats {

inline constexpr uint8_t kZstdMagic[4] = {0x28, 0xB5, 0x2F, 0xFD};
bool StartsWithZstdMagic(std::span<const uint8_t> prefix);

// Compresses everything written into `inner` as one zstd frame. Finish() ends the frame; without
// it the frame is incomplete and a reader refuses it.
class ZstdSink final : public ByteSink {
 public:
  ZstdSink(ByteSink& inner, int level);
  ~ZstdSink() override;
  Status Write(std::span<const uint8_t> data) override;
  Status Finish();

 private:
  struct State;
  ByteSink& inner_;
  std::unique_ptr<State> state_;
};

// Decompresses one zstd frame read from `inner`. `prefix` holds bytes already taken from `inner`
// (the magic a caller peeked at). Errors: Corruption with the offset in the compressed input; a
// truncated frame or trailing bytes after it are Corruption too.
class ZstdSource final : public ByteSource {
 public:
  ZstdSource(ByteSource& inner, std::span<const uint8_t> prefix);
  ~ZstdSource() override;
  Result<size_t> Read(std::span<uint8_t> dst) override;

 private:
  struct State;
  ByteSource& inner_;
  std::unique_ptr<State> state_;
};

}  // namespace keel::formats
