// The in-memory FileSystem. Files are shared between directory entries and open handles, like
// inodes: renaming or removing a name never changes what an open handle reads or writes, and a
// directory's durable entries keep the file they named alive, so a simulated crash can bring it
// back.
#include "io/mem_file_system.h"

#include <errno.h>
#include <string.h>

#include <algorithm>
#include <utility>

namespace keel::io {

struct MemFileSystem::File {
  std::string data;
  uint64_t synced = 0;  // bytes covered by the last Sync()
};

namespace {

Status PathError(std::string_view what, const std::string& path, int err) {
  std::string msg(what);
  msg += " '";
  msg += path;
  msg += "': ";
  msg += strerror(err);
  return Status::IoError(std::move(msg), err);
}

std::string Normalize(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// "a/b/c" -> {"a/b", "c"}; "/c" -> {"/", "c"}; "c" -> {"", "c"}.
std::pair<std::string, std::string> Split(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  if (slash == 0) return {"/", path.substr(1)};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

class MemFileSystem::Writable final : public WritableFile {
 public:
  Writable(MemFileSystem* fs, std::shared_ptr<File> file, std::string path)
      : fs_(fs), file_(std::move(file)), path_(std::move(path)) {}

  Status Append(std::string_view data) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    if (closed_) return Closed();
    file_->data.append(data);
    return Status::Ok();
  }
  Status Flush() override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    return closed_ ? Closed() : Status::Ok();
  }
  Status Sync() override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    if (closed_) return Closed();
    file_->synced = file_->data.size();
    return Status::Ok();
  }
  Status Close() override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    if (closed_) return Closed();
    closed_ = true;
    return Status::Ok();
  }
  uint64_t Size() const override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    return file_->data.size();
  }

 private:
  Status Closed() const { return Status::IoError("file '" + path_ + "' is already closed", EBADF); }

  MemFileSystem* fs_;
  std::shared_ptr<File> file_;
  std::string path_;
  bool closed_ = false;
};

class MemFileSystem::Sequential final : public SequentialFile {
 public:
  Sequential(MemFileSystem* fs, std::shared_ptr<File> file) : fs_(fs), file_(std::move(file)) {}

  Result<std::string_view> Read(size_t n, char* scratch) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    size_t size = file_->data.size();
    size_t take = pos_ >= size ? 0 : std::min<uint64_t>(n, size - pos_);
    if (take > 0) memcpy(scratch, file_->data.data() + pos_, take);
    pos_ += take;
    return std::string_view(scratch, take);
  }
  Status Skip(uint64_t n) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    pos_ = std::min<uint64_t>(pos_ + n, file_->data.size());
    return Status::Ok();
  }

 private:
  MemFileSystem* fs_;
  std::shared_ptr<File> file_;
  uint64_t pos_ = 0;
};

MemFileSystem::MemFileSystem() = default;
MemFileSystem::~MemFileSystem() = default;

bool MemFileSystem::DirExistsLocked(const std::string& dir) const {
  return dir.empty() || dir == "/" || dirs_.count(dir) > 0;
}

std::shared_ptr<MemFileSystem::File> MemFileSystem::FindLocked(const std::string& path) {
  auto [dir, name] = Split(Normalize(path));
  auto d = live_.find(dir);
  if (d == live_.end()) return nullptr;
  auto f = d->second.find(name);
  return f == d->second.end() ? nullptr : f->second;
}

Result<std::unique_ptr<WritableFile>> MemFileSystem::NewWritableFile(const std::string& path,
                                                                     bool append) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string p = Normalize(path);
  auto [dir, name] = Split(p);
  if (dirs_.count(p) > 0) return PathError("cannot open for writing", path, EISDIR);
  if (!DirExistsLocked(dir)) return PathError("cannot open for writing", path, ENOENT);
  std::shared_ptr<File>& slot = live_[dir][name];
  if (slot == nullptr) {
    slot = std::make_shared<File>();
  } else if (!append) {
    // O_TRUNC empties the same file; the truncation itself is not yet durable, but whatever was
    // synced is gone either way, so nothing survives a crash.
    slot->data.clear();
    slot->synced = 0;
  }
  return std::unique_ptr<WritableFile>(new Writable(this, slot, path));
}

Result<std::unique_ptr<SequentialFile>> MemFileSystem::NewSequentialFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<File> f = FindLocked(path);
  if (f == nullptr) return PathError("cannot open for reading", path, ENOENT);
  return std::unique_ptr<SequentialFile>(new Sequential(this, std::move(f)));
}

Status MemFileSystem::ReadFileToString(const std::string& path, std::string* out) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<File> f = FindLocked(path);
  if (f == nullptr) return PathError("cannot open for reading", path, ENOENT);
  *out = f->data;
  return Status::Ok();
}

bool MemFileSystem::FileExists(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindLocked(path) != nullptr || DirExistsLocked(Normalize(path));
}

Result<uint64_t> MemFileSystem::GetFileSize(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<File> f = FindLocked(path);
  if (f == nullptr) return PathError("cannot stat", path, ENOENT);
  return static_cast<uint64_t>(f->data.size());
}

Status MemFileSystem::GetChildren(const std::string& dir, std::vector<std::string>* names) {
  std::lock_guard<std::mutex> lock(mu_);
  names->clear();
  std::string d = Normalize(dir);
  if (!DirExistsLocked(d)) return PathError("cannot list directory", dir, ENOENT);
  auto it = live_.find(d);
  if (it != live_.end()) {
    for (const auto& [name, file] : it->second) names->push_back(name);
  }
  for (const std::string& sub : dirs_) {
    auto [parent, name] = Split(sub);
    if (parent == d) names->push_back(name);
  }
  return Status::Ok();
}

Status MemFileSystem::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [from_dir, from_name] = Split(Normalize(from));
  std::string t = Normalize(to);
  auto [to_dir, to_name] = Split(t);
  std::shared_ptr<File> f = FindLocked(from);
  const char* what = "cannot rename";
  if (f == nullptr) return PathError(what, from, ENOENT);
  if (!DirExistsLocked(to_dir)) return PathError(what, to, ENOENT);
  if (dirs_.count(t) > 0) return PathError(what, to, EISDIR);
  live_[from_dir].erase(from_name);
  live_[to_dir][to_name] = std::move(f);
  return Status::Ok();
}

Status MemFileSystem::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [dir, name] = Split(Normalize(path));
  auto d = live_.find(dir);
  if (d == live_.end() || d->second.erase(name) == 0) {
    return PathError("cannot remove", path, ENOENT);
  }
  return Status::Ok();
}

Status MemFileSystem::CreateDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string p = Normalize(path);
  if (DirExistsLocked(p)) return Status::Ok();
  if (FindLocked(p) != nullptr) return PathError("cannot create directory", path, EEXIST);
  if (!DirExistsLocked(Split(p).first)) return PathError("cannot create directory", path, ENOENT);
  dirs_.insert(p);
  return Status::Ok();
}

Status MemFileSystem::SyncDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string p = Normalize(path);
  if (!DirExistsLocked(p)) return PathError("cannot open directory", path, ENOENT);
  durable_[p] = live_[p];
  return Status::Ok();
}

Status MemFileSystem::Truncate(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<File> f = FindLocked(path);
  if (f == nullptr) return PathError("cannot truncate", path, ENOENT);
  f->data.resize(size, '\0');
  // Not yet durable: a crash may keep the old length, but never bytes past the new one that
  // were not synced before.
  f->synced = std::min<uint64_t>(f->synced, size);
  return Status::Ok();
}

void MemFileSystem::DropUnsyncedData() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto* table : {&live_, &durable_}) {
    for (auto& [dir, entries] : *table) {
      for (auto& [name, file] : entries) file->data.resize(file->synced);
    }
  }
}

void MemFileSystem::RemoveFilesCreatedAfterLastDirSync() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [dir, entries] : live_) {
    auto d = durable_.find(dir);
    if (d == durable_.end()) {
      entries.clear();
    } else {
      entries = d->second;
    }
  }
  for (auto& [dir, entries] : durable_) live_[dir] = entries;
}

uint64_t MemFileSystem::SyncedSize(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<File> f = FindLocked(path);
  return f == nullptr ? 0 : f->synced;
}

bool MemFileSystem::IsDirEntrySynced(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [dir, name] = Split(Normalize(path));
  std::shared_ptr<File> now = FindLocked(path);
  auto d = durable_.find(dir);
  if (d == durable_.end()) return now == nullptr;
  auto f = d->second.find(name);
  std::shared_ptr<File> then = f == d->second.end() ? nullptr : f->second;
  return now == then;
}

}  // namespace keel::io
