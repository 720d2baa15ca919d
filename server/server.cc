// Server lifecycle and the command dispatcher. The dispatcher applies Redis's checks in Redis's
// order (unknown command, arity, authentication) so error replies match byte for byte.
#include "server/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "engine/commands.h"
#include "engine/memory.h"
#include "engine/parse.h"
#include "io/socket.h"
#include "server/aof.h"
#include "server/blocking.h"
#include "server/client.h"
#include "server/client_pause.h"
#include "server/keyspace_events.h"
#include "server/log.h"
#include "server/snapshots.h"
#include "server/transaction.h"

namespace keel::server {

namespace {

std::string RandomHex(size_t n) {
  unsigned char bytes[64];
  if (getrandom(bytes, sizeof(bytes), 0) != static_cast<ssize_t>(sizeof(bytes))) {
    for (size_t i = 0; i < sizeof(bytes); ++i) bytes[i] = static_cast<unsigned char>(rand());
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) out += kHex[bytes[i % sizeof(bytes)] & 15];
  return out;
}

// "ip:port" of the local end of a connection, as CLIENT LIST's laddr shows it.
std::string LocalAddress(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<struct sockaddr*>(&ss), &len) != 0) return "?:0";
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<struct sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    port = ntohs(a->sin_port);
    return std::string(ip) + ":" + std::to_string(port);
  }
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<struct sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
    port = ntohs(a->sin6_port);
    return "[" + std::string(ip) + "]:" + std::to_string(port);
  }
  return "/unixsocket:0";
}

// Redis formats request arguments into errors with printf's "%.*s", which stops at a NUL byte.
std::string_view CString(std::string_view s, size_t max) {
  size_t nul = s.find('\0');
  return s.substr(0, std::min(nul, max));
}

// Redis's texts for the two dispatcher errors that quote the request.
std::string UnknownCommandError(std::span<const std::string_view> args) {
  std::string quoted;
  for (size_t i = 1; i < args.size() && quoted.size() < 128; ++i) {
    size_t room = 128 - quoted.size();
    quoted += "'";
    quoted.append(CString(args[i], room));
    quoted += "' ";
  }
  std::string name(CString(args[0], 128));
  return "unknown command '" + name + "', with args beginning with: " + quoted;
}

// The maxmemory step of Redis's processCommand: evict first (not while clients are paused: the
// dataset must stay still), then refuse what could grow memory when eviction cannot get under the
// limit: denyoom commands, an EXEC with one queued, and inside MULTI anything but EXEC, DISCARD,
// QUIT and RESET, since queueing takes memory too.
bool RefusedForMemory(engine::Keyspace& ks, const Client& client, const engine::CommandSpec& cmd,
                      bool paused) {
  if (ks.eviction.maxmemory == 0 || paused) return false;
  ks.UpdateTime();
  if (ks.PerformEvictions() != engine::EvictResult::kFail) return false;
  auto is = [&cmd](std::string_view name) { return cmd.parent == nullptr && cmd.name == name; };
  const MultiState& multi = client.multi();
  if (cmd.flags & engine::kCmdDenyOom) return true;
  if (is("exec")) return (multi.cmd_flags & engine::kCmdDenyOom) != 0;
  return multi.active && !is("discard") && !is("quit") && !is("reset");
}

// Redis's writeCommandsDeniedByDiskError step: after a failed background save (with
// stop-writes-on-bgsave-error and save points), writes, an EXEC with a write queued, and PING are
// refused so that a client notices the data is no longer being persisted.
bool RefusedForDiskError(bool refusing, const Client& client, const engine::CommandSpec& cmd) {
  if (!refusing) return false;
  bool top = cmd.parent == nullptr;
  if (cmd.flags & engine::kCmdWrite) return true;
  if (top && cmd.name == "exec") return (client.multi().cmd_flags & engine::kCmdWrite) != 0;
  return top && cmd.name == "ping";
}

constexpr std::string_view kMisconfRdb =
    "-MISCONF Keel is configured to save RDB snapshots, but it's currently unable to persist to "
    "disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Keel logs for details about the RDB "
    "error.";

}  // namespace

double ServerStats::Metric::Average() const {
  uint64_t sum = 0;
  for (uint64_t s : samples) sum += s;
  return static_cast<double>(sum) / 16.0;
}

Server::Server(std::unique_ptr<ConfigStore> config)
    : config_(std::move(config)), clock_(io::SystemClock::Default()) {
  keyspace_ =
      std::make_unique<engine::Keyspace>(static_cast<int>(config_->config().databases), clock_);
  keyspace_->proto_max_bulk_len = config_->config().proto_max_bulk_len;
  keyspace_->rdb_compression = config_->config().rdbcompression;
  keyspace_->limits = config_->config().encoding;
  keyspace_->eviction = config_->config().eviction;
  // What MEMORY STATS and MEMORY DOCTOR need from the server, measured as INFO memory does.
  keyspace_->server_memory = [this] {
    engine::ServerMemoryFigures f;
    size_t used = engine::UsedMemory();
    if (used > stats_.peak_memory) stats_.peak_memory = used;
    f.peak = stats_.peak_memory;
    f.startup = used_memory_startup_;
    for (const auto& [id, c] : clients_) f.clients_memory += c->memory_bytes();
    f.clients = clients_.size();
    return f;
  };
  blocked_clients_ = std::make_unique<BlockedClients>(this);
  watched_keys_ = std::make_unique<WatchedKeys>(keyspace_->num_dbs());
  client_pause_ = std::make_unique<ClientPause>(this);
  snapshots_ = std::make_unique<Snapshots>(this);
  aof_ = std::make_unique<Aof>(this);
  // What the AOF holds in memory is not counted against maxmemory, as in Redis.
  keyspace_->not_counted_memory = [this] { return aof_->buffer_bytes(); };
  keyspace_->after_flushall = [this] {
    if (keyspace_->loading) return;
    if (snapshots_->child_running()) snapshots_->KillChild();
    if (!snapshots_->SavePointsConfigured()) return;
    // The empty snapshot replaces the old one; the flush itself still counts as changes.
    uint64_t dirty = keyspace_->dirty;
    Status ignored = snapshots_->SaveNow();
    (void)ignored;
    keyspace_->dirty = dirty;
  };
  keyspace_events_ =
      std::make_unique<KeyspaceEvents>(watched_keys_.get(), blocked_clients_.get(), aof_.get());
  keyspace_->set_observer(keyspace_events_.get());
  engine::RegisterEngineCommands(commands_);
  RegisterConnectionCommands(commands_);
  RegisterClientCommand(commands_);
  RegisterServerCommands(commands_);
  RegisterInfoCommand(commands_);
  RegisterPubSubCommands(commands_);
  RegisterSlowlogCommand(commands_);
  RegisterMonitorCommand(commands_);
  RegisterResetCommand(commands_);
  RegisterTransactionCommands(commands_);
  RegisterPersistenceCommands(commands_);
  command_stats_.Build(commands_);
  run_id_ = RandomHex(40);
  InstallConfigHooks();
}

Server::~Server() {
  for (int fd : listeners_) close(fd);
  // The loop goes first: it may still report closed connections; whatever clients remain after
  // that are deleted here.
  aof_.reset();  // its files may be in the loop's hands until the loop is gone
  loop_.reset();
  for (auto& [id, c] : clients_) delete c;
  clients_.clear();
  keyspace_->set_observer(nullptr);
}

Status Server::Start() {
  Config& cfg = config();
  io::EventLoop::Backend backend = io::EventLoop::Backend::kAuto;
  if (cfg.io_backend == IoBackend::kIoUring) backend = io::EventLoop::Backend::kIoUring;
  if (cfg.io_backend == IoBackend::kEpoll) backend = io::EventLoop::Backend::kEpoll;
  std::string fallback_reason;
  auto loop = io::EventLoop::Create(backend, &fallback_reason);
  if (!loop.has_value()) return loop.error();
  loop_ = std::move(loop).value();
  if (!fallback_reason.empty()) {
    Log(LogLevel::kWarning, "io_uring is not available (%s); using the epoll backend instead.",
        fallback_reason.c_str());
  }

  for (const std::string& spec : cfg.bind) {
    // "-addr" means: skip this address if it is unavailable (Redis 7's optional bind).
    bool optional = !spec.empty() && spec[0] == '-';
    std::string addr = optional ? spec.substr(1) : spec;
    auto fd = io::ListenTcp(addr, static_cast<int>(cfg.port), static_cast<int>(cfg.tcp_backlog));
    if (!fd.has_value()) {
      if (optional) continue;
      return Status::IoError("Could not create server TCP listening socket " + addr + ":" +
                                 std::to_string(cfg.port) + ": " +
                                 std::string(fd.error().message()),
                             fd.error().sys_errno());
    }
    listeners_.push_back(*fd);
    bound_port_ = io::LocalPort(*fd);
    KEEL_RETURN_IF_ERROR(loop_->AddListener(
        *fd, [this](int cfd, const io::PeerAddress& peer) { OnAccept(cfd, peer); }));
  }
  if (listeners_.empty()) return Status::InvalidArgument("Failed listening on any bind address");

  cron_timer_ = loop_->AddTimer(1000 / cfg.hz, [this] { Cron(); });
  loop_->SetBeforeSleep([this] { BeforeSleep(); });
  KEEL_RETURN_IF_ERROR(loop_->HandleSignals([this](int signo) {
    Log(LogLevel::kWarning, "Received %s scheduling shutdown...",
        signo == SIGINT ? "SIGINT" : "SIGTERM");
    if (!Shutdown("signal")) {
      Log(LogLevel::kWarning,
          "SIGTERM received but errors trying to shut down the server, check the logs for more "
          "information");
    }
  }));
  start_time_ms_ = clock_->NowMs();
  used_memory_startup_ = engine::UsedMemory();
  return Status::Ok();
}

Status Server::Run() {
  Log(LogLevel::kNotice, "Ready to accept connections tcp");
  Status s = loop_->Run();
  Log(LogLevel::kWarning, "Keel is now ready to exit, bye bye...");
  return s;
}

bool Server::Shutdown(std::string_view reason, ShutdownMode mode) {
  if (shutting_down_) return true;
  Log(LogLevel::kWarning, "User requested shutdown (%.*s)...", static_cast<int>(reason.size()),
      reason.data());
  // Redis's prepareForShutdown: a running background save is abandoned, then the final snapshot
  // is written when save points exist (or SHUTDOWN SAVE asks); if it fails, the server stays up
  // unless FORCE.
  if (snapshots_->child_running()) {
    Log(LogLevel::kWarning, "There is a child saving an .rdb. Killing it!");
    snapshots_->KillChild();
  }
  bool save = mode.save || (snapshots_->SavePointsConfigured() && !mode.nosave);
  if (save) {
    Log(LogLevel::kNotice, "Saving the final RDB snapshot before exiting.");
    Status s = snapshots_->SaveNow();
    if (!s.ok()) {
      if (!mode.force) {
        Log(LogLevel::kWarning, "Error trying to save the DB, can't exit.");
        return false;
      }
      Log(LogLevel::kWarning, "Error trying to save the DB. Exit anyway.");
    }
  }
  if (aof_->rewrite_running()) aof_->KillRewriteChild();
  shutting_down_ = true;
  for (int fd : listeners_) close(fd);
  listeners_.clear();
  // The AOF's last batch may still be in flight: the loop stops once it has completed and
  // everything buffered is written and fsynced (BeforeSleep calls FinishShutdown).
  if (aof_->idle()) FinishShutdown();
  return true;
}

void Server::FinishShutdown() {
  loop_stopping_ = true;
  if (aof_->enabled()) {
    Status s = aof_->FlushForShutdown();
    if (!s.ok()) {
      Log(LogLevel::kWarning, "Error flushing the AOF on shutdown: %s", s.ToString().c_str());
    }
  }
  if (!config().pidfile.empty()) unlink(config().pidfile.c_str());
  loop_->Stop();
}

bool Server::AuthRequired(const Client& client) const {
  return !config_->config().requirepass.empty() && !client.authenticated();
}

void Server::RejectConnection(int fd, std::string_view reply) {
  // Best effort, as Redis does: one write on a fresh socket, then close.
  ssize_t ignored = write(fd, reply.data(), reply.size());
  (void)ignored;
  close(fd);
}

void Server::OnAccept(int fd, const io::PeerAddress& peer) {
  Config& cfg = config();
  stats_.total_connections_received++;
  if (clients_.size() >= static_cast<size_t>(cfg.maxclients)) {
    stats_.rejected_connections++;
    RejectConnection(fd, "-ERR max number of clients reached\r\n");
    return;
  }
  if (cfg.protected_mode && cfg.requirepass.empty() && !peer.is_loopback && !peer.is_unix) {
    static constexpr std::string_view kDenied =
        "-DENIED Keel is running in protected mode because protected mode is enabled and no "
        "password is set for the default user. In this mode connections are only accepted from "
        "the loopback interface. If you want to connect from external computers to Keel you may "
        "adopt one of the following solutions: 1) Just disable protected mode sending the "
        "command 'CONFIG SET protected-mode no' from the loopback interface by connecting to "
        "Keel from the same host the server is running, however MAKE SURE Keel is not publicly "
        "accessible from internet if you do so. Use CONFIG REWRITE to make this change "
        "permanent. 2) Alternatively you can just disable the protected mode by editing the "
        "configuration file, and setting the protected mode option to 'no', and then restarting "
        "the server. 3) If you started the server manually just for testing, restart it with "
        "the '--protected-mode no' option. 4) Set up an authentication password for the default "
        "user. NOTE: You only need to do one of the above things in order for the server to "
        "start accepting connections from the outside.\r\n";
    stats_.rejected_connections++;
    RejectConnection(fd, kDenied);
    return;
  }
  if (cfg.tcp_keepalive > 0) {
    Status ignored = io::SetKeepAlive(fd, static_cast<int>(cfg.tcp_keepalive));
    (void)ignored;
  }
  auto* client = new Client(this, next_client_id_++, fd, peer, LocalAddress(fd));
  clients_.emplace(client->id(), client);
  client->set_conn_id(loop_->AddConnection(fd, client));
}

void Server::RemoveClient(Client* c) {
  aof_->ForgetClient(c);
  ClearPubSubAndMonitor(*c);
  blocked_clients_->RemoveClient(*c);
  client_pause_->RemoveClient(*c);
  watched_keys_->UnwatchAll(*c);
  if (clients_.erase(c->id()) > 0) delete c;
}

Client& CallingClient(engine::CommandContext& ctx) { return static_cast<Client&>(*ctx.session); }

void Server::Execute(Client& client, std::span<const std::string_view> args) {
  formats::ReplyWriter& reply = client.reply();
  const uint64_t errors_before = reply.errors();
  // Error replies are counted by code from the bytes this request adds to the reply buffer, which
  // only grows while a command runs (buffers are swapped between loop iterations, never here).
  const size_t reply_start = reply.buffer()->size();
  const engine::CommandSpec* cmd = commands_.Find(args[0]);
  bool dispatched = false;  // queued or run; otherwise any error written is a rejection
  if (cmd == nullptr) {
    if (engine::EqualsIgnoreCase(args[0], "post") || engine::EqualsIgnoreCase(args[0], "host:")) {
      Log(LogLevel::kWarning,
          "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: "
          "commands to Keel. This is likely due to an attacker attempting to use Cross Protocol "
          "Scripting to compromise your Keel instance. Connection aborted.");
      client.CloseAsap();
      return;
    }
    reply.AddError(UnknownCommandError(args));
  } else if (!cmd->subcommands.empty() && args.size() >= 2 &&
             cmd->FindSubcommand(args[1]) == nullptr) {
    std::string upper(args[0]);
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    reply.AddError("unknown subcommand '" + std::string(CString(args[1], 128)) + "'. Try " + upper +
                   " HELP.");
  } else {
    if (!cmd->subcommands.empty() && args.size() >= 2) cmd = cmd->FindSubcommand(args[1]);
    CommandStats* cmd_stats = command_stats_.Find(cmd);
    if (!engine::ArityOk(cmd->arity, args.size())) {
      reply.AddError("wrong number of arguments for '" + cmd->FullName() + "' command");
      if (cmd_stats != nullptr) cmd_stats->rejected_calls++;
    } else if (AuthRequired(client) && !(cmd->flags & engine::kCmdNoAuth)) {
      reply.AddError("-NOAUTH Authentication required.");
      if (cmd_stats != nullptr) cmd_stats->rejected_calls++;
    } else if (client.multi().active && (cmd->flags & engine::kCmdNoMulti)) {
      reply.AddError("Command not allowed inside a transaction");
      if (cmd_stats != nullptr) cmd_stats->rejected_calls++;
    } else if (RefusedForMemory(*keyspace_, client, *cmd, client_pause_->writes_paused())) {
      reply.AddError("-OOM command not allowed when used memory > 'maxmemory'.");
      if (cmd_stats != nullptr) cmd_stats->rejected_calls++;
    } else if (RefusedForDiskError(snapshots_->WritesRefused(), client, *cmd)) {
      reply.AddError(kMisconfRdb);
      if (cmd_stats != nullptr) cmd_stats->rejected_calls++;
    } else if (aof_->enabled() && RefusedForDiskError(aof_->WritesRefused(), client, *cmd)) {
      reply.AddError(aof_->MisconfError());
      if (cmd_stats != nullptr) cmd_stats->rejected_calls++;
    } else if (std::string refusal = ModeRestriction(client, *cmd); !refusal.empty()) {
      reply.AddError(refusal);
      if (cmd_stats != nullptr) cmd_stats->rejected_calls++;
    } else if (client_pause_->Postpones(client, *cmd)) {
      // Left unconsumed: the request runs, checks and all, when the pause ends.
      client.set_last_command(cmd);
      client_pause_->Postpone(client);
      return;
    } else if (client.multi().active && !RunsInsideMulti(*cmd)) {
      client.set_last_command(cmd);
      QueueCommand(client, cmd, args);
      dispatched = true;
    } else {
      keyspace_->UpdateTime();
      client.set_last_command(cmd);
      dispatched = true;
      if (std::optional<engine::BlockRequest> block = Call(client, cmd, args, CallKind::kRequest)) {
        blocked_clients_->Block(client, cmd, args, std::move(*block));
      }
      // Keys this command gave a value to serve the clients waiting on them now, before the
      // next command can take the value (Redis's handleClientsBlockedOnKeys after call()).
      if (blocked_clients_->has_ready_keys()) blocked_clients_->ServeReadyKeys();
    }
  }
  // A request the dispatcher refused makes an open transaction fail at EXEC.
  if (!dispatched && reply.errors() != errors_before) OnCommandRejected(client, cmd, reply_start);
  if (uint64_t errors = reply.errors() - errors_before; errors != 0) {
    std::string_view written = *reply.buffer();
    CountErrorReplies(reply_start <= written.size() ? written.substr(reply_start) : "", errors);
  }
}

std::optional<engine::BlockRequest> Server::Call(Client& client, const engine::CommandSpec* cmd,
                                                 std::span<const std::string_view> args,
                                                 CallKind kind,
                                                 std::optional<std::string_view> ready_key) {
  formats::ReplyWriter& reply = client.reply();
  const uint64_t errors_before = reply.errors();
  engine::CommandContext ctx;
  ctx.ks = keyspace_.get();
  ctx.db = &keyspace_->db(client.db_index);
  ctx.args = args;
  ctx.reply = &reply;
  ctx.cmd = cmd;
  ctx.session = &client;
  ctx.may_block = kind != CallKind::kInExec;
  ctx.ready_key = ready_key;
  size_t argv_bytes = 0;
  for (std::string_view a : args) argv_bytes += a.size();
  client.set_argv_bytes(argv_bytes);
  // The whole per-command cost of commandstats and latencystats: two monotonic clock reads
  // (vDSO, no system call), a lookup by spec pointer and a few increments.
  const bool logging = aof_->enabled();
  const uint64_t dirty_before = keyspace_->dirty;
  const uint64_t lsn_before = aof_->appended_lsn();
  const int db_before = client.db_index;
  if (logging) {
    propagation_.Clear();
    ctx.propagation = &propagation_;
  }
  auto start = std::chrono::steady_clock::now();
  cmd->handler(ctx);
  auto elapsed = std::chrono::steady_clock::now() - start;
  if (logging && !(ctx.block && kind != CallKind::kInExec)) {
    Propagate(*cmd, args, db_before, dirty_before);
    // The reply may leave only once the log holds what the command did.
    if (aof_->appended_lsn() != lsn_before) client.HoldRepliesUntil(aof_->appended_lsn());
  }
  client.set_argv_bytes(0);
  // A blocked client's command was shown to MONITOR and counted as processed when it first ran;
  // it enters the slow log when it completes.
  const bool blocked = ctx.block && kind != CallKind::kInExec;
  const int log = (kind != CallKind::kServeBlocked ? kLogMonitor : 0) | (blocked ? 0 : kLogSlowlog);
  LogCommand(client, *cmd, args,
             std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count(), log);
  if (kind != CallKind::kServeBlocked) stats_.total_commands_processed++;
  if (ctx.block && kind != CallKind::kInExec) return std::move(ctx.block);
  if (CommandStats* cmd_stats = command_stats_.Find(cmd)) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
    cmd_stats->RecordCall(static_cast<uint64_t>(ns), reply.errors() != errors_before);
  }
  return std::nullopt;
}

void Server::Propagate(const engine::CommandSpec& cmd, std::span<const std::string_view> args,
                       int db, uint64_t dirty_before) {
  // EXEC's queued commands logged themselves, inside MULTI ... EXEC (transaction.cc).
  if (cmd.parent == nullptr && cmd.name == "exec") return;
  if (propagation_.overridden()) {
    const auto& cmds = propagation_.commands();
    if (cmds.size() > 1) aof_->BeginTransaction();
    for (const std::vector<std::string>& c : cmds) aof_->Append(db, c);
    if (cmds.size() > 1) aof_->EndTransaction();
  } else if (keyspace_->dirty > dirty_before) {
    aof_->Append(db, args);
  }
}

void Server::RecordUnblockedCall(const engine::CommandSpec* cmd, bool failed) {
  if (CommandStats* cmd_stats = command_stats_.Find(cmd)) cmd_stats->RecordCall(0, failed);
}

void Server::CountErrorReplies(std::string_view replies, uint64_t n) {
  stats_.total_error_replies += n;
  error_stats_.CountReplies(replies, n);
}

void Server::ResetStats() {
  size_t peak = stats_.peak_memory;
  stats_ = ServerStats();
  stats_.peak_memory = peak;
  keyspace_->stats() = engine::KeyspaceStats();
  command_stats_.Reset();
  error_stats_.Clear();
}

void Server::BeforeSleep() {
  // Sub-second blocking timeouts and pause ends are checked every iteration, not only by the cron.
  int64_t now = clock_->NowMs();
  client_pause_->CheckTimeout(now);
  blocked_clients_->HandleTimeouts(now);
  // Clients served, timed out, unblocked or unpaused run what they sent while suspended.
  blocked_clients_->ProcessResumed();
  if (blocked_clients_->has_ready_keys()) blocked_clients_->ServeReadyKeys();
  // A paused server keeps its dataset still: no active expiry (Redis 7.0 pauses it too).
  if (keyspace_->active_expire_enabled && !client_pause_->writes_paused()) {
    keyspace_->ActiveExpireCycle(engine::Keyspace::ExpireCycle::kFast,
                                 static_cast<int>(config().hz));
  }
  // An eviction run cut short by its time limit goes on here (Redis's evictionTimeProc).
  if (keyspace_->eviction_running() && !client_pause_->writes_paused()) {
    keyspace_->UpdateTime();
    keyspace_->ContinueEvictions();
  }
  // Last: the iteration's writes become one batch of the log.
  aof_->BeforeSleep();
  if (shutting_down_ && aof_->idle() && !loop_stopping_) {
    loop_stopping_ = true;
    FinishShutdown();
  }
}

void Server::Cron() {
  Config& cfg = config();
  int64_t now = clock_->NowMs();
  ++cron_loops_;
  // Instantaneous metrics every 100 ms.
  auto sample = [now](ServerStats::Metric& m, uint64_t current) {
    int64_t elapsed = now - m.last_sample_time_ms;
    if (elapsed < 100) return;
    uint64_t delta = current - m.last_sample_count;
    m.samples[m.idx] = elapsed > 0 ? delta * 1000 / static_cast<uint64_t>(elapsed) : 0;
    m.idx = (m.idx + 1) % 16;
    m.last_sample_time_ms = now;
    m.last_sample_count = current;
  };
  sample(stats_.ops, stats_.total_commands_processed);
  sample(stats_.net_input, stats_.total_net_input_bytes);
  sample(stats_.net_output, stats_.total_net_output_bytes);
  size_t used = engine::UsedMemory();
  if (used > stats_.peak_memory) stats_.peak_memory = used;

  ClientsCron(now);
  client_pause_->CheckTimeout(now);
  blocked_clients_->HandleTimeouts(now);
  if (keyspace_->active_expire_enabled && !client_pause_->writes_paused()) {
    keyspace_->ActiveExpireCycle(engine::Keyspace::ExpireCycle::kSlow, static_cast<int>(cfg.hz));
  }
  keyspace_->DatabasesCron(1000);
  snapshots_->Cron(now);
  aof_->Cron(now);
}

void Server::ClientsCron(int64_t now_ms) {
  // A client over its soft output limit that nothing is written to any more must still be closed
  // once the limit's seconds have passed (Redis's clientsCron checks the limits too).
  for (auto& [id, c] : clients_) c->CronCheckOutputLimits();
  int64_t timeout_s = config().timeout;
  if (timeout_s <= 0) return;
  std::vector<Client*> idle;
  for (auto& [id, c] : clients_) {
    // Subscribers and MONITOR clients wait for the server to talk: never idle (Redis exempts them).
    if (pubsub_.IsSubscriber(c) || monitors_.Contains(c)) continue;
    // Blocked and paused clients wait for the server too (Redis exempts CLIENT_BLOCKED).
    if (c->input_suspended()) continue;
    // Whole seconds, as Redis compares its cached unix time with the last interaction.
    if (!c->closing() && now_ms / 1000 - c->last_interaction_ms() / 1000 > timeout_s) {
      idle.push_back(c);
    }
  }
  for (Client* c : idle) {
    Log(LogLevel::kVerbose, "Closing idle client");
    loop_->Close(c->conn_id(), false);
  }
}

void Server::InstallConfigHooks() {
  ConfigStore& store = *config_;
  store.OnChange("hz", [this](const Config& c) {
    if (loop_) loop_->SetTimerInterval(cron_timer_, 1000 / c.hz);
    return Status::Ok();
  });
  store.OnChange("rdbcompression", [this](const Config& c) {
    keyspace_->rdb_compression = c.rdbcompression;
    return Status::Ok();
  });
  store.OnChange("proto-max-bulk-len", [this](const Config& c) {
    keyspace_->proto_max_bulk_len = c.proto_max_bulk_len;
    for (auto& [id, client] : clients_) client->SetAuthenticated(client->authenticated());
    return Status::Ok();
  });
  // The engine keeps its own copy of the encoding thresholds and eviction settings.
  for (const char* name :
       {"list-max-listpack-size", "list-compress-depth", "hash-max-listpack-entries",
        "hash-max-listpack-value", "set-max-intset-entries", "zset-max-listpack-entries",
        "zset-max-listpack-value", "maxmemory", "maxmemory-policy", "maxmemory-samples",
        "maxmemory-eviction-tenacity", "lfu-log-factor", "lfu-decay-time"}) {
    store.OnChange(name, [this](const Config& c) {
      keyspace_->limits = c.encoding;
      keyspace_->eviction = c.eviction;
      return Status::Ok();
    });
  }
  // A lower limit applies at once (Redis's updateMaxmemory), after the copy above.
  store.OnChange("maxmemory", [this](const Config& c) {
    if (c.eviction.maxmemory == 0) return Status::Ok();
    size_t used = engine::UsedMemory();
    if (c.eviction.maxmemory < used) {
      Log(LogLevel::kWarning,
          "WARNING: the new maxmemory value set via CONFIG SET (%llu) is smaller than the current "
          "memory usage (%zu). This will result in key eviction and/or the inability to accept new "
          "write commands depending on the maxmemory-policy.",
          static_cast<unsigned long long>(c.eviction.maxmemory), used);
    }
    keyspace_->PerformEvictions();
    return Status::Ok();
  });
  store.OnChange("appendonly", [this](const Config& c) {
    if (!c.appendonly) {
      aof_->Disable();
      return Status::Ok();
    }
    Status s = aof_->Enable();
    if (!s.ok()) return Status::InvalidArgument("Unable to turn on AOF. Check server logs.");
    return Status::Ok();
  });
  store.OnChange("loglevel", [](const Config& c) {
    SetLogLevel(c.loglevel);
    return Status::Ok();
  });
}

}  // namespace keel::server
