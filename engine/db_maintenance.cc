// Db operations over the whole table rather than one key: random keys, SCAN and iteration,
// FLUSHDB and SWAPDB, and the cron's incremental rehashing and shrinking.
#include <functional>
#include <utility>
#include <vector>

#include "engine/db.h"
#include "engine/db_impl.h"
#include "engine/keyspace.h"

namespace keel::engine {

namespace {
// Buckets moved between clock reads in RehashFor (dictRehashMilliseconds' batch).
constexpr int kRehashBatch = 100;
}  // namespace

Entry* Db::RandomEntry() {
  // As on a Redis master: every expired key met is deleted and the search goes on, so the loop
  // ends with a live key or an empty db. While expiry is paused (CLIENT PAUSE) nothing may be
  // deleted: after 100 expired keys in a row the search gives up and finds none.
  for (int tries = 0;; tries++) {
    Entry* e = impl_->keys.FairRandom();
    if (e == nullptr) return nullptr;
    if (!e->has_expire() || !impl_->Expired(e)) return e;
    if (ks_->expiry_paused) {
      if (tries >= 100) return nullptr;
      continue;
    }
    impl_->ExpireEntry(e);
  }
}

size_t Db::SampleForEviction(bool volatile_only, size_t count, std::vector<Sample>* out) {
  // Scratch arrays for the table's own node type, kept between calls: eviction samples before
  // every key it evicts, and the loop thread is the only caller.
  static std::vector<Entry*> entries;
  static std::vector<ExpireNode*> nodes;
  out->clear();
  if (volatile_only) {
    nodes.resize(count);
    size_t n = impl_->expires.Sample(nodes.data(), count);
    for (size_t i = 0; i < n; i++) out->push_back(Sample{nodes[i]->entry, nodes[i]->when_ms});
  } else {
    entries.resize(count);
    size_t n = impl_->keys.Sample(entries.data(), count);
    for (size_t i = 0; i < n; i++) out->push_back(Sample{entries[i], -1});
  }
  return out->size();
}

Entry* Db::RandomForEviction(bool volatile_only) {
  if (!volatile_only) return impl_->keys.Random();
  ExpireNode* x = impl_->expires.Random();
  return x == nullptr ? nullptr : x->entry;
}

uint64_t Db::Scan(uint64_t cursor, const std::function<void(const Entry*)>& fn) const {
  return impl_->keys.Scan(cursor, [&fn](Entry* e) { fn(e); });
}

void Db::ForEach(const std::function<void(const Entry*)>& fn) const {
  // A full walk (SAVE, KEYS) meets the entries in hash order, each a cache miss: the chain head a
  // few buckets ahead is prefetched so the misses overlap (a save of 3M keys takes a third less).
  constexpr size_t kAhead = 32;
  const KeyDict& d = impl_->keys;
  for (int t = 0; t < 2; t++) {
    const size_t size = d.table_size(t);
    for (size_t i = 0; i < size; i++) {
      if (i + kAhead < size) __builtin_prefetch(d.bucket(t, i + kAhead));
      for (Entry* e = d.bucket(t, i); e != nullptr;) {
        Entry* next = EntryOps::Next(e);
        fn(e);
        e = next;
      }
    }
  }
}

size_t Db::Clear() {
  if (KeyspaceObserver* o = ks_->observer()) o->OnDbFlushing(*this);
  return impl_->ClearTables();
}

size_t Db::Impl::ClearTables() {
  size_t n = keys.size();
  expires.Clear([](ExpireNode* x) { delete x; });
  keys.Clear([](Entry* e) { EntryOps::Free(e); });
  avg_ttl = 0;
  expires_cursor = 0;
  return n;
}

void Db::SwapContents(Db* other) {
  // The data moves; each Impl keeps its own Db and Keyspace back-pointers.
  impl_->keys.Swap(other->impl_->keys);
  impl_->expires.Swap(other->impl_->expires);
  std::swap(impl_->avg_ttl, other->impl_->avg_ttl);
  std::swap(impl_->expires_cursor, other->impl_->expires_cursor);
}

bool Db::RehashFor(int64_t us) {
  const io::Clock* clock = ks_->clock();
  int64_t start = clock->MonotonicUs();
  // The main table first, then the expiry table, as Redis's incrementallyRehash.
  while (impl_->keys.Rehash(kRehashBatch)) {
    if (clock->MonotonicUs() - start > us) return true;
  }
  while (impl_->expires.Rehash(kRehashBatch)) {
    if (clock->MonotonicUs() - start > us) return true;
  }
  return false;
}

void Db::MaybeResize() {
  if (!DictResizeAllowed()) return;
  if (impl_->keys.NeedsShrink()) impl_->keys.ShrinkToFit();
  if (impl_->expires.NeedsShrink()) impl_->expires.ShrinkToFit();
}

}  // namespace keel::engine
