// Server administration commands: CONFIG, COMMAND, TIME, SHUTDOWN, DEBUG.
#include <unistd.h>

#include <cmath>
#include <thread>
#include <vector>

#include "engine/db.h"
#include "engine/digest.h"
#include "engine/list_object.h"
#include "engine/object_commands.h"
#include "engine/parse.h"
#include "server/client.h"
#include "server/command_reply.h"
#include "server/config_parse.h"
#include "server/log.h"
#include "server/server.h"
#include "server/snapshots.h"

namespace keel::server {

namespace {

using engine::CommandContext;
using engine::CommandSpec;
using engine::EqualsIgnoreCase;

Server& ServerOf(CommandContext& ctx) { return *CallingClient(ctx).server(); }

// ---- CONFIG ----

void ConfigGet(CommandContext& ctx) {
  auto all = ServerOf(ctx).config_store().Get(ctx.args.subspan(2));
  ctx.reply->AddMapHeader(all.size());
  for (const auto& [name, value] : all) {
    ctx.reply->AddBulk(name);
    ctx.reply->AddBulk(value);
  }
}

void ConfigSet(CommandContext& ctx) {
  if (ctx.argc() % 2 != 0) {
    ctx.reply->AddError(engine::kErrSyntax);
    return;
  }
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) pairs.emplace_back(ctx.arg(i), ctx.arg(i + 1));
  const io::PeerAddress& peer = CallingClient(ctx).peer();
  Status s = ServerOf(ctx).config_store().Set(pairs, peer.is_loopback || peer.is_unix);
  if (s.ok()) {
    ctx.reply->AddOk();
  } else {
    // ConfigStore's messages are whole reply texts ("ERR ..."), code included.
    ctx.reply->AddError("-" + std::string(s.message()));
  }
}

void ConfigResetStat(CommandContext& ctx) {
  ServerOf(ctx).ResetStats();
  ctx.reply->AddOk();
}

void ConfigHelp(CommandContext& ctx) {
  static constexpr const char* kLines[] = {
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
  };
  engine::AddHelpReply(ctx, kLines);
}

// ---- COMMAND ----

void CommandAll(CommandContext& ctx) { ReplyCommandInfo(ServerOf(ctx).commands(), {}, *ctx.reply); }
void CommandCount(CommandContext& ctx) { ReplyCommandCount(ServerOf(ctx).commands(), *ctx.reply); }
void CommandInfo(CommandContext& ctx) {
  ReplyCommandInfo(ServerOf(ctx).commands(), ctx.args.subspan(2), *ctx.reply);
}
void CommandDocs(CommandContext& ctx) {
  ReplyCommandDocs(ServerOf(ctx).commands(), ctx.args.subspan(2), *ctx.reply);
}
void CommandList(CommandContext& ctx) {
  ReplyCommandList(ServerOf(ctx).commands(), ctx.args.subspan(2), *ctx.reply);
}
void CommandHelp(CommandContext& ctx) {
  static constexpr const char* kLines[] = {
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
  };
  engine::AddHelpReply(ctx, kLines);
}

// ---- TIME, SHUTDOWN ----

void Time(CommandContext& ctx) {
  int64_t us = ServerOf(ctx).clock().NowUs();
  ctx.reply->AddArrayHeader(2);
  ctx.reply->AddBulkInteger(us / 1'000'000);
  ctx.reply->AddBulkInteger(us % 1'000'000);
}

void Shutdown(CommandContext& ctx) {
  ShutdownMode mode;
  bool abort = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view a = ctx.arg(i);
    if (EqualsIgnoreCase(a, "nosave")) {
      mode.nosave = true;
    } else if (EqualsIgnoreCase(a, "save")) {
      mode.save = true;
    } else if (EqualsIgnoreCase(a, "now")) {
      // Nothing to wait for: no replicas.
    } else if (EqualsIgnoreCase(a, "force")) {
      mode.force = true;
    } else if (EqualsIgnoreCase(a, "abort")) {
      abort = true;
    } else {
      ctx.reply->AddError(engine::kErrSyntax);
      return;
    }
  }
  if ((abort && ctx.argc() != 2) || (mode.save && mode.nosave)) {
    ctx.reply->AddError(engine::kErrSyntax);
    return;
  }
  if (abort) {
    ctx.reply->AddError("No shutdown in progress.");
    return;
  }
  if (!ServerOf(ctx).Shutdown("SHUTDOWN command", mode)) {
    ctx.reply->AddError("Errors trying to SHUTDOWN. Check logs.");
    return;
  }
  CallingClient(ctx).CloseAsap();
}

// ---- DEBUG ----

bool DebugAllowed(CommandContext& ctx) {
  Client& client = CallingClient(ctx);
  bool local = client.peer().is_loopback || client.peer().is_unix;
  if (ProtectedActionAllowed(client.server()->config().enable_debug_command, local)) return true;
  ctx.reply->AddError(
      "DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you "
      "can run it from a local connection, otherwise you need to set this option in the "
      "configuration file, and then restart the server.");
  return false;
}

void Debug(CommandContext& ctx) {
  if (!DebugAllowed(ctx)) return;
  std::string_view sub = ctx.arg(1);
  if (EqualsIgnoreCase(sub, "help") && ctx.argc() == 2) {
    static constexpr const char* kLines[] = {
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "OBJECT <key>",
        "    Show low level info about `key` and associated value.",
        "RELOAD [option ...]",
        "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
        "    * MERGE: conflicting keys will be loaded from RDB.",
        "    * NOFLUSH: the existing database will not be removed before load, but",
        "      conflicting keys make the reload fail with an error.",
        "    * NOSAVE: the database will be loaded from an existing RDB file.",
        "    Examples:",
        "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
        "      the database.",
        "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
        "      existing RDB file.",
        "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
        "      file to the database.",
        "SNAPSHOT-DIGEST <0|1>",
        "    Keel: make each background save log the digest of the data it writes.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
        "    default.",
        "QUICKLIST-PACKED-THRESHOLD <size>",
        "    Sets the threshold for elements to be inserted as plain vs packed nodes",
        "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
    };
    engine::AddHelpReply(ctx, kLines);
  } else if (EqualsIgnoreCase(sub, "sleep") && ctx.argc() == 3) {
    auto secs = engine::ParseDouble(ctx.arg(2));
    double s = secs ? *secs : 0.0;  // Redis reads it with strtod: garbage sleeps 0 seconds
    if (s > 0 && std::isfinite(s)) {
      std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(s * 1e6)));
    }
    ctx.reply->AddOk();
  } else if (EqualsIgnoreCase(sub, "object") && ctx.argc() == 3) {
    // The raw table, as Redis's dictFind: no lazy expiry, no statistics, no LRU update.
    const engine::Entry* e = ctx.db->Find(ctx.arg(2));
    if (e == nullptr) {
      ctx.reply->AddError(engine::kErrNoSuchKey);
    } else {
      ctx.reply->AddSimple(engine::DebugObjectLine(*ctx.ks, e));
    }
  } else if (EqualsIgnoreCase(sub, "quicklist-packed-threshold") && ctx.argc() == 3) {
    // Elements of at least this many bytes get a list node of their own ("plain"); applies to
    // every list from now on, as in Redis.
    std::optional<uint64_t> bytes = ParseMemory(ctx.arg(2));
    if (!bytes || !engine::ListObject::SetPackedThreshold(*bytes)) {
      ctx.reply->AddError("argument must be a memory value bigger than 1 and smaller than 4gb");
    } else {
      ctx.reply->AddOk();
    }
  } else if (EqualsIgnoreCase(sub, "digest") && ctx.argc() == 2) {
    ctx.reply->AddSimple(engine::DigestHex(engine::DatasetDigest(*ctx.ks)));
  } else if (EqualsIgnoreCase(sub, "digest-value")) {
    // Raw lookups, as Redis's dictFind: a logically expired key still has its digest.
    ctx.reply->AddArrayHeader(ctx.argc() - 2);
    for (size_t i = 2; i < ctx.argc(); i++) {
      const engine::Entry* e = ctx.db->Find(ctx.arg(i));
      ctx.reply->AddSimple(engine::DigestHex(engine::ValueDigest(*ctx.db, e)));
    }
  } else if (EqualsIgnoreCase(sub, "reload")) {
    DebugReload(ctx);
  } else if (EqualsIgnoreCase(sub, "loadaof")) {
    DebugLoadAof(ctx);
  } else if (EqualsIgnoreCase(sub, "aof-step") && ctx.argc() >= 3) {
    DebugAofStep(ctx);
  } else if (EqualsIgnoreCase(sub, "aof-fault") && ctx.argc() >= 3) {
    DebugAofFault(ctx);
  } else if (EqualsIgnoreCase(sub, "snapshot-digest") && ctx.argc() == 3) {
    DebugSnapshotDigest(ctx);
  } else if (EqualsIgnoreCase(sub, "set-active-expire") && ctx.argc() == 3) {
    auto v = engine::ParseInt64(ctx.arg(2));
    ctx.ks->active_expire_enabled = v.value_or(0) != 0;
    ctx.reply->AddOk();
  } else {
    ctx.reply->AddError("unknown subcommand or wrong number of arguments for '" + std::string(sub) +
                        "'. Try DEBUG HELP.");
  }
}

}  // namespace

// A container command with its subcommands.
CommandSpec MakeContainer(const char* group, const engine::SpecInit& init,
                          std::initializer_list<engine::SpecInit> subs) {
  CommandSpec spec = engine::MakeSpec(group, init);
  for (const engine::SpecInit& sub : subs) spec.subcommands.push_back(engine::MakeSpec(group, sub));
  return spec;
}

void RegisterServerCommands(engine::CommandTable& table) {
  using namespace engine;  // NOLINT: flag names
  const uint32_t kAdminNs = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
  const uint32_t kInfoFlags = kCmdLoading | kCmdStale;
  const char* kPerParam = "O(N) when N is the number of configuration parameters provided";
  const char* kHelpSummary = "Show helpful text about the different subcommands";
  const char* kAllCommands = "O(N) where N is the total number of Redis commands";
  const char* kLookedUp = "O(N) where N is the number of commands to look up";
  const char* kAnyOrder = "nondeterministic_output_order";

  table.Add(MakeContainer("server",
                          {.name = "config",
                           .arity = -2,
                           .since = "2.0.0",
                           .summary = "A container for server configuration commands",
                           .complexity = "Depends on subcommand."},
                          {
                              {.name = "get",
                               .arity = -3,
                               .flags = kAdminNs,
                               .handler = ConfigGet,
                               .since = "2.0.0",
                               .summary = "Get the values of configuration parameters",
                               .complexity = kPerParam,
                               .syntax = "<parameter: parameter> ...",
                               .history = {{"7.0.0",
                                            "Added the ability to pass multiple pattern "
                                            "parameters in one call"}}},
                              {.name = "set",
                               .arity = -4,
                               .flags = kAdminNs,
                               .handler = ConfigSet,
                               .since = "2.0.0",
                               .summary = "Set configuration parameters to the given values",
                               .complexity = kPerParam,
                               .syntax = "parameter value [parameter value ...]",
                               .tips = "request_policy:all_nodes response_policy:all_succeeded",
                               .history = {{"7.0.0",
                                            "Added the ability to set multiple parameters in "
                                            "one call."}}},
                              {.name = "resetstat",
                               .arity = 2,
                               .flags = kAdminNs,
                               .handler = ConfigResetStat,
                               .since = "2.0.0",
                               .summary = "Reset the stats returned by INFO",
                               .complexity = "O(1)"},
                              {.name = "help",
                               .arity = 2,
                               .flags = kInfoFlags,
                               .handler = ConfigHelp,
                               .since = "5.0.0",
                               .summary = kHelpSummary,
                               .complexity = "O(1)"},
                          }));

  table.Add(MakeContainer(
      "server",
      {.name = "command",
       .arity = -1,
       .flags = kInfoFlags,
       .handler = CommandAll,
       .since = "2.8.13",
       .summary = "Get array of Redis command details",
       .complexity = kAllCommands,
       .tips = kAnyOrder},
      {
          {.name = "count",
           .arity = 2,
           .flags = kInfoFlags,
           .handler = CommandCount,
           .since = "2.8.13",
           .summary = "Get total number of Redis commands",
           .complexity = "O(1)"},
          {.name = "info",
           .arity = -2,
           .flags = kInfoFlags,
           .handler = CommandInfo,
           .since = "2.8.13",
           .summary = "Get array of specific Redis command details, or all when no argument is "
                      "given.",
           .complexity = kLookedUp,
           .syntax = "[command-name [command-name ...]]",
           .tips = kAnyOrder,
           .history = {{"7.0.0",
                        "Allowed to be called with no argument to get info on all commands."}}},
          {.name = "docs",
           .arity = -2,
           .flags = kInfoFlags,
           .handler = CommandDocs,
           .since = "7.0.0",
           .summary = "Get array of specific Redis command documentation",
           .complexity = kLookedUp,
           .syntax = "[command-name [command-name ...]]",
           .tips = kAnyOrder},
          {.name = "list",
           .arity = -2,
           .flags = kInfoFlags,
           .handler = CommandList,
           .since = "7.0.0",
           .summary = "Get an array of Redis command names",
           .complexity = kAllCommands,
           .syntax = "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]",
           .tips = kAnyOrder},
          {.name = "help",
           .arity = 2,
           .flags = kInfoFlags,
           .handler = CommandHelp,
           .since = "5.0.0",
           .summary = kHelpSummary,
           .complexity = "O(1)"},
      }));

  AddCommands(
      table, "server",
      {
          {.name = "time",
           .arity = 1,
           .flags = kCmdLoading | kCmdStale | kCmdFast,
           .handler = Time,
           .since = "2.6.0",
           .summary = "Return the current server time",
           .complexity = "O(1)",
           .tips = "nondeterministic_output"},
          {.name = "shutdown",
           .arity = -1,
           .flags =
               kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale | kCmdNoMulti | kCmdAllowBusy,
           .handler = Shutdown,
           .since = "1.0.0",
           .summary = "Synchronously save the dataset to disk and then shut down the server",
           .complexity = "O(N) when saving, where N is the total number of keys in all "
                         "databases when saving data, otherwise O(1)",
           .syntax = "[NOSAVE | SAVE] [NOW@7.0.0] [FORCE@7.0.0] [ABORT@7.0.0]",
           .history = {{"7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."}}},
          {.name = "debug",
           .arity = -2,
           .flags = kAdminNs,
           .handler = Debug,
           .since = "1.0.0",
           .summary = "A container for debugging commands",
           .complexity = "Depends on subcommand.",
           // Redis documents no arguments: DEBUG's subcommands are not in its command table.
           .doc_flags = kDocSysCmd},
      });
}

}  // namespace keel::server
