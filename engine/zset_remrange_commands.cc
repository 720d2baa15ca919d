// ZREMRANGEBYRANK, ZREMRANGEBYSCORE and ZREMRANGEBYLEX (Redis 7.0's zremrangeGenericCommand):
// the range is parsed before the key is looked up, so a bad range is an error even for a
// missing key.
#include <cstdint>

#include "engine/commands.h"
#include "engine/keyspace.h"
#include "engine/zset_family.h"

namespace keel::engine::zset_family {

namespace {

enum class RemRange { kRank, kScore, kLex };

void ZRemRangeGeneric(CommandContext& ctx, RemRange type) {
  int64_t start = 0, end = 0;
  ScoreRange score_range;
  LexRange lex_range;
  switch (type) {
    case RemRange::kRank: {
      std::optional<int64_t> s = ParseLongOrReply(ctx, ctx.arg(2));
      if (!s) return;
      std::optional<int64_t> e = ParseLongOrReply(ctx, ctx.arg(3));
      if (!e) return;
      start = *s;
      end = *e;
      break;
    }
    case RemRange::kScore:
      if (!ParseScoreRange(ctx.arg(2), ctx.arg(3), &score_range)) {
        ctx.reply->AddError(kErrMinMaxNotFloat);
        return;
      }
      break;
    case RemRange::kLex:
      if (!ParseLexRange(ctx.arg(2), ctx.arg(3), &lex_range)) {
        ctx.reply->AddError(kErrLexRange);
        return;
      }
      break;
  }
  std::string_view key = ctx.arg(1);
  Entry* e = ctx.db->LookupWrite(key);
  if (e == nullptr) {
    ctx.reply->AddInteger(0);
    return;
  }
  if (!CheckZSet(ctx, e)) return;
  ZSetObject* z = AsZSet(e);
  size_t deleted = 0;
  switch (type) {
    case RemRange::kRank: {
      const int64_t llen = static_cast<int64_t>(z->Size());
      if (start < 0) start = llen + start;
      if (end < 0) end = llen + end;
      if (start < 0) start = 0;
      if (start > end || start >= llen) {
        ctx.reply->AddInteger(0);
        return;
      }
      if (end >= llen) end = llen - 1;
      deleted = z->DeleteRangeByRank(static_cast<size_t>(start), static_cast<size_t>(end));
      break;
    }
    case RemRange::kScore:
      deleted = z->DeleteRangeByScore(score_range);
      break;
    case RemRange::kLex:
      deleted = z->DeleteRangeByLex(lex_range);
      break;
  }
  if (deleted > 0) {
    AfterRemoval(ctx, e, key);
    ctx.ks->dirty += deleted;
  }
  ctx.reply->AddInteger(static_cast<int64_t>(deleted));
}

void ZRemRangeByRankCommand(CommandContext& ctx) { ZRemRangeGeneric(ctx, RemRange::kRank); }
void ZRemRangeByScoreCommand(CommandContext& ctx) { ZRemRangeGeneric(ctx, RemRange::kScore); }
void ZRemRangeByLexCommand(CommandContext& ctx) { ZRemRangeGeneric(ctx, RemRange::kLex); }

}  // namespace

void RegisterZSetRemRangeCommands(CommandTable& table) {
  constexpr const char* kComplexity =
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements removed by the operation.";
  AddCommands(table, "sorted-set",
              {
                  {.name = "zremrangebyrank",
                   .arity = 4,
                   .flags = kCmdWrite,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = ZRemRangeByRankCommand,
                   .since = "2.0.0",
                   .summary = "Remove all members in a sorted set within the given indexes",
                   .complexity = kComplexity,
                   .syntax = "key start stop",
                   .key_flags = kKeyRW | kKeyDelete},
                  {.name = "zremrangebyscore",
                   .arity = 4,
                   .flags = kCmdWrite,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = ZRemRangeByScoreCommand,
                   .since = "1.2.0",
                   .summary = "Remove all members in a sorted set within the given scores",
                   .complexity = kComplexity,
                   .syntax = "key min:double max:double",
                   .key_flags = kKeyRW | kKeyDelete},
                  {.name = "zremrangebylex",
                   .arity = 4,
                   .flags = kCmdWrite,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = ZRemRangeByLexCommand,
                   .since = "2.8.9",
                   .summary = "Remove all members in a sorted set between the given "
                              "lexicographical range",
                   .complexity = kComplexity,
                   .syntax = "key min max",
                   .key_flags = kKeyRW | kKeyDelete},
              });
}

}  // namespace keel::engine::zset_family
