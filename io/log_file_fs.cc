// The append-only log file over an io::FileSystem (the in-memory or fault-injecting one in
// tests): every write is an Append + Flush, every sync a Sync, and the asynchronous calls complete
// before they return. Appends behave as the loop's pwrite at a reserved offset does: after a failed
// append, the next one still lands at the end of the failed one's range, the gap reading as zeros.
#include <errno.h>
#include <string.h>

#include <algorithm>
#include <string>

#include "io/log_file.h"

namespace keel::io {

namespace {

class FsLogFile final : public LogFile {
 public:
  FsLogFile(FileSystem& fs, std::string path, std::unique_ptr<WritableFile> file)
      : LogFile(std::move(path)),
        fs_(fs),
        file_(std::move(file)),
        size_(file_->Size()),
        end_(size_) {}

  uint64_t size() const override { return size_; }
  bool busy() const override { return false; }  // nothing outlives the call that started it

  // size() follows the bytes that reached the file, including the part of a failed write.
  Status Write(std::string_view data) override {
    if (file_ == nullptr) return ClosedError("write to");
    Status s = WriteAt(size_, data);
    size_ = end_;
    return s;
  }

  void WriteAsync(std::string_view data, bool sync, std::function<void(Status)> done) override {
    Status s = Write(data);
    if (s.ok() && sync) s = SyncNow();
    done(std::move(s));
  }

  void SyncAsync(std::function<void(Status)> done) override { done(SyncNow()); }

  // size() counts the whole of `data` whatever happens, as the loop's AppendAsync does.
  void AppendAsync(std::string_view data, bool sync, std::function<void(Status)> done) override {
    if (file_ == nullptr) {
      done(ClosedError("append to"));
      return;
    }
    uint64_t offset = size_;
    size_ += data.size();
    Status s = WriteAt(offset, data);
    if (s.ok() && sync) s = SyncNow();
    done(std::move(s));
  }

  Status SyncNow() override {
    if (file_ == nullptr) return ClosedError("fdatasync");
    int err;
    bool fault = TakeSyncFault(&err);
    KEEL_RETURN_IF_ERROR(file_->Sync());
    if (fault) {
      return Status::IoError(
          "cannot fdatasync '" + path() + "': " + strerror(err) + " (injected fault)", err);
    }
    return Status::Ok();
  }

  // A WritableFile only appends, so the file is closed, cut on the file system and reopened at
  // its new end.
  Status Truncate(uint64_t size) override {
    if (closed_) return ClosedError("truncate");
    if (file_ != nullptr) {
      // Nothing is buffered (every write flushed), so closing cannot add bytes; its error, after
      // a failed write, says nothing the truncation does not fix.
      (void)file_->Close();
      file_.reset();
    }
    Status s = fs_.Truncate(path(), size);
    if (s.ok()) {
      size_ = end_ = size;
    } else {
      RefreshSize();
    }
    auto reopened = fs_.NewWritableFile(path(), /*append=*/true);
    if (!reopened.has_value()) return s.ok() ? reopened.error() : s;
    file_ = std::move(reopened).value();
    return s;
  }

  Status Close() override {
    if (closed_) return ClosedError("close");
    closed_ = true;
    if (file_ == nullptr) return Status::Ok();
    Status s = file_->Close();
    file_.reset();
    return s;
  }

 private:
  Status ClosedError(const char* what) const {
    return Status::IoError(std::string("cannot ") + what + " '" + path() + "': " +
                               (closed_ ? "it is closed"
                                        : "it could not be reopened after a truncation; "
                                          "truncate it again"),
                           EBADF);
  }

  // Writes `data` at `offset`, which is at or after the file's end (zeros fill a gap a failed
  // append left), taking one write fault: its partial bytes are written, then it fails.
  Status WriteAt(uint64_t offset, std::string_view data) {
    if (end_ < offset) KEEL_RETURN_IF_ERROR(Append(std::string(offset - end_, '\0')));
    int err;
    uint64_t partial;
    if (TakeWriteFault(&err, &partial)) {
      KEEL_RETURN_IF_ERROR(Append(data.substr(0, std::min<uint64_t>(partial, data.size()))));
      return Status::IoError("cannot write to '" + path() + "' at offset " + std::to_string(end_) +
                                 ": " + strerror(err) + " (injected fault)",
                             err);
    }
    return Append(data);
  }

  Status Append(std::string_view data) {
    Status s = file_->Append(data);
    if (s.ok()) s = file_->Flush();
    if (s.ok()) {
      end_ += data.size();
    } else {
      // A failed append may still have written part of its data.
      auto size = fs_.GetFileSize(path());
      if (size.has_value()) end_ = *size;
    }
    return s;
  }

  void RefreshSize() {
    auto size = fs_.GetFileSize(path());
    if (size.has_value()) size_ = end_ = *size;
  }

  FileSystem& fs_;
  // Null once closed, or after Truncate() could not reopen the file (a later Truncate() tries
  // again).
  std::unique_ptr<WritableFile> file_;
  uint64_t size_;  // where the next write goes: end_, or past it after a failed append
  uint64_t end_;   // bytes in the file
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<LogFile>> OpenFsLogFile(FileSystem& fs, const std::string& path) {
  KEEL_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                        fs.NewWritableFile(path, /*append=*/true));
  return std::unique_ptr<LogFile>(new FsLogFile(fs, path, std::move(file)));
}

}  // namespace keel::io
