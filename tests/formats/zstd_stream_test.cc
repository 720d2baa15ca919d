// Tests for Keel's zstd framing: round trips through ZstdSink and ZstdSource whatever the chunking
// on either side, the magic check, and every way a frame can be unusable (truncated, damaged,
// followed by more bytes, asking for an oversized window), each a Corruption with the compressed
// offset.
#include "formats/zstd_stream.h"

#include <zstd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "tests/formats/test_bytes.h"

namespace keel::formats {
namespace {

using testing::Bytes;


class FailingSink final : public ByteSink {
 public:
  Status Write(std::span<const uint8_t>) override { return Status::IoError("disk full", 28); }
};

// Pseudo-random text with repeats, so it compresses but not trivially.
std::string SampleData(size_t n) {
  std::string s;
  s.reserve(n);
  uint32_t x = 12345;
  while (s.size() < n) {
    x = x * 1103515245 + 12345;
    s += "key:" + std::to_string((x >> 8) % 5000) + (x & 1 ? ",value;" : "|");
  }
  s.resize(n);
  return s;
}

std::string Compress(std::string_view data, int level, size_t chunk) {
  StringSink out;
  ZstdSink sink(out, level);
  for (size_t i = 0; i < data.size(); i += chunk) {
    REQUIRE(sink.Write(Bytes(data.substr(i, chunk))).ok());
  }
  REQUIRE(sink.Finish().ok());
  return out.str();
}

// Reads the whole frame (the first 4 bytes passed as the peeked prefix) in `read_size` reads.
Result<std::string> Decompress(std::string_view frame, size_t source_step, size_t read_size) {
  const size_t pre = std::min<size_t>(4, frame.size());
  SpanSource src(frame.substr(pre), source_step);
  ZstdSource z(src, Bytes(frame.substr(0, pre)));
  std::string out;
  std::string buf(read_size, '\0');
  for (;;) {
    Result<size_t> n = z.Read({reinterpret_cast<uint8_t*>(buf.data()), buf.size()});
    if (!n.has_value()) return n.error();
    if (*n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}

TEST_CASE("zstd frame round trips whatever the chunking on both sides", "[zstd]") {
  const std::string data = SampleData(700000);
  for (int level : {1, 3, 9}) {
    const std::string frame = Compress(data, level, level == 1 ? 1000 : 65536);
    CHECK(StartsWithZstdMagic(Bytes(frame)));
    CHECK(frame.size() < data.size() / 2);
    for (size_t step : {size_t{1} << 20, size_t{7}}) {
      Result<std::string> back = Decompress(frame, step, step == 7 ? 4096 : 1 << 16);
      INFO("level " << level << " step " << step);
      REQUIRE(back.has_value());
      CHECK(*back == data);
    }
  }
}

TEST_CASE("empty content makes a valid frame that decodes to nothing", "[zstd]") {
  const std::string frame = Compress("", 3, 1);
  CHECK(StartsWithZstdMagic(Bytes(frame)));
  Result<std::string> back = Decompress(frame, 100, 10);
  REQUIRE(back.has_value());
  CHECK(back->empty());
}

TEST_CASE("the magic is zstd's and no RDB header starts with it", "[zstd]") {
  CHECK(StartsWithZstdMagic(Bytes(std::string("\x28\xb5\x2f\xfd", 4))));
  CHECK_FALSE(StartsWithZstdMagic(Bytes("REDIS0010")));
  CHECK_FALSE(StartsWithZstdMagic(Bytes(std::string("\x28\xb5\x2f", 3))));
}

TEST_CASE("a truncated frame is Corruption at the end of the input, at every cut", "[zstd]") {
  const std::string data = SampleData(50000);
  const std::string frame = Compress(data, 3, 4096);
  for (size_t cut = 0; cut < frame.size(); cut += cut < 40 ? 1 : 97) {
    INFO("cut at " << cut << " of " << frame.size());
    Result<std::string> back = Decompress(frame.substr(0, cut), 13, 1000);
    REQUIRE_FALSE(back.has_value());
    CHECK(back.error().IsCorruption());
    if (cut >= 18) {  // past the frame header zstd can only run out of input
      CHECK(back.error().offset() == cut);
      CHECK(back.error().message().find("truncated") != std::string_view::npos);
    }
  }
  // The last byte missing: only the checksum is incomplete.
  Result<std::string> back = Decompress(frame.substr(0, frame.size() - 1), 1 << 20, 1 << 20);
  REQUIRE_FALSE(back.has_value());
  testing::CheckCorruptionAt(back.error(), frame.size() - 1, "truncated");
}

TEST_CASE("bytes after the frame are Corruption at the first extra byte", "[zstd]") {
  const std::string frame = Compress(SampleData(10000), 3, 10000);
  for (size_t step : {size_t{1}, size_t{5}, size_t{1} << 20}) {
    Result<std::string> back = Decompress(frame + "X", step, 1 << 20);
    REQUIRE_FALSE(back.has_value());
    testing::CheckCorruptionAt(back.error(), frame.size(), "after the zstd frame");
  }
  // A second complete frame is refused too: the file is one frame.
  Result<std::string> two = Decompress(frame + frame, 4096, 4096);
  REQUIRE_FALSE(two.has_value());
  testing::CheckCorruptionAt(two.error(), frame.size(), "after the zstd frame");
}

TEST_CASE("a damaged frame is Corruption, never wrong data", "[zstd]") {
  const std::string data = SampleData(30000);
  const std::string frame = Compress(data, 3, 30000);
  int corrupt = 0;
  for (size_t at = 4; at < frame.size(); at += 11) {
    std::string bad = frame;
    bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    Result<std::string> back = Decompress(bad, 256, 4096);
    INFO("flipped byte " << at);
    // The content checksum catches what the entropy decoder does not.
    REQUIRE_FALSE(back.has_value());
    CHECK(back.error().IsCorruption());
    CHECK(back.error().offset() <= frame.size());
    ++corrupt;
  }
  CHECK(corrupt > 100);
}

TEST_CASE("a frame whose window exceeds 128 MiB is refused before allocating it", "[zstd]") {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  REQUIRE(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, 28)) == 0);
  const std::string data = SampleData(1000);
  std::string frame(ZSTD_compressBound(data.size()) + 64, '\0');
  ZSTD_outBuffer out = {frame.data(), frame.size(), 0};
  ZSTD_inBuffer in = {data.data(), data.size(), 0};
  // Streaming without a known size (the input given before the end): the header keeps the
  // 256 MiB window.
  REQUIRE(ZSTD_isError(ZSTD_compressStream2(cctx, &out, &in, ZSTD_e_continue)) == 0);
  ZSTD_inBuffer none = {nullptr, 0, 0};
  REQUIRE(ZSTD_compressStream2(cctx, &out, &none, ZSTD_e_end) == 0);
  ZSTD_freeCCtx(cctx);
  frame.resize(out.pos);
  Result<std::string> back = Decompress(frame, 1 << 20, 1 << 16);
  REQUIRE_FALSE(back.has_value());
  CHECK(back.error().IsCorruption());
  CHECK(back.error().message().find("window") != std::string_view::npos);
}

TEST_CASE("a failing inner sink fails the write and stays failed", "[zstd]") {
  FailingSink failing;
  ZstdSink sink(failing, 1);
  const std::string data = SampleData(1 << 20);
  Status s = sink.Write(Bytes(data));  // more than one output buffer: reaches the inner sink
  if (s.ok()) s = sink.Finish();
  CHECK(s.code() == StatusCode::kIoError);
  CHECK(sink.Finish().code() == StatusCode::kIoError);
}

TEST_CASE("an unfinished frame is refused by the reader", "[zstd]") {
  StringSink out;
  const std::string data = SampleData(300000);
  {
    ZstdSink sink(out, 3);
    REQUIRE(sink.Write(Bytes(data)).ok());
  }  // no Finish
  Result<std::string> back = Decompress(out.str(), 1 << 20, 1 << 20);
  REQUIRE_FALSE(back.has_value());
  CHECK(back.error().IsCorruption());
}

}  // namespace
}  // namespace keel::formats
