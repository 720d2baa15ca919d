// The set command family's single-key commands (SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMOVE,
// SSCAN), the helpers the family shares, and RegisterSetCommands, which also registers the
// algebra (SINTER, SUNION, SDIFF, ...) and random (SPOP, SRANDMEMBER) groups from their own files.
#include <memory>
#include <string>
#include <vector>

#include "engine/collection_scan.h"
#include "engine/commands.h"
#include "engine/db.h"
#include "engine/keyspace.h"
#include "engine/set_family.h"
#include "engine/set_object.h"

namespace keel::engine {

namespace set_family {

bool CheckSet(CommandContext& ctx, const Entry* e) {
  if (e == nullptr || e->type() == ObjType::kSet) return true;
  ctx.reply->AddError(kErrWrongType);
  return false;
}

void AddMemberReply(formats::ReplyWriter* reply, const SetMember& m) {
  if (m.is_int) {
    reply->AddBulkInteger(m.int_value);
  } else {
    reply->AddBulk(m.str);
  }
}

}  // namespace set_family

namespace {

using set_family::CheckSet;
using set_family::SetOf;

void SAddCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupWrite(ctx.arg(1));
  if (!CheckSet(ctx, e)) return;
  const int64_t max = ctx.ks->limits.set_max_intset_entries;
  int64_t added = 0;
  if (e == nullptr) {
    // Filled before it is linked, so no observer ever sees an empty set; the encoding is the one
    // Redis's setTypeCreate picks from the first member.
    std::unique_ptr<SetObject> set = SetObject::CreateFor(ctx.arg(2));
    for (size_t j = 2; j < ctx.argc(); j++) added += set->Add(ctx.arg(j), max) ? 1 : 0;
    ctx.db->AddObject(ctx.arg(1), ObjType::kSet, std::move(set));
  } else {
    SetObject* set = SetOf(e);
    for (size_t j = 2; j < ctx.argc(); j++) added += set->Add(ctx.arg(j), max) ? 1 : 0;
    if (added > 0) ctx.db->SignalModified(ctx.arg(1));
  }
  ctx.ks->dirty += static_cast<uint64_t>(added);
  ctx.reply->AddInteger(added);
}

void SRemCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupWrite(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddInteger(0);
    return;
  }
  if (!CheckSet(ctx, e)) return;
  SetObject* set = SetOf(e);
  int64_t deleted = 0;
  for (size_t j = 2; j < ctx.argc(); j++) {
    if (!set->Remove(ctx.arg(j))) continue;
    deleted++;
    if (set->Size() == 0) {
      ctx.db->DeleteEntry(e);
      break;
    }
  }
  if (deleted > 0) {
    ctx.db->SignalModified(ctx.arg(1));
    ctx.ks->dirty += static_cast<uint64_t>(deleted);
  }
  ctx.reply->AddInteger(deleted);
}

void SCardCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddInteger(0);
    return;
  }
  if (!CheckSet(ctx, e)) return;
  ctx.reply->AddInteger(static_cast<int64_t>(SetOf(e)->Size()));
}

void SIsMemberCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddInteger(0);
    return;
  }
  if (!CheckSet(ctx, e)) return;
  ctx.reply->AddInteger(SetOf(e)->Contains(ctx.arg(2)) ? 1 : 0);
}

void SMIsMemberCommand(CommandContext& ctx) {
  // A missing key is an empty set: every answer is 0.
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckSet(ctx, e)) return;
  ctx.reply->AddArrayHeader(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); j++) {
    ctx.reply->AddInteger(e != nullptr && SetOf(e)->Contains(ctx.arg(j)) ? 1 : 0);
  }
}

void SMoveCommand(CommandContext& ctx) {
  std::string_view src_key = ctx.arg(1), dst_key = ctx.arg(2), member = ctx.arg(3);
  Entry* src = ctx.db->LookupWrite(src_key);
  Entry* dst = ctx.db->LookupWrite(dst_key);
  // A missing source answers 0 before the destination's type is looked at, as in Redis.
  if (src == nullptr) {
    ctx.reply->AddInteger(0);
    return;
  }
  if (!CheckSet(ctx, src) || !CheckSet(ctx, dst)) return;
  SetObject* src_set = SetOf(src);
  if (src == dst) {
    ctx.reply->AddInteger(src_set->Contains(member) ? 1 : 0);
    return;
  }
  if (!src_set->Remove(member)) {
    ctx.reply->AddInteger(0);
    return;
  }
  // Objects outlive the deletion of another key's entry; hold the destination's set, not its entry.
  SetObject* dst_set = dst == nullptr ? nullptr : SetOf(dst);
  if (src_set->Size() == 0) ctx.db->DeleteEntry(src);
  if (dst_set == nullptr) {
    std::unique_ptr<SetObject> created = SetObject::CreateFor(member);
    dst_set = created.get();
    ctx.db->AddObject(dst_key, ObjType::kSet, std::move(created));
  }
  ctx.db->SignalModified(src_key);
  ctx.ks->dirty++;
  // The destination changed only when the member was new there.
  if (dst_set->Add(member, ctx.ks->limits.set_max_intset_entries)) {
    ctx.ks->dirty++;
    ctx.db->SignalModified(dst_key);
  }
  ctx.reply->AddInteger(1);
}

void SScanCommand(CommandContext& ctx) {
  const Entry* e = nullptr;
  std::optional<CollectionScanOptions> o = ParseCollectionScan(ctx, ObjType::kSet, &e);
  if (!o) return;
  const SetObject* set = SetOf(e);
  std::vector<std::string> items;
  uint64_t cursor = 0;
  if (set->is_intset()) {
    // A compact encoding is returned whole, whatever the cursor.
    items = set->Members();
  } else {
    cursor = o->cursor;
    int64_t budget = o->max_iterations();
    const auto count = static_cast<size_t>(o->count);
    do {
      cursor = set->Scan(cursor, [&](std::string_view m) { items.emplace_back(m); });
    } while (cursor != 0 && budget-- > 0 && items.size() < count);
  }
  AddCollectionScanReply(ctx, *o, cursor, items, 1);
}

}  // namespace

void RegisterSetCommands(CommandTable& table) {
  AddCommands(
      table, "set",
      {
          {.name = "sadd",
           .arity = -3,
           .flags = kCmdWrite | kCmdDenyOom | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = SAddCommand,
           .since = "1.0.0",
           .summary = "Add one or more members to a set",
           .complexity = "O(1) for each element added, so O(N) to add N elements when the command "
                         "is called with multiple arguments.",
           .syntax = "key member [member ...]",
           .key_flags = kKeyRW | kKeyInsert,
           .history = {{"2.4.0", "Accepts multiple `member` arguments."}}},
          {.name = "srem",
           .arity = -3,
           .flags = kCmdWrite | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = SRemCommand,
           .since = "1.0.0",
           .summary = "Remove one or more members from a set",
           .complexity = "O(N) where N is the number of members to be removed.",
           .syntax = "key member [member ...]",
           .key_flags = kKeyRW | kKeyDelete,
           .history = {{"2.4.0", "Accepts multiple `member` arguments."}}},
          {.name = "scard",
           .arity = 2,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = SCardCommand,
           .since = "1.0.0",
           .summary = "Get the number of members in a set",
           .complexity = "O(1)",
           .syntax = "key",
           .key_flags = kKeyRO},
          {.name = "sismember",
           .arity = 3,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = SIsMemberCommand,
           .since = "1.0.0",
           .summary = "Determine if a given value is a member of a set",
           .complexity = "O(1)",
           .syntax = "key member",
           .key_flags = kKeyRO},
          {.name = "smismember",
           .arity = -3,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = SMIsMemberCommand,
           .since = "6.2.0",
           .summary = "Returns the membership associated with the given elements for a set",
           .complexity = "O(N) where N is the number of elements being checked for membership",
           .syntax = "key member [member ...]"},
          {.name = "smove",
           .arity = 4,
           .flags = kCmdWrite | kCmdFast,
           .handler = SMoveCommand,
           .since = "1.0.0",
           .summary = "Move a member from one set to another",
           .complexity = "O(1)",
           .syntax = "source destination member",
           .key_specs = {{.flags = kKeyRW | kKeyAccess | kKeyDelete, .begin_index = 1},
                         {.flags = kKeyRW | kKeyInsert, .begin_index = 2}}},
          {.name = "sscan",
           .arity = -3,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = SScanCommand,
           .since = "2.8.0",
           .summary = "Incrementally iterate Set elements",
           .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                         "command calls for the cursor to return back to 0. N is the number of "
                         "elements inside the collection..",
           .syntax = "key cursor [MATCH pattern] [COUNT count]",
           .tips = "nondeterministic_output"},
      });
  set_family::RegisterSetAlgebraCommands(table);
  set_family::RegisterSetRandomCommands(table);
}

}  // namespace keel::engine
