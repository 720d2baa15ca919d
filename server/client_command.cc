// CLIENT ID | SETNAME | GETNAME | LIST | INFO | KILL | HELP.
#include <vector>

#include "engine/parse.h"
#include "server/blocking.h"
#include "server/client.h"
#include "server/client_pause.h"
#include "server/server.h"

namespace keel::server {

bool IsValidClientName(std::string_view name);  // connection_commands.cc

namespace {

using engine::CommandContext;
using engine::CommandSpec;
using engine::EqualsIgnoreCase;

bool ValidClientType(std::string_view type) {
  return EqualsIgnoreCase(type, "normal") || EqualsIgnoreCase(type, "master") ||
         EqualsIgnoreCase(type, "replica") || EqualsIgnoreCase(type, "slave") ||
         EqualsIgnoreCase(type, "pubsub");
}

// Redis's getClientType: a subscriber is "pubsub"; every other Keel client (MONITOR clients
// included, as Redis shows them) is "normal" until replication exists.
bool ClientIsType(const Client& c, std::string_view type) {
  bool pubsub = c.server()->pubsub().IsSubscriber(&c);
  return EqualsIgnoreCase(type, pubsub ? "pubsub" : "normal");
}

void ClientId(CommandContext& ctx) {
  ctx.reply->AddInteger(static_cast<int64_t>(CallingClient(ctx).id()));
}

void ClientSetName(CommandContext& ctx) {
  if (!IsValidClientName(ctx.arg(2))) {
    ctx.reply->AddError("Client names cannot contain spaces, newlines or special characters.");
    return;
  }
  CallingClient(ctx).set_name(std::string(ctx.arg(2)));
  ctx.reply->AddOk();
}

void ClientGetName(CommandContext& ctx) {
  const std::string& name = CallingClient(ctx).name();
  if (name.empty()) {
    ctx.reply->AddNullBulk();
  } else {
    ctx.reply->AddBulk(name);
  }
}

void ClientList(CommandContext& ctx) {
  Client& self = CallingClient(ctx);
  Server& server = *self.server();
  std::string type;
  std::vector<uint64_t> ids;
  if (ctx.argc() == 4 && EqualsIgnoreCase(ctx.arg(2), "TYPE")) {
    if (!ValidClientType(ctx.arg(3))) {
      ctx.reply->AddError("Unknown client type '" + std::string(ctx.arg(3)) + "'");
      return;
    }
    type = ctx.arg(3);
  } else if (ctx.argc() > 3 && EqualsIgnoreCase(ctx.arg(2), "ID")) {
    for (size_t i = 3; i < ctx.argc(); ++i) {
      auto id = engine::ParseInt64(ctx.arg(i));
      if (!id || *id <= 0) {
        ctx.reply->AddError("Invalid client ID");
        return;
      }
      ids.push_back(static_cast<uint64_t>(*id));
    }
  } else if (ctx.argc() != 2) {
    ctx.reply->AddError(engine::kErrSyntax);
    return;
  }
  int64_t now = server.clock().NowMs();
  std::string out;
  auto add = [&](const Client& c) {
    out += c.InfoLine(now);
    out += '\n';
  };
  if (!ids.empty()) {
    for (uint64_t id : ids) {
      auto it = server.clients().find(id);
      if (it != server.clients().end()) add(*it->second);
    }
  } else {
    for (const auto& [id, c] : server.clients()) {
      if (type.empty() || ClientIsType(*c, type)) add(*c);
    }
  }
  ctx.reply->AddBulk(out);
}

void ClientInfo(CommandContext& ctx) {
  Client& self = CallingClient(ctx);
  ctx.reply->AddBulk(self.InfoLine(self.server()->clock().NowMs()) + "\n");
}

void ClientKill(CommandContext& ctx) {
  Client& self = CallingClient(ctx);
  Server& server = *self.server();
  std::vector<Client*> victims;
  if (ctx.argc() == 3) {
    // Old form: CLIENT KILL addr:port.
    for (const auto& [id, c] : server.clients()) {
      if (c->addr() == ctx.arg(2)) victims.push_back(c);
    }
    if (victims.empty()) {
      ctx.reply->AddError("No such client");
      return;
    }
  } else {
    if ((ctx.argc() - 2) % 2 != 0) {
      ctx.reply->AddError(engine::kErrSyntax);
      return;
    }
    uint64_t id = 0;
    std::string type, addr, laddr, user;
    bool skipme = true;
    for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
      std::string_view opt = ctx.arg(i), val = ctx.arg(i + 1);
      if (EqualsIgnoreCase(opt, "ID")) {
        auto v = engine::ParseInt64(val);
        if (!v || *v <= 0) {
          ctx.reply->AddError("client-id should be greater than 0");
          return;
        }
        id = static_cast<uint64_t>(*v);
      } else if (EqualsIgnoreCase(opt, "TYPE")) {
        if (!ValidClientType(val)) {
          ctx.reply->AddError("Unknown client type '" + std::string(val) + "'");
          return;
        }
        type = val;
      } else if (EqualsIgnoreCase(opt, "ADDR")) {
        addr = val;
      } else if (EqualsIgnoreCase(opt, "LADDR")) {
        laddr = val;
      } else if (EqualsIgnoreCase(opt, "USER")) {
        if (val != "default") {
          ctx.reply->AddError("No such user '" + std::string(val) + "'");
          return;
        }
        user = val;
      } else if (EqualsIgnoreCase(opt, "SKIPME")) {
        if (EqualsIgnoreCase(val, "yes")) {
          skipme = true;
        } else if (EqualsIgnoreCase(val, "no")) {
          skipme = false;
        } else {
          ctx.reply->AddError(engine::kErrSyntax);
          return;
        }
      } else {
        ctx.reply->AddError(engine::kErrSyntax);
        return;
      }
    }
    for (const auto& [cid, c] : server.clients()) {
      if (id != 0 && c->id() != id) continue;
      if (!type.empty() && !ClientIsType(*c, type)) continue;
      if (!addr.empty() && c->addr() != addr) continue;
      if (!laddr.empty() && c->laddr() != laddr) continue;
      if (skipme && c == &self) continue;
      victims.push_back(c);
    }
  }
  size_t killed = 0;
  for (Client* c : victims) {
    ++killed;
    if (c == &self) {
      self.CloseAfterReply();  // reply first, then close, as Redis does for a self-kill
    } else if (!c->closing()) {
      server.loop().Close(c->conn_id(), false);
    }
  }
  if (ctx.argc() == 3) {
    ctx.reply->AddOk();
  } else {
    ctx.reply->AddInteger(static_cast<int64_t>(killed));
  }
}

void ClientHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (normal|master|replica|pubsub)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "    * ID <client-id>",
      "      Kill connections by client id.",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend all, or just write, clients for <timeout> milliseconds.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply->AddArrayHeader(sizeof(kLines) / sizeof(kLines[0]));
  for (const char* line : kLines) ctx.reply->AddSimple(line);
}

}  // namespace

void RegisterClientCommand(engine::CommandTable& table) {
  using namespace engine;  // NOLINT: flag names
  const uint32_t kConn = kCmdNoScript | kCmdLoading | kCmdStale;
  const char* kAllClients = "O(N) where N is the number of client connections";
  CommandSpec client =
      MakeSpec("connection", {.name = "client",
                              .arity = -2,
                              .since = "2.4.0",
                              .summary = "A container for client connection commands",
                              .complexity = "Depends on subcommand."});
  for (const SpecInit& sub : std::initializer_list<SpecInit>{
           {.name = "id",
            .arity = 2,
            .flags = kConn,
            .handler = ClientId,
            .since = "5.0.0",
            .summary = "Returns the client ID for the current connection",
            .complexity = "O(1)"},
           {.name = "setname",
           .arity = 3,
           .flags = kConn,
           .handler = ClientSetName,
           .since = "2.6.9",
           .summary = "Set the current connection name",
           .complexity = "O(1)",
           .syntax = "connection-name"},
           {.name = "getname",
           .arity = 2,
           .flags = kConn,
           .handler = ClientGetName,
           .since = "2.6.9",
           .summary = "Get the current connection name",
           .complexity = "O(1)"},
           {.name = "list",
           .arity = -2,
           .flags = kCmdAdmin | kConn,
           .handler = ClientList,
           .since = "2.4.0",
           .summary = "Get the list of client connections",
           .complexity = kAllClients,
           .syntax = "[TYPE@5.0.0 <normal_master_replica_pubsub: NORMAL | MASTER | REPLICA | "
                     "PUBSUB>] [ID@6.2.0 <id: client-id:integer [client-id ...]>]",
           .tips = "nondeterministic_output",
           .history = {{"2.8.12", "Added unique client `id` field."},
                       {"5.0.0", "Added optional `TYPE` filter."},
                       {"6.0.0", "Added `user` field."},
                       {"6.2.0",
                        "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the "
                        "optional `ID` filter."},
                       {"7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."},
                       {"7.0.3", "Added `ssub` field."}}},
           {.name = "info",
           .arity = 2,
           .flags = kConn,
           .handler = ClientInfo,
           .since = "6.2.0",
           .summary = "Returns information about the current client connection.",
           .complexity = "O(1)",
           .tips = "nondeterministic_output"},
           {.name = "kill",
           .arity = -3,
           .flags = kCmdAdmin | kConn,
           .handler = ClientKill,
           .since = "2.4.0",
           .summary = "Kill the connection of a client",
           .complexity = kAllClients,
           .syntax = "<filter: ip:port@-2.8.12 | <new-format: [ID@2.8.12 client-id:integer] | "
                     "[TYPE@2.8.12 <normal_master_slave_pubsub: NORMAL | MASTER@3.2.0 | SLAVE | "
                     "REPLICA@5.0.0 | PUBSUB>] | [USER username] | [ADDR ip:port] | "
                     "[LADDR@6.2.0 ip:port] | [SKIPME yes/no]> ...>",
           .history = {{"2.8.12", "Added new filter format."},
                       {"2.8.12", "`ID` option."},
                       {"3.2.0", "Added `master` type in for `TYPE` option."},
                       {"5.0.0",
                        "Replaced `slave` `TYPE` with `replica`. `slave` still supported "
                        "for backward compatibility."},
                       {"6.2.0", "`LADDR` option."}}},
           {.name = "pause",
           .arity = -3,
           .flags = kCmdAdmin | kConn,
           .handler = ClientPauseCommand,
           .since = "2.9.50",
           .summary = "Stop processing commands from clients for some time",
           .complexity = "O(1)",
           .syntax = "timeout:integer [mode@6.2.0: WRITE | ALL]",
           .history = {{"6.2.0",
                        "`CLIENT PAUSE WRITE` mode added along with the `mode` option."}}},
           {.name = "unpause",
           .arity = 2,
           .flags = kCmdAdmin | kConn,
           .handler = ClientUnpauseCommand,
           .since = "6.2.0",
           .summary = "Resume processing of clients that were paused",
           .complexity = "O(N) Where N is the number of paused clients"},
           {.name = "unblock",
           .arity = -3,
           .flags = kCmdAdmin | kConn,
           .handler = ClientUnblockCommand,
           .since = "5.0.0",
           .summary = "Unblock a client blocked in a blocking command from a different connection",
           .complexity = "O(log N) where N is the number of client connections",
           .syntax = "client-id:integer [timeout_error: TIMEOUT | ERROR]"},
           {.name = "help",
           .arity = 2,
           .flags = kCmdLoading | kCmdStale,
           .handler = ClientHelp,
           .since = "5.0.0",
           .summary = "Show helpful text about the different subcommands",
           .complexity = "O(1)"},
       }) {
    client.subcommands.push_back(MakeSpec("connection", sub));
  }
  table.Add(std::move(client));
}

}  // namespace keel::server
