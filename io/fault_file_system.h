// A fault-injecting FileSystem (LevelDB's FaultInjectionTestEnv, RocksDB's FaultInjectionTestFS):
// wraps another FileSystem and makes operations fail on demand. Together with MemFileSystem's
// crash simulation (DropUnsyncedData, RemoveFilesCreatedAfterLastDirSync), which it forwards
// when the wrapped system is a MemFileSystem, it lets tests check what survives write errors,
// full disks, short writes and power cuts (fault ids E1-E6, L1, L2, L6).
// Thread-safe as far as the wrapped file system is.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "io/file_system.h"
#include "io/mem_file_system.h"

namespace keel::io {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  // Which operations a fault may hit.
  enum Op : uint32_t {
    kOpAppend = 1u << 0,   // WritableFile::Append/Flush (data reaching the file)
    kOpSync = 1u << 1,     // WritableFile::Sync
    kOpCreate = 1u << 2,   // NewWritableFile
    kOpRename = 1u << 3,   // RenameFile
    kOpRemove = 1u << 4,   // RemoveFile
    kOpSyncDir = 1u << 5,  // SyncDir
    kOpRead = 1u << 6,     // NewSequentialFile, Read, ReadFileToString
    kOpTruncate = 1u << 7,
    kOpAll = 0xff,
  };

  // `base` must outlive this.
  explicit FaultInjectionFileSystem(FileSystem* base);
  ~FaultInjectionFileSystem() override;

  // --- Knobs. Each takes effect for operations started after the call. ---

  // Every operation in `ops` fails with `err` (EIO by default) from now on, until cleared.
  void FailAlways(uint32_t ops, int err = 5 /* EIO */);
  // One in `n` operations in `ops` fails with `err`, chosen by a generator seeded with `seed`
  // (reproducible). n = 0 turns it off.
  void FailOneIn(uint32_t n, uint32_t ops, int err = 5, uint64_t seed = 1);
  // The `n`-th operation in `ops` from now (1 = the next) fails, once.
  void FailNth(uint64_t n, uint32_t ops, int err = 5);
  // The disk holds at most `bytes` more bytes of appended data: an append that does not fit
  // writes what fits and fails with ENOSPC (a short write), later appends fail outright.
  // UINT64_MAX (the default) turns it off.
  void SetSpaceLeft(uint64_t bytes);
  // The next append writes only `bytes` of its data and then fails with `err` (a torn write).
  void ShortWriteNext(uint64_t bytes, int err = 28 /* ENOSPC */);
  // Turns every fault off.
  void ClearFaults();

  // Operations that failed because of a fault, for tests.
  uint64_t injected_failures() const { return injected_.load(); }

  // --- Crash simulation, forwarded to the wrapped MemFileSystem (no-op for any other). ---
  void DropUnsyncedData();
  void RemoveFilesCreatedAfterLastDirSync();

  // FileSystem
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

 private:
  class Writable;
  class Sequential;
  // The errno the operation must fail with, or 0 to let it run.
  int MaybeFail(Op op, const std::string& path);

  FileSystem* base_;
  MemFileSystem* mem_;  // base_ when it is a MemFileSystem, else null
  std::mutex mu_;
  uint32_t always_ops_ = 0;
  int always_err_ = 0;
  uint32_t one_in_ = 0;
  uint32_t one_in_ops_ = 0;
  int one_in_err_ = 0;
  std::mt19937_64 rng_;
  uint64_t nth_ = 0;
  uint32_t nth_ops_ = 0;
  int nth_err_ = 0;
  uint64_t space_left_ = UINT64_MAX;
  uint64_t short_write_ = UINT64_MAX;  // UINT64_MAX: none armed
  int short_write_err_ = 0;
  std::atomic<uint64_t> injected_{0};
};

}  // namespace keel::io
