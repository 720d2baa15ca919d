// What the server does around a command besides running it, for pub/sub and MONITOR clients and
// the slow log: the mode checks before (a subscribed or monitoring client may run only some
// commands) and the records after (slow log entry, MONITOR line). Also the MONITOR command.
#include "engine/parse.h"
#include "server/client.h"
#include "server/server.h"

namespace keel::server {

namespace {

// The commands a RESP2 client in subscribed mode may still send (Redis's processCommand list).
bool AllowedWhileSubscribed(const engine::CommandSpec& cmd) {
  if (cmd.parent != nullptr) return false;
  static constexpr std::string_view kAllowed[] = {
      "ping",       "subscribe",    "ssubscribe", "unsubscribe", "sunsubscribe",
      "psubscribe", "punsubscribe", "quit",       "reset",
  };
  for (std::string_view name : kAllowed) {
    if (cmd.name == name) return true;
  }
  return false;
}

// The arguments as MONITOR and the slow log show them: secrets replaced by "(redacted)".
std::vector<std::string_view> VisibleArgs(const engine::CommandSpec& cmd,
                                          std::span<const std::string_view> args,
                                          const ConfigStore& config) {
  std::vector<std::string_view> out(args.begin(), args.end());
  std::vector<bool> hidden = RedactedArguments(cmd, args, config);
  for (size_t i = 0; i < hidden.size(); ++i) {
    if (hidden[i]) out[i] = kRedactedArg;
  }
  return out;
}

void Monitor(engine::CommandContext& ctx) {
  Client& client = CallingClient(ctx);
  // Inside EXEC a client expects one reply per command, which a monitor stream is not.
  if (!ctx.may_block) {
    ctx.reply->AddError("MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  MonitorList& monitors = client.server()->monitors();
  // Already monitoring: Redis ignores the command without a reply.
  if (monitors.Contains(&client)) return;
  monitors.Add(&client);
  ctx.reply->AddOk();
}

}  // namespace

std::string Server::ModeRestriction(const Client& client, const engine::CommandSpec& cmd) const {
  // Keel speaks RESP2 only, where a subscribed connection carries pushed messages and so cannot
  // tell other replies apart from them.
  if (pubsub_.IsSubscriber(&client) && !AllowedWhileSubscribed(cmd)) {
    return "Can't execute '" + cmd.FullName() +
           "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
           "context";
  }
  // Redis marks a MONITOR client as a replica, and a replica may not use the keyspace.
  if (!monitors_.empty() && monitors_.Contains(&client) &&
      (cmd.flags & (engine::kCmdWrite | engine::kCmdReadOnly | engine::kCmdMayReplicate))) {
    return "Replica can't interact with the keyspace";
  }
  return {};
}

void Server::LogCommand(Client& client, const engine::CommandSpec& cmd,
                        std::span<const std::string_view> args, int64_t duration_us, int what) {
  const Config& cfg = config();
  // The slow log, unless the command keeps out of it (EXEC, whose commands are logged one by
  // one) or the log is off.
  if ((what & kLogSlowlog) && !(cmd.flags & engine::kCmdSkipSlowlog) &&
      cfg.slowlog_log_slower_than >= 0) {
    if (duration_us >= cfg.slowlog_log_slower_than) {
      std::vector<std::string_view> shown = VisibleArgs(cmd, args, *config_);
      slowlog_.MaybeAdd(shown, duration_us, clock_->NowMs() / 1000, client.addr(), client.name(),
                        cfg.slowlog_log_slower_than, cfg.slowlog_max_len);
    } else {
      slowlog_.Trim(cfg.slowlog_max_len);
    }
  }
  // MONITOR: administrative commands are too dangerous to show. The line carries the database
  // the command left the client in (SELECT 5 shows db 5), as Redis feeds monitors after the call.
  if (!(what & kLogMonitor) || monitors_.empty() ||
      (cmd.flags & (engine::kCmdSkipMonitor | engine::kCmdAdmin))) {
    return;
  }
  std::vector<std::string_view> shown = VisibleArgs(cmd, args, *config_);
  std::string line = FormatMonitorLine(clock_->NowUs(), client.db_index, client.addr(), shown);
  for (Client* monitor : monitors_.clients()) monitor->Push(line);
}

void Server::ClearPubSubAndMonitor(Client& client) {
  pubsub_.RemoveSubscriber(&client);
  monitors_.Remove(&client);
}

void RegisterMonitorCommand(engine::CommandTable& table) {
  using namespace engine;  // NOLINT: flag names
  AddCommands(table, "server",
              {
                  {.name = "monitor",
                   .arity = 1,
                   .flags = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale,
                   .handler = Monitor,
                   .since = "1.0.0",
                   .summary = "Listen for all requests received by the server in real time"},
              });
}

}  // namespace keel::server
