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

// One asynchronous operation: a WriteAsync, a SyncAsync or an AppendAsync. Each has its own
// offset, remaining bytes, injected faults and callback, so that several appends can be in flight
// at once; the callbacks the loop holds share it.
struct Op {
  bool append = false;    // AppendAsync: its bytes were counted in size() when it started
  uint64_t offset = 0;    // where rest goes
  std::string_view rest;  // bytes not written yet
  bool sync = false;
  int write_fault = 0;  // injected: reported once the partial bytes are written
  int sync_fault = 0;   // injected: reported once the fsync has run
  std::function<void(Status)> done;
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
  bool busy() const override { return busy_ || appends_ > 0; }

  Status Write(std::string_view data) override {
    // A SyncAsync in flight is fine: everysec writes while its background fsync runs.
    if (!(syncing_ && appends_ == 0 && fd_ >= 0)) KEEL_RETURN_IF_ERROR(CheckIdle("write to"));
    int err;
    uint64_t partial;
    if (TakeWriteFault(&err, &partial)) {
      KEEL_RETURN_IF_ERROR(WriteAll(data.substr(0, std::min<uint64_t>(partial, data.size()))));
      return WriteError(size_, err, /*injected=*/true);
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
    StartWrite(/*append=*/false, data, sync, std::move(done));
  }

  void AppendAsync(std::string_view data, bool sync, std::function<void(Status)> done) override {
    // Only a WriteAsync/SyncAsync in flight forbids it; other appends may be.
    Status s = fd_ < 0 || busy_ ? CheckIdle("append to") : Status::Ok();
    if (!s.ok()) {
      done(std::move(s));
      return;
    }
    ++appends_;
    StartWrite(/*append=*/true, data, sync, std::move(done));
  }

  void SyncAsync(std::function<void(Status)> done) override {
    Status s = CheckIdle("fdatasync");
    if (!s.ok()) {
      done(std::move(s));
      return;
    }
    busy_ = true;
    syncing_ = true;
    auto op = std::make_shared<Op>();
    op->done = std::move(done);
    int err;
    op->sync_fault = TakeSyncFault(&err) ? err : 0;
    SubmitSync(std::move(op));
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
    if (busy()) {
      return Status::Internal(std::string("cannot ") + what + " '" + path() +
                              "' while an asynchronous write or sync is in flight");
    }
    return Status::Ok();
  }

  Status WriteError(uint64_t offset, int err, bool injected) const {
    return Status::IoError("cannot write to '" + path() + "' at offset " + std::to_string(offset) +
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
      if (n <= 0) return WriteError(size_, n < 0 ? errno : EIO, false);
      size_ += static_cast<uint64_t>(n);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }

  // A WriteAsync grows size_ as its bytes land; an append has its range counted at once, so the
  // next append goes right after it whatever happens to this one.
  void StartWrite(bool append, std::string_view data, bool sync, std::function<void(Status)> done) {
    auto op = std::make_shared<Op>();
    op->append = append;
    op->offset = size_;
    op->sync = sync;
    op->done = std::move(done);
    if (append) size_ += data.size();
    int err;
    uint64_t partial;
    if (TakeWriteFault(&err, &partial)) {
      // The partial bytes are written for real (through the same path), then the error reported.
      op->write_fault = err;
      op->rest = data.substr(0, std::min<uint64_t>(partial, data.size()));
      op->sync = false;
    } else {
      op->rest = data;
      if (sync && TakeSyncFault(&err)) op->sync_fault = err;
    }
    SubmitRest(std::move(op));
  }

  // Writes the op's remaining bytes at its offset, with the fdatasync linked after them when
  // asked: a short write cancels the fsync, and the continuation carries it again, so it always
  // follows the op's last byte. The callbacks hold the op, so it lives as long as the loop owes
  // it a completion, and check `alive`, so nothing runs for a file that is gone.
  void SubmitRest(std::shared_ptr<Op> op) {
    const Op& o = *op;
    loop_.SubmitFileWrite(
        fd_, o.offset, o.rest.data(), o.rest.size(), o.sync,
        [this, handle = handle_, op = std::move(op)](int64_t write_res, int sync_res) {
          if (handle->alive) OnWritten(op, write_res, sync_res);
        });
  }

  void SubmitSync(std::shared_ptr<Op> op) {
    loop_.SubmitFileSync(fd_, [this, handle = handle_, op = std::move(op)](int res) {
      if (handle->alive) OnSynced(op, res);
    });
  }

  void OnWritten(const std::shared_ptr<Op>& op, int64_t write_res, int sync_res) {
    if (write_res < 0) {
      Finish(*op, WriteError(op->offset, static_cast<int>(-write_res), false));
      return;
    }
    op->offset += static_cast<uint64_t>(write_res);
    if (!op->append) size_ = op->offset;
    op->rest.remove_prefix(static_cast<size_t>(write_res));
    if (!op->rest.empty()) {
      if (write_res == 0) {  // no progress: report instead of spinning
        Finish(*op, WriteError(op->offset, EIO, false));
        return;
      }
      SubmitRest(op);
      return;
    }
    if (op->write_fault != 0) {
      Finish(*op, WriteError(op->offset, op->write_fault, true));
      return;
    }
    if (!op->sync) {
      Finish(*op, Status::Ok());
      return;
    }
    if (sync_res == 1 || sync_res == -ECANCELED) {
      // Everything is written but the fsync did not run with it (a write the loop had to split):
      // it runs now, alone.
      SubmitSync(op);
      return;
    }
    OnSynced(op, sync_res);
  }

  void OnSynced(const std::shared_ptr<Op>& op, int res) {
    if (res < 0) {
      Finish(*op, SyncError(-res, false));
    } else if (op->sync_fault != 0) {
      Finish(*op, SyncError(op->sync_fault, true));
    } else {
      Finish(*op, Status::Ok());
    }
  }

  // Idle again (or one append fewer) before `done` runs, so that it may start the next operation.
  void Finish(Op& op, Status s) {
    if (op.append) {
      --appends_;
    } else {
      busy_ = false;
      syncing_ = false;
    }
    op.rest = {};
    auto done = std::move(op.done);
    op.done = nullptr;
    done(std::move(s));
  }

  EventLoop& loop_;
  std::shared_ptr<FdHandle> handle_;
  int fd_;  // handle_->fd while open, -1 once closed
  // Where the next write goes: with appends in flight, the end of the last one started.
  uint64_t size_;
  bool busy_ = false;     // a WriteAsync or SyncAsync is in flight
  bool syncing_ = false;  // ... and it is a SyncAsync
  int appends_ = 0;    // AppendAsync calls in flight
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
