// Codec of Redis's listpack: the byte layout of one element (integer or string encodings and the
// backward length), decoding an element at an offset, and validation of untrusted listpack bytes.
// Pure functions over bytes; engine/listpack.h owns a growable listpack built on them. The grammar
// and a worked example are in docs/formats/listpack.md.
//
// Two kinds of decoder live here. The *Unsafe ones assume the bytes were validated (they are the
// engine's hot path and never check bounds); DecodeListpackEntry, ValidateListpackEntry and
// ValidateListpack are for bytes from outside and never read past the span they are given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "formats/status.h"

namespace keel::formats {

// Header: u32 total bytes, u16 element count, both little-endian. The terminator is one 0xFF byte.
inline constexpr size_t kListpackHeaderSize = 6;
inline constexpr size_t kListpackEmptySize = kListpackHeaderSize + 1;
inline constexpr uint16_t kListpackCountUnknown = 65535;  // count too big for the header: walk
inline constexpr uint8_t kListpackEof = 0xFF;
inline constexpr size_t kListpackMaxIntEncodingSize = 9;
inline constexpr size_t kListpackMaxBacklenSize = 5;
// Redis refuses to grow a listpack past 1 GiB (LISTPACK_MAX_SAFETY_SIZE).
inline constexpr size_t kListpackMaxSafeSize = size_t{1} << 30;

// Encoding bytes (the first byte of an element).
inline constexpr uint8_t kLpEnc6BitStr = 0x80;   // 10xxxxxx
inline constexpr uint8_t kLpEnc13BitInt = 0xC0;  // 110xxxxx
inline constexpr uint8_t kLpEnc12BitStr = 0xE0;  // 1110xxxx
inline constexpr uint8_t kLpEnc32BitStr = 0xF0;
inline constexpr uint8_t kLpEnc16BitInt = 0xF1;
inline constexpr uint8_t kLpEnc24BitInt = 0xF2;
inline constexpr uint8_t kLpEnc32BitInt = 0xF3;
inline constexpr uint8_t kLpEnc64BitInt = 0xF4;

// Redis's lpStringToInt64: true when `s` is exactly the decimal form of an int64 (no sign '+', no
// leading zeros, no spaces, not "-0", at most 20 bytes). Such strings are stored as integers.
bool ListpackStringToInt64(std::string_view s, int64_t* value);

// Writes the integer encoding of `v` (the smallest of 7-bit uint, 13/16/24/32/64-bit int) to
// `out` (at least kListpackMaxIntEncodingSize bytes) and returns its length, 1 to 9.
size_t ListpackEncodeInt(int64_t v, uint8_t* out);

// Bytes of the encoding and data of a string of `n` bytes (no backlen): 1, 2 or 5 plus n.
inline uint64_t ListpackStringEncodedSize(uint64_t n) {
  return n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
}
// Writes the encoding bytes of a string of `n` bytes (6, 12 or 32-bit length); returns 1, 2 or 5.
size_t ListpackEncodeStringHeader(uint32_t n, uint8_t* out);

// The backlen: the size of an element's encoding and data, stored after it in 1 to 5 bytes that
// are read right to left. The thresholds are Redis's (16383 already takes three bytes).
inline size_t ListpackBacklenSize(uint64_t l) {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}
size_t ListpackEncodeBacklen(uint64_t l, uint8_t* out);
// Decodes the backlen whose last byte is at `last`, reading leftwards. UINT64_MAX when more than
// five bytes carry the continuation bit. Reads up to five bytes at and before `last`, unchecked.
uint64_t ListpackDecodeBacklen(const uint8_t* last);

// One element prepared for writing: its encoding bytes (the whole integer, or a string's length
// header) and backlen. Preparing first lets a writer size its buffer before copying.
struct ListpackElement {
  bool is_int = false;
  uint8_t head_len = 0;
  uint8_t backlen_len = 0;
  uint8_t head[kListpackMaxIntEncodingSize];
  uint8_t backlen[kListpackMaxBacklenSize];
  uint64_t encoded_size = 0;  // encoding + data, the value the backlen holds

  uint64_t entry_size() const { return encoded_size + backlen_len; }
};
// `v` becomes an integer element when ListpackStringToInt64 accepts it, else a string element.
ListpackElement PrepareListpackElement(std::string_view v);
ListpackElement PrepareListpackInt(int64_t v);
// Writes the prepared element (entry_size() bytes) at `dst`; `str` is the string data (ignored
// for integers).
void WriteListpackElement(const ListpackElement& e, std::string_view str, uint8_t* dst);
// Bytes `v` takes in a listpack, backlen included.
inline uint64_t ListpackEntrySize(std::string_view v) {
  return PrepareListpackElement(v).entry_size();
}

// A decoded element. A string points into the listpack's bytes.
struct ListpackEntry {
  bool is_int = false;
  int64_t num = 0;
  const uint8_t* str = nullptr;
  uint64_t len = 0;
  uint64_t entry_size = 0;  // encoding + data + backlen

  std::string_view sv() const { return {reinterpret_cast<const char*>(str), len}; }
};

// Header access (unchecked: at least kListpackHeaderSize bytes).
inline uint32_t ListpackTotalBytes(const uint8_t* lp) {
  return uint32_t{lp[0]} | uint32_t{lp[1]} << 8 | uint32_t{lp[2]} << 16 | uint32_t{lp[3]} << 24;
}
inline uint16_t ListpackHeaderCount(const uint8_t* lp) {
  return static_cast<uint16_t>(lp[4] | lp[5] << 8);
}
inline void SetListpackTotalBytes(uint8_t* lp, uint32_t v) {
  lp[0] = v & 0xff;
  lp[1] = (v >> 8) & 0xff;
  lp[2] = (v >> 16) & 0xff;
  lp[3] = (v >> 24) & 0xff;
}
inline void SetListpackHeaderCount(uint8_t* lp, uint16_t v) {
  lp[4] = v & 0xff;
  lp[5] = (v >> 8) & 0xff;
}

// Size of the encoding and data of the element at `p` (no backlen); 0 for an invalid encoding
// byte, 1 for the terminator. Reads the length bytes of a string unchecked.
inline uint64_t ListpackEncodedSizeUnsafe(const uint8_t* p) {
  const uint8_t b = p[0];
  if (b < 0x80) return 1;
  if (b < 0xC0) return 1 + (b & 0x3F);
  if (b < 0xE0) return 2;
  if (b < 0xF0) return 2 + ((uint64_t{b} & 0x0F) << 8 | p[1]);
  switch (b) {
    case kLpEnc32BitStr: {
      uint64_t n =
          uint64_t{p[1]} | uint64_t{p[2]} << 8 | uint64_t{p[3]} << 16 | uint64_t{p[4]} << 24;
      return 5 + n;
    }
    case kLpEnc16BitInt:
      return 3;
    case kLpEnc24BitInt:
      return 4;
    case kLpEnc32BitInt:
      return 5;
    case kLpEnc64BitInt:
      return 9;
    case kListpackEof:
      return 1;
    default:
      return 0;
  }
}
// Whole size of the element at `p`, backlen included (validated bytes only).
inline uint64_t ListpackEntrySizeUnsafe(const uint8_t* p) {
  uint64_t n = ListpackEncodedSizeUnsafe(p);
  return n + ListpackBacklenSize(n);
}
namespace listpack_detail {
inline uint64_t LoadLe(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}
// Sign-extends the low `bits` bits of `u`.
inline int64_t SignExtend(uint64_t u, int bits) {
  const int shift = 64 - bits;
  return static_cast<int64_t>(u << shift) >> shift;
}
}  // namespace listpack_detail

// Decodes the element at `p`, which must be an element (not the terminator) of validated bytes.
// Inline: it is the engine's hot path (every read of a hash, list or sorted set element).
inline ListpackEntry DecodeListpackEntryUnsafe(const uint8_t* p) {
  using listpack_detail::LoadLe;
  using listpack_detail::SignExtend;
  ListpackEntry e;
  const uint8_t b = p[0];
  uint64_t encoded;  // encoding + data
  if (b < 0x80) {
    e.is_int = true;
    e.num = b;
    encoded = 1;
  } else if (b < 0xC0) {
    e.len = b & 0x3F;
    e.str = p + 1;
    encoded = 1 + e.len;
  } else if (b < 0xE0) {
    e.is_int = true;
    e.num = SignExtend((uint64_t{b} & 0x1F) << 8 | p[1], 13);
    encoded = 2;
  } else if (b < 0xF0) {
    e.len = (uint64_t{b} & 0x0F) << 8 | p[1];
    e.str = p + 2;
    encoded = 2 + e.len;
  } else {
    e.is_int = true;
    switch (b) {
      case kLpEnc32BitStr:
        e.is_int = false;
        e.len = LoadLe(p + 1, 4);
        e.str = p + 5;
        encoded = 5 + e.len;
        break;
      case kLpEnc16BitInt:
        e.num = SignExtend(LoadLe(p + 1, 2), 16);
        encoded = 3;
        break;
      case kLpEnc24BitInt:
        e.num = SignExtend(LoadLe(p + 1, 3), 24);
        encoded = 4;
        break;
      case kLpEnc32BitInt:
        e.num = SignExtend(LoadLe(p + 1, 4), 32);
        encoded = 5;
        break;
      case kLpEnc64BitInt:
        e.num = static_cast<int64_t>(LoadLe(p + 1, 8));
        encoded = 9;
        break;
      default:
        // Validated bytes never get here; like Redis's lpGet, answer something recognisable
        // rather than crash.
        e.num = static_cast<int64_t>(12345678900000000ULL + b);
        encoded = 1;
        break;
    }
  }
  e.entry_size = encoded + ListpackBacklenSize(encoded);
  return e;
}

// Checked element access for untrusted bytes. `lp` is a whole listpack whose header total is not
// trusted: the bounds are the span's. ValidateListpackEntry checks the element at `offset` as
// Redis's lpValidateNext does (encoding known, element and backlen inside, backlen agreeing) and
// returns the offset of the next element (the terminator's offset after the last one).
Result<size_t> ValidateListpackEntry(std::span<const uint8_t> lp, size_t offset);
Result<ListpackEntry> DecodeListpackEntry(std::span<const uint8_t> lp, size_t offset);

// Called for each element of a deep validation with the element and its offset; a non-OK status
// stops the validation and is returned as is (an RDB loader checks pairs or duplicates here).
using ListpackEntryCheck = std::function<Status(const ListpackEntry&, size_t offset)>;

// Validates a listpack from outside (RDB, RESTORE). Always: at least header and terminator, the
// header's total equals the span size, the last byte is the terminator. With `deep`: every
// element as ValidateListpackEntry, the first terminator is the last byte, and the header count
// equals the elements unless it is 65535 (unknown). Returns Corruption with the byte offset of
// the first fault. `*count`, when given, receives the number of elements (deep only).
Status ValidateListpack(std::span<const uint8_t> lp, bool deep,
                        const ListpackEntryCheck& check = nullptr, size_t* count = nullptr);

// Builds a listpack in a string (tests, fuzzers, offline tools): elements in order, then Finish.
class ListpackBuilder {
 public:
  ListpackBuilder() : body_(kListpackHeaderSize, '\0') {}
  void Add(std::string_view v);
  void AddInt(int64_t v);
  size_t count() const { return count_; }
  // The complete listpack (header count 65535 when there are that many elements or more).
  std::string Finish() const;

 private:
  void AddPrepared(const ListpackElement& e, std::string_view str);
  std::string body_;
  size_t count_ = 0;
};

}  // namespace keel::formats
