// A client connection: its query buffer and request parser, its session state (selected db,
// authentication, name), and its output buffers. Commands run as soon as a complete request has
// arrived; replies of one loop iteration are gathered and sent with a single send.
// Loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/command.h"
#include "formats/resp_parser.h"
#include "formats/resp_writer.h"
#include "io/event_loop.h"
#include "server/transaction.h"

namespace keel::server {

class Server;

class Client final : public io::Connection, public engine::SessionState {
 public:
  Client(Server* server, uint64_t id, int fd, const io::PeerAddress& peer, std::string laddr);
  ~Client() override;

  // io::Connection
  void OnData(std::string_view bytes) override;
  size_t GatherOutput(struct iovec* iov, size_t max) override;
  void OnSent(size_t n) override;
  void OnClosed(int err) override;

  uint64_t id() const { return id_; }
  io::ConnId conn_id() const { return conn_id_; }
  void set_conn_id(io::ConnId id) { conn_id_ = id; }
  Server* server() const { return server_; }
  formats::ReplyWriter& reply() { return reply_; }

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  const std::string& addr() const { return addr_; }
  const std::string& laddr() const { return laddr_; }
  const io::PeerAddress& peer() const { return peer_; }
  int fd() const { return fd_; }
  int64_t ctime_ms() const { return ctime_ms_; }
  int64_t last_interaction_ms() const { return last_interaction_ms_; }
  // The last command run (CLIENT LIST's cmd=); nullptr before the first.
  const engine::CommandSpec* last_command() const { return last_command_; }
  void set_last_command(const engine::CommandSpec* cmd) { last_command_ = cmd; }

  bool authenticated() const { return authenticated_; }
  void SetAuthenticated(bool yes);

  // Ask to close the connection once the pending replies are written (QUIT, protocol errors).
  void CloseAfterReply() { close_after_reply_ = true; }
  // Close as soon as possible, dropping pending output (CLIENT KILL, timeouts, limits).
  void CloseAsap();
  // Appends RESP bytes this client did not ask for (a pub/sub message, a MONITOR line), wakes the
  // loop to send them and enforces the output buffer limits, closing the connection past them.
  // A client already closing drops them. Safe to call for any client, the running one included.
  void Push(std::string_view resp);
  // The cron's look at a client over its soft output limit: closes it once the limit's seconds
  // have passed, even if nothing more is written to it.
  void CronCheckOutputLimits();
  // The bytes of the arguments of the command being run (CLIENT LIST's argv-mem).
  void set_argv_bytes(size_t n) { argv_bytes_ = n; }
  bool closing() const { return close_after_reply_ || close_asap_; }

  // Input suspension. While blocked on keys (blocking.h) or postponed by CLIENT PAUSE
  // (client_pause.h) the client runs no further request: its input keeps arriving (within the
  // query buffer limit) and ResumeInput() runs it, in order, once neither holds.
  bool blocked() const { return blocked_; }
  void set_blocked(bool yes) { blocked_ = yes; }
  bool postponed() const { return postponed_; }
  void set_postponed(bool yes) { postponed_ = yes; }
  bool input_suspended() const { return blocked_ || postponed_; }
  // Postpones the request being run: it is left unconsumed, to be parsed and run again.
  void Postpone() { postponed_ = rewind_request_ = true; }
  void ResumeInput();
  // Sends replies written outside this client's own request processing (a served blocked
  // command, a timeout) with the loop's next batch.
  void WakeWriter() { ScheduleWrite(); }
  // Replies written from now on (and those already waiting) are sent only once the AOF has
  // acknowledged `lsn` (aof.h): a write is never answered before the log holds it.
  void HoldRepliesUntil(uint64_t lsn) {
    if (lsn > hold_lsn_) hold_lsn_ = lsn;
  }
  bool aof_waiting() const { return aof_waiting_; }
  void set_aof_waiting(bool yes) { aof_waiting_ = yes; }
  // Not attached to a loop (no valid ConnId is 0): a client driven by unit tests.
  bool detached() const { return conn_id_ == 0; }
  // MULTI/EXEC and WATCH state (transaction.h); CLIENT LIST's multi= is multi().ListCount().
  MultiState& multi() { return multi_; }
  const MultiState& multi() const { return multi_; }

  // CLIENT LIST / CLIENT INFO line (without the trailing newline).
  std::string InfoLine(int64_t now_ms) const;
  size_t query_buffer_bytes() const { return query_.size() - query_pos_; }
  size_t output_bytes() const { return fill_.size() + (sending_.size() - send_offset_); }
  // The connection's own memory: the object and its buffers' capacity (CLIENT LIST's tot-mem,
  // INFO's mem_clients_normal).
  size_t memory_bytes() const {
    return sizeof(Client) + query_.capacity() + fill_.capacity() + sending_.capacity();
  }

 private:
  // Parses and runs every complete request in `buf` from *pos on.
  void ProcessRequests(std::string_view buf, size_t* pos);
  void ScheduleWrite();
  void CheckOutputLimits();

  Server* server_;
  uint64_t id_;
  io::ConnId conn_id_ = 0;
  int fd_;
  io::PeerAddress peer_;
  std::string addr_;
  std::string laddr_;
  std::string name_;
  const engine::CommandSpec* last_command_ = nullptr;
  int64_t ctime_ms_;
  int64_t last_interaction_ms_;
  int64_t soft_limit_since_ms_ = 0;
  size_t argv_bytes_ = 0;
  bool authenticated_ = false;
  bool close_after_reply_ = false;
  bool close_asap_ = false;
  bool write_scheduled_ = false;
  bool closed_ = false;
  bool blocked_ = false;
  bool postponed_ = false;
  bool rewind_request_ = false;
  bool aof_waiting_ = false;
  uint64_t hold_lsn_ = 0;  // fill_ waits for the AOF to acknowledge this LSN (0: nothing)
  MultiState multi_;

  // Unparsed input: bytes from query_pos_ on. Requests that arrive whole in one read are parsed
  // straight from the receive buffer and never copied here.
  std::string query_;
  size_t query_pos_ = 0;
  formats::RequestParser parser_;

  // Replies are appended to fill_ while sending_ may be in flight; the kernel reads sending_ until
  // OnSent, so it is never modified before then (one send in flight per connection).
  std::string fill_;
  std::string sending_;
  size_t send_offset_ = 0;
  formats::ReplyWriter reply_;
};

}  // namespace keel::server
