// The fault-injecting file system: each knob over MemFileSystem (what fails, with which errno,
// what reaches the file anyway), reproducible one-in-N sequences, and the crash simulation it
// forwards (unsynced data dropped, entries created after the last directory sync removed).
#include "io/fault_file_system.h"

#include <errno.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "io/mem_file_system.h"
#include "tests/io/file_test_support.h"

namespace keel::io {
namespace {

using FI = FaultInjectionFileSystem;

struct Fixture {
  MemFileSystem mem;
  FaultInjectionFileSystem fs{&mem};

  Fixture() { REQUIRE(fs.CreateDir("/d").ok()); }

  std::unique_ptr<WritableFile> Create(const std::string& path, bool append = false) {
    auto f = fs.NewWritableFile(path, append);
    REQUIRE(f.has_value());
    return std::move(f).value();
  }
  std::string Read(const std::string& path) {
    std::string out;
    REQUIRE(mem.ReadFileToString(path, &out).ok());
    return out;
  }
};

TEST_CASE("FailAlways fails every covered operation until cleared, and nothing else",
          "[io][fault_fs]") {
  Fixture f;
  auto file = f.Create("/d/a");
  f.fs.FailAlways(FI::kOpAppend, ENOSPC);
  Status s = file->Append("abc");
  CHECK(s.sys_errno() == ENOSPC);
  CHECK(s.message().find("/d/a") != std::string_view::npos);
  CHECK(file->Flush().sys_errno() == ENOSPC);
  CHECK(file->Sync().ok());  // not covered
  CHECK(f.Read("/d/a").empty());
  CHECK(f.fs.injected_failures() == 2);
  f.fs.ClearFaults();
  REQUIRE(file->Append("abc").ok());
  REQUIRE(file->Flush().ok());
  CHECK(f.Read("/d/a") == "abc");
  CHECK(f.fs.injected_failures() == 2);
}

TEST_CASE("every operation kind can be failed, and a failed one changes nothing",
          "[io][fault_fs]") {
  Fixture f;
  auto file = f.Create("/d/a");
  REQUIRE(file->Append("data").ok());
  REQUIRE(f.fs.SyncDir("/d").ok());

  SECTION("sync: the data stays undurable") {
    f.fs.FailAlways(FI::kOpSync);
    CHECK(file->Sync().sys_errno() == EIO);
    CHECK(f.mem.SyncedSize("/d/a") == 0);
  }
  SECTION("create") {
    f.fs.FailAlways(FI::kOpCreate, EACCES);
    CHECK(f.fs.NewWritableFile("/d/b").error().sys_errno() == EACCES);
    CHECK_FALSE(f.fs.FileExists("/d/b"));
  }
  SECTION("rename") {
    f.fs.FailAlways(FI::kOpRename);
    CHECK(f.fs.RenameFile("/d/a", "/d/b").sys_errno() == EIO);
    CHECK(f.fs.FileExists("/d/a"));
    CHECK_FALSE(f.fs.FileExists("/d/b"));
  }
  SECTION("remove") {
    f.fs.FailAlways(FI::kOpRemove);
    CHECK(f.fs.RemoveFile("/d/a").sys_errno() == EIO);
    CHECK(f.fs.FileExists("/d/a"));
  }
  SECTION("directory sync: a crash still loses the new name") {
    auto b = f.Create("/d/b");
    REQUIRE(b->Sync().ok());
    f.fs.FailAlways(FI::kOpSyncDir);
    CHECK(f.fs.SyncDir("/d").sys_errno() == EIO);
    f.fs.RemoveFilesCreatedAfterLastDirSync();
    CHECK_FALSE(f.fs.FileExists("/d/b"));
  }
  SECTION("read: opening, reading and reading whole") {
    auto seq = f.fs.NewSequentialFile("/d/a");
    REQUIRE(seq.has_value());
    f.fs.FailAlways(FI::kOpRead, EBADMSG);
    char scratch[8];
    CHECK((*seq)->Read(4, scratch).error().sys_errno() == EBADMSG);
    CHECK(f.fs.NewSequentialFile("/d/a").error().sys_errno() == EBADMSG);
    std::string out = "stale";
    CHECK(f.fs.ReadFileToString("/d/a", &out).sys_errno() == EBADMSG);
    CHECK(out.empty());
    f.fs.ClearFaults();
    auto got = (*seq)->Read(4, scratch);
    REQUIRE(got.has_value());
    CHECK(*got == "data");  // the failed read consumed nothing
  }
  SECTION("truncate") {
    f.fs.FailAlways(FI::kOpTruncate);
    CHECK(f.fs.Truncate("/d/a", 1).sys_errno() == EIO);
    CHECK(f.Read("/d/a") == "data");
  }
  // Listing, sizes and directories are never failed.
  std::vector<std::string> names;
  CHECK(f.fs.GetChildren("/d", &names).ok());
  CHECK(f.fs.GetFileSize("/d/a").has_value());
  CHECK(f.fs.CreateDir("/d/sub").ok());
  CHECK(f.fs.injected_failures() >= 1);
}

TEST_CASE("FailNth fails exactly the n-th covered operation, once", "[io][fault_fs]") {
  Fixture f;
  auto file = f.Create("/d/a");
  f.fs.FailNth(3, FI::kOpAppend | FI::kOpSync, EIO);
  CHECK(file->Append("1").ok());
  CHECK(f.fs.SyncDir("/d").ok());  // not covered: does not count
  CHECK(file->Sync().ok());
  CHECK(file->Append("2").sys_errno() == EIO);
  CHECK(file->Append("3").ok());
  CHECK(file->Sync().ok());
  CHECK(f.Read("/d/a") == "13");
  CHECK(f.fs.injected_failures() == 1);
}

std::vector<bool> OneInSequence(uint64_t seed) {
  Fixture f;
  auto file = f.Create("/d/a");
  f.fs.FailOneIn(3, FI::kOpAppend, EIO, seed);
  std::vector<bool> failed;
  for (int i = 0; i < 200; ++i) failed.push_back(!file->Append("x").ok());
  return failed;
}

TEST_CASE("FailOneIn is reproducible from its seed", "[io][fault_fs]") {
  std::vector<bool> a = OneInSequence(42);
  CHECK(a == OneInSequence(42));
  CHECK(a != OneInSequence(43));
  size_t failures = 0;
  for (bool b : a) failures += b ? 1 : 0;
  // About a third fail; the bounds only guard against "never" and "always".
  CHECK(failures > 20);
  CHECK(failures < 150);

  Fixture f;
  auto file = f.Create("/d/a");
  f.fs.FailOneIn(1, FI::kOpAppend);
  CHECK(file->Append("x").sys_errno() == EIO);
  f.fs.FailOneIn(0, FI::kOpAppend);
  CHECK(file->Append("x").ok());
}

TEST_CASE("SetSpaceLeft writes what fits, then fails with ENOSPC", "[io][fault_fs]") {
  Fixture f;
  auto file = f.Create("/d/a");
  f.fs.SetSpaceLeft(10);
  CHECK(file->Append("012345").ok());
  CHECK(file->Append("6789AB").sys_errno() == ENOSPC);
  CHECK(file->Append("C").sys_errno() == ENOSPC);
  CHECK(file->Append("").ok());
  CHECK(f.Read("/d/a") == "0123456789");
  CHECK(file->Size() == 10);
  // Space is per file system, not per file.
  auto other = f.Create("/d/b");
  CHECK(other->Append("z").sys_errno() == ENOSPC);
  f.fs.SetSpaceLeft(UINT64_MAX);
  CHECK(other->Append("z").ok());
  CHECK(f.fs.injected_failures() == 3);
}

TEST_CASE("ShortWriteNext tears the next append only", "[io][fault_fs]") {
  Fixture f;
  auto file = f.Create("/d/a");
  f.fs.ShortWriteNext(3);
  CHECK(file->Append("hello").sys_errno() == ENOSPC);
  CHECK(file->Append("world").ok());
  f.fs.ShortWriteNext(0, EIO);
  CHECK(file->Append("!!").sys_errno() == EIO);
  CHECK(f.Read("/d/a") == "helworld");
}

TEST_CASE("a simulated power cut keeps only synced data and synced directory entries",
          "[io][fault_fs]") {
  Fixture f;
  auto a = f.Create("/d/a");
  REQUIRE(a->Append("durable").ok());
  REQUIRE(a->Sync().ok());
  REQUIRE(f.fs.SyncDir("/d").ok());
  REQUIRE(a->Append(" lost").ok());  // never synced

  auto b = f.Create("/d/b");  // created after the directory sync
  REQUIRE(b->Append("synced data, unsynced name").ok());
  REQUIRE(b->Sync().ok());

  // A sync that fails makes nothing durable.
  f.fs.FailAlways(FI::kOpSync);
  CHECK_FALSE(a->Sync().ok());
  f.fs.ClearFaults();

  f.fs.DropUnsyncedData();
  f.fs.RemoveFilesCreatedAfterLastDirSync();
  CHECK(f.Read("/d/a") == "durable");
  CHECK_FALSE(f.fs.FileExists("/d/b"));
  std::vector<std::string> names;
  REQUIRE(f.fs.GetChildren("/d", &names).ok());
  CHECK(names == std::vector<std::string>{"a"});
}

TEST_CASE("over the POSIX file system the knobs work and a crash simulation does nothing",
          "[io][fault_fs]") {
  testing::TempDir dir;
  FaultInjectionFileSystem fs(FileSystem::Posix());
  auto file = fs.NewWritableFile(dir.Path("a"));
  REQUIRE(file.has_value());
  fs.ShortWriteNext(2);
  CHECK((*file)->Append("abcd").sys_errno() == ENOSPC);
  REQUIRE((*file)->Sync().ok());
  CHECK(testing::ReadWholeFile(dir.Path("a")) == "ab");
  REQUIRE((*file)->Append("unsynced").ok());
  REQUIRE((*file)->Flush().ok());
  fs.DropUnsyncedData();
  fs.RemoveFilesCreatedAfterLastDirSync();
  CHECK(testing::ReadWholeFile(dir.Path("a")) == "abunsynced");
}

}  // namespace
}  // namespace keel::io
