// Codec of Redis's intset: u32 encoding (bytes per element: 2, 4 or 8), u32 length, then the
// elements in ascending order, all little-endian two's complement. engine/intset.h owns a growable
// intset built on these; docs/formats/intset.md has the grammar and an example.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/status.h"

namespace keel::formats {

inline constexpr size_t kIntsetHeaderSize = 8;
inline constexpr uint32_t kIntsetEnc16 = 2;
inline constexpr uint32_t kIntsetEnc32 = 4;
inline constexpr uint32_t kIntsetEnc64 = 8;

// The smallest encoding (2, 4 or 8) that holds `v` (Redis's _intsetValueEncoding).
inline uint32_t IntsetValueEncoding(int64_t v) {
  if (v < INT32_MIN || v > INT32_MAX) return kIntsetEnc64;
  if (v < INT16_MIN || v > INT16_MAX) return kIntsetEnc32;
  return kIntsetEnc16;
}

// Header fields (unchecked: at least kIntsetHeaderSize bytes).
inline uint32_t IntsetLoadU32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
inline void IntsetStoreU32(uint8_t* p, uint32_t v) {
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}
inline uint32_t IntsetEncoding(const uint8_t* is) { return IntsetLoadU32(is); }
inline uint32_t IntsetLength(const uint8_t* is) { return IntsetLoadU32(is + 4); }

// Element `i` of contents encoded with `enc` bytes each (unchecked).
inline int64_t IntsetGetEncoded(const uint8_t* contents, size_t i, uint32_t enc) {
  const uint8_t* p = contents + i * enc;
  uint64_t u = 0;
  for (uint32_t b = enc; b-- > 0;) u = u << 8 | p[b];
  const int shift = 64 - static_cast<int>(enc) * 8;
  return static_cast<int64_t>(u << shift) >> shift;
}
inline void IntsetSetEncoded(uint8_t* contents, size_t i, uint32_t enc, int64_t v) {
  uint8_t* p = contents + i * enc;
  const auto u = static_cast<uint64_t>(v);
  for (uint32_t b = 0; b < enc; ++b) p[b] = static_cast<uint8_t>(u >> (8 * b));
}

// Validates an intset from outside (RDB, RESTORE), as Redis's intsetValidateIntegrity: a header,
// an encoding of 2, 4 or 8, a size of exactly header + length * encoding, and at least one
// element (Redis never stores an empty set). With `deep`, the elements must be strictly
// ascending. Returns Corruption with the byte offset of the first fault.
Status ValidateIntset(std::span<const uint8_t> is, bool deep);

}  // namespace keel::formats
