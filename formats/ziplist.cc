// Ziplist validation and iteration, after Redis's zipEntrySafe and ziplistValidateIntegrity. One
// walk does both: validation is a walk without a visitor, so the checks an iterating loader relies
// on cannot drift from the ones the validator makes.
#include "formats/ziplist.h"

#include <string>

namespace keel::formats {

namespace {

// Bytes of the encoding field (the encoding byte and any length bytes after it); 0 when the byte
// is not an encoding (0xC1..0xCF and the like, and 0xFF).
size_t EncodingFieldSize(uint8_t enc) {
  if (enc < 0xC0) {
    switch (enc >> 6) {
      case 0:
        return 1;
      case 1:
        return 2;
      default:
        return 5;
    }
  }
  switch (enc) {
    case kZipInt16b:
    case kZipInt32b:
    case kZipInt64b:
    case kZipInt24b:
    case kZipInt8b:
      return 1;
    default:
      return enc >= kZipIntImmMin && enc <= kZipIntImmMax ? 1 : 0;
  }
}

// Data bytes of an integer encoding (0 for the immediates, which live in the encoding byte).
size_t IntDataSize(uint8_t enc) {
  switch (enc) {
    case kZipInt8b:
      return 1;
    case kZipInt16b:
      return 2;
    case kZipInt24b:
      return 3;
    case kZipInt32b:
      return 4;
    case kZipInt64b:
      return 8;
    default:
      return 0;
  }
}

uint64_t LoadLe(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = v << 8 | p[i];
  return v;
}

int64_t LoadInt(const uint8_t* p, uint8_t enc) {
  const size_t n = IntDataSize(enc);
  if (n == 0) return (enc & 0x0F) - 1;  // immediate 0..12
  const uint64_t u = LoadLe(p, n);
  const int shift = 64 - static_cast<int>(n) * 8;
  return static_cast<int64_t>(u << shift) >> shift;  // sign-extend the stored width
}

// Decodes and checks the entry at `off`, which holds a byte other than the terminator and lies
// before `end`, the offset of the last byte. Every field must end at or before `end` (the check
// Redis's OUT_OF_RANGE makes); lengths are added in 64 bits, so a 4 GiB string length cannot
// wrap around.
Status DecodeEntry(std::span<const uint8_t> zl, size_t off, size_t end, ZiplistEntry* e) {
  const size_t avail = end - off;  // bytes from the entry to the terminator
  const size_t prevlen_size = zl[off] < kZiplistBigPrevlen ? 1 : 5;
  // The encoding byte must come before the terminator too.
  if (prevlen_size >= avail) {
    return Status::Corruption("ziplist entry's prevlen runs past the end", off);
  }
  const size_t enc_off = off + prevlen_size;
  const uint8_t enc = zl[enc_off];
  const size_t enc_size = EncodingFieldSize(enc);
  if (enc_size == 0) {
    return Status::Corruption("ziplist entry has an unknown encoding byte " + ByteHex(enc),
                              enc_off);
  }
  if (prevlen_size + enc_size > avail) {
    return Status::Corruption("ziplist entry's length bytes run past the end", enc_off);
  }
  const uint8_t* p = zl.data() + enc_off;
  uint64_t data_len;
  const bool is_str = enc < 0xC0;
  if (is_str) {
    // The 14- and 32-bit string lengths are big-endian, unlike every other ziplist number.
    if (enc_size == 1) {
      data_len = enc & 0x3F;
    } else if (enc_size == 2) {
      data_len = (uint64_t{enc} & 0x3F) << 8 | p[1];
    } else {
      data_len = uint64_t{p[1]} << 24 | uint64_t{p[2]} << 16 | uint64_t{p[3]} << 8 | p[4];
    }
  } else {
    data_len = IntDataSize(enc);
  }
  const uint64_t size = uint64_t{prevlen_size} + enc_size + data_len;
  if (size > avail) {
    return Status::Corruption(
        "ziplist entry of " + std::to_string(size) + " bytes runs past the end", off);
  }
  e->offset = off;
  e->size = static_cast<size_t>(size);
  e->prevlen = prevlen_size == 1 ? zl[off] : static_cast<uint32_t>(LoadLe(zl.data() + off + 1, 4));
  e->is_int = !is_str;
  const uint8_t* data = p + enc_size;
  if (is_str) {
    e->num = 0;
    e->str = std::string_view(reinterpret_cast<const char*>(data), static_cast<size_t>(data_len));
  } else {
    e->num = LoadInt(data, enc);
    e->str = {};
  }
  return Status::Ok();
}

Status Walk(std::span<const uint8_t> zl, const ZiplistVisitor* fn, size_t* count) {
  const size_t size = zl.size();
  if (size < kZiplistEmptySize) {
    return Status::Corruption(
        "ziplist of " + std::to_string(size) + " bytes is shorter than a header and terminator", 0);
  }
  if (size > UINT32_MAX) return Status::Corruption("ziplist larger than 4 GiB", 0);
  const uint32_t zlbytes = ZiplistBytes(zl.data());
  if (zlbytes != size) {
    return Status::Corruption("ziplist header says " + std::to_string(zlbytes) +
                                  " bytes but it has " + std::to_string(size),
                              0);
  }
  const size_t end = size - 1;
  if (zl[end] != kZiplistEnd) {
    return Status::Corruption("ziplist does not end with the 0xff terminator", end);
  }
  const uint32_t tail = ZiplistTailOffset(zl.data());
  if (tail > end) {
    return Status::Corruption(
        "ziplist tail offset " + std::to_string(tail) + " is past the terminator", 4);
  }

  size_t n = 0;
  size_t off = kZiplistHeaderSize;
  size_t prev_size = 0;  // the first entry records a previous entry of 0 bytes
  size_t last = 0;
  // Each entry ends at or before `end`, so `off` never passes the terminator.
  while (zl[off] != kZiplistEnd) {
    ZiplistEntry e;
    KEEL_RETURN_IF_ERROR(DecodeEntry(zl, off, end, &e));
    if (e.prevlen != prev_size) {
      return Status::Corruption("ziplist entry records a previous entry of " +
                                    std::to_string(e.prevlen) + " bytes but it has " +
                                    std::to_string(prev_size),
                                off);
    }
    if (fn != nullptr) KEEL_RETURN_IF_ERROR((*fn)(e));
    prev_size = e.size;
    last = off;
    off += e.size;
    ++n;
  }
  if (off != end) {
    return Status::Corruption("ziplist terminator before the end of its bytes", off);
  }
  // Redis writes zltail = 10 for an empty ziplist and checks it only against the size then.
  if (n > 0 && tail != last) {
    return Status::Corruption("ziplist tail offset " + std::to_string(tail) +
                                  " is not the last entry's offset " + std::to_string(last),
                              4);
  }
  const uint16_t header_count = ZiplistHeaderCount(zl.data());
  if (header_count != kZiplistCountUnknown && header_count != n) {
    return Status::Corruption("ziplist header counts " + std::to_string(header_count) +
                                  " entries but it holds " + std::to_string(n),
                              8);
  }
  if (count != nullptr) *count = n;
  return Status::Ok();
}

}  // namespace

Status ValidateZiplist(std::span<const uint8_t> zl, size_t* count) {
  return Walk(zl, nullptr, count);
}

Status ForEachZiplistEntry(std::span<const uint8_t> zl, const ZiplistVisitor& fn) {
  return Walk(zl, fn ? &fn : nullptr, nullptr);
}

}  // namespace keel::formats
