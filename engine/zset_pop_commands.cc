// ZPOPMIN, ZPOPMAX, ZMPOP and their blocking forms BZPOPMIN, BZPOPMAX, BZMPOP (Redis 7.0's
// genericZpopCommand and blockingGenericZpopCommand). A blocking pop with nothing to serve files a
// block request and writes no reply; the server runs it again when a key gets a sorted set.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/blocking.h"
#include "engine/commands.h"
#include "engine/keyspace.h"
#include "engine/parse.h"
#include "engine/zset_family.h"

namespace keel::engine::zset_family {

namespace {

enum class Where { kMin, kMax };

// The shape of a pop reply (RESP2). BZPOPMIN: [key, member, score]; ZPOPMIN: [member, score,
// ...]; ZMPOP / BZMPOP: [key, [[member, score], ...]].
struct PopReply {
  bool emit_key = false;
  bool nested = false;
  bool nil_when_empty = false;  // no key at all: *-1 (ZMPOP) rather than *0 (ZPOPMIN)
};

// What the AOF logs for a pop that took members, as Redis 7.0 rewrites it: ZPOPMIN/ZPOPMAX as
// received; BZPOPMIN/BZPOPMAX as "ZPOPMIN|ZPOPMAX key"; ZMPOP/BZMPOP as "ZPOPMIN|ZPOPMAX key
// <popped>".
enum class PopLog { kReceived, kKey, kKeyCount };

// Pops up to `count` members (-1: one, the default) from the first key of `keys` that exists.
void GenericPop(CommandContext& ctx, std::span<const std::string_view> keys, Where where,
                int64_t count, PopReply shape, PopLog log) {
  Entry* e = nullptr;
  std::string_view key;
  for (std::string_view k : keys) {
    e = ctx.db->LookupWrite(k);
    if (e == nullptr) continue;
    if (!CheckZSet(ctx, e)) return;
    key = k;
    break;
  }
  if (e == nullptr) {
    if (shape.nil_when_empty) {
      ctx.reply->AddNullArray();
    } else {
      ctx.reply->AddArrayHeader(0);
    }
    return;
  }
  if (count == 0) {
    ctx.reply->AddArrayHeader(0);
    return;
  }
  if (count == -1) count = 1;
  ZSetObject* z = AsZSet(e);
  const int64_t llen = static_cast<int64_t>(z->Size());
  const int64_t rangelen = count > llen ? llen : count;
  if (shape.emit_key && shape.nested) {
    ctx.reply->AddArrayHeader(2);
    ctx.reply->AddBulk(key);
    ctx.reply->AddArrayHeader(static_cast<uint64_t>(rangelen));
  } else if (shape.emit_key) {
    ctx.reply->AddArrayHeader(static_cast<uint64_t>(rangelen * 2 + 1));
    ctx.reply->AddBulk(key);
  } else if (shape.nested) {
    ctx.reply->AddArrayHeader(static_cast<uint64_t>(rangelen));
  } else {
    ctx.reply->AddArrayHeader(static_cast<uint64_t>(rangelen * 2));
  }
  std::string member;
  char buf[24];
  for (int64_t i = 0; i < rangelen; i++) {
    ZSetCursor c = where == Where::kMax ? z->Last() : z->Begin();
    member.assign(c.Member(buf));
    double score = c.Score();
    z->Remove(member);
    ++ctx.ks->dirty;
    if (shape.nested) ctx.reply->AddArrayHeader(2);
    ctx.reply->AddBulk(member);
    ctx.reply->AddDouble(score);
  }
  AfterRemoval(ctx, e, key);
  const std::string_view name = where == Where::kMax ? "ZPOPMAX" : "ZPOPMIN";
  if (log == PopLog::kKey) {
    ctx.PropagateAs({name, key});
  } else if (log == PopLog::kKeyCount) {
    const std::string n = std::to_string(rangelen);
    ctx.PropagateAs({name, key, n});
  }
}

void ZPopMinMax(CommandContext& ctx, Where where) {
  if (ctx.argc() > 3) {
    ctx.reply->AddError(kErrSyntax);
    return;
  }
  int64_t count = -1;
  if (ctx.argc() == 3) {
    // Redis 7.0's getPositiveLongFromObjectOrReply gives one text for both failures.
    constexpr std::string_view kNotPositive = "value is out of range, must be positive";
    std::optional<int64_t> c = ParseLongOrReply(ctx, ctx.arg(2), kNotPositive);
    if (!c) return;
    if (*c < 0) {
      ctx.reply->AddError(kNotPositive);
      return;
    }
    count = *c;
  }
  GenericPop(ctx, ctx.args.subspan(1, 1), where, count, PopReply{}, PopLog::kReceived);
}

void ZPopMinCommand(CommandContext& ctx) { ZPopMinMax(ctx, Where::kMin); }
void ZPopMaxCommand(CommandContext& ctx) { ZPopMinMax(ctx, Where::kMax); }

// Redis's blockingGenericZpopCommand: the timeout first, then the first non-empty key is served.
void BlockingPop(CommandContext& ctx, std::span<const std::string_view> keys, Where where,
                 std::string_view timeout_arg, int64_t count, PopReply shape, PopLog log) {
  std::optional<int64_t> deadline = ParseBlockTimeout(ctx, timeout_arg);
  if (!deadline) return;
  for (std::string_view k : ServeOrder(ctx, keys)) {
    Entry* e = ctx.db->LookupWrite(k);
    if (e == nullptr) continue;
    if (!CheckZSet(ctx, e)) return;
    if (AsZSet(e)->Size() == 0) continue;
    std::string_view one[] = {k};
    GenericPop(ctx, one, where, count, shape, log);
    return;
  }
  if (!ctx.may_block) {
    ctx.reply->AddNullArray();
    return;
  }
  BlockOnKeys(ctx, keys, ObjType::kZSet, *deadline, /*null_array=*/true);
}

void BZPopMinMax(CommandContext& ctx, Where where) {
  BlockingPop(ctx, ctx.args.subspan(1, ctx.argc() - 2), where, ctx.arg(ctx.argc() - 1), -1,
              PopReply{.emit_key = true}, PopLog::kKey);
}

void BZPopMinCommand(CommandContext& ctx) { BZPopMinMax(ctx, Where::kMin); }
void BZPopMaxCommand(CommandContext& ctx) { BZPopMinMax(ctx, Where::kMax); }

// Redis's zmpopGenericCommand: numkeys at `numkeys_idx`, the keys, MIN|MAX, [COUNT count].
void ZMPopGeneric(CommandContext& ctx, size_t numkeys_idx, bool blocking) {
  std::optional<int64_t> numkeys =
      ParseLongOrReply(ctx, ctx.arg(numkeys_idx), "numkeys should be greater than 0");
  if (!numkeys) return;
  if (*numkeys < 1) {
    ctx.reply->AddError("numkeys should be greater than 0");
    return;
  }
  const uint64_t where_idx = numkeys_idx + static_cast<uint64_t>(*numkeys) + 1;
  if (where_idx >= ctx.argc()) {
    ctx.reply->AddError(kErrSyntax);
    return;
  }
  Where where;
  if (EqualsIgnoreCase(ctx.arg(where_idx), "min")) {
    where = Where::kMin;
  } else if (EqualsIgnoreCase(ctx.arg(where_idx), "max")) {
    where = Where::kMax;
  } else {
    ctx.reply->AddError(kErrSyntax);
    return;
  }
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < ctx.argc(); j++) {
    const bool moreargs = j + 1 < ctx.argc();
    if (count == -1 && EqualsIgnoreCase(ctx.arg(j), "count") && moreargs) {
      j++;
      std::optional<int64_t> c =
          ParseLongOrReply(ctx, ctx.arg(j), "count should be greater than 0");
      if (!c) return;
      if (*c < 1) {
        ctx.reply->AddError("count should be greater than 0");
        return;
      }
      count = *c;
    } else {
      ctx.reply->AddError(kErrSyntax);
      return;
    }
  }
  if (count == -1) count = 1;
  auto keys = ctx.args.subspan(numkeys_idx + 1, static_cast<size_t>(*numkeys));
  PopReply shape{.emit_key = true, .nested = true, .nil_when_empty = true};
  if (blocking) {
    BlockingPop(ctx, keys, where, ctx.arg(1), count, shape, PopLog::kKeyCount);
  } else {
    GenericPop(ctx, keys, where, count, shape, PopLog::kKeyCount);
  }
}

void ZMPopCommand(CommandContext& ctx) { ZMPopGeneric(ctx, 1, false); }
void BZMPopCommand(CommandContext& ctx) { ZMPopGeneric(ctx, 2, true); }

}  // namespace

void RegisterZSetPopCommands(CommandTable& table) {
  constexpr const char* kPopComplexity =
      "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number "
      "of elements popped.";
  constexpr const char* kMPopComplexity =
      "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements "
      "in the sorted set, and M being the number of elements popped.";
  const std::vector<HistoryEntry> kTimeoutHistory = {
      {"6.0.0", "`timeout` is interpreted as a double instead of an integer."}};
  const uint32_t kPopKeyFlags = kKeyRW | kKeyAccess | kKeyDelete;
  AddCommands(
      table, "sorted-set",
      {
          {.name = "zpopmin",
           .arity = -2,
           .flags = kCmdWrite | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZPopMinCommand,
           .since = "5.0.0",
           .summary = "Remove and return members with the lowest scores in a sorted set",
           .complexity = kPopComplexity,
           .syntax = "key [count]",
           .key_flags = kPopKeyFlags},
          {.name = "zpopmax",
           .arity = -2,
           .flags = kCmdWrite | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZPopMaxCommand,
           .since = "5.0.0",
           .summary = "Remove and return members with the highest scores in a sorted set",
           .complexity = kPopComplexity,
           .syntax = "key [count]",
           .key_flags = kPopKeyFlags},
          {.name = "bzpopmin",
           .arity = -3,
           .flags = kCmdWrite | kCmdNoScript | kCmdBlocking | kCmdFast,
           .first_key = 1,
           .last_key = -2,
           .key_step = 1,
           .handler = BZPopMinCommand,
           .since = "5.0.0",
           .summary = "Remove and return the member with the lowest score from one or more sorted "
                      "sets, or block until one is available",
           .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
           .syntax = "key [key ...] timeout:double",
           .key_flags = kPopKeyFlags,
           .history = kTimeoutHistory},
          {.name = "bzpopmax",
           .arity = -3,
           .flags = kCmdWrite | kCmdNoScript | kCmdBlocking | kCmdFast,
           .first_key = 1,
           .last_key = -2,
           .key_step = 1,
           .handler = BZPopMaxCommand,
           .since = "5.0.0",
           .summary = "Remove and return the member with the highest score from one or more "
                      "sorted sets, or block until one is available",
           .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
           .syntax = "key [key ...] timeout:double",
           .key_flags = kPopKeyFlags,
           .history = kTimeoutHistory},
          {.name = "zmpop",
           .arity = -4,
           .flags = kCmdWrite,
           .handler = ZMPopCommand,
           .since = "7.0.0",
           .summary = "Remove and return members with scores in a sorted set",
           .complexity = kMPopComplexity,
           .syntax = "numkeys key [key ...] <where: MIN | MAX> [COUNT count]",
           .key_specs = {{.flags = kPopKeyFlags,
                          .begin_index = 1,
                          .find = KeySpec::kKeynum,
                          .keynum_index = 0,
                          .first_key = 1}}},
          {.name = "bzmpop",
           .arity = -5,
           .flags = kCmdWrite | kCmdBlocking,
           .handler = BZMPopCommand,
           .since = "7.0.0",
           .summary = "Remove and return members with scores in a sorted set or block until one "
                      "is available",
           .complexity = kMPopComplexity,
           .syntax = "timeout:double numkeys key [key ...] <where: MIN | MAX> [COUNT count]",
           .key_specs = {{.flags = kPopKeyFlags,
                          .begin_index = 2,
                          .find = KeySpec::kKeynum,
                          .keynum_index = 0,
                          .first_key = 1}}},
      });
}

}  // namespace keel::engine::zset_family
