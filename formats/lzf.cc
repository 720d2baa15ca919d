// LZF compression and decompression. The compressor follows liblzf 3.6's lzf_compress step for
// step with the settings Redis uses (HLOG 16, VERY_FAST 1, ULTRA_FAST 0): Debian's redis-server
// links the system liblzf 3.6 rather than the copy in Redis's tree, and Keel matches its bytes.
// The decompressor checks every read and write.
#include "formats/lzf.h"

#include <cstring>

namespace keel::formats {

namespace {

constexpr unsigned kHlog = 16;
constexpr size_t kHsize = size_t{1} << kHlog;
constexpr size_t kMaxLit = 1 << 5;
constexpr size_t kMaxOff = 1 << 13;
constexpr size_t kMaxRef = (1 << 8) + (1 << 3);

// liblzf's FRST/NEXT/IDX for VERY_FAST, in 32-bit unsigned arithmetic as in C.
inline uint32_t First(const uint8_t* p) { return uint32_t{p[0]} << 8 | p[1]; }
inline uint32_t Next(uint32_t v, const uint8_t* p) { return v << 8 | p[2]; }
inline size_t Idx(uint32_t h) { return ((h >> (3 * 8 - kHlog)) - h * 5) & (kHsize - 1); }

// liblzf keeps input pointers in an uninitialised table and relies on range checks to reject
// stale ones. Keel keeps positions and a bitmap of the slots written during this call, which
// gives the same matches as an initialised table without reading indeterminate memory or
// clearing 256 KiB per call.
class HashTable {
 public:
  HashTable() { std::memset(valid_, 0, sizeof(valid_)); }
  // The position stored in `slot`, or false when nothing was stored this call; stores `pos`.
  bool Exchange(size_t slot, uint32_t pos, uint32_t* old) {
    const bool had = (valid_[slot / 64] >> (slot % 64)) & 1;
    if (had) *old = pos_[slot];
    Store(slot, pos);
    return had;
  }
  void Store(size_t slot, uint32_t pos) {
    valid_[slot / 64] |= uint64_t{1} << (slot % 64);
    pos_[slot] = pos;
  }

 private:
  uint64_t valid_[kHsize / 64];
  uint32_t pos_[kHsize];
};

}  // namespace

size_t LzfCompress(std::span<const uint8_t> in, std::span<uint8_t> out) {
  const size_t in_len = in.size();
  const size_t out_len = out.size() > UINT32_MAX ? UINT32_MAX : out.size();
  if (in_len == 0 || out_len == 0 || in_len > UINT32_MAX) return 0;
  HashTable htab;
  const uint8_t* src = in.data();
  uint8_t* dst = out.data();
  size_t ip = 0;
  size_t op = 0;
  size_t lit = 0;
  ++op;  // start a literal run: its control byte is written when the run ends

  uint32_t hval = in_len >= 2 ? First(src) : 0;
  while (ip + 2 < in_len) {
    hval = Next(hval, src + ip);
    uint32_t ref = 0;
    const bool have_ref = htab.Exchange(Idx(hval), static_cast<uint32_t>(ip), &ref);
    size_t off = 0;
    // liblzf 3.5 (vendored by upstream Redis) also requires ip + 4 < in_len here; 3.6 does not,
    // so a match may run to the last byte.
    if (have_ref && ref < ip && (off = ip - ref - 1) < kMaxOff && ref > 0 && src[ref] == src[ip] &&
        src[ref + 1] == src[ip + 1] && src[ref + 2] == src[ip + 2]) {
      size_t len = 2;
      size_t maxlen = in_len - ip - len;
      if (maxlen > kMaxRef) maxlen = kMaxRef;
      // Room for the longest reference and the next run's control byte, counted after the
      // current run is closed (an empty run gives its reserved control byte back).
      if (op - (lit == 0 ? 1 : 0) + 3 + 1 >= out_len) return 0;
      dst[op - lit - 1] = static_cast<uint8_t>(lit - 1);
      op -= lit == 0 ? 1 : 0;
      // liblzf compares 16 bytes unrolled before looping when maxlen > 16, without checking
      // maxlen in between; the match can then run one or two bytes past maxlen (never past the
      // input). Keep that, or the output would differ from Redis's.
      bool done = false;
      if (maxlen > 16) {
        for (int k = 0; k < 16; ++k) {
          ++len;
          if (src[ref + len] != src[ip + len]) {
            done = true;
            break;
          }
        }
      }
      if (!done) {
        do {
          ++len;
        } while (len < maxlen && src[ref + len] == src[ip + len]);
      }
      len -= 2;  // the format stores the match length minus two
      ++ip;
      if (len < 7) {
        dst[op++] = static_cast<uint8_t>((off >> 8) + (len << 5));
      } else {
        dst[op++] = static_cast<uint8_t>((off >> 8) + (7 << 5));
        dst[op++] = static_cast<uint8_t>(len - 7);
      }
      dst[op++] = static_cast<uint8_t>(off);
      lit = 0;
      ++op;  // start a new literal run
      ip += len + 1;
      if (ip + 2 >= in_len) break;
      // VERY_FAST: hash the last two positions of the match so later data can refer to them.
      ip -= 2;
      hval = First(src + ip);
      hval = Next(hval, src + ip);
      htab.Store(Idx(hval), static_cast<uint32_t>(ip));
      ++ip;
      hval = Next(hval, src + ip);
      htab.Store(Idx(hval), static_cast<uint32_t>(ip));
      ++ip;
    } else {
      if (op >= out_len) return 0;
      ++lit;
      dst[op++] = src[ip++];
      if (lit == kMaxLit) {
        dst[op - lit - 1] = static_cast<uint8_t>(lit - 1);
        lit = 0;
        ++op;
      }
    }
  }

  if (op + 3 > out_len) return 0;  // at most three bytes can be missing here
  while (ip < in_len) {
    ++lit;
    dst[op++] = src[ip++];
    if (lit == kMaxLit) {
      dst[op - lit - 1] = static_cast<uint8_t>(lit - 1);
      lit = 0;
      ++op;
    }
  }
  dst[op - lit - 1] = static_cast<uint8_t>(lit - 1);
  op -= lit == 0 ? 1 : 0;
  return op;
}

std::string LzfCompressString(std::string_view in, size_t max_out) {
  std::string out(max_out, '\0');
  const size_t n = LzfCompress({reinterpret_cast<const uint8_t*>(in.data()), in.size()},
                               {reinterpret_cast<uint8_t*>(out.data()), out.size()});
  out.resize(n);
  return out;
}

Result<size_t> LzfDecompress(std::span<const uint8_t> in, std::span<uint8_t> out) {
  const uint8_t* src = in.data();
  uint8_t* dst = out.data();
  const size_t in_len = in.size();
  const size_t out_len = out.size();
  size_t ip = 0;
  size_t op = 0;
  while (ip < in_len) {
    const size_t at = ip;
    const size_t ctrl = src[ip++];
    if (ctrl < 32) {
      const size_t n = ctrl + 1;
      if (n > out_len - op) {
        return Status::Corruption(
            "LZF literal run overflows the " + std::to_string(out_len) + "-byte output", at);
      }
      if (n > in_len - ip) return Status::Corruption("LZF literal run is truncated", at);
      std::memcpy(dst + op, src + ip, n);
      ip += n;
      op += n;
      continue;
    }
    size_t len = ctrl >> 5;
    if (ip >= in_len) return Status::Corruption("LZF back reference is truncated", at);
    if (len == 7) {
      len += src[ip++];
      if (ip >= in_len) return Status::Corruption("LZF back reference is truncated", at);
    }
    const size_t back = ((ctrl & 0x1f) << 8) + 1 + src[ip++];
    len += 2;
    if (len > out_len - op) {
      return Status::Corruption(
          "LZF back reference overflows the " + std::to_string(out_len) + "-byte output", at);
    }
    if (back > op) {
      return Status::Corruption("LZF back reference points before the start of the output", at);
    }
    // Byte by byte: the source may overlap the bytes being written (a run).
    const uint8_t* ref = dst + op - back;
    for (size_t i = 0; i < len; ++i) dst[op + i] = ref[i];
    op += len;
  }
  return op;
}

Result<std::string> LzfDecompressString(std::string_view in, size_t expected_len) {
  if (expected_len / kLzfMaxExpansion > in.size()) {
    return Status::Corruption("LZF data of " + std::to_string(in.size()) +
                                  " bytes cannot expand to " + std::to_string(expected_len),
                              0);
  }
  std::string out(expected_len, '\0');
  Result<size_t> n = LzfDecompress({reinterpret_cast<const uint8_t*>(in.data()), in.size()},
                                   {reinterpret_cast<uint8_t*>(out.data()), out.size()});
  if (!n) return n.error();
  if (*n != expected_len) {
    return Status::Corruption("LZF data decompressed to " + std::to_string(*n) +
                                  " bytes instead of " + std::to_string(expected_len),
                              in.size());
  }
  return out;
}

}  // namespace keel::formats
