// A server that is never started, with clients that have no socket: requests go in through
// Server::Execute and replies (and pushed messages) are read back from each client's buffer.
// For dispatcher-level tests of pub/sub, MONITOR and the slow log.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/client.h"
#include "server/config.h"
#include "server/server.h"

namespace keel::server::testing {

class DetachedClients {
 public:
  DetachedClients() : server_(std::make_unique<ConfigStore>()) {}
  ~DetachedClients() {
    // The clients live outside the server's table: let it forget them before they go.
    for (auto& c : clients_) server_.RemoveClient(c.get());
  }

  Client& NewClient(const char* ip = "127.0.0.1", int port = 50000) {
    io::PeerAddress peer{};
    std::snprintf(peer.ip, sizeof(peer.ip), "%s", ip);
    peer.port = port + static_cast<int>(clients_.size());
    peer.is_loopback = true;
    clients_.push_back(std::make_unique<Client>(&server_, next_id_++, -1, peer, "127.0.0.1:6379"));
    return *clients_.back();
  }

  // Runs one request and returns everything the client has received since the last Take (the
  // reply, and whatever was pushed to it before).
  std::string Run(Client& c, std::vector<std::string_view> args) {
    server_.Execute(c, args);
    return Take(c);
  }
  // Everything written to `c` so far, then forgotten.
  static std::string Take(Client& c) {
    std::string out = *c.reply().buffer();
    c.reply().buffer()->clear();
    return out;
  }

  Server& server() { return server_; }

 private:
  Server server_;
  uint64_t next_id_ = 1;
  std::vector<std::unique_ptr<Client>> clients_;
};

}  // namespace keel::server::testing
