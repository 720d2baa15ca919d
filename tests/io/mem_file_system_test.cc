// MemFileSystem's crash model: what survives DropUnsyncedData() and
// RemoveFilesCreatedAfterLastDirSync(), the two halves of a simulated power cut.
#include "io/mem_file_system.h"

#include <catch2/catch.hpp>
#include <string>

namespace keel::io {
namespace {

std::string Read(MemFileSystem& fs, const std::string& path) {
  std::string out;
  REQUIRE(fs.ReadFileToString(path, &out).ok());
  return out;
}

void Crash(MemFileSystem& fs) {
  fs.DropUnsyncedData();
  fs.RemoveFilesCreatedAfterLastDirSync();
}

TEST_CASE("unsynced appends are dropped, synced ones survive", "[io][fs][mem]") {
  MemFileSystem fs;
  REQUIRE(fs.CreateDir("/d").ok());
  auto f = fs.NewWritableFile("/d/aof");
  REQUIRE(f.has_value());
  REQUIRE((*f)->Append("SET a 1;").ok());
  REQUIRE((*f)->Sync().ok());
  REQUIRE((*f)->Append("SET b 2;").ok());
  REQUIRE((*f)->Flush().ok());  // flushed to the OS is not durable
  REQUIRE(fs.SyncDir("/d").ok());
  CHECK(fs.SyncedSize("/d/aof") == 8);
  CHECK(fs.IsDirEntrySynced("/d/aof"));
  Crash(fs);
  CHECK(Read(fs, "/d/aof") == "SET a 1;");
  // The open handle still appends after the crash model ran (a test may keep writing).
  REQUIRE((*f)->Append("x").ok());
  CHECK(Read(fs, "/d/aof") == "SET a 1;x");
}

TEST_CASE("a synced file whose directory was never synced disappears", "[io][fs][mem]") {
  MemFileSystem fs;
  REQUIRE(fs.CreateDir("/d").ok());
  auto f = fs.NewWritableFile("/d/new.rdb");
  REQUIRE(f.has_value());
  REQUIRE((*f)->Append("REDIS0010").ok());
  REQUIRE((*f)->Sync().ok());
  CHECK_FALSE(fs.IsDirEntrySynced("/d/new.rdb"));
  Crash(fs);
  CHECK_FALSE(fs.FileExists("/d/new.rdb"));
}

TEST_CASE("a rename not followed by SyncDir is undone: the old file is back", "[io][fs][mem]") {
  MemFileSystem fs;
  REQUIRE(fs.CreateDir("/d").ok());
  auto old_m = fs.NewWritableFile("/d/manifest");
  REQUIRE(old_m.has_value());
  REQUIRE((*old_m)->Append("v1").ok());
  REQUIRE((*old_m)->Sync().ok());
  REQUIRE(fs.SyncDir("/d").ok());

  auto tmp = fs.NewWritableFile("/d/manifest.tmp");
  REQUIRE(tmp.has_value());
  REQUIRE((*tmp)->Append("v2").ok());
  REQUIRE((*tmp)->Sync().ok());
  REQUIRE(fs.RenameFile("/d/manifest.tmp", "/d/manifest").ok());
  CHECK(Read(fs, "/d/manifest") == "v2");
  CHECK_FALSE(fs.IsDirEntrySynced("/d/manifest"));

  SECTION("crash before the directory sync keeps the old manifest") {
    Crash(fs);
    CHECK(Read(fs, "/d/manifest") == "v1");
    CHECK_FALSE(fs.FileExists("/d/manifest.tmp"));
  }
  SECTION("crash after the directory sync keeps the new one") {
    REQUIRE(fs.SyncDir("/d").ok());
    CHECK(fs.IsDirEntrySynced("/d/manifest"));
    Crash(fs);
    CHECK(Read(fs, "/d/manifest") == "v2");
    CHECK_FALSE(fs.FileExists("/d/manifest.tmp"));
  }
}

TEST_CASE("a removal not followed by SyncDir is undone, with the synced bytes", "[io][fs][mem]") {
  MemFileSystem fs;
  REQUIRE(fs.CreateDir("/d").ok());
  auto f = fs.NewWritableFile("/d/incr.aof");
  REQUIRE(f.has_value());
  REQUIRE((*f)->Append("kept").ok());
  REQUIRE((*f)->Sync().ok());
  REQUIRE((*f)->Append("lost").ok());
  REQUIRE(fs.SyncDir("/d").ok());
  REQUIRE(fs.RemoveFile("/d/incr.aof").ok());
  Crash(fs);
  CHECK(Read(fs, "/d/incr.aof") == "kept");
  REQUIRE(fs.RemoveFile("/d/incr.aof").ok());
  REQUIRE(fs.SyncDir("/d").ok());
  Crash(fs);
  CHECK_FALSE(fs.FileExists("/d/incr.aof"));
}

TEST_CASE("truncation is not durable past the synced length", "[io][fs][mem]") {
  MemFileSystem fs;
  auto f = fs.NewWritableFile("file");  // relative paths live in the implicit current directory
  REQUIRE(f.has_value());
  REQUIRE((*f)->Append("0123456789").ok());
  REQUIRE((*f)->Sync().ok());
  REQUIRE(fs.SyncDir("").ok());
  REQUIRE(fs.Truncate("file", 4).ok());
  CHECK(fs.SyncedSize("file") == 4);
  Crash(fs);
  CHECK(Read(fs, "file") == "0123");
}

TEST_CASE("each directory's durability is tracked separately", "[io][fs][mem]") {
  MemFileSystem fs;
  REQUIRE(fs.CreateDir("/a").ok());
  REQUIRE(fs.CreateDir("/b").ok());
  for (const char* p : {"/a/f", "/b/f"}) {
    auto f = fs.NewWritableFile(p);
    REQUIRE(f.has_value());
    REQUIRE((*f)->Append("x").ok());
    REQUIRE((*f)->Sync().ok());
  }
  REQUIRE(fs.SyncDir("/a").ok());
  Crash(fs);
  CHECK(fs.FileExists("/a/f"));
  CHECK_FALSE(fs.FileExists("/b/f"));
  CHECK(fs.FileExists("/b"));  // directories are durable once created
}

}  // namespace
}  // namespace keel::io
