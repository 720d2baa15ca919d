// The blocking list commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP. Each first tries to serve
// as its non-blocking twin; with nothing to serve it files a block request (the server parks the
// client and runs the same command again when a key gets a list), or, where the client may not
// block (MULTI, AOF replay), replies what a timeout would. Whichever way it is served, the AOF logs
// the non-blocking form (LPOP, RPOP, LMOVE, RPOPLPUSH, LPOP/RPOP with a count).
#include <optional>
#include <string>

#include "engine/blocking.h"
#include "engine/commands.h"
#include "engine/keyspace.h"
#include "engine/list_family.h"

namespace keel::engine::list_family {

namespace {

// Nothing to serve: block, or, where the client may not block, reply at once: a null array, or
// a null bulk for BLMOVE (`null_bulk_now`). A timeout after blocking is a null array for every list
// command (Redis's replyToBlockedClientTimedOut), BLMOVE included.
void BlockOrTimeout(CommandContext& ctx, std::span<const std::string_view> keys, int64_t deadline,
                    bool null_bulk_now) {
  if (!ctx.may_block) {
    if (null_bulk_now) {
      ctx.reply->AddNullBulk();
    } else {
      ctx.reply->AddNullArray();
    }
    return;
  }
  BlockOnKeys(ctx, keys, ObjType::kList, deadline, /*null_array=*/true);
}

// BLPOP/BRPOP key [key ...] timeout (Redis's blockingPopGenericCommand without a count). The
// timeout is parsed first; then the first non-empty list serves, and a key of another type met
// before it is an error.
void BlockingPop(CommandContext& ctx, End where) {
  std::optional<int64_t> deadline = ParseBlockTimeout(ctx, ctx.arg(ctx.argc() - 1));
  if (!deadline) return;
  std::span<const std::string_view> keys = ctx.args.subspan(1, ctx.argc() - 2);
  for (std::string_view key : ServeOrder(ctx, keys)) {
    Entry* e = ctx.db->LookupWrite(key);
    if (e == nullptr) continue;
    if (!CheckList(ctx, e)) return;
    ListObject* list = AsList(e);
    if (list->Size() == 0) continue;
    std::string value;
    list->Pop(where, &value);
    ctx.reply->AddArrayHeader(2);
    ctx.reply->AddBulk(key);
    ctx.reply->AddBulk(value);
    ElementsRemoved(ctx, key, list, 1);
    ctx.PropagateAs({where == End::kHead ? "LPOP" : "RPOP", key});
    return;
  }
  BlockOrTimeout(ctx, keys, *deadline, /*null_bulk_now=*/false);
}

void BLPopCommand(CommandContext& ctx) { BlockingPop(ctx, End::kHead); }
void BRPopCommand(CommandContext& ctx) { BlockingPop(ctx, End::kTail); }

// BLMOVE/BRPOPLPUSH once the ends and the timeout are parsed. Only the source decides whether to
// block: the destination's type is checked when there is something to move.
void BlockingMove(CommandContext& ctx, End from, End to, int64_t deadline) {
  Entry* src = ctx.db->LookupWrite(ctx.arg(1));
  if (!CheckList(ctx, src)) return;
  if (src == nullptr) {
    BlockOrTimeout(ctx, ctx.args.subspan(1, 1), deadline, /*null_bulk_now=*/true);
    return;
  }
  if (!MoveElement(ctx, AsList(src), from, to)) return;
  std::string_view src_key = ctx.arg(1), dst_key = ctx.arg(2);
  if (ctx.cmd->name == "brpoplpush") {
    ctx.PropagateAs({"RPOPLPUSH", src_key, dst_key});
  } else if (ctx.ready_key) {
    // Served after blocking, Redis 7.0 spells the ends itself, in lower case.
    ctx.PropagateAs({"LMOVE", src_key, dst_key, from == End::kHead ? "left" : "right",
                     to == End::kHead ? "left" : "right"});
  } else {
    ctx.PropagateAs({"LMOVE", src_key, dst_key, ctx.arg(3), ctx.arg(4)});
  }
}

void BLMoveCommand(CommandContext& ctx) {
  End from, to;
  if (!ParseEnd(ctx, ctx.arg(3), &from) || !ParseEnd(ctx, ctx.arg(4), &to)) return;
  std::optional<int64_t> deadline = ParseBlockTimeout(ctx, ctx.arg(5));
  if (!deadline) return;
  BlockingMove(ctx, from, to, *deadline);
}

void BRPopLPushCommand(CommandContext& ctx) {
  std::optional<int64_t> deadline = ParseBlockTimeout(ctx, ctx.arg(3));
  if (!deadline) return;
  BlockingMove(ctx, End::kTail, End::kHead, *deadline);
}

// BLMPOP timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]: the timeout is parsed after
// the other arguments, as in Redis.
void BLMPopCommand(CommandContext& ctx) {
  MpopArgs args;
  if (!ParseMpopArgs(ctx, 2, &args)) return;
  std::optional<int64_t> deadline = ParseBlockTimeout(ctx, ctx.arg(1));
  if (!deadline) return;
  if (ServeMpop(ctx, args)) return;
  BlockOrTimeout(ctx, args.keys, *deadline, /*null_bulk_now=*/false);
}

}  // namespace

void RegisterListBlockingCommands(CommandTable& table) {
  constexpr uint32_t kPopKeyFlags = kKeyRW | kKeyAccess | kKeyDelete;
  const std::vector<KeySpec> move_specs = {{.flags = kPopKeyFlags, .begin_index = 1},
                                           {.flags = kKeyRW | kKeyInsert, .begin_index = 2}};
  const std::vector<HistoryEntry> double_timeout = {
      {"6.0.0", "`timeout` is interpreted as a double instead of an integer."}};
  AddCommands(
      table, "list",
      {
          {.name = "blpop",
           .arity = -3,
           .flags = kCmdWrite | kCmdNoScript | kCmdBlocking,
           .first_key = 1,
           .last_key = -2,
           .key_step = 1,
           .handler = BLPopCommand,
           .since = "2.0.0",
           .summary = "Remove and get the first element in a list, or block until one is "
                      "available",
           .complexity = "O(N) where N is the number of provided keys.",
           .syntax = "key [key ...] timeout:double",
           .key_flags = kPopKeyFlags,
           .history = double_timeout},
          {.name = "brpop",
           .arity = -3,
           .flags = kCmdWrite | kCmdNoScript | kCmdBlocking,
           .first_key = 1,
           .last_key = -2,
           .key_step = 1,
           .handler = BRPopCommand,
           .since = "2.0.0",
           .summary = "Remove and get the last element in a list, or block until one is "
                      "available",
           .complexity = "O(N) where N is the number of provided keys.",
           .syntax = "key [key ...] timeout:double",
           .key_flags = kPopKeyFlags,
           .history = double_timeout},
          {.name = "blmove",
           .arity = 6,
           .flags = kCmdWrite | kCmdDenyOom | kCmdNoScript | kCmdBlocking,
           .handler = BLMoveCommand,
           .since = "6.2.0",
           .summary = "Pop an element from a list, push it to another list and return it; or "
                      "block until one is available",
           .complexity = "O(1)",
           .syntax = "source destination <wherefrom: LEFT | RIGHT> <whereto: LEFT | RIGHT> "
                     "timeout:double",
           .key_specs = move_specs},
          {.name = "brpoplpush",
           .arity = 4,
           .flags = kCmdWrite | kCmdDenyOom | kCmdNoScript | kCmdBlocking,
           .handler = BRPopLPushCommand,
           .since = "2.2.0",
           .summary = "Pop an element from a list, push it to another list and return it; or "
                      "block until one is available",
           .complexity = "O(1)",
           .syntax = "source destination timeout:double",
           .key_specs = move_specs,
           .doc_flags = kDocDeprecated,
           .deprecated_since = "6.2.0",
           .replaced_by = "`BLMOVE` with the `RIGHT` and `LEFT` arguments",
           .history = double_timeout},
          {.name = "blmpop",
           .arity = -5,
           .flags = kCmdWrite | kCmdBlocking,
           .handler = BLMPopCommand,
           .since = "7.0.0",
           .summary = "Pop elements from a list, or block until one is available",
           .complexity = "O(N+M) where N is the number of provided keys and M is the number of "
                         "elements returned.",
           .syntax = "timeout:double numkeys key [key ...] <where: LEFT | RIGHT> [COUNT count]",
           .key_specs = {{.flags = kPopKeyFlags,
                          .begin_index = 2,
                          .find = KeySpec::kKeynum,
                          .keynum_index = 0,
                          .first_key = 1}}},
      });
}

}  // namespace keel::engine::list_family
