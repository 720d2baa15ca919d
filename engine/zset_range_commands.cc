// ZRANGE and its older spellings (ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX,
// ZREVRANGEBYLEX) and ZRANGESTORE: Redis 7.0's zrangeGenericCommand, one parser and three range
// walks (by rank, score or lex) that feed either the client or a new sorted set.
#include <cstdint>
#include <memory>
#include <string_view>

#include "engine/commands.h"
#include "engine/keyspace.h"
#include "engine/parse.h"
#include "engine/zset_family.h"

namespace keel::engine::zset_family {

namespace {

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// Where the members of a range go: the client's reply (with or without scores), or a new sorted
// set stored at `dst` (ZRANGESTORE). Redis's zrange_result_handler.
class RangeSink {
 public:
  RangeSink(CommandContext& ctx, std::string_view dst, bool store)
      : ctx_(ctx), dst_(dst), store_(store) {}

  void set_withscores() { withscores_ = true; }

  // `length` is the result size when known in advance (> 0), else the reply's length is patched
  // in by Finalize. A store starts a skiplist right away when the length says it will need one.
  void Begin(int64_t length) {
    if (store_) {
      if (length > ctx_.ks->limits.zset_max_listpack_entries) {
        dst_set_ = ZSetObject::CreateSkiplist();
      } else {
        dst_set_ = ZSetObject::CreateListpack();
      }
      return;
    }
    if (length > 0) {
      ctx_.reply->AddArrayHeader(static_cast<uint64_t>(withscores_ ? length * 2 : length));
      deferred_ = false;
    } else {
      handle_ = ctx_.reply->AddDeferredArrayHeader();
      deferred_ = true;
    }
  }

  void Emit(std::string_view member, double score) {
    if (store_) {
      double ignored;
      dst_set_->Add(score, member, 0, ctx_.ks->limits, &ignored);
      return;
    }
    ctx_.reply->AddBulk(member);
    if (withscores_) ctx_.reply->AddDouble(score);
  }

  void Finalize(size_t count) {
    if (store_) {
      ctx_.reply->AddInteger(static_cast<int64_t>(StoreResult(ctx_, dst_, std::move(dst_set_))));
      return;
    }
    if (deferred_) ctx_.reply->SetDeferredArrayLength(handle_, withscores_ ? count * 2 : count);
  }

  bool withscores() const { return withscores_; }

 private:
  CommandContext& ctx_;
  std::string_view dst_;
  bool store_;
  bool withscores_ = false;
  bool deferred_ = false;
  size_t handle_ = 0;
  std::unique_ptr<ZSetObject> dst_set_;
};

void RangeByRank(RangeSink& sink, const ZSetObject* z, int64_t start, int64_t end, bool reverse) {
  const int64_t llen = static_cast<int64_t>(z->Size());
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    sink.Begin(0);
    sink.Finalize(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  const int64_t rangelen = end - start + 1;
  sink.Begin(rangelen);
  ZSetCursor c = z->AtRank(static_cast<size_t>(reverse ? llen - 1 - start : start));
  char buf[24];
  for (int64_t i = 0; i < rangelen && c.valid(); i++) {
    sink.Emit(c.Member(buf), c.Score());
    if (reverse) {
      c.Prev();
    } else {
      c.Next();
    }
  }
  sink.Finalize(static_cast<size_t>(rangelen));
}

// The walk shared by score and lex ranges: skip `offset` members from the first (or, reverse,
// the last) in range, then emit up to `limit` while `in_range` holds. As in Redis's C loops a
// negative offset skips everything and a negative limit means no limit, hence the unsigned
// countdowns.
template <typename InRange>
void EmitRange(RangeSink& sink, ZSetCursor c, int64_t offset, int64_t limit, bool reverse,
               InRange in_range) {
  size_t emitted = 0;
  uint64_t skip = static_cast<uint64_t>(offset);
  while (c.valid() && skip-- != 0) {
    if (reverse) {
      c.Prev();
    } else {
      c.Next();
    }
  }
  uint64_t left = static_cast<uint64_t>(limit);
  char buf[24];
  while (c.valid() && left-- != 0) {
    std::string_view member = c.Member(buf);
    double score = c.Score();
    if (!in_range(member, score)) break;
    sink.Emit(member, score);
    emitted++;
    if (reverse) {
      c.Prev();
    } else {
      c.Next();
    }
  }
  sink.Finalize(emitted);
}

void RangeByScore(RangeSink& sink, const ZSetObject* z, const ScoreRange& range, int64_t offset,
                  int64_t limit, bool reverse) {
  sink.Begin(-1);
  if (offset > 0 && offset >= static_cast<int64_t>(z->Size())) {
    sink.Finalize(0);
    return;
  }
  ZSetCursor c = reverse ? z->LastInRange(range) : z->FirstInRange(range);
  EmitRange(sink, c, offset, limit, reverse, [&](std::string_view, double score) {
    return reverse ? range.GteMin(score) : range.LteMax(score);
  });
}

void RangeByLex(RangeSink& sink, const ZSetObject* z, const LexRange& range, int64_t offset,
                int64_t limit, bool reverse) {
  sink.Begin(-1);
  ZSetCursor c = reverse ? z->LastInLexRange(range) : z->FirstInLexRange(range);
  EmitRange(sink, c, offset, limit, reverse, [&](std::string_view member, double) {
    return reverse ? range.GteMin(member) : range.LteMax(member);
  });
}

// Redis's zrangeGenericCommand. `key_index` is where the source key is (1, or 2 for
// ZRANGESTORE, whose destination is argument 1).
void ZRangeGeneric(CommandContext& ctx, size_t key_index, bool store, RangeType type,
                   Direction direction) {
  RangeSink sink(ctx, store ? ctx.arg(1) : std::string_view(), store);
  size_t minidx = key_index + 1;
  size_t maxidx = key_index + 2;
  bool withscores = false;
  int64_t offset = 0;
  int64_t limit = -1;
  for (size_t j = key_index + 3; j < ctx.argc(); j++) {
    std::string_view opt = ctx.arg(j);
    size_t leftargs = ctx.argc() - j - 1;
    if (!store && EqualsIgnoreCase(opt, "withscores")) {
      withscores = true;
    } else if (EqualsIgnoreCase(opt, "limit") && leftargs >= 2) {
      std::optional<int64_t> o = ParseLongOrReply(ctx, ctx.arg(j + 1));
      if (!o) return;
      std::optional<int64_t> l = ParseLongOrReply(ctx, ctx.arg(j + 2));
      if (!l) return;
      offset = *o;
      limit = *l;
      j += 2;
    } else if (direction == Direction::kAuto && EqualsIgnoreCase(opt, "rev")) {
      direction = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "byscore")) {
      type = RangeType::kScore;
    } else {
      ctx.reply->AddError(kErrSyntax);
      return;
    }
  }
  if (direction == Direction::kAuto) direction = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  // As Redis, "LIMIT 0 -1" is no limit at all, so it passes with a rank range.
  if (limit != -1 && type == RangeType::kRank) {
    ctx.reply->AddError(
        "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return;
  }
  if (withscores && type == RangeType::kLex) {
    ctx.reply->AddError("syntax error, WITHSCORES not supported in combination with BYLEX");
    return;
  }
  const bool reverse = direction == Direction::kReverse;
  if (reverse && type != RangeType::kRank) std::swap(minidx, maxidx);

  int64_t start = 0, end = 0;
  ScoreRange score_range;
  LexRange lex_range;
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank: {
      std::optional<int64_t> s = ParseLongOrReply(ctx, ctx.arg(minidx));
      if (!s) return;
      std::optional<int64_t> e = ParseLongOrReply(ctx, ctx.arg(maxidx));
      if (!e) return;
      start = *s;
      end = *e;
      break;
    }
    case RangeType::kScore:
      if (!ParseScoreRange(ctx.arg(minidx), ctx.arg(maxidx), &score_range)) {
        ctx.reply->AddError(kErrMinMaxNotFloat);
        return;
      }
      break;
    case RangeType::kLex:
      if (!ParseLexRange(ctx.arg(minidx), ctx.arg(maxidx), &lex_range)) {
        ctx.reply->AddError(kErrLexRange);
        return;
      }
      break;
  }
  if (withscores || store) sink.set_withscores();

  Entry* e = ctx.db->LookupRead(ctx.arg(key_index));
  if (e == nullptr) {
    if (store) {
      sink.Begin(-1);
      sink.Finalize(0);
    } else {
      ctx.reply->AddArrayHeader(0);
    }
    return;
  }
  if (!CheckZSet(ctx, e)) return;
  const ZSetObject* z = AsZSet(e);
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      RangeByRank(sink, z, start, end, reverse);
      break;
    case RangeType::kScore:
      RangeByScore(sink, z, score_range, offset, limit, reverse);
      break;
    case RangeType::kLex:
      RangeByLex(sink, z, lex_range, offset, limit, reverse);
      break;
  }
}

void ZRangeCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kAuto, Direction::kAuto);
}
void ZRangeStoreCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 2, true, RangeType::kAuto, Direction::kAuto);
}
void ZRevRangeCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kRank, Direction::kReverse);
}
void ZRangeByScoreCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kScore, Direction::kForward);
}
void ZRevRangeByScoreCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kScore, Direction::kReverse);
}
void ZRangeByLexCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kLex, Direction::kForward);
}
void ZRevRangeByLexCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kLex, Direction::kReverse);
}

}  // namespace

void RegisterZSetRangeCommands(CommandTable& table) {
  constexpr const char* kRangeComplexity =
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements returned.";
  constexpr const char* kByComplexity =
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
      "with LIMIT), you can consider it O(log(N)).";
  AddCommands(
      table, "sorted-set",
      {
          {.name = "zrange",
           .arity = -4,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZRangeCommand,
           .since = "1.2.0",
           .summary = "Return a range of members in a sorted set",
           .complexity = kRangeComplexity,
           .syntax = "key start:string stop:string [sortby@6.2.0: BYSCORE | BYLEX] [REV@6.2.0] "
                     "[LIMIT@6.2.0 <offset_count: offset count>] [WITHSCORES]",
           .history = {{"6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."}}},
          {.name = "zrangestore",
           .arity = -5,
           .flags = kCmdWrite | kCmdDenyOom,
           .handler = ZRangeStoreCommand,
           .since = "6.2.0",
           .summary = "Store a range of members from sorted set into another key",
           .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M "
                         "the number of elements stored into the destination key.",
           .syntax = "dst:key src:key min max [sortby: BYSCORE | BYLEX] [REV] "
                     "[LIMIT <offset_count: offset count>]",
           .key_specs = {{.flags = kKeyOW | kKeyUpdate, .begin_index = 1},
                         {.flags = kKeyRO | kKeyAccess, .begin_index = 2}}},
          {.name = "zrangebyscore",
           .arity = -4,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZRangeByScoreCommand,
           .since = "1.0.5",
           .summary = "Return a range of members in a sorted set, by score",
           .complexity = kByComplexity,
           .syntax = "key min:double max:double [WITHSCORES@2.0.0] "
                     "[LIMIT <offset_count: offset count>]",
           .doc_flags = kDocDeprecated,
           .deprecated_since = "6.2.0",
           .replaced_by = "`ZRANGE` with the `BYSCORE` argument",
           .history = {{"2.0.0", "Added the `WITHSCORES` modifier."}}},
          {.name = "zrevrangebyscore",
           .arity = -4,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZRevRangeByScoreCommand,
           .since = "2.2.0",
           .summary = "Return a range of members in a sorted set, by score, with scores ordered "
                      "from high to low",
           .complexity = kByComplexity,
           .syntax = "key max:double min:double [WITHSCORES] [LIMIT <offset_count: offset count>]",
           .doc_flags = kDocDeprecated,
           .deprecated_since = "6.2.0",
           .replaced_by = "`ZRANGE` with the `REV` and `BYSCORE` arguments",
           .history = {{"2.1.6", "`min` and `max` can be exclusive."}}},
          {.name = "zrangebylex",
           .arity = -4,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZRangeByLexCommand,
           .since = "2.8.9",
           .summary = "Return a range of members in a sorted set, by lexicographical range",
           .complexity = kByComplexity,
           .syntax = "key min max [LIMIT <offset_count: offset count>]",
           .doc_flags = kDocDeprecated,
           .deprecated_since = "6.2.0",
           .replaced_by = "`ZRANGE` with the `BYLEX` argument"},
          {.name = "zrevrangebylex",
           .arity = -4,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZRevRangeByLexCommand,
           .since = "2.8.9",
           .summary = "Return a range of members in a sorted set, by lexicographical range, "
                      "ordered from higher to lower strings.",
           .complexity = kByComplexity,
           .syntax = "key max min [LIMIT <offset_count: offset count>]",
           .doc_flags = kDocDeprecated,
           .deprecated_since = "6.2.0",
           .replaced_by = "`ZRANGE` with the `REV` and `BYLEX` arguments"},
          {.name = "zrevrange",
           .arity = -4,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZRevRangeCommand,
           .since = "1.2.0",
           .summary = "Return a range of members in a sorted set, by index, with scores ordered "
                      "from high to low",
           .complexity = kRangeComplexity,
           .syntax = "key start stop [WITHSCORES]",
           .doc_flags = kDocDeprecated,
           .deprecated_since = "6.2.0",
           .replaced_by = "`ZRANGE` with the `REV` argument"},
      });
}

}  // namespace keel::engine::zset_family
