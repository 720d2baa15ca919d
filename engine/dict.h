// Dict: a chained hash table over caller-owned nodes, with Redis's incremental rehashing so that a
// growing or shrinking table never stalls the loop. It is intrusive: a node carries its own `next`
// pointer and key (the keyspace's nodes are the entries themselves), and hashes are not stored, so
// a node costs one pointer over its payload. Used for the keyspace, the expiry table and, later,
// hash and set values.
// Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "engine/memory.h"

namespace keel::engine {

// XXH3 under a random secret generated once per process (hash-flooding defence).
uint64_t DictHash(std::string_view key);
// A fast per-thread pseudo-random number (random buckets and elements; not cryptographic).
uint64_t DictRandom();

// Redis's dict_can_resize: while a fork child runs, tables grow only past kDictForceResizeRatio
// elements per bucket and never shrink, so the parent does not dirty pages it shares with the
// child. Process-wide, like the fork it protects.
void SetDictResizeAllowed(bool allowed);
bool DictResizeAllowed();

inline constexpr size_t kDictInitialSize = 4;
inline constexpr size_t kDictForceResizeRatio = 5;
inline constexpr size_t kDictMinFillPercent = 10;  // shrink below this fill (HASHTABLE_MIN_FILL)
inline constexpr int kDictEmptyVisitsPerStep = 10;
inline constexpr size_t kDictFairSampleSize = 15;  // GETFAIR_NUM_ENTRIES

// Traits must provide:
//   static std::string_view Key(const Node* n);   // the node's key, stable while it is linked
//   static Node** NextPtr(Node* n);               // where the node keeps its chain pointer
// Keys are unique: Insert requires the key to be absent.
template <typename Node, typename Traits>
class Dict {
 public:
  Dict() = default;
  ~Dict() { Reset(); }
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  Dict(Dict&& o) noexcept { Swap(o); }
  Dict& operator=(Dict&& o) noexcept {
    if (this != &o) {
      Reset();
      Swap(o);
    }
    return *this;
  }
  void Swap(Dict& o) noexcept {
    std::swap(ht_[0], o.ht_[0]);
    std::swap(ht_[1], o.ht_[1]);
    std::swap(rehash_idx_, o.rehash_idx_);
  }

  size_t size() const { return ht_[0].used + ht_[1].used; }
  // Buckets in both tables (Redis's dictSlots).
  size_t slots() const { return ht_[0].size + ht_[1].size; }
  bool rehashing() const { return rehash_idx_ >= 0; }

  static uint64_t Hash(std::string_view key) { return DictHash(key); }

  // Lookup; performs one rehash step first when rehashing, as every Redis dict operation does.
  Node* Find(std::string_view key) { return Find(key, Hash(key)); }
  Node* Find(std::string_view key, uint64_t hash) {
    if (size() == 0) return nullptr;
    if (rehashing()) Rehash(1);
    return Lookup(key, hash);
  }
  // Lookup without touching the table (for const paths and while iterating).
  Node* Peek(std::string_view key) const {
    if (size() == 0) return nullptr;
    return Lookup(key, Hash(key));
  }

  // Links `n`, whose key must not be present. New nodes go to the head of their bucket, in the
  // new table while rehashing.
  void Insert(Node* n) { Insert(n, Hash(Traits::Key(n))); }
  void Insert(Node* n, uint64_t hash) {
    if (rehashing()) Rehash(1);
    ExpandIfNeeded();
    Table& t = rehashing() ? ht_[1] : ht_[0];
    size_t idx = hash & (t.size - 1);
    *Traits::NextPtr(n) = t.table[idx];
    t.table[idx] = n;
    t.used++;
  }

  // Unlinks the node with `key` and returns it (the caller frees it), or nullptr.
  Node* Remove(std::string_view key) {
    if (size() == 0) return nullptr;
    if (rehashing()) Rehash(1);
    uint64_t hash = Hash(key);
    for (int t = 0; t < 2; t++) {
      if (ht_[t].size == 0) continue;
      Node** link = &ht_[t].table[hash & (ht_[t].size - 1)];
      for (; *link != nullptr; link = Traits::NextPtr(*link)) {
        if (Traits::Key(*link) == key) {
          Node* n = *link;
          *link = *Traits::NextPtr(n);
          ht_[t].used--;
          return n;
        }
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }

  // Unlinks `n` itself (compared by address). Returns false if it is not linked here.
  bool Unlink(Node* n) {
    if (rehashing()) Rehash(1);
    int t;
    Node** link = FindLink(n, &t);
    if (link == nullptr) return false;
    *link = *Traits::NextPtr(n);
    ht_[t].used--;
    return true;
  }

  // The pointer (bucket head or predecessor's next) that refers to `n`, or nullptr. Lets a caller
  // replace a node by a reallocated copy without a second lookup: the table is not changed here,
  // and the caller must store through the link before any other operation on this dict.
  Node** LinkTo(const Node* n) {
    int t;
    return FindLink(n, &t);
  }

  // Unlinks every node and calls free_node(n) for each; the tables are released.
  template <typename Fn>
  void Clear(Fn&& free_node) {
    for (Table& t : ht_) {
      for (size_t i = 0; i < t.size && t.used > 0; i++) {
        Node* n = t.table[i];
        while (n != nullptr) {
          Node* next = *Traits::NextPtr(n);
          free_node(n);
          t.used--;
          n = next;
        }
      }
    }
    Reset();
  }

  // Redis's dictScan: visits the nodes of one bucket (one bucket of the small table and all its
  // expansions in the large one while rehashing) and returns the next cursor, 0 when done. The
  // cursor increments its reversed bits, so it stays valid when the table grows or shrinks between
  // calls: every node present for the whole scan is visited at least once (some maybe twice).
  // fn(Node*) must not change the dict.
  template <typename Fn>
  uint64_t Scan(uint64_t v, Fn&& fn) const {
    if (size() == 0) return 0;
    if (!rehashing()) {
      uint64_t m0 = ht_[0].size - 1;
      VisitChain(ht_[0].table[v & m0], fn);
      return NextCursor(v, m0);
    }
    const Table* small = &ht_[0];
    const Table* large = &ht_[1];
    if (small->size > large->size) std::swap(small, large);
    uint64_t m0 = small->size - 1;
    uint64_t m1 = large->size - 1;
    VisitChain(small->table[v & m0], fn);
    // Visit every bucket of the large table that expands the small table's bucket: the cursor
    // bits above m0 run through all their values before the low bits move on.
    do {
      VisitChain(large->table[v & m1], fn);
      v = NextCursor(v, m1);
    } while (v & (m0 ^ m1));
    return v;
  }

  // Visits every node. fn(Node*) must not change the dict.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const Table& t : ht_) {
      for (size_t i = 0; i < t.size; i++) VisitChain(t.table[i], fn);
    }
  }

  // Redis's dictGetRandomKey: a random non-empty bucket, then a random node of its chain. Nodes in
  // long chains are less likely; FairRandom corrects for that.
  Node* Random() {
    if (size() == 0) return nullptr;
    if (rehashing()) Rehash(1);
    Node* head;
    if (rehashing()) {
      // Buckets below rehash_idx_ in the old table are known empty; draw from the rest.
      size_t s0 = ht_[0].size;
      size_t start = static_cast<size_t>(rehash_idx_);
      do {
        size_t h = start + DictRandom() % (slots() - start);
        head = h >= s0 ? ht_[1].table[h - s0] : ht_[0].table[h];
      } while (head == nullptr);
    } else {
      do {
        head = ht_[0].table[DictRandom() & (ht_[0].size - 1)];
      } while (head == nullptr);
    }
    size_t len = 0;
    for (Node* n = head; n != nullptr; n = *Traits::NextPtr(n)) len++;
    size_t pick = DictRandom() % len;
    while (pick-- > 0) head = *Traits::NextPtr(head);
    return head;
  }

  // Redis's dictGetSomeKeys: up to `count` nodes from a random run of adjacent buckets (fast, not
  // uniform, may repeat). Returns how many were stored in `out`.
  size_t Sample(Node** out, size_t count) {
    if (count > size()) count = size();
    if (count == 0) return 0;
    size_t max_steps = count * 10;
    for (size_t j = 0; j < count && rehashing(); j++) Rehash(1);
    int tables = rehashing() ? 2 : 1;
    size_t max_mask = ht_[0].size - 1;
    if (tables > 1 && ht_[1].size - 1 > max_mask) max_mask = ht_[1].size - 1;
    size_t i = DictRandom() & max_mask;
    size_t empty_run = 0;
    size_t stored = 0;
    while (stored < count && max_steps-- > 0) {
      for (int t = 0; t < tables; t++) {
        // Old-table buckets below rehash_idx_ are empty: jump to the first live one unless the
        // new table still has this index.
        if (tables == 2 && t == 0 && i < static_cast<size_t>(rehash_idx_)) {
          if (i >= ht_[1].size) {
            i = static_cast<size_t>(rehash_idx_);
          } else {
            continue;
          }
        }
        if (i >= ht_[t].size) continue;
        Node* n = ht_[t].table[i];
        if (n == nullptr) {
          // A long empty run suggests a sparse region: jump elsewhere.
          if (++empty_run >= 5 && empty_run > count) {
            i = DictRandom() & max_mask;
            empty_run = 0;
          }
          continue;
        }
        empty_run = 0;
        for (; n != nullptr; n = *Traits::NextPtr(n)) {
          out[stored++] = n;
          if (stored == count) return stored;
        }
      }
      i = (i + 1) & max_mask;
    }
    return stored;
  }

  // Redis's dictGetFairRandomKey: a random node of a small sample, which evens out the bias of
  // Random() towards short chains.
  Node* FairRandom() {
    Node* sample[kDictFairSampleSize];
    size_t n = Sample(sample, kDictFairSampleSize);
    if (n == 0) return Random();
    return sample[DictRandom() % n];
  }

  // Moves up to `steps` buckets from the old table to the new one, visiting at most 10 empty
  // buckets per step. Returns true while rehashing remains to be done.
  bool Rehash(int steps) {
    if (!rehashing()) return false;
    size_t empty_visits = static_cast<size_t>(steps) * kDictEmptyVisitsPerStep;
    Table& from = ht_[0];
    Table& to = ht_[1];
    while (steps-- > 0 && from.used != 0) {
      size_t idx = static_cast<size_t>(rehash_idx_);
      while (from.table[idx] == nullptr) {
        idx = static_cast<size_t>(++rehash_idx_);
        if (--empty_visits == 0) return true;
      }
      Node* n = from.table[idx];
      while (n != nullptr) {
        Node* next = *Traits::NextPtr(n);
        size_t to_idx = Hash(Traits::Key(n)) & (to.size - 1);
        *Traits::NextPtr(n) = to.table[to_idx];
        to.table[to_idx] = n;
        from.used--;
        to.used++;
        n = next;
      }
      from.table[idx] = nullptr;
      rehash_idx_++;
    }
    if (from.used == 0) {
      FreeTable(from);
      from = to;
      to = Table{};
      rehash_idx_ = -1;
      return false;
    }
    return true;
  }

  // Starts a resize to the smallest power of two >= size (at least kDictInitialSize). Fails while
  // rehashing, when size is below the element count, or when the size would not change.
  bool Expand(size_t size) {
    if (rehashing() || ht_[0].used > size) return false;
    size_t real = kDictInitialSize;
    while (real < size) real *= 2;
    if (real == ht_[0].size) return false;
    Table t;
    t.size = real;
    t.table = static_cast<Node**>(Allocate(real * sizeof(Node*)));
    memset(t.table, 0, real * sizeof(Node*));
    if (ht_[0].table == nullptr) {
      ht_[0] = t;  // first allocation: nothing to rehash
    } else {
      ht_[1] = t;
      rehash_idx_ = 0;
    }
    return true;
  }

  // Redis's htNeedsResize: more than the initial size and under 10% full.
  bool NeedsShrink() const {
    size_t buckets = slots();
    return buckets > kDictInitialSize && size() * 100 / buckets < kDictMinFillPercent;
  }
  // Redis's dictResize: shrink (or grow) to fit the element count, when resizing is allowed.
  bool ShrinkToFit() {
    if (!DictResizeAllowed() || rehashing()) return false;
    size_t minimal = ht_[0].used < kDictInitialSize ? kDictInitialSize : ht_[0].used;
    return Expand(minimal);
  }

  // Bucket-level access for the active expiry cycle, which walks buckets in order.
  size_t table_size(int t) const { return ht_[t].size; }
  Node* bucket(int t, size_t idx) const {
    return ht_[t].size == 0 ? nullptr : ht_[t].table[idx & (ht_[t].size - 1)];
  }

 private:
  struct Table {
    Node** table = nullptr;
    size_t size = 0;
    size_t used = 0;
  };

  Node* Lookup(std::string_view key, uint64_t hash) const {
    for (int t = 0; t < 2; t++) {
      if (ht_[t].size == 0) continue;
      Node* n = ht_[t].table[hash & (ht_[t].size - 1)];
      for (; n != nullptr; n = *Traits::NextPtr(n)) {
        if (Traits::Key(n) == key) return n;
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }

  Node** FindLink(const Node* target, int* table) {
    if (size() == 0) return nullptr;
    uint64_t hash = Hash(Traits::Key(target));
    for (int t = 0; t < 2; t++) {
      if (ht_[t].size == 0) continue;
      Node** link = &ht_[t].table[hash & (ht_[t].size - 1)];
      for (; *link != nullptr; link = Traits::NextPtr(*link)) {
        if (*link == target) {
          *table = t;
          return link;
        }
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }

  void ExpandIfNeeded() {
    if (rehashing()) return;
    if (ht_[0].size == 0) {
      Expand(kDictInitialSize);
      return;
    }
    // Grow at one element per bucket; while resizing is disallowed, only past the forced ratio.
    if (ht_[0].used >= ht_[0].size &&
        (DictResizeAllowed() || ht_[0].used / ht_[0].size > kDictForceResizeRatio)) {
      Expand(ht_[0].used + 1);
    }
  }

  template <typename Fn>
  static void VisitChain(Node* n, Fn& fn) {
    while (n != nullptr) {
      Node* next = *Traits::NextPtr(n);
      fn(n);
      n = next;
    }
  }

  static uint64_t ReverseBits(uint64_t v) {
    v = __builtin_bswap64(v);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((v & 0x0F0F0F0F0F0F0F0Full) << 4);
    v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
    v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
    return v;
  }
  // Increments the bits of v covered by mask, most significant first.
  static uint64_t NextCursor(uint64_t v, uint64_t mask) {
    v |= ~mask;
    v = ReverseBits(v);
    v++;
    return ReverseBits(v);
  }

  static void FreeTable(Table& t) {
    Deallocate(t.table);
    t = Table{};
  }
  void Reset() {
    FreeTable(ht_[0]);
    FreeTable(ht_[1]);
    rehash_idx_ = -1;
  }

  Table ht_[2];
  long rehash_idx_ = -1;  // next old-table bucket to move; -1 when not rehashing
};

}  // namespace keel::engine
