// An owned, growable listpack: Redis's listpack format byte for byte (formats/listpack.h has the
// codec; docs/formats/listpack.md the grammar) in one allocation counted by used_memory. It is the
// compact encoding of small hashes and sorted sets and the node format of lists, so an RDB writer
// can emit it as is. Elements are strings or integers; a string that looks like an integer (Redis's
// lpStringToInt64 rules) is stored as an integer, exactly as Redis stores it.
// Positions are byte offsets of an element's first byte; they are invalidated by any change.
// Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace keel::formats {
struct ListpackElement;
}

namespace keel::engine {

// One element as read from a listpack: an integer, or a string viewing the listpack's bytes (valid
// until the listpack changes).
struct LpValue {
  bool is_int = false;
  int64_t num = 0;
  std::string_view str;

  // The element's bytes; an integer is formatted into `buf` (Redis's ll2string).
  std::string_view Bytes(char (&buf)[24]) const;
  std::string ToString() const;
  // Byte-wise equality with `s`, as Redis's lpCompare (an integer equals its decimal form).
  bool Equals(std::string_view s) const;
};

class Listpack {
 public:
  using Pos = uint32_t;
  static constexpr Pos kNone = 0;  // "no element": never a valid position (the header is first)

  Listpack();  // empty: header and terminator only (7 bytes)
  ~Listpack();
  Listpack(const Listpack& other);
  Listpack& operator=(const Listpack& other);
  // A moved-from listpack holds no buffer: it may only be destroyed or assigned to.
  Listpack(Listpack&& other) noexcept;
  Listpack& operator=(Listpack&& other) noexcept;
  // Adopts a copy of `bytes`, which must be a valid listpack (validate it first with
  // formats::ValidateListpack when it comes from outside).
  static Listpack FromBytes(std::span<const uint8_t> bytes);

  size_t size() const;  // elements
  bool empty() const { return size() == 0; }
  size_t bytes() const;  // total encoded bytes (the header's total_bytes)
  std::span<const uint8_t> data() const;
  size_t AllocatedBytes() const;  // the allocator's usable size of the buffer

  // Navigation. kNone when there is no such element.
  Pos First() const;
  Pos Last() const;
  Pos Next(Pos p) const;
  Pos Prev(Pos p) const;
  // The element at `index`; negative counts from the end (-1 is the last).
  Pos Seek(int64_t index) const;
  LpValue Get(Pos p) const;

  // Changes. Each returns the position of the element it wrote (Insert, Replace) or of the element
  // that followed the deleted one (Delete; kNone at the end).
  void Append(std::string_view v);
  void AppendInt(int64_t v);
  void Prepend(std::string_view v);
  void PrependInt(int64_t v);
  Pos InsertBefore(Pos p, std::string_view v);
  Pos InsertAfter(Pos p, std::string_view v);
  Pos InsertIntBefore(Pos p, int64_t v);
  Pos InsertIntAfter(Pos p, int64_t v);
  Pos Replace(Pos p, std::string_view v);
  Pos ReplaceInt(Pos p, int64_t v);
  Pos Delete(Pos p);
  // Deletes `count` elements starting at `p` (fewer if the end comes first).
  Pos DeleteRange(Pos p, size_t count);
  // Deletes `count` elements starting at element `index` (negative from the end).
  void DeleteRangeByIndex(int64_t index, size_t count);
  // Appends all of `other`'s elements (Redis's lpMerge); `other` is left empty.
  void Merge(Listpack&& other);
  // Gives back allocator slack beyond bytes() (Redis's lpShrinkToFit).
  void ShrinkToFit();

  // The first element from `p` on, looking at every (skip+1)-th element, that equals `v`
  // (Redis's lpFind: hash fields with skip 1, sorted set members with skip 1). kNone if absent.
  Pos Find(Pos p, std::string_view v, unsigned skip) const;

  // Bytes an element of value `v` would take (for size-limited list nodes).
  static size_t EncodedSize(std::string_view v);
  // False when adding `add` bytes would take the listpack past 1 GiB (Redis's lpSafeToAdd);
  // callers convert to the big encoding first.
  bool SafeToAdd(size_t add) const;

 private:
  // Replaces the `replaced` bytes at `off` with element `e` (nothing when null), moving the tail
  // and resizing as Redis's lpInsert; adjusts the header count by `count_delta`. Returns `off`.
  Pos Splice(Pos off, uint32_t replaced, const formats::ListpackElement* e, std::string_view str,
             int count_delta);
  Pos InsertAt(Pos off, std::string_view v);
  Pos InsertIntAt(Pos off, int64_t v);
  void SetCountAndShrink(size_t new_bytes, size_t deleted);

  uint8_t* buf_;
};

}  // namespace keel::engine
