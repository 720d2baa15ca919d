// An in-memory FileSystem that also models what a power cut would keep: per file, how many bytes
// were made durable by Sync(), and per directory, which entries were made durable by SyncDir().
// Tests and the fault-injecting file system use it to simulate a crash.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "io/file_system.h"

namespace keel::io {

// Thread-safe. Files opened from it must not outlive it. Paths are used as given (no "..", no
// symlinks); the parent of "a/b" is "a", the root "/" and the current directory "" always exist.
// Directories themselves are durable as soon as they are created.
class MemFileSystem final : public FileSystem {
 public:
  MemFileSystem();
  ~MemFileSystem() override;

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        bool append = false) override;
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override;
  Status ReadFileToString(const std::string& path, std::string* out) override;
  bool FileExists(const std::string& path) override;
  Result<uint64_t> GetFileSize(const std::string& path) override;
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status CreateDir(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Status Truncate(const std::string& path, uint64_t size) override;

  // --- Crash simulation. Call both (either order) to get the state after a power cut. ---

  // Cuts every file, named or not, back to the bytes covered by its last Sync().
  void DropUnsyncedData();
  // Puts every directory's entries back as they were at its last SyncDir(): names created or
  // renamed in since then disappear, and names removed or renamed away since then come back,
  // pointing at the file they named then.
  void RemoveFilesCreatedAfterLastDirSync();

  // --- Inspection, for tests. ---

  // Bytes of `path` covered by its last Sync(), or 0 when there is no such file.
  uint64_t SyncedSize(const std::string& path);
  // Whether `path` names the same file in its directory's durable entries as it does now.
  bool IsDirEntrySynced(const std::string& path);

 private:
  struct File;
  class Writable;
  class Sequential;
  using Entries = std::map<std::string, std::shared_ptr<File>>;  // name -> file

  std::shared_ptr<File> FindLocked(const std::string& path);
  bool DirExistsLocked(const std::string& dir) const;

  std::mutex mu_;
  std::set<std::string> dirs_;
  std::map<std::string, Entries> live_;     // dir -> entries now
  std::map<std::string, Entries> durable_;  // dir -> entries at its last SyncDir()
};

}  // namespace keel::io
