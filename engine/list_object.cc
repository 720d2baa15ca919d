// ListObject: Redis 7.0's quicklist.c rules (node fill, plain nodes for huge elements, split and
// merge on insert, compression depth) over engine::Listpack nodes. Where a choice changes the node
// layout, it follows quicklist.c exactly, so the same commands build the same nodes in Keel and in
// Redis (DEBUG OBJECT's ql_nodes agree, and an RDB holds the same listpacks).
#include "engine/list_object.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <vector>

#include "engine/keyspace.h"
#include "engine/memory.h"
#include "formats/lzf.h"
#include "formats/resp_writer.h"

namespace keel::engine {

namespace {

// quicklist.c's constants.
constexpr size_t kOptimizationLevel[] = {4096, 8192, 16384, 32768, 65536};
constexpr size_t kSizeSafetyLimit = 8192;    // SIZE_SAFETY_LIMIT: count-limited nodes
constexpr size_t kSizeEstimateOverhead = 8;  // SIZE_ESTIMATE_OVERHEAD: per added element
constexpr size_t kMinCompressBytes = 48;     // MIN_COMPRESS_BYTES
constexpr size_t kMinCompressImprove = 8;    // MIN_COMPRESS_IMPROVE
constexpr uint64_t kDefaultPackedThreshold = uint64_t{1} << 30;
constexpr int64_t kFillMax = (1 << 15) - 1;      // FILL_MAX (QL_FILL_BITS 16)
constexpr int64_t kCompressMax = (1 << 16) - 1;  // COMPRESS_MAX (QL_COMP_BITS 16)
constexpr size_t kListpackHeaderAndEnd = 11;     // what a merge saves, as quicklist.c estimates it

uint64_t g_packed_threshold = kDefaultPackedThreshold;

// A plain node's position: any value that is not Listpack::kNone and never a listpack element
// (offset 1 is inside the header).
constexpr Listpack::Pos kPlainPos = 1;

bool SizeMeetsOptimization(size_t sz, int fill) {
  if (fill >= 0) return false;
  size_t level = static_cast<size_t>(-fill) - 1;
  return level < std::size(kOptimizationLevel) && sz <= kOptimizationLevel[level];
}

// Raw plain blobs carry their length in front, so an element may exceed the node's 32-bit size.
constexpr size_t kPlainHeader = sizeof(uint64_t);
// Compressed blobs carry the LZF data's length in front; the raw size is the node's `sz`.
constexpr size_t kLzfHeader = sizeof(uint32_t);

uint8_t* MakePlainBlob(std::string_view v) {
  uint8_t* b = static_cast<uint8_t*>(Allocate(kPlainHeader + v.size()));
  uint64_t n = v.size();
  std::memcpy(b, &n, sizeof(n));
  if (!v.empty()) std::memcpy(b + kPlainHeader, v.data(), v.size());
  return b;
}

uint64_t PlainLength(const uint8_t* blob) {
  uint64_t n;
  std::memcpy(&n, blob, sizeof(n));
  return n;
}

uint32_t Saturate32(uint64_t v) {
  return v > std::numeric_limits<uint32_t>::max() ? std::numeric_limits<uint32_t>::max()
                                                  : static_cast<uint32_t>(v);
}

// Keeps the first `keep` elements / drops the first `n` elements of a listpack.
void DeleteTail(Listpack* lp, size_t keep) {
  if (keep < lp->size()) lp->DeleteRangeByIndex(static_cast<int64_t>(keep), lp->size() - keep);
}
void DeleteHead(Listpack* lp, size_t n) {
  if (n > 0) lp->DeleteRangeByIndex(0, std::min(n, lp->size()));
}

// ---- LZF ----
// formats/lzf.h behind the node's view of it. Returns the compressed size, or 0 when the output
// does not fit in `out_cap` bytes (the node then stays raw, as in Redis).
size_t LzfCompress(std::span<const uint8_t> in, uint8_t* out, size_t out_cap);
// Expands `in` into exactly `out_len` bytes; false when the data is damaged.
bool LzfDecompress(std::span<const uint8_t> in, uint8_t* out, size_t out_len);

}  // namespace

// A node in 32 bytes (Redis's quicklistNode takes 40 with its size_t sz): the links, the payload,
// the raw size, the element count and four flags.
struct ListObject::Node {
  struct PlainTag {};

  Node() : lp() {}
  Node(PlainTag, std::string_view v)
      : blob(MakePlainBlob(v)), sz(Saturate32(v.size())), count(1), plain(1) {}
  ~Node() {
    if (has_lp()) {
      lp.~Listpack();
    } else {
      Deallocate(blob);
    }
  }
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  bool has_lp() const { return !plain && !compressed; }
  void UpdateSz() { sz = static_cast<uint32_t>(lp.bytes()); }
  std::string_view PlainBytes() const {
    return {reinterpret_cast<const char*>(blob) + kPlainHeader,
            static_cast<size_t>(PlainLength(blob))};
  }
  std::span<const uint8_t> LzfBytes() const {
    uint32_t n;
    std::memcpy(&n, blob, sizeof(n));
    return {blob + kLzfHeader, n};
  }

  Node* prev = nullptr;
  Node* next = nullptr;
  union {
    Listpack lp;    // a packed node, raw
    uint8_t* blob;  // a plain node raw ([u64 length][bytes]), or any node compressed
  };
  uint32_t sz = 0;  // raw bytes: the listpack's, or the plain element's (saturated)
  uint16_t count = 0;
  uint8_t plain : 1 = 0;
  uint8_t compressed : 1 = 0;
  uint8_t recompress : 1 = 0;     // decompressed for use: compress again when done
  uint8_t dont_compress : 1 = 0;  // being changed: leave it raw
};

// ---- construction ----

ListObject::ListObject(int64_t fill, int64_t compress)
    : fill_(static_cast<int16_t>(std::clamp<int64_t>(fill, -5, kFillMax))),
      compress_(static_cast<uint16_t>(std::clamp<int64_t>(compress, 0, kCompressMax))) {
  static_assert(sizeof(Node) <= 32, "a list node must not outgrow Redis's");
}

ListObject::ListObject(const EncodingLimits& limits)
    : ListObject(limits.list_max_listpack_size, limits.list_compress_depth) {}

ListObject::~ListObject() {
  Node* n = head_;
  while (n != nullptr) {
    Node* next = n->next;
    delete n;
    n = next;
  }
}

bool ListObject::SetPackedThreshold(uint64_t bytes) {
  // Redis refuses anything above 4 GiB - 1 MiB; 0 restores the default.
  if (bytes > (uint64_t{1} << 32) - (uint64_t{1} << 20)) return false;
  g_packed_threshold = bytes == 0 ? kDefaultPackedThreshold : bytes;
  return true;
}

uint64_t ListObject::packed_threshold() { return g_packed_threshold; }

bool ListObject::IsLarge(size_t sz) { return sz >= g_packed_threshold; }

std::string ListObject::DebugObjectExtras() const {
  // Redis 7.0's debug.c fields for a quicklist, in its formats.
  uint64_t raw = 0;
  for (const Node* n = head_; n != nullptr; n = n->next) raw += n->sz;
  char buf[200];
  int len = std::snprintf(buf, sizeof(buf),
                          " ql_nodes:%u ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d"
                          " ql_uncompressed_size:%llu",
                          len_, static_cast<double>(count_) / len_, fill_, compress_ != 0 ? 1 : 0,
                          static_cast<unsigned long long>(raw));
  return std::string(buf, static_cast<size_t>(len));
}

size_t ListObject::AllocatedBytes() const {
  size_t bytes = UsableSize(this);
  for (const Node* n = head_; n != nullptr; n = n->next) {
    bytes += UsableSize(n) + (n->has_lp() ? n->lp.AllocatedBytes() : UsableSize(n->blob));
  }
  return bytes;
}

std::unique_ptr<Object> ListObject::Clone() const {
  // quicklistDup: every node copied as it is, compressed ones included.
  auto copy = std::make_unique<ListObject>(fill_, compress_);
  for (const Node* n = head_; n != nullptr; n = n->next) {
    Node* c = new Node();
    if (!n->has_lp()) {
      c->lp.~Listpack();
      size_t size =
          n->compressed ? kLzfHeader + n->LzfBytes().size() : kPlainHeader + PlainLength(n->blob);
      c->blob = static_cast<uint8_t*>(Allocate(size));
      std::memcpy(c->blob, n->blob, size);
    } else {
      c->lp = n->lp;
    }
    c->sz = n->sz;
    c->count = n->count;
    c->plain = n->plain;
    c->compressed = n->compressed;
    copy->count_ += c->count;
    copy->InsertNode(copy->tail_, c, /*after=*/true);
  }
  return copy;
}

// ---- node rules ----

bool ListObject::AllowInsert(const Node* n, size_t sz) const {
  if (n == nullptr || n->plain || IsLarge(sz)) return false;
  // An overestimate of what one element adds; both sizes are below 1 GiB here, so no overflow.
  size_t new_sz = n->sz + sz + kSizeEstimateOverhead;
  if (SizeMeetsOptimization(new_sz, fill_)) return true;
  if (new_sz > kSizeSafetyLimit) return false;
  return static_cast<int>(n->count) < fill_;
}

bool ListObject::AllowMerge(const Node* a, const Node* b) const {
  if (a == nullptr || b == nullptr || a->plain || b->plain) return false;
  // Redis computes this in an unsigned int; node sizes are far below 2 GiB, so it never wraps.
  size_t merge_sz = static_cast<size_t>(a->sz) + b->sz - kListpackHeaderAndEnd;
  if (SizeMeetsOptimization(merge_sz, fill_)) return true;
  if (merge_sz > kSizeSafetyLimit) return false;
  return static_cast<int>(a->count + b->count) <= fill_;
}

void ListObject::InsertNode(Node* old_node, Node* new_node, bool after) {
  if (after) {
    new_node->prev = old_node;
    if (old_node != nullptr) {
      new_node->next = old_node->next;
      if (old_node->next != nullptr) old_node->next->prev = new_node;
      old_node->next = new_node;
    }
    if (tail_ == old_node) tail_ = new_node;
  } else {
    new_node->next = old_node;
    if (old_node != nullptr) {
      new_node->prev = old_node->prev;
      if (old_node->prev != nullptr) old_node->prev->next = new_node;
      old_node->prev = new_node;
    }
    if (head_ == old_node) head_ = new_node;
  }
  if (len_ == 0) head_ = tail_ = new_node;
  // The length first: the compression pass needs the exact node count.
  ++len_;
  if (old_node != nullptr) CompressAround(old_node);
  CompressAround(new_node);
}

void ListObject::InsertPlainNode(Node* old_node, std::string_view value, bool after) {
  InsertNode(old_node, new Node(Node::PlainTag{}, value), after);
  ++count_;
}

void ListObject::DelNode(Node* n) {
  if (n->next != nullptr) n->next->prev = n->prev;
  if (n->prev != nullptr) n->prev->next = n->next;
  if (n == tail_) tail_ = n->prev;
  if (n == head_) head_ = n->next;
  --len_;
  count_ -= n->count;
  // Removing a node inside the compress depth brings a compressed one into it.
  CompressDepth(nullptr);
  delete n;
}

bool ListObject::DelIndex(Node* n, Listpack::Pos* p) {
  if (n->plain) {
    DelNode(n);
    return true;
  }
  Listpack::Pos next = n->lp.Delete(*p);
  if (p != nullptr) *p = next;
  --n->count;
  bool gone = n->count == 0;
  if (gone) {
    DelNode(n);
  } else {
    n->UpdateSz();
  }
  --count_;
  return gone;
}

ListObject::Node* ListObject::MergePair(Node* a, Node* b) {
  // _quicklistListpackMerge: `a` (on the left) takes `b`'s elements and `b` goes.
  DecompressNode(a);
  DecompressNode(b);
  a->lp.Merge(std::move(b->lp));
  a->count = static_cast<uint16_t>(a->lp.size());
  a->UpdateSz();
  b->count = 0;
  DelNode(b);
  CompressAround(a);
  return a;
}

void ListObject::MergeNodes(Node* center) {
  // _quicklistMergeNodes: (prev_prev, prev), (next, next_next), (prev, center), (center, next).
  Node* prev = center->prev;
  Node* prev_prev = prev != nullptr ? prev->prev : nullptr;
  Node* next = center->next;
  Node* next_next = next != nullptr ? next->next : nullptr;
  if (AllowMerge(prev, prev_prev)) MergePair(prev_prev, prev);
  if (AllowMerge(next, next_next)) MergePair(next, next_next);
  Node* target = center;
  if (AllowMerge(center, center->prev)) target = MergePair(center->prev, center);
  if (AllowMerge(target, target->next)) MergePair(target, target->next);
}

ListObject::Node* ListObject::SplitNode(Node* n, int64_t offset, bool after) {
  // With `after`, `n` keeps [0, offset] and the new node takes the rest; otherwise the new node
  // takes [0, offset) and `n` keeps [offset, end].
  Node* nn = new Node();
  nn->lp = n->lp;
  if (offset < 0) offset += n->count;
  const size_t cut = static_cast<size_t>(after ? offset + 1 : offset);
  DeleteHead(&(after ? nn : n)->lp, cut);
  DeleteTail(&(after ? n : nn)->lp, cut);
  n->count = static_cast<uint16_t>(n->lp.size());
  n->UpdateSz();
  nn->count = static_cast<uint16_t>(nn->lp.size());
  nn->UpdateSz();
  return nn;
}

// ---- push and pop ----

void ListObject::PushHead(std::string_view value) {
  if (IsLarge(value.size())) {
    InsertPlainNode(head_, value, /*after=*/false);
    return;
  }
  if (AllowInsert(head_, value.size())) {
    head_->lp.Prepend(value);
    head_->UpdateSz();
  } else {
    Node* n = new Node();
    n->lp.Prepend(value);
    n->UpdateSz();
    InsertNode(head_, n, /*after=*/false);
  }
  ++count_;
  ++head_->count;
}

void ListObject::PushTail(std::string_view value) {
  if (IsLarge(value.size())) {
    InsertPlainNode(tail_, value, /*after=*/true);
    return;
  }
  if (AllowInsert(tail_, value.size())) {
    tail_->lp.Append(value);
    tail_->UpdateSz();
  } else {
    Node* n = new Node();
    n->lp.Append(value);
    n->UpdateSz();
    InsertNode(tail_, n, /*after=*/true);
  }
  ++count_;
  ++tail_->count;
}

void ListObject::Push(End where, std::string_view value) {
  if (where == End::kHead) {
    PushHead(value);
  } else {
    PushTail(value);
  }
}

bool ListObject::Pop(End where, std::string* out) {
  Node* n = where == End::kHead ? head_ : tail_;
  if (n == nullptr) return false;
  // The ends are never compressed.
  if (n->plain) {
    out->assign(n->PlainBytes());
    DelIndex(n, nullptr);
    return true;
  }
  Listpack::Pos p = where == End::kHead ? n->lp.First() : n->lp.Last();
  char buf[24];
  out->assign(n->lp.Get(p).Bytes(buf));
  DelIndex(n, &p);
  return true;
}

void ListObject::AppendListpack(Listpack lp) {
  if (lp.empty()) return;
  if (lp.size() > std::numeric_limits<uint16_t>::max()) {
    // More than a node can count (no Redis node holds that many): push them one by one.
    char buf[24];
    for (Listpack::Pos p = lp.First(); p != Listpack::kNone; p = lp.Next(p)) {
      PushTail(lp.Get(p).Bytes(buf));
    }
    return;
  }
  Node* n = new Node();
  n->lp = std::move(lp);
  n->count = static_cast<uint16_t>(n->lp.size());
  n->UpdateSz();
  count_ += n->count;
  InsertNode(tail_, n, /*after=*/true);
}

void ListObject::AppendPlain(std::string_view element) {
  InsertPlainNode(tail_, element, /*after=*/true);
}

// ---- iteration ----

ListObject::Iterator ListObject::IteratorAt(int64_t index, Direction dir) {
  // quicklistGetIteratorAtIdx: find the node from whichever end is nearer.
  Iterator it(this, dir);
  const bool forward = index >= 0;
  // (-index) - 1 without overflow for INT64_MIN: ~index.
  const uint64_t want = forward ? static_cast<uint64_t>(index) : ~static_cast<uint64_t>(index);
  if (want >= count_) return it;
  bool seek_forward = forward;
  uint64_t seek = want;
  if (want > (count_ - 1) / 2) {
    seek_forward = !forward;
    seek = count_ - 1 - want;
  }
  uint64_t accum = 0;
  Node* n = seek_forward ? head_ : tail_;
  while (n != nullptr && accum + n->count <= seek) {
    accum += n->count;
    n = seek_forward ? n->next : n->prev;
  }
  if (n == nullptr) return it;
  // As if the search had gone in the requested direction.
  if (seek_forward != forward) accum = count_ - n->count - accum;
  it.current_ = n;
  it.offset_ =
      forward ? static_cast<int64_t>(want - accum) : -static_cast<int64_t>(want - accum) - 1;
  return it;
}

ListObject::Iterator::Iterator(Iterator&& other) noexcept
    : list_(other.list_),
      dir_(other.dir_),
      current_(other.current_),
      pos_(other.pos_),
      offset_(other.offset_) {
  other.current_ = nullptr;
}

ListObject::Iterator::~Iterator() {
  if (current_ != nullptr) list_->CompressAround(current_);
}

bool ListObject::Iterator::Next(ListValue* out) { return list_->IteratorNext(*this, out); }

bool ListObject::IteratorNext(Iterator& it, ListValue* out) {
  // quicklistNext, with its tail recursion unrolled.
  const bool forward = it.dir_ == Direction::kForward;
  while (it.current_ != nullptr) {
    Node* n = it.current_;
    if (it.pos_ == Listpack::kNone) {
      DecompressForUse(n);
      it.pos_ = n->plain ? kPlainPos : n->lp.Seek(it.offset_);
    } else if (n->plain) {
      it.pos_ = Listpack::kNone;
    } else if (forward) {
      it.pos_ = n->lp.Next(it.pos_);
      ++it.offset_;
    } else {
      it.pos_ = n->lp.Prev(it.pos_);
      --it.offset_;
    }
    if (it.pos_ != Listpack::kNone) {
      if (n->plain) {
        *out = ListValue{};
        out->str = n->PlainBytes();
      } else {
        *out = n->lp.Get(it.pos_);
      }
      return true;
    }
    // This node is done: compress it again and go on with the neighbour.
    CompressAround(n);
    it.current_ = forward ? n->next : n->prev;
    it.offset_ = forward ? 0 : -1;
  }
  return false;
}

bool ListObject::Iterator::Equals(std::string_view s) const {
  if (current_->plain) return current_->PlainBytes() == s;
  return current_->lp.Get(pos_).Equals(s);
}

void ListObject::Iterator::Delete() { list_->DeleteAt(*this); }
void ListObject::Iterator::InsertBefore(std::string_view v) { list_->InsertAt(*this, v, false); }
void ListObject::Iterator::InsertAfter(std::string_view v) { list_->InsertAt(*this, v, true); }
void ListObject::Iterator::Replace(std::string_view v) { list_->ReplaceAt(*this, v); }

void ListObject::DeleteAt(Iterator& it) {
  // quicklistDelEntry: the next Next() seeks the same offset again, which now holds the element
  // after the deleted one (walking forward) or before it (walking back, negative offsets).
  Node* prev = it.current_->prev;
  Node* next = it.current_->next;
  bool gone = DelIndex(it.current_, &it.pos_);
  it.pos_ = Listpack::kNone;
  if (gone) {
    const bool forward = it.dir_ == Direction::kForward;
    it.current_ = forward ? next : prev;
    it.offset_ = forward ? 0 : -1;
  }
}

void ListObject::ForEach(const std::function<void(const ListValue&)>& fn) {
  Iterator it = Begin(Direction::kForward);
  ListValue v;
  while (it.Next(&v)) fn(v);
}

bool ListObject::Index(int64_t index, std::string* out) {
  Iterator it = IteratorAt(index, Direction::kBackward);
  ListValue v;
  if (!it.Next(&v)) return false;
  char buf[24];
  out->assign(v.Bytes(buf));
  return true;
}

bool ListObject::Replace(int64_t index, std::string_view value) {
  Iterator it = IteratorAt(index, Direction::kBackward);
  ListValue v;
  if (!it.Next(&v)) return false;
  ReplaceAt(it, value);
  return true;
}

// ---- insert, replace, delete ranges ----

void ListObject::InsertAt(Iterator& it, std::string_view value, bool after) {
  // _quicklistInsert. The iterator is finished afterwards (its node may be gone or compressed).
  Node* node = it.current_;
  const int64_t offset = it.offset_;
  const Listpack::Pos pos = it.pos_;  // valid: Next() left the node raw and nothing changed it
  const size_t sz = value.size();
  it.current_ = nullptr;
  it.pos_ = Listpack::kNone;
  if (node == nullptr) {
    // No reference element: the list is empty.
    if (IsLarge(sz)) {
      InsertPlainNode(tail_, value, after);
      return;
    }
    Node* n = new Node();
    n->lp.Prepend(value);
    n->UpdateSz();
    n->count = 1;
    InsertNode(nullptr, n, after);
    ++count_;
    return;
  }

  const bool full = !AllowInsert(node, sz);
  bool at_tail = false, at_head = false, avail_next = false, avail_prev = false;
  if (after && (offset == node->count - 1 || offset == -1)) {
    at_tail = true;
    avail_next = AllowInsert(node->next, sz);
  }
  if (!after && (offset == 0 || offset == -static_cast<int64_t>(node->count))) {
    at_head = true;
    avail_prev = AllowInsert(node->prev, sz);
  }

  if (IsLarge(sz)) {
    if (node->plain || (at_tail && after) || (at_head && !after)) {
      InsertPlainNode(node, value, after);
    } else {
      // Split around the element and put the plain node between the halves.
      DecompressForUse(node);
      Node* rest = SplitNode(node, offset, after);
      Node* entry_node = new Node(Node::PlainTag{}, value);
      InsertNode(node, entry_node, after);
      InsertNode(entry_node, rest, after);
      ++count_;
    }
    return;
  }

  if (!full) {
    DecompressForUse(node);
    if (after) {
      node->lp.InsertAfter(pos, value);
    } else {
      node->lp.InsertBefore(pos, value);
    }
    ++node->count;
    node->UpdateSz();
    RecompressOnly(node);
  } else if (at_tail && avail_next && after) {
    // Full at its tail, but the next node has room: its head takes the element.
    Node* n = node->next;
    DecompressForUse(n);
    n->lp.Prepend(value);
    ++n->count;
    n->UpdateSz();
    RecompressOnly(n);
    RecompressOnly(node);
  } else if (at_head && avail_prev && !after) {
    Node* n = node->prev;
    DecompressForUse(n);
    n->lp.Append(value);
    ++n->count;
    n->UpdateSz();
    RecompressOnly(n);
    RecompressOnly(node);
  } else if ((at_tail && !avail_next && after) || (at_head && !avail_prev && !after)) {
    // Full, and the neighbour too: a new node of its own.
    Node* n = new Node();
    n->lp.Prepend(value);
    n->count = 1;
    n->UpdateSz();
    InsertNode(node, n, after);
  } else {
    // Full in the middle: split, add the element to the split-off half, then merge what fits.
    DecompressForUse(node);
    Node* n = SplitNode(node, offset, after);
    if (after) {
      n->lp.Prepend(value);
    } else {
      n->lp.Append(value);
    }
    ++n->count;
    n->UpdateSz();
    InsertNode(node, n, after);
    MergeNodes(node);
  }
  ++count_;
}

void ListObject::ReplaceAt(Iterator& it, std::string_view value) {
  // quicklistReplaceEntry.
  Node* node = it.current_;
  const size_t sz = value.size();
  if (!node->plain && !IsLarge(sz)) {
    node->lp.Replace(it.pos_, value);
    node->UpdateSz();
    it.current_ = nullptr;
    CompressAround(node);
    return;
  }
  if (node->plain) {
    if (IsLarge(sz)) {
      Deallocate(node->blob);
      node->blob = MakePlainBlob(value);
      node->sz = Saturate32(sz);
      it.current_ = nullptr;
      CompressAround(node);
    } else {
      InsertAt(it, value, /*after=*/true);
      DelNode(node);
    }
    return;
  }
  // A large element replacing one in a listpack: insert it after the old one as a plain node
  // (which splits the node so the old element ends it), then delete the node's last element.
  node->dont_compress = 1;
  InsertAt(it, value, /*after=*/true);
  if (node->count == 1) {
    DelNode(node);
  } else {
    Listpack::Pos p = node->lp.Last();
    DelIndex(node, &p);
    node->dont_compress = 0;
    CompressAround(node);
    CompressAround(node->next);
  }
}

void ListObject::DeleteRange(int64_t start, int64_t count) {
  // quicklistDelRange.
  if (count <= 0) return;
  uint64_t extent = static_cast<uint64_t>(count);
  if (start >= 0 && extent > count_ - static_cast<uint64_t>(start)) {
    extent = count_ - static_cast<uint64_t>(start);
  } else if (start < 0 && extent > ~static_cast<uint64_t>(start) + 1) {
    extent = ~static_cast<uint64_t>(start) + 1;  // -start, also for INT64_MIN
  }
  Node* node;
  int64_t offset;
  {
    Iterator it = IteratorAt(start, Direction::kBackward);
    if (it.current_ == nullptr) return;
    node = it.current_;
    offset = it.offset_;
  }
  while (extent > 0) {
    Node* next = node->next;
    uint64_t del;
    bool whole = false;
    if (offset == 0 && extent >= node->count) {
      whole = true;
      del = node->count;
    } else if (offset >= 0 && extent + offset >= node->count) {
      del = node->count - offset;
    } else if (offset < 0) {
      // Only on the first node: a negative offset counts the elements left to its end.
      del = static_cast<uint64_t>(-offset);
      if (del > extent) del = extent;
    } else {
      del = extent;
    }
    if (whole || node->plain) {
      DelNode(node);
    } else {
      DecompressForUse(node);
      node->lp.DeleteRangeByIndex(offset, del);
      node->UpdateSz();
      node->count = static_cast<uint16_t>(node->count - del);
      count_ -= del;
      if (node->count == 0) {
        DelNode(node);
      } else {
        RecompressOnly(node);
      }
    }
    extent -= del;
    node = next;
    offset = 0;
  }
}

// ---- nodes for persistence ----

void ListObject::ForEachNode(const std::function<void(const NodeView&)>& fn) const {
  for (const Node* n = head_; n != nullptr; n = n->next) {
    NodeView v;
    v.plain = n->plain;
    v.compressed = n->compressed;
    v.count = n->count;
    if (n->compressed) {
      v.bytes = n->LzfBytes();
      v.raw_size = n->sz;
    } else if (n->plain) {
      std::string_view s = n->PlainBytes();
      v.bytes = {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
      v.raw_size = s.size();
    } else {
      v.bytes = n->lp.data();
      v.raw_size = v.bytes.size();
    }
    fn(v);
  }
}

// ---- compression ----

void ListObject::CompressDepth(Node* node) {
  // __quicklistCompress: the `compress_` nodes at each end are raw, the next one inwards on each
  // side is compressed, and so is `node` when it lies beyond the depth.
  if (len_ == 0 || compress_ == 0 || len_ < static_cast<uint32_t>(compress_) * 2) return;
  Node* forward = head_;
  Node* reverse = tail_;
  bool in_depth = false;
  for (int depth = 0; depth < compress_; ++depth) {
    DecompressNode(forward);
    DecompressNode(reverse);
    if (forward == node || reverse == node) in_depth = true;
    // The two sides met: nothing lies beyond the depth.
    if (forward == reverse || forward->next == reverse) return;
    forward = forward->next;
    reverse = reverse->prev;
  }
  if (!in_depth && node != nullptr && !node->compressed) CompressNode(node);
  if (!forward->compressed) CompressNode(forward);
  if (!reverse->compressed) CompressNode(reverse);
}

void ListObject::CompressAround(Node* n) {
  if (n->recompress) {
    if (!n->compressed) CompressNode(n);
  } else {
    CompressDepth(n);
  }
}

void ListObject::RecompressOnly(Node* n) {
  if (n->recompress && !n->compressed) CompressNode(n);
}

bool ListObject::CompressNode(Node* n) {
  if (n->dont_compress) return false;
  n->recompress = 0;
  if (n->sz < kMinCompressBytes) return false;
  std::span<const uint8_t> raw;
  if (n->plain) {
    uint64_t len = PlainLength(n->blob);
    if (len > std::numeric_limits<uint32_t>::max()) return false;
    raw = {n->blob + kPlainHeader, static_cast<size_t>(len)};
  } else {
    raw = n->lp.data();
  }
  // Worth it only if it saves MIN_COMPRESS_IMPROVE bytes; a larger output is a failure.
  const size_t cap = raw.size() - kMinCompressImprove - 1;
  auto* out = static_cast<uint8_t*>(Allocate(kLzfHeader + cap));
  size_t clen = LzfCompress(raw, out + kLzfHeader, cap);
  if (clen == 0) {
    Deallocate(out);
    return false;
  }
  uint32_t c32 = static_cast<uint32_t>(clen);
  std::memcpy(out, &c32, sizeof(c32));
  out = static_cast<uint8_t*>(Reallocate(out, kLzfHeader + clen));
  if (n->plain) {
    Deallocate(n->blob);
  } else {
    n->lp.~Listpack();
  }
  n->blob = out;
  n->compressed = 1;
  return true;
}

void ListObject::DecompressNode(Node* n) {
  if (!n->compressed) return;
  n->recompress = 0;
  uint8_t* lzf = n->blob;
  std::span<const uint8_t> in = n->LzfBytes();
  if (n->plain) {
    auto* raw = static_cast<uint8_t*>(Allocate(kPlainHeader + n->sz));
    uint64_t len = n->sz;
    std::memcpy(raw, &len, sizeof(len));
    // Our own compressed bytes fail to expand only after memory corruption: stop there.
    if (!LzfDecompress(in, raw + kPlainHeader, n->sz)) std::abort();
    n->blob = raw;
  } else {
    std::vector<uint8_t> raw(n->sz);
    if (!LzfDecompress(in, raw.data(), raw.size())) std::abort();
    new (&n->lp) Listpack(Listpack::FromBytes(raw));
  }
  n->compressed = 0;
  Deallocate(lzf);
}

void ListObject::DecompressForUse(Node* n) {
  if (!n->compressed) return;
  DecompressNode(n);
  n->recompress = 1;
}

namespace {

size_t LzfCompress(std::span<const uint8_t> in, uint8_t* out, size_t out_cap) {
  return formats::LzfCompress(in, std::span<uint8_t>(out, out_cap));
}

bool LzfDecompress(std::span<const uint8_t> in, uint8_t* out, size_t out_len) {
  Result<size_t> n = formats::LzfDecompress(in, std::span<uint8_t>(out, out_len));
  return n.has_value() && *n == out_len;
}

}  // namespace

}  // namespace keel::engine
