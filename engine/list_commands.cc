// The list command family's read commands (LLEN, LRANGE, LINDEX, LPOS), the helpers the family
// shares (list_family.h), and RegisterListCommands, which also registers the edit, pop and
// blocking groups from their own files.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "engine/blocking.h"
#include "engine/commands.h"
#include "engine/keyspace.h"
#include "engine/list_family.h"
#include "engine/parse.h"

namespace keel::engine {

namespace list_family {

bool CheckList(CommandContext& ctx, const Entry* e) {
  if (e == nullptr || e->type() == ObjType::kList) return true;
  ctx.reply->AddError(kErrWrongType);
  return false;
}

bool ParseEnd(CommandContext& ctx, std::string_view arg, End* where) {
  if (EqualsIgnoreCase(arg, "right")) {
    *where = End::kTail;
  } else if (EqualsIgnoreCase(arg, "left")) {
    *where = End::kHead;
  } else {
    ctx.reply->AddError(kErrSyntax);
    return false;
  }
  return true;
}

bool ParseLong(CommandContext& ctx, std::string_view arg, int64_t* out) {
  std::optional<int64_t> v = ParseInt64(arg);
  if (!v) {
    ctx.reply->AddError(kErrNotInteger);
    return false;
  }
  *out = *v;
  return true;
}

void AddValueReply(formats::ReplyWriter* reply, const ListValue& v) {
  if (v.is_int) {
    reply->AddBulkInteger(v.num);
  } else {
    reply->AddBulk(v.str);
  }
}

void AddRangeReply(CommandContext& ctx, ListObject* list, int64_t start, int64_t end,
                   bool reverse) {
  const int64_t llen = static_cast<int64_t>(list->Size());
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  // start >= 0 now, so a negative end makes the range empty too.
  if (start > end || start >= llen) {
    ctx.reply->AddArrayHeader(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  int64_t n = end - start + 1;
  ctx.reply->AddArrayHeader(static_cast<uint64_t>(n));
  ListObject::Iterator it =
      list->IteratorAt(reverse ? end : start, reverse ? ListObject::Direction::kBackward
                                                      : ListObject::Direction::kForward);
  ListValue v;
  while (n-- > 0 && it.Next(&v)) AddValueReply(ctx.reply, v);
}

void PushCreating(CommandContext& ctx, std::string_view key, Entry* dst, End where,
                  std::string_view value) {
  if (dst != nullptr) {
    AsList(dst)->Push(where, value);
    ctx.db->SignalModified(key);
    return;
  }
  auto list = std::make_unique<ListObject>(ctx.ks->limits);
  list->Push(where, value);
  ctx.db->AddObject(key, ObjType::kList, std::move(list));
}

void ElementsRemoved(CommandContext& ctx, std::string_view key, ListObject* list, uint64_t count) {
  // Redis never keeps an empty list. Db::Delete signals the change itself.
  if (list->Size() == 0) {
    ctx.db->Delete(key);
  } else {
    ctx.db->SignalModified(key);
  }
  ctx.ks->dirty += count;
}

void PopRange(CommandContext& ctx, std::string_view key, ListObject* list, End where,
              int64_t count) {
  const int64_t llen = static_cast<int64_t>(list->Size());
  const int64_t n = count > llen ? llen : count;
  const bool head = where == End::kHead;
  const int64_t start = head ? 0 : -n;
  AddRangeReply(ctx, list, start, head ? n - 1 : -1, /*reverse=*/!head);
  list->DeleteRange(start, n);
  ElementsRemoved(ctx, key, list, static_cast<uint64_t>(n));
}

void PopRangeWithKey(CommandContext& ctx, std::string_view key, ListObject* list, End where,
                     int64_t count) {
  ctx.reply->AddArrayHeader(2);
  ctx.reply->AddBulk(key);
  PopRange(ctx, key, list, where, count);
}

bool MoveElement(CommandContext& ctx, ListObject* src, End from, End to) {
  std::string_view src_key = ctx.arg(1);
  std::string_view dst_key = ctx.arg(2);
  Entry* dst = ctx.db->LookupWrite(dst_key);
  if (!CheckList(ctx, dst)) return false;
  std::string value;
  src->Pop(from, &value);
  // With src == dst the element goes back into the same list, which therefore stays.
  PushCreating(ctx, dst_key, dst, to, value);
  ctx.reply->AddBulk(value);
  ElementsRemoved(ctx, src_key, src, 1);
  return true;
}

bool ParseMpopArgs(CommandContext& ctx, size_t numkeys_idx, MpopArgs* out) {
  std::optional<int64_t> numkeys = ParseInt64(ctx.arg(numkeys_idx));
  if (!numkeys || *numkeys < 1) {
    ctx.reply->AddError("numkeys should be greater than 0");
    return false;
  }
  // The end argument follows the keys; it must exist (compared without overflow).
  const uint64_t room = ctx.argc() - numkeys_idx - 1;
  if (static_cast<uint64_t>(*numkeys) >= room) {
    ctx.reply->AddError(kErrSyntax);
    return false;
  }
  const size_t n = static_cast<size_t>(*numkeys);
  const size_t where_idx = numkeys_idx + n + 1;
  out->keys = ctx.args.subspan(numkeys_idx + 1, n);
  if (!ParseEnd(ctx, ctx.arg(where_idx), &out->where)) return false;
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < ctx.argc(); ++j) {
    const bool more = j + 1 < ctx.argc();
    if (count == -1 && more && EqualsIgnoreCase(ctx.arg(j), "count")) {
      std::optional<int64_t> c = ParseInt64(ctx.arg(++j));
      if (!c || *c < 1) {
        ctx.reply->AddError("count should be greater than 0");
        return false;
      }
      count = *c;
    } else {
      ctx.reply->AddError(kErrSyntax);
      return false;
    }
  }
  out->count = count == -1 ? 1 : count;
  return true;
}

bool ServeMpop(CommandContext& ctx, const MpopArgs& args) {
  for (std::string_view key : ServeOrder(ctx, args.keys)) {
    Entry* e = ctx.db->LookupWrite(key);
    if (e == nullptr) continue;
    if (!CheckList(ctx, e)) return true;
    ListObject* list = AsList(e);
    if (list->Size() == 0) continue;
    const uint64_t popped = std::min<uint64_t>(list->Size(), static_cast<uint64_t>(args.count));
    PopRangeWithKey(ctx, key, list, args.where, args.count);
    // Logged as the plain pop it was, with the number of elements it took (Redis 7.0's form).
    const std::string n = std::to_string(popped);
    ctx.PropagateAs({args.where == End::kHead ? "LPOP" : "RPOP", key, n});
    return true;
  }
  return false;
}

void AddArityError(CommandContext& ctx) {
  ctx.reply->AddError("wrong number of arguments for '" + ctx.cmd->FullName() + "' command");
}

}  // namespace list_family

namespace {

using list_family::AsList;
using list_family::CheckList;

void LLenCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckList(ctx, e)) return;
  ctx.reply->AddInteger(e == nullptr ? 0 : static_cast<int64_t>(AsList(e)->Size()));
}

void LRangeCommand(CommandContext& ctx) {
  int64_t start, end;
  if (!list_family::ParseLong(ctx, ctx.arg(2), &start) ||
      !list_family::ParseLong(ctx, ctx.arg(3), &end)) {
    return;
  }
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckList(ctx, e)) return;
  if (e == nullptr) {
    ctx.reply->AddArrayHeader(0);
    return;
  }
  list_family::AddRangeReply(ctx, AsList(e), start, end, /*reverse=*/false);
}

// The key is looked up before the index is parsed: LINDEX on a missing key is nil whatever the
// index says.
void LIndexCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddNullBulk();
    return;
  }
  if (!CheckList(ctx, e)) return;
  int64_t index;
  if (!list_family::ParseLong(ctx, ctx.arg(2), &index)) return;
  ListObject::Iterator it = AsList(e)->IteratorAt(index, ListObject::Direction::kForward);
  ListValue v;
  if (it.Next(&v)) {
    list_family::AddValueReply(ctx.reply, v);
  } else {
    ctx.reply->AddNullBulk();
  }
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]. Redis negates a negative rank
// in a long, so RANK -9223372036854775808 stays negative: every match then qualifies and COUNT's
// stop test never fires. The arithmetic below wraps the same way.
void LPosCommand(CommandContext& ctx) {
  std::string_view element = ctx.arg(2);
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT option
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    const bool more = j + 1 < ctx.argc();
    if (more && EqualsIgnoreCase(opt, "rank")) {
      if (!list_family::ParseLong(ctx, ctx.arg(++j), &rank)) return;
      if (rank == 0) {
        ctx.reply->AddError(
            "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or "
            "use negative to start from the end of the list");
        return;
      }
    } else if (more && EqualsIgnoreCase(opt, "count")) {
      std::optional<int64_t> v = ParseInt64(ctx.arg(++j));
      if (!v || *v < 0) {
        ctx.reply->AddError("COUNT can't be negative");
        return;
      }
      count = *v;
    } else if (more && EqualsIgnoreCase(opt, "maxlen")) {
      std::optional<int64_t> v = ParseInt64(ctx.arg(++j));
      if (!v || *v < 0) {
        ctx.reply->AddError("MAXLEN can't be negative");
        return;
      }
      maxlen = *v;
    } else {
      ctx.reply->AddError(kErrSyntax);
      return;
    }
  }
  bool forward = true;
  if (rank < 0) {
    rank = static_cast<int64_t>(0 - static_cast<uint64_t>(rank));
    forward = false;
  }
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    if (count != -1) {
      ctx.reply->AddArrayHeader(0);
    } else {
      ctx.reply->AddNullBulk();
    }
    return;
  }
  if (!CheckList(ctx, e)) return;
  ListObject* list = AsList(e);
  const int64_t llen = static_cast<int64_t>(list->Size());
  size_t deferred = 0;
  if (count != -1) deferred = ctx.reply->AddDeferredArrayHeader();
  ListObject::Iterator it =
      list->Begin(forward ? ListObject::Direction::kForward : ListObject::Direction::kBackward);
  ListValue v;
  int64_t index = 0, matches = 0, match_index = -1;
  uint64_t emitted = 0;
  while (it.Next(&v) && (maxlen == 0 || index < maxlen)) {
    if (it.Equals(element)) {
      ++matches;
      match_index = forward ? index : llen - index - 1;
      if (matches >= rank) {
        if (count == -1) break;
        ++emitted;
        ctx.reply->AddInteger(match_index);
        const int64_t got =
            static_cast<int64_t>(static_cast<uint64_t>(matches) - static_cast<uint64_t>(rank) + 1);
        if (count != 0 && got >= count) break;
      }
    }
    ++index;
    match_index = -1;  // leaving the loop without a match
  }
  if (count != -1) {
    ctx.reply->SetDeferredArrayLength(deferred, emitted);
  } else if (match_index != -1) {
    ctx.reply->AddInteger(match_index);
  } else {
    ctx.reply->AddNullBulk();
  }
}

}  // namespace

void RegisterListCommands(CommandTable& table) {
  AddCommands(
      table, "list",
      {
          {.name = "llen",
           .arity = 2,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = LLenCommand,
           .since = "1.0.0",
           .summary = "Get the length of a list",
           .complexity = "O(1)",
           .syntax = "key",
           .key_flags = kKeyRO},
          {.name = "lrange",
           .arity = 4,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = LRangeCommand,
           .since = "1.0.0",
           .summary = "Get a range of elements from a list",
           .complexity = "O(S+N) where S is the distance of start offset from HEAD for small "
                         "lists, from nearest end (HEAD or TAIL) for large lists; and N is the "
                         "number of elements in the specified range.",
           .syntax = "key start stop"},
          {.name = "lindex",
           .arity = 3,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = LIndexCommand,
           .since = "1.0.0",
           .summary = "Get an element from a list by its index",
           .complexity = "O(N) where N is the number of elements to traverse to get to the "
                         "element at index. This makes asking for the first or the last element "
                         "of the list O(1).",
           .syntax = "key index"},
          {.name = "lpos",
           .arity = -3,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = LPosCommand,
           .since = "6.0.6",
           .summary = "Return the index of matching elements on a list",
           .complexity = "O(N) where N is the number of elements in the list, for the average "
                         "case. When searching for elements near the head or the tail of the "
                         "list, or when the MAXLEN option is provided, the command may run in "
                         "constant time.",
           .syntax = "key element [RANK rank] [COUNT num-matches] [MAXLEN len]"},
      });
  list_family::RegisterListEditCommands(table);
  list_family::RegisterListPopCommands(table);
  list_family::RegisterListBlockingCommands(table);
}

}  // namespace keel::engine
