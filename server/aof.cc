// The live append-only log: propagation into a buffer, batches with Keel's marks, the fsync
// policies, error fencing and replies held until the log covers them (aof.h).
#include "server/aof.h"

#include <cerrno>
#include <csignal>
#include <cstring>

#include "formats/aof_format.h"
#include "server/client.h"
#include "server/config.h"
#include "server/log.h"
#include "server/server.h"

namespace keel::server {

namespace {
// A run of bytes gets a batch mark at least this often, so marks stay far below
// kAofMaxBatchBytes even for one huge command.
constexpr size_t kMarkEveryBytes = 8u << 20;
// Under everysec and no, a run is closed at the end of a batch once it is this long.
constexpr size_t kRelaxedMarkBytes = 64u << 10;
// always: batches (write + linked fdatasync) in flight at once.
constexpr size_t kMaxBatchesInFlight = 2;
// After a failed write or fsync, retry at most this often (the cron runs at hz).
constexpr int64_t kRetryIntervalMs = 100;
}  // namespace

Aof::Aof(Server* server) : server_(server), fs_(io::FileSystem::Posix()) {}

void Aof::UseFileSystem(io::FileSystem* fs) {
  fs_ = fs;
  fs_log_files_ = true;
}

Result<std::unique_ptr<io::LogFile>> Aof::OpenLog(const std::string& path) {
  if (fs_log_files_) return io::OpenFsLogFile(*fs_, path);
  if (!server_->has_loop()) return Status::Internal("the AOF needs the event loop: " + path);
  return io::OpenLoopLogFile(server_->loop(), path);
}

Aof::~Aof() {
  if (cow_pipe_ >= 0) close(cow_pipe_);
}

std::string Aof::MisconfError() const {
  return "-MISCONF Errors writing to the AOF file: " + last_error_;
}

// ---- Propagation ----

void Aof::AppendRaw(std::string_view bytes) {
  buf_.append(bytes);
  run_.Update(bytes);
  appended_lsn_ += bytes.size();
}

void Aof::SelectDb(int db) {
  if (db == selected_db_) return;
  std::string n = std::to_string(db);
  std::string cmd;
  formats::AppendAofCommand(&cmd, {"SELECT", n});
  AppendRaw(cmd);
  selected_db_ = db;
}

void Aof::Append(int db, std::span<const std::string_view> args) {
  if (!enabled()) return;
  SelectDb(db);
  if (transaction_depth_ > 0 && !multi_written_) {
    AppendRaw("*1\r\n$5\r\nMULTI\r\n");
    multi_written_ = true;
  }
  // Encoded straight into the buffer: this runs for every write command.
  const size_t start = buf_.size();
  formats::AppendAofCommand(&buf_, args);
  const std::string_view added = std::string_view(buf_).substr(start);
  run_.Update(added);
  appended_lsn_ += added.size();
  if (run_.len() >= kMarkEveryBytes) MarkRun();
}

void Aof::Append(int db, const std::vector<std::string>& args) {
  std::vector<std::string_view> views(args.begin(), args.end());
  Append(db, std::span<const std::string_view>(views));
}

void Aof::BeginTransaction() {
  if (transaction_depth_++ == 0) multi_written_ = false;
}

void Aof::EndTransaction() {
  if (transaction_depth_ == 0 || --transaction_depth_ > 0) return;
  if (multi_written_ && enabled()) AppendRaw("*1\r\n$4\r\nEXEC\r\n");
  multi_written_ = false;
}

void Aof::MarkRun() {
  if (run_.len() == 0) return;
  // While a rotation is pending, buf_ belongs to the new file, synced as far as its first mark.
  uint64_t synced = next_file_ != nullptr ? next_file_->size() : file_synced_;
  run_.AppendMark(&buf_, synced);
  last_mark_synced_ = synced;
}

Result<std::unique_ptr<io::LogFile>> Aof::CreateIncrFile(const std::string& name) {
  KEEL_ASSIGN_OR_RETURN(std::unique_ptr<io::LogFile> file, OpenLog(dir_->PathOf(name)));
  if (file->size() != 0) KEEL_RETURN_IF_ERROR(file->Truncate(0));
  std::string mark;
  formats::AppendAofBatchMark(&mark, 0, "");
  KEEL_RETURN_IF_ERROR(file->Write(mark));
  KEEL_RETURN_IF_ERROR(file->SyncNow());
  return file;
}

// ---- Acknowledgement ----

bool Aof::Acked(uint64_t lsn) const {
  if (server_->config().appendfsync == AppendFsync::kAlways) return lsn <= durable_lsn_;
  return lsn <= written_lsn_;
}

void Aof::WaitFor(Client* client, uint64_t lsn) {
  if (client->aof_waiting()) return;
  client->set_aof_waiting(true);
  waiters_.push_back({client, lsn});
}

void Aof::ForgetClient(Client* client) {
  if (!client->aof_waiting()) return;
  std::erase_if(waiters_, [client](const Waiter& w) { return w.client == client; });
  client->set_aof_waiting(false);
}

void Aof::WakeWaiters() {
  if (waiters_.empty()) return;
  std::vector<Waiter> still;
  for (const Waiter& w : waiters_) {
    if (Acked(w.lsn) || !enabled()) {
      w.client->set_aof_waiting(false);
      w.client->WakeWriter();
    } else {
      still.push_back(w);
    }
  }
  waiters_.swap(still);
}

// ---- Writing ----

void Aof::BeforeSleep() {
  if (file_ == nullptr) return;
  const bool always = server_->config().appendfsync == AppendFsync::kAlways;
  // Synchronous policies complete a batch inside SubmitBatch, so the old file's tail, the switch
  // and the new batch can all happen in one call.
  for (int step = 0; step < 3; ++step) {
    if (!write_ok_ || !batch_.empty()) return;  // a failed batch waits for the cron's retry
    if (inflight_.size() >= kMaxBatchesInFlight) return;
    // appendfsync changed from always: its batches complete before plain writes follow.
    if (!always && !inflight_.empty()) return;
    if (!old_buf_.empty()) {
      batch_.swap(old_buf_);
      batch_end_lsn_ = old_end_lsn_;
      SubmitBatch();
      continue;
    }
    if (next_file_ != nullptr) {
      // The old file's batches, and everysec's fsync of it, finish first.
      if (!idle()) return;
      SwitchToNextFile();
      continue;
    }
    if (buf_.empty()) return;
    if (always || run_.len() >= kRelaxedMarkBytes || file_synced_ != last_mark_synced_) MarkRun();
    batch_.swap(buf_);
    batch_end_lsn_ = appended_lsn_;
    SubmitBatch();
    return;
  }
}

void Aof::SubmitBatch() {
  if (server_->config().appendfsync != AppendFsync::kAlways) {
    OnBatchWritten(file_->Write(batch_));
    return;
  }
  InFlight& b = inflight_.emplace_back();
  b.id = next_batch_id_++;
  b.bytes.swap(batch_);
  b.end_lsn = batch_end_lsn_;
  b.end_offset = file_->size() + b.bytes.size();
  const uint64_t id = b.id;
  file_->AppendAsync(b.bytes, true, [this, id](Status st) { OnAppendDone(id, std::move(st)); });
}

void Aof::OnAppendDone(uint64_t id, Status s) {
  if (inflight_.empty() || id < inflight_.front().id) return;
  InFlight& b = inflight_[id - inflight_.front().id];
  b.done = true;
  b.status = std::move(s);
  bool progressed = false;
  while (!inflight_.empty() && inflight_.front().done && inflight_.front().status.ok()) {
    InFlight& f = inflight_.front();
    written_lsn_ = durable_lsn_ = f.end_lsn;
    file_good_size_ = file_synced_ = f.end_offset;
    current_size_ += f.bytes.size();
    last_fsync_ms_ = server_->clock().NowMs();
    inflight_.pop_front();
    progressed = true;
  }
  if (!inflight_.empty() && inflight_.front().done) {
    // The oldest unacknowledged batch failed. Once nothing is in flight, every batch from it on
    // goes back into one batch to be written again after the file is cut back.
    bool all_done = true;
    for (const InFlight& f : inflight_) all_done = all_done && f.done;
    if (!all_done) return;
    Status failed = inflight_.front().status;
    batch_.clear();
    for (InFlight& f : inflight_) batch_ += f.bytes;
    batch_end_lsn_ = inflight_.back().end_lsn;
    inflight_.clear();
    FailWrite(failed, false);
    return;
  }
  if (progressed && inflight_.empty() && !write_ok_ && batch_.empty()) {
    Log(LogLevel::kWarning, "AOF write error looks solved, Keel can write again.");
    write_ok_ = true;
  }
  if (progressed) WakeWaiters();
}

void Aof::OnBatchWritten(Status s) {
  if (!s.ok()) {
    FailWrite(s, false);
    return;
  }
  file_good_size_ = file_->size();
  written_lsn_ = batch_end_lsn_;
  current_size_ += batch_.size();
  batch_.clear();
  if (!write_ok_ && !sync_failed_) {
    Log(LogLevel::kWarning, "AOF write error looks solved, Keel can write again.");
    write_ok_ = true;
  }
  WakeWaiters();
}

void Aof::FailWrite(const Status& s, bool sync_error) {
  const bool always = server_->config().appendfsync == AppendFsync::kAlways;
  int err = s.sys_errno();
  last_error_ = err != 0 ? std::strerror(err) : std::string(s.message());
  if (write_ok_) {
    Log(LogLevel::kWarning, "%s to the AOF file %s: %s. Write commands are refused until it works.",
        sync_error ? "Error calling fsync()" : "Error writing", file_->path().c_str(),
        last_error_.c_str());
  }
  write_ok_ = false;
  if (sync_error) sync_failed_ = true;
  // Bytes of a failed write (or, under always, of a write whose fsync failed) are cut off, so a
  // half batch is never followed by later ones; the batch is written again from the cron.
  uint64_t good = always ? file_synced_ : file_good_size_;
  if (!sync_error && file_->size() != good) {
    Status t = file_->Truncate(good);
    if (!t.ok()) {
      Log(LogLevel::kWarning, "Could not remove the partial data from the AOF file: %s",
          t.ToString().c_str());
    }
  }
  last_retry_ms_ = server_->clock().NowMs();
}

void Aof::RetryAfterError() {
  if (write_ok_ || !idle() || file_ == nullptr) return;
  int64_t now = server_->clock().NowMs();
  if (now - last_retry_ms_ < kRetryIntervalMs) return;
  last_retry_ms_ = now;
  const bool always = server_->config().appendfsync == AppendFsync::kAlways;
  uint64_t good = always ? file_synced_ : file_good_size_;
  if (file_->size() != good) {
    if (!file_->Truncate(good).ok()) return;
  }
  if (!batch_.empty()) {
    SubmitBatch();
    return;
  }
  if (sync_failed_) {
    // everysec/no: a failed fsync is redone with everything written since; only its success
    // lifts the fence. (The pages the failed fsync lost cannot be told apart: see
    // docs/durability.md.)
    sync_in_flight_ = true;
    uint64_t target = file_good_size_;
    file_->SyncAsync([this, target](Status s) { OnSynced(target, std::move(s)); });
    return;
  }
  write_ok_ = true;
}

void Aof::OnSynced(uint64_t written_at_submit, Status s) {
  sync_in_flight_ = false;
  if (!s.ok()) {
    FailWrite(s, true);
    return;
  }
  if (written_at_submit > file_synced_) file_synced_ = written_at_submit;
  last_fsync_ms_ = server_->clock().NowMs();
  if (sync_failed_) {
    sync_failed_ = false;
    if (batch_.empty()) {
      Log(LogLevel::kWarning, "AOF write error looks solved, Keel can write again.");
      write_ok_ = true;
      WakeWaiters();
    }
  }
}

void Aof::RotateTo(std::unique_ptr<io::LogFile> file) {
  // Everything appended so far belongs to the old file; the new one starts with a SELECT.
  MarkRun();
  old_buf_.append(buf_);
  old_end_lsn_ = appended_lsn_;
  buf_.clear();
  selected_db_ = -1;
  next_file_ = std::move(file);
}

void Aof::SwitchToNextFile() {
  if (server_->config().appendfsync != AppendFsync::kAlways && file_good_size_ > file_synced_) {
    // The old file must be complete on disk before the new one holds anything: only the last
    // file of the manifest may end torn.
    Status s = file_->SyncNow();
    if (!s.ok()) {
      FailWrite(s, true);
      return;
    }
  }
  Status ignored = file_->Close();
  (void)ignored;
  // The buffer already holds the new file's SELECT (RotateTo): keep the selected db.
  const int db = selected_db_;
  AdoptFile(std::move(next_file_));
  selected_db_ = db;
}

void Aof::AdoptFile(std::unique_ptr<io::LogFile> file) {
  file_ = std::move(file);
  file_synced_ = file_good_size_ = file_->size();
  last_mark_synced_ = 0;
  selected_db_ = -1;
}

Status Aof::FlushForShutdown() {
  if (file_ == nullptr) return Status::Ok();
  if (!write_ok_) {
    const bool always = server_->config().appendfsync == AppendFsync::kAlways;
    KEEL_RETURN_IF_ERROR(file_->Truncate(always ? file_synced_ : file_good_size_));
  }
  // Whatever is still queued goes out synchronously: the failed batch, the old file's tail,
  // then the buffer (into the new file when a rotation is pending).
  auto write = [this](std::string& bytes, uint64_t end_lsn) -> Status {
    if (bytes.empty()) return Status::Ok();
    KEEL_RETURN_IF_ERROR(file_->Write(bytes));
    bytes.clear();
    written_lsn_ = end_lsn;
    return Status::Ok();
  };
  KEEL_RETURN_IF_ERROR(write(batch_, batch_end_lsn_));
  KEEL_RETURN_IF_ERROR(write(old_buf_, old_end_lsn_));
  if (next_file_ != nullptr) {
    KEEL_RETURN_IF_ERROR(file_->SyncNow());
    KEEL_RETURN_IF_ERROR(file_->Close());
    const int db = selected_db_;
    AdoptFile(std::move(next_file_));
    selected_db_ = db;
  }
  MarkRun();
  KEEL_RETURN_IF_ERROR(write(buf_, appended_lsn_));
  Log(LogLevel::kNotice, "Calling fsync() on the AOF file.");
  KEEL_RETURN_IF_ERROR(file_->SyncNow());
  durable_lsn_ = written_lsn_;
  return Status::Ok();
}

void Aof::SetStepFault(std::string step, bool crash) {
  fault_step_ = std::move(step);
  fault_step_crash_ = crash;
}

Status Aof::AtStep(const char* step) {
  if (fault_step_.empty() || fault_step_ != step) return Status::Ok();
  if (fault_step_crash_) {
    Log(LogLevel::kWarning, "DEBUG AOF-STEP: crashing at %s", step);
    raise(SIGKILL);
  }
  return Status::IoError(std::string("injected failure at ") + step, EIO);
}

void Aof::InjectFaults(const io::LogFaults& faults) {
  if (file_ != nullptr) file_->InjectFaults(faults);
}

}  // namespace keel::server
