// Zipmap validation and iteration, after Redis's zipmapValidateIntegrity and zipmapNext. One walk
// serves both, so the iteration an RDB loader runs is exactly as careful as the validation.
#include "formats/zipmap.h"

#include <string>

namespace keel::formats {

namespace {

// Reads the <len> at `off` (which is before `end`, the offset of the terminator). Its bytes must
// end at or before `end`, as Redis's OUT_OF_RANGE(p + s) requires.
Status ReadLength(std::span<const uint8_t> zm, size_t off, size_t end, const char* what,
                  uint64_t* len, size_t* len_size) {
  const uint8_t b = zm[off];
  if (b < kZipmapBigLen) {
    *len = b;
    *len_size = 1;
    return Status::Ok();
  }
  if (b == kZipmapEnd) {
    return Status::Corruption(std::string("zipmap ") + what + " length is the end marker 0xff",
                              off);
  }
  if (end - off < 5) {
    return Status::Corruption(std::string("zipmap ") + what + " length runs past the end", off);
  }
  *len = uint64_t{zm[off + 1]} | uint64_t{zm[off + 2]} << 8 | uint64_t{zm[off + 3]} << 16 |
         uint64_t{zm[off + 4]} << 24;
  *len_size = 5;
  return Status::Ok();
}

Status Walk(std::span<const uint8_t> zm, const ZipmapVisitor* fn, size_t* count) {
  const size_t size = zm.size();
  if (size < kZipmapEmptySize) {
    return Status::Corruption(
        "zipmap of " + std::to_string(size) + " bytes is shorter than a count and terminator", 0);
  }
  const size_t end = size - 1;
  if (zm[end] != kZipmapEnd) {
    return Status::Corruption("zipmap does not end with the 0xff terminator", end);
  }
  size_t n = 0;
  size_t off = 1;
  // Every step below keeps `off` at or before `end`; 64-bit sums keep u32 lengths from wrapping.
  while (zm[off] != kZipmapEnd) {
    ZipmapPair pair;
    pair.offset = off;
    uint64_t len;
    size_t len_size;
    KEEL_RETURN_IF_ERROR(ReadLength(zm, off, end, "field", &len, &len_size));
    if (len > end - off - len_size) {
      return Status::Corruption(
          "zipmap field of " + std::to_string(len) + " bytes runs past the end", off);
    }
    pair.field = std::string_view(reinterpret_cast<const char*>(zm.data() + off + len_size),
                                  static_cast<size_t>(len));
    off += len_size + static_cast<size_t>(len);
    // The value's length must start before the terminator (which is not a length).
    if (off == end) return Status::Corruption("zipmap field has no value", off);
    const size_t value_len_off = off;
    KEEL_RETURN_IF_ERROR(ReadLength(zm, off, end, "value", &len, &len_size));
    off += len_size;
    if (off == end) return Status::Corruption("zipmap value has no free byte", off);
    const uint64_t free = zm[off];
    ++off;
    if (len + free > end - off) {
      return Status::Corruption("zipmap value of " + std::to_string(len) + " bytes and " +
                                    std::to_string(free) + " free bytes runs past the end",
                                value_len_off);
    }
    pair.value =
        std::string_view(reinterpret_cast<const char*>(zm.data() + off), static_cast<size_t>(len));
    off += static_cast<size_t>(len + free);
    if (fn != nullptr) KEEL_RETURN_IF_ERROR((*fn)(pair));
    ++n;
  }
  if (off != end) {
    return Status::Corruption("zipmap terminator before the end of its bytes", off);
  }
  if (n == 0) return Status::Corruption("zipmap holds no pairs", 0);
  const uint8_t header_count = zm[0];
  if (header_count != kZipmapBigLen && header_count != n) {
    return Status::Corruption("zipmap header counts " + std::to_string(header_count) +
                                  " pairs but it holds " + std::to_string(n),
                              0);
  }
  if (count != nullptr) *count = n;
  return Status::Ok();
}

}  // namespace

Status ValidateZipmap(std::span<const uint8_t> zm, size_t* count) {
  return Walk(zm, nullptr, count);
}

Status ForEachZipmapPair(std::span<const uint8_t> zm, const ZipmapVisitor& fn) {
  return Walk(zm, fn ? &fn : nullptr, nullptr);
}

}  // namespace keel::formats
