// SLOWLOG GET [count] | LEN | RESET | HELP, replying as Redis 7.0 does. Entries are recorded by
// Server::LogCommand (command_log.cc).
#include <cctype>
#include <limits>

#include "engine/parse.h"
#include "server/client.h"
#include "server/server.h"

namespace keel::server {

namespace {

using engine::CommandContext;

SlowLog& SlowLogOf(CommandContext& ctx) { return CallingClient(ctx).server()->slowlog(); }

void SlowlogGet(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    engine::AddSubcommandSyntaxError(ctx);
    return;
  }
  const SlowLog& log = SlowLogOf(ctx);
  int64_t count = 10;
  if (ctx.argc() == 3) {
    auto v = engine::ParseInt64(ctx.arg(2));
    if (!v || *v < -1) {
      ctx.reply->AddError("count should be greater than or equal to -1");
      return;
    }
    count = *v == -1 ? static_cast<int64_t>(log.size()) : *v;
  }
  const size_t n = std::min(log.size(), static_cast<size_t>(count));
  formats::ReplyWriter& r = *ctx.reply;
  r.AddArrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    const SlowLogEntry& e = log.entries()[i];
    r.AddArrayHeader(6);
    r.AddInteger(e.id);
    r.AddInteger(e.unix_time);
    r.AddInteger(e.duration_us);
    r.AddArrayHeader(e.args.size());
    for (const std::string& a : e.args) r.AddBulk(a);
    r.AddBulk(e.peer);
    r.AddBulk(e.client_name);
  }
}

void SlowlogLen(CommandContext& ctx) {
  ctx.reply->AddInteger(static_cast<int64_t>(SlowLogOf(ctx).size()));
}

void SlowlogReset(CommandContext& ctx) {
  SlowLogOf(ctx).Reset();
  ctx.reply->AddOk();
}

void SlowlogHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
  };
  engine::AddHelpReply(ctx, kLines);
}

}  // namespace

void RegisterSlowlogCommand(engine::CommandTable& table) {
  using namespace engine;  // NOLINT: flag names
  CommandSpec slowlog = MakeSpec("server", {.name = "slowlog",
                                            .arity = -2,
                                            .since = "2.2.12",
                                            .summary = "A container for slow log commands",
                                            .complexity = "Depends on subcommand."});
  const uint32_t kAdminFlags = kCmdAdmin | kCmdLoading | kCmdStale;
  for (const SpecInit& sub : std::initializer_list<SpecInit>{
           {.name = "reset",
            .arity = 2,
            .flags = kAdminFlags,
            .handler = SlowlogReset,
            .since = "2.2.12",
            .summary = "Clear all entries from the slow log",
            .complexity = "O(N) where N is the number of entries in the slowlog",
            .tips = "request_policy:all_nodes response_policy:all_succeeded"},
           {.name = "get",
           .arity = -2,
           .flags = kAdminFlags,
           .handler = SlowlogGet,
           .since = "2.2.12",
           .summary = "Get the slow log's entries",
           .complexity = "O(N) where N is the number of entries returned",
           .syntax = "[count:integer]",
           .tips = "request_policy:all_nodes nondeterministic_output",
           .history = {{"4.0.0", "Added client IP address, port and name to the reply."}}},
           {.name = "len",
           .arity = 2,
           .flags = kAdminFlags,
           .handler = SlowlogLen,
           .since = "2.2.12",
           .summary = "Get the slow log's length",
           .complexity = "O(1)",
           .tips = "request_policy:all_nodes response_policy:agg_sum nondeterministic_output"},
           {.name = "help",
           .arity = 2,
           .flags = kCmdLoading | kCmdStale,
           .handler = SlowlogHelp,
           .since = "6.2.0",
           .summary = "Show helpful text about the different subcommands",
           .complexity = "O(1)"},
       }) {
    slowlog.subcommands.push_back(MakeSpec("server", sub));
  }
  table.Add(std::move(slowlog));
}

}  // namespace keel::server
