// Zstd framing of RDB streams over libzstd's streaming API. zstd's working memory is allocated
// through operator new (customMem), so the engine's used_memory counts it like any other buffer;
// the decoder's window is capped so a hostile frame header cannot make it reserve gigabytes.
#include "formats/zstd_stream.h"

#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_customMem and the *_advanced constructors
#include <zstd.h>
#include <zstd_errors.h>

#include <cstring>
#include <new>
#include <string>

namespace keel::formats {

namespace {

// 2^27 = 128 MiB, zstd's own default limit for decoders (ZSTD_WINDOWLOG_LIMIT_DEFAULT): every
// level Keel writes fits (level 19 uses 2^23); a frame asking more is refused, not honoured.
constexpr int kMaxWindowLog = 27;

void* ZstdAlloc(void*, size_t size) { return ::operator new(size, std::nothrow); }
void ZstdFree(void*, void* p) { ::operator delete(p); }
constexpr ZSTD_customMem kZstdMem = {ZstdAlloc, ZstdFree, nullptr};

std::string ZstdMessage(const char* what, size_t code) {
  return std::string(what) + ": " + ZSTD_getErrorName(code);
}

}  // namespace

bool StartsWithZstdMagic(std::span<const uint8_t> prefix) {
  return prefix.size() >= sizeof(kZstdMagic) &&
         std::memcmp(prefix.data(), kZstdMagic, sizeof(kZstdMagic)) == 0;
}

// ---------------------------------------------------------------------------------------------
// ZstdSink

struct ZstdSink::State {
  ZSTD_CStream* stream = nullptr;
  std::unique_ptr<uint8_t[]> out;
  size_t out_cap = 0;
  size_t out_pos = 0;
  bool finished = false;
  Status error;  // sticky: once the frame is broken nothing more is written
  ~State() { ZSTD_freeCStream(stream); }
};

ZstdSink::ZstdSink(ByteSink& inner, int level) : inner_(inner), state_(std::make_unique<State>()) {
  State& st = *state_;
  st.stream = ZSTD_createCStream_advanced(kZstdMem);
  if (st.stream == nullptr) {
    st.error = Status::ResourceExhausted("cannot allocate a zstd compression context");
    return;
  }
  // The frame carries zstd's own checksum of the content: a damaged compressed file is reported
  // by the decoder before the RDB parser sees bytes that merely look plausible.
  size_t rc = ZSTD_CCtx_setParameter(st.stream, ZSTD_c_compressionLevel, level);
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(st.stream, ZSTD_c_checksumFlag, 1);
  if (ZSTD_isError(rc)) {
    st.error = Status::InvalidArgument(ZstdMessage("zstd level rejected", rc));
    return;
  }
  st.out_cap = ZSTD_CStreamOutSize();
  st.out = std::make_unique<uint8_t[]>(st.out_cap);
}

ZstdSink::~ZstdSink() = default;

namespace {

// Hands the compressed bytes gathered so far to `inner`.
Status DrainOut(ByteSink& inner, uint8_t* out, size_t* pos) {
  if (*pos == 0) return Status::Ok();
  Status s = inner.Write({out, *pos});
  *pos = 0;
  return s;
}

}  // namespace

Status ZstdSink::Write(std::span<const uint8_t> data) {
  State& st = *state_;
  if (!st.error.ok()) return st.error;
  if (st.finished) return Status::Internal("write to a zstd frame after it was finished");
  ZSTD_inBuffer in = {data.data(), data.size(), 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer out = {st.out.get(), st.out_cap, st.out_pos};
    const size_t rc = ZSTD_compressStream2(st.stream, &out, &in, ZSTD_e_continue);
    st.out_pos = out.pos;
    if (ZSTD_isError(rc)) {
      st.error = Status::Internal(ZstdMessage("zstd compression failed", rc));
      return st.error;
    }
    // Only full buffers go to the inner sink, so it sees large writes whatever the caller's
    // chunking.
    if (st.out_pos == st.out_cap) {
      st.error = DrainOut(inner_, st.out.get(), &st.out_pos);
      if (!st.error.ok()) return st.error;
    }
  }
  return Status::Ok();
}

Status ZstdSink::Finish() {
  State& st = *state_;
  if (!st.error.ok()) return st.error;
  if (st.finished) return Status::Ok();
  ZSTD_inBuffer in = {nullptr, 0, 0};
  for (;;) {
    ZSTD_outBuffer out = {st.out.get(), st.out_cap, st.out_pos};
    const size_t remaining = ZSTD_compressStream2(st.stream, &out, &in, ZSTD_e_end);
    st.out_pos = out.pos;
    if (ZSTD_isError(remaining)) {
      st.error = Status::Internal(ZstdMessage("zstd compression failed", remaining));
      return st.error;
    }
    if (remaining == 0 || st.out_pos == st.out_cap) {
      st.error = DrainOut(inner_, st.out.get(), &st.out_pos);
      if (!st.error.ok()) return st.error;
    }
    if (remaining == 0) break;
  }
  st.finished = true;
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// ZstdSource

struct ZstdSource::State {
  ZSTD_DStream* stream = nullptr;
  std::unique_ptr<uint8_t[]> in;
  size_t in_cap = 0;
  size_t in_pos = 0;     // next unread byte of `in`
  size_t in_size = 0;    // bytes held in `in`
  uint64_t in_base = 0;  // offset in the compressed input of in[0]
  bool inner_eof = false;
  bool frame_done = false;
  Status error;  // sticky
  ~State() { ZSTD_freeDStream(stream); }

  uint64_t offset() const { return in_base + in_pos; }
};

ZstdSource::ZstdSource(ByteSource& inner, std::span<const uint8_t> prefix)
    : inner_(inner), state_(std::make_unique<State>()) {
  State& st = *state_;
  st.stream = ZSTD_createDStream_advanced(kZstdMem);
  if (st.stream == nullptr) {
    st.error = Status::ResourceExhausted("cannot allocate a zstd decompression context");
    return;
  }
  const size_t rc = ZSTD_DCtx_setParameter(st.stream, ZSTD_d_windowLogMax, kMaxWindowLog);
  if (ZSTD_isError(rc)) {
    st.error = Status::Internal(ZstdMessage("zstd decoder setup failed", rc));
    return;
  }
  st.in_cap = ZSTD_DStreamInSize();
  if (st.in_cap < prefix.size()) st.in_cap = prefix.size();
  st.in = std::make_unique<uint8_t[]>(st.in_cap);
  if (!prefix.empty()) std::memcpy(st.in.get(), prefix.data(), prefix.size());
  st.in_size = prefix.size();
}

ZstdSource::~ZstdSource() = default;

namespace {

// Refills `st.in` from `inner` once its bytes are used up. Sets inner_eof at the end of input.
template <typename St>
Status Refill(ByteSource& inner, St& st) {
  if (st.in_pos < st.in_size || st.inner_eof) return Status::Ok();
  st.in_base += st.in_size;
  st.in_pos = 0;
  st.in_size = 0;
  Result<size_t> n = inner.Read({st.in.get(), st.in_cap});
  if (!n.has_value()) return n.error();
  if (*n == 0) st.inner_eof = true;
  st.in_size = *n;
  return Status::Ok();
}

}  // namespace

Result<size_t> ZstdSource::Read(std::span<uint8_t> dst) {
  State& st = *state_;
  if (!st.error.ok()) return st.error;
  if (st.frame_done || dst.empty()) return size_t{0};
  ZSTD_outBuffer out = {dst.data(), dst.size(), 0};
  while (out.pos < out.size) {
    st.error = Refill(inner_, st);
    if (!st.error.ok()) return st.error;
    // At the end of the input zstd is still called: it may hold decoded bytes that did not fit
    // the previous destination.
    const size_t out_before = out.pos;
    ZSTD_inBuffer in = {st.in.get(), st.in_size, st.in_pos};
    const size_t rc = ZSTD_decompressStream(st.stream, &out, &in);
    if (ZSTD_isError(rc)) {
      const uint64_t at = st.offset();
      if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge) {
        st.error = Status::Corruption(
            "zstd frame needs a window larger than 128 MiB (window log above 27), which Keel "
            "refuses to allocate",
            at);
      } else {
        st.error = Status::Corruption(ZstdMessage("zstd frame is corrupt", rc), at);
      }
      return st.error;
    }
    if (rc != 0 && st.inner_eof && in.pos == st.in_size && out.pos == out_before) {
      // The input ended inside the frame. Bytes zstd produced in this call are not handed out:
      // the stream is broken and the caller must not act on a partial tail.
      st.in_pos = in.pos;
      st.error = Status::Corruption("zstd frame is truncated", st.offset());
      return st.error;
    }
    st.in_pos = in.pos;
    if (rc == 0) {
      // The frame (checksum included) is complete. Anything after it, in the buffer or still in
      // `inner`, is not part of an RDB file Keel wrote: a second frame or appended garbage.
      st.frame_done = true;
      if (st.in_pos == st.in_size && !st.inner_eof) {
        st.error = Refill(inner_, st);
        if (!st.error.ok()) return st.error;
      }
      if (st.in_pos < st.in_size) {
        st.error = Status::Corruption("unexpected bytes after the zstd frame", st.offset());
        return st.error;
      }
      break;
    }
  }
  return out.pos;
}

}  // namespace keel::formats
