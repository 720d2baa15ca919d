// The append-only file in the server (appendonly yes): propagation of write commands in a
// replay-safe form, the fsync policies with group commit on io_uring, holding replies until the
// log covers them, loading at startup, background rewrite and the aof_* INFO fields. The formats
// are formats/aof_*; the directory is AofDir; the files are written through io::LogFile.
//
// Log sequence numbers. Every byte appended to the log gets the next LSN (a count of bytes since
// the server started, across file rotations). Three marks advance in order:
//   appended  the bytes are in the buffer (Append);
//   written   the bytes are in the file (the kernel has them: a process crash keeps them);
//   durable   an fdatasync issued after they were written succeeded (a power cut keeps them).
// A client whose command appended bytes up to LSN L may get replies only once L is acknowledged:
// durable under `always`, written under `everysec` and `no` (Keel writes before replying, as
// Redis does, and also holds the reply when the write failed). Client::GatherOutput asks
// Acked(); the AOF wakes the clients waiting on it when a mark advances.
//
// Per loop iteration (BeforeSleep), the buffer becomes one batch ending with a Keel batch mark
// (formats/aof_format.h):
//   always    one write plus a linked fdatasync through the ring (LogFile::AppendAsync), up to
//             two batches in flight, acknowledged in order; the next batch accumulates
//             meanwhile, and reads and other clients' replies keep flowing;
//   everysec  a synchronous write(2), and an asynchronous fdatasync at most once a second from
//             the cron, also after writes stop (L4);
//   no        a synchronous write(2) only.
// A failed write or fsync is never acknowledged: the partial bytes are cut off the file, the
// batch stays queued and is retried from the cron, aof_last_write_status becomes err and write
// commands get -MISCONF until a retry has written and synced everything again (E1-E4).
// Loop thread only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.h"
#include "formats/aof_format.h"
#include "formats/status.h"
#include "io/log_file.h"
#include "server/aof_dir.h"

namespace keel::server {

class Client;
class InfoWriter;
class Server;

class Aof {
 public:
  explicit Aof(Server* server);
  ~Aof();
  Aof(const Aof&) = delete;
  Aof& operator=(const Aof&) = delete;

  // --- State ---
  // Logging (appendonly yes, or a CONFIG SET appendonly yes whose first rewrite is running).
  bool enabled() const { return state_ != State::kOff; }
  bool rewrite_running() const { return child_pid_ > 0; }
  bool rewrite_scheduled() const { return rewrite_scheduled_; }
  // -MISCONF for write commands: the last write or fsync failed and has not been redone.
  bool WritesRefused() const { return !write_ok_; }
  std::string MisconfError() const;

  // --- Startup and shutdown (aof_load.cc) ---
  // With appendonly yes: loads the manifest's base and incr files into the keyspace (an old
  // single-file AOF is upgraded first), or creates a base and an incr file when there is no AOF,
  // then opens the last incr file for appending. An error means the server must not start: the
  // message names the file, the offset and the repair.
  Status LoadAtStartup();
  // Writes and fsyncs everything buffered, blocking (SHUTDOWN, SIGTERM: P9). Call when idle().
  Status FlushForShutdown();
  // No write or fsync in flight (a shutdown waits for it).
  bool idle() const { return inflight_.empty() && !sync_in_flight_; }

  // DEBUG LOADAOF: flushes and fsyncs the log, then loads the files again in place of the
  // dataset. Fails when a write or fsync is in flight or failing.
  Status Reload();

  // --- Propagation ---
  // Appends one command logged in database `db`; a SELECT goes first when the log's current
  // database differs.
  void Append(int db, std::span<const std::string_view> args);
  void Append(int db, const std::vector<std::string>& args);
  void Append(int db, std::initializer_list<std::string_view> args) {
    Append(db, std::span<const std::string_view>(args.begin(), args.size()));
  }
  // Wraps what is appended until EndTransaction in MULTI ... EXEC, writing the MULTI only before
  // the first command (a transaction that changed nothing logs nothing). Nests: only the
  // outermost pair counts.
  void BeginTransaction();
  void EndTransaction();
  // The LSN just past the last byte appended, written to the file, and fsynced.
  uint64_t appended_lsn() const { return appended_lsn_; }
  uint64_t written_lsn() const { return written_lsn_; }
  uint64_t durable_lsn() const { return durable_lsn_; }
  // Whether a reply that depends on `lsn` may be sent now.
  bool Acked(uint64_t lsn) const;
  // `client` has replies held until `lsn` is acknowledged: wake it then.
  void WaitFor(Client* client, uint64_t lsn);
  // A client going away (its id may be waiting).
  void ForgetClient(Client* client);

  // --- Loop hooks ---
  // Turns the buffer into a batch and writes it (see above).
  void BeforeSleep();
  // everysec fsync, retries after errors, the rewrite child and auto-rewrite (aof_rewrite.cc).
  void Cron(int64_t now_ms);

  // --- Rewrite (aof_rewrite.cc) ---
  // BGREWRITEAOF: forks a child that writes a new base while the log goes on in a new incr file.
  Status StartRewrite();
  void ScheduleRewrite() { rewrite_scheduled_ = true; }
  void KillRewriteChild();

  // --- CONFIG SET appendonly ---
  Status Enable();
  void Disable();
  // Test seam (DEBUG AOF-FAULT): the next operations of the current incr file fail.
  void InjectFaults(const io::LogFaults& faults);
  // Test seam (DEBUG AOF-STEP, P5/E6): at the named step of a rewrite or a manifest switch the
  // server kills itself with SIGKILL (`crash`) or the step fails with EIO. Steps:
  // "incr-created", "base-renamed", "manifest-temp-synced", "manifest-renamed",
  // "manifest-dir-synced", "history-deleting". An empty step clears it.
  void SetStepFault(std::string step, bool crash);
  // Test seam: every file goes through `fs` (e.g. a fault-injecting MemFileSystem), incr files
  // as io::OpenFsLogFile, whose operations complete synchronously. Call before LoadAtStartup.
  void UseFileSystem(io::FileSystem* fs);

  void WriteInfo(InfoWriter& w);
  // Bytes held in memory for the log (INFO mem_aof_buffer; not counted for eviction).
  size_t buffer_bytes() const {
    size_t n = buf_.capacity() + old_buf_.capacity() + batch_.capacity();
    for (const InFlight& b : inflight_) n += b.bytes.capacity();
    return n;
  }

 private:
  enum class State { kOff, kOn, kWaitRewrite };

  // aof.cc
  void AppendRaw(std::string_view bytes);
  void SelectDb(int db);
  // Ends buf_'s current run of bytes with a batch mark.
  void MarkRun();
  // Writes batch_ (up to batch_end_lsn_) as the policy says; under always it joins inflight_.
  void SubmitBatch();
  // Starts logging into `file` (a new incr file) once everything before it is in file_.
  void RotateTo(std::unique_ptr<io::LogFile> file);
  void SwitchToNextFile();
  void RetryAfterError();
  void OnBatchWritten(Status s);
  // always: a batch's write and fdatasync completed; acknowledges the batches done in order.
  void OnAppendDone(uint64_t id, Status s);
  void OnSynced(uint64_t written_at_submit, Status s);
  void FailWrite(const Status& s, bool sync_error);
  void WakeWaiters();
  Status OpenIncrForAppend(const std::string& name);
  // Makes `file` the one the log appends to: everything in it counts as written and synced,
  // and the next command starts with a SELECT.
  void AdoptFile(std::unique_ptr<io::LogFile> file);
  // Creates the incr file `name` with an empty batch mark as its first bytes, synced: every incr
  // file Keel writes starts with a verified mark, so damage anywhere in it can be judged (T2).
  Result<std::unique_ptr<io::LogFile>> CreateIncrFile(const std::string& name);
  Result<std::unique_ptr<io::LogFile>> OpenLog(const std::string& path);
  // The step fault's verdict at `step` (see SetStepFault).
  Status AtStep(const char* step);
  // aof_rewrite.cc
  void ChildMain(const std::string& tmp, int cow_fd);
  void OnChildDone(int exit_code, int signal);
  void CheckAutoRewrite();
  // aof_load.cc
  Status LoadFiles();
  Status UpgradeSingleFile();
  Status CreateInitialFiles();
  // Writes the dataset as a base file (RDB with aof-base, or commands) to `path`, synced.
  Status WriteBaseFile(const std::string& path);

  Server* server_;
  io::FileSystem* fs_;
  std::string fault_step_;
  bool fault_step_crash_ = false;
  bool fs_log_files_ = false;  // UseFileSystem: incr files through fs_, not the loop
  std::unique_ptr<AofDir> dir_;
  std::unique_ptr<io::LogFile> file_;  // the last incr file, open for appending
  State state_ = State::kOff;

  // The log: bytes appended but not yet given to the file, and the batch being written (kept
  // after a failure, to be written again).
  std::string buf_;
  // The bytes appended since the last batch mark (they may already be in the file): under
  // `always` every batch ends with a mark; otherwise a mark closes the run when an fsync moved
  // the synced offset or the run reached kRelaxedMarkBytes, so small writes do not double the
  // file.
  formats::AofBatchHasher run_;
  uint64_t last_mark_synced_ = 0;
  std::string batch_;
  // always: the batches submitted (write + linked fdatasync), in log order, at most
  // kMaxBatchesInFlight (aof.cc) at once. They are acknowledged in order.
  struct InFlight {
    uint64_t id = 0;
    std::string bytes;
    uint64_t end_lsn = 0;
    uint64_t end_offset = 0;  // the file's size once it is written
    bool done = false;
    Status status;
  };
  std::deque<InFlight> inflight_;
  uint64_t next_batch_id_ = 1;

  uint64_t appended_lsn_ = 0;
  uint64_t written_lsn_ = 0;
  uint64_t durable_lsn_ = 0;
  uint64_t batch_end_lsn_ = 0;   // LSN at the end of batch_
  uint64_t file_synced_ = 0;     // bytes of the current file covered by an fsync
  uint64_t file_good_size_ = 0;  // bytes of the current file written without error
  int selected_db_ = -1;
  // Loading found the last incr file ending exactly at a verified batch mark: it can take more
  // batches. Otherwise a new incr file is opened (batch marks count from a mark or the start).
  bool last_file_clean_ = false;
  // A rewrite started: the bytes appended before its fork (old_buf_, up to old_end_lsn_) still go
  // to file_, then file_ is synced and next_file_ (the new incr file) takes over.
  std::string old_buf_;
  uint64_t old_end_lsn_ = 0;
  std::unique_ptr<io::LogFile> next_file_;
  int transaction_depth_ = 0;
  bool multi_written_ = false;
  // everysec
  bool sync_in_flight_ = false;
  int64_t last_fsync_ms_ = 0;
  // Errors.
  bool write_ok_ = true;
  bool sync_failed_ = false;  // everysec/no: recovery also needs an fsync that succeeds
  std::string last_error_;
  int64_t last_retry_ms_ = 0;
  uint64_t delayed_fsync_ = 0;

  struct Waiter {
    Client* client;
    uint64_t lsn;
  };
  std::vector<Waiter> waiters_;

  // Rewrite.
  pid_t child_pid_ = -1;
  int cow_pipe_ = -1;
  int64_t child_start_ms_ = 0;
  int64_t first_new_incr_seq_ = 0;
  bool rewrite_scheduled_ = false;
  bool last_rewrite_ok_ = true;
  int64_t last_rewrite_time_s_ = -1;
  uint64_t rewrites_ = 0;
  uint64_t consecutive_failures_ = 0;
  int64_t next_auto_attempt_ms_ = 0;
  uint64_t last_cow_bytes_ = 0;
  uint64_t rewrite_base_size_ = 0;  // aof_base_size: the log's size after the last rewrite
  uint64_t current_size_ = 0;       // aof_current_size
};

}  // namespace keel::server
