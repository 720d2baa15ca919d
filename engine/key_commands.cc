// The generic key commands (Redis's "generic" group, minus expiry and iteration): DEL UNLINK
// EXISTS TYPE TOUCH RENAME RENAMENX MOVE COPY, with Redis 7.0's replies, errors and side effects
// (which lookups count keyspace hits, which reclaim expired keys, what bumps the dirty counter).
// KEYS, SCAN and RANDOMKEY are in scan_commands.cc.
#include <cstdint>
#include <optional>

#include "engine/commands.h"
#include "engine/key_family.h"
#include "engine/keyspace.h"
#include "engine/parse.h"

namespace keel::engine {

namespace {

using key_family::LookupReadNoTouch;

// DEL and UNLINK. Keel frees values synchronously in both for now; UNLINK exists under its own
// name (and flags) for clients and ACL rules that use it.
void DelCommand(CommandContext& ctx) {
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    // An expired key is reclaimed by the lookup and does not count as deleted, as in Redis.
    Entry* e = ctx.db->LookupWrite(ctx.arg(i));
    if (e == nullptr) continue;
    ctx.db->DeleteEntry(e);
    ctx.ks->dirty++;
    deleted++;
  }
  ctx.reply->AddInteger(deleted);
}

// EXISTS counts a key once per time it is named.
void ExistsCommand(CommandContext& ctx) {
  int64_t count = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (LookupReadNoTouch(ctx, ctx.arg(i)) != nullptr) count++;
  }
  ctx.reply->AddInteger(count);
}

void TypeCommand(CommandContext& ctx) {
  const Entry* e = LookupReadNoTouch(ctx, ctx.arg(1));
  ctx.reply->AddSimple(e == nullptr ? "none" : TypeName(e->type()));
}

// TOUCH updates the LRU clock of the keys it finds (a plain read lookup).
void TouchCommand(CommandContext& ctx) {
  int64_t touched = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (ctx.db->LookupRead(ctx.arg(i)) != nullptr) touched++;
  }
  ctx.reply->AddInteger(touched);
}

// RENAME and RENAMENX. The source is looked up first, so a missing source is "no such key" even
// when source and destination are the same name.
void RenameGeneric(CommandContext& ctx, bool nx) {
  std::string_view src = ctx.arg(1);
  std::string_view dst = ctx.arg(2);
  if (ctx.db->LookupWrite(src) == nullptr) {
    ctx.reply->AddError(kErrNoSuchKey);
    return;
  }
  if (src == dst) {
    if (nx) {
      ctx.reply->AddInteger(0);
    } else {
      ctx.reply->AddOk();
    }
    return;
  }
  // The destination lookup may reclaim an expired destination, so the source is found again
  // afterwards rather than held across it.
  const bool dst_exists = ctx.db->LookupWrite(dst) != nullptr;
  if (dst_exists && nx) {
    ctx.reply->AddInteger(0);
    return;
  }
  ctx.db->Rename(ctx.db->Find(src), dst);
  ctx.ks->dirty++;
  if (nx) {
    ctx.reply->AddInteger(1);
  } else {
    ctx.reply->AddOk();
  }
}

void RenameCommand(CommandContext& ctx) { RenameGeneric(ctx, false); }
void RenameNxCommand(CommandContext& ctx) { RenameGeneric(ctx, true); }

// Resolves a destination db index as MOVE and COPY do: an int, then a valid index.
Db* TargetDbOrReply(CommandContext& ctx, std::string_view arg) {
  std::optional<int> id = key_family::ParseIntOrReply(ctx, arg);
  if (!id) return nullptr;
  if (*id < 0 || *id >= ctx.ks->num_dbs()) {
    ctx.reply->AddError(kErrDbIndex);
    return nullptr;
  }
  return &ctx.ks->db(*id);
}

void MoveCommand(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Db* dst = TargetDbOrReply(ctx, ctx.arg(2));
  if (dst == nullptr) return;
  // Checked before the key, so even a missing key gets this error.
  if (dst == ctx.db) {
    ctx.reply->AddError(key_family::kErrSameObject);
    return;
  }
  Entry* e = ctx.db->LookupWrite(key);
  if (e == nullptr || dst->LookupWrite(key) != nullptr) {
    ctx.reply->AddInteger(0);
    return;
  }
  ctx.db->MoveTo(e, dst);
  ctx.ks->dirty++;
  ctx.reply->AddInteger(1);
}

// COPY source destination [DB destination-db] [REPLACE]. Options may repeat; the last DB wins.
void CopyCommand(CommandContext& ctx) {
  std::string_view src = ctx.arg(1);
  std::string_view dst_key = ctx.arg(2);
  Db* dst = ctx.db;
  bool replace = false;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(opt, "db") && i + 1 < ctx.argc()) {
      dst = TargetDbOrReply(ctx, ctx.arg(++i));
      if (dst == nullptr) return;
    } else {
      ctx.reply->AddError(kErrSyntax);
      return;
    }
  }
  if (dst == ctx.db && src == dst_key) {
    ctx.reply->AddError(key_family::kErrSameObject);
    return;
  }
  if (ctx.db->LookupRead(src) == nullptr) {
    ctx.reply->AddInteger(0);
    return;
  }
  if (dst->LookupWrite(dst_key) != nullptr && !replace) {
    ctx.reply->AddInteger(0);
    return;
  }
  // Found again: the destination lookup may have reclaimed an expired key in the same db.
  ctx.db->CopyTo(ctx.db->Find(src), dst, dst_key);
  ctx.ks->dirty++;
  ctx.reply->AddInteger(1);
}

}  // namespace

void RegisterKeyCommands(CommandTable& table) {
  AddCommands(
      table, "generic",
      {
          {.name = "del",
           .arity = -2,
           .flags = kCmdWrite,
           .first_key = 1,
           .last_key = -1,
           .key_step = 1,
           .handler = DelCommand,
           .since = "1.0.0",
           .summary = "Delete a key",
           .complexity =
               "O(N) where N is the number of keys that will be removed. When a key to remove "
               "holds a value other than a string, the individual complexity for this key is O(M) "
               "where M is the number of elements in the list, set, sorted set or hash. Removing "
               "a single key that holds a string value is O(1).",
           .syntax = "key [key ...]",
           .key_flags = kKeyRM | kKeyDelete,
           .tips = "request_policy:multi_shard response_policy:agg_sum"},
          {.name = "unlink",
           .arity = -2,
           .flags = kCmdWrite | kCmdFast,
           .first_key = 1,
           .last_key = -1,
           .key_step = 1,
           .handler = DelCommand,
           .since = "4.0.0",
           .summary = "Delete a key asynchronously in another thread. Otherwise it is just as "
                      "DEL, but non blocking.",
           .complexity =
               "O(1) for each key removed regardless of its size. Then the command does O(N) work "
               "in a different thread in order to reclaim memory, where N is the number of "
               "allocations the deleted objects where composed of.",
           .syntax = "key [key ...]",
           .key_flags = kKeyRM | kKeyDelete,
           .tips = "request_policy:multi_shard response_policy:agg_sum"},
          {.name = "exists",
           .arity = -2,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = -1,
           .key_step = 1,
           .handler = ExistsCommand,
           .since = "1.0.0",
           .summary = "Determine if a key exists",
           .complexity = "O(N) where N is the number of keys to check.",
           .syntax = "key [key ...]",
           .key_flags = kKeyRO,
           .tips = "request_policy:multi_shard response_policy:agg_sum",
           .history = {{"3.0.3", "Accepts multiple `key` arguments."}}},
          {.name = "type",
           .arity = 2,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = TypeCommand,
           .since = "1.0.0",
           .summary = "Determine the type stored at key",
           .complexity = "O(1)",
           .syntax = "key",
           .key_flags = kKeyRO},
          {.name = "rename",
           .arity = 3,
           .flags = kCmdWrite,
           .handler = RenameCommand,
           .since = "1.0.0",
           .summary = "Rename a key",
           .complexity = "O(1)",
           .syntax = "key newkey",
           .key_specs = {{.flags = kKeyRW | kKeyAccess | kKeyDelete, .begin_index = 1},
                         {.flags = kKeyOW | kKeyUpdate, .begin_index = 2}}},
          {.name = "renamenx",
           .arity = 3,
           .flags = kCmdWrite | kCmdFast,
           .handler = RenameNxCommand,
           .since = "1.0.0",
           .summary = "Rename a key, only if the new key does not exist",
           .complexity = "O(1)",
           .syntax = "key newkey",
           .key_specs = {{.flags = kKeyRW | kKeyAccess | kKeyDelete, .begin_index = 1},
                         {.flags = kKeyOW | kKeyInsert, .begin_index = 2}},
           .history = {{"3.2.0",
                        "The command no longer returns an error when source and "
                        "destination names are the same."}}},
          {.name = "move",
           .arity = 3,
           .flags = kCmdWrite | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = MoveCommand,
           .since = "1.0.0",
           .summary = "Move a key to another database",
           .complexity = "O(1)",
           .syntax = "key db",
           .key_flags = kKeyRW | kKeyAccess | kKeyUpdate},
          {.name = "copy",
           .arity = -3,
           .flags = kCmdWrite | kCmdDenyOom,
           .handler = CopyCommand,
           .since = "6.2.0",
           .summary = "Copy a key",
           .complexity = "O(N) worst case for collections, where N is the number of nested "
                         "items. O(1) for string values.",
           .syntax = "source destination [DB destination-db] [REPLACE]",
           .key_specs = {{.flags = kKeyRO | kKeyAccess, .begin_index = 1},
                         {.flags = kKeyOW | kKeyUpdate, .begin_index = 2}}},
          {.name = "touch",
           .arity = -2,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = -1,
           .key_step = 1,
           .handler = TouchCommand,
           .since = "3.2.1",
           .summary = "Alters the last access time of a key(s). Returns the number of existing "
                      "keys specified.",
           .complexity = "O(N) where N is the number of keys that will be touched.",
           .syntax = "key [key ...]",
           .key_flags = kKeyRO,
           .tips = "request_policy:multi_shard response_policy:agg_sum"},
      });
  key_family::RegisterScanCommands(table);
}

}  // namespace keel::engine
