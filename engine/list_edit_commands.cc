// The list commands that add or change elements in place: LPUSH, RPUSH, LPUSHX, RPUSHX, LINSERT,
// LSET, LREM, LTRIM.
#include <memory>
#include <string>

#include "engine/commands.h"
#include "engine/keyspace.h"
#include "engine/list_family.h"
#include "engine/parse.h"

namespace keel::engine::list_family {

namespace {

// LPUSH/RPUSH and, with `xx`, LPUSHX/RPUSHX (Redis's pushGenericCommand).
void PushGeneric(CommandContext& ctx, End where, bool xx) {
  std::string_view key = ctx.arg(1);
  Entry* e = ctx.db->LookupWrite(key);
  if (!CheckList(ctx, e)) return;
  if (e == nullptr && xx) {
    ctx.reply->AddInteger(0);
    return;
  }
  const size_t pushed = ctx.argc() - 2;
  if (e == nullptr) {
    // The list is filled before it is linked, so whoever the new key wakes sees all of it.
    auto list = std::make_unique<ListObject>(ctx.ks->limits);
    for (size_t j = 2; j < ctx.argc(); ++j) list->Push(where, ctx.arg(j));
    ctx.reply->AddInteger(static_cast<int64_t>(list->Size()));
    ctx.db->AddObject(key, ObjType::kList, std::move(list));
  } else {
    ListObject* list = AsList(e);
    for (size_t j = 2; j < ctx.argc(); ++j) list->Push(where, ctx.arg(j));
    ctx.reply->AddInteger(static_cast<int64_t>(list->Size()));
    ctx.db->SignalModified(key);
  }
  ctx.ks->dirty += pushed;
}

void LPushCommand(CommandContext& ctx) { PushGeneric(ctx, End::kHead, false); }
void RPushCommand(CommandContext& ctx) { PushGeneric(ctx, End::kTail, false); }
void LPushXCommand(CommandContext& ctx) { PushGeneric(ctx, End::kHead, true); }
void RPushXCommand(CommandContext& ctx) { PushGeneric(ctx, End::kTail, true); }

void LInsertCommand(CommandContext& ctx) {
  bool after;
  if (EqualsIgnoreCase(ctx.arg(2), "after")) {
    after = true;
  } else if (EqualsIgnoreCase(ctx.arg(2), "before")) {
    after = false;
  } else {
    ctx.reply->AddError(kErrSyntax);
    return;
  }
  Entry* e = ctx.db->LookupWrite(ctx.arg(1));
  if (!CheckList(ctx, e)) return;
  if (e == nullptr) {
    ctx.reply->AddInteger(0);
    return;
  }
  ListObject* list = AsList(e);
  bool inserted = false;
  {
    ListObject::Iterator it = list->Begin(ListObject::Direction::kForward);
    ListValue v;
    while (it.Next(&v)) {
      if (it.Equals(ctx.arg(3))) {
        if (after) {
          it.InsertAfter(ctx.arg(4));
        } else {
          it.InsertBefore(ctx.arg(4));
        }
        inserted = true;
        break;
      }
    }
  }
  if (!inserted) {
    ctx.reply->AddInteger(-1);
    return;
  }
  ctx.db->SignalModified(ctx.arg(1));
  ++ctx.ks->dirty;
  ctx.reply->AddInteger(static_cast<int64_t>(list->Size()));
}

// The key is checked before the index: LSET on a missing key is "no such key" whatever the index.
void LSetCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupWrite(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddError(kErrNoSuchKey);
    return;
  }
  if (!CheckList(ctx, e)) return;
  int64_t index;
  if (!ParseLong(ctx, ctx.arg(2), &index)) return;
  if (!AsList(e)->Replace(index, ctx.arg(3))) {
    ctx.reply->AddError(kErrOutOfRange);
    return;
  }
  ctx.reply->AddOk();
  ctx.db->SignalModified(ctx.arg(1));
  ++ctx.ks->dirty;
}

// LREM key count element: count > 0 removes from the head, < 0 from the tail, 0 all. Redis negates
// the count in a long, so -9223372036854775808 stays negative and removes every match from the
// tail; the unsigned limit below behaves the same.
void LRemCommand(CommandContext& ctx) {
  int64_t count;
  if (!ParseLong(ctx, ctx.arg(2), &count)) return;
  Entry* e = ctx.db->LookupWrite(ctx.arg(1));
  if (!CheckList(ctx, e)) return;
  if (e == nullptr) {
    ctx.reply->AddInteger(0);
    return;
  }
  ListObject* list = AsList(e);
  const bool from_tail = count < 0;
  const uint64_t limit =
      from_tail ? 0 - static_cast<uint64_t>(count) : static_cast<uint64_t>(count);
  uint64_t removed = 0;
  {
    ListObject::Iterator it =
        list->Begin(from_tail ? ListObject::Direction::kBackward : ListObject::Direction::kForward);
    ListValue v;
    while (it.Next(&v)) {
      if (!it.Equals(ctx.arg(3))) continue;
      it.Delete();
      ++removed;
      if (limit != 0 && removed == limit) break;
    }
  }
  if (removed > 0) ElementsRemoved(ctx, ctx.arg(1), list, removed);
  ctx.reply->AddInteger(static_cast<int64_t>(removed));
}

void LTrimCommand(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseLong(ctx, ctx.arg(2), &start) || !ParseLong(ctx, ctx.arg(3), &end)) return;
  Entry* e = ctx.db->LookupWrite(ctx.arg(1));
  if (!CheckList(ctx, e)) return;
  if (e == nullptr) {
    ctx.reply->AddOk();
    return;
  }
  ListObject* list = AsList(e);
  const int64_t llen = static_cast<int64_t>(list->Size());
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  int64_t ltrim, rtrim;
  if (start > end || start >= llen) {
    // Out of range or reversed: the list goes.
    ltrim = llen;
    rtrim = 0;
  } else {
    if (end >= llen) end = llen - 1;
    ltrim = start;
    rtrim = llen - end - 1;
  }
  list->DeleteRange(0, ltrim);
  list->DeleteRange(-rtrim, rtrim);
  // Even a trim that removes nothing counts as a change of the key, as in Redis.
  ElementsRemoved(ctx, ctx.arg(1), list, static_cast<uint64_t>(ltrim + rtrim));
  ctx.reply->AddOk();
}

// LPUSH, RPUSH, LPUSHX and RPUSHX differ only in name, handler, version, summary and when they
// began to take several elements.
SpecInit PushSpec(const char* name, CommandHandler handler, const char* since, const char* summary,
                  const char* multiple_since) {
  return {.name = name,
          .arity = -3,
          .flags = kCmdWrite | kCmdDenyOom | kCmdFast,
          .first_key = 1,
          .last_key = 1,
          .key_step = 1,
          .handler = handler,
          .since = since,
          .summary = summary,
          .complexity =
              "O(1) for each element added, so O(N) to add N elements when the command is "
              "called with multiple arguments.",
          .syntax = "key element [element ...]",
          .key_flags = kKeyRW | kKeyInsert,
          .history = {{multiple_since, "Accepts multiple `element` arguments."}}};
}

}  // namespace

void RegisterListEditCommands(CommandTable& table) {
  AddCommands(
      table, "list",
      {
          PushSpec("lpush", LPushCommand, "1.0.0", "Prepend one or multiple elements to a list",
                   "2.4.0"),
          PushSpec("rpush", RPushCommand, "1.0.0", "Append one or multiple elements to a list",
                   "2.4.0"),
          PushSpec("lpushx", LPushXCommand, "2.2.0",
                   "Prepend an element to a list, only if the list exists", "4.0.0"),
          PushSpec("rpushx", RPushXCommand, "2.2.0",
                   "Append an element to a list, only if the list exists", "4.0.0"),
          {.name = "linsert",
           .arity = 5,
           .flags = kCmdWrite | kCmdDenyOom,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = LInsertCommand,
           .since = "2.2.0",
           .summary = "Insert an element before or after another element in a list",
           .complexity = "O(N) where N is the number of elements to traverse before seeing the "
                         "value pivot. This means that inserting somewhere on the left end on the "
                         "list (head) can be considered O(1) and inserting somewhere on the right "
                         "end (tail) is O(N).",
           .syntax = "key <where: BEFORE | AFTER> pivot element",
           .key_flags = kKeyRW | kKeyInsert},
          {.name = "lset",
           .arity = 4,
           .flags = kCmdWrite | kCmdDenyOom,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = LSetCommand,
           .since = "1.0.0",
           .summary = "Set the value of an element in a list by its index",
           .complexity = "O(N) where N is the length of the list. Setting either the first or "
                         "the last element of the list is O(1).",
           .syntax = "key index element"},
          {.name = "lrem",
           .arity = 4,
           .flags = kCmdWrite,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = LRemCommand,
           .since = "1.0.0",
           .summary = "Remove elements from a list",
           .complexity = "O(N+M) where N is the length of the list and M is the number of "
                         "elements removed.",
           .syntax = "key count element",
           .key_flags = kKeyRW | kKeyDelete},
          {.name = "ltrim",
           .arity = 4,
           .flags = kCmdWrite,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = LTrimCommand,
           .since = "1.0.0",
           .summary = "Trim a list to the specified range",
           .complexity = "O(N) where N is the number of elements to be removed by the operation.",
           .syntax = "key start stop",
           .key_flags = kKeyRW | kKeyDelete},
      });
}

}  // namespace keel::engine::list_family
