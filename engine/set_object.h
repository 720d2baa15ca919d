// The set value (Redis's OBJ_SET) in Redis 7.0's two encodings: an "intset" while every member is
// an integer in Redis's string2ll form and there are at most set-max-intset-entries of them, then
// a "hashtable" (Dict) with one allocation per member. A set never converts back, as in Redis, so
// the encoding a command leaves depends on the order of its adds and removes exactly as there.
// Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "engine/dict.h"
#include "engine/intset.h"
#include "engine/object.h"

namespace keel::engine {

// One member as the set holds it: an integer of an intset, or the bytes of a hashtable member.
// `str` points into the set and is valid until the set changes.
struct SetMember {
  bool is_int = false;
  int64_t int_value = 0;
  std::string_view str;

  // The member's bytes; an integer is formatted into `buf`.
  std::string_view Bytes(char (&buf)[24]) const;
  std::string ToString() const;
};

// A hashtable member: `next` pointer, varint length, bytes, in one engine::Allocate block.
struct SetNode;
struct SetNodeTraits {
  static std::string_view Key(const SetNode* n);
  static SetNode** NextPtr(SetNode* n) { return reinterpret_cast<SetNode**>(n); }
};
using SetDict = Dict<SetNode, SetNodeTraits>;

class SetObject final : public Object {
 public:
  // An empty set of each encoding. Redis's set commands never leave an empty set in the keyspace;
  // the empty intset is where SINTERSTORE, SUNION and friends start building their result.
  static std::unique_ptr<SetObject> CreateIntset();
  static std::unique_ptr<SetObject> CreateHashtable();
  // Redis's setTypeCreate: an empty set of the encoding that can hold `first_member`.
  static std::unique_ptr<SetObject> CreateFor(std::string_view first_member);
  // Adopts an intset (RDB loading and RESTORE).
  static std::unique_ptr<SetObject> FromIntset(Intset members);

  ~SetObject() override;
  SetObject(const SetObject&) = delete;
  SetObject& operator=(const SetObject&) = delete;

  const char* EncodingName() const override { return is_intset() ? "intset" : "hashtable"; }
  size_t AllocatedBytes() const override;
  std::unique_ptr<Object> Clone() const override;
  size_t Size() const override;

  bool is_intset() const {
    uintptr_t word;
    std::memcpy(&word, static_cast<const void*>(&rep_), sizeof(word));
    return (word & kDictTag) == 0;
  }
  bool rehashing() const { return !is_intset() && dict().rehashing(); }
  const Intset& intset() const { return rep_.intset; }  // requires is_intset()

  // Redis's setTypeAdd: returns false when `member` was already present. An intset converts to a
  // hashtable when `member` is not an integer or when it would hold more than
  // `max_intset_entries` (set-max-intset-entries, capped at 2^30 as Redis caps it).
  bool Add(std::string_view member, int64_t max_intset_entries);
  // Returns false when `member` was absent. A hashtable shrinks when it falls under 10% full.
  bool Remove(std::string_view member);
  // Dict lookups take a rehash step, as Redis's dictFind does; hence not const.
  bool Contains(std::string_view member);
  bool ContainsInt(int64_t v);

  // Presizes a hashtable for `n` members (Redis's dictExpand); nothing for an intset.
  void Reserve(size_t n) {
    if (!is_intset()) dict().Expand(n);
  }

  // Exchanges contents with `other`: SPOP's rebuilt set takes the place of the old one under the
  // same entry, keeping the key's expiry as Redis's dbOverwrite does.
  void Swap(SetObject& other);

  // Redis's setTypeRandomElement: a uniform pick of an intset, Dict::FairRandom of a hashtable.
  // Requires Size() > 0.
  SetMember Random();

  // Every member: intsets in ascending order, hashtables in table order (both tables while
  // rehashing, as Redis's dictNext). fn(const SetMember&) must not change the set; when it returns
  // bool, false stops the walk.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (is_intset()) {
      const Intset& is = intset();
      for (size_t i = 0; i < is.size(); i++) {
        if (!Visit(fn, SetMember{true, is.At(i), {}})) return;
      }
      return;
    }
    const SetDict& d = dict();
    for (int t = 0; t < 2; t++) {
      for (size_t i = 0; i < d.table_size(t); i++) {
        for (SetNode* n = d.bucket(t, i); n != nullptr; n = *SetNodeTraits::NextPtr(n)) {
          if (!Visit(fn, SetMember{false, 0, SetNodeTraits::Key(n)})) return;
        }
      }
    }
  }
  std::vector<std::string> Members() const;

  // SSCAN over a hashtable (Redis's dictScan): calls fn(std::string_view) for the members of one
  // or more buckets and returns the next cursor, 0 when done. Requires !is_intset(); an intset is
  // returned whole with ForEach.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    return dict().Scan(cursor, [&](SetNode* n) { fn(SetNodeTraits::Key(n)); });
  }

 private:
  SetObject() = default;
  template <typename Fn>
  static bool Visit(Fn& fn, const SetMember& m) {
    if constexpr (std::is_same_v<decltype(fn(m)), bool>) {
      return fn(m);
    } else {
      fn(m);
      return true;
    }
  }
  void ConvertToHashtable(size_t expected);
  SetDict& dict() { return *reinterpret_cast<SetDict*>(rep_.tagged_dict & ~kDictTag); }
  const SetDict& dict() const {
    return *reinterpret_cast<const SetDict*>(rep_.tagged_dict & ~kDictTag);
  }
  // Replaces the intset (destroyed) by `d` (adopted).
  void BecomeHashtable(SetDict* d);
  bool DictAdd(std::string_view member);

  // One word, so that a SetObject is 16 bytes (vtable pointer + this), the allocator's 16-byte
  // class, as Redis's robj: the intset, whose only member is its buffer pointer, or the owned
  // SetDict's address with the low bit set (both allocations are at least 8-byte aligned, so a
  // buffer pointer never has it; a moved-from intset's null pointer neither).
  static constexpr uintptr_t kDictTag = 1;
  union Rep {
    Rep() : intset() {}
    ~Rep() {}  // SetObject's destructor destroys the active member
    Intset intset;
    uintptr_t tagged_dict;
  } rep_;
  static_assert(sizeof(Intset) == sizeof(uintptr_t), "the tag shares the intset's pointer word");
};

}  // namespace keel::engine
