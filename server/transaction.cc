// MULTI/EXEC/DISCARD/WATCH/UNWATCH and the watched-key registry, after Redis 7.0's multi.c.
#include "server/transaction.h"

#include <algorithm>

#include "engine/keyspace.h"
#include "engine/parse.h"
#include "server/aof.h"
#include "server/client.h"
#include "server/server.h"

namespace keel::server {

namespace {

using engine::CommandContext;
using engine::EqualsIgnoreCase;

// Logically expired but still in the table (Redis's keyIsExpired).
bool KeyIsExpired(const engine::Db& db, std::string_view key) {
  const engine::Entry* e = db.Find(key);
  return e != nullptr && db.IsExpired(e);
}

void Multi(CommandContext& ctx) {
  MultiState& m = CallingClient(ctx).multi();
  if (m.active) {
    ctx.reply->AddError("MULTI calls can not be nested");
    return;
  }
  m.active = true;
  ctx.reply->AddOk();
}

void Discard(CommandContext& ctx) {
  Client& c = CallingClient(ctx);
  if (!c.multi().active) {
    ctx.reply->AddError("DISCARD without MULTI");
    return;
  }
  DiscardTransaction(c);
  ctx.reply->AddOk();
}

void Exec(CommandContext& ctx) {
  Client& c = CallingClient(ctx);
  Server& server = *c.server();
  MultiState& m = c.multi();
  if (!m.active) {
    ctx.reply->AddError("EXEC without MULTI");
    return;
  }
  if (server.watched_keys().AnyExpired(c)) m.dirty_cas = true;
  // A failure for an error while queueing is an error; a failure for a watched key is a null
  // array, which clients read as "retry".
  if (m.dirty_exec || m.dirty_cas) {
    if (m.dirty_exec) {
      ctx.reply->AddError("-EXECABORT Transaction discarded because of previous errors.");
    } else {
      ctx.reply->AddNullArray();
    }
    DiscardTransaction(c);
    return;
  }
  server.watched_keys().UnwatchAll(c);
  ctx.reply->AddArrayHeader(m.commands.size());
  // The queue stays in place while it runs (CLIENT LIST shows multi=<n> meanwhile): no queued
  // command can change it, since MULTI, EXEC, DISCARD and WATCH are never queued.
  std::vector<std::string_view> views;
  // The log gets the transaction's writes between MULTI and EXEC, or nothing when none wrote.
  server.aof().BeginTransaction();
  for (size_t i = 0; i < m.commands.size(); ++i) {
    const QueuedCommand& q = m.commands[i];
    views.assign(q.args.begin(), q.args.end());
    // Blocking commands reply at once, as if their timeout had passed (Redis's DENY_BLOCKING).
    (void)server.Call(c, q.cmd, views, Server::CallKind::kInExec);
  }
  server.aof().EndTransaction();
  DiscardTransaction(c);
}

void Watch(CommandContext& ctx) {
  Client& c = CallingClient(ctx);
  if (c.multi().active) {
    ctx.reply->AddError("WATCH inside MULTI is not allowed");
    return;
  }
  // Once dirty, the EXEC fails whatever happens to more keys.
  if (!c.multi().dirty_cas) {
    for (size_t i = 1; i < ctx.argc(); ++i) {
      c.server()->watched_keys().Watch(c, *ctx.db, ctx.arg(i));
    }
  }
  ctx.reply->AddOk();
}

void Unwatch(CommandContext& ctx) {
  Client& c = CallingClient(ctx);
  c.server()->watched_keys().UnwatchAll(c);
  c.multi().dirty_cas = false;
  ctx.reply->AddOk();
}

}  // namespace

size_t MultiState::ArgumentBytes() const {
  size_t n = 0;
  for (const QueuedCommand& q : commands) {
    for (const std::string& a : q.args) n += a.size();
  }
  return n;
}

// ---- WatchedKeys ----

void WatchedKeys::Watch(Client& c, engine::Db& db, std::string_view key) {
  MultiState& m = c.multi();
  for (const auto& [index, k] : m.watched) {
    if (index == db.index() && k == key) return;
  }
  KeyMap& keys = per_db_[static_cast<size_t>(db.index())];
  auto it = keys.find(key);
  if (it == keys.end()) it = keys.emplace(std::string(key), std::vector<Watcher>()).first;
  it->second.push_back({&c, KeyIsExpired(db, key)});
  m.watched.emplace_back(db.index(), std::string(key));
}

void WatchedKeys::UnwatchAll(Client& c) {
  MultiState& m = c.multi();
  for (const auto& [index, key] : m.watched) {
    KeyMap& keys = per_db_[static_cast<size_t>(index)];
    auto it = keys.find(key);
    if (it == keys.end()) continue;
    std::vector<Watcher>& w = it->second;
    w.erase(std::remove_if(w.begin(), w.end(), [&c](const Watcher& x) { return x.client == &c; }),
            w.end());
    if (w.empty()) keys.erase(it);
  }
  m.watched.clear();
}

bool WatchedKeys::AnyExpired(Client& c) const {
  Server& server = *c.server();
  for (const auto& [index, key] : c.multi().watched) {
    const KeyMap& keys = per_db_[static_cast<size_t>(index)];
    auto it = keys.find(key);
    if (it == keys.end()) continue;
    for (const Watcher& w : it->second) {
      if (w.client != &c || w.expired) continue;
      if (KeyIsExpired(server.keyspace().db(index), key)) return true;
    }
  }
  return false;
}

void WatchedKeys::MarkDirty(const std::vector<Client*>& clients) {
  for (Client* c : clients) {
    c->multi().dirty_cas = true;
    UnwatchAll(*c);
  }
}

void WatchedKeys::Touch(engine::Db& db, std::string_view key, bool deleted) {
  KeyMap& keys = per_db_[static_cast<size_t>(db.index())];
  if (keys.empty()) return;
  auto it = keys.find(key);
  if (it == keys.end()) return;
  std::vector<Client*> dirty;
  for (Watcher& w : it->second) {
    // A key that was already expired when watched and is now deleted has not logically changed;
    // from now on it is an ordinary absent key.
    if (w.expired && (deleted || db.Find(key) == nullptr)) {
      w.expired = false;
      continue;
    }
    dirty.push_back(w.client);
  }
  MarkDirty(dirty);  // invalidates `it`
}

void WatchedKeys::TouchAllInDb(int db_index, const engine::Db& emptied,
                               const engine::Db* replaced_with) {
  KeyMap& keys = per_db_[static_cast<size_t>(db_index)];
  std::vector<Client*> dirty;
  for (auto& [key, watchers] : keys) {
    bool in_emptied = emptied.Find(key) != nullptr;
    bool in_replacement = replaced_with != nullptr && replaced_with->Find(key) != nullptr;
    if (!in_emptied && !in_replacement) continue;
    for (Watcher& w : watchers) {
      if (w.expired) {
        if (!in_replacement) {
          w.expired = false;  // the expired key is deleted: no logical change
          continue;
        }
        if (KeyIsExpired(*replaced_with, key)) continue;  // expired before, expired now
      } else if (!in_emptied && KeyIsExpired(*replaced_with, key)) {
        w.expired = true;  // an absent key replaced by an expired one: still absent
        continue;
      }
      if (std::find(dirty.begin(), dirty.end(), w.client) == dirty.end()) {
        dirty.push_back(w.client);
      }
    }
  }
  MarkDirty(dirty);
}

size_t WatchedKeys::size() const {
  size_t n = 0;
  for (const KeyMap& keys : per_db_) n += keys.size();
  return n;
}

// ---- Dispatcher hooks ----

bool RunsInsideMulti(const engine::CommandSpec& cmd) {
  if (cmd.parent != nullptr) return false;
  const std::string& n = cmd.name;
  return n == "exec" || n == "discard" || n == "multi" || n == "watch" || n == "quit" ||
         n == "reset";
}

void QueueCommand(Client& c, const engine::CommandSpec* cmd,
                  std::span<const std::string_view> args) {
  MultiState& m = c.multi();
  // An aborted transaction keeps replying QUEUED but stores nothing: EXEC will fail anyway.
  if (!m.dirty_exec && !m.dirty_cas) {
    QueuedCommand q;
    q.cmd = cmd;
    q.args.assign(args.begin(), args.end());
    m.commands.push_back(std::move(q));
    m.cmd_flags |= cmd->flags;
  }
  c.reply().AddSimple("QUEUED");
}

void OnCommandRejected(Client& c, const engine::CommandSpec* cmd, size_t reply_start) {
  if (c.multi().active) c.multi().dirty_exec = true;
  if (cmd == nullptr || cmd->parent != nullptr || cmd->name != "exec") return;
  // A rejected EXEC ends the transaction. Its error was written as "-ERR text" or "-CODE text";
  // Redis sends it as "-EXECABORT Transaction discarded because of: text" (or "CODE text").
  std::string* out = c.reply().buffer();
  if (reply_start >= out->size()) return;
  std::string_view line = std::string_view(*out).substr(reply_start);
  if (line.size() >= 2 && line.substr(line.size() - 2) == "\r\n") line.remove_suffix(2);
  if (line.starts_with("-ERR ")) {
    line.remove_prefix(5);
  } else if (line.starts_with("-")) {
    line.remove_prefix(1);
  }
  std::string text = "-EXECABORT Transaction discarded because of: " + std::string(line) + "\r\n";
  out->resize(reply_start);
  out->append(text);
  DiscardTransaction(c);
}

void DiscardTransaction(Client& c) {
  MultiState& m = c.multi();
  m.active = false;
  m.dirty_exec = false;
  m.dirty_cas = false;
  m.commands.clear();
  m.commands.shrink_to_fit();
  m.cmd_flags = 0;
  c.server()->watched_keys().UnwatchAll(c);
}

void RegisterTransactionCommands(engine::CommandTable& table) {
  using namespace engine;  // NOLINT: flag names
  const uint32_t kTxn = kCmdNoScript | kCmdLoading | kCmdStale;
  AddCommands(table, "transactions",
              {
                  {.name = "multi",
                   .arity = 1,
                   .flags = kTxn | kCmdFast | kCmdAllowBusy,
                   .handler = Multi,
                   .since = "1.2.0",
                   .summary = "Mark the start of a transaction block",
                   .complexity = "O(1)"},
                  {.name = "exec",
                   .arity = 1,
                   .flags = kTxn | kCmdSkipSlowlog,
                   .handler = Exec,
                   .since = "1.2.0",
                   .summary = "Execute all commands issued after MULTI",
                   .complexity = "Depends on commands in the transaction"},
                  {.name = "discard",
                   .arity = 1,
                   .flags = kTxn | kCmdFast | kCmdAllowBusy,
                   .handler = Discard,
                   .since = "2.0.0",
                   .summary = "Discard all commands issued after MULTI",
                   .complexity = "O(N), when N is the number of queued commands"},
                  {.name = "watch",
                   .arity = -2,
                   .flags = kTxn | kCmdFast | kCmdAllowBusy,
                   .first_key = 1,
                   .last_key = -1,
                   .key_step = 1,
                   .handler = Watch,
                   .since = "2.2.0",
                   .summary = "Watch the given keys to determine execution of the MULTI/EXEC block",
                   .complexity = "O(1) for every key.",
                   .syntax = "key [key ...]",
                   .key_flags = kKeyRO},
                  {.name = "unwatch",
                   .arity = 1,
                   .flags = kTxn | kCmdFast | kCmdAllowBusy,
                   .handler = Unwatch,
                   .since = "2.2.0",
                   .summary = "Forget about all watched keys",
                   .complexity = "O(1)"},
              });
}

}  // namespace keel::server
