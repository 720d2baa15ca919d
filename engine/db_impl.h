// Db's private state, shared by db.cc, db_maintenance.cc and expire_cycle.cc: the keyspace table,
// the table of volatile keys, and the helpers that keep the two consistent when an entry moves.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/db.h"
#include "engine/dict.h"
#include "engine/entry_layout.h"
#include "engine/keyspace.h"

namespace keel::engine {

// A volatile key's expiry. The key is read through the entry, so the node is three words; it must
// be repointed whenever its entry is reallocated (Db::Impl::Relocate).
struct ExpireNode {
  ExpireNode* next;
  Entry* entry;
  int64_t when_ms;
};

struct EntryDictTraits {
  static std::string_view Key(const Entry* e) { return EntryOps::Key(e); }
  static Entry** NextPtr(Entry* e) { return EntryOps::NextPtr(e); }
};

struct ExpireDictTraits {
  static std::string_view Key(const ExpireNode* n) { return EntryOps::Key(n->entry); }
  static ExpireNode** NextPtr(ExpireNode* n) { return &n->next; }
};

using KeyDict = Dict<Entry, EntryDictTraits>;
using ExpireDict = Dict<ExpireNode, ExpireDictTraits>;

struct Db::Impl {
  Impl(Db* d, Keyspace* k) : db(d), ks(k) {}

  Db* const db;
  Keyspace* const ks;
  // Swapped by SWAPDB; everything below belongs to the data, not to the Db object.
  KeyDict keys;
  ExpireDict expires;
  int64_t avg_ttl = 0;
  uint64_t expires_cursor = 0;  // active expiry position in the expiry table's buckets

  uint32_t LruClock() const { return ks->LruClock(); }
  // An access: the LRU clock, or the LFU counter under an LFU policy (Redis's lookupKey). Redis
  // skips it while a fork child runs, so reads do not copy pages.
  void Touch(Entry* e) const {
    if (ks->resize_allowed()) e->set_lru(ks->AccessedData(e->lru()));
  }
  // The access data of a value that replaces `old`'s: new under LRU, but an LFU counter carries
  // over to the new value (Redis's dbSetValue), so overwriting a key keeps its frequency.
  uint32_t OverwriteLru(const Entry* old) const {
    return ks->eviction.lfu() ? old->lru() : ks->NewAccessData();
  }

  ExpireNode* ExpireNodeOf(const Entry* e) const {
    return e->has_expire() ? expires.Peek(EntryOps::Key(e)) : nullptr;
  }
  bool Expired(const Entry* e) const {
    if (!e->has_expire() || ks->loading) return false;
    ExpireNode* x = expires.Peek(EntryOps::Key(e));
    return x != nullptr && ks->now_ms() > x->when_ms;
  }

  // Points the keyspace chain and the expiry node at `to`, a new block for `from`'s key, then
  // frees `from`. Every lookup here reads `from`'s key, so it runs before the free.
  void Relocate(Entry* from, Entry* to) {
    Entry** link = keys.LinkTo(from);
    *EntryOps::NextPtr(to) = EntryOps::Next(from);
    *link = to;
    if (ExpireNode* x = ExpireNodeOf(from)) x->entry = to;
    EntryOps::set_has_expire(to, from->has_expire());
    EntryOps::Free(from);
  }

  // Unlinks and frees `e` and its expiry node. `e` must be linked in `keys`.
  void Unlink(Entry* e) {
    if (e->has_expire()) delete expires.Remove(EntryOps::Key(e));
    keys.Unlink(e);
    EntryOps::Free(e);
  }

  // Deletes an expired key, counting it and telling the observer (AOF/replica DEL, WATCH).
  void ExpireEntry(Entry* e) {
    ks->stats().expired_keys++;
    if (KeyspaceObserver* o = ks->observer()) o->OnKeyExpired(*db, EntryOps::Key(e));
    Unlink(e);
  }

  // Frees every key without telling the observer (Db::Clear tells it; ~Db must not).
  size_t ClearTables();

  // Redis's signalModifiedKey, for the Db operations that write a key.
  void Modified(std::string_view key) const {
    if (KeyspaceObserver* o = ks->observer()) o->OnKeyModified(*db, key);
  }
  // Links a new entry and tells the observer (dbAdd's signalKeyAsReady). The entry's LRU clock is
  // set as for a new value (LRU clock or LFU_INIT_VAL) unless `keep_lru` (RENAME and MOVE move a
  // value with its access data).
  void Added(Entry* e, uint64_t hash, bool keep_lru = false) {
    if (!keep_lru) e->set_lru(ks->NewAccessData());
    keys.Insert(e, hash);
    if (KeyspaceObserver* o = ks->observer()) {
      o->OnKeyModified(*db, EntryOps::Key(e));
      o->OnKeyAdded(*db, EntryOps::Key(e), e->type());
    }
  }

  // Sets the string value of `e`, in place when the block allows. Returns the (maybe moved) entry.
  Entry* AssignString(Entry* e, std::string_view value, bool allow_int = true);
  Entry* AssignInt(Entry* e, int64_t value);
};

}  // namespace keel::engine
