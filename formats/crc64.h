// CRC-64/Jones as Redis computes it for RDB files and DUMP payloads: polynomial 0xad93d23594c935a9,
// reflected input and output, initial value 0, no final xor (crc64.c in Redis 7.0; check value
// Crc64(0, "123456789") == 0xe9c6d914c4b8d9ca). Slicing-by-8 tables, built once at compile time,
// process 8 bytes per step. Pure: the caller carries the running value between chunks.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace keel::formats {

// Extends `crc` (0 to start) over `data`: Crc64(Crc64(0, a), b) == Crc64(0, a + b).
uint64_t Crc64(uint64_t crc, std::span<const uint8_t> data);
uint64_t Crc64(uint64_t crc, std::string_view data);

}  // namespace keel::formats
