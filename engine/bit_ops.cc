// Bit counting and searching a word at a time. Keel is built without -mpopcnt, where
// std::popcount becomes a library call per word, so the count uses an inlined SWAR reduction.
#include "engine/bit_ops.h"

#include <cstring>

namespace keel::engine {

namespace {

inline uint64_t LoadWord(const unsigned char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  return w;
}

// Set bits of a 64-bit word, branch-free (the classic SWAR reduction).
inline uint64_t PopCount64(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return (x * 0x0101010101010101ull) >> 56;
}

inline bool BitAt(const unsigned char* p, uint64_t bit) {
  return (p[bit >> 3] >> (7 - (bit & 7))) & 1;
}

}  // namespace

uint64_t PopCount(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  uint64_t count = 0;
  // Four independent words per step keep the multiplier and adders busy in parallel.
  while (n >= 32) {
    count += PopCount64(LoadWord(p)) + PopCount64(LoadWord(p + 8)) + PopCount64(LoadWord(p + 16)) +
             PopCount64(LoadWord(p + 24));
    p += 32;
    n -= 32;
  }
  while (n >= 8) {
    count += PopCount64(LoadWord(p));
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    count += PopCount64(*p++);
    --n;
  }
  return count;
}

uint64_t CountBitsInRange(std::string_view bytes, uint64_t first_bit, uint64_t last_bit) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const uint64_t first_byte = first_bit >> 3;
  const uint64_t last_byte = last_bit >> 3;
  uint64_t count = PopCount(bytes.substr(first_byte, last_byte - first_byte + 1));
  // Take back the bits of the edge bytes that lie outside the range.
  const unsigned head_mask = (0xFFu << (8 - (first_bit & 7))) & 0xFFu;  // bits before first_bit
  const unsigned tail_mask = (1u << (7 - (last_bit & 7))) - 1;          // bits after last_bit
  count -= PopCount64(p[first_byte] & head_mask);
  count -= PopCount64(p[last_byte] & tail_mask);
  return count;
}

int64_t FindFirstBit(std::string_view bytes, uint64_t first_bit, uint64_t last_bit, bool bit) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  uint64_t pos = first_bit;
  // Bits up to the first byte boundary.
  for (; pos <= last_bit && (pos & 7) != 0; ++pos) {
    if (BitAt(p, pos) == bit) return static_cast<int64_t>(pos);
  }
  if (pos > last_bit) return -1;
  // Whole bytes: skip words that cannot contain the bit, then bytes.
  uint64_t byte = pos >> 3;
  const uint64_t end_byte = (last_bit + 1) >> 3;  // bytes before this lie wholly in range
  const uint64_t skip_word = bit ? 0 : ~0ull;
  const unsigned char skip_byte = bit ? 0x00 : 0xFF;
  while (byte + 8 <= end_byte && LoadWord(p + byte) == skip_word) byte += 8;
  while (byte < end_byte && p[byte] == skip_byte) ++byte;
  if (byte < end_byte) {
    const unsigned v = bit ? p[byte] : (~p[byte] & 0xFFu);
    // The highest set bit of v is the first match (bit 0 is the byte's most significant bit).
    return static_cast<int64_t>(byte * 8 + static_cast<uint64_t>(__builtin_clz(v) - 24));
  }
  // Bits of a final, partly covered byte.
  for (pos = end_byte * 8; pos <= last_bit; ++pos) {
    if (BitAt(p, pos) == bit) return static_cast<int64_t>(pos);
  }
  return -1;
}

std::string ApplyBitOp(BitOp op, const std::vector<std::string_view>& sources) {
  size_t max_len = 0;
  for (std::string_view s : sources) max_len = s.size() > max_len ? s.size() : max_len;
  std::string out(max_len, '\0');
  if (max_len == 0 || sources.empty()) return out;
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  if (!sources[0].empty()) std::memcpy(dst, sources[0].data(), sources[0].size());
  if (op == BitOp::kNot) {
    for (size_t i = 0; i < max_len; ++i) dst[i] = static_cast<unsigned char>(~dst[i]);
    return out;
  }
  // Simple byte loops: GCC vectorizes them, and each source is read once.
  for (size_t k = 1; k < sources.size(); ++k) {
    const auto* src = reinterpret_cast<const unsigned char*>(sources[k].data());
    const size_t n = sources[k].size();
    switch (op) {
      case BitOp::kAnd:
        for (size_t i = 0; i < n; ++i) dst[i] &= src[i];
        // A shorter source reads as zeros past its end.
        std::memset(dst + n, 0, max_len - n);
        break;
      case BitOp::kOr:
        for (size_t i = 0; i < n; ++i) dst[i] |= src[i];
        break;
      case BitOp::kXor:
        for (size_t i = 0; i < n; ++i) dst[i] ^= src[i];
        break;
      case BitOp::kNot:
        break;
    }
  }
  return out;
}

}  // namespace keel::engine
