// The server: owns the configuration, the keyspace, the command table, the event loop and the
// clients; dispatches commands (arity, authentication and protected-mode checks happen here, once)
// and runs the cron (active expiry, rehashing, client timeouts, statistics).
// Loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.h"
#include "engine/keyspace.h"
#include "io/clock.h"
#include "io/event_loop.h"
#include "server/config.h"
#include "server/info_stats.h"
#include "server/monitor.h"
#include "server/pubsub.h"
#include "server/slowlog.h"

namespace keel::server {

class Client;
class BlockedClients;
class ClientPause;
class Snapshots;
class Aof;
class KeyspaceEvents;
class WatchedKeys;

struct ServerStats {
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t rejected_connections = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  uint64_t total_reads_processed = 0;
  uint64_t total_writes_processed = 0;
  uint64_t total_error_replies = 0;
  uint64_t unexpected_error_replies = 0;
  // Instantaneous metrics: samples every 100 ms over the last 16 samples, as Redis does.
  struct Metric {
    int64_t last_sample_time_ms = 0;
    uint64_t last_sample_count = 0;
    uint64_t samples[16] = {0};
    int idx = 0;
    double Average() const;
  };
  Metric ops, net_input, net_output;
  size_t peak_memory = 0;
};

// SHUTDOWN's options; a signal uses the defaults.
struct ShutdownMode {
  bool save = false;    // SAVE: write a snapshot even without save points
  bool nosave = false;  // NOSAVE: never write one
  bool force = false;   // FORCE: exit even when the snapshot fails
};

class Server {
 public:
  explicit Server(std::unique_ptr<ConfigStore> config);
  ~Server();

  // Binds the listening sockets, creates the event loop and installs the cron and signal handlers.
  Status Start();
  // Serves until SHUTDOWN or a signal.
  Status Run();

  // Runs one parsed request for `client`: dispatcher checks, then the handler.
  void Execute(Client& client, std::span<const std::string_view> args);

  // How Call runs a command: for a request (a blocking command may block), inside EXEC (blocking
  // commands reply at once, as if timed out), or again for a blocked client whose key is ready
  // (not counted again in total_commands_processed).
  enum class CallKind { kRequest, kInExec, kServeBlocked };
  // Runs a command that passed the dispatcher's checks (Redis's call()): the handler, then the
  // statistics. Returns the handler's block request when it asked to block; the command is then
  // counted in commandstats only when it completes.
  // `ready_key` is the key that woke a blocked client (kServeBlocked).
  std::optional<engine::BlockRequest> Call(Client& client, const engine::CommandSpec* cmd,
                                           std::span<const std::string_view> args, CallKind kind,
                                           std::optional<std::string_view> ready_key = {});
  // Counts a blocked command that ended without running again (timeout, CLIENT UNBLOCK).
  void RecordUnblockedCall(const engine::CommandSpec* cmd, bool failed);
  // Blocked clients, watched keys and CLIENT PAUSE (blocking.h, transaction.h, client_pause.h).
  BlockedClients& blocked_clients() { return *blocked_clients_; }
  WatchedKeys& watched_keys() { return *watched_keys_; }
  ClientPause& client_pause() { return *client_pause_; }

  // Schedules an orderly stop at the end of the current loop iteration.
  // Saves when due and stops the loop. False, with the server still running, when the final
  // snapshot failed and FORCE was not given.
  bool Shutdown(std::string_view reason, ShutdownMode mode = {});
  Snapshots& snapshots() { return *snapshots_; }
  Aof& aof() { return *aof_; }

  Config& config() { return config_->config(); }
  ConfigStore& config_store() { return *config_; }
  engine::Keyspace& keyspace() { return *keyspace_; }
  const engine::CommandTable& commands() const { return commands_; }
  io::EventLoop& loop() { return *loop_; }
  // False before Start() (unit tests drive a server without a loop).
  bool has_loop() const { return loop_ != nullptr; }
  ServerStats& stats() { return stats_; }
  // Per-command and per-error-code statistics (INFO commandstats, latencystats, errorstats).
  const CommandStatsTable& command_stats() const { return command_stats_; }
  const ErrorStats& error_stats() const { return error_stats_; }
  // Counts `n` error replies written as `replies` (complete RESP replies), by error code.
  void CountErrorReplies(std::string_view replies, uint64_t n);
  // CONFIG RESETSTAT: zeroes the counters INFO reports (peak memory is kept, as in Redis).
  void ResetStats();
  // Memory in use once the server had started, before any client (INFO used_memory_startup).
  size_t used_memory_startup() const { return used_memory_startup_; }
  const io::Clock& clock() const { return *clock_; }
  int64_t start_time_ms() const { return start_time_ms_; }
  const std::string& run_id() const { return run_id_; }
  const std::string& executable() const { return executable_; }
  void set_executable(std::string path) { executable_ = std::move(path); }
  const std::string& config_file() const { return config_file_; }
  void set_config_file(std::string path) { config_file_ = std::move(path); }
  int port() const { return bound_port_; }

  // Clients by id (CLIENT LIST order is by id).
  const std::map<uint64_t, Client*>& clients() const { return clients_; }
  void RemoveClient(Client* c);
  // True when `client` must not run commands because it has not authenticated.
  bool AuthRequired(const Client& client) const;

  // Pub/sub subscriptions, the slow log and the MONITOR clients.
  PubSubRegistry& pubsub() { return pubsub_; }
  const PubSubRegistry& pubsub() const { return pubsub_; }
  SlowLog& slowlog() { return slowlog_; }
  MonitorList& monitors() { return monitors_; }
  const MonitorList& monitors() const { return monitors_; }
  // The refusal for a command `client` may not run in its current mode, in Redis's order: a
  // subscribed client only (un)subscribes, PINGs, QUITs and RESETs; a MONITOR client does not touch
  // the keyspace. Empty when the command may run. (command_log.cc)
  std::string ModeRestriction(const Client& client, const engine::CommandSpec& cmd) const;
  // After a command ran: the MONITOR line and the slow log entry, each when due (skip_monitor and
  // admin commands are not shown, skip_slowlog ones not logged, secrets redacted). Call() runs it
  // for every command, EXEC's queued ones included. As in Redis 7.0, a blocking command is shown
  // when it first runs but logged only once served (never when it times out). (command_log.cc)
  enum LogWhat : int { kLogMonitor = 1, kLogSlowlog = 2, kLogBoth = 3 };
  void LogCommand(Client& client, const engine::CommandSpec& cmd,
                  std::span<const std::string_view> args, int64_t duration_us, int what = kLogBoth);
  // Forgets a client's subscriptions and MONITOR mode (disconnect, RESET).
  void ClearPubSubAndMonitor(Client& client);

 private:
  void OnAccept(int fd, const io::PeerAddress& peer);
  // Logs what a command did to the AOF (propagation.h): what its handler said, or the command as
  // received when it changed the dataset.
  void Propagate(const engine::CommandSpec& cmd, std::span<const std::string_view> args, int db,
                 uint64_t dirty_before);
  // The end of a shutdown: the AOF flushed and fsynced, the loop stopped.
  void FinishShutdown();
  void Cron();
  void BeforeSleep();
  void ClientsCron(int64_t now_ms);
  void InstallConfigHooks();
  void RejectConnection(int fd, std::string_view reply);

  std::unique_ptr<ConfigStore> config_;
  const io::Clock* clock_;
  std::unique_ptr<engine::Keyspace> keyspace_;
  engine::CommandTable commands_;
  std::unique_ptr<io::EventLoop> loop_;
  std::vector<int> listeners_;
  std::map<uint64_t, Client*> clients_;
  uint64_t next_client_id_ = 1;
  uint64_t cron_timer_ = 0;
  int64_t cron_loops_ = 0;
  int64_t start_time_ms_ = 0;
  int bound_port_ = 0;
  std::string run_id_;
  std::string executable_;
  std::string config_file_;
  ServerStats stats_;
  CommandStatsTable command_stats_;
  ErrorStats error_stats_;
  size_t used_memory_startup_ = 0;
  std::unique_ptr<BlockedClients> blocked_clients_;
  std::unique_ptr<WatchedKeys> watched_keys_;
  std::unique_ptr<ClientPause> client_pause_;
  std::unique_ptr<Snapshots> snapshots_;
  std::unique_ptr<Aof> aof_;
  engine::Propagation propagation_;
  std::unique_ptr<KeyspaceEvents> keyspace_events_;
  PubSubRegistry pubsub_;
  SlowLog slowlog_;
  MonitorList monitors_;
  bool shutting_down_ = false;
  bool loop_stopping_ = false;
};

// Registration of the server's own command families (connection, server administration).
void RegisterConnectionCommands(engine::CommandTable& table);  // connection_commands.cc
void RegisterClientCommand(engine::CommandTable& table);       // client_command.cc
void RegisterServerCommands(engine::CommandTable& table);      // server_commands.cc
void RegisterInfoCommand(engine::CommandTable& table);         // info.cc
void RegisterPubSubCommands(engine::CommandTable& table);      // pubsub_commands.cc
void RegisterSlowlogCommand(engine::CommandTable& table);      // slowlog_command.cc
void RegisterMonitorCommand(engine::CommandTable& table);      // command_log.cc
void RegisterResetCommand(engine::CommandTable& table);        // reset_command.cc

// The calling client of a server-level command.
Client& CallingClient(engine::CommandContext& ctx);

}  // namespace keel::server
