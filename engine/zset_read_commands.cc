// The sorted set family's reads by member or interval (ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK,
// ZCOUNT, ZLEXCOUNT) and ZSCAN.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/collection_scan.h"
#include "engine/commands.h"
#include "engine/keyspace.h"
#include "engine/zset_family.h"

namespace keel::engine::zset_family {

namespace {

// Looks up a sorted set for a read command. Returns nullptr after replying `missing` (or
// WRONGTYPE).
const ZSetObject* LookupReadOrReply(CommandContext& ctx, std::string_view missing) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddRaw(missing);
    return nullptr;
  }
  if (!CheckZSet(ctx, e)) return nullptr;
  return AsZSet(e);
}

constexpr std::string_view kZero = ":0\r\n";
constexpr std::string_view kNullBulk = "$-1\r\n";

void ZCardCommand(CommandContext& ctx) {
  const ZSetObject* z = LookupReadOrReply(ctx, kZero);
  if (z != nullptr) ctx.reply->AddInteger(static_cast<int64_t>(z->Size()));
}

void ZScoreCommand(CommandContext& ctx) {
  const ZSetObject* z = LookupReadOrReply(ctx, kNullBulk);
  if (z == nullptr) return;
  std::optional<double> s = z->Score(ctx.arg(2));
  if (s) {
    ctx.reply->AddDouble(*s);
  } else {
    ctx.reply->AddNullBulk();
  }
}

void ZMScoreCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckZSet(ctx, e)) return;
  ctx.reply->AddArrayHeader(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); j++) {
    std::optional<double> s = e == nullptr ? std::nullopt : AsZSet(e)->Score(ctx.arg(j));
    if (s) {
      ctx.reply->AddDouble(*s);
    } else {
      ctx.reply->AddNullBulk();
    }
  }
}

void ZRankGeneric(CommandContext& ctx, bool reverse) {
  const ZSetObject* z = LookupReadOrReply(ctx, kNullBulk);
  if (z == nullptr) return;
  std::optional<size_t> rank = z->Rank(ctx.arg(2), reverse);
  if (rank) {
    ctx.reply->AddInteger(static_cast<int64_t>(*rank));
  } else {
    ctx.reply->AddNullBulk();
  }
}

void ZRankCommand(CommandContext& ctx) { ZRankGeneric(ctx, false); }
void ZRevRankCommand(CommandContext& ctx) { ZRankGeneric(ctx, true); }

void ZCountCommand(CommandContext& ctx) {
  ScoreRange range;
  if (!zset_family::ParseScoreRange(ctx.arg(2), ctx.arg(3), &range)) {
    ctx.reply->AddError(zset_family::kErrMinMaxNotFloat);
    return;
  }
  const ZSetObject* z = LookupReadOrReply(ctx, kZero);
  if (z == nullptr) return;
  ctx.reply->AddInteger(static_cast<int64_t>(z->CountInRange(range)));
}

void ZLexCountCommand(CommandContext& ctx) {
  LexRange range;
  if (!zset_family::ParseLexRange(ctx.arg(2), ctx.arg(3), &range)) {
    ctx.reply->AddError(zset_family::kErrLexRange);
    return;
  }
  const ZSetObject* z = LookupReadOrReply(ctx, kZero);
  if (z == nullptr) return;
  ctx.reply->AddInteger(static_cast<int64_t>(z->CountInLexRange(range)));
}

// Redis's ld2string(LD_STR_AUTO) of a skiplist score in ZSCAN replies: "%.17Lg", "inf", "-inf".
std::string ScanScore(double score) {
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lg", static_cast<long double>(score));
  return std::string(buf, static_cast<size_t>(n));
}

void ZScanCommand(CommandContext& ctx) {
  const Entry* e = nullptr;
  std::optional<CollectionScanOptions> o = ParseCollectionScan(ctx, ObjType::kZSet, &e);
  if (!o) return;
  const ZSetObject* z = AsZSet(e);
  std::vector<std::string> items;
  uint64_t cursor = 0;
  if (z->is_listpack()) {
    // A listpack is returned whole, scores as the listpack stores them.
    const Listpack& lp = z->listpack();
    char buf[24];
    for (Listpack::Pos p = lp.First(); p != Listpack::kNone; p = lp.Next(p)) {
      items.emplace_back(lp.Get(p).Bytes(buf));
    }
  } else {
    const CollectionScanOptions pairs = o->ForPairs();
    int64_t max_iterations = pairs.max_iterations();
    cursor = o->cursor;
    do {
      cursor = z->Scan(cursor, [&](std::string_view member, double score) {
        items.emplace_back(member);
        items.push_back(ScanScore(score));
      });
    } while (cursor != 0 && max_iterations-- > 0 &&
             items.size() < static_cast<uint64_t>(pairs.count));
  }
  AddCollectionScanReply(ctx, *o, cursor, items, 2);
}

}  // namespace

void RegisterZSetReadCommands(CommandTable& table) {
  AddCommands(
      table, "sorted-set",
      {
          {.name = "zcard",
           .arity = 2,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZCardCommand,
           .since = "1.2.0",
           .summary = "Get the number of members in a sorted set",
           .complexity = "O(1)",
           .syntax = "key",
           .key_flags = kKeyRO},
          {.name = "zscore",
           .arity = 3,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZScoreCommand,
           .since = "1.2.0",
           .summary = "Get the score associated with the given member in a sorted set",
           .complexity = "O(1)",
           .syntax = "key member"},
          {.name = "zmscore",
           .arity = -3,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZMScoreCommand,
           .since = "6.2.0",
           .summary = "Get the score associated with the given members in a sorted set",
           .complexity = "O(N) where N is the number of members being requested.",
           .syntax = "key member [member ...]"},
          {.name = "zrank",
           .arity = 3,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZRankCommand,
           .since = "2.0.0",
           .summary = "Determine the index of a member in a sorted set",
           .complexity = "O(log(N))",
           .syntax = "key member"},
          {.name = "zrevrank",
           .arity = 3,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZRevRankCommand,
           .since = "2.0.0",
           .summary = "Determine the index of a member in a sorted set, with scores ordered from "
                      "high to low",
           .complexity = "O(log(N))",
           .syntax = "key member"},
          {.name = "zcount",
           .arity = 4,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZCountCommand,
           .since = "2.0.0",
           .summary = "Count the members in a sorted set with scores within the given values",
           .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
           .syntax = "key min:double max:double"},
          {.name = "zlexcount",
           .arity = 4,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZLexCountCommand,
           .since = "2.8.9",
           .summary = "Count the number of members in a sorted set between a given "
                      "lexicographical range",
           .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
           .syntax = "key min max"},
          {.name = "zscan",
           .arity = -3,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZScanCommand,
           .since = "2.8.0",
           .summary = "Incrementally iterate sorted sets elements and associated scores",
           .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                         "command calls for the cursor to return back to 0. N is the number of "
                         "elements inside the collection..",
           .syntax = "key cursor [MATCH pattern] [COUNT count]",
           .tips = "nondeterministic_output"},
      });
}

}  // namespace keel::engine::zset_family
