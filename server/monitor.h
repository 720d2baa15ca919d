// MONITOR: the clients that watch every command the server runs, the line each of them receives,
// and which arguments are hidden from it (and from the slow log) as Redis hides them.
// Loop thread only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keel::engine {
struct CommandSpec;
}

namespace keel::server {

class ConfigStore;

// One MONITOR line as a status reply: `+<sec>.<usec> [<db> <peer>] "arg" "arg"...\r\n`.
std::string FormatMonitorLine(int64_t unix_us, int db, std::string_view peer,
                              std::span<const std::string_view> args);

// The text Redis puts in place of a hidden argument.
inline constexpr std::string_view kRedactedArg = "(redacted)";

// Which arguments of a command Redis 7.0 redacts in MONITOR and the slow log: AUTH's password
// (and user), HELLO's AUTH pair, and CONFIG SET's values of sensitive options (requirepass, ...).
// Returns an empty vector when nothing is hidden, else one flag per argument.
std::vector<bool> RedactedArguments(const engine::CommandSpec& cmd,
                                    std::span<const std::string_view> args,
                                    const ConfigStore& config);

class Client;

// The monitoring clients, in the order they ran MONITOR. A client is removed before it is
// deleted.
class MonitorList {
 public:
  void Add(Client* client) { clients_.push_back(client); }
  void Remove(const Client* client);
  bool Contains(const Client* client) const;
  bool empty() const { return clients_.empty(); }
  const std::vector<Client*>& clients() const { return clients_; }

 private:
  std::vector<Client*> clients_;
};

}  // namespace keel::server
