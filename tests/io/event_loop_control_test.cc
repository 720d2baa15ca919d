// Loop control on both backends: backend selection, timers, the before-sleep hook and its place in
// the iteration, signals through the signalfd, and Stop().
#include <pthread.h>
#include <signal.h>

#include <string>
#include <thread>

#include "tests/io/loop_test_support.h"

namespace keel::io {
namespace {

using testing::Kind;
using testing::MakeLoop;
using testing::ReadN;
using testing::RunUntil;
using testing::SocketPair;
using testing::TestConn;
using testing::WriteAll;

bool SignalBlocked(int signo) {
  sigset_t cur;
  pthread_sigmask(SIG_BLOCK, nullptr, &cur);
  return sigismember(&cur, signo) == 1;
}

TEST_CASE("Create picks io_uring when available and epoll when asked", "[io][loop]") {
  std::string reason = "stale";
  auto any = EventLoop::Create(EventLoop::Backend::kAuto, &reason);
  REQUIRE(any.has_value());
  if (std::string((*any)->BackendName()) == "io_uring") {
    CHECK(reason.empty());
  } else {
    WARN("io_uring fell back to epoll: " << reason);
    CHECK_FALSE(reason.empty());
  }
  auto epoll = EventLoop::Create(EventLoop::Backend::kEpoll);
  REQUIRE(epoll.has_value());
  CHECK(std::string((*epoll)->BackendName()) == "epoll");
  auto uring = EventLoop::Create(EventLoop::Backend::kIoUring);
  if (uring.has_value()) {
    CHECK(std::string((*uring)->BackendName()) == "io_uring");
  } else {
    CHECK(uring.error().code() == StatusCode::kNotSupported);
    CHECK(uring.error().message().find("io_uring") != std::string_view::npos);
  }
}

TEST_CASE("io_uring is set up with single issuer and deferred task running", "[io][loop]") {
  auto loop = UringLoop::Create();
  if (!loop.has_value()) return;
  CHECK(((*loop)->setup_flags() & IORING_SETUP_SINGLE_ISSUER) != 0);
  CHECK(((*loop)->setup_flags() & IORING_SETUP_DEFER_TASKRUN) != 0);
}

TEST_CASE("an io_uring buffer count that is not a power of two is rejected", "[io][loop]") {
  UringLoop::Options o;
  o.buffer_count = 300;
  auto loop = UringLoop::Create(o);
  REQUIRE_FALSE(loop.has_value());
  CHECK(loop.error().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("a timer fires repeatedly until stopped", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  int fired = 0;
  loop->AddTimer(1, [&] {
    if (++fired == 5) loop->Stop();
  });
  REQUIRE(loop->Run().ok());
  CHECK(fired == 5);
}

TEST_CASE("SetTimerInterval brings a far-off timer forward", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  int slow = 0;
  int fast = 0;
  uint64_t slow_id = loop->AddTimer(3'600'000, [&] { ++slow; });
  loop->AddTimer(1, [&] {
    if (++fast == 2) loop->SetTimerInterval(slow_id, 1);
  });
  REQUIRE(RunUntil(*loop, [&] { return slow >= 3; }));
  CHECK(fast >= 2);
}

TEST_CASE("a timer added from a timer callback fires too", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  int inner = 0;
  bool added = false;
  loop->AddTimer(1, [&] {
    if (added) return;
    added = true;
    loop->AddTimer(1, [&] { ++inner; });
  });
  REQUIRE(RunUntil(*loop, [&] { return inner >= 2; }));
}

TEST_CASE("before-sleep runs once per iteration, including timer wakeups", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  int fired = 0;
  int before_sleep = 0;
  int before_sleep_at_last_fire = -1;
  loop->SetBeforeSleep([&] { ++before_sleep; });
  loop->AddTimer(1, [&] {
    // Each firing is a separate iteration; before-sleep must have run after the previous one.
    CHECK(before_sleep > before_sleep_at_last_fire);
    before_sleep_at_last_fire = before_sleep;
    if (++fired == 5) loop->Stop();
  });
  REQUIRE(loop->Run().ok());
  CHECK(before_sleep >= 5);
}

// Runs in a thread that never owned an io_uring instance: tearing one down can interrupt its
// thread's next blocking call (io_uring task work), and such a spurious wakeup would hide a loop
// that gathers output before the hook. No Catch2 macros here (not thread-safe); returns a failure
// description, empty on success.
std::string ReplyFromBeforeSleep(Kind kind) {
  std::unique_ptr<EventLoop> loop;
  if (kind == Kind::kUring) {
    auto l = UringLoop::Create();
    if (!l.has_value()) return "";  // io_uring unavailable: nothing to check
    loop = std::move(l).value();
  } else {
    auto l = EpollLoop::Create();
    if (!l.has_value()) return "cannot create the epoll loop";
    loop = std::move(l).value();
  }
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) != 0) {
    return "socketpair failed";
  }
  TestConn conn(loop.get());
  bool request_seen = false;
  conn.on_data = [&](TestConn*, std::string_view) { request_seen = true; };
  conn.on_sent = [&](TestConn*) { loop->Stop(); };
  conn.id = loop->AddConnection(fds[0], &conn);
  if (!WriteAll(fds[1], "SET k v\r\n")) return "write failed";
  // The reply is produced the way the durability layer releases held replies: in before-sleep.
  // Only the hang guard's timer exists, so if sends were gathered before the hook, the reply
  // would sit until the guard fired.
  loop->SetBeforeSleep([&] {
    if (request_seen && conn.queued_total == 0) conn.Send("+OK\r\n");
  });
  bool timed_out = false;
  loop->AddTimer(20'000, [&] {
    timed_out = true;
    loop->Stop();
  });
  std::string failure;
  if (!loop->Run().ok()) failure = "Run failed";
  if (timed_out) failure = "the reply waited for the next wakeup";
  if (failure.empty() && ReadN(fds[1], 5) != "+OK\r\n") failure = "wrong reply";
  close(fds[1]);
  return failure;
}

TEST_CASE("output produced in before-sleep is sent without waiting for another event",
          "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  std::string failure;
  std::thread t([&] { failure = ReplyFromBeforeSleep(kind); });
  t.join();
  CHECK(failure == "");
}

TEST_CASE("Stop before Run runs exactly one iteration, and Run can resume", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  int iterations = 0;
  loop->SetBeforeSleep([&] { ++iterations; });
  loop->Stop();
  REQUIRE(loop->Run().ok());
  CHECK(iterations == 1);
  int fired = 0;
  loop->AddTimer(1, [&] {
    if (++fired == 2) loop->Stop();
  });
  REQUIRE(loop->Run().ok());
  CHECK(fired == 2);
  CHECK(iterations >= 3);
}

TEST_CASE("SIGTERM and SIGINT arrive through the signalfd on the loop thread", "[io][loop]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  REQUIRE_FALSE(SignalBlocked(SIGTERM));
  {
    auto loop = MakeLoop(kind);
    if (!loop) return;
    std::vector<int> got;
    REQUIRE(loop->HandleSignals([&](int signo) { got.push_back(signo); }).ok());
    CHECK(SignalBlocked(SIGTERM));
    CHECK(SignalBlocked(SIGINT));
    // Blocked, so raise() leaves it pending for the signalfd instead of killing the test.
    REQUIRE(raise(SIGTERM) == 0);
    REQUIRE(RunUntil(*loop, [&] { return !got.empty(); }));
    REQUIRE(raise(SIGINT) == 0);
    REQUIRE(RunUntil(*loop, [&] { return got.size() == 2; }));
    CHECK(got == std::vector<int>{SIGTERM, SIGINT});
  }
  // The loop gave the signals back when it was destroyed.
  CHECK_FALSE(SignalBlocked(SIGTERM));
  CHECK_FALSE(SignalBlocked(SIGINT));
}

}  // namespace
}  // namespace keel::io
