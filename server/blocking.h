// Clients blocked by BLPOP, BLMOVE, BZPOPMIN and the other blocking commands (Redis's blocked.c),
// and the queue of clients whose suspended input must be run again (after being served, timing
// out, being unblocked, or at the end of a CLIENT PAUSE).
//
// A blocking handler that has nothing to serve files a BlockRequest (engine/command.h); the
// server then parks the client here: its command (arguments copied), the keys it waits on, in a
// FIFO queue per (db, key), and its deadline. Keys that get a value (Db::AddObject, SWAPDB) are
// marked ready; ServeReadyKeys runs the waiting clients' commands again, oldest first, while the
// key holds a value of the type they wait for. A command that replies unblocks its client; one
// that asks to block again keeps its place and its original deadline.
// Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/command.h"

namespace keel::server {

class Client;
class Server;

class BlockedClients {
 public:
  // `server` must outlive this.
  explicit BlockedClients(Server* server) : server_(server) {}

  // Parks `client`, whose command `cmd` with `args` filed `request`. Its input is suspended until
  // it is unblocked.
  void Block(Client& client, const engine::CommandSpec* cmd, std::span<const std::string_view> args,
             engine::BlockRequest request);

  // Redis's signalKeyAsReady: `key` of db `db` got a value; noted only when someone waits on it.
  void SignalKeyAsReady(int db, std::string_view key);
  // SWAPDB: every waited-on key that now exists in `db` is ready (scanDatabaseForReadyKeys).
  void SignalDbSwapped(int db);
  bool has_ready_keys() const { return !ready_.empty(); }
  // Serves the clients waiting on ready keys until no key is ready. Keys that become ready while
  // serving (BLMOVE pushing into a key others wait on) are served in the same call.
  void ServeReadyKeys();

  // Sends the timeout reply to every client whose deadline is before `now_ms` and unblocks it.
  void HandleTimeouts(int64_t now_ms);
  // CLIENT UNBLOCK: unblocks `client` with its timeout reply, or with -UNBLOCKED when `error`.
  // False when it is not blocked on keys.
  bool Unblock(Client& client, bool error);
  // A disconnecting client leaves every queue.
  void RemoveClient(Client& client);

  // Runs, in order, the pending input of clients queued by ResumeLater (before sleep: never
  // from inside another client's command).
  void ResumeLater(Client& client);
  void ProcessResumed();

  // INFO: clients blocked on keys, and those of them with a deadline (clients_in_timeout_table).
  size_t blocked_count() const { return blocked_.size(); }
  size_t timeout_count() const { return deadlines_.size(); }

 private:
  struct Blocked {
    int db = 0;
    const engine::CommandSpec* cmd = nullptr;
    std::vector<std::string> args;
    engine::BlockRequest request;
  };
  struct KeyRef {
    int db;
    std::string key;
    bool operator==(const KeyRef&) const = default;
  };
  struct KeyRefHash {
    size_t operator()(const KeyRef& k) const {
      return std::hash<std::string>()(k.key) ^ (static_cast<size_t>(k.db) * 0x9e3779b97f4a7c15ull);
    }
  };

  // Runs the waiting clients of one ready key, oldest first.
  void ServeKey(const KeyRef& ref);
  // Removes `id` from its queues and its deadline, clears its suspension and queues its pending
  // input; the caller has written its reply.
  void Finish(Client& client);

  Server* server_;
  std::unordered_map<uint64_t, Blocked> blocked_;                         // by client id
  std::unordered_map<KeyRef, std::deque<uint64_t>, KeyRefHash> waiting_;  // arrival order
  std::set<std::pair<int64_t, uint64_t>> deadlines_;                      // (deadline, id)
  std::vector<KeyRef> ready_;  // in signal order, without duplicates
  std::unordered_set<KeyRef, KeyRefHash> ready_set_;
  std::deque<uint64_t> resumed_;  // client ids whose input should run again
  bool serving_ = false;
};

// CLIENT UNBLOCK client-id [TIMEOUT | ERROR].
void ClientUnblockCommand(engine::CommandContext& ctx);

}  // namespace keel::server
