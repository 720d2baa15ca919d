// Helpers for the file-operation and log-file tests: a fresh temporary directory, reading a file
// back whole, and a scoped RLIMIT_FSIZE that makes the kernel itself cut a write short (the
// part below the limit is written, a write starting at the limit fails with EFBIG).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

namespace keel::io::testing {

// A directory under /tmp, removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/keel-io-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::string cmd = "rm -rf '" + path_ + "'";
    (void)system(cmd.c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Path(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The whole file, or "<missing>" when it cannot be opened.
inline std::string ReadWholeFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "<missing>";
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t r = read(fd, buf, sizeof(buf));
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  close(fd);
  return out;
}

// While alive, no file of this process may grow past `limit` bytes, and SIGXFSZ is ignored so a
// write at the limit fails with EFBIG instead of killing the test. Process-wide (io_uring's
// kernel workers are threads of this process and obey it too): keep the scope to the write under
// test, since any other file written meanwhile (a log, the test's own output) is limited as well.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t limit) {
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old_) == 0);
    struct rlimit lim = old_;
    lim.rlim_cur = limit;
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  struct rlimit old_;
  sighandler_t old_handler_;
};

}  // namespace keel::io::testing
