// The sorted set value (Redis's OBJ_ZSET) in Redis 7.0's two encodings: a "listpack" of member,
// score pairs sorted by score then member bytes, while there are at most
// zset-max-listpack-entries members of at most zset-max-listpack-value bytes; then a "skiplist":
// a Skiplist for order and ranks plus a Dict from member to node. Scores in a listpack are stored
// as Redis 7.0 stores them (an integer when the double is one, else "%.17g"), so the bytes are
// Redis's. Conversions happen where Redis's zsetAdd / zsetConvertToListpackIfNeeded do them.
// Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/listpack.h"
#include "engine/object.h"
#include "engine/skiplist.h"

namespace keel::engine {

struct EncodingLimits;

// Redis's zsetAdd flags (ZADD_IN_*) and results (ZADD_OUT_*).
enum ZAddFlag : int {
  kZAddNx = 1 << 0,
  kZAddXx = 1 << 1,
  kZAddGt = 1 << 2,
  kZAddLt = 1 << 3,
  kZAddIncr = 1 << 4,
};
enum ZAddResult : int {
  kZAddNan = 1 << 0,      // the resulting score would be NaN: nothing was done
  kZAddAdded = 1 << 1,    // a new member
  kZAddUpdated = 1 << 2,  // an existing member got a different score
  kZAddNop = 1 << 3,      // nothing to do (NX on an existing member, XX on a missing one, GT/LT)
};

// The listpack form of a score (Redis 7.0's zzlInsertAt): its decimal digits when the double is
// an integer in +-2^62, else "%.17g" ("inf", "-inf"). Returns the bytes, formatted into `buf`.
std::string_view FormatListpackScore(double score, char (&buf)[32]);
// A score read back from a listpack element (Redis's zzlGetScore).
double ListpackScore(const LpValue& v);

class ZSetObject;

// A position in a sorted set, in either encoding: a member and its score, and moves to the
// neighbours. Valid until the set changes.
class ZSetCursor {
 public:
  bool valid() const { return lp_ != nullptr ? pos_ != Listpack::kNone : node_ != nullptr; }
  // The member's bytes; a listpack integer is formatted into `buf`.
  std::string_view Member(char (&buf)[24]) const;
  double Score() const;
  void Next();
  void Prev();

 private:
  friend class ZSetObject;
  const Listpack* lp_ = nullptr;
  Listpack::Pos pos_ = Listpack::kNone;  // the member element (listpack)
  const SkiplistNode* node_ = nullptr;   // (skiplist)
};

class ZSetObject final : public Object {
 public:
  enum class Encoding : uint8_t { kListpack, kSkiplist };

  static std::unique_ptr<ZSetObject> CreateListpack();
  // Adopts a listpack of member, score pairs in Redis's order with unique members (RDB loading
  // and RESTORE).
  static std::unique_ptr<ZSetObject> FromListpack(Listpack pairs);
  // A skiplist whose Dict is presized for `size_hint` members.
  static std::unique_ptr<ZSetObject> CreateSkiplist(size_t size_hint = 0);

  ~ZSetObject() override;
  ZSetObject(const ZSetObject&) = delete;
  ZSetObject& operator=(const ZSetObject&) = delete;

  const char* EncodingName() const override { return is_listpack() ? "listpack" : "skiplist"; }
  size_t AllocatedBytes() const override;
  std::unique_ptr<Object> Clone() const override;
  size_t Size() const override;

  Encoding encoding() const { return is_listpack() ? Encoding::kListpack : Encoding::kSkiplist; }
  bool is_listpack() const { return (RepWord() & kSkiplistTag) == 0; }
  const Listpack& listpack() const { return rep_.lp; }  // requires is_listpack()

  // Redis's zsetAdd: adds or updates `member` as `flags` (ZAddFlag) say and returns ZAddResult
  // bits (0: processed, the score was already that). *newscore receives the member's score unless
  // the result is kZAddNop or kZAddNan. A listpack converts to a skiplist first when the new
  // member would exceed `limits`.
  int Add(double score, std::string_view member, int flags, const EncodingLimits& limits,
          double* newscore);
  // Returns false when `member` was absent. A skiplist's Dict shrinks when under 10% full.
  bool Remove(std::string_view member);
  std::optional<double> Score(std::string_view member) const;
  // 0-based rank from the lowest (or, reverse, the highest) score; nullopt when absent.
  std::optional<size_t> Rank(std::string_view member, bool reverse) const;

  // Encoding changes (Redis's zsetConvert and zsetConvertToListpackIfNeeded).
  void ConvertToSkiplist();
  void ConvertToListpack();
  // Converts a skiplist back when it has at most zset-max-listpack-entries members, the longest
  // is at most zset-max-listpack-value bytes and `total_member_bytes` fits a listpack.
  void ConvertToListpackIfNeeded(size_t max_member_len, size_t total_member_bytes,
                                 const EncodingLimits& limits);

  // Cursors. `rank` is 0-based from the lowest score; out of range gives an invalid cursor.
  ZSetCursor Begin() const;
  ZSetCursor Last() const;
  ZSetCursor AtRank(size_t rank) const;
  ZSetCursor FirstInRange(const ScoreRange& r) const;
  ZSetCursor LastInRange(const ScoreRange& r) const;
  ZSetCursor FirstInLexRange(const LexRange& r) const;
  ZSetCursor LastInLexRange(const LexRange& r) const;

  // Members in a range (ZCOUNT, ZLEXCOUNT): a walk of a listpack, two rank lookups in a skiplist.
  size_t CountInRange(const ScoreRange& r) const;
  size_t CountInLexRange(const LexRange& r) const;

  // Removals by range. Ranks are 0-based, inclusive and must be valid. Return the count removed.
  size_t DeleteRangeByRank(size_t start, size_t end);
  size_t DeleteRangeByScore(const ScoreRange& r);
  size_t DeleteRangeByLex(const LexRange& r);

  // A random member and its score (Redis's zsetTypeRandomElement); requires Size() > 0.
  // `member` views the set (or `buf` for a listpack integer).
  void RandomElement(std::string_view* member, double* score, char (&buf)[24]);
  // ZSCAN over a skiplist's Dict (Redis's dictScan): calls fn(member, score) for one or more
  // buckets and returns the next cursor, 0 when done. Requires !is_listpack().
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    return sl().dict.Scan(cursor, [&](SkiplistNode* n) { fn(n->member(), n->score); });
  }

 private:
  struct SkiplistRep {
    Skiplist zsl;
    SkiplistDict dict;
  };

  // The value is one word, so a small sorted set costs 16 bytes besides its listpack (a
  // std::variant's tag would round the object up to 32): either a Listpack, whose only member is
  // its buffer pointer (at least 8-byte aligned, so even), or a SkiplistRep* with its low bit set.
  static constexpr uintptr_t kSkiplistTag = 1;
  union Rep {
    Rep() {}
    ~Rep() {}
    Listpack lp;
    uintptr_t tagged;
  };
  static_assert(sizeof(Listpack) == sizeof(uintptr_t), "a Listpack must be one pointer");
  static_assert(alignof(SkiplistRep) > kSkiplistTag, "the tag needs a free low bit");

  ZSetObject() = default;
  uintptr_t RepWord() const {
    uintptr_t w;
    std::memcpy(&w, &rep_, sizeof(w));
    return w;
  }
  SkiplistRep& sl() { return *reinterpret_cast<SkiplistRep*>(RepWord() & ~kSkiplistTag); }
  const SkiplistRep& sl() const {
    return *reinterpret_cast<const SkiplistRep*>(RepWord() & ~kSkiplistTag);
  }
  Listpack& lp() { return rep_.lp; }
  // Replace the current representation (the old one is destroyed first).
  void SetListpack(Listpack l);
  void SetSkiplist(std::unique_ptr<SkiplistRep> rep);
  void DestroyRep();
  int AddToListpack(double score, std::string_view member, int flags, const EncodingLimits& limits,
                    double* newscore);
  int AddToSkiplist(double score, std::string_view member, int flags, double* newscore);
  void MaybeShrinkDict();
  static ZSetCursor FromNode(const SkiplistNode* node);  // a cursor on a skiplist node (or none)
  bool ListpackInRange(const ScoreRange& r) const;
  bool ListpackInLexRange(const LexRange& r) const;

  Rep rep_;
};

// Listpack primitives of the compact encoding (Redis's zzl* functions), shared by ZSetObject and
// its tests. Positions are of the member element; its score follows it.
namespace zset_listpack {
// The member element holding `member`, or kNone; *score receives its score when found.
Listpack::Pos Find(const Listpack& lp, std::string_view member, double* score);
// Inserts at the sorted position of (score, member) (Redis's zzlInsert).
void Insert(Listpack& lp, std::string_view member, double score);
// Appends a pair, for callers that add in order (Redis's zzlInsertAt with eptr NULL).
void Append(Listpack& lp, std::string_view member, double score);
}  // namespace zset_listpack

}  // namespace keel::engine
