// CLIENT PAUSE / UNPAUSE and the postponing of paused clients' commands.
#include "server/client_pause.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "engine/parse.h"
#include "server/blocking.h"
#include "server/client.h"
#include "server/server.h"

namespace keel::server {

void ClientPause::Pause(int64_t end_ms, Mode mode) {
  mode_ = std::max(mode_, mode);
  end_ms_ = std::max(end_ms_, end_ms);
  server_->keyspace().expiry_paused = true;
}

void ClientPause::Unpause() {
  mode_ = Mode::kOff;
  end_ms_ = 0;
  server_->keyspace().expiry_paused = false;
  std::vector<uint64_t> ids;
  ids.swap(postponed_);
  for (uint64_t id : ids) {
    auto it = server_->clients().find(id);
    if (it == server_->clients().end()) continue;
    it->second->set_postponed(false);
    // Never from here: CLIENT UNPAUSE is itself running inside a client's request.
    server_->blocked_clients().ResumeLater(*it->second);
  }
}

void ClientPause::CheckTimeout(int64_t now_ms) {
  if (mode_ != Mode::kOff && end_ms_ < now_ms) Unpause();
}

bool ClientPause::Postpones(Client& client, const engine::CommandSpec& cmd) const {
  if (mode_ == Mode::kOff) return false;
  if (mode_ == Mode::kAll) return true;
  constexpr uint32_t kMayWrite = engine::kCmdWrite | engine::kCmdMayReplicate;
  if (cmd.flags & kMayWrite) return true;
  const MultiState& m = client.multi();
  return m.active && cmd.parent == nullptr && cmd.name == "exec" && (m.cmd_flags & kMayWrite);
}

void ClientPause::Postpone(Client& client) {
  client.Postpone();
  postponed_.push_back(client.id());
}

void ClientPause::RemoveClient(Client& client) {
  if (!client.postponed()) return;
  postponed_.erase(std::remove(postponed_.begin(), postponed_.end(), client.id()),
                   postponed_.end());
}

namespace {

}  // namespace

void ClientPauseCommand(engine::CommandContext& ctx) {
  if (ctx.argc() > 4) {
    engine::AddSubcommandSyntaxError(ctx);
    return;
  }
  ClientPause::Mode mode = ClientPause::Mode::kAll;
  if (ctx.argc() == 4) {
    if (engine::EqualsIgnoreCase(ctx.arg(3), "write")) {
      mode = ClientPause::Mode::kWrite;
    } else if (engine::EqualsIgnoreCase(ctx.arg(3), "all")) {
      mode = ClientPause::Mode::kAll;
    } else {
      ctx.reply->AddError("CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  }
  std::optional<int64_t> ms = engine::ParseInt64(ctx.arg(2));
  if (!ms) {
    ctx.reply->AddError("timeout is not an integer or out of range");
    return;
  }
  if (*ms < 0) {
    ctx.reply->AddError("timeout is negative");
    return;
  }
  Server& server = *CallingClient(ctx).server();
  int64_t end = 0;
  if (*ms > 0) {
    // Redis 7.0 adds the current time without an overflow check: a huge timeout wraps to a time
    // in the past, and the pause ends at the next check.
    end = static_cast<int64_t>(static_cast<uint64_t>(*ms) +
                               static_cast<uint64_t>(server.clock().NowMs()));
  }
  server.client_pause().Pause(end, mode);
  ctx.reply->AddOk();
}

void ClientUnpauseCommand(engine::CommandContext& ctx) {
  CallingClient(ctx).server()->client_pause().Unpause();
  ctx.reply->AddOk();
}

}  // namespace keel::server
