// RdbInput: the buffered cursor under every part of the RDB reader. The CRC64 is folded in per
// buffer refill rather than per byte, and strings are copied out of the buffer in runs, so the
// per-element cost is a few bounds checks and one memcpy into a reused string.
#include "formats/rdb_input.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "formats/crc64.h"
#include "formats/lzf.h"
#include "formats/rdb_format.h"

namespace keel::formats::rdb {

namespace {

// Big enough that refills (one virtual Read and one CRC fold each) are rare, small enough to stay
// in L2 while its bytes are decoded.
constexpr size_t kBufferSize = 64 * 1024;

uint64_t LoadLe(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

}  // namespace

uint64_t RdbInput::crc() const {
  if (pos_ <= crc_pos_) return crc_;
  return Crc64(crc_, std::span<const uint8_t>(buf_.data() + crc_pos_, pos_ - crc_pos_));
}

// Folds the consumed bytes into the CRC, moves the unconsumed tail to the front and reads once
// into the free space. Afterwards len_ > pos_ unless the source is exhausted (eof_).
Status RdbInput::Fill() {
  if (buf_.empty()) buf_.resize(kBufferSize);
  if (pos_ > crc_pos_) {
    crc_ = Crc64(crc_, std::span<const uint8_t>(buf_.data() + crc_pos_, pos_ - crc_pos_));
  }
  const size_t rest = len_ - pos_;
  if (rest > 0 && pos_ > 0) std::memmove(buf_.data(), buf_.data() + pos_, rest);
  len_ = rest;
  pos_ = 0;
  crc_pos_ = 0;
  if (eof_ || len_ == buf_.size()) return Status::Ok();
  Result<size_t> n = src_.Read(std::span<uint8_t>(buf_.data() + len_, buf_.size() - len_));
  if (!n) return n.error();
  if (*n == 0) eof_ = true;
  len_ += *n;
  return Status::Ok();
}

// Takes `n` bytes buffer by buffer, handing each piece to `take` (ReadExact, Skip, AppendExact).
template <typename Take>
Status RdbInput::Consume(uint64_t n, Take&& take) {
  while (n > 0) {
    if (pos_ == len_) {
      KEEL_RETURN_IF_ERROR(Fill());
      if (pos_ == len_) {
        return Corrupt("unexpected end of file (" + std::to_string(n) + " more bytes needed)");
      }
    }
    const size_t piece = n < len_ - pos_ ? n : len_ - pos_;
    take(buf_.data() + pos_, piece);
    pos_ += piece;
    offset_ += piece;
    n -= piece;
  }
  return Status::Ok();
}

Status RdbInput::ReadExact(void* dst, size_t n) {
  auto* out = static_cast<uint8_t*>(dst);
  return Consume(n, [&out](const uint8_t* p, size_t k) {
    std::memcpy(out, p, k);
    out += k;
  });
}

Status RdbInput::Skip(uint64_t n) {
  return Consume(n, [](const uint8_t*, size_t) {});
}

Status RdbInput::AppendExact(std::string* out, uint64_t n) {
  // Grows with the bytes that arrive: one buffer's worth at a time, so a length field claiming
  // terabytes costs at most what the file really holds before it runs out.
  return Consume(n, [out](const uint8_t* p, size_t k) {
    out->append(reinterpret_cast<const char*>(p), k);
  });
}

Result<bool> RdbInput::AtEnd() {
  if (pos_ < len_) return false;
  KEEL_RETURN_IF_ERROR(Fill());
  return pos_ == len_;
}

Result<uint8_t> RdbInput::ReadByte() {
  if (pos_ == len_) {
    KEEL_RETURN_IF_ERROR(Fill());
    if (pos_ == len_) return Corrupt("unexpected end of file (1 more byte needed)");
  }
  ++offset_;
  return buf_[pos_++];
}

Result<uint32_t> RdbInput::ReadU32Le() {
  uint8_t b[4];
  KEEL_RETURN_IF_ERROR(ReadExact(b, 4));
  return static_cast<uint32_t>(LoadLe(b, 4));
}

Result<uint64_t> RdbInput::ReadU64Le() {
  uint8_t b[8];
  KEEL_RETURN_IF_ERROR(ReadExact(b, 8));
  return LoadLe(b, 8);
}

Result<uint64_t> RdbInput::ReadU64Be() {
  uint8_t b[8];
  KEEL_RETURN_IF_ERROR(ReadExact(b, 8));
  uint64_t v = 0;
  for (uint8_t x : b) v = v << 8 | x;
  return v;
}

Result<LengthOrEncoding> RdbInput::ReadLengthOrEncoding() {
  const uint64_t at = offset_;
  KEEL_ASSIGN_OR_RETURN(uint8_t b, ReadByte());
  switch (b >> 6) {
    case kLen6Bit:
      return LengthOrEncoding{false, uint64_t{b} & 0x3F};
    case kLen14Bit: {
      KEEL_ASSIGN_OR_RETURN(uint8_t lo, ReadByte());
      return LengthOrEncoding{false, (uint64_t{b} & 0x3F) << 8 | lo};
    }
    case kLenEncoded:
      return LengthOrEncoding{true, uint64_t{b} & 0x3F};
    default:
      break;
  }
  if (b == kLen32Bit) {
    uint8_t p[4];
    KEEL_RETURN_IF_ERROR(ReadExact(p, 4));
    return LengthOrEncoding{
        false, uint64_t{p[0]} << 24 | uint64_t{p[1]} << 16 | uint64_t{p[2]} << 8 | p[3]};
  }
  if (b == kLen64Bit) {
    KEEL_ASSIGN_OR_RETURN(uint64_t v, ReadU64Be());
    return LengthOrEncoding{false, v};
  }
  return CorruptAt("unknown length encoding " + ByteHex(b), at);
}

Result<uint64_t> RdbInput::ReadLength() {
  const uint64_t at = offset_;
  KEEL_ASSIGN_OR_RETURN(LengthOrEncoding l, ReadLengthOrEncoding());
  if (l.encoded) {
    return CorruptAt("a string encoding (" + std::to_string(l.value) + ") where a length belongs",
                     at);
  }
  return l.value;
}

// The integer encodings, decoded to decimal text in `out`.
Status RdbInput::ReadIntString(uint64_t enc, std::string* out) {
  int64_t v;
  if (enc == kEncInt8) {
    KEEL_ASSIGN_OR_RETURN(uint8_t b, ReadByte());
    v = static_cast<int8_t>(b);
  } else if (enc == kEncInt16) {
    uint8_t b[2];
    KEEL_RETURN_IF_ERROR(ReadExact(b, 2));
    v = static_cast<int16_t>(LoadLe(b, 2));
  } else {
    uint8_t b[4];
    KEEL_RETURN_IF_ERROR(ReadExact(b, 4));
    v = static_cast<int32_t>(LoadLe(b, 4));
  }
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), v);
  (void)ec;
  out->assign(digits, end);
  return Status::Ok();
}

Status RdbInput::ReadLzfString(uint64_t at, std::string* out) {
  KEEL_ASSIGN_OR_RETURN(uint64_t clen, ReadLength());
  KEEL_ASSIGN_OR_RETURN(uint64_t ulen, ReadLength());
  if (ulen == 0 || clen == 0) {
    return CorruptAt("LZF string with a compressed length of " + std::to_string(clen) +
                         " and a length of " + std::to_string(ulen),
                     at);
  }
  // LzfDecompressString's bound, checked before anything is read or allocated: a back reference
  // of 3 bytes yields at most 264, so no input of clen bytes expands past clen * 88.
  if (ulen / kLzfMaxExpansion > clen) {
    return CorruptAt(
        "LZF data of " + std::to_string(clen) + " bytes cannot expand to " + std::to_string(ulen),
        at);
  }
  std::span<const uint8_t> compressed;
  if (clen <= len_ - pos_) {
    compressed = {buf_.data() + pos_, clen};  // decompress straight from the buffer
  } else {
    lzf_scratch_.clear();
    KEEL_RETURN_IF_ERROR(AppendExact(&lzf_scratch_, clen));
    compressed = {reinterpret_cast<const uint8_t*>(lzf_scratch_.data()), lzf_scratch_.size()};
  }
  // The compressed bytes are present, so the claimed size is at most 88 times what the file
  // really holds.
  out->resize(ulen);
  Result<size_t> n =
      LzfDecompress(compressed, std::span<uint8_t>(reinterpret_cast<uint8_t*>(out->data()), ulen));
  if (!n) return CorruptAt("bad LZF string: " + std::string(n.error().message()), at);
  if (*n != ulen) {
    return CorruptAt("LZF string decompressed to " + std::to_string(*n) + " bytes instead of " +
                         std::to_string(ulen),
                     at);
  }
  if (compressed.data() == buf_.data() + pos_) {
    pos_ += clen;
    offset_ += clen;
  }
  return Status::Ok();
}

Status RdbInput::ReadString(std::string* out) {
  const uint64_t at = offset_;
  KEEL_ASSIGN_OR_RETURN(LengthOrEncoding l, ReadLengthOrEncoding());
  if (!l.encoded) {
    // The common case: the whole string is already in the buffer.
    if (l.value <= len_ - pos_) {
      out->assign(reinterpret_cast<const char*>(buf_.data() + pos_), l.value);
      pos_ += l.value;
      offset_ += l.value;
      return Status::Ok();
    }
    out->clear();
    return AppendExact(out, l.value);
  }
  switch (l.value) {
    case kEncInt8:
    case kEncInt16:
    case kEncInt32:
      return ReadIntString(l.value, out);
    case kEncLzf:
      return ReadLzfString(at, out);
    default:
      return CorruptAt("unknown string encoding " + std::to_string(l.value), at);
  }
}

Status RdbInput::SkipString(uint64_t* len) {
  const uint64_t at = offset_;
  KEEL_ASSIGN_OR_RETURN(LengthOrEncoding l, ReadLengthOrEncoding());
  if (!l.encoded) {
    if (len) *len = l.value;
    return Skip(l.value);
  }
  if (l.value > kEncLzf) return CorruptAt("unknown string encoding " + std::to_string(l.value), at);
  // Integer and LZF strings are decoded (LZF to check that it decompresses, as Redis does).
  Status s = l.value == kEncLzf ? ReadLzfString(at, &skip_scratch_)
                                : ReadIntString(l.value, &skip_scratch_);
  KEEL_RETURN_IF_ERROR(s);
  if (len) *len = skip_scratch_.size();
  return Status::Ok();
}

Result<double> RdbInput::ReadAsciiDouble() {
  const uint64_t at = offset_;
  KEEL_ASSIGN_OR_RETURN(uint8_t n, ReadByte());
  if (n == kDoubleNan) return std::nan("");
  if (n == kDoublePosInf) return HUGE_VAL;
  if (n == kDoubleNegInf) return -HUGE_VAL;
  char text[256];
  KEEL_RETURN_IF_ERROR(ReadExact(text, n));
  text[n] = '\0';
  // Redis parses with sscanf("%lg"): leading spaces and trailing bytes are tolerated, but at
  // least one character must convert.
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text) return CorruptAt("score is not a number", at);
  return v;
}

Result<double> RdbInput::ReadBinaryDouble() {
  KEEL_ASSIGN_OR_RETURN(uint64_t bits, ReadU64Le());
  double v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

Result<float> RdbInput::ReadBinaryFloat() {
  KEEL_ASSIGN_OR_RETURN(uint32_t bits, ReadU32Le());
  float v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

Result<int64_t> RdbInput::ReadMillis() {
  KEEL_ASSIGN_OR_RETURN(uint64_t v, ReadU64Le());
  return static_cast<int64_t>(v);
}

Result<int32_t> RdbInput::ReadSeconds() {
  KEEL_ASSIGN_OR_RETURN(uint32_t v, ReadU32Le());
  return static_cast<int32_t>(v);
}

}  // namespace keel::formats::rdb
