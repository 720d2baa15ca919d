// ListObject: Redis 7.0's list encoding ("quicklist"), a doubly linked chain of nodes that each own
// a listpack (engine/listpack.h) or, for an element of packed_threshold bytes or more, the bare
// element ("plain" node). Interior nodes beyond list-compress-depth are kept LZF-compressed. Node
// sizes follow list-max-listpack-size with Redis's rules (quicklist.c), so a list has the same
// node layout in Keel as in Redis and an RDB writer can emit the nodes as they are.
// Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "engine/listpack.h"
#include "engine/object.h"

namespace keel::engine {

struct EncodingLimits;

// One element as read from a list: an integer or a string. A string views the list's memory and
// is valid until the list changes (or, for an iterator, until it moves on).
using ListValue = LpValue;

class ListObject final : public Object {
  struct Node;

 public:
  enum class End : uint8_t { kHead, kTail };
  // Iteration direction: kForward walks head to tail.
  enum class Direction : uint8_t { kForward, kBackward };

  // `fill` is list-max-listpack-size (clamped to -5..32767 as Redis does), `compress` is
  // list-compress-depth (clamped to 0..65535). Both are fixed for the life of the list, as in
  // Redis, where CONFIG SET affects only lists created afterwards.
  ListObject(int64_t fill, int64_t compress);
  explicit ListObject(const EncodingLimits& limits);
  ~ListObject() override;
  ListObject(const ListObject&) = delete;
  ListObject& operator=(const ListObject&) = delete;

  // Object.
  const char* EncodingName() const override { return "quicklist"; }
  size_t AllocatedBytes() const override;
  std::unique_ptr<Object> Clone() const override;
  size_t Size() const override { return count_; }
  std::string DebugObjectExtras() const override;

  // Elements at or above this size get a plain node of their own (Redis's packed_threshold,
  // 1 GiB; DEBUG QUICKLIST-PACKED-THRESHOLD changes it). Returns false, changing nothing, for a
  // size above 4 GiB - 1 MiB; 0 restores the default. Process-wide, as in Redis.
  static bool SetPackedThreshold(uint64_t bytes);
  static uint64_t packed_threshold();

  void Push(End where, std::string_view value);
  // Removes the element at `where` and copies its bytes to *out (an integer in decimal). False
  // when the list is empty.
  bool Pop(End where, std::string* out);

  // Copies the bytes of the element at `index` (negative counts from the tail) to *out; false
  // when out of range.
  bool Index(int64_t index, std::string* out);
  // LSET: replaces the element at `index`; false when out of range.
  bool Replace(int64_t index, std::string_view value);
  // Deletes up to `count` elements from `start` on (negative counts from the tail), as Redis's
  // quicklistDelRange; a count <= 0 deletes nothing.
  void DeleteRange(int64_t start, int64_t count);

  // Iterator: a cursor that walks elements in one direction from a start index and can delete or
  // insert at the element it last returned. Holding it keeps that element's node decompressed;
  // the node is compressed again when the iterator moves on or is destroyed. Only Delete() keeps
  // the iterator usable; after InsertBefore/InsertAfter/Replace it is finished.
  class Iterator {
   public:
    Iterator(Iterator&& other) noexcept;
    Iterator& operator=(Iterator&&) = delete;
    ~Iterator();

    // Advances to the next element and returns it in *out; false at the end.
    bool Next(ListValue* out);
    // Operations on the element the last Next() returned.
    bool Equals(std::string_view s) const;
    void Delete();
    void InsertBefore(std::string_view value);
    void InsertAfter(std::string_view value);
    void Replace(std::string_view value);

   private:
    friend class ListObject;
    Iterator(ListObject* list, Direction dir) : list_(list), dir_(dir) {}

    ListObject* list_;
    Direction dir_;
    Node* current_ = nullptr;
    Listpack::Pos pos_ = Listpack::kNone;  // the element in current_; kNone: seek offset_ first
    int64_t offset_ = 0;  // index in the current node; negative from its end when walking back
  };
  // An iterator positioned before the element at `index` (negative counts from the tail); when
  // `index` is out of range the iterator is empty. Begin(kForward) is IteratorAt(0, ..) and
  // Begin(kBackward) is IteratorAt(-1, ..).
  Iterator IteratorAt(int64_t index, Direction dir);
  Iterator Begin(Direction dir) { return IteratorAt(dir == Direction::kForward ? 0 : -1, dir); }

  // Every element head to tail (SORT, the AOF rewrite). `fn` must not change the list.
  void ForEach(const std::function<void(const ListValue&)>& fn);

  // Node-level access for an RDB writer (Redis's QUICKLIST_2 encoding). A node is either packed
  // (a listpack of `count` elements) or plain (one element, the bare bytes). When `compressed`,
  // `bytes` are LZF data that expand to `raw_size` bytes; otherwise `bytes` are the listpack or
  // the element itself.
  struct NodeView {
    bool plain = false;
    bool compressed = false;
    std::span<const uint8_t> bytes;
    size_t raw_size = 0;
    size_t count = 0;
  };
  void ForEachNode(const std::function<void(const NodeView&)>& fn) const;
  // RDB loading: appends a node made of a listpack (its elements, in order) or a plain node with
  // one element. Empty listpacks are skipped, as Redis skips them.
  void AppendListpack(Listpack lp);
  void AppendPlain(std::string_view element);

  // Introspection for DEBUG OBJECT and tests.
  size_t node_count() const { return len_; }
  int fill() const { return fill_; }
  int compress_depth() const { return compress_; }

 private:
  // quicklist.c's node rules.
  bool AllowInsert(const Node* n, size_t sz) const;
  bool AllowMerge(const Node* a, const Node* b) const;
  static bool IsLarge(size_t sz);
  void InsertNode(Node* old_node, Node* new_node, bool after);
  void InsertPlainNode(Node* old_node, std::string_view value, bool after);
  void DelNode(Node* n);
  bool DelIndex(Node* n, Listpack::Pos* p);
  Node* MergePair(Node* a, Node* b);
  void MergeNodes(Node* center);
  Node* SplitNode(Node* n, int64_t offset, bool after);
  void InsertAt(Iterator& it, std::string_view value, bool after);
  void ReplaceAt(Iterator& it, std::string_view value);
  void DeleteAt(Iterator& it);
  bool IteratorNext(Iterator& it, ListValue* out);
  void PushHead(std::string_view value);
  void PushTail(std::string_view value);

  // Compression (list-compress-depth): Redis's __quicklistCompress keeps `compress_` nodes at each
  // end raw and compresses the nodes just beyond; a node decompressed for use is recompressed by
  // the caller when done.
  void CompressAround(Node* n);  // quicklistCompress
  void CompressDepth(Node* n);   // __quicklistCompress
  void RecompressOnly(Node* n);  // quicklistRecompressOnly
  static bool CompressNode(Node* n);
  static void DecompressNode(Node* n);
  static void DecompressForUse(Node* n);

  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  size_t count_ = 0;  // elements
  uint32_t len_ = 0;  // nodes
  int16_t fill_ = -2;
  uint16_t compress_ = 0;
};

}  // namespace keel::engine
