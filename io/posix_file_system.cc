// FileSystem over POSIX calls. Writable files buffer appends in user space (64 KiB) so that many
// small AOF records cost one write(2); Sync() is fdatasync, which also persists a grown file size.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "io/file_system.h"

namespace keel::io {

namespace {

constexpr size_t kWriteBufferSize = 64 * 1024;

Status PathError(std::string_view what, const std::string& path, int err) {
  std::string msg(what);
  msg += " '";
  msg += path;
  msg += "': ";
  msg += strerror(err);
  return Status::IoError(std::move(msg), err);
}

// Writes all of `data`, retrying on EINTR and short writes.
Status WriteAll(int fd, const char* data, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return PathError("cannot write to", path, errno);
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {
    buf_.reserve(kWriteBufferSize);
  }
  ~PosixWritableFile() override {
    if (fd_ >= 0) (void)Close();
  }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return Closed();
    size_ += data.size();
    if (buf_.size() + data.size() <= kWriteBufferSize) {
      buf_.append(data);
      return Status::Ok();
    }
    KEEL_RETURN_IF_ERROR(FlushBuffer());
    if (data.size() <= kWriteBufferSize) {
      buf_.append(data);
      return Status::Ok();
    }
    return WriteAll(fd_, data.data(), data.size(), path_);
  }

  Status Flush() override {
    if (fd_ < 0) return Closed();
    return FlushBuffer();
  }

  Status Sync() override {
    if (fd_ < 0) return Closed();
    KEEL_RETURN_IF_ERROR(FlushBuffer());
    if (fdatasync(fd_) != 0) return PathError("cannot fdatasync", path_, errno);
    return Status::Ok();
  }

  Status Close() override {
    if (fd_ < 0) return Closed();
    Status s = FlushBuffer();
    if (close(fd_) != 0 && s.ok()) s = PathError("cannot close", path_, errno);
    fd_ = -1;
    return s;
  }

  uint64_t Size() const override { return size_; }

 private:
  Status FlushBuffer() {
    if (buf_.empty()) return Status::Ok();
    Status s = WriteAll(fd_, buf_.data(), buf_.size(), path_);
    // On failure the buffered bytes are dropped, not retried: a partial write leaves the file in
    // an unknown state and the caller (the AOF's sticky error) must treat it as failed.
    buf_.clear();
    return s;
  }
  Status Closed() const { return Status::IoError("file '" + path_ + "' is already closed", EBADF); }

  std::string path_;
  int fd_;
  uint64_t size_;
  std::string buf_;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { close(fd_); }

  Result<std::string_view> Read(size_t n, char* scratch) override {
    size_t got = 0;
    while (got < n) {
      ssize_t r = read(fd_, scratch + got, n - got);
      if (r < 0) {
        if (errno == EINTR) continue;
        return PathError("cannot read", path_, errno);
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    return std::string_view(scratch, got);
  }

  Status Skip(uint64_t n) override {
    if (lseek(fd_, static_cast<off_t>(n), SEEK_CUR) < 0) {
      return PathError("cannot seek in", path_, errno);
    }
    return Status::Ok();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        bool append) override {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    int fd = open(path.c_str(), flags, 0644);
    if (fd < 0) return PathError("cannot open for writing", path, errno);
    uint64_t size = 0;
    if (append) {
      struct stat st;
      if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return PathError("cannot stat", path, err);
      }
      size = static_cast<uint64_t>(st.st_size);
    }
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd, size));
  }

  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PathError("cannot open for reading", path, errno);
    return std::unique_ptr<SequentialFile>(new PosixSequentialFile(path, fd));
  }

  Status ReadFileToString(const std::string& path, std::string* out) override {
    out->clear();
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PathError("cannot open for reading", path, errno);
    char buf[64 * 1024];
    while (true) {
      ssize_t r = read(fd, buf, sizeof(buf));
      if (r < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        close(fd);
        return PathError("cannot read", path, err);
      }
      if (r == 0) break;
      out->append(buf, static_cast<size_t>(r));
    }
    close(fd);
    return Status::Ok();
  }

  bool FileExists(const std::string& path) override { return access(path.c_str(), F_OK) == 0; }

  Result<uint64_t> GetFileSize(const std::string& path) override {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return PathError("cannot stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return PathError("cannot list directory", dir, errno);
    while (struct dirent* e = readdir(d)) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      names->emplace_back(e->d_name);
    }
    closedir(d);
    return Status::Ok();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (rename(from.c_str(), to.c_str()) != 0) {
      return PathError("cannot rename to '" + to + "' the file", from, errno);
    }
    return Status::Ok();
  }

  Status RemoveFile(const std::string& path) override {
    if (unlink(path.c_str()) != 0) return PathError("cannot remove", path, errno);
    return Status::Ok();
  }

  Status CreateDir(const std::string& path) override {
    if (mkdir(path.c_str(), 0755) == 0) return Status::Ok();
    int err = errno;
    struct stat st;
    if (err == EEXIST && stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::Ok();
    return PathError("cannot create directory", path, err);
  }

  Status SyncDir(const std::string& path) override {
    int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PathError("cannot open directory", path, errno);
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    if (rc != 0) return PathError("cannot fsync directory", path, err);
    return Status::Ok();
  }

  Status Truncate(const std::string& path, uint64_t size) override {
    if (truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
      return PathError("cannot truncate", path, errno);
    }
    return Status::Ok();
  }
};

}  // namespace

FileSystem* FileSystem::Posix() {
  static PosixFileSystem* fs = new PosixFileSystem();
  return fs;
}

}  // namespace keel::io
