// Bit arithmetic over byte strings for the bitmap commands: population counts, first-bit search
// and the BITOP combinations. Bits are numbered as Redis numbers them: bit 0 is the most
// significant bit of byte 0. Pure functions, no keyspace access.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keel::engine {

// Number of set bits in `bytes`.
uint64_t PopCount(std::string_view bytes);

// Number of set bits among bits first_bit..last_bit (inclusive) of `bytes`.
// Requires first_bit <= last_bit < bytes.size() * 8.
uint64_t CountBitsInRange(std::string_view bytes, uint64_t first_bit, uint64_t last_bit);

// Index of the first bit equal to `bit` among bits first_bit..last_bit (inclusive) of `bytes`,
// or -1 when there is none. Requires first_bit <= last_bit < bytes.size() * 8.
int64_t FindFirstBit(std::string_view bytes, uint64_t first_bit, uint64_t last_bit, bool bit);

enum class BitOp { kAnd, kOr, kXor, kNot };

// BITOP: combines `sources` byte by byte into a string as long as the longest source, treating
// bytes past the end of a shorter source as zero. kNot takes exactly one source.
std::string ApplyBitOp(BitOp op, const std::vector<std::string_view>& sources);

}  // namespace keel::engine
