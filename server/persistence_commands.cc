// SAVE, BGSAVE, LASTSAVE and DEBUG RELOAD, with Redis 7.0's replies.
#include <string>

#include "engine/command.h"
#include "engine/parse.h"
#include "server/client.h"
#include "server/aof.h"
#include "server/log.h"
#include "server/server.h"
#include "server/snapshots.h"

namespace keel::server {

namespace {

using engine::CommandContext;
using engine::EqualsIgnoreCase;

constexpr const char* kSaveInProgress = "Background save already in progress";

Server& ServerOf(CommandContext& ctx) { return *CallingClient(ctx).server(); }

void Save(CommandContext& ctx) {
  Snapshots& snap = ServerOf(ctx).snapshots();
  if (snap.child_running()) {
    ctx.reply->AddError(kSaveInProgress);
    return;
  }
  if (snap.SaveNow().ok()) {
    ctx.reply->AddOk();
  } else {
    ctx.reply->AddError("-ERR");  // Redis's shared.err: the log has the reason
  }
}

void Bgsave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.argc() > 1) {
    if (ctx.argc() == 2 && EqualsIgnoreCase(ctx.arg(1), "schedule")) {
      schedule = true;
    } else {
      ctx.reply->AddError(engine::kErrSyntax);
      return;
    }
  }
  Snapshots& snap = ServerOf(ctx).snapshots();
  if (snap.child_running()) {
    ctx.reply->AddError(kSaveInProgress);
  } else if (ServerOf(ctx).aof().rewrite_running()) {
    // One child at a time, as in Redis: the save waits for the AOF rewrite when asked to.
    if (schedule) {
      snap.Schedule();
      ctx.reply->AddSimple("Background saving scheduled");
    } else {
      ctx.reply->AddError(
          "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE "
          "in order to schedule a BGSAVE whenever possible.");
    }
  } else if (!ctx.may_block) {
    // Inside EXEC (the only place commands may not block) Redis does not fork; it schedules.
    snap.Schedule();
    ctx.reply->AddSimple("Background saving scheduled");
  } else if (snap.StartBackground().ok()) {
    ctx.reply->AddSimple("Background saving started");
  } else {
    ctx.reply->AddError("-ERR");
  }
}

void BgRewriteAof(CommandContext& ctx) {
  Server& server = ServerOf(ctx);
  Aof& aof = server.aof();
  if (aof.rewrite_running()) {
    ctx.reply->AddError("Background append only file rewriting already in progress");
  } else if (server.snapshots().child_running() || !ctx.may_block) {
    aof.ScheduleRewrite();
    ctx.reply->AddSimple("Background append only file rewriting scheduled");
  } else if (aof.StartRewrite().ok()) {
    ctx.reply->AddSimple("Background append only file rewriting started");
  } else {
    ctx.reply->AddError(
        "Can't execute an AOF background rewriting. Please check the server logs for more "
        "information.");
  }
}

void LastSave(CommandContext& ctx) { ctx.reply->AddInteger(ServerOf(ctx).snapshots().last_save_s()); }

}  // namespace

void DebugReload(CommandContext& ctx) {
  bool flush = true, save = true, merge = false;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "merge")) {
      merge = true;
    } else if (EqualsIgnoreCase(opt, "noflush")) {
      flush = false;
    } else if (EqualsIgnoreCase(opt, "nosave")) {
      save = false;
    } else {
      ctx.reply->AddError("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
      return;
    }
  }
  Server& server = ServerOf(ctx);
  if (save && !server.snapshots().SaveNow().ok()) {
    ctx.reply->AddError("-ERR");
    return;
  }
  if (flush) {
    for (int i = 0; i < ctx.ks->num_dbs(); ++i) ctx.ks->db(i).Clear();
  }
  Status s = server.snapshots().Load(server.config().dbfilename, merge);
  if (!s.ok()) {
    Log(LogLevel::kWarning, "DEBUG RELOAD: %s", s.ToString().c_str());
    ctx.reply->AddError("Error trying to load the RDB dump");
    return;
  }
  Log(LogLevel::kWarning, "DB reloaded by DEBUG RELOAD");
  ctx.reply->AddOk();
}

void DebugLoadAof(CommandContext& ctx) {
  Aof& aof = ServerOf(ctx).aof();
  if (!aof.enabled()) {
    ctx.reply->AddOk();  // Redis flushes nothing and reloads nothing without an AOF
    return;
  }
  Status s = aof.Reload();
  if (!s.ok()) {
    Log(LogLevel::kWarning, "DEBUG LOADAOF: %s", s.ToString().c_str());
    ctx.reply->AddError("Error loading the AOF");
    return;
  }
  Log(LogLevel::kWarning, "Append Only File loaded by DEBUG LOADAOF");
  ctx.reply->AddOk();
}

void DebugAofStep(CommandContext& ctx) {
  // DEBUG AOF-STEP <step> CRASH|FAIL | DEBUG AOF-STEP CLEAR
  Aof& aof = ServerOf(ctx).aof();
  if (ctx.argc() == 3 && EqualsIgnoreCase(ctx.arg(2), "clear")) {
    aof.SetStepFault("", false);
  } else if (ctx.argc() == 4 &&
             (EqualsIgnoreCase(ctx.arg(3), "crash") || EqualsIgnoreCase(ctx.arg(3), "fail"))) {
    aof.SetStepFault(std::string(ctx.arg(2)), EqualsIgnoreCase(ctx.arg(3), "crash"));
  } else {
    ctx.reply->AddError(engine::kErrSyntax);
    return;
  }
  ctx.reply->AddOk();
}

void DebugAofFault(CommandContext& ctx) {
  // DEBUG AOF-FAULT WRITE <errno> [count [partial-bytes]] | SYNC <errno> [count] | CLEAR
  io::LogFaults f;
  std::string_view kind = ctx.arg(2);
  auto number = [&ctx](size_t i, int64_t dflt) {
    return i < ctx.argc() ? engine::ParseInt64(ctx.arg(i)).value_or(-2) : dflt;
  };
  if (EqualsIgnoreCase(kind, "clear")) {
    f.count = 0;
  } else if (ctx.argc() >= 4 &&
             (EqualsIgnoreCase(kind, "write") || EqualsIgnoreCase(kind, "sync"))) {
    int err = static_cast<int>(number(3, 0));
    int64_t count = number(4, 1);
    int64_t partial = number(5, 0);
    if (err <= 0 || count < -1 || count == 0 || partial < 0) {
      ctx.reply->AddError(engine::kErrSyntax);
      return;
    }
    (EqualsIgnoreCase(kind, "write") ? f.write_errno : f.sync_errno) = err;
    f.partial_bytes = static_cast<uint64_t>(partial);
    f.count = static_cast<int>(count);
  } else {
    ctx.reply->AddError(engine::kErrSyntax);
    return;
  }
  ServerOf(ctx).aof().InjectFaults(f);
  ctx.reply->AddOk();
}

void DebugSnapshotDigest(CommandContext& ctx) {
  auto on = engine::ParseInt64(ctx.arg(2));
  ServerOf(ctx).snapshots().set_log_fork_digest(on.value_or(0) != 0);
  ctx.reply->AddOk();
}

void RegisterPersistenceCommands(engine::CommandTable& table) {
  using namespace engine;  // NOLINT: flag names
  AddCommands(table, "server",
              {
                  {.name = "save",
                   .arity = 1,
                   .flags = kCmdAdmin | kCmdNoScript | kCmdNoAsyncLoading | kCmdNoMulti,
                   .handler = Save,
                   .since = "1.0.0",
                   .summary = "Synchronously save the dataset to disk",
                   .complexity = "O(N) where N is the total number of keys in all databases"},
                  {.name = "bgsave",
                   .arity = -1,
                   .flags = kCmdAdmin | kCmdNoScript | kCmdNoAsyncLoading,
                   .handler = Bgsave,
                   .since = "1.0.0",
                   .summary = "Asynchronously save the dataset to disk",
                   .complexity = "O(1)",
                   .syntax = "[SCHEDULE@3.2.2]",
                   .history = {{"3.2.2", "Added the `SCHEDULE` option."}}},
                  {.name = "bgrewriteaof",
                   .arity = 1,
                   .flags = kCmdAdmin | kCmdNoScript | kCmdNoAsyncLoading,
                   .handler = BgRewriteAof,
                   .since = "1.0.0",
                   .summary = "Asynchronously rewrite the append-only file",
                   .complexity = "O(1)"},
                  {.name = "lastsave",
                   .arity = 1,
                   .flags = kCmdLoading | kCmdStale | kCmdFast,
                   .handler = LastSave,
                   .since = "1.0.0",
                   .summary = "Get the UNIX time stamp of the last successful save to disk",
                   .complexity = "O(1)",
                   .tips = "nondeterministic_output"},
              });
}

}  // namespace keel::server
