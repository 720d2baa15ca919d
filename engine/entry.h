// A key and its value in one allocation (Keel's compact entry). Small string values live inline
// after the key; integers are stored as 8 bytes ("int" encoding); long or mutated strings move to
// a heap buffer ("raw"). Collections keep a pointer to their Object (object.h) here.
// Entries are created, replaced and freed only by Db; callers hold Entry* only until the next
// change to the same Db.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace keel::engine {

class Object;

// Redis's OBJ_* numbering (also the RDB type families).
enum class ObjType : uint8_t { kString = 0, kList = 1, kSet = 2, kZSet = 3, kHash = 4, kStream = 6 };

// Redis's LRU clock: seconds, wrapping at 24 bits (LRU_CLOCK_MAX, LRU_CLOCK_RESOLUTION).
inline constexpr uint32_t kLruClockMax = (1u << 24) - 1;
inline constexpr int64_t kLruClockResolutionMs = 1000;

// Redis's `TYPE` reply for a type.
const char* TypeName(ObjType t);

class Entry {
 public:
  Entry() = delete;
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

  std::string_view key() const;
  ObjType type() const;
  bool has_expire() const;

  // String values.
  bool is_int() const;
  int64_t int_value() const;             // requires is_int()
  std::string_view string_value() const;  // requires !is_int()
  // The value as bytes whatever its encoding; an integer is formatted into `buf`.
  std::string_view StringBytes(char (&buf)[24]) const;
  size_t StringLength() const;
  // Redis's OBJECT ENCODING name: "int", "embstr" (inline, at most 44 bytes, never mutated) or
  // "raw"; a collection's name comes from its Object.
  const char* EncodingName() const;

  // Collection values (any type but kString): the entry's Object, and the same cast to the type's
  // class (ListObject, HashObject, SetObject, ZSetObject), which the caller picks by type().
  Object* object() const;
  template <typename T>
  T* As() const {
    return static_cast<T*>(object());
  }

  // LRU clock (24 bits, Redis's LRU_CLOCK resolution) or LFU data, for OBJECT IDLETIME and eviction.
  uint32_t lru() const;
  void set_lru(uint32_t v);

  // Bytes the allocator handed out for this entry and anything it owns (MEMORY USAGE).
  size_t AllocatedBytes() const;

 private:
  friend class Db;
  friend class EntryOps;
};

}  // namespace keel::engine
