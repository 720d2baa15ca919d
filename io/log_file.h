// An append-only log file (the AOF's incr file): appended at its end, made durable with fdatasync,
// cut back after a failed write. Two implementations:
//   - OpenLoopLogFile: through the event loop (io_uring: the write and a linked fdatasync run in
//     the kernel while the loop keeps serving; epoll: synchronously);
//   - OpenFsLogFile: through an io::FileSystem (tests, with the fault-injecting file system),
//     completing every operation synchronously.
// At most one WriteAsync/SyncAsync is in flight at a time, or any number of AppendAsync; the
// callers' `done` may run before the call returns (OpenFsLogFile) or later (OpenLoopLogFile). A short write
// is continued until every byte is written or an error occurs; on an error, size() still counts
// the bytes that did reach the file, so the caller can Truncate() them away (E4).
// Fault injection (InjectFaults) makes the next operations fail as if the kernel had said so, for
// tests of the write/fsync error paths (E1-E4) through the real io_uring path.
// Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "formats/status.h"
#include "io/event_loop.h"
#include "io/file_system.h"

namespace keel::io {

struct LogFaults {
  // The next `count` writes (each WriteAsync or Write call counts once) fail with this errno
  // after writing `partial_bytes` of their data (0: nothing). 0: no write fault.
  int write_errno = 0;
  uint64_t partial_bytes = 0;
  // The next `count` fdatasyncs fail with this errno (their write, if any, succeeds).
  int sync_errno = 0;
  // How many operations fail: each fault kind counts down on its own. -1: until cleared.
  int count = 1;
};

class LogFile {
 public:
  virtual ~LogFile() = default;

  const std::string& path() const { return path_; }
  // Bytes in the file: its size at open plus every byte written since (including the written
  // part of a failed write), minus truncations.
  virtual uint64_t size() const = 0;

  // Appends `data` synchronously (write(2) on the loop thread, as Redis does under everysec and
  // no), also while a SyncAsync is in flight (that sync covers only what was written before it
  // started). An error carries the errno; size() tells how much reached the file.
  virtual Status Write(std::string_view data) = 0;
  // Appends `data` and, when `sync`, fdatasyncs after the write completed. `data` must stay
  // valid until `done`, which gets Ok or the first error (IoError with the errno).
  virtual void WriteAsync(std::string_view data, bool sync, std::function<void(Status)> done) = 0;
  // fdatasync of everything written before the call.
  virtual void SyncAsync(std::function<void(Status)> done) = 0;
  // Appends `data` after everything appended so far: size() grows by data.size() at once, and the
  // write goes to that offset. With `sync`, an fdatasync follows once the write completed (linked
  // on io_uring). Unlike WriteAsync, several appends may be in flight at once (group commit with
  // more than one fsync in flight); each `done` runs once, with Ok or the first error (IoError
  // with the errno), in any order. A failed append may have left part of its bytes in the file and
  // later appends may have succeeded after it: wait until busy() is false, then Truncate() back
  // to a known good size. `data` must stay valid until its `done`. Faults count once per append.
  // Not to be mixed with WriteAsync/SyncAsync/Write while appends are in flight.
  virtual void AppendAsync(std::string_view data, bool sync, std::function<void(Status)> done) = 0;
  // fdatasync now, blocking (shutdown).
  virtual Status SyncNow() = 0;
  // Cuts the file back to `size` bytes (after a failed write).
  virtual Status Truncate(uint64_t size) = 0;
  // Whether WriteAsync/SyncAsync or any AppendAsync is in flight.
  virtual bool busy() const = 0;
  // Closes the file; pending operations must have completed.
  virtual Status Close() = 0;

  void InjectFaults(const LogFaults& faults) {
    faults_ = faults;
    write_faults_left_ = sync_faults_left_ = faults.count;
  }
  void ClearFaults() { InjectFaults(LogFaults{}); }

 protected:
  explicit LogFile(std::string path) : path_(std::move(path)) {}
  // For implementations: whether the next write / sync must fail (and counts it down).
  bool TakeWriteFault(int* err, uint64_t* partial);
  bool TakeSyncFault(int* err);

 private:
  std::string path_;
  LogFaults faults_;
  int write_faults_left_ = 0;  // each fault kind counts down on its own
  int sync_faults_left_ = 0;
};

// Opens `path` for appending (creating it), writing through `loop`. `loop` must outlive the file.
Result<std::unique_ptr<LogFile>> OpenLoopLogFile(EventLoop& loop, const std::string& path);
// Opens `path` for appending (creating it) on `fs`, which must outlive the file.
Result<std::unique_ptr<LogFile>> OpenFsLogFile(FileSystem& fs, const std::string& path);

}  // namespace keel::io
