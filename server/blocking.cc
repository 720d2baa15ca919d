// Blocked clients: parking, serving ready keys in arrival order, timeouts, CLIENT UNBLOCK, and the
// queue of clients whose suspended input runs again before sleep.
#include "server/blocking.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "engine/keyspace.h"
#include "engine/parse.h"
#include "server/client.h"
#include "server/server.h"

namespace keel::server {

namespace {

constexpr std::string_view kUnblockedError = "-UNBLOCKED client unblocked via CLIENT UNBLOCK";

// Redis 7.0's replyToBlockedClientTimedOut sends a null array to every client blocked on list,
// sorted set or stream keys, BLMOVE and BRPOPLPUSH included (RESP2 has no plain null); only their
// immediate reply where blocking is not allowed (MULTI) is a null bulk, which the handler writes.
void AddTimeoutReply(Client& c, const engine::BlockRequest& /*request*/) {
  c.reply().AddNullArray();
}

Client* FindClient(Server& server, uint64_t id) {
  auto it = server.clients().find(id);
  return it == server.clients().end() ? nullptr : it->second;
}

}  // namespace

void BlockedClients::Block(Client& client, const engine::CommandSpec* cmd,
                           std::span<const std::string_view> args, engine::BlockRequest request) {
  const uint64_t id = client.id();
  Blocked b;
  b.db = client.db_index;
  b.cmd = cmd;
  b.args.assign(args.begin(), args.end());
  b.request = std::move(request);
  // One place per key, however often the key is named (Redis keeps the keys in a set).
  std::vector<std::string>& keys = b.request.keys;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (std::find(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(i), keys[i]) !=
        keys.begin() + static_cast<std::ptrdiff_t>(i)) {
      continue;
    }
    waiting_[KeyRef{b.db, keys[i]}].push_back(id);
  }
  if (b.request.deadline_ms != 0) deadlines_.emplace(b.request.deadline_ms, id);
  blocked_[id] = std::move(b);
  client.set_blocked(true);
}

void BlockedClients::SignalKeyAsReady(int db, std::string_view key) {
  if (waiting_.empty()) return;
  KeyRef ref{db, std::string(key)};
  if (!waiting_.contains(ref) || ready_set_.contains(ref)) return;
  ready_set_.insert(ref);
  ready_.push_back(std::move(ref));
}

void BlockedClients::SignalDbSwapped(int db) {
  engine::Db& d = server_->keyspace().db(db);
  std::vector<std::string> present;
  for (const auto& [ref, ids] : waiting_) {
    if (ref.db == db && d.Find(ref.key) != nullptr) present.push_back(ref.key);
  }
  for (const std::string& key : present) SignalKeyAsReady(db, key);
}

void BlockedClients::ServeReadyKeys() {
  // Commands run here may make more keys ready; the loop below picks them up, so a nested call
  // has nothing to add.
  if (serving_) return;
  serving_ = true;
  while (!ready_.empty()) {
    std::vector<KeyRef> batch;
    batch.swap(ready_);
    ready_set_.clear();
    for (const KeyRef& ref : batch) ServeKey(ref);
  }
  serving_ = false;
}

void BlockedClients::ServeKey(const KeyRef& ref) {
  auto q = waiting_.find(ref);
  if (q == waiting_.end()) return;
  // A copy: serving a client removes it from this queue (and may remove the queue).
  std::vector<uint64_t> ids(q->second.begin(), q->second.end());
  engine::Keyspace& ks = server_->keyspace();
  for (uint64_t id : ids) {
    auto b = blocked_.find(id);
    Client* c = FindClient(*server_, id);
    if (b == blocked_.end() || c == nullptr) continue;
    ks.UpdateTime();
    engine::Entry* e = ks.db(ref.db).LookupWrite(ref.key);
    if (e == nullptr) return;  // consumed (or expired): the others keep waiting
    Blocked& bl = b->second;
    if (e->type() != bl.request.type) continue;  // waits for another type: keeps its place
    std::vector<std::string_view> args(bl.args.begin(), bl.args.end());
    formats::ReplyWriter& reply = c->reply();
    const uint64_t errors_before = reply.errors();
    const size_t reply_start = reply.buffer()->size();
    std::optional<engine::BlockRequest> again =
        server_->Call(*c, bl.cmd, args, Server::CallKind::kServeBlocked, ref.key);
    if (uint64_t errors = reply.errors() - errors_before; errors != 0) {
      server_->CountErrorReplies(std::string_view(*reply.buffer()).substr(reply_start), errors);
    }
    // Blocking again (nothing it can use after all) keeps the first request: its place in the
    // queues and its deadline, which the new request would have moved.
    if (again) continue;
    Finish(*c);
  }
}

void BlockedClients::HandleTimeouts(int64_t now_ms) {
  while (!deadlines_.empty() && deadlines_.begin()->first < now_ms) {
    const uint64_t id = deadlines_.begin()->second;
    Client* c = FindClient(*server_, id);
    auto b = blocked_.find(id);
    if (c == nullptr || b == blocked_.end()) {
      deadlines_.erase(deadlines_.begin());
      continue;
    }
    AddTimeoutReply(*c, b->second.request);
    server_->RecordUnblockedCall(b->second.cmd, false);
    Finish(*c);
  }
}

bool BlockedClients::Unblock(Client& client, bool error) {
  auto b = blocked_.find(client.id());
  if (b == blocked_.end()) return false;
  if (error) {
    client.reply().AddError(kUnblockedError);
    server_->CountErrorReplies(std::string(kUnblockedError) + "\r\n", 1);
  } else {
    AddTimeoutReply(client, b->second.request);
  }
  server_->RecordUnblockedCall(b->second.cmd, error);
  Finish(client);
  return true;
}

void BlockedClients::RemoveClient(Client& client) {
  auto b = blocked_.find(client.id());
  if (b == blocked_.end()) return;
  const Blocked& bl = b->second;
  for (const std::string& key : bl.request.keys) {
    auto q = waiting_.find(KeyRef{bl.db, key});
    if (q == waiting_.end()) continue;
    std::deque<uint64_t>& ids = q->second;
    ids.erase(std::remove(ids.begin(), ids.end(), client.id()), ids.end());
    if (ids.empty()) waiting_.erase(q);
  }
  if (bl.request.deadline_ms != 0) deadlines_.erase({bl.request.deadline_ms, client.id()});
  blocked_.erase(b);
  client.set_blocked(false);
}

void BlockedClients::Finish(Client& client) {
  RemoveClient(client);
  client.WakeWriter();
  ResumeLater(client);
}

void BlockedClients::ResumeLater(Client& client) { resumed_.push_back(client.id()); }

void BlockedClients::ProcessResumed() {
  while (!resumed_.empty()) {
    const uint64_t id = resumed_.front();
    resumed_.pop_front();
    if (Client* c = FindClient(*server_, id)) c->ResumeInput();
  }
}

void ClientUnblockCommand(engine::CommandContext& ctx) {
  if (ctx.argc() > 4) {
    engine::AddSubcommandSyntaxError(ctx);
    return;
  }
  bool error = false;
  if (ctx.argc() == 4) {
    if (engine::EqualsIgnoreCase(ctx.arg(3), "timeout")) {
      error = false;
    } else if (engine::EqualsIgnoreCase(ctx.arg(3), "error")) {
      error = true;
    } else {
      ctx.reply->AddError("CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  std::optional<int64_t> id = engine::ParseInt64(ctx.arg(2));
  if (!id) {
    ctx.reply->AddError(engine::kErrNotInteger);
    return;
  }
  Server& server = *CallingClient(ctx).server();
  Client* target = *id > 0 ? FindClient(server, static_cast<uint64_t>(*id)) : nullptr;
  bool unblocked = target != nullptr && server.blocked_clients().Unblock(*target, error);
  ctx.reply->AddInteger(unblocked ? 1 : 0);
}

}  // namespace keel::server
