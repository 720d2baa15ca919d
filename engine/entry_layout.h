// The byte layout of an Entry and the operations Db uses to build, rewrite and free entries.
// Private to the engine: command handlers see entries only through entry.h.
//
// One allocation per key:
//   offset 0   Entry* next            chain pointer of the keyspace Dict
//   offset 8   u32 meta               bits 0-23 LRU clock, 24-26 ObjType, 27-28 ValueKind,
//                                     29 has-expire, 30 "raw" (OBJECT ENCODING reports raw)
//   offset 12  varint key length      LEB128, 1 byte below 128
//              varint value length    inline values only
//              key bytes
//              value                  inline bytes | int64 (8 bytes) | std::string* | object*
// A 16-byte key with a 32-byte value takes 8 + 4 + 1 + 1 + 16 + 32 = 62 bytes, one 64-byte block.
// Integers and pointers are unaligned in the block and are read and written with memcpy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "engine/entry.h"
#include "engine/object.h"

namespace keel::engine {

enum class ValueKind : uint8_t {
  kInline = 0,      // bytes after the key ("embstr", or "raw" past 44 bytes)
  kInt = 1,         // int64 ("int")
  kHeapString = 2,  // std::string* for values mutated in place ("raw")
  kObject = 3,      // Object* (collections)
};

namespace entry_layout {

inline constexpr size_t kNextOffset = 0;
inline constexpr size_t kMetaOffset = 8;
inline constexpr size_t kVarintOffset = 12;
inline constexpr uint32_t kLruMask = (1u << 24) - 1;
inline constexpr int kTypeShift = 24;
inline constexpr uint32_t kTypeMask = 7u << kTypeShift;
inline constexpr int kKindShift = 27;
inline constexpr uint32_t kKindMask = 3u << kKindShift;
inline constexpr uint32_t kHasExpireBit = 1u << 29;
inline constexpr uint32_t kRawBit = 1u << 30;
// Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT: longer strings report "raw".
inline constexpr size_t kEmbstrMaxLength = 44;

inline size_t VarintLength(size_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

inline size_t PutVarint(char* p, size_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  p[n++] = static_cast<char>(v);
  return n;
}

inline size_t GetVarint(const char* p, size_t* offset) {
  size_t v = 0;
  int shift = 0;
  for (;;) {
    auto b = static_cast<unsigned char>(p[(*offset)++]);
    v |= static_cast<size_t>(b & 0x7F) << shift;
    if (b < 0x80) return v;
    shift += 7;
  }
}

// Bytes an entry needs for a key of key_len and a value of `kind` (inline_len for kInline).
inline size_t EntrySize(size_t key_len, ValueKind kind, size_t inline_len) {
  size_t size = kVarintOffset + VarintLength(key_len) + key_len;
  if (kind == ValueKind::kInline) return size + VarintLength(inline_len) + inline_len;
  return size + 8;
}

// Where the parts of an entry are, decoded from its varints.
struct Offsets {
  size_t key;  // offset of the key bytes
  size_t key_len;
  size_t value;       // offset of the value
  size_t inline_len;  // kInline only
};

}  // namespace entry_layout

class EntryOps {
 public:
  static const char* bytes(const Entry* e) { return reinterpret_cast<const char*>(e); }
  static char* bytes(Entry* e) { return reinterpret_cast<char*>(e); }

  static uint32_t meta(const Entry* e) {
    uint32_t m;
    memcpy(&m, bytes(e) + entry_layout::kMetaOffset, sizeof(m));
    return m;
  }
  static void set_meta(Entry* e, uint32_t m) {
    memcpy(bytes(e) + entry_layout::kMetaOffset, &m, sizeof(m));
  }
  static ValueKind kind(const Entry* e) {
    return static_cast<ValueKind>((meta(e) & entry_layout::kKindMask) >> entry_layout::kKindShift);
  }
  static void set_has_expire(Entry* e, bool on) {
    uint32_t m = meta(e);
    set_meta(e, on ? (m | entry_layout::kHasExpireBit) : (m & ~entry_layout::kHasExpireBit));
  }

  // The chain pointer lives at offset 0 of a block aligned for any scalar.
  static Entry** NextPtr(Entry* e) { return reinterpret_cast<Entry**>(bytes(e)); }
  static Entry* Next(const Entry* e) { return *reinterpret_cast<Entry* const*>(bytes(e)); }

  static entry_layout::Offsets Locate(const Entry* e) {
    const char* p = bytes(e);
    size_t off = entry_layout::kVarintOffset;
    entry_layout::Offsets o{};
    o.key_len = entry_layout::GetVarint(p, &off);
    if (kind(e) == ValueKind::kInline) o.inline_len = entry_layout::GetVarint(p, &off);
    o.key = off;
    o.value = off + o.key_len;
    return o;
  }
  static std::string_view Key(const Entry* e) {
    entry_layout::Offsets o = Locate(e);
    return std::string_view(bytes(e) + o.key, o.key_len);
  }
  // The pointer stored by kHeapString and kObject entries.
  static void* ValuePointer(const Entry* e) {
    void* ptr;
    memcpy(&ptr, bytes(e) + Locate(e).value, sizeof(ptr));
    return ptr;
  }
  static std::string* HeapString(const Entry* e) {
    return static_cast<std::string*>(ValuePointer(e));
  }
  static engine::Object* ObjectOf(const Entry* e) {
    return static_cast<engine::Object*>(ValuePointer(e));
  }

  // New string entries (type string, LRU 0, no expiry, not linked). A heap string is adopted.
  static Entry* NewInline(std::string_view key, std::string_view value);
  static Entry* NewInt(std::string_view key, int64_t value);
  static Entry* NewHeapString(std::string_view key, std::string* value);
  // A new collection entry of `type` (LRU 0, no expiry, not linked) that adopts `value`.
  static Entry* NewObject(std::string_view key, ObjType type, engine::Object* value);
  // Frees the entry and the value it owns.
  static void Free(Entry* e);

  // Rewrite the value in place, keeping the key, chain pointer, LRU, type and expiry bit. They
  // return false and change nothing when the new layout does not fit the block, or would waste
  // most of it; the caller then builds a new entry. `value` may point into `e`.
  static bool AssignInline(Entry* e, std::string_view value);
  static bool AssignInt(Entry* e, int64_t value);
  static bool AssignHeapString(Entry* e, std::string* value);  // adopts `value` on success

  // A new entry under `key` that takes over e's value (moved, not copied) and meta except the
  // expiry bit; e's block is freed. For RENAME.
  static Entry* MoveToKey(Entry* e, std::string_view key);
  // A new entry under `key` with a deep copy of e's value and meta except the expiry bit. For COPY.
  static Entry* Duplicate(const Entry* e, std::string_view key);

  // Whether a block of `usable` bytes should be reused for a layout of `need` bytes: it must fit,
  // and a value that shrank a lot is better moved to a smaller block than left wasting memory.
  static bool FitsInPlace(size_t need, size_t usable) {
    return need <= usable && usable - need <= (need > 64 ? need : 64);
  }
};

}  // namespace keel::engine
