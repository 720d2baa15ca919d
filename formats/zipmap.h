// Decoder of Redis's zipmap, the small-hash encoding of RDB files written by Redis before 2.6
// (RDB type 9). Redis 7.0 still loads it, converting each zipmap into a listpack or hash table;
// Keel does the same through this validator and visitor. Pure functions over bytes;
// docs/formats/zipmap.md has the grammar and an example.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "formats/status.h"

namespace keel::formats {

// Layout: <zmlen u8> then pairs <len>field<len><free u8>value<free unused bytes>, then 0xFF.
// A <len> is one byte below 254, or 254 followed by a u32 little-endian (Redis stores it "in host
// order" but byte-swaps on big-endian hosts, so on disk it is little-endian).
inline constexpr size_t kZipmapEmptySize = 2;  // zmlen + terminator
inline constexpr uint8_t kZipmapBigLen = 254;  // as zmlen: count unknown; as <len>: u32 follows
inline constexpr uint8_t kZipmapEnd = 0xFF;

// One field/value pair; both point into the zipmap's bytes.
struct ZipmapPair {
  std::string_view field;
  std::string_view value;
  size_t offset = 0;  // of the field's length byte
};

// Called with each pair in order; a non-OK status stops the walk and is returned as is (an RDB
// loader rejects duplicate fields here).
using ZipmapVisitor = std::function<Status(const ZipmapPair&)>;

// Validates a zipmap from outside as Redis's zipmapValidateIntegrity does with deep = 1: at least
// two bytes; the last is 0xFF; every length, field, free byte, value and its free bytes lie before
// the last byte; the first 0xFF met where a field would start is the last byte; at least one pair
// (Redis never stores an empty hash); and zmlen equals the pairs unless it is 254 ("unknown").
// The free count is a byte, so at most 255 unused bytes follow a value; Redis writes at most 3
// but accepts any that fit, and so does Keel. Stricter than Redis in one place: a value length
// byte of 0xFF (which Redis would read as 254, a u32 length) is Corruption, since no writer
// produces it. Faults are Corruption with the byte offset at fault; nothing is allocated.
// `*count`, when given, receives the number of pairs.
Status ValidateZipmap(std::span<const uint8_t> zm, size_t* count = nullptr);

// Walks the pairs in order, calling `fn` for each, with every check of ValidateZipmap (so it never
// reads outside the span); the empty and zmlen checks come at the end, so on bytes not validated
// first `fn` may see pairs of a zipmap that is then reported corrupt.
Status ForEachZipmapPair(std::span<const uint8_t> zm, const ZipmapVisitor& fn);

}  // namespace keel::formats
