// The io_uring backend. Each iteration reaps every completion in one batch, fires due timers, runs
// before-sleep, submits one sendmsg per connection with output, then submits and waits in a single
// io_uring_enter. Nothing on the data path allocates or goes through std::function.
#include "io/uring_loop.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "io/socket.h"

namespace keel::io {

namespace {

// user_data = op (8 bits) | generation (24 bits) | slot or listener index (32 bits). Cancel
// requests carry kOpCancel and no slot: their own completions are ignored, so they need no
// bookkeeping and can never keep a slot from being reused. Codes 6 and 7 are file operations
// (UringLoop::kOpFileWrite/kOpFileSync, uring_file_ops.cc), which carry their own table's index.
enum Op : uint8_t { kOpRecv = 1, kOpSend = 2, kOpAccept = 3, kOpSignal = 4, kOpCancel = 5 };

constexpr uint16_t kBufferGroup = 0;
constexpr int64_t kAcceptRetryUs = 100'000;  // after EMFILE and the like: don't spin on accept

uint64_t Encode(Op op, uint32_t index, uint32_t generation) {
  return (static_cast<uint64_t>(op) << 56) |
         (static_cast<uint64_t>(generation & internal::kGenerationMask) << 32) | index;
}

std::string ErrnoText(int err) { return std::string(strerror(err)); }

Status SetupError(int err) {
  switch (err) {
    case EPERM:
    case EACCES:
      return Status::NotSupported(
          "io_uring_setup was denied (" + ErrnoText(err) +
          "): kernel.io_uring_disabled is set or a seccomp profile (a container runtime's default) "
          "blocks io_uring");
    case ENOSYS:
      return Status::NotSupported("the kernel has no io_uring (io_uring_setup: ENOSYS)");
    case EINVAL:
      return Status::NotSupported(
          "the kernel rejects IORING_SETUP_SINGLE_ISSUER; Keel's io_uring loop needs Linux 6.0 or "
          "newer (multishot recv)");
    case ENOMEM:
      return Status::NotSupported(
          "io_uring_setup failed with ENOMEM; on kernels before 5.12 raise RLIMIT_MEMLOCK");
    default:
      return Status::IoError("io_uring_setup failed: " + ErrnoText(err), err);
  }
}

}  // namespace

Result<std::unique_ptr<UringLoop>> UringLoop::Create(const Options& options) {
  internal::IgnoreSigpipe();
  std::unique_ptr<UringLoop> loop(new UringLoop());
  KEEL_RETURN_IF_ERROR(loop->Init(options));
  return loop;
}

Status UringLoop::Init(const Options& options) {
  if (options.buffer_count == 0 || options.buffer_count > 32768 ||
      (options.buffer_count & (options.buffer_count - 1)) != 0 || options.buffer_size < 64) {
    return Status::InvalidArgument(
        "io_uring buffer ring: buffer_count must be a power of two up "
        "to 32768 and buffer_size at least 64 bytes");
  }
  // Newest first. DEFER_TASKRUN (6.1) runs completion work only when we enter the ring to wait,
  // in one batch; COOP_TASKRUN is the 6.0 approximation. SINGLE_ISSUER is not optional: a kernel
  // without it (before 6.0) also lacks multishot recv, which the loop is built on.
  const unsigned ladder[] = {
      IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
      IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN,
      IORING_SETUP_SINGLE_ISSUER,
  };
  int rc = -EINVAL;
  for (unsigned flags : ladder) {
    struct io_uring_params p {};
    p.flags = flags | IORING_SETUP_CQSIZE;
    p.cq_entries = options.cq_entries;
    rc = io_uring_queue_init_params(options.sq_entries, &ring_, &p);
    if (rc == 0) {
      setup_flags_ = flags;
      if ((p.features & (IORING_FEAT_EXT_ARG | IORING_FEAT_FAST_POLL | IORING_FEAT_NODROP)) !=
          (IORING_FEAT_EXT_ARG | IORING_FEAT_FAST_POLL | IORING_FEAT_NODROP)) {
        io_uring_queue_exit(&ring_);
        return Status::NotSupported(
            "the kernel's io_uring lacks EXT_ARG, FAST_POLL or NODROP (Linux 5.11+ needed)");
      }
      break;
    }
    if (rc != -EINVAL) break;
  }
  if (rc < 0) return SetupError(-rc);
  ring_ready_ = true;

  struct io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
  bool ops_ok = probe != nullptr;
  for (int op : {IORING_OP_RECV, IORING_OP_SENDMSG, IORING_OP_ACCEPT, IORING_OP_READ,
                 IORING_OP_ASYNC_CANCEL, IORING_OP_WRITE, IORING_OP_FSYNC}) {
    ops_ok = ops_ok && io_uring_opcode_supported(probe, op);
  }
  if (probe != nullptr) io_uring_free_probe(probe);
  if (!ops_ok) {
    return Status::NotSupported(
        "the kernel's io_uring lacks recv, sendmsg, accept, read, write, fsync or cancel");
  }
  // Both are optimizations: a registered ring fd saves an fdget per io_uring_enter, and keeping
  // the rings out of fork()ed snapshot children saves copying them.
  (void)io_uring_register_ring_fd(&ring_);
  (void)io_uring_ring_dontfork(&ring_);
  if (options.file_workers > 0) {
    // Bounded workers run the AOF's writes and fdatasyncs; 0 leaves the unbounded limit alone.
    // Best effort (Linux 5.15+): without the cap a stalled disk only costs more kernel threads.
    unsigned limits[2] = {options.file_workers, 0};
    (void)io_uring_register_iowq_max_workers(&ring_, limits);
  }
  return SetUpBufferRing(options);
}

// liburing 2.3 has no io_uring_setup_buf_ring: map the ring ourselves, register it, fill it.
Status UringLoop::SetUpBufferRing(const Options& options) {
  buffer_size_ = options.buffer_size;
  buffer_count_ = options.buffer_count;
  buf_mask_ = io_uring_buf_ring_mask(buffer_count_);
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  buf_ring_bytes_ = (buffer_count_ * sizeof(struct io_uring_buf) + page - 1) / page * page;
  void* ring_mem =
      mmap(nullptr, buf_ring_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (ring_mem == MAP_FAILED) {
    return Status::IoError("cannot map the io_uring buffer ring: " + ErrnoText(errno), errno);
  }
  struct io_uring_buf_reg reg {};
  reg.ring_addr = reinterpret_cast<uintptr_t>(ring_mem);
  reg.ring_entries = buffer_count_;
  reg.bgid = kBufferGroup;
  int rc = io_uring_register_buf_ring(&ring_, &reg, 0);
  if (rc < 0) {
    munmap(ring_mem, buf_ring_bytes_);
    return Status::NotSupported("cannot register a provided buffer ring (" + ErrnoText(-rc) +
                                "); Linux 5.19+ is needed");
  }
  buf_ring_ = static_cast<struct io_uring_buf_ring*>(ring_mem);
  io_uring_buf_ring_init(buf_ring_);

  buffers_bytes_ = static_cast<size_t>(buffer_size_) * buffer_count_;
  void* mem =
      mmap(nullptr, buffers_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (mem == MAP_FAILED) {
    return Status::IoError("cannot map " + std::to_string(buffers_bytes_) +
                               " bytes of receive buffers: " + ErrnoText(errno),
                           errno);
  }
  buffers_ = static_cast<char*>(mem);
  // A snapshot child never receives; don't make fork() copy-on-write these pages.
  (void)madvise(buffers_, buffers_bytes_, MADV_DONTFORK);
  (void)madvise(ring_mem, buf_ring_bytes_, MADV_DONTFORK);
  for (unsigned i = 0; i < buffer_count_; ++i) {
    io_uring_buf_ring_add(buf_ring_, buffers_ + static_cast<size_t>(i) * buffer_size_, buffer_size_,
                          static_cast<uint16_t>(i), buf_mask_, static_cast<int>(i));
  }
  io_uring_buf_ring_advance(buf_ring_, static_cast<int>(buffer_count_));
  return Status::Ok();
}

UringLoop::~UringLoop() {
  // Before anything is cancelled or unmapped: file writes may still be reading their callers'
  // bytes, and a cancelled write would leave the file in an unknown state.
  if (ring_ready_) WaitForFileOps();
  if (ring_ready_) {
    // Cancel everything synchronously first: a recv finishing during teardown must not write into
    // buffers we are about to unmap.
    struct io_uring_sync_cancel_reg reg {};
    reg.flags = IORING_ASYNC_CANCEL_ANY;
    reg.fd = -1;
    reg.timeout.tv_sec = -1;
    reg.timeout.tv_nsec = -1;
    (void)io_uring_register_sync_cancel(&ring_, &reg);
  }
  slots_.CloseOpenFds();
  if (buf_ring_ != nullptr) {
    (void)io_uring_unregister_buf_ring(&ring_, kBufferGroup);
    munmap(buf_ring_, buf_ring_bytes_);
  }
  if (ring_ready_) io_uring_queue_exit(&ring_);
  if (buffers_ != nullptr) munmap(buffers_, buffers_bytes_);
}

io_uring_sqe* UringLoop::GetSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe != nullptr) return sqe;
  // The submission queue is full: hand what we have to the kernel and take a fresh entry.
  int rc = io_uring_submit(&ring_);
  sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr && fatal_.ok()) {
    fatal_ = Status::IoError(
        "io_uring submission queue stays full (submit: " + ErrnoText(rc < 0 ? -rc : EBUSY) + ")",
        rc < 0 ? -rc : EBUSY);
  }
  return sqe;
}

void UringLoop::ArmRecv(Slot* s, uint32_t index) {
  io_uring_sqe* sqe = GetSqe();
  if (sqe == nullptr) return;
  io_uring_prep_recv_multishot(sqe, s->fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kBufferGroup;
  io_uring_sqe_set_data64(sqe, Encode(kOpRecv, index, s->generation));
  s->recv_armed = true;
  s->recv_cancelled = false;
}

void UringLoop::Cancel(Slot* s, uint32_t index, uint8_t op) {
  io_uring_sqe* sqe = GetSqe();
  if (sqe == nullptr) return;
  io_uring_prep_cancel64(sqe, Encode(static_cast<Op>(op), index, s->generation), 0);
  io_uring_sqe_set_data64(sqe, Encode(kOpCancel, 0, 0));
  (op == kOpRecv ? s->recv_cancelled : s->send_cancelled) = true;
}

void UringLoop::ReturnBuffer(uint16_t bid) {
  io_uring_buf_ring_add(buf_ring_, buffers_ + static_cast<size_t>(bid) * buffer_size_, buffer_size_,
                        bid, buf_mask_, 0);
  io_uring_buf_ring_advance(buf_ring_, 1);
}

ConnId UringLoop::AddConnection(int fd, Connection* conn) {
  uint32_t index = slots_.Acquire(fd, conn);
  Slot* s = slots_.at(index);
  s->recv_armed = s->send_in_flight = s->drained = false;
  s->recv_cancelled = s->send_cancelled = false;
  s->gathered = 0;
  s->msg = {};
  ArmRecv(s, index);
  return internal::MakeConnId(index, s->generation);
}

void UringLoop::WantWrite(ConnId id) {
  Slot* s = slots_.Lookup(id);
  if (s == nullptr || !s->AcceptsOutput()) return;
  slots_.Queue(s, internal::SlotOf(id));
}

void UringLoop::Close(ConnId id, bool flush) {
  Slot* s = slots_.Lookup(id);
  if (s != nullptr) BeginClose(s, internal::SlotOf(id), flush, 0);
}

// Never calls OnClosed itself: a Close() from inside OnData must not free the connection under the
// caller. The slot is queued, and the send phase (or the last completion) finishes the close.
void UringLoop::BeginClose(Slot* s, uint32_t index, bool flush, int err) {
  internal::CloseStep step = internal::BeginCloseState(s, flush, err);
  if (step == internal::CloseStep::kUnchanged) return;
  if (step == internal::CloseStep::kStarted) {
    s->drained = false;
    if (s->recv_armed && !s->recv_cancelled) Cancel(s, index, kOpRecv);
  }
  // Without a flush the output in flight is moot: cancel it so the close need not wait for a peer
  // that does not read.
  if (!s->flush && s->send_in_flight && !s->send_cancelled) Cancel(s, index, kOpSend);
  slots_.Queue(s, index);
}

// The fd is closed only once the kernel holds no operation on it, and the slot is released before
// OnClosed() so that the callback may add a connection that reuses it.
void UringLoop::TryFinishClose(Slot* s, uint32_t index) {
  if (!s->closing || s->recv_armed || s->send_in_flight) return;
  if (s->flush && !s->drained) return;
  slots_.Release(s, index);
}

Status UringLoop::AddListener(int listen_fd,
                              std::function<void(int fd, const PeerAddress&)> on_accept) {
  auto l = std::make_unique<Listener>();
  l->fd = listen_fd;
  l->on_accept = std::move(on_accept);
  listeners_.push_back(std::move(l));
  ArmAccept(static_cast<uint32_t>(listeners_.size() - 1));
  return fatal_;
}

void UringLoop::ArmAccept(uint32_t listener) {
  io_uring_sqe* sqe = GetSqe();
  if (sqe == nullptr) return;
  io_uring_prep_multishot_accept(sqe, listeners_[listener]->fd, nullptr, nullptr,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, Encode(kOpAccept, listener, 0));
  listeners_[listener]->rearm_at_us = -1;
}

Status UringLoop::HandleSignals(std::function<void(int signo)> fn) {
  KEEL_RETURN_IF_ERROR(signals().Open());
  set_on_signal(std::move(fn));
  if (!signal_read_armed_) ArmSignalRead();
  return fatal_;
}

void UringLoop::ArmSignalRead() {
  io_uring_sqe* sqe = GetSqe();
  if (sqe == nullptr) return;
  // Offset -1: the signalfd is not seekable. The read completes in this task's context (poll
  // retry via task work), so it sees this thread's blocked signals.
  io_uring_prep_read(sqe, signals().fd(), &siginfo_, sizeof(siginfo_), static_cast<uint64_t>(-1));
  io_uring_sqe_set_data64(sqe, Encode(kOpSignal, 0, 0));
  signal_read_armed_ = true;
}

void UringLoop::OnSignal(int res) {
  signal_read_armed_ = false;
  if (res == static_cast<int>(sizeof(siginfo_))) {
    DeliverSignal(static_cast<int>(siginfo_.ssi_signo));
  } else if (res < 0 && res != -EAGAIN && res != -EINTR) {
    return;  // the signalfd is broken; re-arming would spin
  }
  ArmSignalRead();
}

void UringLoop::OnAccept(uint32_t listener, const io_uring_cqe* cqe) {
  int res = cqe->res;
  if (res >= 0) {
    // Accepted with SOCK_NONBLOCK already; failures here (a peer that already reset) surface as
    // errors on the connection's first recv.
    (void)SetNoDelay(res);
    PeerAddress peer;
    (void)GetPeerAddress(res, &peer);
    listeners_[listener]->on_accept(res, peer);
  }
  if (cqe->flags & IORING_CQE_F_MORE) return;
  if (res >= 0 || res == -ECONNABORTED || res == -EINTR) {
    ArmAccept(listener);
  } else {
    listeners_[listener]->rearm_at_us = internal::MonotonicUs() + kAcceptRetryUs;
  }
}

void UringLoop::OnRecv(Slot* s, uint32_t index, const io_uring_cqe* cqe) {
  int res = cqe->res;
  unsigned flags = cqe->flags;
  if (flags & IORING_CQE_F_BUFFER) {
    uint16_t bid = static_cast<uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT);
    if (res > 0 && !s->closing) {
      s->conn->OnData(std::string_view(buffers_ + static_cast<size_t>(bid) * buffer_size_,
                                       static_cast<size_t>(res)));
    }
    ReturnBuffer(bid);
  }
  if (flags & IORING_CQE_F_MORE) return;
  s->recv_armed = false;
  if (s->closing) {
    TryFinishClose(s, index);
    return;
  }
  if (res > 0 || res == -ENOBUFS) {
    // The multishot ended without an error (CQ pressure) or the buffer ring ran dry. Every buffer
    // is back in the ring once this batch is reaped, and unread bytes wait in the socket.
    if (res == -ENOBUFS) ++stats_.recv_enobufs;
    ++stats_.recv_rearms;
    ArmRecv(s, index);
  } else if (res == 0) {
    // Peer EOF. The peer may only have shut down its write side and still be reading, so replies
    // to what it sent are flushed before closing.
    BeginClose(s, index, /*flush=*/true, 0);
  } else {
    BeginClose(s, index, /*flush=*/false, -res);
  }
}

void UringLoop::OnSendDone(Slot* s, uint32_t index, int res) {
  s->send_in_flight = false;
  s->send_cancelled = false;
  if (res >= 0) {
    if (static_cast<size_t>(res) < s->gathered) ++stats_.short_sends;
    s->conn->OnSent(static_cast<size_t>(res));
    // Re-gather after before-sleep: a short send left output behind, or more was produced while
    // this send was in flight (WantWrite could not queue a second send).
    if (s->AcceptsOutput()) slots_.Queue(s, index);
  } else if (!(res == -ECANCELED && s->closing)) {
    BeginClose(s, index, /*flush=*/false, -res);
  }
  if (s->closing) TryFinishClose(s, index);
}

void UringLoop::Dispatch(const io_uring_cqe* cqe) {
  uint64_t ud = cqe->user_data;
  uint8_t op = static_cast<uint8_t>(ud >> 56);
  uint32_t index = static_cast<uint32_t>(ud);
  if (op == kOpRecv || op == kOpSend) {
    Slot* s = slots_.Lookup(internal::MakeConnId(index, static_cast<uint32_t>(ud >> 32)));
    if (s == nullptr) {
      // Cannot happen while slots are released only with nothing in flight; if it ever does, the
      // completion must at least not leak its buffer or reach the slot's new connection.
      ++stats_.stale_cqes;
      if (cqe->flags & IORING_CQE_F_BUFFER) {
        ReturnBuffer(static_cast<uint16_t>(cqe->flags >> IORING_CQE_BUFFER_SHIFT));
      }
      return;
    }
    if (op == kOpRecv) {
      OnRecv(s, index, cqe);
    } else {
      OnSendDone(s, index, cqe->res);
    }
  } else if (op == kOpAccept) {
    OnAccept(index, cqe);
  } else if (op == kOpSignal) {
    OnSignal(cqe->res);
  } else if (op == kOpFileWrite || op == kOpFileSync) {
    OnFileCqe(op, index, static_cast<uint32_t>(ud >> 32), cqe->res);
  }
}

void UringLoop::Reap() {
  unsigned head;
  unsigned count = 0;
  io_uring_cqe* cqe;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    Dispatch(cqe);
    ++count;
  }
  if (count > 0) io_uring_cq_advance(&ring_, count);
}

void UringLoop::FireTimers() {
  timers().RunDue();
  if (listeners_.empty()) return;
  int64_t now = internal::MonotonicUs();
  for (uint32_t i = 0; i < listeners_.size(); ++i) {
    if (listeners_[i]->rearm_at_us >= 0 && listeners_[i]->rearm_at_us <= now) ArmAccept(i);
  }
}

int64_t UringLoop::UsUntilNextDeadline() const {
  int64_t next = timers().UsUntilNext();
  int64_t now = -1;
  for (const auto& l : listeners_) {
    if (l->rearm_at_us < 0) continue;
    if (now < 0) now = internal::MonotonicUs();
    int64_t left = l->rearm_at_us > now ? l->rearm_at_us - now : 0;
    if (next < 0 || left < next) next = left;
  }
  return next;
}

void UringLoop::SendOrFinish(Slot* s, uint32_t index) {
  if (s->send_in_flight) return;  // its completion queues the connection again
  if (s->closing && !s->flush) {
    TryFinishClose(s, index);
    return;
  }
  size_t n = s->conn->GatherOutput(s->iov, kMaxIov);
  size_t bytes = 0;
  for (size_t i = 0; i < n; ++i) bytes += s->iov[i].iov_len;
  if (bytes == 0) {
    if (s->closing) {
      s->drained = true;
      TryFinishClose(s, index);
    }
    return;
  }
  io_uring_sqe* sqe = GetSqe();
  if (sqe == nullptr) return;
  if (n == 1) {
    // The common case (one reply buffer): plain send skips importing a msghdr and iovec.
    io_uring_prep_send(sqe, s->fd, s->iov[0].iov_base, s->iov[0].iov_len, MSG_NOSIGNAL);
  } else {
    s->msg.msg_iov = s->iov;
    s->msg.msg_iovlen = n;
    io_uring_prep_sendmsg(sqe, s->fd, &s->msg, MSG_NOSIGNAL);
  }
  io_uring_sqe_set_data64(sqe, Encode(kOpSend, index, s->generation));
  s->send_in_flight = true;
  s->gathered = bytes;
  ++stats_.sends;
}

void UringLoop::FlushSends() {
  slots_.DrainQueue([this](Slot* s, uint32_t index) { SendOrFinish(s, index); });
}

Status UringLoop::Run() {
  while (fatal_.ok()) {
    Reap();
    FireTimers();
    RunBeforeSleep();
    FlushSends();
    if (stop_requested()) {
      (void)io_uring_submit(&ring_);
      break;
    }
    int64_t wait_us = UsUntilNextDeadline();
    struct __kernel_timespec ts {};
    ts.tv_sec = wait_us / 1'000'000;
    ts.tv_nsec = (wait_us % 1'000'000) * 1000;
    io_uring_cqe* cqe = nullptr;
    int rc =
        io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, wait_us >= 0 ? &ts : nullptr, nullptr);
    // ETIME: a timer is due. EINTR: a signal handler ran. EBUSY/EAGAIN: the kernel wants us to
    // reap before it takes more; the next Reap() does that.
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY && rc != -EAGAIN) {
      fatal_ = Status::IoError("io_uring_enter failed: " + ErrnoText(-rc), -rc);
    }
  }
  clear_stop();
  return fatal_;
}

}  // namespace keel::io
