// Entry accessors and EntryOps: building, rewriting and freeing the one-block entries described in
// entry_layout.h. Rewrites happen in place whenever the block's usable size allows, so SET and INCR
// on an existing key do no allocator work.
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "engine/entry_layout.h"
#include "engine/memory.h"

namespace keel::engine {

using entry_layout::EntrySize;
using entry_layout::kEmbstrMaxLength;
using entry_layout::kHasExpireBit;
using entry_layout::kKindMask;
using entry_layout::kKindShift;
using entry_layout::kRawBit;
using entry_layout::kTypeShift;
using entry_layout::kVarintOffset;
using entry_layout::PutVarint;
using entry_layout::VarintLength;

const char* TypeName(ObjType t) {
  switch (t) {
    case ObjType::kString:
      return "string";
    case ObjType::kList:
      return "list";
    case ObjType::kSet:
      return "set";
    case ObjType::kZSet:
      return "zset";
    case ObjType::kHash:
      return "hash";
    case ObjType::kStream:
      return "stream";
  }
  return "none";
}

namespace {

uint32_t KindBits(ValueKind kind) { return static_cast<uint32_t>(kind) << kKindShift; }

// Meta for a string value of `kind`, keeping the LRU, type and expiry bit of `old`.
uint32_t StringMeta(uint32_t old, ValueKind kind, bool raw) {
  uint32_t m = old & ~(kKindMask | kRawBit | entry_layout::kTypeMask);
  m |= static_cast<uint32_t>(ObjType::kString) << kTypeShift;
  m |= KindBits(kind);
  if (raw) m |= kRawBit;
  return m;
}

// Allocates a block for `key` with a value of `kind`, writes next, meta, varints and key, and
// returns the block with the value offset in *value_off.
char* NewBlock(std::string_view key, ValueKind kind, size_t inline_len, uint32_t meta,
               size_t* value_off) {
  size_t size = EntrySize(key.size(), kind, inline_len);
  auto* p = static_cast<char*>(Allocate(size));
  Entry* null_next = nullptr;
  memcpy(p, &null_next, sizeof(null_next));
  memcpy(p + entry_layout::kMetaOffset, &meta, sizeof(meta));
  size_t off = kVarintOffset;
  off += PutVarint(p + off, key.size());
  if (kind == ValueKind::kInline) off += PutVarint(p + off, inline_len);
  memcpy(p + off, key.data(), key.size());
  *value_off = off + key.size();
  return p;
}

// Rewrites e's varints for a value of `kind` and moves the key if its offset changes. Returns the
// new value offset, or 0 when the layout does not fit in place.
size_t Relayout(Entry* e, ValueKind kind, size_t inline_len) {
  entry_layout::Offsets old = EntryOps::Locate(e);
  size_t need = EntrySize(old.key_len, kind, inline_len);
  if (!EntryOps::FitsInPlace(need, UsableSize(e))) return 0;
  char* p = EntryOps::bytes(e);
  size_t off = kVarintOffset + VarintLength(old.key_len);
  size_t key_off = off + (kind == ValueKind::kInline ? VarintLength(inline_len) : 0);
  if (key_off != old.key) memmove(p + key_off, p + old.key, old.key_len);
  if (kind == ValueKind::kInline) PutVarint(p + off, inline_len);
  return key_off + old.key_len;
}

}  // namespace

// ---- Entry ----

std::string_view Entry::key() const { return EntryOps::Key(this); }

ObjType Entry::type() const {
  return static_cast<ObjType>((EntryOps::meta(this) & entry_layout::kTypeMask) >> kTypeShift);
}

bool Entry::has_expire() const { return (EntryOps::meta(this) & kHasExpireBit) != 0; }

engine::Object* Entry::object() const {
  return static_cast<engine::Object*>(EntryOps::ValuePointer(this));
}

bool Entry::is_int() const { return EntryOps::kind(this) == ValueKind::kInt; }

int64_t Entry::int_value() const {
  int64_t v;
  memcpy(&v, EntryOps::bytes(this) + EntryOps::Locate(this).value, sizeof(v));
  return v;
}

std::string_view Entry::string_value() const {
  entry_layout::Offsets o = EntryOps::Locate(this);
  if (EntryOps::kind(this) == ValueKind::kHeapString) return *EntryOps::HeapString(this);
  return std::string_view(EntryOps::bytes(this) + o.value, o.inline_len);
}

std::string_view Entry::StringBytes(char (&buf)[24]) const {
  if (!is_int()) return string_value();
  auto r = std::to_chars(buf, buf + sizeof(buf), int_value());
  return std::string_view(buf, static_cast<size_t>(r.ptr - buf));
}

size_t Entry::StringLength() const {
  char buf[24];
  return StringBytes(buf).size();
}

const char* Entry::EncodingName() const {
  switch (EntryOps::kind(this)) {
    case ValueKind::kInt:
      return "int";
    case ValueKind::kInline:
      return (EntryOps::meta(this) & kRawBit) ? "raw" : "embstr";
    case ValueKind::kHeapString:
      return "raw";
    case ValueKind::kObject:
      return object()->EncodingName();
  }
  return "unknown";
}

uint32_t Entry::lru() const { return EntryOps::meta(this) & entry_layout::kLruMask; }

void Entry::set_lru(uint32_t v) {
  uint32_t m = EntryOps::meta(this);
  EntryOps::set_meta(this, (m & ~entry_layout::kLruMask) | (v & entry_layout::kLruMask));
}

size_t Entry::AllocatedBytes() const {
  size_t total = UsableSize(this);
  if (EntryOps::kind(this) == ValueKind::kHeapString) {
    const std::string* s = EntryOps::HeapString(this);
    total += UsableSize(s);
    // Short strings live inside the std::string object itself; longer ones in their own block.
    const char* data = s->data();
    auto* obj = reinterpret_cast<const char*>(s);
    if (data < obj || data >= obj + sizeof(*s)) total += UsableSize(data);
  } else if (EntryOps::kind(this) == ValueKind::kObject) {
    total += object()->AllocatedBytes();
  }
  return total;
}

// ---- EntryOps ----

Entry* EntryOps::NewInline(std::string_view key, std::string_view value) {
  size_t off;
  uint32_t meta = StringMeta(0, ValueKind::kInline, value.size() > kEmbstrMaxLength);
  char* p = NewBlock(key, ValueKind::kInline, value.size(), meta, &off);
  if (!value.empty()) memcpy(p + off, value.data(), value.size());
  return reinterpret_cast<Entry*>(p);
}

Entry* EntryOps::NewInt(std::string_view key, int64_t value) {
  size_t off;
  char* p = NewBlock(key, ValueKind::kInt, 0, StringMeta(0, ValueKind::kInt, false), &off);
  memcpy(p + off, &value, sizeof(value));
  return reinterpret_cast<Entry*>(p);
}

Entry* EntryOps::NewObject(std::string_view key, ObjType type, engine::Object* value) {
  size_t off;
  uint32_t meta = KindBits(ValueKind::kObject) | (static_cast<uint32_t>(type) << kTypeShift);
  char* p = NewBlock(key, ValueKind::kObject, 0, meta, &off);
  memcpy(p + off, &value, sizeof(value));
  return reinterpret_cast<Entry*>(p);
}

Entry* EntryOps::NewHeapString(std::string_view key, std::string* value) {
  size_t off;
  uint32_t meta = StringMeta(0, ValueKind::kHeapString, true);
  char* p = NewBlock(key, ValueKind::kHeapString, 0, meta, &off);
  memcpy(p + off, &value, sizeof(value));
  return reinterpret_cast<Entry*>(p);
}

void EntryOps::Free(Entry* e) {
  switch (kind(e)) {
    case ValueKind::kHeapString:
      delete HeapString(e);
      break;
    case ValueKind::kObject:
      delete ObjectOf(e);
      break;
    case ValueKind::kInline:
    case ValueKind::kInt:
      break;
  }
  Deallocate(e);
}

bool EntryOps::AssignInline(Entry* e, std::string_view value) {
  ValueKind old_kind = kind(e);
  if (old_kind == ValueKind::kObject) return false;
  std::string* old_heap = old_kind == ValueKind::kHeapString ? HeapString(e) : nullptr;
  // Relayout may move the key over the old value, so a value taken from this block is copied out
  // first. A value inside the old heap string stays valid until that string is deleted below.
  std::string copy;
  const char* p = bytes(e);
  if (value.data() >= p && value.data() < p + UsableSize(e)) {
    copy.assign(value);
    value = copy;
  }
  size_t off = Relayout(e, ValueKind::kInline, value.size());
  if (off == 0) return false;
  if (!value.empty()) memcpy(bytes(e) + off, value.data(), value.size());
  set_meta(e, StringMeta(meta(e), ValueKind::kInline, value.size() > kEmbstrMaxLength));
  delete old_heap;
  return true;
}

bool EntryOps::AssignInt(Entry* e, int64_t value) {
  ValueKind old_kind = kind(e);
  if (old_kind == ValueKind::kInt) {  // INCR's path: 8 bytes in place, nothing else changes
    memcpy(bytes(e) + Locate(e).value, &value, sizeof(value));
    return true;
  }
  if (old_kind == ValueKind::kObject) return false;
  std::string* old_heap = old_kind == ValueKind::kHeapString ? HeapString(e) : nullptr;
  size_t off = Relayout(e, ValueKind::kInt, 0);
  if (off == 0) return false;
  memcpy(bytes(e) + off, &value, sizeof(value));
  set_meta(e, StringMeta(meta(e), ValueKind::kInt, false));
  delete old_heap;
  return true;
}

bool EntryOps::AssignHeapString(Entry* e, std::string* value) {
  ValueKind old_kind = kind(e);
  if (old_kind != ValueKind::kInline && old_kind != ValueKind::kInt) return false;
  size_t off = Relayout(e, ValueKind::kHeapString, 0);
  if (off == 0) return false;
  memcpy(bytes(e) + off, &value, sizeof(value));
  set_meta(e, StringMeta(meta(e), ValueKind::kHeapString, true));
  return true;
}

Entry* EntryOps::MoveToKey(Entry* e, std::string_view key) {
  ValueKind k = kind(e);
  entry_layout::Offsets o = Locate(e);
  size_t payload = k == ValueKind::kInline ? o.inline_len : 8;
  size_t off;
  char* p = NewBlock(key, k, o.inline_len, meta(e) & ~kHasExpireBit, &off);
  if (payload > 0) memcpy(p + off, bytes(e) + o.value, payload);
  Deallocate(e);  // the value, if on the heap, now belongs to the new entry
  return reinterpret_cast<Entry*>(p);
}

Entry* EntryOps::Duplicate(const Entry* e, std::string_view key) {
  ValueKind k = kind(e);
  entry_layout::Offsets o = Locate(e);
  size_t off;
  char* p = NewBlock(key, k, o.inline_len, meta(e) & ~kHasExpireBit, &off);
  switch (k) {
    case ValueKind::kInline:
      if (o.inline_len > 0) memcpy(p + off, bytes(e) + o.value, o.inline_len);
      break;
    case ValueKind::kInt:
      memcpy(p + off, bytes(e) + o.value, 8);
      break;
    case ValueKind::kHeapString: {
      auto* copy = new std::string(*HeapString(e));
      memcpy(p + off, &copy, sizeof(copy));
      break;
    }
    case ValueKind::kObject: {
      engine::Object* copy = ObjectOf(e)->Clone().release();
      memcpy(p + off, &copy, sizeof(copy));
      break;
    }
  }
  return reinterpret_cast<Entry*>(p);
}

}  // namespace keel::engine
