// ZRANDMEMBER (Redis 7.0's zrandmemberCommand): one member, or COUNT members, distinct when
// COUNT is positive and drawn with repetition when negative. The four strategies are Redis's, so
// the reply's order has the same character (all members come back from the highest score down).
#include <cstdint>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/commands.h"
#include "engine/dict.h"
#include "engine/keyspace.h"
#include "engine/parse.h"
#include "engine/zset_family.h"

namespace keel::engine::zset_family {

namespace {

// Redis's ZRANDMEMBER_SUB_STRATEGY_MUL: below size/3 members, draw at random and skip repeats;
// above, copy the set and remove at random.
constexpr uint64_t kSubStrategyMul = 3;

void AddMember(CommandContext& ctx, std::string_view member, double score, bool withscores) {
  ctx.reply->AddBulk(member);
  if (withscores) ctx.reply->AddDouble(score);
}

void ZRandMemberWithCount(CommandContext& ctx, int64_t l, bool withscores) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddArrayHeader(0);
    return;
  }
  if (!CheckZSet(ctx, e)) return;
  ZSetObject* z = AsZSet(e);
  const uint64_t size = z->Size();
  const bool uniq = l >= 0;
  const uint64_t count = uniq ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  if (count == 0) {
    ctx.reply->AddArrayHeader(0);
    return;
  }
  char buf[24];
  // Case 1: repetitions allowed (or a single member): independent draws.
  if (!uniq || count == 1) {
    ctx.reply->AddArrayHeader(withscores ? count * 2 : count);
    if (z->is_listpack()) {
      const Listpack& lp = z->listpack();
      std::vector<Listpack::Pos> members;
      members.reserve(size);
      for (Listpack::Pos p = lp.First(); p != Listpack::kNone; p = lp.Next(lp.Next(p))) {
        members.push_back(p);
      }
      for (uint64_t i = 0; i < count; i++) {
        Listpack::Pos p = members[DictRandom() % members.size()];
        AddMember(ctx, lp.Get(p).Bytes(buf), ListpackScore(lp.Get(lp.Next(p))), withscores);
      }
    } else {
      for (uint64_t i = 0; i < count; i++) {
        std::string_view member;
        double score;
        z->RandomElement(&member, &score, buf);
        AddMember(ctx, member, score, withscores);
      }
    }
    return;
  }
  const uint64_t reply_size = count < size ? count : size;
  ctx.reply->AddArrayHeader(withscores ? reply_size * 2 : reply_size);
  // Case 2: the whole set, walked from the tail as Redis's zuiNext does.
  if (count >= size) {
    for (ZSetCursor c = z->Last(); c.valid(); c.Prev()) {
      AddMember(ctx, c.Member(buf), c.Score(), withscores);
    }
    return;
  }
  // Case 3: most of the set: copy it, then drop random members until `count` remain.
  if (count * kSubStrategyMul > size) {
    std::vector<std::pair<std::string, double>> all;
    all.reserve(size);
    for (ZSetCursor c = z->Last(); c.valid(); c.Prev()) {
      all.emplace_back(std::string(c.Member(buf)), c.Score());
    }
    while (all.size() > count) {
      size_t victim = DictRandom() % all.size();
      std::swap(all[victim], all.back());
      all.pop_back();
    }
    for (const auto& [member, score] : all) AddMember(ctx, member, score, withscores);
    return;
  }
  // Case 4: few of many. A listpack is sampled in one pass (Redis's lpRandomPairsUnique), in
  // order; a skiplist is drawn from until `count` distinct members came up.
  if (z->is_listpack()) {
    uint64_t picked = 0;
    uint64_t remaining = size;
    for (ZSetCursor c = z->Begin(); c.valid() && picked < count; c.Next(), remaining--) {
      if (DictRandom() % remaining < count - picked) {
        AddMember(ctx, c.Member(buf), c.Score(), withscores);
        picked++;
      }
    }
    return;
  }
  std::unordered_set<std::string_view> seen;
  seen.reserve(count);
  while (seen.size() < count) {
    std::string_view member;
    double score;
    z->RandomElement(&member, &score, buf);
    if (!seen.insert(member).second) continue;
    AddMember(ctx, member, score, withscores);
  }
}

void ZRandMemberCommand(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    std::optional<int64_t> l = ParseLongOrReply(ctx, ctx.arg(2));
    if (!l) return;
    if (*l < -INT64_MAX) {
      ctx.reply->AddError(kErrRandomCountRange);
      return;
    }
    bool withscores = false;
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.arg(3), "withscores"))) {
      ctx.reply->AddError(kErrSyntax);
      return;
    }
    if (ctx.argc() == 4) {
      withscores = true;
      // The reply doubles the count, which must not overflow.
      if (*l < -INT64_MAX / 2 || *l > INT64_MAX / 2) {
        ctx.reply->AddError("value is out of range");
        return;
      }
    }
    ZRandMemberWithCount(ctx, *l, withscores);
    return;
  }
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddNullBulk();
    return;
  }
  if (!CheckZSet(ctx, e)) return;
  std::string_view member;
  double score;
  char buf[24];
  AsZSet(e)->RandomElement(&member, &score, buf);
  ctx.reply->AddBulk(member);
}

}  // namespace

void RegisterZSetRandomCommands(CommandTable& table) {
  AddCommands(table, "sorted-set",
              {
                  {.name = "zrandmember",
                   .arity = -2,
                   .flags = kCmdReadOnly,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = ZRandMemberCommand,
                   .since = "6.2.0",
                   .summary = "Get one or multiple random elements from a sorted set",
                   .complexity = "O(N) where N is the number of elements returned",
                   .syntax = "key [options: count [WITHSCORES]]",
                   .tips = "nondeterministic_output"},
              });
}

}  // namespace keel::engine::zset_family
