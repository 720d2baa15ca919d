// The event loop: one thread owns it, the keyspace and every connection (Redis's model, no locks on
// the data path). Two backends share this interface: io_uring (multishot accept, multishot recv
// into a provided buffer ring, one send in flight per connection, DEFER_TASKRUN) and epoll, which
// takes over when io_uring cannot be set up or is forced by configuration.
//
// Loop thread only: every method must be called from the thread that runs Run(), and that must be
// the thread that called Create() (io_uring's SINGLE_ISSUER).
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "formats/status.h"

namespace keel::io {

// Implemented by the server for each client connection. The loop calls these on the loop thread.
class Connection {
 public:
  virtual ~Connection() = default;
  // Bytes received from the peer. The view is only valid during the call.
  virtual void OnData(std::string_view bytes) = 0;
  // Fills up to `max` iovecs with output ready to send and returns how many were filled (0: none).
  // The memory they point to must stay valid and unchanged until OnSent() (or OnClosed()) is
  // called; output produced meanwhile must go elsewhere (e.g. a second buffer). Never called
  // while a send of this connection is in flight.
  virtual size_t GatherOutput(struct iovec* iov, size_t max) = 0;
  // `n` bytes of the gathered output reached the socket (may be fewer than gathered: a short send).
  // The loop gathers again after the next before-sleep, so a short send needs no new WantWrite().
  virtual void OnSent(size_t n) = 0;
  // The connection is gone: the peer closed it, an error occurred (err is a positive errno, or 0),
  // or Close() was requested and the pending output has been flushed. Called exactly once, from the
  // loop itself (never from inside Close()); after it returns the loop never touches this object
  // again and the owner may delete it. On peer EOF (err 0) output still pending is flushed first,
  // since a peer that only shut down its write side still reads the replies.
  virtual void OnClosed(int err) = 0;
};

using ConnId = uint64_t;

struct PeerAddress {
  char ip[64] = {0};  // textual address, "127.0.0.1" or "::1"
  int port = 0;
  bool is_loopback = false;
  bool is_unix = false;
};

class EventLoop {
 public:
  enum class Backend { kAuto, kIoUring, kEpoll };

  // kAuto tries io_uring and falls back to epoll; `*fallback_reason` (if given) explains why.
  static Result<std::unique_ptr<EventLoop>> Create(Backend backend,
                                                   std::string* fallback_reason = nullptr);
  // Closes the fds of connections still open without calling their OnClosed(), and unblocks the
  // signals HandleSignals() blocked.
  virtual ~EventLoop() = default;

  // "io_uring" or "epoll".
  virtual const char* BackendName() const = 0;

  // Starts accepting on a listening socket. `on_accept` gets each new connected fd (already
  // non-blocking, TCP_NODELAY set) and its peer address; it either calls AddConnection or closes
  // fd. The caller keeps owning `listen_fd`. Closing it does not stop the io_uring backend from
  // accepting (the kernel holds the socket until the loop is destroyed), so close it only on the
  // way out.
  virtual Status AddListener(int listen_fd,
                             std::function<void(int fd, const PeerAddress&)> on_accept) = 0;

  // Starts receiving on `fd`; the loop owns the fd from now on and closes it when the connection
  // ends. `conn` must stay alive until its OnClosed() is called.
  virtual ConnId AddConnection(int fd, Connection* conn) = 0;

  // The connection has output to send. Sends are submitted once per loop iteration, after the
  // before-sleep hook, with all of the iteration's replies gathered into one send.
  virtual void WantWrite(ConnId id) = 0;

  // Stops receiving and closes the connection once its pending output is flushed (or at once when
  // `flush` is false, dropping it). OnClosed() follows later in the same or a later iteration,
  // never from within this call, so Close() is safe inside OnData(). A Close(id, false) after a
  // Close(id, true) abandons the flush (e.g. a peer that never reads). Ids of connections already
  // closed are ignored here and by WantWrite(): an id carries its slot's generation, so a stale id
  // never reaches a later connection in the same slot (until 2^24 reuses of that slot).
  virtual void Close(ConnId id, bool flush) = 0;

  // Calls `fn` every `interval_ms` milliseconds (the cron at `hz`). Returns a timer id.
  virtual uint64_t AddTimer(int64_t interval_ms, std::function<void()> fn) = 0;
  virtual void SetTimerInterval(uint64_t timer_id, int64_t interval_ms) = 0;

  // Called once per iteration after completions were processed and before sends are submitted and
  // the loop waits (Redis's beforeSleep).
  virtual void SetBeforeSleep(std::function<void()> fn) = 0;

  // Blocks SIGTERM and SIGINT and delivers them through a signalfd to `fn` on the loop thread.
  virtual Status HandleSignals(std::function<void(int signo)> fn) = 0;

  // File I/O through the loop, for the append-only file. Writes the `len` bytes at `data` at
  // `offset` of `fd` and, when `sync`, then fdatasyncs the file: io_uring links the fdatasync
  // after the write (IOSQE_IO_LINK), so it starts only after the write completed, and only if
  // the write wrote everything. `done` runs on the loop thread, in a later iteration than the
  // call, with the write's result (bytes written, possibly fewer than `len`, or -errno) and the
  // sync's (0, -errno, -ECANCELED when it did not run, or 1 when not asked for). The bytes must
  // stay valid and unchanged until then. Several operations of one fd may be in flight and
  // complete in any order; a sync covers only writes that completed before it started. The
  // epoll backend runs them synchronously at the call and defers only `done`.
  virtual void SubmitFileWrite(int fd, uint64_t offset, const char* data, size_t len, bool sync,
                               std::function<void(int64_t write_res, int sync_res)> done) = 0;
  // fdatasync alone; `done` gets 0 or -errno, in a later iteration.
  virtual void SubmitFileSync(int fd, std::function<void(int res)> done) = 0;
  // File operations submitted and not yet completed.
  virtual size_t file_ops_in_flight() const = 0;

  // Runs until Stop(). Returns an error only if the loop itself failed.
  virtual Status Run() = 0;
  virtual void Stop() = 0;
};

}  // namespace keel::io
