// An owned intset: Redis's intset format byte for byte (formats/intset.h has the codec and
// validation) in one allocation counted by used_memory: a sorted array of unique integers whose
// width (16, 32 or 64 bits) grows to fit the largest magnitude. The compact encoding of sets of
// integers (set-max-intset-entries).
// Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace keel::engine {

class Intset {
 public:
  Intset();  // empty, 16-bit encoding
  ~Intset();
  Intset(const Intset& other);
  Intset& operator=(const Intset& other);
  // A moved-from intset holds no buffer: it may only be destroyed or assigned to.
  Intset(Intset&& other) noexcept;
  Intset& operator=(Intset&& other) noexcept;
  // Adopts a copy of `bytes`, which must be a valid intset (formats::ValidateIntset).
  static Intset FromBytes(std::span<const uint8_t> bytes);

  size_t size() const;
  bool empty() const { return size() == 0; }
  std::span<const uint8_t> data() const;  // the encoded bytes, as an RDB writer emits them
  size_t AllocatedBytes() const;
  int width() const;  // bytes per element: 2, 4 or 8

  bool Contains(int64_t v) const;
  // Returns false when `v` was already present.
  bool Add(int64_t v);
  // Returns false when `v` was absent.
  bool Remove(int64_t v);
  int64_t At(size_t i) const;  // ascending order
  int64_t Random() const;      // requires !empty()
  int64_t Min() const;         // requires !empty()
  int64_t Max() const;         // requires !empty()

 private:
  // Binary search: true and the index when `v` is present, else false and where it would go.
  bool Search(int64_t v, uint32_t* pos) const;
  // Reallocates to exactly header + length * enc bytes (Redis's intsetResize).
  void Resize(uint32_t enc, uint32_t length);

  uint8_t* buf_;
};

}  // namespace keel::engine
