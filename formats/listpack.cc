// Listpack element encoding, decoding and validation. The encoders reproduce Redis's bytes exactly
// (lpEncodeIntegerGetType, lpEncodeString, lpEncodeBacklen), so a listpack Keel builds is
// byte-identical to the one Redis builds from the same elements.
#include "formats/listpack.h"

#include <string>

namespace keel::formats {

namespace {

// Bytes of an element's encoding before its data (the encoding byte and any length bytes); 0 for
// an unknown encoding byte. Unlike ListpackEncodedSizeUnsafe it reads only the first byte.
size_t HeaderBytes(uint8_t b) {
  if (b < 0xE0) return 1;  // 7-bit uint, 6-bit string, 13-bit int
  if (b < 0xF0) return 2;  // 12-bit string
  switch (b) {
    case kLpEnc32BitStr:
      return 5;
    case kLpEnc16BitInt:
    case kLpEnc24BitInt:
    case kLpEnc32BitInt:
    case kLpEnc64BitInt:
    case kListpackEof:
      return 1;
    default:
      return 0;
  }
}

}  // namespace

bool ListpackStringToInt64(std::string_view s, int64_t* value) {
  // Redis's LONG_STR_SIZE is 21: nothing that long can be an int64 in canonical form.
  if (s.empty() || s.size() >= 21) return false;
  if (s.size() == 1 && s[0] == '0') {
    if (value != nullptr) *value = 0;
    return true;
  }
  size_t i = 0;
  const bool negative = s[0] == '-';
  if (negative && ++i == s.size()) return false;
  if (s[i] < '1' || s[i] > '9') return false;  // no leading zeros, no "-0", no '+'
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > uint64_t{1} << 63) return false;
    if (value != nullptr) *value = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    if (value != nullptr) *value = static_cast<int64_t>(v);
  }
  return true;
}

size_t ListpackEncodeInt(int64_t v, uint8_t* out) {
  const uint64_t u = static_cast<uint64_t>(v);  // two's complement: the low bytes are the value
  if (v >= 0 && v <= 127) {
    out[0] = static_cast<uint8_t>(v);
    return 1;
  }
  if (v >= -4096 && v <= 4095) {
    const uint64_t t = u & 0x1FFF;
    out[0] = static_cast<uint8_t>(kLpEnc13BitInt | (t >> 8));
    out[1] = static_cast<uint8_t>(t & 0xff);
    return 2;
  }
  int n;
  if (v >= -32768 && v <= 32767) {
    out[0] = kLpEnc16BitInt;
    n = 2;
  } else if (v >= -8388608 && v <= 8388607) {
    out[0] = kLpEnc24BitInt;
    n = 3;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out[0] = kLpEnc32BitInt;
    n = 4;
  } else {
    out[0] = kLpEnc64BitInt;
    n = 8;
  }
  for (int i = 0; i < n; ++i) out[1 + i] = static_cast<uint8_t>(u >> (8 * i));
  return 1 + static_cast<size_t>(n);
}

size_t ListpackEncodeStringHeader(uint32_t n, uint8_t* out) {
  if (n < 64) {
    out[0] = static_cast<uint8_t>(kLpEnc6BitStr | n);
    return 1;
  }
  if (n < 4096) {
    out[0] = static_cast<uint8_t>(kLpEnc12BitStr | (n >> 8));
    out[1] = static_cast<uint8_t>(n & 0xff);
    return 2;
  }
  out[0] = kLpEnc32BitStr;
  for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<uint8_t>(n >> (8 * i));
  return 5;
}

size_t ListpackEncodeBacklen(uint64_t l, uint8_t* out) {
  // Most significant group first; every byte but the first has bit 7 set, so a reader going
  // right to left knows where the field begins.
  const size_t n = ListpackBacklenSize(l);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t group = static_cast<uint8_t>((l >> (7 * (n - 1 - i))) & 127);
    out[i] = i == 0 ? group : static_cast<uint8_t>(group | 128);
  }
  return n;
}

uint64_t ListpackDecodeBacklen(const uint8_t* last) {
  uint64_t val = 0;
  unsigned shift = 0;
  for (;;) {
    val |= uint64_t{static_cast<uint8_t>(*last & 127)} << shift;
    if ((*last & 128) == 0) return val;
    shift += 7;
    --last;
    if (shift > 28) return UINT64_MAX;
  }
}

ListpackElement PrepareListpackInt(int64_t v) {
  ListpackElement e;
  e.is_int = true;
  e.head_len = static_cast<uint8_t>(ListpackEncodeInt(v, e.head));
  e.encoded_size = e.head_len;
  e.backlen_len = static_cast<uint8_t>(ListpackEncodeBacklen(e.encoded_size, e.backlen));
  return e;
}

ListpackElement PrepareListpackElement(std::string_view v) {
  int64_t num;
  if (ListpackStringToInt64(v, &num)) return PrepareListpackInt(num);
  ListpackElement e;
  e.head_len =
      static_cast<uint8_t>(ListpackEncodeStringHeader(static_cast<uint32_t>(v.size()), e.head));
  e.encoded_size = e.head_len + uint64_t{v.size()};
  e.backlen_len = static_cast<uint8_t>(ListpackEncodeBacklen(e.encoded_size, e.backlen));
  return e;
}

void WriteListpackElement(const ListpackElement& e, std::string_view str, uint8_t* dst) {
  std::memcpy(dst, e.head, e.head_len);
  dst += e.head_len;
  if (!e.is_int) {
    if (!str.empty()) std::memcpy(dst, str.data(), str.size());
    dst += str.size();
  }
  std::memcpy(dst, e.backlen, e.backlen_len);
}

Result<size_t> ValidateListpackEntry(std::span<const uint8_t> lp, size_t offset) {
  const size_t size = lp.size();
  // The element must start after the header and before the terminator (the last byte).
  if (size < kListpackEmptySize || offset < kListpackHeaderSize || offset >= size - 1) {
    return Status::Corruption("listpack element offset outside the elements", offset);
  }
  const uint8_t b = lp[offset];
  if (b == kListpackEof) {
    return Status::Corruption("listpack terminator where an element was expected", offset);
  }
  const size_t header = HeaderBytes(b);
  if (header == 0) {
    return Status::Corruption("listpack element has an unknown encoding byte " + ByteHex(b),
                              offset);
  }
  if (header > size - 1 - offset) {
    return Status::Corruption("listpack element's length bytes run past the end", offset);
  }
  const uint64_t encoded = ListpackEncodedSizeUnsafe(lp.data() + offset);
  const uint64_t entry = encoded + ListpackBacklenSize(encoded);
  if (entry > size - 1 - offset) {
    return Status::Corruption(
        "listpack element of " + std::to_string(entry) + " bytes runs past the end", offset);
  }
  // The backlen must give the element's size back. Decoding reads at most five bytes to the
  // left of the element's last byte, which is at offset >= 7, so it stays inside the span.
  const size_t next = offset + entry;
  const uint64_t back = ListpackDecodeBacklen(lp.data() + next - 1);
  if (back != encoded) {
    return Status::Corruption(
        "listpack element's backlen does not match its size " + std::to_string(encoded),
        offset + encoded);
  }
  return next;
}

Result<ListpackEntry> DecodeListpackEntry(std::span<const uint8_t> lp, size_t offset) {
  Result<size_t> next = ValidateListpackEntry(lp, offset);
  if (!next) return next.error();
  return DecodeListpackEntryUnsafe(lp.data() + offset);
}

Status ValidateListpack(std::span<const uint8_t> lp, bool deep, const ListpackEntryCheck& check,
                        size_t* count) {
  const size_t size = lp.size();
  if (size < kListpackEmptySize) {
    return Status::Corruption(
        "listpack of " + std::to_string(size) + " bytes is shorter than a header and terminator",
        0);
  }
  if (size > UINT32_MAX) return Status::Corruption("listpack larger than 4 GiB", 0);
  const uint32_t total = ListpackTotalBytes(lp.data());
  if (total != size) {
    return Status::Corruption("listpack header says " + std::to_string(total) +
                                  " bytes but it has " + std::to_string(size),
                              0);
  }
  if (lp[size - 1] != kListpackEof) {
    return Status::Corruption("listpack does not end with the 0xff terminator", size - 1);
  }
  if (!deep) return Status::Ok();

  size_t n = 0;
  size_t offset = kListpackHeaderSize;
  while (lp[offset] != kListpackEof) {
    Result<size_t> next = ValidateListpackEntry(lp, offset);
    if (!next) return next.error();
    if (check) {
      KEEL_RETURN_IF_ERROR(check(DecodeListpackEntryUnsafe(lp.data() + offset), offset));
    }
    ++n;
    offset = *next;
  }
  if (offset != size - 1) {
    return Status::Corruption("listpack terminator before the end of its bytes", offset);
  }
  const uint16_t header_count = ListpackHeaderCount(lp.data());
  if (header_count != kListpackCountUnknown && header_count != n) {
    return Status::Corruption("listpack header counts " + std::to_string(header_count) +
                                  " elements but it holds " + std::to_string(n),
                              4);
  }
  if (count != nullptr) *count = n;
  return Status::Ok();
}

void ListpackBuilder::AddPrepared(const ListpackElement& e, std::string_view str) {
  const size_t at = body_.size();
  body_.resize(at + e.entry_size());
  WriteListpackElement(e, str, reinterpret_cast<uint8_t*>(body_.data() + at));
  ++count_;
}

void ListpackBuilder::Add(std::string_view v) { AddPrepared(PrepareListpackElement(v), v); }

void ListpackBuilder::AddInt(int64_t v) { AddPrepared(PrepareListpackInt(v), {}); }

std::string ListpackBuilder::Finish() const {
  std::string out = body_;
  out.push_back(static_cast<char>(kListpackEof));
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  SetListpackTotalBytes(p, static_cast<uint32_t>(out.size()));
  SetListpackHeaderCount(
      p, count_ >= kListpackCountUnknown ? kListpackCountUnknown : static_cast<uint16_t>(count_));
  return out;
}

}  // namespace keel::formats
