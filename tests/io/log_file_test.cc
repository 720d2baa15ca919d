// The append-only log file, each case run against every implementation: through the io_uring
// loop, through the epoll loop, and over a FileSystem (in memory and POSIX). Appends, syncs,
// size() accounting across failures and reopening, injected faults with partial bytes, real short
// writes (RLIMIT_FSIZE), and Truncate() after a failed write; several appends in flight at once
// (AppendAsync) with the same failures.
#include "io/log_file.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "io/fault_file_system.h"
#include "io/mem_file_system.h"
#include "tests/io/file_test_support.h"
#include "tests/io/loop_test_support.h"

namespace keel::io {
namespace {

using testing::FileSizeLimit;
using testing::Kind;
using testing::Pattern;
using testing::RunUntil;
using testing::TempDir;

enum class Impl { kLoopUring, kLoopEpoll, kFsMem, kFsPosix };

const char* ImplName(Impl i) {
  switch (i) {
    case Impl::kLoopUring:
      return "loop (io_uring)";
    case Impl::kLoopEpoll:
      return "loop (epoll)";
    case Impl::kFsMem:
      return "file system (memory)";
    case Impl::kFsPosix:
      return "file system (POSIX)";
  }
  return "?";
}

// One log file of the chosen implementation, with ways to wait for its asynchronous calls.
struct Harness {
  Impl impl;
  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<TempDir> dir;
  MemFileSystem mem;
  std::string path;
  std::unique_ptr<LogFile> file;
  bool unavailable = false;  // io_uring cannot be set up here

  explicit Harness(Impl i) : impl(i) {
    if (impl == Impl::kLoopUring || impl == Impl::kLoopEpoll) {
      loop = testing::MakeLoop(impl == Impl::kLoopUring ? Kind::kUring : Kind::kEpoll);
      if (!loop) {
        unavailable = true;
        return;
      }
    }
    if (impl == Impl::kFsMem) {
      REQUIRE(mem.CreateDir("/d").ok());
      path = "/d/log.aof";
    } else {
      dir = std::make_unique<TempDir>();
      path = dir->Path("log.aof");
    }
    Open();
  }

  bool uses_loop() const { return loop != nullptr; }
  FileSystem& fs() {
    return impl == Impl::kFsMem ? static_cast<FileSystem&>(mem) : *FileSystem::Posix();
  }

  void Open() {
    auto r = uses_loop() ? OpenLoopLogFile(*loop, path) : OpenFsLogFile(fs(), path);
    REQUIRE(r.has_value());
    file = std::move(r).value();
  }

  std::string Contents() {
    std::string out;
    REQUIRE(fs().ReadFileToString(path, &out).ok());
    return out;
  }

  // Starts an asynchronous call and waits (running the loop, if any) for its `done`.
  Status Await(const std::function<void(std::function<void(Status)>)>& start) {
    int calls = 0;
    Status result;
    start([&](Status s) {
      ++calls;
      result = std::move(s);
    });
    if (uses_loop()) REQUIRE(RunUntil(*loop, [&] { return calls > 0; }));
    REQUIRE(calls == 1);
    return result;
  }
  Status WriteAsync(std::string_view data, bool sync) {
    return Await([&](auto done) { file->WriteAsync(data, sync, std::move(done)); });
  }
  Status SyncAsync() {
    return Await([&](auto done) { file->SyncAsync(std::move(done)); });
  }

  // Appends started together: Append() starts one (returning its index), WaitAppends() runs the
  // loop until every started one's `done` ran, and a few iterations more to catch a second call.
  std::vector<int> calls;
  std::vector<Status> results;
  std::vector<int> busy_in_done;  // busy() as the `done` saw it
  size_t Append(std::string_view data, bool sync) {
    size_t i = calls.size();
    calls.push_back(0);
    results.emplace_back();
    busy_in_done.push_back(-1);
    file->AppendAsync(data, sync, [this, i](Status s) {
      ++calls[i];
      results[i] = std::move(s);
      busy_in_done[i] = file->busy() ? 1 : 0;
    });
    return i;
  }
  bool AllDone() const {
    for (int c : calls) {
      if (c == 0) return false;
    }
    return true;
  }
  void WaitAppends() {
    if (uses_loop()) {
      REQUIRE(RunUntil(*loop, [&] { return AllDone(); }));
      int passes = 0;
      REQUIRE(RunUntil(
          *loop, [&] { return loop->file_ops_in_flight() == 0 && passes > 3; }, [&] { ++passes; }));
    }
    for (size_t i = 0; i < calls.size(); ++i) {
      INFO("append " << i);
      CHECK(calls[i] == 1);
    }
    CHECK_FALSE(file->busy());
  }
};

// Whether some descriptor of this process has `path` open.
bool IsOpenHere(const std::string& path) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    char target[PATH_MAX];
    ssize_t n = readlink(entry.path().c_str(), target, sizeof(target) - 1);
    if (n > 0 && std::string(target, static_cast<size_t>(n)) == path) return true;
  }
  return false;
}

#define KEEL_LOG_FILE_HARNESS(...)   \
  Impl impl = GENERATE(__VA_ARGS__); \
  INFO(ImplName(impl));              \
  Harness h(impl);                   \
  if (h.unavailable) return

#define KEEL_ALL_IMPLS Impl::kLoopUring, Impl::kLoopEpoll, Impl::kFsMem, Impl::kFsPosix

TEST_CASE("appends, syncs, and counts every byte in size()", "[io][log_file]") {
  KEEL_LOG_FILE_HARNESS(KEEL_ALL_IMPLS);
  CHECK(h.file->size() == 0);
  CHECK(h.file->path() == h.path);
  REQUIRE(h.file->Write("abc").ok());
  REQUIRE(h.WriteAsync("defg", /*sync=*/true).ok());
  REQUIRE(h.WriteAsync("", /*sync=*/false).ok());
  std::string big = Pattern(300'000, 1);  // past the POSIX file system's 64 KiB buffer
  REQUIRE(h.WriteAsync(big, /*sync=*/false).ok());
  REQUIRE(h.SyncAsync().ok());
  REQUIRE(h.file->SyncNow().ok());
  CHECK(h.file->size() == 7 + big.size());
  CHECK(h.Contents() == "abcdefg" + big);
  CHECK_FALSE(h.file->busy());
  CHECK(h.file->Close().ok());
}

TEST_CASE("reopening keeps the size, and appends go after it", "[io][log_file]") {
  KEEL_LOG_FILE_HARNESS(KEEL_ALL_IMPLS);
  REQUIRE(h.WriteAsync("hello ", true).ok());
  REQUIRE(h.file->Close().ok());
  h.Open();
  CHECK(h.file->size() == 6);
  REQUIRE(h.WriteAsync("world", true).ok());
  CHECK(h.file->size() == 11);
  CHECK(h.Contents() == "hello world");
}

TEST_CASE("an injected write fault writes its partial bytes, fails, and Truncate cuts them",
          "[io][log_file]") {
  KEEL_LOG_FILE_HARNESS(KEEL_ALL_IMPLS);
  REQUIRE(h.file->Write("abcde").ok());

  h.file->InjectFaults({.write_errno = ENOSPC, .partial_bytes = 3});
  Status s = h.WriteAsync("hello", /*sync=*/true);
  CHECK(s.sys_errno() == ENOSPC);
  CHECK(h.file->size() == 8);
  CHECK(h.Contents() == "abcdehel");
  REQUIRE(h.file->Truncate(5).ok());
  CHECK(h.file->size() == 5);
  CHECK(h.Contents() == "abcde");
  REQUIRE(h.WriteAsync("xyz", true).ok());  // the fault counted once
  CHECK(h.Contents() == "abcdexyz");

  // The synchronous Write, with more partial bytes than data: all of it lands, and still fails.
  h.file->InjectFaults({.write_errno = EIO, .partial_bytes = 100});
  s = h.file->Write("12");
  CHECK(s.sys_errno() == EIO);
  CHECK(h.file->size() == 10);
  REQUIRE(h.file->Truncate(8).ok());

  // No partial bytes: nothing reaches the file.
  h.file->InjectFaults({.write_errno = EIO});
  CHECK(h.WriteAsync("zzz", false).sys_errno() == EIO);
  CHECK(h.file->size() == 8);
  CHECK(h.Contents() == "abcdexyz");
}

TEST_CASE("an injected sync fault fails the sync, not the write before it", "[io][log_file]") {
  KEEL_LOG_FILE_HARNESS(KEEL_ALL_IMPLS);
  h.file->InjectFaults({.sync_errno = EIO, .count = 3});
  CHECK(h.WriteAsync("data", /*sync=*/true).sys_errno() == EIO);
  CHECK(h.file->size() == 4);
  CHECK(h.Contents() == "data");
  CHECK(h.WriteAsync("more", /*sync=*/false).ok());  // no sync, no fault taken
  CHECK(h.SyncAsync().sys_errno() == EIO);
  CHECK(h.file->SyncNow().sys_errno() == EIO);
  CHECK(h.SyncAsync().ok());
  CHECK(h.file->SyncNow().ok());
  CHECK(h.Contents() == "datamore");
}

TEST_CASE("each fault kind counts down on its own; count -1 lasts until cleared",
          "[io][log_file]") {
  KEEL_LOG_FILE_HARNESS(KEEL_ALL_IMPLS);
  h.file->InjectFaults({.write_errno = EIO, .sync_errno = ENOSPC, .count = 2});
  CHECK(h.file->Write("a").sys_errno() == EIO);                // write 1 of 2
  CHECK(h.file->SyncNow().sys_errno() == ENOSPC);              // sync 1 of 2
  CHECK(h.WriteAsync("b", /*sync=*/true).sys_errno() == EIO);  // write 2; its sync never ran
  CHECK(h.SyncAsync().sys_errno() == ENOSPC);                  // sync 2
  CHECK(h.WriteAsync("c", /*sync=*/true).ok());
  CHECK(h.Contents() == "c");

  h.file->InjectFaults({.write_errno = EIO, .count = -1});
  for (int i = 0; i < 5; ++i) CHECK(h.WriteAsync("x", false).sys_errno() == EIO);
  CHECK(h.SyncAsync().ok());
  h.file->ClearFaults();
  CHECK(h.WriteAsync("d", false).ok());
  CHECK(h.Contents() == "cd");

  // A new injection replaces what is left of the old one.
  h.file->InjectFaults({.write_errno = EIO, .count = 5});
  CHECK(h.file->Write("e").sys_errno() == EIO);
  h.file->InjectFaults({.write_errno = ENOSPC, .count = 1});
  CHECK(h.file->Write("e").sys_errno() == ENOSPC);
  CHECK(h.file->Write("e").ok());
  CHECK(h.Contents() == "cde");
}

TEST_CASE("a real short write is continued until the kernel's error; size() counts the part",
          "[io][log_file]") {
  KEEL_LOG_FILE_HARNESS(Impl::kLoopUring, Impl::kLoopEpoll, Impl::kFsPosix);
  std::string data = Pattern(10000, 2);
  REQUIRE(h.file->Write("head").ok());
  Status async_status, sync_status;
  {
    FileSizeLimit limit(4096);
    async_status = h.WriteAsync(data, /*sync=*/true);
  }
  CHECK(async_status.sys_errno() == EFBIG);
  CHECK(h.file->size() == 4096);
  CHECK(h.Contents() == "head" + data.substr(0, 4092));
  REQUIRE(h.file->Truncate(4).ok());
  {
    FileSizeLimit limit(5000);
    sync_status = h.file->Write(data);
  }
  CHECK(sync_status.sys_errno() == EFBIG);
  CHECK(h.file->size() == 5000);
  REQUIRE(h.file->Truncate(4).ok());
  REQUIRE(h.WriteAsync("tail", true).ok());
  CHECK(h.Contents() == "headtail");
}

TEST_CASE("over the fault-injecting file system, a full disk fails a write midway",
          "[io][log_file]") {
  MemFileSystem mem;
  REQUIRE(mem.CreateDir("/d").ok());
  FaultInjectionFileSystem faulty(&mem);
  auto opened = OpenFsLogFile(faulty, "/d/log");
  REQUIRE(opened.has_value());
  LogFile& file = **opened;
  std::string out;

  faulty.SetSpaceLeft(5);
  REQUIRE(file.Write("abc").ok());
  Status s = file.Write("defgh");
  CHECK(s.sys_errno() == ENOSPC);
  CHECK(file.size() == 5);
  REQUIRE(mem.ReadFileToString("/d/log", &out).ok());
  CHECK(out == "abcde");
  REQUIRE(file.Truncate(3).ok());
  faulty.ClearFaults();
  REQUIRE(file.Write("XY").ok());
  REQUIRE(mem.ReadFileToString("/d/log", &out).ok());
  CHECK(out == "abcXY");
  CHECK(file.size() == 5);

  // A failed fdatasync leaves the bytes undurable: a crash drops them.
  faulty.FailAlways(FaultInjectionFileSystem::kOpSync);
  int calls = 0;
  file.WriteAsync("!", /*sync=*/true, [&](Status st) {
    ++calls;
    CHECK(st.sys_errno() == EIO);
  });
  CHECK(calls == 1);  // completes before the call returns
  faulty.ClearFaults();
  REQUIRE(file.SyncNow().ok());
  CHECK(mem.SyncedSize("/d/log") == 6);

  // A truncation that fails leaves the file appendable, its size the file's.
  faulty.FailAlways(FaultInjectionFileSystem::kOpTruncate);
  CHECK(file.Truncate(0).sys_errno() == EIO);
  faulty.ClearFaults();
  CHECK(file.size() == 6);
  REQUIRE(file.Write("?").ok());
  REQUIRE(mem.ReadFileToString("/d/log", &out).ok());
  CHECK(out == "abcXY!?");

  // A truncation that cannot reopen the file: writes fail until a later Truncate() succeeds.
  faulty.FailAlways(FaultInjectionFileSystem::kOpCreate);
  CHECK(file.Truncate(6).sys_errno() == EIO);
  CHECK(file.size() == 6);
  CHECK(file.Write("x").sys_errno() == EBADF);
  faulty.ClearFaults();
  REQUIRE(file.Truncate(6).ok());
  REQUIRE(file.Write("x").ok());
  REQUIRE(mem.ReadFileToString("/d/log", &out).ok());
  CHECK(out == "abcXY!x");
  REQUIRE(file.Close().ok());
  CHECK(file.Write("y").sys_errno() == EBADF);
  CHECK(file.Truncate(0).sys_errno() == EBADF);
}

TEST_CASE("through the loop, one operation at a time; a file gone mid-write is not called back",
          "[io][log_file]") {
  KEEL_LOG_FILE_HARNESS(Impl::kLoopUring, Impl::kLoopEpoll);
  int calls = 0;
  h.file->WriteAsync("abc", true, [&](Status st) {
    ++calls;
    CHECK(st.ok());
  });
  CHECK(calls == 0);  // later, from the loop
  CHECK(h.file->busy());
  CHECK(h.file->Write("x").code() == StatusCode::kInternal);
  CHECK(h.file->Truncate(0).code() == StatusCode::kInternal);
  Status second;
  h.file->SyncAsync([&](Status st) { second = std::move(st); });
  CHECK(second.code() == StatusCode::kInternal);
  REQUIRE(RunUntil(*h.loop, [&] { return calls > 0; }));
  CHECK_FALSE(h.file->busy());

  h.file->WriteAsync("def", true, [&](Status) { ++calls; });
  h.file.reset();
  int passes = 0;
  REQUIRE(RunUntil(
      *h.loop, [&] { return h.loop->file_ops_in_flight() == 0 && passes > 3; }, [&] { ++passes; }));
  CHECK(calls == 1);
  CHECK(h.Contents() == "abcdef");
}

TEST_CASE("a plain write may go on while a SyncAsync is in flight (everysec)", "[io][log_file]") {
  KEEL_LOG_FILE_HARNESS(Impl::kLoopUring, Impl::kLoopEpoll);
  REQUIRE(h.file->Write("abc").ok());
  int calls = 0;
  h.file->SyncAsync([&](Status st) {
    ++calls;
    CHECK(st.ok());
  });
  CHECK(h.file->busy());
  REQUIRE(h.file->Write("def").ok());  // not refused: the sync covers what came before it
  CHECK(h.file->size() == 6);
  REQUIRE(RunUntil(*h.loop, [&] { return calls > 0; }));
  CHECK(h.Contents() == "abcdef");
}

TEST_CASE("appends in flight together land at consecutive offsets, each done once",
          "[io][log_file][append]") {
  KEEL_LOG_FILE_HARNESS(KEEL_ALL_IMPLS);
  REQUIRE(h.file->Write("head").ok());
  // Sizes around the POSIX file system's 64 KiB buffer, an empty one, with and without fsync.
  std::vector<std::string> data = {"first", Pattern(70'000, 3), "",  Pattern(300'000, 4),
                                   "fifth", Pattern(4096, 5),   "7", Pattern(65'536, 6)};
  std::string expected = "head";
  for (size_t i = 0; i < data.size(); ++i) {
    h.Append(data[i], /*sync=*/i % 3 != 1);
    expected += data[i];
    CHECK(h.file->size() == expected.size());  // counted at once
  }
  if (h.uses_loop()) {
    CHECK_FALSE(h.AllDone());  // later, from the loop
    CHECK(h.file->busy());
  }
  h.WaitAppends();
  for (size_t i = 0; i < data.size(); ++i) {
    INFO("append " << i);
    CHECK(h.results[i].ok());
  }
  // busy() stays true until the last one's `done` (which may start the next append).
  int idle_seen = 0;
  for (int b : h.busy_in_done) idle_seen += b == 0;
  CHECK(idle_seen == (h.uses_loop() ? 1 : static_cast<int>(data.size())));
  CHECK(h.file->size() == expected.size());
  CHECK(h.Contents() == expected);

  // A second round after the first, then the single-operation calls again.
  h.Append("ab", true);
  h.Append("cd", false);
  h.WaitAppends();
  REQUIRE(h.WriteAsync("ef", true).ok());
  REQUIRE(h.SyncAsync().ok());
  CHECK(h.Contents() == expected + "abcdef");
  CHECK(h.file->size() == expected.size() + 6);
  CHECK(h.file->Close().ok());
}

TEST_CASE("a done may start the next append; appends in flight exclude the other calls",
          "[io][log_file][append]") {
  KEEL_LOG_FILE_HARNESS(KEEL_ALL_IMPLS);
  int chained = 0;
  std::function<void(Status)> next = [&](Status s) {
    CHECK(s.ok());
    if (++chained < 5) h.file->AppendAsync("x", true, next);
  };
  h.file->AppendAsync("x", true, next);
  h.Append("y", false);
  if (h.uses_loop()) REQUIRE(RunUntil(*h.loop, [&] { return chained == 5; }));
  h.WaitAppends();
  CHECK(chained == 5);
  CHECK(h.file->size() == 6);
  std::string contents = h.Contents();
  CHECK(std::count(contents.begin(), contents.end(), 'x') == 5);
  CHECK(std::count(contents.begin(), contents.end(), 'y') == 1);
  if (!h.uses_loop()) return;  // nothing is ever in flight on a file system

  h.Append("z", true);
  CHECK(h.file->busy());
  CHECK(h.file->Write("w").code() == StatusCode::kInternal);
  CHECK(h.file->Truncate(0).code() == StatusCode::kInternal);
  CHECK(h.file->SyncNow().code() == StatusCode::kInternal);
  CHECK(h.file->Close().code() == StatusCode::kInternal);
  Status other;
  h.file->WriteAsync("w", false, [&](Status st) { other = std::move(st); });
  CHECK(other.code() == StatusCode::kInternal);
  other = Status::Ok();
  h.file->SyncAsync([&](Status st) { other = std::move(st); });
  CHECK(other.code() == StatusCode::kInternal);
  h.WaitAppends();
  CHECK(h.Contents() == contents + "z");

  // And a WriteAsync in flight refuses an append, which then takes no fault and no room.
  h.file->WriteAsync("w", false, [](Status) {});
  h.file->InjectFaults({.write_errno = EIO});
  other = Status::Ok();
  h.file->AppendAsync("v", false, [&](Status st) { other = std::move(st); });
  CHECK(other.code() == StatusCode::kInternal);
  CHECK(h.file->size() == 7);  // the WriteAsync's byte is not counted until written
  REQUIRE(RunUntil(*h.loop, [&] { return !h.file->busy(); }));
  CHECK(h.file->size() == 8);
  CHECK(h.WriteAsync("u", false).sys_errno() == EIO);  // the fault was still there
  REQUIRE(h.file->Close().ok());
  other = Status::Ok();
  h.file->AppendAsync("v", false, [&](Status st) { other = std::move(st); });
  CHECK(other.sys_errno() == EBADF);
  CHECK(h.file->size() == 8);
}

TEST_CASE("a fault on the 2nd of 4 appends in flight fails only that one; Truncate cuts back",
          "[io][log_file][append]") {
  KEEL_LOG_FILE_HARNESS(KEEL_ALL_IMPLS);
  REQUIRE(h.file->Write("abcde").ok());

  // A write fault with partial bytes: the others land at their own offsets, leaving a gap.
  h.Append("1111", true);
  h.file->InjectFaults({.write_errno = ENOSPC, .partial_bytes = 3});
  h.Append("2222", true);
  h.Append("3333", true);
  h.Append("4444", false);
  CHECK(h.file->size() == 21);
  h.WaitAppends();
  CHECK(h.results[0].ok());
  CHECK(h.results[1].sys_errno() == ENOSPC);
  CHECK(h.results[2].ok());
  CHECK(h.results[3].ok());
  CHECK(h.file->size() == 21);
  CHECK(h.Contents() == std::string("abcde1111222") + '\0' + "33334444");
  REQUIRE(h.file->Truncate(9).ok());
  CHECK(h.file->size() == 9);
  CHECK(h.Contents() == "abcde1111");

  // A sync fault: every byte lands; the first append after the injection that asks for an fsync
  // alone reports its error.
  h.calls.clear();
  h.results.clear();
  h.busy_in_done.clear();
  h.Append("AA", true);
  h.file->InjectFaults({.sync_errno = EIO});
  h.Append("BB", false);  // no fsync asked: takes no sync fault
  h.Append("CC", true);
  h.Append("DD", true);
  h.WaitAppends();
  CHECK(h.results[0].ok());
  CHECK(h.results[1].ok());
  CHECK(h.results[2].sys_errno() == EIO);
  CHECK(h.results[3].ok());
  CHECK(h.Contents() == "abcde1111AABBCCDD");
  REQUIRE(h.file->Truncate(13).ok());

  // Faults count once per append; count -1 fails every append until cleared.
  h.calls.clear();
  h.results.clear();
  h.busy_in_done.clear();
  h.file->InjectFaults({.write_errno = EIO, .count = -1});
  h.Append("x", true);
  h.Append("y", true);
  h.WaitAppends();
  CHECK(h.results[0].sys_errno() == EIO);
  CHECK(h.results[1].sys_errno() == EIO);
  h.file->ClearFaults();
  REQUIRE(h.file->Truncate(13).ok());
  h.Append("zz", true);
  h.WaitAppends();
  CHECK(h.results[2].ok());
  CHECK(h.Contents() == "abcde1111AABBzz");
  CHECK(h.file->size() == 15);
}

TEST_CASE("real short writes of appends in flight: each continues at its own offset",
          "[io][log_file][append]") {
  KEEL_LOG_FILE_HARNESS(Impl::kLoopUring, Impl::kLoopEpoll, Impl::kFsPosix);
  REQUIRE(h.file->Write("head").ok());
  std::string a = Pattern(3000, 7), b = Pattern(3000, 8), c = Pattern(3000, 9);
  {
    FileSizeLimit limit(4096);
    h.Append(a, true);  // [4, 3004): fits
    h.Append(b, true);  // [3004, 6004): cut at 4096, then EFBIG
    h.Append(c, true);  // [6004, 9004): EFBIG at once
    h.WaitAppends();
  }
  CHECK(h.results[0].ok());
  CHECK(h.results[1].sys_errno() == EFBIG);
  CHECK(h.results[2].sys_errno() == EFBIG);
  if (h.uses_loop()) {
    // The continuation of the cut write went to where that append had got to.
    CHECK_THAT(std::string(h.results[1].message()), Catch::Contains("at offset 4096"));
    CHECK_THAT(std::string(h.results[2].message()), Catch::Contains("at offset 6004"));
  }
  CHECK(h.file->size() == 9004);
  CHECK(h.Contents() == "head" + a + b.substr(0, 1092));
  REQUIRE(h.file->Truncate(3004).ok());
  h.Append("tail", true);
  h.WaitAppends();
  CHECK(h.results[3].ok());
  CHECK(h.Contents() == "head" + a + "tail");
}

TEST_CASE("a file destroyed with appends in flight calls none back and closes its fd after them",
          "[io][log_file][append]") {
  KEEL_LOG_FILE_HARNESS(Impl::kLoopUring, Impl::kLoopEpoll);
  // The bytes outlive the loop's operations, as the contract asks of the caller.
  std::vector<std::string> data;
  for (uint32_t i = 0; i < 6; ++i) data.push_back(Pattern(100'000, 10 + i));
  std::string path = std::filesystem::canonical(h.path).string();
  for (const auto& d : data) h.Append(d, true);
  CHECK(IsOpenHere(path));
  h.file.reset();
  int passes = 0;
  REQUIRE(RunUntil(
      *h.loop, [&] { return h.loop->file_ops_in_flight() == 0 && passes > 3; }, [&] { ++passes; }));
  for (int c : h.calls) CHECK(c == 0);
  CHECK_FALSE(IsOpenHere(path));
  CHECK(h.Contents().size() <= 600'000);
}

}  // namespace
}  // namespace keel::io
