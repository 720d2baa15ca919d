// Connection commands: PING ECHO QUIT HELLO AUTH. Keel speaks RESP2 only; HELLO 3 is refused with
// -NOPROTO, which clients treat as "stay on RESP2".
#include <algorithm>

#include "engine/parse.h"
#include "server/client.h"
#include "server/server.h"
#include "server/version.h"

namespace keel::server {

namespace {

using engine::CommandContext;

constexpr std::string_view kWrongPass =
    "-WRONGPASS invalid username-password pair or user is disabled.";

// Constant-time comparison so the password cannot be found byte by byte through timing.
bool PasswordMatches(std::string_view given, std::string_view expected) {
  size_t n = std::max(given.size(), expected.size());
  unsigned diff = given.size() != expected.size() ? 1u : 0u;
  for (size_t i = 0; i < n; ++i) {
    unsigned a = i < given.size() ? static_cast<unsigned char>(given[i]) : 0u;
    unsigned b = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0u;
    diff |= a ^ b;
  }
  return diff == 0;
}

// Checks a username/password pair against the default user; true on success.
bool CheckCredentials(Server& server, std::string_view user, std::string_view pass) {
  if (user != "default") return false;
  const std::string& required = server.config().requirepass;
  if (required.empty()) return true;  // the default user has no password
  return PasswordMatches(pass, required);
}

bool ValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

void Ping(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    ctx.reply->AddError("wrong number of arguments for 'ping' command");
    return;
  }
  // A subscribed RESP2 connection cannot tell a +PONG from pushed messages, so it gets an array.
  if (auto* client = dynamic_cast<Client*>(ctx.session);
      client != nullptr && client->server()->pubsub().IsSubscriber(client)) {
    ctx.reply->AddArrayHeader(2);
    ctx.reply->AddBulk("pong");
    ctx.reply->AddBulk(ctx.argc() == 1 ? std::string_view() : ctx.arg(1));
    return;
  }
  if (ctx.argc() == 1) {
    ctx.reply->AddSimple("PONG");
  } else {
    ctx.reply->AddBulk(ctx.arg(1));
  }
}

void Echo(CommandContext& ctx) { ctx.reply->AddBulk(ctx.arg(1)); }

void Quit(CommandContext& ctx) {
  ctx.reply->AddOk();
  CallingClient(ctx).CloseAfterReply();
}

void Auth(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply->AddError(engine::kErrSyntax);
    return;
  }
  Client& client = CallingClient(ctx);
  Server& server = *client.server();
  if (ctx.argc() == 2 && server.config().requirepass.empty()) {
    ctx.reply->AddError(
        "AUTH <password> called without any password configured for the default user. Are you "
        "sure your configuration is correct?");
    return;
  }
  std::string_view user = ctx.argc() == 3 ? ctx.arg(1) : "default";
  std::string_view pass = ctx.argc() == 3 ? ctx.arg(2) : ctx.arg(1);
  if (CheckCredentials(server, user, pass)) {
    client.SetAuthenticated(true);
    ctx.reply->AddOk();
  } else {
    ctx.reply->AddError(kWrongPass);
  }
}

void Hello(CommandContext& ctx) {
  Client& client = CallingClient(ctx);
  Server& server = *client.server();
  if (ctx.argc() >= 2) {
    auto ver = engine::ParseInt64(ctx.arg(1));
    if (!ver) {
      ctx.reply->AddError("Protocol version is not an integer or out of range");
      return;
    }
    if (*ver != 2) {
      ctx.reply->AddError("-NOPROTO unsupported protocol version");
      return;
    }
  }
  std::string_view auth_user, auth_pass, setname;
  bool has_auth = false, has_setname = false;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    size_t more = ctx.argc() - i - 1;
    if (engine::EqualsIgnoreCase(ctx.arg(i), "AUTH") && more >= 2) {
      has_auth = true;
      auth_user = ctx.arg(i + 1);
      auth_pass = ctx.arg(i + 2);
      i += 2;
    } else if (engine::EqualsIgnoreCase(ctx.arg(i), "SETNAME") && more >= 1) {
      has_setname = true;
      setname = ctx.arg(i + 1);
      i += 1;
    } else {
      ctx.reply->AddError("Syntax error in HELLO option '" + std::string(ctx.arg(i)) + "'");
      return;
    }
  }
  if (has_auth) {
    if (!CheckCredentials(server, auth_user, auth_pass)) {
      ctx.reply->AddError(kWrongPass);
      return;
    }
    client.SetAuthenticated(true);
  }
  if (server.AuthRequired(client)) {
    ctx.reply->AddError(
        "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "AUTH <user> <pass> option can be used to authenticate the client and select the "
        "RESP protocol version at the same time");
    return;
  }
  if (has_setname) {
    if (!ValidClientName(setname)) {
      ctx.reply->AddError("Client names cannot contain spaces, newlines or special characters.");
      return;
    }
    client.set_name(std::string(setname));
  }
  formats::ReplyWriter& r = *ctx.reply;
  r.AddMapHeader(7);
  r.AddBulk("server");
  r.AddBulk("keel");
  r.AddBulk("version");
  r.AddBulk(kRedisCompatVersion);
  r.AddBulk("proto");
  r.AddInteger(2);
  r.AddBulk("id");
  r.AddInteger(static_cast<int64_t>(client.id()));
  r.AddBulk("mode");
  r.AddBulk("standalone");
  r.AddBulk("role");
  r.AddBulk("master");
  r.AddBulk("modules");
  r.AddArrayHeader(0);
}

}  // namespace

bool IsValidClientName(std::string_view name) { return ValidClientName(name); }

void RegisterConnectionCommands(engine::CommandTable& table) {
  using namespace engine;  // NOLINT: flag names
  const uint32_t kHandshake =
      kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth | kCmdAllowBusy;
  AddCommands(
      table, "connection",
      {
          {.name = "ping",
           .arity = -1,
           .flags = kCmdFast,
           .handler = Ping,
           .since = "1.0.0",
           .summary = "Ping the server",
           .complexity = "O(1)",
           .syntax = "[message]",
           .tips = "request_policy:all_shards response_policy:all_succeeded"},
          {.name = "echo",
           .arity = 2,
           .flags = kCmdLoading | kCmdStale | kCmdFast,
           .handler = Echo,
           .since = "1.0.0",
           .summary = "Echo the given string",
           .complexity = "O(1)",
           .syntax = "message"},
          {.name = "quit",
           .arity = -1,
           .flags = kCmdAllowBusy | kCmdNoAuth | kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast,
           .handler = Quit,
           .since = "1.0.0",
           .summary = "Close the connection",
           .complexity = "O(1)"},
          {.name = "auth",
           .arity = -2,
           .flags = kHandshake,
           .handler = Auth,
           .since = "1.0.0",
           .summary = "Authenticate to the server",
           .complexity = "O(N) where N is the number of passwords defined for the user",
           .syntax = "[username@6.0.0] password",
           .history = {{"6.0.0", "Added ACL style (username and password)."}}},
          {.name = "hello",
           .arity = -1,
           .flags = kHandshake,
           .handler = Hello,
           .since = "6.0.0",
           .summary = "Handshake with Redis",
           .complexity = "O(1)",
           .syntax = "[arguments: protover [AUTH <username_password: username password>] "
                     "[SETNAME clientname]]",
           .history = {{"6.2.0",
                        "`protover` made optional; when called without arguments the command "
                        "reports the current connection's context."}}},
      });
}

}  // namespace keel::server
