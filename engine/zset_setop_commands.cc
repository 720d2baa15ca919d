// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD (Redis 7.0's
// zunionInterDiffGenericCommand). Inputs may be sorted sets or plain sets (every member of a set
// scores 1). The result is built as a skiplist and, when stored, converted back to a listpack if
// it fits, as Redis's zsetConvertToListpackIfNeeded does.
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/commands.h"
#include "engine/keyspace.h"
#include "engine/parse.h"
#include "engine/set_object.h"
#include "engine/zset_family.h"

namespace keel::engine::zset_family {

namespace {

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input key: a sorted set, a set, or nothing (a missing key is an empty input).
struct Source {
  const ZSetObject* zset = nullptr;
  SetObject* set = nullptr;
  const Object* subject = nullptr;  // identity, to spot a key given twice
  double weight = 1.0;

  size_t Length() const {
    if (zset != nullptr) return zset->Size();
    return set != nullptr ? set->Size() : 0;
  }
  // Calls fn(member, score) for every element.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    char buf[24];
    if (zset != nullptr) {
      for (ZSetCursor c = zset->Begin(); c.valid(); c.Next()) fn(c.Member(buf), c.Score());
    } else if (set != nullptr) {
      set->ForEach([&](const SetMember& m) { fn(m.Bytes(buf), 1.0); });
    }
  }
  bool Find(std::string_view member, double* score) const {
    if (zset != nullptr) {
      std::optional<double> s = zset->Score(member);
      if (!s) return false;
      *score = *s;
      return true;
    }
    if (set != nullptr && set->Contains(member)) {
      *score = 1.0;
      return true;
    }
    return false;
  }
};

void AggregateInto(double* target, double val, Aggregate aggregate) {
  switch (aggregate) {
    case Aggregate::kSum:
      *target = *target + val;
      // inf + -inf: Redis settles on 0 rather than storing a NaN.
      if (std::isnan(*target)) *target = 0.0;
      break;
    case Aggregate::kMin:
      *target = val < *target ? val : *target;
      break;
    case Aggregate::kMax:
      *target = val > *target ? val : *target;
      break;
  }
}

// Adds a member the result does not hold yet.
void AddNew(ZSetObject* dst, std::string_view member, double score, const EncodingLimits& limits) {
  double ignored;
  dst->Add(score, member, 0, limits, &ignored);
}

// Redis's zdiffAlgorithm1 (for each member of the first input, probe the others) and
// zdiffAlgorithm2 (add the first input, remove every other input's members), chosen by the same
// cost estimate. A later input that is the first key again empties the result.
void Diff(std::vector<Source>& src, ZSetObject* dst, const EncodingLimits& limits) {
  if (src[0].Length() == 0) return;
  uint64_t algo_one = 0, algo_two = 0;
  for (size_t j = 0; j < src.size(); j++) {
    if (j > 0 && src[j].subject != nullptr && src[j].subject == src[0].subject) return;
    algo_one += src[0].Length();
    algo_two += src[j].Length();
  }
  if (algo_one / 2 <= algo_two) {
    // Probing the biggest inputs first finds a member sooner.
    std::stable_sort(src.begin() + 1, src.end(),
                     [](const Source& a, const Source& b) { return a.Length() > b.Length(); });
    src[0].ForEach([&](std::string_view member, double score) {
      double ignored;
      for (size_t j = 1; j < src.size(); j++) {
        if (src[j].Find(member, &ignored)) return;
      }
      AddNew(dst, member, score, limits);
    });
    return;
  }
  src[0].ForEach(
      [&](std::string_view member, double score) { AddNew(dst, member, score, limits); });
  for (size_t j = 1; j < src.size() && dst->Size() > 0; j++) {
    src[j].ForEach([&](std::string_view member, double) {
      if (dst->Size() > 0) dst->Remove(member);
    });
  }
}

// `store`: the result goes to the key at argument 1 (the STORE forms).
void ZSetOpGeneric(CommandContext& ctx, bool store, size_t numkeys_idx, SetOp op,
                   bool cardinality_only) {
  std::optional<int64_t> setnum = ParseLongOrReply(ctx, ctx.arg(numkeys_idx));
  if (!setnum) return;
  if (*setnum < 1) {
    ctx.reply->AddError("at least 1 input key is needed for '" + ctx.cmd->FullName() + "' command");
    return;
  }
  if (static_cast<uint64_t>(*setnum) > ctx.argc() - (numkeys_idx + 1)) {
    ctx.reply->AddError(kErrSyntax);
    return;
  }
  const size_t n = static_cast<size_t>(*setnum);
  std::vector<Source> src(n);
  size_t j = numkeys_idx + 1;
  for (size_t i = 0; i < n; i++, j++) {
    Entry* e = ctx.db->LookupRead(ctx.arg(j));
    if (e == nullptr) continue;
    if (e->type() == ObjType::kZSet) {
      src[i].zset = AsZSet(e);
    } else if (e->type() == ObjType::kSet) {
      src[i].set = e->As<SetObject>();
    } else {
      ctx.reply->AddError(kErrWrongType);
      return;
    }
    src[i].subject = e->object();
  }
  Aggregate aggregate = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  while (j < ctx.argc()) {
    const size_t remaining = ctx.argc() - j;
    std::string_view opt = ctx.arg(j);
    if (op != SetOp::kDiff && !cardinality_only && remaining >= n + 1 &&
        EqualsIgnoreCase(opt, "weights")) {
      j++;
      for (size_t i = 0; i < n; i++, j++) {
        std::optional<double> w = ParseScore(ctx.arg(j));
        if (!w) {
          ctx.reply->AddError("weight value is not a float");
          return;
        }
        src[i].weight = *w;
      }
    } else if (op != SetOp::kDiff && !cardinality_only && remaining >= 2 &&
               EqualsIgnoreCase(opt, "aggregate")) {
      std::string_view a = ctx.arg(j + 1);
      if (EqualsIgnoreCase(a, "sum")) {
        aggregate = Aggregate::kSum;
      } else if (EqualsIgnoreCase(a, "min")) {
        aggregate = Aggregate::kMin;
      } else if (EqualsIgnoreCase(a, "max")) {
        aggregate = Aggregate::kMax;
      } else {
        ctx.reply->AddError(kErrSyntax);
        return;
      }
      j += 2;
    } else if (!store && !cardinality_only && EqualsIgnoreCase(opt, "withscores")) {
      withscores = true;
      j++;
    } else if (cardinality_only && remaining >= 2 && EqualsIgnoreCase(opt, "limit")) {
      constexpr std::string_view kNegative = "LIMIT can't be negative";
      std::optional<int64_t> l = ParseLongOrReply(ctx, ctx.arg(j + 1), kNegative);
      if (!l) return;
      if (*l < 0) {
        ctx.reply->AddError(kNegative);
        return;
      }
      limit = *l;
      j += 2;
    } else {
      ctx.reply->AddError(kErrSyntax);
      return;
    }
  }
  // Smallest input first (qsort in Redis, a stable merge sort in glibc: keep ties in order, so
  // sums are added in the same order).
  if (op != SetOp::kDiff) {
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.Length() < b.Length(); });
  }

  const EncodingLimits& limits = ctx.ks->limits;
  std::unique_ptr<ZSetObject> dst = ZSetObject::CreateSkiplist();
  uint64_t cardinality = 0;
  if (op == SetOp::kInter) {
    bool done = false;
    src[0].ForEach([&](std::string_view member, double score0) {
      if (done) return;
      double score = src[0].weight * score0;
      if (std::isnan(score)) score = 0;
      for (size_t k = 1; k < n; k++) {
        double value;
        if (src[k].subject != nullptr && src[k].subject == src[0].subject) {
          value = score0 * src[k].weight;
        } else if (src[k].Find(member, &value)) {
          value *= src[k].weight;
        } else {
          return;
        }
        AggregateInto(&score, value, aggregate);
      }
      if (cardinality_only) {
        cardinality++;
        if (limit != 0 && cardinality >= static_cast<uint64_t>(limit)) done = true;
      } else {
        AddNew(dst.get(), member, score, limits);
      }
    });
  } else if (op == SetOp::kUnion) {
    std::unordered_map<std::string, double> acc;
    acc.reserve(src.back().Length());
    std::vector<const std::string*> order;  // first-seen order, for a deterministic build
    for (const Source& s : src) {
      s.ForEach([&](std::string_view member, double score0) {
        double score = s.weight * score0;
        if (std::isnan(score)) score = 0;
        auto [it, inserted] = acc.try_emplace(std::string(member), score);
        if (inserted) {
          order.push_back(&it->first);
        } else {
          AggregateInto(&it->second, score, aggregate);
        }
      });
    }
    for (const std::string* m : order) AddNew(dst.get(), *m, acc.find(*m)->second, limits);
  } else {
    Diff(src, dst.get(), limits);
  }

  if (store) {
    if (dst->Size() > 0) {
      size_t max_len = 0, total = 0;
      char buf[24];
      for (ZSetCursor c = dst->Begin(); c.valid(); c.Next()) {
        size_t len = c.Member(buf).size();
        max_len = std::max(max_len, len);
        total += len;
      }
      dst->ConvertToListpackIfNeeded(max_len, total, limits);
    }
    ctx.reply->AddInteger(static_cast<int64_t>(StoreResult(ctx, ctx.arg(1), std::move(dst))));
  } else if (cardinality_only) {
    ctx.reply->AddInteger(static_cast<int64_t>(cardinality));
  } else {
    const size_t len = dst->Size();
    ctx.reply->AddArrayHeader(withscores ? len * 2 : len);
    char buf[24];
    for (ZSetCursor c = dst->Begin(); c.valid(); c.Next()) {
      ctx.reply->AddBulk(c.Member(buf));
      if (withscores) ctx.reply->AddDouble(c.Score());
    }
  }
}

void ZUnionStoreCommand(CommandContext& ctx) { ZSetOpGeneric(ctx, true, 2, SetOp::kUnion, false); }
void ZInterStoreCommand(CommandContext& ctx) { ZSetOpGeneric(ctx, true, 2, SetOp::kInter, false); }
void ZDiffStoreCommand(CommandContext& ctx) { ZSetOpGeneric(ctx, true, 2, SetOp::kDiff, false); }
void ZUnionCommand(CommandContext& ctx) { ZSetOpGeneric(ctx, false, 1, SetOp::kUnion, false); }
void ZInterCommand(CommandContext& ctx) { ZSetOpGeneric(ctx, false, 1, SetOp::kInter, false); }
void ZInterCardCommand(CommandContext& ctx) { ZSetOpGeneric(ctx, false, 1, SetOp::kInter, true); }
void ZDiffCommand(CommandContext& ctx) { ZSetOpGeneric(ctx, false, 1, SetOp::kDiff, false); }

}  // namespace

void RegisterZSetSetOpCommands(CommandTable& table) {
  constexpr const char* kUnionComplexity =
      "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being "
      "the number of elements in the resulting sorted set.";
  constexpr const char* kInterComplexity =
      "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "
      "number of input sorted sets and M being the number of elements in the resulting sorted "
      "set.";
  constexpr const char* kDiffComplexity =
      "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N "
      "is the size of the first set, and K is the size of the result set.";
  constexpr const char* kReadSyntax =
      "numkeys key [key ...] [WEIGHTS weight:integer [weight ...]] [AGGREGATE <SUM | MIN | MAX>] "
      "[WITHSCORES]";
  constexpr const char* kStoreSyntax =
      "destination numkeys key [key ...] [WEIGHTS weight:integer [weight ...]] "
      "[AGGREGATE <SUM | MIN | MAX>]";
  const std::vector<KeySpec> kReadSpecs = {{.flags = kKeyRO | kKeyAccess,
                                            .begin_index = 1,
                                            .find = KeySpec::kKeynum,
                                            .keynum_index = 0,
                                            .first_key = 1}};
  const std::vector<KeySpec> kStoreSpecs = {{.flags = kKeyOW | kKeyUpdate, .begin_index = 1},
                                            {.flags = kKeyRO | kKeyAccess,
                                             .begin_index = 2,
                                             .find = KeySpec::kKeynum,
                                             .keynum_index = 0,
                                             .first_key = 1}};
  const uint32_t kReadFlags = kCmdReadOnly | kCmdMovableKeys;
  const uint32_t kStoreFlags = kCmdWrite | kCmdDenyOom | kCmdMovableKeys;
  AddCommands(
      table, "sorted-set",
      {
          {.name = "zunion",
           .arity = -3,
           .flags = kReadFlags,
           .handler = ZUnionCommand,
           .since = "6.2.0",
           .summary = "Add multiple sorted sets",
           .complexity = kUnionComplexity,
           .syntax = kReadSyntax,
           .key_specs = kReadSpecs},
          {.name = "zinter",
           .arity = -3,
           .flags = kReadFlags,
           .handler = ZInterCommand,
           .since = "6.2.0",
           .summary = "Intersect multiple sorted sets",
           .complexity = kInterComplexity,
           .syntax = kReadSyntax,
           .key_specs = kReadSpecs},
          {.name = "zdiff",
           .arity = -3,
           .flags = kReadFlags,
           .handler = ZDiffCommand,
           .since = "6.2.0",
           .summary = "Subtract multiple sorted sets",
           .complexity = kDiffComplexity,
           .syntax = "numkeys key [key ...] [WITHSCORES]",
           .key_specs = kReadSpecs},
          {.name = "zunionstore",
           .arity = -4,
           .flags = kStoreFlags,
           .handler = ZUnionStoreCommand,
           .since = "2.0.0",
           .summary = "Add multiple sorted sets and store the resulting sorted set in a new key",
           .complexity = "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted "
                         "sets, and M being the number of elements in the resulting sorted set.",
           .syntax = kStoreSyntax,
           .key_specs = kStoreSpecs},
          {.name = "zinterstore",
           .arity = -4,
           .flags = kStoreFlags,
           .handler = ZInterStoreCommand,
           .since = "2.0.0",
           .summary = "Intersect multiple sorted sets and store the resulting sorted set in a new "
                      "key",
           .complexity = kInterComplexity,
           .syntax = kStoreSyntax,
           .key_specs = kStoreSpecs},
          {.name = "zdiffstore",
           .arity = -4,
           .flags = kStoreFlags,
           .handler = ZDiffStoreCommand,
           .since = "6.2.0",
           .summary = "Subtract multiple sorted sets and store the resulting sorted set in a new "
                      "key",
           .complexity = kDiffComplexity,
           .syntax = "destination numkeys key [key ...]",
           .key_specs = kStoreSpecs},
          {.name = "zintercard",
           .arity = -3,
           .flags = kReadFlags,
           .handler = ZInterCardCommand,
           .since = "7.0.0",
           .summary = "Intersect multiple sorted sets and return the cardinality of the result",
           .complexity = "O(N*K) worst case with N being the smallest input sorted set, K being "
                         "the number of input sorted sets.",
           .syntax = "numkeys key [key ...] [LIMIT limit]",
           .key_specs = kReadSpecs},
      });
}

}  // namespace keel::engine::zset_family
