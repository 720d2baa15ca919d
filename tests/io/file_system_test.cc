// The FileSystem contract, run against the POSIX implementation (in a fresh temporary directory)
// and against MemFileSystem, so the in-memory double cannot drift from the real thing.
#include "io/file_system.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "io/mem_file_system.h"

namespace keel::io {
namespace {

// A file system plus a fresh, existing directory to work in.
struct Fixture {
  std::unique_ptr<MemFileSystem> mem;
  FileSystem* fs = nullptr;
  std::string root;

  explicit Fixture(bool posix) {
    if (posix) {
      char tmpl[] = "/tmp/keel-fs-XXXXXX";
      REQUIRE(mkdtemp(tmpl) != nullptr);
      root = tmpl;
      fs = FileSystem::Posix();
    } else {
      mem = std::make_unique<MemFileSystem>();
      fs = mem.get();
      root = "/keel-fs";
      REQUIRE(fs->CreateDir(root).ok());
    }
  }
  ~Fixture() {
    if (mem == nullptr) {
      std::string cmd = "rm -rf '" + root + "'";
      (void)system(cmd.c_str());
    }
  }
  std::string Path(const std::string& name) const { return root + "/" + name; }

  void Write(const std::string& name, const std::string& data) {
    auto f = fs->NewWritableFile(Path(name));
    REQUIRE(f.has_value());
    REQUIRE((*f)->Append(data).ok());
    REQUIRE((*f)->Close().ok());
  }
  std::string Read(const std::string& name) {
    std::string out;
    REQUIRE(fs->ReadFileToString(Path(name), &out).ok());
    return out;
  }
  std::vector<std::string> Children(const std::string& dir) {
    std::vector<std::string> names;
    REQUIRE(fs->GetChildren(dir, &names).ok());
    std::sort(names.begin(), names.end());
    return names;
  }
};

#define FS_FIXTURE()                                 \
  bool posix = GENERATE(true, false);                \
  INFO((posix ? "posix" : "mem") << " file system"); \
  Fixture fx(posix);                                 \
  FileSystem* fs = fx.fs

TEST_CASE("appends are visible after Close, and Size counts unflushed bytes", "[io][fs]") {
  FS_FIXTURE();
  auto f = fs->NewWritableFile(fx.Path("a"));
  REQUIRE(f.has_value());
  REQUIRE((*f)->Append("hello ").ok());
  REQUIRE((*f)->Append("world").ok());
  CHECK((*f)->Size() == 11);
  REQUIRE((*f)->Sync().ok());
  REQUIRE((*f)->Close().ok());
  CHECK(fx.Read("a") == "hello world");
  CHECK(*fs->GetFileSize(fx.Path("a")) == 11);
  CHECK(fs->FileExists(fx.Path("a")));
}

TEST_CASE("a write larger than the internal buffer keeps its order", "[io][fs]") {
  FS_FIXTURE();
  auto f = fs->NewWritableFile(fx.Path("big"));
  REQUIRE(f.has_value());
  std::string small(1000, 's');
  std::string big(200 * 1024, 'b');
  REQUIRE((*f)->Append(small).ok());
  REQUIRE((*f)->Append(big).ok());
  REQUIRE((*f)->Append(small).ok());
  REQUIRE((*f)->Flush().ok());
  CHECK(*fs->GetFileSize(fx.Path("big")) == big.size() + 2 * small.size());
  REQUIRE((*f)->Close().ok());
  CHECK(fx.Read("big") == small + big + small);
}

TEST_CASE("operations on a closed writable file fail", "[io][fs]") {
  FS_FIXTURE();
  auto f = fs->NewWritableFile(fx.Path("c"));
  REQUIRE(f.has_value());
  REQUIRE((*f)->Close().ok());
  CHECK_FALSE((*f)->Append("x").ok());
  CHECK_FALSE((*f)->Sync().ok());
  CHECK_FALSE((*f)->Close().ok());
}

TEST_CASE("append mode continues an existing file; the default truncates it", "[io][fs]") {
  FS_FIXTURE();
  fx.Write("log", "one;");
  {
    auto f = fs->NewWritableFile(fx.Path("log"), /*append=*/true);
    REQUIRE(f.has_value());
    CHECK((*f)->Size() == 4);
    REQUIRE((*f)->Append("two;").ok());
    CHECK((*f)->Size() == 8);
    REQUIRE((*f)->Close().ok());
  }
  CHECK(fx.Read("log") == "one;two;");
  fx.Write("log", "fresh");
  CHECK(fx.Read("log") == "fresh");
}

TEST_CASE("sequential reads are short only at end of file; Skip moves forward", "[io][fs]") {
  FS_FIXTURE();
  fx.Write("seq", "0123456789");
  auto f = fs->NewSequentialFile(fx.Path("seq"));
  REQUIRE(f.has_value());
  char scratch[16];
  auto r = (*f)->Read(4, scratch);
  REQUIRE(r.has_value());
  CHECK(*r == "0123");
  REQUIRE((*f)->Skip(3).ok());
  r = (*f)->Read(16, scratch);
  REQUIRE(r.has_value());
  CHECK(*r == "789");
  r = (*f)->Read(16, scratch);
  REQUIRE(r.has_value());
  CHECK(r->empty());
}

TEST_CASE("missing files are IoErrors with ENOENT and the path in the message", "[io][fs]") {
  FS_FIXTURE();
  std::string missing = fx.Path("nope");
  CHECK_FALSE(fs->FileExists(missing));
  auto seq = fs->NewSequentialFile(missing);
  REQUIRE_FALSE(seq.has_value());
  CHECK(seq.error().code() == StatusCode::kIoError);
  CHECK(seq.error().sys_errno() == ENOENT);
  CHECK(seq.error().message().find(missing) != std::string_view::npos);
  std::string out;
  CHECK(fs->ReadFileToString(missing, &out).sys_errno() == ENOENT);
  CHECK(fs->GetFileSize(missing).error().sys_errno() == ENOENT);
  CHECK(fs->RemoveFile(missing).sys_errno() == ENOENT);
  CHECK(fs->RenameFile(missing, fx.Path("other")).sys_errno() == ENOENT);
  CHECK(fs->Truncate(missing, 0).sys_errno() == ENOENT);
  auto w = fs->NewWritableFile(fx.Path("no-dir/file"));
  REQUIRE_FALSE(w.has_value());
  CHECK(w.error().sys_errno() == ENOENT);
  CHECK(w.error().message().find("no-dir/file") != std::string_view::npos);
}

TEST_CASE("directories: create twice is fine, children list files and subdirs", "[io][fs]") {
  FS_FIXTURE();
  REQUIRE(fs->CreateDir(fx.Path("sub")).ok());
  REQUIRE(fs->CreateDir(fx.Path("sub")).ok());
  CHECK(fs->CreateDir(fx.Path("missing/deeper")).sys_errno() == ENOENT);
  fx.Write("sub/x", "1");
  fx.Write("y", "2");
  CHECK(fx.Children(fx.root) == std::vector<std::string>{"sub", "y"});
  CHECK(fx.Children(fx.Path("sub")) == std::vector<std::string>{"x"});
  REQUIRE(fs->SyncDir(fx.root).ok());
  std::vector<std::string> names;
  CHECK(fs->GetChildren(fx.Path("missing"), &names).sys_errno() == ENOENT);
  CHECK(fs->SyncDir(fx.Path("missing")).sys_errno() == ENOENT);
}

TEST_CASE("rename replaces the target atomically and remove deletes", "[io][fs]") {
  FS_FIXTURE();
  fx.Write("manifest", "old");
  fx.Write("manifest.tmp", "new");
  REQUIRE(fs->RenameFile(fx.Path("manifest.tmp"), fx.Path("manifest")).ok());
  CHECK(fx.Read("manifest") == "new");
  CHECK_FALSE(fs->FileExists(fx.Path("manifest.tmp")));
  REQUIRE(fs->RemoveFile(fx.Path("manifest")).ok());
  CHECK_FALSE(fs->FileExists(fx.Path("manifest")));
  CHECK(fx.Children(fx.root).empty());
}

TEST_CASE("an open file keeps working after its name is renamed away", "[io][fs]") {
  FS_FIXTURE();
  auto f = fs->NewWritableFile(fx.Path("aof.1"));
  REQUIRE(f.has_value());
  REQUIRE((*f)->Append("a").ok());
  REQUIRE((*f)->Flush().ok());
  REQUIRE(fs->RenameFile(fx.Path("aof.1"), fx.Path("aof.2")).ok());
  REQUIRE((*f)->Append("b").ok());
  REQUIRE((*f)->Close().ok());
  CHECK(fx.Read("aof.2") == "ab");
}

TEST_CASE("Truncate shortens (torn-tail repair) and extends with zeros", "[io][fs]") {
  FS_FIXTURE();
  fx.Write("t", "complete;torn");
  REQUIRE(fs->Truncate(fx.Path("t"), 9).ok());
  CHECK(fx.Read("t") == "complete;");
  REQUIRE(fs->Truncate(fx.Path("t"), 11).ok());
  CHECK(fx.Read("t") == std::string("complete;\0\0", 11));
}

}  // namespace
}  // namespace keel::io
