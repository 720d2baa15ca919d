// The owned listpack. Every change goes through Splice, which reallocates exactly as Redis's
// lpInsert does (grow only past the allocator's usable size, shrink to the new total after a
// removal), so the buffer and used_memory follow Redis's for the same operations.
#include "engine/listpack.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "engine/memory.h"
#include "formats/listpack.h"
#include "formats/resp_writer.h"

namespace keel::engine {

namespace fmt = keel::formats;

namespace {

uint8_t* NewEmpty() {
  auto* p = static_cast<uint8_t*>(Allocate(fmt::kListpackEmptySize));
  fmt::SetListpackTotalBytes(p, fmt::kListpackEmptySize);
  fmt::SetListpackHeaderCount(p, 0);
  p[fmt::kListpackHeaderSize] = fmt::kListpackEof;
  return p;
}

uint8_t* Copy(const uint8_t* src, size_t n) {
  auto* p = static_cast<uint8_t*>(Allocate(n));
  std::memcpy(p, src, n);
  return p;
}

[[noreturn]] void TooBig(uint64_t bytes) {
  std::fprintf(stderr, "keel: listpack would grow to %llu bytes, past the 4 GiB format limit\n",
               static_cast<unsigned long long>(bytes));
  std::abort();
}

}  // namespace

std::string_view LpValue::Bytes(char (&buf)[24]) const {
  if (!is_int) return str;
  return {buf, formats::FormatInt64(num, buf)};
}

std::string LpValue::ToString() const {
  char buf[24];
  return std::string(Bytes(buf));
}

bool LpValue::Equals(std::string_view s) const {
  if (!is_int) return str == s;
  int64_t v;
  return fmt::ListpackStringToInt64(s, &v) && v == num;
}

Listpack::Listpack() : buf_(NewEmpty()) {}

Listpack::~Listpack() { Deallocate(buf_); }

Listpack::Listpack(const Listpack& other) : buf_(Copy(other.buf_, other.bytes())) {}

Listpack& Listpack::operator=(const Listpack& other) {
  if (this != &other) {
    uint8_t* p = Copy(other.buf_, other.bytes());
    Deallocate(buf_);
    buf_ = p;
  }
  return *this;
}

// Moving leaves no buffer behind rather than allocating an empty one: containers of listpacks
// move them when they grow, and that must not cost an allocation each.
Listpack::Listpack(Listpack&& other) noexcept : buf_(std::exchange(other.buf_, nullptr)) {}

Listpack& Listpack::operator=(Listpack&& other) noexcept {
  std::swap(buf_, other.buf_);
  return *this;
}

Listpack Listpack::FromBytes(std::span<const uint8_t> bytes) {
  Listpack lp;
  Deallocate(lp.buf_);
  lp.buf_ = Copy(bytes.data(), bytes.size());
  return lp;
}

size_t Listpack::size() const {
  const uint16_t n = fmt::ListpackHeaderCount(buf_);
  if (n != fmt::kListpackCountUnknown) return n;
  // Too many for the header: count by walking, and store the count if it fits again (as Redis's
  // lpLength does; the header is a cache, so this is logically const).
  size_t count = 0;
  for (Pos p = First(); p != kNone; p = Next(p)) ++count;
  if (count < fmt::kListpackCountUnknown) {
    fmt::SetListpackHeaderCount(buf_, static_cast<uint16_t>(count));
  }
  return count;
}

size_t Listpack::bytes() const { return fmt::ListpackTotalBytes(buf_); }

std::span<const uint8_t> Listpack::data() const { return {buf_, bytes()}; }

size_t Listpack::AllocatedBytes() const { return UsableSize(buf_); }

Listpack::Pos Listpack::First() const {
  return buf_[fmt::kListpackHeaderSize] == fmt::kListpackEof ? kNone
                                                             : Pos{fmt::kListpackHeaderSize};
}

Listpack::Pos Listpack::Last() const { return Prev(static_cast<Pos>(bytes() - 1)); }

Listpack::Pos Listpack::Next(Pos p) const {
  const Pos q = p + static_cast<Pos>(fmt::ListpackEntrySizeUnsafe(buf_ + p));
  return buf_[q] == fmt::kListpackEof ? kNone : q;
}

Listpack::Pos Listpack::Prev(Pos p) const {
  if (p <= fmt::kListpackHeaderSize) return kNone;
  const uint64_t len = fmt::ListpackDecodeBacklen(buf_ + p - 1);
  return p - static_cast<Pos>(len + fmt::ListpackBacklenSize(len));
}

Listpack::Pos Listpack::Seek(int64_t index) const {
  // Walk from the nearer end when the count is known (Redis's lpSeek); with an unknown count,
  // negative indexes walk from the end and others from the start.
  const uint16_t n = fmt::ListpackHeaderCount(buf_);
  bool forward = true;
  if (n != fmt::kListpackCountUnknown) {
    if (index < 0) index += n;
    if (index < 0 || index >= n) return kNone;
    if (index > n / 2) {
      forward = false;
      index -= n;
    }
  } else if (index < 0) {
    forward = false;
  }
  if (forward) {
    Pos p = First();
    for (; index > 0 && p != kNone; --index) p = Next(p);
    return p;
  }
  Pos p = Last();
  for (; index < -1 && p != kNone; ++index) p = Prev(p);
  return p;
}

LpValue Listpack::Get(Pos p) const {
  const fmt::ListpackEntry e = fmt::DecodeListpackEntryUnsafe(buf_ + p);
  LpValue v;
  v.is_int = e.is_int;
  if (e.is_int) {
    v.num = e.num;
  } else {
    v.str = e.sv();
  }
  return v;
}

Listpack::Pos Listpack::Splice(Pos off, uint32_t replaced, const formats::ListpackElement* e,
                               std::string_view str, int count_delta) {
  const uint64_t old_bytes = bytes();
  const uint64_t add = e != nullptr ? e->entry_size() : 0;
  const uint64_t new_bytes = old_bytes + add - replaced;
  if (new_bytes > UINT32_MAX) TooBig(new_bytes);
  // Grow before moving the tail, shrink after: the order Redis uses, so the bytes being moved are
  // always inside the allocation.
  if (new_bytes > old_bytes && new_bytes > UsableSize(buf_)) {
    buf_ = static_cast<uint8_t*>(Reallocate(buf_, new_bytes));
  }
  if (add != replaced) {
    std::memmove(buf_ + off + add, buf_ + off + replaced, old_bytes - off - replaced);
  }
  if (new_bytes < old_bytes) buf_ = static_cast<uint8_t*>(Reallocate(buf_, new_bytes));
  if (e != nullptr) fmt::WriteListpackElement(*e, str, buf_ + off);
  if (count_delta != 0) {
    const uint16_t n = fmt::ListpackHeaderCount(buf_);
    if (n != fmt::kListpackCountUnknown) {
      fmt::SetListpackHeaderCount(buf_, static_cast<uint16_t>(n + count_delta));
    }
  }
  fmt::SetListpackTotalBytes(buf_, static_cast<uint32_t>(new_bytes));
  return off;
}

Listpack::Pos Listpack::InsertAt(Pos off, std::string_view v) {
  const fmt::ListpackElement e = fmt::PrepareListpackElement(v);
  return Splice(off, 0, &e, v, 1);
}

Listpack::Pos Listpack::InsertIntAt(Pos off, int64_t v) {
  const fmt::ListpackElement e = fmt::PrepareListpackInt(v);
  return Splice(off, 0, &e, {}, 1);
}

void Listpack::Append(std::string_view v) { InsertAt(static_cast<Pos>(bytes() - 1), v); }

void Listpack::AppendInt(int64_t v) { InsertIntAt(static_cast<Pos>(bytes() - 1), v); }

void Listpack::Prepend(std::string_view v) { InsertAt(fmt::kListpackHeaderSize, v); }

void Listpack::PrependInt(int64_t v) { InsertIntAt(fmt::kListpackHeaderSize, v); }

Listpack::Pos Listpack::InsertBefore(Pos p, std::string_view v) { return InsertAt(p, v); }

Listpack::Pos Listpack::InsertAfter(Pos p, std::string_view v) {
  return InsertAt(p + static_cast<Pos>(fmt::ListpackEntrySizeUnsafe(buf_ + p)), v);
}

Listpack::Pos Listpack::InsertIntBefore(Pos p, int64_t v) { return InsertIntAt(p, v); }

Listpack::Pos Listpack::InsertIntAfter(Pos p, int64_t v) {
  return InsertIntAt(p + static_cast<Pos>(fmt::ListpackEntrySizeUnsafe(buf_ + p)), v);
}

Listpack::Pos Listpack::Replace(Pos p, std::string_view v) {
  const fmt::ListpackElement e = fmt::PrepareListpackElement(v);
  const auto old = static_cast<uint32_t>(fmt::ListpackEntrySizeUnsafe(buf_ + p));
  return Splice(p, old, &e, v, 0);
}

Listpack::Pos Listpack::ReplaceInt(Pos p, int64_t v) {
  const fmt::ListpackElement e = fmt::PrepareListpackInt(v);
  const auto old = static_cast<uint32_t>(fmt::ListpackEntrySizeUnsafe(buf_ + p));
  return Splice(p, old, &e, {}, 0);
}

Listpack::Pos Listpack::Delete(Pos p) {
  const auto old = static_cast<uint32_t>(fmt::ListpackEntrySizeUnsafe(buf_ + p));
  Splice(p, old, nullptr, {}, -1);
  return buf_[p] == fmt::kListpackEof ? kNone : p;
}

Listpack::Pos Listpack::DeleteRange(Pos p, size_t count) {
  if (count == 0) return p;
  // One memmove for the whole range (Redis's lpDeleteRangeWithEntry).
  const size_t old_bytes = bytes();
  Pos tail = p;
  size_t deleted = 0;
  while (count-- > 0) {
    ++deleted;
    tail += static_cast<Pos>(fmt::ListpackEntrySizeUnsafe(buf_ + tail));
    if (buf_[tail] == fmt::kListpackEof) break;
  }
  std::memmove(buf_ + p, buf_ + tail, old_bytes - tail);
  SetCountAndShrink(old_bytes - (tail - p), deleted);
  return buf_[p] == fmt::kListpackEof ? kNone : p;
}

void Listpack::DeleteRangeByIndex(int64_t index, size_t count) {
  if (count == 0) return;
  const Pos p = Seek(index);
  if (p == kNone) return;
  const uint16_t n = fmt::ListpackHeaderCount(buf_);
  if (n != fmt::kListpackCountUnknown) {
    if (index < 0) index += n;
    // Deleting through the end: just move the terminator (Redis's lpDeleteRange shortcut).
    if (static_cast<uint64_t>(n - index) <= count) {
      buf_[p] = fmt::kListpackEof;
      fmt::SetListpackTotalBytes(buf_, p + 1);
      fmt::SetListpackHeaderCount(buf_, static_cast<uint16_t>(index));
      ShrinkToFit();
      return;
    }
  }
  DeleteRange(p, count);
}

void Listpack::SetCountAndShrink(size_t new_bytes, size_t deleted) {
  fmt::SetListpackTotalBytes(buf_, static_cast<uint32_t>(new_bytes));
  const uint16_t n = fmt::ListpackHeaderCount(buf_);
  if (n != fmt::kListpackCountUnknown) {
    fmt::SetListpackHeaderCount(buf_, static_cast<uint16_t>(n - deleted));
  }
  ShrinkToFit();
}

void Listpack::ShrinkToFit() {
  const size_t n = bytes();
  if (n < UsableSize(buf_)) buf_ = static_cast<uint8_t*>(Reallocate(buf_, n));
}

Listpack::Pos Listpack::Find(Pos p, std::string_view v, unsigned skip) const {
  // Whether `v` reads as an integer is worked out once, on the first integer element met
  // (Redis's lpFind), so a search through strings never parses it.
  enum { kUnknown, kNotInt, kInt } v_kind = kUnknown;
  int64_t v_num = 0;
  unsigned skipcnt = 0;
  if (p == kNone) return kNone;
  while (buf_[p] != fmt::kListpackEof) {
    if (skipcnt == 0) {
      const fmt::ListpackEntry e = fmt::DecodeListpackEntryUnsafe(buf_ + p);
      if (!e.is_int) {
        if (e.len == v.size() && std::memcmp(e.str, v.data(), v.size()) == 0) return p;
      } else {
        if (v_kind == kUnknown) {
          v_kind = fmt::ListpackStringToInt64(v, &v_num) ? kInt : kNotInt;
        }
        if (v_kind == kInt && e.num == v_num) return p;
      }
      skipcnt = skip;
      p += static_cast<Pos>(e.entry_size);
    } else {
      --skipcnt;
      p += static_cast<Pos>(fmt::ListpackEntrySizeUnsafe(buf_ + p));
    }
  }
  return kNone;
}

void Listpack::Merge(Listpack&& other) {
  // Append `other`'s elements after ours (Redis's lpMerge, keeping the first listpack's buffer).
  if (&other == this) return;  // Redis refuses to merge a listpack into itself
  const size_t first = bytes();
  const size_t second = other.bytes();
  const uint64_t total = uint64_t{first} + second - fmt::kListpackEmptySize;
  if (total > UINT32_MAX) TooBig(total);
  const size_t n = size() + other.size();
  buf_ = static_cast<uint8_t*>(Reallocate(buf_, total));
  std::memcpy(buf_ + first - 1, other.buf_ + fmt::kListpackHeaderSize,
              second - fmt::kListpackHeaderSize);
  fmt::SetListpackTotalBytes(buf_, static_cast<uint32_t>(total));
  fmt::SetListpackHeaderCount(
      buf_, n < fmt::kListpackCountUnknown ? static_cast<uint16_t>(n) : fmt::kListpackCountUnknown);
  other = Listpack();
}

size_t Listpack::EncodedSize(std::string_view v) { return fmt::ListpackEntrySize(v); }

bool Listpack::SafeToAdd(size_t add) const { return bytes() + add <= fmt::kListpackMaxSafeSize; }

}  // namespace keel::engine
