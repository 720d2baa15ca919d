// The io_uring event loop: multishot accept, multishot recv into a provided buffer ring, at most
// one sendmsg in flight per connection, completions reaped in batches, one io_uring_enter per
// iteration that both submits and waits. See event_loop.h for the contract it implements.
#pragma once

#include <liburing.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/event_loop.h"
#include "io/loop_common.h"

namespace keel::io {

class UringLoop final : public internal::LoopBase {
 public:
  struct Options {
    unsigned sq_entries = 1024;
    unsigned cq_entries = 8192;
    // Provided receive buffers. Each recv completion fills one buffer, and the buffer returns to
    // the ring as soon as OnData() returns, so the count only bounds how many receives can complete
    // between two reaps; running out costs a re-arm, never data (it stays in the socket).
    unsigned buffer_size = 16 * 1024;
    unsigned buffer_count = 512;  // a power of two, at most 32768
  };

  // Counters for tests and INFO.
  struct Stats {
    uint64_t recv_enobufs = 0;  // multishot recvs ended because the buffer ring was empty
    uint64_t recv_rearms = 0;   // multishot recvs re-armed for any reason
    uint64_t sends = 0;         // sendmsg operations submitted
    uint64_t short_sends = 0;   // sendmsg completions that wrote less than was gathered
    uint64_t stale_cqes = 0;    // completions for a slot that moved on (must stay 0)
  };

  // Fails (NotSupported / IoError with the reason) when io_uring is unavailable: kernel too old,
  // disabled by kernel.io_uring_disabled, blocked by seccomp, or missing a needed feature.
  // The loop must be run on the thread that created it (IORING_SETUP_SINGLE_ISSUER).
  static Result<std::unique_ptr<UringLoop>> Create(const Options& options);
  static Result<std::unique_ptr<UringLoop>> Create() { return Create(Options{}); }
  // Closes the fds of connections still open without calling their OnClosed().
  ~UringLoop() override;

  const char* BackendName() const override { return "io_uring"; }
  Status AddListener(int listen_fd,
                     std::function<void(int fd, const PeerAddress&)> on_accept) override;
  ConnId AddConnection(int fd, Connection* conn) override;
  void WantWrite(ConnId id) override;
  void Close(ConnId id, bool flush) override;
  Status HandleSignals(std::function<void(int signo)> fn) override;
  Status Run() override;

  const Stats& stats() const { return stats_; }
  // The io_uring_setup flags the ring was created with (after falling back on EINVAL).
  unsigned setup_flags() const { return setup_flags_; }

 private:
  // Up to this many iovecs go into one sendmsg; GatherOutput is asked for no more.
  static constexpr size_t kMaxIov = 64;

  struct Slot : internal::SlotBase {
    bool recv_armed = false;      // a multishot recv may still post completions
    bool send_in_flight = false;  // a sendmsg has been submitted and not completed
    bool drained = false;         // closing and GatherOutput returned 0 with nothing in flight
    bool recv_cancelled = false;
    bool send_cancelled = false;
    size_t gathered = 0;  // bytes in the in-flight sendmsg
    struct msghdr msg {};
    struct iovec iov[kMaxIov];
  };

  struct Listener {
    int fd;
    std::function<void(int, const PeerAddress&)> on_accept;
    int64_t rearm_at_us = -1;  // >= 0: accept ended with an error, re-arm at this time
  };

  UringLoop() = default;
  Status Init(const Options& options);
  Status SetUpBufferRing(const Options& options);

  io_uring_sqe* GetSqe();
  void ArmRecv(Slot* s, uint32_t index);
  void ArmAccept(uint32_t listener);
  void ArmSignalRead();
  void Cancel(Slot* s, uint32_t index, uint8_t op);
  void BeginClose(Slot* s, uint32_t index, bool flush, int err);
  void TryFinishClose(Slot* s, uint32_t index);
  void ReturnBuffer(uint16_t bid);

  void Reap();
  void Dispatch(const io_uring_cqe* cqe);
  void OnRecv(Slot* s, uint32_t index, const io_uring_cqe* cqe);
  void OnSendDone(Slot* s, uint32_t index, int res);
  void OnAccept(uint32_t listener, const io_uring_cqe* cqe);
  void OnSignal(int res);
  void FireTimers();
  int64_t UsUntilNextDeadline() const;
  void FlushSends();
  void SendOrFinish(Slot* s, uint32_t index);

  struct io_uring ring_ {};
  bool ring_ready_ = false;
  unsigned setup_flags_ = 0;
  Status fatal_;  // sticky: the loop cannot get submission entries

  struct io_uring_buf_ring* buf_ring_ = nullptr;
  size_t buf_ring_bytes_ = 0;
  char* buffers_ = nullptr;
  size_t buffers_bytes_ = 0;
  unsigned buffer_size_ = 0;
  unsigned buffer_count_ = 0;
  int buf_mask_ = 0;

  internal::SlotTable<Slot> slots_;
  // unique_ptr: on_accept may add a listener while its own std::function runs.
  std::vector<std::unique_ptr<Listener>> listeners_;

  struct signalfd_siginfo siginfo_ {};  // target of the one signalfd read in flight
  bool signal_read_armed_ = false;

  Stats stats_;
};

}  // namespace keel::io
