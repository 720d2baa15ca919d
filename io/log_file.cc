// The append-only log file: fault bookkeeping shared by both implementations, and the one that
// writes through the event loop (io_uring's linked write + fdatasync, or epoll's synchronous
// calls). The FileSystem-backed one is in log_file_fs.cc.
#include "io/log_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>

namespace keel::io {

namespace {

std::string ErrText(int err) { return std::string(strerror(err)); }

// The fd, shared with the callbacks in flight. A file destroyed with an operation in flight (or
// still queued for submission) must not close its fd under it: a new file could get the number
// and receive the write. The last owner closes it.
struct FdHandle {
  int fd;
  bool alive = true;  // false once the LoopLogFile is gone: completions then do nothing
  explicit FdHandle(int f) : fd(f) {}
  ~FdHandle() {
    if (fd >= 0) close(fd);
  }
};

class LoopLogFile final : public LogFile {
 public:
  LoopLogFile(EventLoop& loop, std::string path, int fd, uint64_t size)
      : LogFile(std::move(path)),
        loop_(loop),
        handle_(std::make_shared<FdHandle>(fd)),
        fd_(fd),
        size_(size) {}
  ~LoopLogFile() override { handle_->alive = false; }

  uint64_t size() const override { return size_; }
  bool busy() const override { return busy_; }

  Status Write(std::string_view data) override {
    KEEL_RETURN_IF_ERROR(CheckIdle("write to"));
    int err;
    uint64_t partial;
    if (TakeWriteFault(&err, &partial)) {
      KEEL_RETURN_IF_ERROR(WriteAll(data.substr(0, std::min<uint64_t>(partial, data.size()))));
      return WriteError(err, /*injected=*/true);
    }
    return WriteAll(data);
  }

  void WriteAsync(std::string_view data, bool sync, std::function<void(Status)> done) override {
    Status s = CheckIdle("write to");
    if (!s.ok()) {
      done(std::move(s));
      return;
    }
    busy_ = true;
    done_ = std::move(done);
    sync_ = sync;
    write_fault_ = 0;
    sync_fault_ = 0;
    int err;
    uint64_t partial;
    if (TakeWriteFault(&err, &partial)) {
      // The partial bytes are written for real (through the same path), then the error reported.
      write_fault_ = err;
      rest_ = data.substr(0, std::min<uint64_t>(partial, data.size()));
      sync_ = false;
    } else {
      rest_ = data;
      if (sync && TakeSyncFault(&err)) sync_fault_ = err;
    }
    SubmitRest();
  }

  void SyncAsync(std::function<void(Status)> done) override {
    Status s = CheckIdle("fdatasync");
    if (!s.ok()) {
      done(std::move(s));
      return;
    }
    busy_ = true;
    done_ = std::move(done);
    int err;
    sync_fault_ = TakeSyncFault(&err) ? err : 0;
    loop_.SubmitFileSync(fd_, [this, handle = handle_](int res) {
      if (handle->alive) OnSynced(res);
    });
  }

  Status SyncNow() override {
    KEEL_RETURN_IF_ERROR(CheckIdle("fdatasync"));
    int err;
    bool fault = TakeSyncFault(&err);
    if (fdatasync(fd_) != 0) return SyncError(errno, false);
    return fault ? SyncError(err, true) : Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    KEEL_RETURN_IF_ERROR(CheckIdle("truncate"));
    if (ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      int err = errno;
      return Status::IoError(
          "cannot truncate '" + path() + "' to " + std::to_string(size) + " bytes: " + ErrText(err),
          err);
    }
    size_ = size;
    return Status::Ok();
  }

  Status Close() override {
    KEEL_RETURN_IF_ERROR(CheckIdle("close"));
    int rc = close(fd_);
    int err = errno;
    fd_ = -1;
    handle_->fd = -1;
    if (rc != 0) return Status::IoError("cannot close '" + path() + "': " + ErrText(err), err);
    return Status::Ok();
  }

 private:
  Status CheckIdle(const char* what) const {
    if (fd_ < 0) {
      return Status::IoError(std::string("cannot ") + what + " '" + path() + "': it is closed",
                             EBADF);
    }
    if (busy_) {
      return Status::Internal(std::string("cannot ") + what + " '" + path() +
                              "' while an asynchronous write or sync is in flight");
    }
    return Status::Ok();
  }

  Status WriteError(int err, bool injected) const {
    return Status::IoError("cannot write to '" + path() + "' at offset " + std::to_string(size_) +
                               ": " + ErrText(err) + (injected ? " (injected fault)" : ""),
                           err);
  }
  Status SyncError(int err, bool injected) const {
    return Status::IoError("cannot fdatasync '" + path() + "': " + ErrText(err) +
                               (injected ? " (injected fault)" : ""),
                           err);
  }

  // Synchronous pwrite at the end; size_ follows every byte that reached the file.
  Status WriteAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = pwrite(fd_, data.data(), data.size(), static_cast<off_t>(size_));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return WriteError(n < 0 ? errno : EIO, false);
      size_ += static_cast<uint64_t>(n);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }

  // Writes rest_ at the end of the file, with the fdatasync linked after it when asked: a short
  // write cancels the fsync, and the continuation carries it again, so it always follows the last
  // byte.
  void SubmitRest() {
    loop_.SubmitFileWrite(fd_, size_, rest_.data(), rest_.size(), sync_,
                          [this, handle = handle_](int64_t write_res, int sync_res) {
                            if (handle->alive) OnWritten(write_res, sync_res);
                          });
  }

  void OnWritten(int64_t write_res, int sync_res) {
    if (write_res < 0) {
      Finish(WriteError(static_cast<int>(-write_res), false));
      return;
    }
    size_ += static_cast<uint64_t>(write_res);
    rest_.remove_prefix(static_cast<size_t>(write_res));
    if (!rest_.empty()) {
      if (write_res == 0) {  // no progress: report instead of spinning
        Finish(WriteError(EIO, false));
        return;
      }
      SubmitRest();
      return;
    }
    if (write_fault_ != 0) {
      Finish(WriteError(write_fault_, true));
      return;
    }
    if (!sync_) {
      Finish(Status::Ok());
      return;
    }
    if (sync_res == 1 || sync_res == -ECANCELED) {
      // Everything is written but the fsync did not run with it (a write the loop had to split):
      // it runs now, alone.
      loop_.SubmitFileSync(fd_, [this, handle = handle_](int res) {
        if (handle->alive) OnSynced(res);
      });
      return;
    }
    OnSynced(sync_res);
  }

  void OnSynced(int res) {
    if (res < 0) {
      Finish(SyncError(-res, false));
    } else if (sync_fault_ != 0) {
      Finish(SyncError(sync_fault_, true));
    } else {
      Finish(Status::Ok());
    }
  }

  // Idle again before `done` runs, so that it may start the next operation.
  void Finish(Status s) {
    busy_ = false;
    rest_ = {};
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(s));
  }

  EventLoop& loop_;
  std::shared_ptr<FdHandle> handle_;
  int fd_;  // handle_->fd while open, -1 once closed
  uint64_t size_;
  bool busy_ = false;
  std::string_view rest_;  // bytes of the WriteAsync not written yet
  bool sync_ = false;
  int write_fault_ = 0;  // injected: reported once the partial bytes are written
  int sync_fault_ = 0;   // injected: reported once the fsync has run
  std::function<void(Status)> done_;
};

}  // namespace

namespace {
// Counts one use of a fault: true while some are left (-1: until cleared).
bool TakeOne(int* left) {
  if (*left == 0) return false;
  if (*left > 0) --*left;
  return true;
}
}  // namespace

bool LogFile::TakeWriteFault(int* err, uint64_t* partial) {
  if (faults_.write_errno == 0 || !TakeOne(&write_faults_left_)) return false;
  *err = faults_.write_errno;
  *partial = faults_.partial_bytes;
  return true;
}

bool LogFile::TakeSyncFault(int* err) {
  if (faults_.sync_errno == 0 || !TakeOne(&sync_faults_left_)) return false;
  *err = faults_.sync_errno;
  return true;
}

// Opened without O_APPEND: Linux ignores pwrite's offset on an O_APPEND file, and the loop writes
// at an explicit offset (the file's size, which this object tracks). Only one writer may append.
Result<std::unique_ptr<LogFile>> OpenLoopLogFile(EventLoop& loop, const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    int err = errno;
    return Status::IoError("cannot open '" + path + "' for appending: " + ErrText(err), err);
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return Status::IoError("cannot stat '" + path + "': " + ErrText(err), err);
  }
  return std::unique_ptr<LogFile>(
      new LoopLogFile(loop, path, fd, static_cast<uint64_t>(st.st_size)));
}

}  // namespace keel::io
