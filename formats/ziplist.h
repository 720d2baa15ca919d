// Decoder of Redis's ziplist, the legacy compact list that RDB files written before Redis 7.0 use
// for small lists, sorted sets and hashes (RDB types 10, 12, 13) and quicklist nodes (14). Keel
// writes ziplists only in version-9 RDB files (formats/ziplist_builder.h); here it validates them
// and reads their entries, and the RDB loader turns them into listpacks. Pure functions over
// bytes; docs/formats/ziplist.md has the grammar and an example.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "formats/status.h"

namespace keel::formats {

// Header: u32 zlbytes (the whole size), u32 zltail (offset of the last entry), u16 zllen (entry
// count), all little-endian. The terminator is one 0xFF byte.
inline constexpr size_t kZiplistHeaderSize = 10;
inline constexpr size_t kZiplistEmptySize = kZiplistHeaderSize + 1;
inline constexpr uint16_t kZiplistCountUnknown = 65535;  // more entries than u16 holds: walk
inline constexpr uint8_t kZiplistEnd = 0xFF;
// A prevlen below this takes one byte; otherwise the byte 0xFE and a u32 little-endian follow.
inline constexpr uint8_t kZiplistBigPrevlen = 0xFE;

// Encoding bytes (the first byte after the prevlen). Strings: the top two bits 00, 01 or 10 give
// a 6-bit length in the same byte, a 14-bit big-endian length over two bytes, or a 32-bit
// big-endian length in the next four bytes. Integers: the byte is one of these exactly.
inline constexpr uint8_t kZipStr06b = 0x00;
inline constexpr uint8_t kZipStr14b = 0x40;
inline constexpr uint8_t kZipStr32b = 0x80;
inline constexpr uint8_t kZipInt16b = 0xC0;
inline constexpr uint8_t kZipInt32b = 0xD0;
inline constexpr uint8_t kZipInt64b = 0xE0;
inline constexpr uint8_t kZipInt24b = 0xF0;
inline constexpr uint8_t kZipInt8b = 0xFE;
// 0xF1..0xFD hold the integers 0..12 in the low four bits, plus one.
inline constexpr uint8_t kZipIntImmMin = 0xF1;
inline constexpr uint8_t kZipIntImmMax = 0xFD;

// One decoded entry. A string points into the ziplist's bytes, so it lives as long as they do.
struct ZiplistEntry {
  bool is_int = false;
  int64_t num = 0;       // when is_int
  std::string_view str;  // when !is_int
  size_t offset = 0;     // of the entry's first byte (its prevlen)
  size_t size = 0;       // prevlen + encoding + data: what the next entry's prevlen must say
  uint32_t prevlen = 0;  // the size of the previous entry, as this entry records it
};

// Called with each entry in order. A non-OK status stops the walk and is returned as is (an RDB
// loader rejects duplicate hash fields here).
using ZiplistVisitor = std::function<Status(const ZiplistEntry&)>;

// Validates a ziplist from outside (an RDB file or RESTORE payload) as Redis's
// ziplistValidateIntegrity does with deep = 1:
//   - at least header and terminator; zlbytes equals the span size; the last byte is 0xFF;
//   - every entry: its prevlen (1 or 5 bytes) equals the size of the entry before it (0 for the
//     first), its encoding byte is known, and its header and data end before the last byte;
//   - the first 0xFF met where an entry would start is the last byte;
//   - zltail is the offset of the last entry (for an empty ziplist, any offset up to the
//     terminator, as Redis accepts);
//   - zllen equals the entries walked, unless it is 65535 ("unknown").
// Faults are Corruption with the byte offset of the header field, entry or length at fault. No
// length is trusted before it is checked against the span, and nothing is allocated. `*count`,
// when given, receives the number of entries.
Status ValidateZiplist(std::span<const uint8_t> zl, size_t* count = nullptr);

// Walks the entries in order, calling `fn` for each. The walk performs every check of
// ValidateZiplist, so it never reads outside the span whatever the bytes; but it checks zltail
// and zllen only at the end, so on bytes that were not validated first `fn` may see entries of a
// ziplist that is then reported corrupt. Validate first when that matters.
Status ForEachZiplistEntry(std::span<const uint8_t> zl, const ZiplistVisitor& fn);

// Header fields (unchecked: at least kZiplistHeaderSize bytes).
inline uint32_t ZiplistBytes(const uint8_t* zl) {
  return uint32_t{zl[0]} | uint32_t{zl[1]} << 8 | uint32_t{zl[2]} << 16 | uint32_t{zl[3]} << 24;
}
inline uint32_t ZiplistTailOffset(const uint8_t* zl) {
  return uint32_t{zl[4]} | uint32_t{zl[5]} << 8 | uint32_t{zl[6]} << 16 | uint32_t{zl[7]} << 24;
}
inline uint16_t ZiplistHeaderCount(const uint8_t* zl) {
  return static_cast<uint16_t>(zl[8] | zl[9] << 8);
}

}  // namespace keel::formats
