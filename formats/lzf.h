// LZF: the compression of RDB strings and of compressed list nodes (list-compress-depth). The
// compressor reproduces the bytes of liblzf 3.6's lzf_compress, which Debian's redis-server links
// (HLOG 16, VERY_FAST; see lzf.cc for how upstream's vendored copy differs); the decompressor is
// bounds-checked and reports malformed input as Corruption with the input offset.
// docs/formats/lzf.md has the format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "formats/status.h"

namespace keel::formats {

// The largest expansion LZF can encode: a 3-byte back reference yields 264 bytes.
inline constexpr size_t kLzfMaxExpansion = 88;

// Compresses `in` into `out` and returns the compressed size, or 0 when the result would not fit
// in out.size() bytes or `in` is empty (lzf_compress's contract: callers pass a budget smaller
// than the input, Redis in.size() - 4, and store the data raw on 0). Uses 264 KiB of stack.
size_t LzfCompress(std::span<const uint8_t> in, std::span<uint8_t> out);
// The same into a string: empty when the result would exceed `max_out` bytes.
std::string LzfCompressString(std::string_view in, size_t max_out);

// Decompresses `in` into `out` and returns the decompressed size. Corruption, with the offset in
// `in` of the faulty control byte, when the input is truncated, a back reference points before
// the output's start, or the output would exceed out.size(). Never writes past `out`.
Result<size_t> LzfDecompress(std::span<const uint8_t> in, std::span<uint8_t> out);
// Decompresses into a string that must come out exactly `expected_len` bytes long (the RDB
// stores it). A length no LZF input of this size can produce is refused before allocating.
Result<std::string> LzfDecompressString(std::string_view in, size_t expected_len);

}  // namespace keel::formats
