// The file-system seam (LevelDB's Env): the engine, the AOF/RDB code and the offline tools reach
// the disk only through these classes, so tests can substitute an in-memory or fault-injecting file
// system. Every error is an IoError naming the path and carrying the errno.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "formats/status.h"

namespace keel::io {

// A file written front to back. Not thread-safe: one writer at a time.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // May buffer in user space; Flush() hands the bytes to the OS, Sync() makes them durable.
  virtual Status Append(std::string_view data) = 0;
  virtual Status Flush() = 0;
  // Flush() followed by fdatasync: the file's contents (and size) survive a power cut. A new file's
  // name survives only after SyncDir() of its directory.
  virtual Status Sync() = 0;
  // Flushes and closes; further calls fail. Destroying an open file closes it, ignoring errors.
  virtual Status Close() = 0;
  // Bytes in the file including those appended but not yet flushed.
  virtual uint64_t Size() const = 0;
};

// A file read front to back.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to `n` bytes into `scratch` (which must hold `n`) and returns a view of them; the view
  // may point into `scratch`. It is shorter than `n` only at end of file (empty: at the end).
  virtual Result<std::string_view> Read(size_t n, char* scratch) = 0;
  // Skips `n` bytes; skipping past the end leaves the file at its end.
  virtual Status Skip(uint64_t n) = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Creates `path` (truncating it unless `append`) for writing at its end. The parent directory
  // must exist.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                                bool append = false) = 0;
  virtual Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) = 0;
  virtual Status ReadFileToString(const std::string& path, std::string* out) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual Result<uint64_t> GetFileSize(const std::string& path) = 0;
  // Names (not paths) of the entries in `dir`, without "." and "..", in no particular order.
  virtual Status GetChildren(const std::string& dir, std::vector<std::string>* names) = 0;
  // Atomically replaces `to` if it exists. Durable only after SyncDir() of both directories.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // OK if the directory already exists. The parent must exist.
  virtual Status CreateDir(const std::string& path) = 0;
  // Makes creations, renames and removals of entries in `path` durable.
  virtual Status SyncDir(const std::string& path) = 0;
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;

  // The real file system. Never null, never deleted.
  static FileSystem* Posix();
};

}  // namespace keel::io
