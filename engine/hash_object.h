// The hash value (Redis's OBJ_HASH) in Redis 7.0's two encodings: a "listpack" of field, value
// pairs in insertion order while the hash is small, then a "hashtable" (Dict) with one allocation
// per field. The switch happens at exactly Redis's thresholds (hash-max-listpack-entries and
// hash-max-listpack-value) and never goes back, as in Redis 7.0, so OBJECT ENCODING reports what
// Redis would after the same commands.
// Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "engine/dict.h"
#include "engine/listpack.h"
#include "engine/object.h"

namespace keel::engine {

struct EncodingLimits;

// A hashtable field: `next` pointer, varint field length, varint value length, field bytes, value
// bytes, in one engine::Allocate block (a 12-byte field with a 12-byte value takes 34 bytes where
// Redis spends a 24-byte dictEntry and two sds allocations).
struct HashNode;
struct HashNodeTraits {
  static std::string_view Key(const HashNode* n);
  static HashNode** NextPtr(HashNode* n) { return reinterpret_cast<HashNode**>(n); }
};
using HashDict = Dict<HashNode, HashNodeTraits>;
// The value bytes of a hashtable field.
std::string_view HashNodeValue(const HashNode* n);

class HashObject final : public Object {
 public:
  // Called with each field and its value; the views are valid until the hash changes.
  using PairFn = std::function<void(std::string_view field, std::string_view value)>;

  HashObject();  // an empty listpack, as Redis's createHashObject
  // Adopts a listpack of field, value pairs with unique fields (RDB loading and RESTORE).
  explicit HashObject(Listpack pairs);
  ~HashObject() override;
  HashObject(const HashObject&) = delete;
  HashObject& operator=(const HashObject&) = delete;

  const char* EncodingName() const override { return is_listpack() ? "listpack" : "hashtable"; }
  size_t AllocatedBytes() const override;
  std::unique_ptr<Object> Clone() const override;
  size_t Size() const override;

  bool is_listpack() const {
    uintptr_t word;
    memcpy(&word, static_cast<const void*>(&listpack_), sizeof(word));
    return (word & kTableTag) == 0;
  }
  const Listpack& listpack() const { return listpack_; }  // requires is_listpack()
  // Whether a hashtable is moving to a resized table (for tests and DEBUG output).
  bool rehashing() const { return !is_listpack() && dict().rehashing(); }

  // Redis's hashTypeTryConversion, called before HSET/HMSET/HSETNX store `args` (fields and values
  // alternating): a listpack becomes a hashtable when one of them is longer than
  // hash-max-listpack-value, or when the listpack could pass its 1 GiB safety size.
  void TryConversion(std::span<const std::string_view> args, const EncodingLimits& limits);

  // Lookups. Dict lookups take a rehash step, as Redis's dictFind does; hence not const. A
  // listpack integer is formatted into `buf`; the view is valid until the hash changes.
  std::optional<std::string_view> Get(std::string_view field, char (&buf)[24]);
  bool Exists(std::string_view field);

  // Redis's hashTypeSet: returns true when the field was added, false when its value was replaced.
  // A listpack converts first when the field or value is longer than hash-max-listpack-value, and
  // after the insert when it holds more than hash-max-listpack-entries fields.
  bool Set(std::string_view field, std::string_view value, const EncodingLimits& limits);
  // Returns false when `field` was absent. A hashtable shrinks when it falls under 10% full.
  bool Delete(std::string_view field);

  // Every field and value: a listpack in insertion order, a hashtable in table order.
  // fn(field, value) must not change the hash.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (is_listpack()) {
      const Listpack& lp = listpack();
      char fbuf[24], vbuf[24];
      for (Listpack::Pos p = lp.First(); p != Listpack::kNone;) {
        Listpack::Pos v = lp.Next(p);
        fn(lp.Get(p).Bytes(fbuf), lp.Get(v).Bytes(vbuf));
        p = lp.Next(v);
      }
    } else {
      dict().ForEach([&](HashNode* n) { fn(HashNodeTraits::Key(n), HashNodeValue(n)); });
    }
  }

  // HSCAN over a hashtable (Redis's dictScan): calls fn(field, value) for the fields of one or
  // more buckets and returns the next cursor, 0 when done. Requires !is_listpack(); a listpack is
  // returned whole with ForEach.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    return dict().Scan(cursor, [&](HashNode* n) { fn(HashNodeTraits::Key(n), HashNodeValue(n)); });
  }

  // HRANDFIELD's algorithms (Redis's hrandfieldWithCountCommand); all require Size() > 0.
  // One uniform field of a listpack, Dict::FairRandom of a hashtable.
  void RandomPair(const PairFn& fn);
  // `count` independent picks, repeats allowed, in random order (negative COUNT).
  void RandomPairs(uint64_t count, const PairFn& fn);
  // `count` distinct fields, 0 < count < Size(). When count is more than a third of the hash,
  // every field is copied and random ones are dropped until `count` remain; otherwise a listpack
  // is sampled in order and a hashtable picks random fields, skipping repeats.
  void RandomDistinctPairs(uint64_t count, const PairFn& fn);

 private:
  struct Table {
    HashDict dict;
    size_t node_bytes = 0;  // usable bytes of every node, for AllocatedBytes
  };

  static constexpr uintptr_t kTableTag = 1;

  // Require !is_listpack().
  Table& table() const { return *reinterpret_cast<Table*>(tagged_table_ & ~kTableTag); }
  HashDict& dict() { return table().dict; }
  const HashDict& dict() const { return table().dict; }
  // Replaces the listpack (destroyed here) by `t`.
  void AdoptTable(std::unique_ptr<Table> t);
  void ConvertToHashtable();
  bool DictSet(std::string_view field, std::string_view value);  // true when added

  // One word, so that with the vtable pointer a small hash's object fills a 16-byte block (Redis's
  // robj is 16 bytes too): the listpack, whose only member is its buffer pointer (at least 8-byte
  // aligned, so bit 0 is clear), or the owned Table's address with bit 0 set. is_listpack() reads
  // the word's bytes rather than the inactive member.
  union {
    Listpack listpack_;
    uintptr_t tagged_table_;
  };
};

}  // namespace keel::engine
