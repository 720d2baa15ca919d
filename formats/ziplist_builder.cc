// Ziplist encoding after Redis's ziplist.c (__ziplistInsert at the tail, zipTryEncoding,
// zipStoreEntryEncoding, zipStorePrevEntryLength). Appending only at the tail means no cascade
// update is ever needed: each prevlen is known when its entry is written.
#include "formats/ziplist_builder.h"

#include "formats/listpack.h"
#include "formats/ziplist.h"

namespace keel::formats {

namespace {

void PutLe(std::string* out, uint64_t v, int n) {
  char b[8];
  for (int i = 0; i < n; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(b, static_cast<size_t>(n));
}

void SetLe32(std::string* out, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*out)[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

void ZiplistBuilder::Clear() {
  buf_.assign(kZiplistHeaderSize, '\0');
  count_ = 0;
  last_entry_ = kZiplistHeaderSize;  // an empty ziplist's zltail points at the terminator
  last_size_ = 0;
  terminated_ = false;
}

void ZiplistBuilder::BeginEntry() {
  if (terminated_) {
    buf_.pop_back();
    terminated_ = false;
  }
  last_entry_ = buf_.size();
  if (last_size_ < kZiplistBigPrevlen) {
    buf_.push_back(static_cast<char>(last_size_));
  } else {
    buf_.push_back(static_cast<char>(kZiplistBigPrevlen));
    PutLe(&buf_, last_size_, 4);
  }
}

void ZiplistBuilder::EndEntry() {
  last_size_ = buf_.size() - last_entry_;
  ++count_;
}

void ZiplistBuilder::AddInt(int64_t v) {
  BeginEntry();
  const auto u = static_cast<uint64_t>(v);
  if (v >= 0 && v <= 12) {
    buf_.push_back(static_cast<char>(kZipIntImmMin + v));
  } else if (v >= INT8_MIN && v <= INT8_MAX) {
    buf_.push_back(static_cast<char>(kZipInt8b));
    PutLe(&buf_, u, 1);
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    buf_.push_back(static_cast<char>(kZipInt16b));
    PutLe(&buf_, u, 2);
  } else if (v >= -(int64_t{1} << 23) && v < (int64_t{1} << 23)) {
    buf_.push_back(static_cast<char>(kZipInt24b));
    PutLe(&buf_, u, 3);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    buf_.push_back(static_cast<char>(kZipInt32b));
    PutLe(&buf_, u, 4);
  } else {
    buf_.push_back(static_cast<char>(kZipInt64b));
    PutLe(&buf_, u, 8);
  }
  EndEntry();
}

void ZiplistBuilder::Add(std::string_view v) {
  // zipTryEncoding: only strings of 1..31 bytes are candidates, and string2ll accepts exactly the
  // canonical decimal forms, which ListpackStringToInt64 also checks.
  int64_t num;
  if (v.size() < 32 && ListpackStringToInt64(v, &num)) {
    AddInt(num);
    return;
  }
  BeginEntry();
  const size_t n = v.size();
  if (n <= 0x3f) {
    buf_.push_back(static_cast<char>(kZipStr06b | n));
  } else if (n <= 0x3fff) {
    // The 14- and 32-bit lengths are big-endian, unlike every other ziplist number.
    buf_.push_back(static_cast<char>(kZipStr14b | (n >> 8)));
    buf_.push_back(static_cast<char>(n & 0xff));
  } else {
    const char len[5] = {static_cast<char>(kZipStr32b), static_cast<char>((n >> 24) & 0xff),
                         static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 8) & 0xff),
                         static_cast<char>(n & 0xff)};
    buf_.append(len, 5);
  }
  buf_.append(v);
  EndEntry();
}

std::string_view ZiplistBuilder::Finish() {
  // The terminator is appended here and dropped again by the next Add, so Finish may be called
  // on a ziplist that keeps growing.
  if (!terminated_) buf_.push_back(static_cast<char>(kZiplistEnd));
  terminated_ = true;
  SetLe32(&buf_, 0, static_cast<uint32_t>(buf_.size()));
  SetLe32(&buf_, 4, static_cast<uint32_t>(last_entry_));
  const uint16_t zllen =
      count_ < kZiplistCountUnknown ? static_cast<uint16_t>(count_) : kZiplistCountUnknown;
  buf_[8] = static_cast<char>(zllen & 0xff);
  buf_[9] = static_cast<char>(zllen >> 8);
  return buf_;
}

void AppendListpackToZiplist(std::span<const uint8_t> listpack, ZiplistBuilder* builder) {
  const uint8_t* p = listpack.data() + kListpackHeaderSize;
  const uint8_t* end = listpack.data() + listpack.size();
  while (p < end && *p != kListpackEof) {
    const ListpackEntry e = DecodeListpackEntryUnsafe(p);
    if (e.is_int) {
      builder->AddInt(e.num);
    } else {
      builder->Add(e.sv());
    }
    p += e.entry_size;
  }
}

std::string ListpackToZiplist(std::span<const uint8_t> listpack) {
  ZiplistBuilder b;
  AppendListpackToZiplist(listpack, &b);
  return std::string(b.Finish());
}

}  // namespace keel::formats
