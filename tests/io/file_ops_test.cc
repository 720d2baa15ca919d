// File operations through the event loop (SubmitFileWrite / SubmitFileSync), on both backends:
// where the bytes land, the linked fdatasync, a real short write (RLIMIT_FSIZE), errors as
// -errno, `done` called exactly once and never in the iteration of the call, a loop that does not
// sleep through a completion, and (io_uring) resubmission and teardown with operations in flight.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/io/file_test_support.h"
#include "tests/io/loop_test_support.h"

namespace keel::io {
namespace {

using testing::FileSizeLimit;
using testing::Kind;
using testing::MakeLoop;
using testing::Pattern;
using testing::ReadWholeFile;
using testing::RunUntil;
using testing::TempDir;

// What one operation's `done` reported.
struct Outcome {
  int calls = 0;
  int64_t write_res = 0;
  int sync_res = 0;

  std::function<void(int64_t, int)> WriteFn() {
    return [this](int64_t w, int s) {
      ++calls;
      write_res = w;
      sync_res = s;
    };
  }
  std::function<void(int)> SyncFn() {
    return [this](int s) {
      ++calls;
      sync_res = s;
    };
  }
};

int OpenRw(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  return fd;
}

TEST_CASE("file writes land at their offsets, and a linked fdatasync runs after them",
          "[io][file]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  TempDir dir;
  int fd = OpenRw(dir.Path("f"));
  std::string a = Pattern(5000, 1);
  std::string b = Pattern(3000, 2);
  std::string c = "xyz";

  Outcome oa, ob, oc;
  loop->SubmitFileWrite(fd, 0, a.data(), a.size(), /*sync=*/true, oa.WriteFn());
  REQUIRE(RunUntil(*loop, [&] { return oa.calls > 0; }));
  loop->SubmitFileWrite(fd, 10000, b.data(), b.size(), /*sync=*/false, ob.WriteFn());
  REQUIRE(RunUntil(*loop, [&] { return ob.calls > 0; }));
  loop->SubmitFileWrite(fd, 100, c.data(), c.size(), /*sync=*/true, oc.WriteFn());
  REQUIRE(RunUntil(*loop, [&] { return oc.calls > 0; }));

  CHECK(oa.write_res == 5000);
  CHECK(oa.sync_res == 0);
  CHECK(ob.write_res == 3000);
  CHECK(ob.sync_res == 1);  // not asked for
  CHECK(oc.write_res == 3);
  CHECK(oc.sync_res == 0);
  std::string expected = a + std::string(5000, '\0') + b;
  expected.replace(100, 3, c);
  CHECK(ReadWholeFile(dir.Path("f")) == expected);

  Outcome os;
  loop->SubmitFileSync(fd, os.SyncFn());
  REQUIRE(RunUntil(*loop, [&] { return os.calls > 0; }));
  CHECK(os.sync_res == 0);
  close(fd);
}

TEST_CASE("done runs exactly once, never in the iteration of the call", "[io][file]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  TempDir dir;
  int fd = OpenRw(dir.Path("f"));
  std::string data = Pattern(4096, 3);

  // `passes` counts finished before-sleeps: an operation submitted while it reads k completes in
  // a later iteration exactly when its `done` reads more than k.
  int passes = 0;
  int first_calls = 0, second_calls = 0;
  int first_submitted = -1, first_done = -1, second_done = -1;
  size_t in_flight_after_submit = 0;
  bool synchronous_done = false;
  auto second = [&](int64_t, int) {
    ++second_calls;
    second_done = passes;
  };
  auto first = [&](int64_t, int) {
    ++first_calls;
    first_done = passes;
    // Submitted from inside a completion: still not in this iteration.
    loop->SubmitFileWrite(fd, 4096, data.data(), data.size(), true, second);
  };
  REQUIRE(RunUntil(
      *loop, [&] { return second_calls > 0 && passes > second_done + 3; },
      [&] {
        if (first_submitted < 0) {
          first_submitted = passes;
          loop->SubmitFileWrite(fd, 0, data.data(), data.size(), true, first);
          synchronous_done = first_calls > 0;
          in_flight_after_submit = loop->file_ops_in_flight();
        }
        ++passes;
      }));
  CHECK_FALSE(synchronous_done);
  CHECK(in_flight_after_submit == 1);
  CHECK(first_calls == 1);
  CHECK(second_calls == 1);
  CHECK(first_done > first_submitted);
  CHECK(second_done > first_done);
  CHECK(loop->file_ops_in_flight() == 0);
  CHECK(ReadWholeFile(dir.Path("f")) == data + data);
  close(fd);
}

TEST_CASE("a completed file operation wakes a loop that has nothing else to do", "[io][file]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  TempDir dir;
  int fd = OpenRw(dir.Path("f"));
  // No polling timer here (unlike RunUntil): once the write is submitted, only the completion
  // itself can get the loop past its wait. The guard fails the test instead of hanging it. A few
  // ticks first let a spurious wakeup (task work left by an io_uring loop destroyed earlier in
  // this thread interrupts one wait) pass before the operation.
  bool timed_out = false;
  uint64_t guard = loop->AddTimer(20'000, [&] {
    timed_out = true;
    loop->Stop();
  });
  uint64_t tick = loop->AddTimer(2, [] {});
  Outcome o;
  int passes = 0;
  loop->SetBeforeSleep([&] {
    if (++passes == 10) {
      loop->SetTimerInterval(tick, 1'000'000'000);
      loop->SubmitFileWrite(fd, 0, "abc", 3, true, o.WriteFn());
    } else if (o.calls > 0) {
      loop->Stop();
    }
  });
  REQUIRE(loop->Run().ok());
  loop->SetBeforeSleep(nullptr);
  loop->SetTimerInterval(guard, 1'000'000'000);
  CHECK_FALSE(timed_out);
  CHECK(o.write_res == 3);
  CHECK(o.sync_res == 0);
  close(fd);
}

TEST_CASE("errors come back as -errno, and a failed write cancels its fdatasync", "[io][file]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  TempDir dir;
  int rw = OpenRw(dir.Path("f"));
  close(rw);
  int ro = open(dir.Path("f").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(ro >= 0);

  Outcome bad_fd, read_only, bad_sync;
  loop->SubmitFileWrite(-1, 0, "abc", 3, true, bad_fd.WriteFn());
  loop->SubmitFileWrite(ro, 0, "abc", 3, true, read_only.WriteFn());
  loop->SubmitFileSync(-1, bad_sync.SyncFn());
  CHECK(loop->file_ops_in_flight() == 3);
  REQUIRE(RunUntil(*loop, [&] { return bad_fd.calls + read_only.calls + bad_sync.calls == 3; }));
  CHECK(bad_fd.write_res == -EBADF);
  CHECK(bad_fd.sync_res == -ECANCELED);
  CHECK(read_only.write_res == -EBADF);
  CHECK(read_only.sync_res == -ECANCELED);
  CHECK(bad_sync.sync_res == -EBADF);
  CHECK(loop->file_ops_in_flight() == 0);
  CHECK(ReadWholeFile(dir.Path("f")).empty());
  close(ro);
}

TEST_CASE("a short write reports the bytes written and a cancelled fdatasync", "[io][file]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  TempDir dir;
  int fd = OpenRw(dir.Path("f"));
  std::string data = Pattern(10000, 4);

  Outcome crossing, at_limit;
  {
    FileSizeLimit limit(4096);
    loop->SubmitFileWrite(fd, 0, data.data(), data.size(), true, crossing.WriteFn());
    REQUIRE(RunUntil(*loop, [&] { return crossing.calls > 0; }));
    loop->SubmitFileWrite(fd, 4096, data.data(), data.size(), true, at_limit.WriteFn());
    REQUIRE(RunUntil(*loop, [&] { return at_limit.calls > 0; }));
  }
  CHECK(crossing.write_res == 4096);
  CHECK(crossing.sync_res == -ECANCELED);
  CHECK(at_limit.write_res == -EFBIG);
  CHECK(at_limit.sync_res == -ECANCELED);
  CHECK(ReadWholeFile(dir.Path("f")) == data.substr(0, 4096));
  close(fd);
}

TEST_CASE("many file operations in flight at once each complete once with their own result",
          "[io][file]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  TempDir dir;
  constexpr int kFiles = 16;
  std::vector<int> fds;
  std::vector<std::string> data;
  std::vector<Outcome> outcomes(kFiles);
  for (int round = 0; round < 3; ++round) {  // later rounds reuse the operation table's entries
    for (int i = 0; i < kFiles; ++i) {
      if (round == 0) {
        fds.push_back(OpenRw(dir.Path("f" + std::to_string(i))));
        data.push_back(Pattern(1000 + 100 * static_cast<size_t>(i), static_cast<uint32_t>(i)));
      }
      const std::string& d = data[static_cast<size_t>(i)];
      loop->SubmitFileWrite(fds[static_cast<size_t>(i)], d.size() * static_cast<size_t>(round),
                            d.data(), d.size(), i % 2 == 0,
                            outcomes[static_cast<size_t>(i)].WriteFn());
    }
    REQUIRE(RunUntil(*loop, [&] {
      for (const Outcome& o : outcomes) {
        if (o.calls != round + 1) return false;
      }
      return true;
    }));
    for (int i = 0; i < kFiles; ++i) {
      const Outcome& o = outcomes[static_cast<size_t>(i)];
      CHECK(o.write_res == static_cast<int64_t>(data[static_cast<size_t>(i)].size()));
      CHECK(o.sync_res == (i % 2 == 0 ? 0 : 1));
    }
  }
  for (int i = 0; i < kFiles; ++i) {
    const std::string& d = data[static_cast<size_t>(i)];
    CHECK(ReadWholeFile(dir.Path("f" + std::to_string(i))) == d + d + d);
    close(fds[static_cast<size_t>(i)]);
  }
  CHECK(loop->file_ops_in_flight() == 0);
}

TEST_CASE("destroying the loop waits for file writes the kernel still holds", "[io][file]") {
  Kind kind = GENERATE(Kind::kUring, Kind::kEpoll);
  INFO(testing::KindName(kind));
  auto loop = MakeLoop(kind);
  if (!loop) return;
  TempDir dir;
  int fd = OpenRw(dir.Path("f"));
  std::string original = Pattern(8 << 20, 5);
  auto buffer = std::make_unique<std::string>(original);
  int calls = 0;
  loop->SubmitFileWrite(fd, 0, buffer->data(), buffer->size(), true,
                        [&](int64_t, int) { ++calls; });
  loop.reset();  // never run: the io_uring write has not even been submitted yet
  // Had the kernel still been reading the buffer, these bytes would show up in the file.
  std::fill(buffer->begin(), buffer->end(), 'X');
  buffer.reset();
  CHECK(calls == 0);  // `done` callbacks of a destroyed loop are dropped
  std::string contents = ReadWholeFile(dir.Path("f"));
  CHECK(contents.size() == original.size());
  bool same = contents == original;  // not compared in CHECK: 8 MiB would be printed
  CHECK(same);
  close(fd);
}

UringLoop* AsUring(EventLoop* loop) { return static_cast<UringLoop*>(loop); }

TEST_CASE("io_uring resubmits file operations that end with EAGAIN or EINTR", "[io][file]") {
  auto loop = MakeLoop(Kind::kUring);
  if (!loop) return;
  UringLoop* uring = AsUring(loop.get());
  TempDir dir;
  int fd = OpenRw(dir.Path("f"));
  std::string data = Pattern(6000, 6);

  SECTION("a write and its linked fsync, both failed") {
    uring->SimulateFileRetries(2, EAGAIN);
    Outcome o;
    loop->SubmitFileWrite(fd, 0, data.data(), data.size(), true, o.WriteFn());
    REQUIRE(RunUntil(*loop, [&] { return o.calls > 0; }));
    CHECK(o.write_res == 6000);
    CHECK(o.sync_res == 0);
    CHECK(uring->stats().file_retries == 1);
    CHECK(uring->stats().file_writes == 2);
    CHECK(uring->stats().file_syncs == 2);
  }
  SECTION("the linked fsync alone: only it is repeated") {
    uring->SimulateFileRetries(1, EINTR, /*syncs_only=*/true);
    Outcome o;
    loop->SubmitFileWrite(fd, 0, data.data(), data.size(), true, o.WriteFn());
    REQUIRE(RunUntil(*loop, [&] { return o.calls > 0; }));
    CHECK(o.write_res == 6000);
    CHECK(o.sync_res == 0);
    CHECK(uring->stats().file_retries == 1);
    CHECK(uring->stats().file_writes == 1);
    CHECK(uring->stats().file_syncs == 2);
  }
  SECTION("a lone fsync, several times") {
    uring->SimulateFileRetries(3, EAGAIN);
    Outcome o;
    loop->SubmitFileSync(fd, o.SyncFn());
    REQUIRE(RunUntil(*loop, [&] { return o.calls > 0; }));
    CHECK(o.sync_res == 0);
    CHECK(uring->stats().file_retries == 3);
  }
  CHECK(uring->stats().stale_cqes == 0);
  CHECK(loop->file_ops_in_flight() == 0);
  close(fd);
}

}  // namespace
}  // namespace keel::io
