// Helpers for the event-loop tests: building each backend, a scriptable test connection with a
// chunked output queue (gathered memory stays put until OnSent, as the contract demands), and a
// runner that stops the loop when a condition holds or a hang guard trips.
#pragma once

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "io/epoll_loop.h"
#include "io/event_loop.h"
#include "io/uring_loop.h"

namespace keel::io::testing {

enum class Kind { kUring, kEpoll };

inline const char* KindName(Kind k) { return k == Kind::kUring ? "io_uring" : "epoll"; }

// `tiny` shrinks receive buffers (io_uring: 8 x 1 KiB provided buffers; epoll: a 1 KiB read
// buffer) so that exhaustion and per-event read caps are reached with little data.
inline std::unique_ptr<EventLoop> MakeLoop(Kind kind, bool tiny = false) {
  if (kind == Kind::kUring) {
    UringLoop::Options o;
    if (tiny) {
      o.buffer_size = 1024;
      o.buffer_count = 8;
    }
    auto loop = UringLoop::Create(o);
    if (!loop.has_value()) {
      WARN("io_uring unavailable, skipping its half of the test: " << loop.error().ToString());
      return nullptr;
    }
    return std::move(loop).value();
  }
  EpollLoop::Options o;
  if (tiny) o.read_buffer_size = 1024;
  auto loop = EpollLoop::Create(o);
  REQUIRE(loop.has_value());
  return std::move(loop).value();
}

// A connection whose reaction to input is scriptable; by default it echoes.
class TestConn final : public Connection {
 public:
  explicit TestConn(EventLoop* loop) : loop_(loop) {}

  void OnData(std::string_view bytes) override {
    ++data_calls;
    if (closed_count > 0 || close_requested) ++data_after_close;
    received.append(bytes);
    if (on_data) {
      on_data(this, bytes);
    } else {
      Send(std::string(bytes));
    }
  }
  size_t GatherOutput(struct iovec* iov, size_t max) override {
    size_t n = 0;
    last_gathered_ = 0;
    for (size_t i = 0; i < out_.size() && n < max; ++i) {
      size_t skip = i == 0 ? front_offset_ : 0;
      iov[n].iov_base = out_[i].data() + skip;
      iov[n].iov_len = out_[i].size() - skip;
      last_gathered_ += iov[n].iov_len;
      ++n;
    }
    return n;
  }
  void OnSent(size_t n) override {
    sent_total += n;
    if (n < last_gathered_) ++short_sends;
    while (n > 0) {
      size_t left = out_.front().size() - front_offset_;
      if (n < left) {
        front_offset_ += n;
        break;
      }
      n -= left;
      out_.pop_front();
      front_offset_ = 0;
    }
    if (on_sent) on_sent(this);
  }
  void OnClosed(int err) override {
    ++closed_count;
    close_err = err;
  }

  // Queues `s` as one output chunk and asks the loop to send it.
  void Send(std::string s) {
    queued_total += s.size();
    out_.push_back(std::move(s));
    loop_->WantWrite(id);
  }
  void Close(bool flush) {
    close_requested = true;
    loop_->Close(id, flush);
  }

  ConnId id = 0;
  std::string received;
  std::function<void(TestConn*, std::string_view)> on_data;
  std::function<void(TestConn*)> on_sent;
  int data_calls = 0;
  int data_after_close = 0;
  int closed_count = 0;
  int close_err = -1;
  bool close_requested = false;
  size_t queued_total = 0;
  size_t sent_total = 0;
  int short_sends = 0;

 private:
  EventLoop* loop_;
  std::deque<std::string> out_;  // chunks never move or change while queued
  size_t front_offset_ = 0;
  size_t last_gathered_ = 0;
};

// Runs the loop until `done()` holds at before-sleep time or at a 1 ms poll. A hang guard stops the
// loop after 20 s (a failing test, never a timing check); returns false if it had to. `extra` runs
// first in every before-sleep.
inline bool RunUntil(EventLoop& loop, std::function<bool()> done,
                     std::function<void()> extra = nullptr) {
  auto timed_out = std::make_shared<bool>(false);
  uint64_t guard = loop.AddTimer(20'000, [timed_out, &loop] {
    *timed_out = true;
    loop.Stop();
  });
  loop.SetBeforeSleep([&] {
    if (extra) extra();
    if (done()) loop.Stop();
  });
  // The epoll backend sends synchronously after before-sleep and may then sleep with no event to
  // come, so the condition is also polled from a timer.
  auto poll_fn = std::make_shared<std::function<void()>>([&] {
    if (done()) loop.Stop();
  });
  uint64_t poll = loop.AddTimer(1, [poll_fn] {
    if (*poll_fn) (*poll_fn)();
  });
  Status s = loop.Run();
  REQUIRE(s.ok());
  loop.SetBeforeSleep(nullptr);
  *poll_fn = nullptr;
  // Disarm: timers cannot be removed.
  loop.SetTimerInterval(guard, 1'000'000'000);
  loop.SetTimerInterval(poll, 1'000'000'000);
  return !*timed_out;
}

// A connected socketpair; [0] is non-blocking for the loop, [1] is a blocking client end with a
// receive timeout so a broken loop fails a test instead of hanging it.
struct SocketPair {
  int loop_fd = -1;
  int client_fd = -1;
  SocketPair() {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    loop_fd = fds[0];
    client_fd = fds[1];
    REQUIRE(fcntl(loop_fd, F_SETFL, fcntl(loop_fd, F_GETFL) | O_NONBLOCK) == 0);
    struct timeval tv {
      20, 0
    };
    setsockopt(client_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~SocketPair() {
    if (client_fd >= 0) close(client_fd);
  }
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;
};

inline bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t w = write(fd, data.data(), data.size());
    if (w <= 0) return false;
    data.remove_prefix(static_cast<size_t>(w));
  }
  return true;
}

// Reads exactly `n` bytes (fewer on EOF, error or timeout).
inline std::string ReadN(int fd, size_t n) {
  std::string s(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, s.data() + got, n - got);
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  s.resize(got);
  return s;
}

// Reads until EOF (or error/timeout).
inline std::string ReadToEof(int fd) {
  std::string s;
  char buf[65536];
  while (true) {
    ssize_t r = read(fd, buf, sizeof(buf));
    if (r <= 0) break;
    s.append(buf, static_cast<size_t>(r));
  }
  return s;
}

// Deterministic bytes that differ by position, so reordering or loss shows up.
inline std::string Pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

}  // namespace keel::io::testing
