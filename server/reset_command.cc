// RESET: returns a connection to the state of a fresh one (Redis's clearClientConnectionState):
// no MONITOR, db 0, default user (unauthenticated again when requirepass is set), no
// transaction or watched keys, no subscriptions (left silently), no name.
#include "server/client.h"
#include "server/server.h"
#include "server/transaction.h"

namespace keel::server {

namespace {

void Reset(engine::CommandContext& ctx) {
  Client& client = CallingClient(ctx);
  Server& server = *client.server();
  server.ClearPubSubAndMonitor(client);
  client.db_index = 0;
  client.SetAuthenticated(server.config().requirepass.empty());
  DiscardTransaction(client);
  client.set_name(std::string());
  ctx.reply->AddSimple("RESET");
}

}  // namespace

void RegisterResetCommand(engine::CommandTable& table) {
  using namespace engine;  // NOLINT: flag names
  AddCommands(
      table, "connection",
      {
          {.name = "reset",
           .arity = 1,
           .flags = kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth | kCmdAllowBusy,
           .handler = Reset,
           .since = "6.2.0",
           .summary = "Reset the connection",
           .complexity = "O(1)"},
      });
}

}  // namespace keel::server
