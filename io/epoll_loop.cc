// The epoll backend. Each iteration waits for events (up to the nearest timer), delivers the
// completions of file operations, reads readable connections, fires due timers, runs before-sleep,
// then sends each queued connection's gathered output with sendmsg. Closes and OnClosed() happen
// only in that send phase, never inside Close().
#include "io/epoll_loop.h"

#include <errno.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "io/socket.h"

namespace keel::io {

namespace {

// epoll_event.data.u64 = tag (8 bits) | generation (24 bits) | slot or listener index (32 bits).
enum Tag : uint8_t { kTagConn = 1, kTagListener = 2, kTagSignal = 3 };

uint64_t Encode(Tag tag, uint32_t index, uint32_t generation) {
  return (static_cast<uint64_t>(tag) << 56) |
         (static_cast<uint64_t>(generation & internal::kGenerationMask) << 32) | index;
}

}  // namespace

Result<std::unique_ptr<EpollLoop>> EpollLoop::Create(const Options& options) {
  internal::IgnoreSigpipe();
  std::unique_ptr<EpollLoop> loop(new EpollLoop());
  KEEL_RETURN_IF_ERROR(loop->Init(options));
  return loop;
}

Status EpollLoop::Init(const Options& options) {
  if (options.read_buffer_size == 0 || options.max_reads_per_event <= 0) {
    return Status::InvalidArgument("epoll loop: read buffer size and reads per event must be > 0");
  }
  options_ = options;
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) {
    return Status::IoError(std::string("epoll_create1 failed: ") + strerror(errno), errno);
  }
  read_buf_.resize(options.read_buffer_size);
  events_.resize(kMaxEvents);
  return Status::Ok();
}

EpollLoop::~EpollLoop() {
  slots_.CloseOpenFds();
  if (epfd_ >= 0) close(epfd_);
}

// Reading stops for good once the connection is closing; EPOLLOUT is wanted only while the socket
// is full, so an idle connection costs no wakeups.
void EpollLoop::UpdateInterest(Slot* s, uint32_t index, bool want_out) {
  uint32_t events = (s->closing ? 0u : static_cast<uint32_t>(EPOLLIN)) |
                    (want_out ? static_cast<uint32_t>(EPOLLOUT) : 0u);
  if (events == s->interest) return;
  struct epoll_event ev {};
  ev.events = events;
  ev.data.u64 = Encode(kTagConn, index, s->generation);
  if (epoll_ctl(epfd_, EPOLL_CTL_MOD, s->fd, &ev) == 0) {
    s->interest = events;
  } else if (!s->closing) {
    BeginClose(s, index, /*flush=*/false, errno);
  }
}

ConnId EpollLoop::AddConnection(int fd, Connection* conn) {
  uint32_t index = slots_.Acquire(fd, conn);
  Slot* s = slots_.at(index);
  s->interest = EPOLLIN;
  struct epoll_event ev {};
  ev.events = EPOLLIN;
  ev.data.u64 = Encode(kTagConn, index, s->generation);
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    s->interest = 0;
    BeginClose(s, index, /*flush=*/false, errno);
  }
  return internal::MakeConnId(index, s->generation);
}

void EpollLoop::WantWrite(ConnId id) {
  Slot* s = slots_.Lookup(id);
  // While EPOLLOUT is armed the socket is full; the event queues the connection when it drains.
  if (s == nullptr || !s->AcceptsOutput() || (s->interest & EPOLLOUT)) return;
  slots_.Queue(s, internal::SlotOf(id));
}

void EpollLoop::Close(ConnId id, bool flush) {
  Slot* s = slots_.Lookup(id);
  if (s != nullptr) BeginClose(s, internal::SlotOf(id), flush, 0);
}

// Never calls OnClosed itself (a Close() from inside OnData must not free the connection under the
// caller): the slot is queued and the send phase finishes the close.
void EpollLoop::BeginClose(Slot* s, uint32_t index, bool flush, int err) {
  internal::CloseStep step = internal::BeginCloseState(s, flush, err);
  if (step == internal::CloseStep::kUnchanged) return;
  // Starting to close drops EPOLLIN (no more reads) but keeps EPOLLOUT while the socket is full.
  if (step == internal::CloseStep::kStarted) {
    UpdateInterest(s, index, (s->interest & EPOLLOUT) != 0);
  }
  slots_.Queue(s, index);
}

// The explicit EPOLL_CTL_DEL matters: a fork()ed snapshot child shares the socket, so close()
// alone would leave it in our interest set.
void EpollLoop::FinishClose(Slot* s, uint32_t index) {
  epoll_ctl(epfd_, EPOLL_CTL_DEL, s->fd, nullptr);
  slots_.Release(s, index);
}

void EpollLoop::OnReadable(Slot* s, uint32_t index) {
  for (int i = 0; i < options_.max_reads_per_event; ++i) {
    ssize_t n = read(s->fd, read_buf_.data(), read_buf_.size());
    if (n > 0) {
      s->conn->OnData(std::string_view(read_buf_.data(), static_cast<size_t>(n)));
      if (s->closing) return;
      // A partial buffer means the socket is (very likely) empty: skip the read that would only
      // return EAGAIN; level-triggered epoll reports anything that arrives later.
      if (static_cast<size_t>(n) < read_buf_.size()) return;
      continue;
    }
    if (n == 0) {
      // Peer EOF: it may only have shut down its write side, so flush replies before closing.
      BeginClose(s, index, /*flush=*/true, 0);
      return;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) BeginClose(s, index, /*flush=*/false, errno);
    return;
  }
}

void EpollLoop::Send(Slot* s, uint32_t index) {
  if (s->closing && !s->flush) {
    FinishClose(s, index);
    return;
  }
  size_t sent = 0;
  while (true) {
    size_t n = s->conn->GatherOutput(s->iov, kMaxIov);
    size_t bytes = 0;
    for (size_t i = 0; i < n; ++i) bytes += s->iov[i].iov_len;
    if (bytes == 0) {
      UpdateInterest(s, index, false);
      if (s->closing) FinishClose(s, index);
      return;
    }
    struct msghdr msg {};
    msg.msg_iov = s->iov;
    msg.msg_iovlen = n;
    ssize_t w = sendmsg(s->fd, &msg, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        UpdateInterest(s, index, true);
      } else {
        BeginClose(s, index, /*flush=*/false, errno);
        FinishClose(s, index);
      }
      return;
    }
    s->conn->OnSent(static_cast<size_t>(w));
    if (s->closing && !s->flush) {  // OnSent() forced a close
      FinishClose(s, index);
      return;
    }
    sent += static_cast<size_t>(w);
    if (static_cast<size_t>(w) < bytes || sent >= options_.max_send_per_iteration) {
      UpdateInterest(s, index, true);
      return;
    }
  }
}

void EpollLoop::FlushSends() {
  slots_.DrainQueue([this](Slot* s, uint32_t index) { Send(s, index); });
}

Status EpollLoop::AddListener(int listen_fd,
                              std::function<void(int fd, const PeerAddress&)> on_accept) {
  auto l = std::make_unique<Listener>();
  l->fd = listen_fd;
  l->on_accept = std::move(on_accept);
  struct epoll_event ev {};
  ev.events = EPOLLIN;
  ev.data.u64 = Encode(kTagListener, static_cast<uint32_t>(listeners_.size()), 0);
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, listen_fd, &ev) != 0) {
    return Status::IoError(
        "cannot watch listening socket " + std::to_string(listen_fd) + ": " + strerror(errno),
        errno);
  }
  listeners_.push_back(std::move(l));
  return Status::Ok();
}

void EpollLoop::OnListenerReady(uint32_t listener) {
  // Bounded like Redis's MAX_ACCEPTS_PER_CALL; errors such as EMFILE end the round and the
  // level-triggered listener is retried next iteration.
  for (int i = 0; i < 256; ++i) {
    int fd = accept4(listeners_[listener]->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    (void)SetNoDelay(fd);
    PeerAddress peer;
    (void)GetPeerAddress(fd, &peer);
    listeners_[listener]->on_accept(fd, peer);
  }
}

Status EpollLoop::HandleSignals(std::function<void(int signo)> fn) {
  bool was_open = signals().is_open();
  KEEL_RETURN_IF_ERROR(signals().Open());
  set_on_signal(std::move(fn));
  if (was_open) return Status::Ok();
  struct epoll_event ev {};
  ev.events = EPOLLIN;
  ev.data.u64 = Encode(kTagSignal, 0, 0);
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, signals().fd(), &ev) != 0) {
    return Status::IoError(std::string("cannot watch the signalfd: ") + strerror(errno), errno);
  }
  return Status::Ok();
}

void EpollLoop::OnSignalReady() {
  struct signalfd_siginfo info;
  while (read(signals().fd(), &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
    DeliverSignal(static_cast<int>(info.ssi_signo));
  }
}

Status EpollLoop::Run() {
  int timeout_ms = 0;  // the first iteration only collects what is already there
  while (fatal_.ok()) {
    int n = epoll_wait(epfd_, events_.data(), kMaxEvents, timeout_ms);
    if (n < 0 && errno != EINTR) {
      fatal_ = Status::IoError(std::string("epoll_wait failed: ") + strerror(errno), errno);
      break;
    }
    // File operations ran at their call; their `done` runs here, in the iteration after the call
    // (wherever in the previous one it was made) and before this iteration's before-sleep.
    RunFileCompletions();
    for (int i = 0; i < n; ++i) {
      uint64_t data = events_[i].data.u64;
      uint32_t events = events_[i].events;
      uint32_t index = static_cast<uint32_t>(data);
      Tag tag = static_cast<Tag>(data >> 56);
      if (tag == kTagListener) {
        OnListenerReady(index);
        continue;
      }
      if (tag == kTagSignal) {
        OnSignalReady();
        continue;
      }
      // An event for a connection closed earlier in this batch is dropped by the generation check.
      Slot* s = slots_.Lookup(internal::MakeConnId(index, static_cast<uint32_t>(data >> 32)));
      if (s == nullptr) continue;
      if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && !s->closing) OnReadable(s, index);
      if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && (s->interest & EPOLLOUT)) {
        slots_.Queue(s, index);
      }
    }
    timers().RunDue();
    RunBeforeSleep();
    FlushSends();
    if (stop_requested()) break;
    int64_t wait_us = timers().UsUntilNext();
    timeout_ms = wait_us < 0 ? -1 : static_cast<int>((wait_us + 999) / 1000);
    // No event will announce a file completion: don't sleep while one waits to be delivered.
    if (file_ops_in_flight() > 0) timeout_ms = 0;
  }
  clear_stop();
  return fatal_;
}

}  // namespace keel::io
