// ZSetObject: Redis 7.0's zsetAdd / zsetDel / zsetRank / zsetConvert over a listpack or a
// skiplist + Dict (see zset_object.h), and the listpack primitives of the compact encoding.
#include "engine/zset_object.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "engine/keyspace.h"
#include "engine/memory.h"

namespace keel::engine {

namespace {

// Redis's LISTPACK_MAX_SAFETY_SIZE: a listpack never grows past 1 GiB.
constexpr size_t kListpackSafetySize = size_t{1} << 30;

// AddToListpack's answer when the member must go to a skiplist instead.
constexpr int kMustConvert = -1;

int CompareMember(const LpValue& v, std::string_view member) {
  char buf[24];
  int c = v.Bytes(buf).compare(member);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

std::string_view FormatListpackScore(double score, char (&buf)[32]) {
  // Redis's double2ll: within +-2^62 a double that converts to long long and back unchanged is
  // stored as that integer (so -0 becomes 0, as in Redis).
  constexpr double kLimit = static_cast<double>(INT64_MAX / 2);
  if (score >= -kLimit && score <= kLimit) {
    long long ll = static_cast<long long>(score);
    if (static_cast<double>(ll) == score) {
      int n = std::snprintf(buf, sizeof(buf), "%lld", ll);
      return {buf, static_cast<size_t>(n)};
    }
  }
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  int n = std::snprintf(buf, sizeof(buf), "%.17g", score);
  return {buf, static_cast<size_t>(n)};
}

double ListpackScore(const LpValue& v) {
  if (v.is_int) return static_cast<double>(v.num);
  // Redis's zzlStrtod: at most 127 bytes are parsed.
  char buf[128];
  size_t n = v.str.size() < sizeof(buf) - 1 ? v.str.size() : sizeof(buf) - 1;
  std::memcpy(buf, v.str.data(), n);
  buf[n] = '\0';
  return std::strtod(buf, nullptr);
}

namespace zset_listpack {

Listpack::Pos Find(const Listpack& lp, std::string_view member, double* score) {
  Listpack::Pos p = lp.First();
  if (p == Listpack::kNone) return Listpack::kNone;
  p = lp.Find(p, member, 1);
  if (p != Listpack::kNone && score != nullptr) *score = ListpackScore(lp.Get(lp.Next(p)));
  return p;
}

void Append(Listpack& lp, std::string_view member, double score) {
  char buf[32];
  lp.Append(member);
  lp.Append(FormatListpackScore(score, buf));
}

void Insert(Listpack& lp, std::string_view member, double score) {
  char buf[32];
  std::string_view s = FormatListpackScore(score, buf);
  for (Listpack::Pos e = lp.First(); e != Listpack::kNone;) {
    Listpack::Pos sp = lp.Next(e);
    double cur = ListpackScore(lp.Get(sp));
    if (cur > score || (cur == score && CompareMember(lp.Get(e), member) > 0)) {
      Listpack::Pos m = lp.InsertBefore(e, member);
      lp.InsertAfter(m, s);
      return;
    }
    e = lp.Next(sp);
  }
  lp.Append(member);
  lp.Append(s);
}

}  // namespace zset_listpack

// ---- ZSetCursor

std::string_view ZSetCursor::Member(char (&buf)[24]) const {
  if (lp_ != nullptr) return lp_->Get(pos_).Bytes(buf);
  return node_->member();
}

double ZSetCursor::Score() const {
  if (lp_ != nullptr) return ListpackScore(lp_->Get(lp_->Next(pos_)));
  return node_->score;
}

void ZSetCursor::Next() {
  if (lp_ != nullptr) {
    pos_ = lp_->Next(lp_->Next(pos_));
  } else {
    node_ = node_->next();
  }
}

void ZSetCursor::Prev() {
  if (lp_ != nullptr) {
    Listpack::Pos p = lp_->Prev(pos_);
    pos_ = p == Listpack::kNone ? Listpack::kNone : lp_->Prev(p);
  } else {
    node_ = node_->prev();
  }
}

// ---- ZSetObject

std::unique_ptr<ZSetObject> ZSetObject::CreateListpack() {
  std::unique_ptr<ZSetObject> z(new ZSetObject());
  new (&z->rep_.lp) Listpack();
  return z;
}

std::unique_ptr<ZSetObject> ZSetObject::FromListpack(Listpack pairs) {
  std::unique_ptr<ZSetObject> z(new ZSetObject());
  new (&z->rep_.lp) Listpack(std::move(pairs));
  return z;
}

std::unique_ptr<ZSetObject> ZSetObject::CreateSkiplist(size_t size_hint) {
  std::unique_ptr<ZSetObject> z(new ZSetObject());
  z->rep_.tagged = reinterpret_cast<uintptr_t>(new SkiplistRep()) | kSkiplistTag;
  if (size_hint > 0) z->sl().dict.Expand(size_hint);
  return z;
}

ZSetObject::~ZSetObject() { DestroyRep(); }

void ZSetObject::DestroyRep() {
  if (is_listpack()) {
    rep_.lp.~Listpack();
  } else {
    delete &sl();
  }
}

void ZSetObject::SetListpack(Listpack l) {
  DestroyRep();
  new (&rep_.lp) Listpack(std::move(l));
}

void ZSetObject::SetSkiplist(std::unique_ptr<SkiplistRep> rep) {
  DestroyRep();
  rep_.tagged = reinterpret_cast<uintptr_t>(rep.release()) | kSkiplistTag;
}

size_t ZSetObject::AllocatedBytes() const {
  size_t bytes = UsableSize(this);
  if (is_listpack()) return bytes + listpack().AllocatedBytes();
  const SkiplistRep& rep = sl();
  return bytes + UsableSize(&rep) + rep.zsl.AllocatedBytes() +
         rep.dict.slots() * sizeof(SkiplistNode*);
}

std::unique_ptr<Object> ZSetObject::Clone() const {
  if (is_listpack()) {
    std::unique_ptr<ZSetObject> copy(new ZSetObject());
    new (&copy->rep_.lp) Listpack(listpack());
    return copy;
  }
  // Redis's zsetDup: a presized Dict, filled from the tail so each insert lands at the front.
  std::unique_ptr<ZSetObject> copy = CreateSkiplist(Size());
  SkiplistRep& dst = copy->sl();
  for (const SkiplistNode* n = sl().zsl.Last(); n != nullptr; n = n->prev()) {
    dst.dict.Insert(dst.zsl.Insert(n->score, n->member()));
  }
  return copy;
}

size_t ZSetObject::Size() const { return is_listpack() ? listpack().size() / 2 : sl().zsl.size(); }

int ZSetObject::Add(double score, std::string_view member, int flags, const EncodingLimits& limits,
                    double* newscore) {
  if (std::isnan(score)) return kZAddNan;
  if (is_listpack()) {
    int result = AddToListpack(score, member, flags, limits, newscore);
    if (result != kMustConvert) return result;
    ConvertToSkiplist();
  }
  return AddToSkiplist(score, member, flags, newscore);
}

int ZSetObject::AddToListpack(double score, std::string_view member, int flags,
                              const EncodingLimits& limits, double* newscore) {
  Listpack& l = lp();
  double cur;
  Listpack::Pos e = zset_listpack::Find(l, member, &cur);
  if (e == Listpack::kNone) {
    if ((flags & kZAddXx) != 0) return kZAddNop;
    // A new member: the caller converts first when it would break the listpack limits.
    if (Size() + 1 > static_cast<size_t>(limits.zset_max_listpack_entries) ||
        member.size() > static_cast<size_t>(limits.zset_max_listpack_value) ||
        l.bytes() + member.size() > kListpackSafetySize) {
      return kMustConvert;
    }
    zset_listpack::Insert(l, member, score);
    if (newscore != nullptr) *newscore = score;
    return kZAddAdded;
  }
  if ((flags & kZAddNx) != 0) return kZAddNop;
  if ((flags & kZAddIncr) != 0) {
    score += cur;
    if (std::isnan(score)) return kZAddNan;
  }
  if (((flags & kZAddLt) != 0 && score >= cur) || ((flags & kZAddGt) != 0 && score <= cur)) {
    return kZAddNop;
  }
  if (newscore != nullptr) *newscore = score;
  if (score == cur) return 0;
  // `member` may not view the listpack (callers pass their own bytes), so it survives the delete.
  l.DeleteRange(e, 2);
  zset_listpack::Insert(l, member, score);
  return kZAddUpdated;
}

int ZSetObject::AddToSkiplist(double score, std::string_view member, int flags, double* newscore) {
  SkiplistRep& rep = sl();
  SkiplistNode* n = rep.dict.Find(member);
  if (n == nullptr) {
    if ((flags & kZAddXx) != 0) return kZAddNop;
    rep.dict.Insert(rep.zsl.Insert(score, member));
    if (newscore != nullptr) *newscore = score;
    return kZAddAdded;
  }
  if ((flags & kZAddNx) != 0) return kZAddNop;
  const double cur = n->score;
  if ((flags & kZAddIncr) != 0) {
    score += cur;
    if (std::isnan(score)) return kZAddNan;
  }
  if (((flags & kZAddLt) != 0 && score >= cur) || ((flags & kZAddGt) != 0 && score <= cur)) {
    return kZAddNop;
  }
  if (newscore != nullptr) *newscore = score;
  if (score == cur) return 0;
  // The node keeps its address, so the Dict needs no update.
  rep.zsl.UpdateScore(cur, n->member(), score);
  return kZAddUpdated;
}

void ZSetObject::MaybeShrinkDict() {
  SkiplistDict& d = sl().dict;
  if (d.NeedsShrink()) d.ShrinkToFit();
}

bool ZSetObject::Remove(std::string_view member) {
  if (is_listpack()) {
    Listpack::Pos e = zset_listpack::Find(lp(), member, nullptr);
    if (e == Listpack::kNone) return false;
    lp().DeleteRange(e, 2);
    return true;
  }
  SkiplistRep& rep = sl();
  SkiplistNode* n = rep.dict.Remove(member);
  if (n == nullptr) return false;
  // Delete frees the node only after comparing, so its own member bytes are safe to pass.
  rep.zsl.Delete(n->score, n->member());
  MaybeShrinkDict();
  return true;
}

std::optional<double> ZSetObject::Score(std::string_view member) const {
  if (is_listpack()) {
    double score;
    if (zset_listpack::Find(listpack(), member, &score) == Listpack::kNone) return std::nullopt;
    return score;
  }
  const SkiplistNode* n = sl().dict.Peek(member);
  if (n == nullptr) return std::nullopt;
  return n->score;
}

std::optional<size_t> ZSetObject::Rank(std::string_view member, bool reverse) const {
  const size_t len = Size();
  size_t rank = 0;  // 1-based
  if (is_listpack()) {
    const Listpack& l = listpack();
    size_t i = 1;
    for (Listpack::Pos e = l.First(); e != Listpack::kNone; e = l.Next(l.Next(e)), i++) {
      if (l.Get(e).Equals(member)) {
        rank = i;
        break;
      }
    }
  } else {
    const SkiplistNode* n = sl().dict.Peek(member);
    if (n != nullptr) rank = sl().zsl.Rank(n->score, n->member());
  }
  if (rank == 0) return std::nullopt;
  return reverse ? len - rank : rank - 1;
}

void ZSetObject::ConvertToSkiplist() {
  if (!is_listpack()) return;
  auto rep = std::make_unique<SkiplistRep>();
  const Listpack& l = listpack();
  rep->dict.Expand(l.size() / 2);
  char buf[24];
  for (Listpack::Pos e = l.First(); e != Listpack::kNone;) {
    Listpack::Pos sp = l.Next(e);
    rep->dict.Insert(rep->zsl.Insert(ListpackScore(l.Get(sp)), l.Get(e).Bytes(buf)));
    e = l.Next(sp);
  }
  SetSkiplist(std::move(rep));
}

void ZSetObject::ConvertToListpack() {
  if (is_listpack()) return;
  Listpack l;
  for (const SkiplistNode* n = sl().zsl.First(); n != nullptr; n = n->next()) {
    zset_listpack::Append(l, n->member(), n->score);
  }
  SetListpack(std::move(l));
}

void ZSetObject::ConvertToListpackIfNeeded(size_t max_member_len, size_t total_member_bytes,
                                           const EncodingLimits& limits) {
  if (is_listpack()) return;
  if (Size() <= static_cast<size_t>(limits.zset_max_listpack_entries) &&
      max_member_len <= static_cast<size_t>(limits.zset_max_listpack_value) &&
      total_member_bytes <= kListpackSafetySize) {
    ConvertToListpack();
  }
}

// ---- Cursors and ranges

ZSetCursor ZSetObject::Begin() const {
  ZSetCursor c;
  if (is_listpack()) {
    c.lp_ = &listpack();
    c.pos_ = c.lp_->First();
  } else {
    c.node_ = sl().zsl.First();
  }
  return c;
}

ZSetCursor ZSetObject::Last() const {
  ZSetCursor c;
  if (is_listpack()) {
    c.lp_ = &listpack();
    c.pos_ = c.lp_->empty() ? Listpack::kNone : c.lp_->Seek(-2);
  } else {
    c.node_ = sl().zsl.Last();
  }
  return c;
}

ZSetCursor ZSetObject::AtRank(size_t rank) const {
  ZSetCursor c;
  if (is_listpack()) {
    c.lp_ = &listpack();
    c.pos_ = rank < Size() ? c.lp_->Seek(static_cast<int64_t>(2 * rank)) : Listpack::kNone;
  } else {
    c.node_ = sl().zsl.AtRank(rank + 1);
  }
  return c;
}

// Redis's zzlIsInRange / zzlIsInLexRange: the range can hold something only when the last
// element is not below it and the first not above it. Lex ranges assume members sorted by bytes
// (equal scores); when they are not, this precheck is part of what Redis answers, so it is kept.
bool ZSetObject::ListpackInRange(const ScoreRange& r) const {
  if (r.Empty() || listpack().empty()) return false;
  return r.GteMin(Last().Score()) && r.LteMax(Begin().Score());
}

bool ZSetObject::ListpackInLexRange(const LexRange& r) const {
  if (r.Empty() || listpack().empty()) return false;
  char buf[24];
  return r.GteMin(Last().Member(buf)) && r.LteMax(Begin().Member(buf));
}

namespace {

// Redis's zzlFirstInRange / zzlLastInRange and their lex twins: walks a listpack from one end
// (forward from the lowest element, or back from the highest) to the first element not outside
// the near bound. That element is the answer when it is within the far bound too; otherwise there
// is none. `key` reads what the range compares: the score or the member.
template <typename Range, typename KeyFn>
ZSetCursor WalkToRange(ZSetCursor c, bool forward, const Range& r, KeyFn key) {
  char buf[24];
  for (; c.valid(); forward ? c.Next() : c.Prev()) {
    auto k = key(c, buf);
    if (forward ? r.GteMin(k) : r.LteMax(k)) {
      return (forward ? r.LteMax(k) : r.GteMin(k)) ? c : ZSetCursor();
    }
  }
  return ZSetCursor();
}

// Redis's zzlDeleteRangeByScore / ByLex loop: deletes member/score pairs from `e` on while
// `in_range(e)` holds; returns how many pairs went.
template <typename InRange>
size_t DeletePairsWhile(Listpack& l, Listpack::Pos e, InRange in_range) {
  size_t removed = 0;
  while (e != Listpack::kNone && in_range(e)) {
    e = l.DeleteRange(e, 2);
    removed++;
  }
  return removed;
}

double ScoreOf(const ZSetCursor& c, char (&)[24]) { return c.Score(); }
std::string_view MemberOf(const ZSetCursor& c, char (&buf)[24]) { return c.Member(buf); }

}  // namespace

ZSetCursor ZSetObject::FromNode(const SkiplistNode* node) {
  ZSetCursor c;
  c.node_ = node;
  return c;
}

ZSetCursor ZSetObject::FirstInRange(const ScoreRange& r) const {
  if (!is_listpack()) return FromNode(sl().zsl.FirstInRange(r));
  return ListpackInRange(r) ? WalkToRange(Begin(), true, r, ScoreOf) : ZSetCursor();
}

ZSetCursor ZSetObject::LastInRange(const ScoreRange& r) const {
  if (!is_listpack()) return FromNode(sl().zsl.LastInRange(r));
  return ListpackInRange(r) ? WalkToRange(Last(), false, r, ScoreOf) : ZSetCursor();
}

ZSetCursor ZSetObject::FirstInLexRange(const LexRange& r) const {
  if (!is_listpack()) return FromNode(sl().zsl.FirstInLexRange(r));
  return ListpackInLexRange(r) ? WalkToRange(Begin(), true, r, MemberOf) : ZSetCursor();
}

ZSetCursor ZSetObject::LastInLexRange(const LexRange& r) const {
  if (!is_listpack()) return FromNode(sl().zsl.LastInLexRange(r));
  return ListpackInLexRange(r) ? WalkToRange(Last(), false, r, MemberOf) : ZSetCursor();
}

size_t ZSetObject::CountInRange(const ScoreRange& r) const {
  if (!is_listpack()) {
    const Skiplist& zsl = sl().zsl;
    const SkiplistNode* first = zsl.FirstInRange(r);
    if (first == nullptr) return 0;
    const SkiplistNode* last = zsl.LastInRange(r);
    return zsl.Rank(last->score, last->member()) - zsl.Rank(first->score, first->member()) + 1;
  }
  size_t count = 0;
  for (ZSetCursor c = FirstInRange(r); c.valid() && r.LteMax(c.Score()); c.Next()) count++;
  return count;
}

size_t ZSetObject::CountInLexRange(const LexRange& r) const {
  if (!is_listpack()) {
    const Skiplist& zsl = sl().zsl;
    const SkiplistNode* first = zsl.FirstInLexRange(r);
    if (first == nullptr) return 0;
    const SkiplistNode* last = zsl.LastInLexRange(r);
    return zsl.Rank(last->score, last->member()) - zsl.Rank(first->score, first->member()) + 1;
  }
  size_t count = 0;
  char buf[24];
  for (ZSetCursor c = FirstInLexRange(r); c.valid() && r.LteMax(c.Member(buf)); c.Next()) count++;
  return count;
}

namespace {
void UnlinkFromDict(void* ctx, SkiplistNode* n) { static_cast<SkiplistDict*>(ctx)->Unlink(n); }
}  // namespace

size_t ZSetObject::DeleteRangeByRank(size_t start, size_t end) {
  if (is_listpack()) {
    lp().DeleteRangeByIndex(static_cast<int64_t>(2 * start), 2 * (end - start + 1));
    return end - start + 1;
  }
  SkiplistRep& rep = sl();
  size_t n = rep.zsl.DeleteRangeByRank(start + 1, end + 1, UnlinkFromDict, &rep.dict);
  MaybeShrinkDict();
  return n;
}

size_t ZSetObject::DeleteRangeByScore(const ScoreRange& r) {
  if (!is_listpack()) {
    SkiplistRep& rep = sl();
    size_t n = rep.zsl.DeleteRangeByScore(r, UnlinkFromDict, &rep.dict);
    MaybeShrinkDict();
    return n;
  }
  Listpack& l = lp();
  return DeletePairsWhile(l, FirstInRange(r).pos_, [&](Listpack::Pos e) {
    return r.LteMax(ListpackScore(l.Get(l.Next(e))));
  });
}

size_t ZSetObject::DeleteRangeByLex(const LexRange& r) {
  if (!is_listpack()) {
    SkiplistRep& rep = sl();
    size_t n = rep.zsl.DeleteRangeByLex(r, UnlinkFromDict, &rep.dict);
    MaybeShrinkDict();
    return n;
  }
  Listpack& l = lp();
  return DeletePairsWhile(l, FirstInLexRange(r).pos_, [&](Listpack::Pos e) {
    char buf[24];
    return r.LteMax(l.Get(e).Bytes(buf));
  });
}

void ZSetObject::RandomElement(std::string_view* member, double* score, char (&buf)[24]) {
  if (is_listpack()) {
    const Listpack& l = listpack();
    size_t i = DictRandom() % (l.size() / 2);
    Listpack::Pos e = l.Seek(static_cast<int64_t>(2 * i));
    *member = l.Get(e).Bytes(buf);
    *score = ListpackScore(l.Get(l.Next(e)));
    return;
  }
  SkiplistNode* n = sl().dict.FairRandom();
  *member = n->member();
  *score = n->score;
}

}  // namespace keel::engine
