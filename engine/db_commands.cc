// The database commands: SELECT (the session's db), DBSIZE, FLUSHDB, FLUSHALL and SWAPDB, with
// Redis 7.0's replies, error texts and dirty-counter accounting.
#include <optional>
#include <string>
#include <vector>

#include "engine/commands.h"
#include "engine/key_family.h"
#include "engine/keyspace.h"
#include "engine/parse.h"

namespace keel::engine {

namespace {

void SelectCommand(CommandContext& ctx) {
  std::optional<int> id = key_family::ParseIntOrReply(ctx, ctx.arg(1));
  if (!id) return;
  if (*id < 0 || *id >= ctx.ks->num_dbs()) {
    ctx.reply->AddError(kErrDbIndex);
    return;
  }
  ctx.session->db_index = *id;
  ctx.db = &ctx.ks->db(*id);
  ctx.reply->AddOk();
}

void DbSizeCommand(CommandContext& ctx) {
  ctx.reply->AddInteger(static_cast<int64_t>(ctx.db->size()));
}

// FLUSHDB and FLUSHALL take one optional ASYNC or SYNC. Keel frees synchronously either way; the
// option is accepted for compatibility.
bool FlushArgsOk(CommandContext& ctx) {
  if (ctx.argc() == 1) return true;
  if (ctx.argc() == 2 &&
      (EqualsIgnoreCase(ctx.arg(1), "sync") || EqualsIgnoreCase(ctx.arg(1), "async"))) {
    return true;
  }
  ctx.reply->AddError(kErrSyntax);
  return false;
}

// The AOF logs a flush as received even when there was nothing to remove, as Redis 7.0 does
// (forceCommandPropagation): a propagation override is logged whether or not dirty grew.
void PropagateAsReceived(CommandContext& ctx) {
  ctx.PropagateAs(std::vector<std::string>(ctx.args.begin(), ctx.args.end()));
}

// The dirty counter grows by the number of keys removed, so flushing an empty db leaves it alone
// (as in Redis 7.0, which forces propagation of the command separately).
void FlushDbCommand(CommandContext& ctx) {
  if (!FlushArgsOk(ctx)) return;
  ctx.ks->dirty += ctx.db->Clear();
  PropagateAsReceived(ctx);
  ctx.reply->AddOk();
}

void FlushAllCommand(CommandContext& ctx) {
  if (!FlushArgsOk(ctx)) return;
  size_t removed = 0;
  for (int i = 0; i < ctx.ks->num_dbs(); ++i) removed += ctx.ks->db(i).Clear();
  ctx.ks->dirty += removed;
  if (ctx.ks->after_flushall) ctx.ks->after_flushall();
  PropagateAsReceived(ctx);
  ctx.reply->AddOk();
}

// SWAPDB index1 index2. Clients keep their db index and see the other contents from now on.
void SwapDbCommand(CommandContext& ctx) {
  std::optional<int> a = key_family::ParseIntOrReply(ctx, ctx.arg(1), "invalid first DB index");
  if (!a) return;
  std::optional<int> b = key_family::ParseIntOrReply(ctx, ctx.arg(2), "invalid second DB index");
  if (!b) return;
  const int n = ctx.ks->num_dbs();
  if (*a < 0 || *a >= n || *b < 0 || *b >= n) {
    ctx.reply->AddError(kErrDbIndex);
    return;
  }
  ctx.ks->SwapDbs(*a, *b);
  ctx.ks->dirty++;  // also when both indexes are the same, as in Redis
  ctx.reply->AddOk();
}

}  // namespace

void RegisterDbCommands(CommandTable& table) {
  // FLUSHDB and FLUSHALL share their options and their history.
  const char* kFlushSyntax = "[async: ASYNC@4.0.0 | SYNC@6.2.0]";
  const char* kFlushTips = "request_policy:all_shards response_policy:all_succeeded";
  const std::vector<HistoryEntry> kFlushHistory = {
      {"4.0.0", "Added the `ASYNC` flushing mode modifier."},
      {"6.2.0", "Added the `SYNC` flushing mode modifier."}};
  AddCommands(table, "connection",
              {
                  {.name = "select",
                   .arity = 2,
                   .flags = kCmdLoading | kCmdStale | kCmdFast,
                   .first_key = 0,
                   .last_key = 0,
                   .key_step = 0,
                   .handler = SelectCommand,
                   .since = "1.0.0",
                   .summary = "Change the selected database for the current connection",
                   .complexity = "O(1)",
                   .syntax = "index"},
              });
  AddCommands(
      table, "server",
      {
          {.name = "dbsize",
           .arity = 1,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 0,
           .last_key = 0,
           .key_step = 0,
           .handler = DbSizeCommand,
           .since = "1.0.0",
           .summary = "Return the number of keys in the selected database",
           .complexity = "O(1)",
           .syntax = "",
           .tips = "request_policy:all_shards response_policy:agg_sum"},
          {.name = "flushdb",
           .arity = -1,
           .flags = kCmdWrite,
           .first_key = 0,
           .last_key = 0,
           .key_step = 0,
           .handler = FlushDbCommand,
           .since = "1.0.0",
           .summary = "Remove all keys from the current database",
           .complexity = "O(N) where N is the number of keys in the selected database",
           .syntax = kFlushSyntax,
           .tips = kFlushTips,
           .history = kFlushHistory},
          {.name = "flushall",
           .arity = -1,
           .flags = kCmdWrite,
           .first_key = 0,
           .last_key = 0,
           .key_step = 0,
           .handler = FlushAllCommand,
           .since = "1.0.0",
           .summary = "Remove all keys from all databases",
           .complexity = "O(N) where N is the total number of keys in all databases",
           .syntax = kFlushSyntax,
           .tips = kFlushTips,
           .history = kFlushHistory},
          {.name = "swapdb",
           .arity = 3,
           .flags = kCmdWrite | kCmdFast,
           .first_key = 0,
           .last_key = 0,
           .key_step = 0,
           .handler = SwapDbCommand,
           .since = "4.0.0",
           .summary = "Swaps two Redis databases",
           .complexity = "O(N) where N is the count of clients watching or blocking on keys from "
                         "both databases.",
           .syntax = "index1 index2"},
      });
}

}  // namespace keel::engine
