// MULTI/EXEC/DISCARD/WATCH/UNWATCH (Redis's multi.c): each client's transaction state, the
// registry of watched keys that keyspace changes invalidate, and the dispatcher's hooks for
// queueing commands and for rejections inside a transaction.
// Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/command.h"
#include "engine/db.h"

namespace keel::server {

class Client;

// One command queued between MULTI and EXEC, its arguments copied out of the query buffer.
struct QueuedCommand {
  const engine::CommandSpec* cmd = nullptr;
  std::vector<std::string> args;
};

// A client's transaction state.
struct MultiState {
  bool active = false;      // between MULTI and EXEC/DISCARD
  bool dirty_exec = false;  // a command was rejected while queueing: EXEC replies EXECABORT
  bool dirty_cas = false;   // a watched key changed: EXEC replies a null array
  std::vector<QueuedCommand> commands;
  // The union of the queued commands' flags: CLIENT PAUSE WRITE postpones an EXEC that would
  // write, as Redis checks mstate.cmd_flags.
  uint32_t cmd_flags = 0;
  // The keys this client watches, as (db index, key); WatchedKeys holds the reverse index.
  std::vector<std::pair<int, std::string>> watched;

  // CLIENT LIST's multi=: the number of queued commands, -1 outside MULTI.
  int64_t ListCount() const { return active ? static_cast<int64_t>(commands.size()) : -1; }
  // CLIENT LIST's multi-mem: bytes of the queued arguments.
  size_t ArgumentBytes() const;
};

// Which clients watch which keys, per db (Redis's db->watched_keys). A touched key marks its
// watchers dirty so their EXEC fails. A key that was already logically expired when it was
// watched is remembered as such: its deletion is then no change (Redis 7.0's watchedKey.expired).
class WatchedKeys {
 public:
  explicit WatchedKeys(int num_dbs) : per_db_(static_cast<size_t>(num_dbs)) {}

  // WATCH: `c` watches `key` of `db` (no-op when it already does).
  void Watch(Client& c, engine::Db& db, std::string_view key);
  // UNWATCH, EXEC, DISCARD, disconnection. The dirty flag is the caller's to clear.
  void UnwatchAll(Client& c);
  // EXEC: true when a key watched live has expired since (Redis's isWatchedKeyExpired).
  bool AnyExpired(Client& c) const;

  // Redis's touchWatchedKey: `key` of `db` was written. `deleted`: the key is gone (or going:
  // expiry tells before it frees the entry).
  void Touch(engine::Db& db, std::string_view key, bool deleted);
  // Redis's touchAllWatchedKeysInDb for FLUSHDB/FLUSHALL (`replaced_with` null, before the keys
  // go) and SWAPDB: the watched keys of db index `db_index` used to live in `emptied`, and what
  // is now there comes from `replaced_with`.
  void TouchAllInDb(int db_index, const engine::Db& emptied, const engine::Db* replaced_with);

  // Watched (db, key) pairs, all clients together.
  size_t size() const;

 private:
  struct Watcher {
    Client* client;
    bool expired;  // the key was logically expired when watched
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using KeyMap = std::unordered_map<std::string, std::vector<Watcher>, Hash, std::equal_to<>>;

  // Sets the dirty flag of each client and drops its watches: nothing can undo the failure, so
  // there is no point in hearing about its keys again before EXEC.
  void MarkDirty(const std::vector<Client*>& clients);

  std::vector<KeyMap> per_db_;
};

// True for the commands that run at once inside MULTI instead of being queued.
bool RunsInsideMulti(const engine::CommandSpec& cmd);
// Queues `cmd` for EXEC and replies +QUEUED (Redis's queueMultiCommand).
void QueueCommand(Client& c, const engine::CommandSpec* cmd,
                  std::span<const std::string_view> args);
// The dispatcher rejected a request (unknown command, arity, no_multi, NOAUTH, OOM, ...) after
// writing its error from `reply_start` on: inside MULTI the transaction is flagged to fail, and a
// rejected EXEC discards it, its error turned into "-EXECABORT Transaction discarded because of:
// <error>" (Redis's flagTransaction and execCommandAbort). `cmd` is null for an unknown command.
void OnCommandRejected(Client& c, const engine::CommandSpec* cmd, size_t reply_start);
// Ends the transaction and forgets the watched keys (Redis's discardTransaction).
void DiscardTransaction(Client& c);

void RegisterTransactionCommands(engine::CommandTable& table);

}  // namespace keel::server
