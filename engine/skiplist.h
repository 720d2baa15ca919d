// Redis's zskiplist, the ordered half of a large sorted set: nodes sorted by (score, member bytes),
// each with a random number of levels (p = 1/4, at most 32) whose spans count the nodes they jump,
// so ranks cost O(log N), and a backward pointer for reverse walks. Unlike Redis, a node carries
// its member bytes inline (one allocation per member) and the chain pointer of the member Dict
// that indexes it (SkiplistNodeTraits), so a member costs a single block.
// Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/dict.h"

namespace keel::engine {

// A score interval as ZRANGEBYSCORE takes it: "(1.5" is exclusive.
struct ScoreRange {
  double min = 0;
  double max = 0;
  bool minex = false;
  bool maxex = false;

  bool GteMin(double v) const { return minex ? v > min : v >= min; }
  bool LteMax(double v) const { return maxex ? v < max : v <= max; }
  // True when no score can be inside (min > max, or a point with an open end).
  bool Empty() const { return min > max || (min == max && (minex || maxex)); }
};

// One end of a lexicographic interval as ZRANGEBYLEX takes it: "-", "+", "[value" or "(value".
struct LexBound {
  enum Kind : uint8_t { kMinusInf, kValue, kPlusInf };
  Kind kind = kValue;
  std::string value;
  bool exclusive = false;
};

struct LexRange {
  LexBound min;
  LexBound max;

  bool GteMin(std::string_view v) const;
  bool LteMax(std::string_view v) const;
  // True when no string can be inside (Redis's zslIsInLexRange precheck).
  bool Empty() const;
};

// Redis's sdscmplex: -inf < every string < +inf; strings compare bytewise.
int CompareLex(std::string_view v, const LexBound& b);

struct SkiplistNode {
  struct Level {
    SkiplistNode* forward;
    size_t span;  // nodes from this one to `forward` at this level
  };

  double score;
  SkiplistNode* backward;   // the previous node at level 0; nullptr for the first
  SkiplistNode* dict_next;  // chain pointer of the member Dict (SkiplistNodeTraits)
  uint32_t member_len;
  uint8_t level_count;
  // Followed in the same allocation by Level[level_count], then the member's bytes.

  Level* levels() { return reinterpret_cast<Level*>(this + 1); }
  const Level* levels() const { return reinterpret_cast<const Level*>(this + 1); }
  std::string_view member() const {
    return {reinterpret_cast<const char*>(levels() + level_count), member_len};
  }
  SkiplistNode* next() const { return levels()[0].forward; }
  SkiplistNode* prev() const { return backward; }
};

// Member -> node index over the same nodes (the skiplist owns them).
struct SkiplistNodeTraits {
  static std::string_view Key(const SkiplistNode* n) { return n->member(); }
  static SkiplistNode** NextPtr(SkiplistNode* n) { return &n->dict_next; }
};
using SkiplistDict = Dict<SkiplistNode, SkiplistNodeTraits>;

class Skiplist {
 public:
  using Node = SkiplistNode;
  static constexpr int kMaxLevel = 32;

  Skiplist();
  ~Skiplist();
  Skiplist(const Skiplist&) = delete;
  Skiplist& operator=(const Skiplist&) = delete;

  size_t size() const { return length_; }
  // Bytes of the header node and every member node, as the allocator reserved them.
  size_t AllocatedBytes() const { return allocated_; }

  Node* First() const { return header_->levels()[0].forward; }
  Node* Last() const { return tail_; }

  // Links a new node; the member must not be present (the caller checks its Dict first).
  Node* Insert(double score, std::string_view member);
  // Unlinks and frees the node with exactly this score and member; false when there is none.
  bool Delete(double score, std::string_view member);
  // Moves the node (score `cur`, `member`) to `newscore`. The node keeps its address (the Dict
  // stays valid): it is updated in place when its neighbours allow, else relinked.
  Node* UpdateScore(double cur, std::string_view member, double newscore);

  // 1-based rank of (score, member), 0 when absent.
  size_t Rank(double score, std::string_view member) const;
  // The node at 1-based `rank`, nullptr when out of range.
  Node* AtRank(size_t rank) const;

  Node* FirstInRange(const ScoreRange& r) const;
  Node* LastInRange(const ScoreRange& r) const;
  Node* FirstInLexRange(const LexRange& r) const;
  Node* LastInLexRange(const LexRange& r) const;

  // Range deletions. Each node is passed to `unlinked(ctx, node)` after it leaves the list and
  // before it is freed, so the owner can drop it from its Dict. Return the number removed.
  using UnlinkFn = void (*)(void* ctx, Node* node);
  size_t DeleteRangeByScore(const ScoreRange& r, UnlinkFn unlinked, void* ctx);
  size_t DeleteRangeByLex(const LexRange& r, UnlinkFn unlinked, void* ctx);
  // 1-based, inclusive.
  size_t DeleteRangeByRank(size_t start, size_t end, UnlinkFn unlinked, void* ctx);

 private:
  static Node* NewNode(int level, double score, std::string_view member);
  void FreeNode(Node* n);
  static int RandomLevel();
  // Links `x` (whose level_count, score and member are set) at its sorted position.
  void LinkNode(Node* x);
  void UnlinkNode(Node* x, Node** update);
  bool InRange(const ScoreRange& r) const;
  bool InLexRange(const LexRange& r) const;

  Node* header_;
  Node* tail_ = nullptr;
  size_t length_ = 0;
  int level_ = 1;
  size_t allocated_ = 0;
};

}  // namespace keel::engine
