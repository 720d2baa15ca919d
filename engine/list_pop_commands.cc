// The list commands that take elements out: LPOP, RPOP (with a count), LMPOP, LMOVE, RPOPLPUSH.
#include <optional>
#include <string>

#include "engine/commands.h"
#include "engine/keyspace.h"
#include "engine/list_family.h"
#include "engine/parse.h"

namespace keel::engine::list_family {

namespace {

// LPOP/RPOP key [count] (Redis's popGenericCommand). The count is parsed before the key is
// looked up; a missing key replies nil, as a null array when a count was given (even 0).
void PopGeneric(CommandContext& ctx, End where) {
  if (ctx.argc() > 3) {
    AddArityError(ctx);
    return;
  }
  const bool has_count = ctx.argc() == 3;
  int64_t count = 0;
  if (has_count) {
    std::optional<int64_t> v = ParseInt64(ctx.arg(2));
    if (!v || *v < 0) {
      ctx.reply->AddError("value is out of range, must be positive");
      return;
    }
    count = *v;
  }
  std::string_view key = ctx.arg(1);
  Entry* e = ctx.db->LookupWrite(key);
  if (e == nullptr) {
    if (has_count) {
      ctx.reply->AddNullArray();
    } else {
      ctx.reply->AddNullBulk();
    }
    return;
  }
  if (!CheckList(ctx, e)) return;
  ListObject* list = AsList(e);
  if (has_count && count == 0) {
    ctx.reply->AddArrayHeader(0);
    return;
  }
  if (!has_count) {
    std::string value;
    list->Pop(where, &value);
    ctx.reply->AddBulk(value);
    ElementsRemoved(ctx, key, list, 1);
    return;
  }
  PopRange(ctx, key, list, where, count);
}

void LPopCommand(CommandContext& ctx) { PopGeneric(ctx, End::kHead); }
void RPopCommand(CommandContext& ctx) { PopGeneric(ctx, End::kTail); }

// LMPOP numkeys key [key ...] <LEFT | RIGHT> [COUNT count].
void LMPopCommand(CommandContext& ctx) {
  MpopArgs args;
  if (!ParseMpopArgs(ctx, 1, &args)) return;
  if (!ServeMpop(ctx, args)) ctx.reply->AddNullArray();
}

// LMOVE and RPOPLPUSH once the ends are known (Redis's lmoveGenericCommand).
void MoveGeneric(CommandContext& ctx, End from, End to) {
  Entry* src = ctx.db->LookupWrite(ctx.arg(1));
  if (src == nullptr) {
    ctx.reply->AddNullBulk();
    return;
  }
  if (!CheckList(ctx, src)) return;
  MoveElement(ctx, AsList(src), from, to);
}

void LMoveCommand(CommandContext& ctx) {
  End from, to;
  if (!ParseEnd(ctx, ctx.arg(3), &from) || !ParseEnd(ctx, ctx.arg(4), &to)) return;
  MoveGeneric(ctx, from, to);
}

void RPopLPushCommand(CommandContext& ctx) { MoveGeneric(ctx, End::kTail, End::kHead); }

}  // namespace

void RegisterListPopCommands(CommandTable& table) {
  constexpr uint32_t kPopKeyFlags = kKeyRW | kKeyAccess | kKeyDelete;
  const std::vector<KeySpec> move_specs = {
      {.flags = kKeyRW | kKeyAccess | kKeyDelete, .begin_index = 1},
      {.flags = kKeyRW | kKeyInsert, .begin_index = 2}};
  AddCommands(
      table, "list",
      {
          {.name = "lpop",
           .arity = -2,
           .flags = kCmdWrite | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = LPopCommand,
           .since = "1.0.0",
           .summary = "Remove and get the first elements in a list",
           .complexity = "O(N) where N is the number of elements returned",
           .syntax = "key [count@6.2.0]",
           .key_flags = kPopKeyFlags,
           .history = {{"6.2.0", "Added the `count` argument."}}},
          {.name = "rpop",
           .arity = -2,
           .flags = kCmdWrite | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = RPopCommand,
           .since = "1.0.0",
           .summary = "Remove and get the last elements in a list",
           .complexity = "O(N) where N is the number of elements returned",
           .syntax = "key [count@6.2.0]",
           .key_flags = kPopKeyFlags,
           .history = {{"6.2.0", "Added the `count` argument."}}},
          {.name = "lmpop",
           .arity = -4,
           .flags = kCmdWrite,
           .handler = LMPopCommand,
           .since = "7.0.0",
           .summary = "Pop elements from a list",
           .complexity = "O(N+M) where N is the number of provided keys and M is the number of "
                         "elements returned.",
           .syntax = "numkeys key [key ...] <where: LEFT | RIGHT> [COUNT count]",
           .key_specs = {{.flags = kPopKeyFlags,
                          .begin_index = 1,
                          .find = KeySpec::kKeynum,
                          .keynum_index = 0,
                          .first_key = 1}}},
          {.name = "lmove",
           .arity = 5,
           .flags = kCmdWrite | kCmdDenyOom,
           .handler = LMoveCommand,
           .since = "6.2.0",
           .summary = "Pop an element from a list, push it to another list and return it",
           .complexity = "O(1)",
           .syntax = "source destination <wherefrom: LEFT | RIGHT> <whereto: LEFT | RIGHT>",
           .key_specs = move_specs},
          {.name = "rpoplpush",
           .arity = 3,
           .flags = kCmdWrite | kCmdDenyOom,
           .handler = RPopLPushCommand,
           .since = "1.2.0",
           .summary = "Remove the last element in a list, prepend it to another list and "
                      "return it",
           .complexity = "O(1)",
           .syntax = "source destination",
           .key_specs = move_specs,
           .doc_flags = kDocDeprecated,
           .deprecated_since = "6.2.0",
           .replaced_by = "`LMOVE` with the `RIGHT` and `LEFT` arguments"},
      });
}

}  // namespace keel::engine::list_family
