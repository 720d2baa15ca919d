// The owned intset. The buffer is always exactly header + length * width bytes, resized on every
// add and remove as Redis's intsetResize does, so used_memory follows Redis's for the same sets.
#include "engine/intset.h"

#include <cstring>
#include <utility>

#include "engine/dict.h"
#include "engine/memory.h"
#include "formats/intset.h"

namespace keel::engine {

namespace fmt = keel::formats;

namespace {

uint8_t* NewEmpty() {
  auto* p = static_cast<uint8_t*>(Allocate(fmt::kIntsetHeaderSize));
  fmt::IntsetStoreU32(p, fmt::kIntsetEnc16);
  fmt::IntsetStoreU32(p + 4, 0);
  return p;
}

uint8_t* Copy(const uint8_t* src, size_t n) {
  auto* p = static_cast<uint8_t*>(Allocate(n));
  std::memcpy(p, src, n);
  return p;
}

}  // namespace

Intset::Intset() : buf_(NewEmpty()) {}

Intset::~Intset() { Deallocate(buf_); }

Intset::Intset(const Intset& other) : buf_(Copy(other.buf_, other.data().size())) {}

Intset& Intset::operator=(const Intset& other) {
  if (this != &other) {
    uint8_t* p = Copy(other.buf_, other.data().size());
    Deallocate(buf_);
    buf_ = p;
  }
  return *this;
}

// As with Listpack, moving leaves no buffer behind instead of allocating an empty one.
Intset::Intset(Intset&& other) noexcept : buf_(std::exchange(other.buf_, nullptr)) {}

Intset& Intset::operator=(Intset&& other) noexcept {
  std::swap(buf_, other.buf_);
  return *this;
}

Intset Intset::FromBytes(std::span<const uint8_t> bytes) {
  Intset is;
  Deallocate(is.buf_);
  is.buf_ = Copy(bytes.data(), bytes.size());
  return is;
}

size_t Intset::size() const { return fmt::IntsetLength(buf_); }

std::span<const uint8_t> Intset::data() const {
  return {buf_, fmt::kIntsetHeaderSize + size() * static_cast<size_t>(width())};
}

size_t Intset::AllocatedBytes() const { return UsableSize(buf_); }

int Intset::width() const { return static_cast<int>(fmt::IntsetEncoding(buf_)); }

int64_t Intset::At(size_t i) const {
  return fmt::IntsetGetEncoded(buf_ + fmt::kIntsetHeaderSize, i, fmt::IntsetEncoding(buf_));
}

void Intset::Resize(uint32_t enc, uint32_t length) {
  buf_ = static_cast<uint8_t*>(
      Reallocate(buf_, fmt::kIntsetHeaderSize + static_cast<size_t>(length) * enc));
}

bool Intset::Search(int64_t v, uint32_t* pos) const {
  const uint32_t n = fmt::IntsetLength(buf_);
  if (n == 0) {
    *pos = 0;
    return false;
  }
  // Values past either end are common (ascending inserts): answer those without a search.
  if (v > At(n - 1)) {
    *pos = n;
    return false;
  }
  if (v < At(0)) {
    *pos = 0;
    return false;
  }
  uint32_t lo = 0;
  uint32_t hi = n;  // search [lo, hi)
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    const int64_t cur = At(mid);
    if (cur < v) {
      lo = mid + 1;
    } else if (cur > v) {
      hi = mid;
    } else {
      *pos = mid;
      return true;
    }
  }
  *pos = lo;
  return false;
}

bool Intset::Contains(int64_t v) const {
  uint32_t pos;
  return fmt::IntsetValueEncoding(v) <= fmt::IntsetEncoding(buf_) && Search(v, &pos);
}

bool Intset::Add(int64_t v) {
  const uint32_t enc = fmt::IntsetEncoding(buf_);
  const uint32_t n = fmt::IntsetLength(buf_);
  const uint32_t venc = fmt::IntsetValueEncoding(v);
  if (venc > enc) {
    // A value that needs a wider encoding lies outside every present value, so it goes first
    // (negative) or last. Widen back to front so no element is overwritten before it moves.
    Resize(venc, n + 1);
    uint8_t* contents = buf_ + fmt::kIntsetHeaderSize;
    const uint32_t shift = v < 0 ? 1 : 0;
    for (uint32_t i = n; i-- > 0;) {
      fmt::IntsetSetEncoded(contents, i + shift, venc, fmt::IntsetGetEncoded(contents, i, enc));
    }
    fmt::IntsetSetEncoded(contents, v < 0 ? 0 : n, venc, v);
    fmt::IntsetStoreU32(buf_, venc);
    fmt::IntsetStoreU32(buf_ + 4, n + 1);
    return true;
  }
  uint32_t pos;
  if (Search(v, &pos)) return false;
  Resize(enc, n + 1);
  uint8_t* contents = buf_ + fmt::kIntsetHeaderSize;
  if (pos < n) {
    std::memmove(contents + (pos + 1) * size_t{enc}, contents + pos * size_t{enc},
                 (n - pos) * size_t{enc});
  }
  fmt::IntsetSetEncoded(contents, pos, enc, v);
  fmt::IntsetStoreU32(buf_ + 4, n + 1);
  return true;
}

bool Intset::Remove(int64_t v) {
  const uint32_t enc = fmt::IntsetEncoding(buf_);
  uint32_t pos;
  if (fmt::IntsetValueEncoding(v) > enc || !Search(v, &pos)) return false;
  const uint32_t n = fmt::IntsetLength(buf_);
  uint8_t* contents = buf_ + fmt::kIntsetHeaderSize;
  if (pos + 1 < n) {
    std::memmove(contents + pos * size_t{enc}, contents + (pos + 1) * size_t{enc},
                 (n - pos - 1) * size_t{enc});
  }
  // The width never shrinks, as in Redis: the set keeps its encoding until it is converted.
  Resize(enc, n - 1);
  fmt::IntsetStoreU32(buf_ + 4, n - 1);
  return true;
}

int64_t Intset::Random() const { return At(DictRandom() % size()); }

int64_t Intset::Min() const { return At(0); }

int64_t Intset::Max() const { return At(size() - 1); }

}  // namespace keel::engine
