// Redis's zskiplist algorithms (t_zset.c) over Keel's inline-member nodes. The update[] / rank[]
// bookkeeping is Redis's: update[i] is the last node at level i before the insertion or deletion
// point, rank[i] the number of nodes crossed to reach it, from which the spans are patched.
#include "engine/skiplist.h"

#include <cstring>

#include "engine/memory.h"

namespace keel::engine {

namespace {

constexpr uint64_t kLevelThreshold = 0xFFFF / 4;  // ZSKIPLIST_P = 0.25 of a 16-bit draw

// Orders nodes as Redis does: by score, then by member bytes.
bool Before(const SkiplistNode* n, double score, std::string_view member) {
  return n->score < score || (n->score == score && n->member() < member);
}

}  // namespace

int CompareLex(std::string_view v, const LexBound& b) {
  switch (b.kind) {
    case LexBound::kMinusInf:
      return 1;
    case LexBound::kPlusInf:
      return -1;
    case LexBound::kValue:
      break;
  }
  int c = v.compare(b.value);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool LexRange::GteMin(std::string_view v) const {
  int c = CompareLex(v, min);
  return min.exclusive ? c > 0 : c >= 0;
}

bool LexRange::LteMax(std::string_view v) const {
  int c = CompareLex(v, max);
  return max.exclusive ? c < 0 : c <= 0;
}

bool LexRange::Empty() const {
  // sdscmplex(min, max): equal sentinels compare equal; "-" is below and "+" above anything.
  int cmp;
  if (min.kind == max.kind && min.kind != LexBound::kValue) {
    cmp = 0;
  } else if (min.kind == LexBound::kMinusInf || max.kind == LexBound::kPlusInf) {
    cmp = -1;
  } else if (min.kind == LexBound::kPlusInf || max.kind == LexBound::kMinusInf) {
    cmp = 1;
  } else {
    cmp = min.value.compare(max.value);
  }
  return cmp > 0 || (cmp == 0 && (min.exclusive || max.exclusive));
}

Skiplist::Skiplist() : header_(NewNode(kMaxLevel, 0, {})) {
  allocated_ = UsableSize(header_);
  for (int i = 0; i < kMaxLevel; i++) header_->levels()[i] = {nullptr, 0};
  header_->backward = nullptr;
}

Skiplist::~Skiplist() {
  Node* n = First();
  while (n != nullptr) {
    Node* next = n->next();
    Deallocate(n);
    n = next;
  }
  Deallocate(header_);
}

Skiplist::Node* Skiplist::NewNode(int level, double score, std::string_view member) {
  size_t size = sizeof(Node) + static_cast<size_t>(level) * sizeof(Node::Level) + member.size();
  Node* n = static_cast<Node*>(Allocate(size));
  n->score = score;
  n->backward = nullptr;
  n->dict_next = nullptr;
  n->member_len = static_cast<uint32_t>(member.size());
  n->level_count = static_cast<uint8_t>(level);
  if (!member.empty()) {
    std::memcpy(reinterpret_cast<char*>(n->levels() + level), member.data(), member.size());
  }
  return n;
}

void Skiplist::FreeNode(Node* n) {
  allocated_ -= UsableSize(n);
  Deallocate(n);
}

int Skiplist::RandomLevel() {
  int level = 1;
  while ((DictRandom() & 0xFFFF) < kLevelThreshold) level++;
  return level < kMaxLevel ? level : kMaxLevel;
}

Skiplist::Node* Skiplist::Insert(double score, std::string_view member) {
  Node* x = NewNode(RandomLevel(), score, member);
  allocated_ += UsableSize(x);
  LinkNode(x);
  return x;
}

void Skiplist::LinkNode(Node* x) {
  Node* update[kMaxLevel];
  size_t rank[kMaxLevel];
  const double score = x->score;
  const std::string_view member = x->member();
  Node* n = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (n->levels()[i].forward != nullptr && Before(n->levels()[i].forward, score, member)) {
      rank[i] += n->levels()[i].span;
      n = n->levels()[i].forward;
    }
    update[i] = n;
  }
  const int level = x->level_count;
  if (level > level_) {
    for (int i = level_; i < level; i++) {
      rank[i] = 0;
      update[i] = header_;
      update[i]->levels()[i].span = length_;
    }
    level_ = level;
  }
  for (int i = 0; i < level; i++) {
    Node::Level& up = update[i]->levels()[i];
    x->levels()[i].forward = up.forward;
    up.forward = x;
    x->levels()[i].span = up.span - (rank[0] - rank[i]);
    up.span = (rank[0] - rank[i]) + 1;
  }
  for (int i = level; i < level_; i++) update[i]->levels()[i].span++;
  x->backward = update[0] == header_ ? nullptr : update[0];
  if (x->next() != nullptr) {
    x->next()->backward = x;
  } else {
    tail_ = x;
  }
  length_++;
}

void Skiplist::UnlinkNode(Node* x, Node** update) {
  for (int i = 0; i < level_; i++) {
    Node::Level& up = update[i]->levels()[i];
    if (up.forward == x) {
      up.span += x->levels()[i].span - 1;
      up.forward = x->levels()[i].forward;
    } else {
      up.span -= 1;
    }
  }
  if (x->next() != nullptr) {
    x->next()->backward = x->backward;
  } else {
    tail_ = x->backward;
  }
  while (level_ > 1 && header_->levels()[level_ - 1].forward == nullptr) level_--;
  length_--;
}

bool Skiplist::Delete(double score, std::string_view member) {
  Node* update[kMaxLevel];
  Node* n = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (n->levels()[i].forward != nullptr && Before(n->levels()[i].forward, score, member)) {
      n = n->levels()[i].forward;
    }
    update[i] = n;
  }
  n = n->next();
  if (n == nullptr || n->score != score || n->member() != member) return false;
  UnlinkNode(n, update);
  FreeNode(n);
  return true;
}

Skiplist::Node* Skiplist::UpdateScore(double cur, std::string_view member, double newscore) {
  Node* update[kMaxLevel];
  Node* n = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (n->levels()[i].forward != nullptr && Before(n->levels()[i].forward, cur, member)) {
      n = n->levels()[i].forward;
    }
    update[i] = n;
  }
  Node* x = n->next();
  // As Redis: when the new score keeps the node strictly between its neighbours, no relinking.
  if ((x->backward == nullptr || x->backward->score < newscore) &&
      (x->next() == nullptr || x->next()->score > newscore)) {
    x->score = newscore;
    return x;
  }
  UnlinkNode(x, update);
  x->score = newscore;
  LinkNode(x);
  return x;
}

size_t Skiplist::Rank(double score, std::string_view member) const {
  size_t rank = 0;
  const Node* n = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (n->levels()[i].forward != nullptr && (n->levels()[i].forward->score < score ||
                                                 (n->levels()[i].forward->score == score &&
                                                  n->levels()[i].forward->member() <= member))) {
      rank += n->levels()[i].span;
      n = n->levels()[i].forward;
    }
    if (n != header_ && n->score == score && n->member() == member) return rank;
  }
  return 0;
}

Skiplist::Node* Skiplist::AtRank(size_t rank) const {
  size_t traversed = 0;
  Node* n = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (n->levels()[i].forward != nullptr && traversed + n->levels()[i].span <= rank) {
      traversed += n->levels()[i].span;
      n = n->levels()[i].forward;
    }
    if (traversed == rank) return n == header_ ? nullptr : n;
  }
  return nullptr;
}

bool Skiplist::InRange(const ScoreRange& r) const {
  if (r.Empty()) return false;
  if (tail_ == nullptr || !r.GteMin(tail_->score)) return false;
  return r.LteMax(First()->score);
}

Skiplist::Node* Skiplist::FirstInRange(const ScoreRange& r) const {
  if (!InRange(r)) return nullptr;
  Node* n = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (n->levels()[i].forward != nullptr && !r.GteMin(n->levels()[i].forward->score)) {
      n = n->levels()[i].forward;
    }
  }
  n = n->next();
  return r.LteMax(n->score) ? n : nullptr;
}

Skiplist::Node* Skiplist::LastInRange(const ScoreRange& r) const {
  if (!InRange(r)) return nullptr;
  Node* n = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (n->levels()[i].forward != nullptr && r.LteMax(n->levels()[i].forward->score)) {
      n = n->levels()[i].forward;
    }
  }
  return r.GteMin(n->score) ? n : nullptr;
}

bool Skiplist::InLexRange(const LexRange& r) const {
  if (r.Empty()) return false;
  if (tail_ == nullptr || !r.GteMin(tail_->member())) return false;
  return r.LteMax(First()->member());
}

Skiplist::Node* Skiplist::FirstInLexRange(const LexRange& r) const {
  if (!InLexRange(r)) return nullptr;
  Node* n = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (n->levels()[i].forward != nullptr && !r.GteMin(n->levels()[i].forward->member())) {
      n = n->levels()[i].forward;
    }
  }
  n = n->next();
  return r.LteMax(n->member()) ? n : nullptr;
}

Skiplist::Node* Skiplist::LastInLexRange(const LexRange& r) const {
  if (!InLexRange(r)) return nullptr;
  Node* n = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (n->levels()[i].forward != nullptr && r.LteMax(n->levels()[i].forward->member())) {
      n = n->levels()[i].forward;
    }
  }
  return r.GteMin(n->member()) ? n : nullptr;
}

size_t Skiplist::DeleteRangeByScore(const ScoreRange& r, UnlinkFn unlinked, void* ctx) {
  Node* update[kMaxLevel];
  Node* n = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (n->levels()[i].forward != nullptr && !r.GteMin(n->levels()[i].forward->score)) {
      n = n->levels()[i].forward;
    }
    update[i] = n;
  }
  size_t removed = 0;
  n = n->next();
  while (n != nullptr && r.LteMax(n->score)) {
    Node* next = n->next();
    UnlinkNode(n, update);
    unlinked(ctx, n);
    FreeNode(n);
    removed++;
    n = next;
  }
  return removed;
}

size_t Skiplist::DeleteRangeByLex(const LexRange& r, UnlinkFn unlinked, void* ctx) {
  Node* update[kMaxLevel];
  Node* n = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (n->levels()[i].forward != nullptr && !r.GteMin(n->levels()[i].forward->member())) {
      n = n->levels()[i].forward;
    }
    update[i] = n;
  }
  size_t removed = 0;
  n = n->next();
  while (n != nullptr && r.LteMax(n->member())) {
    Node* next = n->next();
    UnlinkNode(n, update);
    unlinked(ctx, n);
    FreeNode(n);
    removed++;
    n = next;
  }
  return removed;
}

size_t Skiplist::DeleteRangeByRank(size_t start, size_t end, UnlinkFn unlinked, void* ctx) {
  Node* update[kMaxLevel];
  size_t traversed = 0;
  Node* n = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (n->levels()[i].forward != nullptr && traversed + n->levels()[i].span < start) {
      traversed += n->levels()[i].span;
      n = n->levels()[i].forward;
    }
    update[i] = n;
  }
  traversed++;
  size_t removed = 0;
  n = n->next();
  while (n != nullptr && traversed <= end) {
    Node* next = n->next();
    UnlinkNode(n, update);
    unlinked(ctx, n);
    FreeNode(n);
    removed++;
    traversed++;
    n = next;
  }
  return removed;
}

}  // namespace keel::engine
