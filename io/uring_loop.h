// The io_uring event loop: multishot accept, multishot recv into a provided buffer ring, at most
// one sendmsg in flight per connection, completions reaped in batches, one io_uring_enter per
// iteration that both submits and waits, and file writes with a linked fdatasync for the AOF
// (uring_file_ops.cc). See event_loop.h for the contract it implements.
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
    // Cap on the kernel's bounded io-wq workers (regular-file writes and fdatasync run there), so
    // a stalled disk does not spawn a thread per queued operation. 0 leaves the kernel default.
    unsigned file_workers = 4;
  };

  // Counters for tests and INFO.
  struct Stats {
    uint64_t recv_enobufs = 0;  // multishot recvs ended because the buffer ring was empty
    uint64_t recv_rearms = 0;   // multishot recvs re-armed for any reason
    uint64_t sends = 0;         // sendmsg operations submitted
    uint64_t short_sends = 0;   // sendmsg completions that wrote less than was gathered
    uint64_t stale_cqes = 0;    // completions for a slot that moved on (must stay 0)
    uint64_t file_writes = 0;   // IORING_OP_WRITE submissions to files (resubmissions included)
    uint64_t file_syncs = 0;    // IORING_OP_FSYNC submissions (linked or alone)
    uint64_t file_retries = 0;  // file rounds resubmitted after -EAGAIN or -EINTR
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
  // Asynchronous: an IORING_OP_WRITE at the offset, with a linked IORING_OP_FSYNC (DATASYNC) when
  // `sync`; -EAGAIN and -EINTR are resubmitted here, never reported.
  void SubmitFileWrite(int fd, uint64_t offset, const char* data, size_t len, bool sync,
                       std::function<void(int64_t write_res, int sync_res)> done) override;
  void SubmitFileSync(int fd, std::function<void(int res)> done) override;
  size_t file_ops_in_flight() const override { return file_ops_active_; }
  Status Run() override;

  const Stats& stats() const { return stats_; }
  // For tests of the resubmission path, which real files do not reach: the next `count` file
  // completions (only fsync ones when `syncs_only`) are taken as -`err` (EAGAIN or EINTR) whatever
  // the kernel said. Writes at an offset and fdatasync are idempotent, so the resubmission
  // repeats them harmlessly.
  void SimulateFileRetries(unsigned count, int err, bool syncs_only = false) {
    simulated_retries_ = count;
    simulated_retry_err_ = err;
    simulated_syncs_only_ = syncs_only;
  }
  // The io_uring_setup flags the ring was created with (after falling back on EINVAL).
  unsigned setup_flags() const { return setup_flags_; }

 private:
  // Up to this many iovecs go into one sendmsg; GatherOutput is asked for no more.
  static constexpr size_t kMaxIov = 64;
  // user_data op codes of file operations; uring_loop.cc numbers the network ones 1-5.
  static constexpr uint8_t kOpFileWrite = 6;
  static constexpr uint8_t kOpFileSync = 7;

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

  // A file write (with its linked fdatasync, when asked) or a lone fdatasync, from submission
  // until `done` runs. A round is one submission of the write (+ fsync) or of the fsync alone; the
  // op is released only when every CQE of its round has arrived, so the kernel never holds a
  // reference to a released op or to its caller's bytes.
  struct FileOp {
    uint32_t generation = 0;
    bool in_use = false;
    bool is_write = false;  // false: a lone fdatasync
    bool sync = false;      // the write asked for an fdatasync after it
    bool linked = false;    // this round's write carries a linked fsync
    bool syncing = false;   // this round is the fsync alone
    int fd = -1;
    uint64_t offset = 0;
    const char* data = nullptr;
    size_t len = 0;
    unsigned pending = 0;  // CQEs of the current round not yet arrived
    unsigned retries = 0;
    int64_t write_res = 0;
    int sync_res = 1;
    std::function<void(int64_t, int)> write_done;
    std::function<void(int)> sync_done;
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

  uint32_t AcquireFileOp();
  void SubmitFileRound(FileOp* op, uint32_t index);
  void OnFileCqe(uint8_t op_code, uint32_t index, uint32_t generation, int res);
  void FinishFileOp(FileOp* op, uint32_t index);
  void WaitForFileOps();

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

  // File ops by index (user_data's slot field); unique_ptr so an op stays put while `done` submits
  // another. Released indexes are reused LIFO.
  std::vector<std::unique_ptr<FileOp>> file_ops_;
  std::vector<uint32_t> free_file_ops_;
  size_t file_ops_active_ = 0;    // ops acquired and not yet finished
  size_t file_cqes_pending_ = 0;  // CQEs the kernel still owes us for file ops
  unsigned simulated_retries_ = 0;
  int simulated_retry_err_ = 0;
  bool simulated_syncs_only_ = false;

  struct signalfd_siginfo siginfo_ {};  // target of the one signalfd read in flight
  bool signal_read_armed_ = false;

  Stats stats_;
};

}  // namespace keel::io
