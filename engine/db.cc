// Db's key operations: lookups with lazy expiry, string writes that reuse the entry's block when
// they can, deletion, expiry, and RENAME/MOVE/COPY. An entry that must move to a new block is
// relinked in both tables through Impl::Relocate, so the expiry table never holds a stale pointer.
#include "engine/db.h"

#include <algorithm>
#include <optional>

#include "engine/db_impl.h"
#include "engine/keyspace.h"
#include "engine/parse.h"

namespace keel::engine {

namespace {

// Redis's tryObjectEncoding: a string of at most 20 chars that string2ll accepts becomes "int".
std::optional<int64_t> IntEncodable(std::string_view value) {
  if (value.empty() || value.size() > 20) return std::nullopt;
  return ParseInt64(value);
}

}  // namespace

Entry* Db::Impl::AssignString(Entry* e, std::string_view value, bool allow_int) {
  if (allow_int) {
    if (std::optional<int64_t> v = IntEncodable(value)) return AssignInt(e, *v);
  }
  if (EntryOps::AssignInline(e, value)) return e;
  // `value` may live in e's block or heap string: it is copied before Relocate frees them.
  Entry* moved = EntryOps::NewInline(EntryOps::Key(e), value);
  Relocate(e, moved);
  return moved;
}

Entry* Db::Impl::AssignInt(Entry* e, int64_t value) {
  if (EntryOps::AssignInt(e, value)) return e;
  Entry* moved = EntryOps::NewInt(EntryOps::Key(e), value);
  Relocate(e, moved);
  return moved;
}

Db::Db(Keyspace* ks, int index) : ks_(ks), index_(index), impl_(std::make_unique<Impl>(this, ks)) {}

Db::~Db() { impl_->ClearTables(); }

size_t Db::size() const { return impl_->keys.size(); }
size_t Db::expires_size() const { return impl_->expires.size(); }
size_t Db::expires_slots() const { return impl_->expires.slots(); }
int64_t Db::avg_ttl() const { return impl_->avg_ttl; }
size_t Db::TableOverheadBytes() const {
  return (impl_->keys.slots() + impl_->expires.slots()) * sizeof(void*) +
         impl_->expires.size() * sizeof(ExpireNode);
}

// ---- Lookups ----

Entry* Db::LookupRead(std::string_view key) {
  Entry* e = impl_->keys.Find(key);
  if (e != nullptr && impl_->Expired(e)) {
    if (!ks_->expiry_paused) impl_->ExpireEntry(e);
    e = nullptr;
  }
  if (e == nullptr) {
    ks_->stats().keyspace_misses++;
    return nullptr;
  }
  impl_->Touch(e);
  ks_->stats().keyspace_hits++;
  return e;
}

Entry* Db::LookupWrite(std::string_view key) {
  Entry* e = impl_->keys.Find(key);
  if (e == nullptr) return nullptr;
  if (impl_->Expired(e)) {
    impl_->ExpireEntry(e);
    return nullptr;
  }
  impl_->Touch(e);
  return e;
}

Entry* Db::Find(std::string_view key) const { return impl_->keys.Peek(key); }

bool Db::IsExpired(const Entry* e) const { return impl_->Expired(e); }

bool Db::ExpireIfNeeded(std::string_view key) {
  Entry* e = impl_->keys.Peek(key);
  if (e == nullptr || !impl_->Expired(e)) return false;
  if (!ks_->expiry_paused) impl_->ExpireEntry(e);
  return true;
}

// ---- String writes ----

Entry* Db::SetString(std::string_view key, std::string_view value, bool keep_ttl) {
  uint64_t hash = KeyDict::Hash(key);
  Entry* e = impl_->keys.Find(key, hash);
  // As Redis's setKey, which looks the key up for writing first: an expired key is deleted (and
  // counted) rather than overwritten, so KEEPTTL cannot resurrect its old expiry.
  if (e != nullptr && impl_->Expired(e)) {
    impl_->ExpireEntry(e);
    e = nullptr;
  }
  if (e == nullptr) {
    std::optional<int64_t> v = IntEncodable(value);
    e = v ? EntryOps::NewInt(key, *v) : EntryOps::NewInline(key, value);
    impl_->Added(e, hash);
    return e;
  }
  if (!keep_ttl) RemoveExpire(e);
  uint32_t lru = impl_->OverwriteLru(e);
  e = impl_->AssignString(e, value);
  e->set_lru(lru);
  impl_->Modified(key);
  return e;
}

Entry* Db::SetInteger(std::string_view key, int64_t value, bool keep_ttl) {
  uint64_t hash = KeyDict::Hash(key);
  Entry* e = impl_->keys.Find(key, hash);
  if (e != nullptr && impl_->Expired(e)) {
    impl_->ExpireEntry(e);
    e = nullptr;
  }
  if (e == nullptr) {
    e = EntryOps::NewInt(key, value);
    impl_->Added(e, hash);
    return e;
  }
  if (!keep_ttl) RemoveExpire(e);
  uint32_t lru = impl_->OverwriteLru(e);
  e = impl_->AssignInt(e, value);
  e->set_lru(lru);
  impl_->Modified(key);
  return e;
}

Entry* Db::ReplaceString(Entry* e, std::string_view value, bool allow_int) {
  uint32_t lru = impl_->OverwriteLru(e);
  e = impl_->AssignString(e, value, allow_int);
  e->set_lru(lru);
  impl_->Modified(EntryOps::Key(e));
  return e;
}

Entry* Db::ReplaceInteger(Entry* e, int64_t value) {
  uint32_t lru = impl_->OverwriteLru(e);
  e = impl_->AssignInt(e, value);
  e->set_lru(lru);
  impl_->Modified(EntryOps::Key(e));
  return e;
}

// ---- Collections ----

Entry* Db::AddObject(std::string_view key, ObjType type, std::unique_ptr<Object> value) {
  Entry* e = EntryOps::NewObject(key, type, value.release());
  impl_->Added(e, KeyDict::Hash(key));
  return e;
}

Entry* Db::SetObject(std::string_view key, ObjType type, std::unique_ptr<Object> value) {
  uint64_t hash = KeyDict::Hash(key);
  Entry* old = impl_->keys.Find(key, hash);
  Entry* e = EntryOps::NewObject(key, type, value.release());
  if (old == nullptr) {
    impl_->Added(e, hash);
    return e;
  }
  // As Redis's setKey: the old value and its expiry go, whatever their type.
  RemoveExpire(old);
  e->set_lru(impl_->OverwriteLru(old));
  impl_->Relocate(old, e);
  impl_->Modified(key);
  if (KeyspaceObserver* o = ks_->observer()) o->OnKeyAdded(*this, EntryOps::Key(e), type);
  return e;
}

void Db::SignalModified(std::string_view key) { impl_->Modified(key); }

void Db::Reserve(size_t keys, size_t expires) {
  impl_->keys.Expand(keys);
  impl_->expires.Expand(expires);
}

void Db::Prefetch(std::span<const std::string_view> keys) const {
  const KeyDict& d = impl_->keys;
  // The hashes first, then the bucket reads in a tight loop: a loop of a few instructions keeps
  // many of those misses in flight at once, where hashing between them would not.
  constexpr size_t kChunk = 64;
  uint64_t hashes[kChunk];
  for (size_t start = 0; start < keys.size(); start += kChunk) {
    const size_t n = std::min(kChunk, keys.size() - start);
    for (size_t i = 0; i < n; i++) hashes[i] = KeyDict::Hash(keys[start + i]);
    // While rehashing, lookups read both tables.
    for (int t = 0; t < (d.rehashing() ? 2 : 1); t++) {
      for (size_t i = 0; i < n; i++) __builtin_prefetch(d.bucket(t, hashes[i]));
    }
  }
}

std::string* Db::MutableString(Entry*& e) {
  impl_->Modified(EntryOps::Key(e));
  if (EntryOps::kind(e) == ValueKind::kHeapString) return EntryOps::HeapString(e);
  char buf[24];
  auto* s = new std::string(e->StringBytes(buf));
  if (!EntryOps::AssignHeapString(e, s)) {
    Entry* moved = EntryOps::NewHeapString(EntryOps::Key(e), s);
    moved->set_lru(e->lru());
    impl_->Relocate(e, moved);
    e = moved;
  }
  return s;
}

// ---- Deletion ----

bool Db::Delete(std::string_view key) {
  Entry* e = impl_->keys.Remove(key);
  if (e == nullptr) return false;
  if (e->has_expire()) delete impl_->expires.Remove(key);
  impl_->Modified(key);
  EntryOps::Free(e);
  return true;
}

void Db::DeleteEntry(Entry* e) {
  impl_->Modified(EntryOps::Key(e));
  impl_->Unlink(e);
}

// ---- Expiry ----

int64_t Db::GetExpire(const Entry* e) const {
  ExpireNode* x = impl_->ExpireNodeOf(e);
  return x == nullptr ? -1 : x->when_ms;
}

void Db::SetExpire(Entry* e, int64_t when_ms) {
  impl_->Modified(EntryOps::Key(e));
  if (e->has_expire()) {
    if (ExpireNode* x = impl_->expires.Find(EntryOps::Key(e))) {
      x->when_ms = when_ms;
      return;
    }
  }
  impl_->expires.Insert(new ExpireNode{nullptr, e, when_ms});
  EntryOps::set_has_expire(e, true);
}

bool Db::RemoveExpire(Entry* e) {
  if (!e->has_expire()) return false;
  impl_->Modified(EntryOps::Key(e));
  delete impl_->expires.Remove(EntryOps::Key(e));
  EntryOps::set_has_expire(e, false);
  return true;
}

// ---- RENAME, MOVE, COPY ----

Entry* Db::Rename(Entry* e, std::string_view new_key) {
  if (EntryOps::Key(e) == new_key) return e;
  int64_t when = GetExpire(e);
  Delete(new_key);
  if (e->has_expire()) delete impl_->expires.Remove(EntryOps::Key(e));
  impl_->keys.Unlink(e);
  // The value (and its LRU) moves to the new block untouched, as Redis re-adds the same object.
  impl_->Modified(EntryOps::Key(e));
  Entry* renamed = EntryOps::MoveToKey(e, new_key);
  impl_->Added(renamed, KeyDict::Hash(new_key), /*keep_lru=*/true);
  if (when >= 0) SetExpire(renamed, when);
  return renamed;
}

Entry* Db::MoveTo(Entry* e, Db* dst) {
  if (dst == this) return e;
  std::string_view key = EntryOps::Key(e);
  dst->Delete(key);  // the contract says absent; a stale copy must not end up twice in dst
  ExpireNode* x = e->has_expire() ? impl_->expires.Remove(key) : nullptr;
  impl_->keys.Unlink(e);
  impl_->Modified(key);
  // The same block changes tables, with its LRU; its expiry node keeps pointing at it.
  dst->impl_->Added(e, KeyDict::Hash(key), /*keep_lru=*/true);
  if (x != nullptr) dst->impl_->expires.Insert(x);
  return e;
}

Entry* Db::CopyTo(const Entry* e, Db* dst, std::string_view new_key) {
  if (dst == this && EntryOps::Key(e) == new_key) return const_cast<Entry*>(e);
  int64_t when = GetExpire(e);
  Entry* copy = EntryOps::Duplicate(e, new_key);
  dst->Delete(new_key);
  dst->impl_->Added(copy, KeyDict::Hash(new_key));
  if (when >= 0) dst->SetExpire(copy, when);
  return copy;
}

}  // namespace keel::engine
