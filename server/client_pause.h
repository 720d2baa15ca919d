// CLIENT PAUSE and CLIENT UNPAUSE (Redis 7.0's pauseClients): while a pause lasts, clients whose
// next command it covers are postponed, their input suspended with that command still unconsumed,
// and run again in order when the pause ends. WRITE covers commands that write or may replicate
// (and an EXEC whose queue holds one); ALL covers every command, CLIENT UNPAUSE included, as in
// Redis. Expiry (and eviction) wait too, so the dataset does not change under a paused server.
// Loop thread only.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/command.h"

namespace keel::server {

class Client;
class Server;

class ClientPause {
 public:
  enum class Mode : uint8_t { kOff, kWrite, kAll };  // ordered: a wider pause is greater

  // `server` must outlive this.
  explicit ClientPause(Server* server) : server_(server) {}

  // CLIENT PAUSE: the pause lasts until the later of its current end and `end_ms`, in the wider
  // of the two modes.
  void Pause(int64_t end_ms, Mode mode);
  // CLIENT UNPAUSE, or the end of the pause: postponed clients run again (before sleep).
  void Unpause();
  // Ends the pause once its time has passed (cron, before sleep).
  void CheckTimeout(int64_t now_ms);

  // True when `cmd` from `client` must wait for the end of the pause.
  bool Postpones(Client& client, const engine::CommandSpec& cmd) const;
  // Suspends `client`, leaving the request being run unconsumed.
  void Postpone(Client& client);
  // A disconnecting client is no longer waiting.
  void RemoveClient(Client& client);
  // True while writes are paused: active expiry and eviction hold off.
  bool writes_paused() const { return mode_ != Mode::kOff; }
  Mode mode() const { return mode_; }
  size_t postponed_count() const { return postponed_.size(); }

 private:
  Server* server_;
  Mode mode_ = Mode::kOff;
  int64_t end_ms_ = 0;
  std::vector<uint64_t> postponed_;  // client ids, in postponing order
};

// CLIENT PAUSE timeout [WRITE | ALL], CLIENT UNPAUSE.
void ClientPauseCommand(engine::CommandContext& ctx);
void ClientUnpauseCommand(engine::CommandContext& ctx);

}  // namespace keel::server
