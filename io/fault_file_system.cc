// The fault-injecting FileSystem. Every knob is checked under one mutex, in a fixed order (always,
// n-th, one-in-n), and the one-in-n generator draws once for every operation it covers whether or
// not another knob already failed it, so a seed gives the same sequence of faults on every run.
#include "io/fault_file_system.h"

#include <errno.h>
#include <string.h>

#include <algorithm>

namespace keel::io {

namespace {

Status Injected(std::string_view what, const std::string& path, int err) {
  std::string msg(what);
  msg += " '";
  msg += path;
  msg += "': ";
  msg += strerror(err);
  msg += " (injected fault)";
  return Status::IoError(std::move(msg), err);
}

}  // namespace

// Appends are where data meets the disk: a fault fails the whole append (nothing written), while
// a short write or a full disk writes the part that fits and then fails, as write(2) would report
// the error on the call after a short one. Flush() fails only under FailAlways(kOpAppend): a dead
// disk fails everything, but the counted knobs (n-th, one-in-n) count each append once, so a
// caller's Append + Flush is one operation to them.
class FaultInjectionFileSystem::Writable final : public WritableFile {
 public:
  Writable(FaultInjectionFileSystem* fs, std::unique_ptr<WritableFile> base, std::string path)
      : fs_(fs), base_(std::move(base)), path_(std::move(path)) {}

  Status Append(std::string_view data) override {
    if (int err = fs_->MaybeFail(kOpAppend, path_); err != 0) {
      return Injected("cannot append to", path_, err);
    }
    size_t fits = data.size();
    int err = 0;
    {
      std::lock_guard<std::mutex> lock(fs_->mu_);
      if (fs_->short_write_ != UINT64_MAX) {
        fits = static_cast<size_t>(std::min<uint64_t>(fs_->short_write_, fits));
        err = fs_->short_write_err_;
        fs_->short_write_ = UINT64_MAX;
      }
      if (fs_->space_left_ != UINT64_MAX) {
        if (fits > fs_->space_left_) {
          fits = static_cast<size_t>(fs_->space_left_);
          if (err == 0) err = ENOSPC;
        }
        fs_->space_left_ -= fits;
      }
    }
    if (err == 0) return base_->Append(data);
    ++fs_->injected_;
    if (fits > 0) KEEL_RETURN_IF_ERROR(base_->Append(data.substr(0, fits)));
    return Injected("cannot append to", path_, err);
  }

  Status Flush() override {
    int err = 0;
    {
      std::lock_guard<std::mutex> lock(fs_->mu_);
      if (fs_->always_ops_ & kOpAppend) err = fs_->always_err_;
    }
    if (err != 0) {
      ++fs_->injected_;
      return Injected("cannot flush", path_, err);
    }
    return base_->Flush();
  }

  // A failed sync syncs nothing: the data stays as durable as it was (fsyncgate).
  Status Sync() override {
    if (int err = fs_->MaybeFail(kOpSync, path_); err != 0) {
      return Injected("cannot fdatasync", path_, err);
    }
    return base_->Sync();
  }

  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }

 private:
  FaultInjectionFileSystem* fs_;
  std::unique_ptr<WritableFile> base_;
  std::string path_;
};

class FaultInjectionFileSystem::Sequential final : public SequentialFile {
 public:
  Sequential(FaultInjectionFileSystem* fs, std::unique_ptr<SequentialFile> base, std::string path)
      : fs_(fs), base_(std::move(base)), path_(std::move(path)) {}

  Result<std::string_view> Read(size_t n, char* scratch) override {
    if (int err = fs_->MaybeFail(kOpRead, path_); err != 0) {
      return Injected("cannot read", path_, err);
    }
    return base_->Read(n, scratch);
  }
  Status Skip(uint64_t n) override { return base_->Skip(n); }

 private:
  FaultInjectionFileSystem* fs_;
  std::unique_ptr<SequentialFile> base_;
  std::string path_;
};

FaultInjectionFileSystem::FaultInjectionFileSystem(FileSystem* base)
    : base_(base), mem_(dynamic_cast<MemFileSystem*>(base)), rng_(1) {}

FaultInjectionFileSystem::~FaultInjectionFileSystem() = default;

void FaultInjectionFileSystem::FailAlways(uint32_t ops, int err) {
  std::lock_guard<std::mutex> lock(mu_);
  always_ops_ = ops;
  always_err_ = err;
}

void FaultInjectionFileSystem::FailOneIn(uint32_t n, uint32_t ops, int err, uint64_t seed) {
  std::lock_guard<std::mutex> lock(mu_);
  one_in_ = n;
  one_in_ops_ = ops;
  one_in_err_ = err;
  rng_.seed(seed);
}

void FaultInjectionFileSystem::FailNth(uint64_t n, uint32_t ops, int err) {
  std::lock_guard<std::mutex> lock(mu_);
  nth_ = n;
  nth_ops_ = ops;
  nth_err_ = err;
}

void FaultInjectionFileSystem::SetSpaceLeft(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  space_left_ = bytes;
}

void FaultInjectionFileSystem::ShortWriteNext(uint64_t bytes, int err) {
  std::lock_guard<std::mutex> lock(mu_);
  short_write_ = bytes;
  short_write_err_ = err;
}

void FaultInjectionFileSystem::ClearFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  always_ops_ = 0;
  one_in_ = 0;
  nth_ = 0;
  space_left_ = UINT64_MAX;
  short_write_ = UINT64_MAX;
}

int FaultInjectionFileSystem::MaybeFail(Op op, const std::string& path) {
  (void)path;  // every knob applies to all paths; the callers name the path in their error
  std::lock_guard<std::mutex> lock(mu_);
  int err = 0;
  if (always_ops_ & op) err = always_err_;
  if (nth_ > 0 && (nth_ops_ & op) && --nth_ == 0 && err == 0) err = nth_err_;
  if (one_in_ > 0 && (one_in_ops_ & op) && rng_() % one_in_ == 0 && err == 0) err = one_in_err_;
  if (err != 0) ++injected_;
  return err;
}

void FaultInjectionFileSystem::DropUnsyncedData() {
  if (mem_ != nullptr) mem_->DropUnsyncedData();
}

void FaultInjectionFileSystem::RemoveFilesCreatedAfterLastDirSync() {
  if (mem_ != nullptr) mem_->RemoveFilesCreatedAfterLastDirSync();
}

Result<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::NewWritableFile(
    const std::string& path, bool append) {
  if (int err = MaybeFail(kOpCreate, path); err != 0) {
    return Injected("cannot open for writing", path, err);
  }
  KEEL_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, base_->NewWritableFile(path, append));
  return std::unique_ptr<WritableFile>(new Writable(this, std::move(file), path));
}

Result<std::unique_ptr<SequentialFile>> FaultInjectionFileSystem::NewSequentialFile(
    const std::string& path) {
  if (int err = MaybeFail(kOpRead, path); err != 0) {
    return Injected("cannot open for reading", path, err);
  }
  KEEL_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, base_->NewSequentialFile(path));
  return std::unique_ptr<SequentialFile>(new Sequential(this, std::move(file), path));
}

Status FaultInjectionFileSystem::ReadFileToString(const std::string& path, std::string* out) {
  if (int err = MaybeFail(kOpRead, path); err != 0) {
    out->clear();
    return Injected("cannot read", path, err);
  }
  return base_->ReadFileToString(path, out);
}

bool FaultInjectionFileSystem::FileExists(const std::string& path) {
  return base_->FileExists(path);
}

Result<uint64_t> FaultInjectionFileSystem::GetFileSize(const std::string& path) {
  return base_->GetFileSize(path);
}

Status FaultInjectionFileSystem::GetChildren(const std::string& dir,
                                             std::vector<std::string>* names) {
  return base_->GetChildren(dir, names);
}

Status FaultInjectionFileSystem::RenameFile(const std::string& from, const std::string& to) {
  if (int err = MaybeFail(kOpRename, from); err != 0) {
    return Injected("cannot rename to '" + to + "' the file", from, err);
  }
  return base_->RenameFile(from, to);
}

Status FaultInjectionFileSystem::RemoveFile(const std::string& path) {
  if (int err = MaybeFail(kOpRemove, path); err != 0) return Injected("cannot remove", path, err);
  return base_->RemoveFile(path);
}

Status FaultInjectionFileSystem::CreateDir(const std::string& path) {
  return base_->CreateDir(path);
}

Status FaultInjectionFileSystem::SyncDir(const std::string& path) {
  if (int err = MaybeFail(kOpSyncDir, path); err != 0) {
    return Injected("cannot fsync directory", path, err);
  }
  return base_->SyncDir(path);
}

Status FaultInjectionFileSystem::Truncate(const std::string& path, uint64_t size) {
  if (int err = MaybeFail(kOpTruncate, path); err != 0) {
    return Injected("cannot truncate", path, err);
  }
  return base_->Truncate(path, size);
}

}  // namespace keel::io
