// Background AOF rewrite (aof.h): BGREWRITEAOF by fork with a new incr file opened at the fork
// (no rewrite buffer), the new base installed through a crash-safe manifest switch, automatic
// rewrites with Redis 7.0's thresholds and backoff, and CONFIG SET appendonly.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "engine/dict.h"
#include "engine/keyspace.h"
#include "io/process.h"
#include "server/aof.h"
#include "server/info_sections.h"
#include "server/log.h"
#include "server/server.h"
#include "server/snapshots.h"

namespace keel::server {

namespace {

std::string TempBaseName(pid_t pid) {
  return "temp-rewriteaof-bg-" + std::to_string(static_cast<int>(pid)) + ".aof";
}

}  // namespace

Status Aof::StartRewrite() {
  if (rewrite_running()) {
    return Status::InvalidArgument("Background append only file rewriting already in progress");
  }
  if (server_->snapshots().child_running()) {
    rewrite_scheduled_ = true;
    return Status::Ok();
  }
  rewrite_scheduled_ = false;
  KEEL_RETURN_IF_ERROR(dir_->CreateDir());
  // The log goes on in a new incr file from the fork on: what the child writes plus the new
  // file is the whole dataset, so no rewrite buffer is needed.
  if (state_ != State::kOff) {
    formats::AofManifest before = dir_->manifest();
    std::string name = dir_->AddIncr();
    auto file = CreateIncrFile(name);
    Status s = file.status();
    if (s.ok()) s = fs_->SyncDir(dir_->dir());
    if (s.ok()) s = AtStep("incr-created");
    // While waiting for the first rewrite there is no valid AOF yet: the manifest is written
    // only when the rewrite succeeds.
    if (s.ok() && state_ == State::kOn) s = dir_->Persist();
    if (!s.ok()) {
      dir_->mutable_manifest() = before;
      Log(LogLevel::kWarning, "Can't open the append-only file %s: %s", name.c_str(),
          s.ToString().c_str());
      return s;
    }
    Log(LogLevel::kNotice, "Creating AOF incr file %s on background rewrite", name.c_str());
    first_new_incr_seq_ = dir_->manifest().curr_incr_seq;
    if (file_ == nullptr) {
      // Logging just started (CONFIG SET appendonly yes): the new file is the first one.
      AdoptFile(std::move(file).value());
    } else {
      RotateTo(std::move(file).value());
    }
  }
  int64_t start_us = server_->clock().NowUs();
  auto child = io::ForkReportingChild();
  if (!child.has_value()) {
    last_rewrite_ok_ = false;
    consecutive_failures_++;
    Log(LogLevel::kWarning, "Can't rewrite append only file in background: %s",
        std::string(child.error().message()).c_str());
    return child.error();
  }
  if (child->pid == 0) ChildMain(dir_->PathOf(TempBaseName(getpid())), child->fd);  // no return
  cow_pipe_ = child->fd;
  const pid_t pid = child->pid;
  server_->snapshots().NoteFork(server_->clock().NowUs() - start_us);
  child_pid_ = pid;
  child_start_ms_ = server_->clock().NowMs();
  engine::SetDictResizeAllowed(false);
  Log(LogLevel::kNotice, "Background append only file rewriting started by pid %d",
      static_cast<int>(pid));
  return Status::Ok();
}

void Aof::ChildMain(const std::string& tmp, int cow_fd) {
  Status s = WriteBaseFile(tmp);
  uint64_t cow = io::PrivateDirtyBytes();
  if (s.ok()) {
    Log(LogLevel::kNotice, "Successfully created the temporary AOF base file %s",
        tmp.substr(tmp.rfind('/') + 1).c_str());
    Log(LogLevel::kNotice, "Fork CoW for AOF rewrite: current %llu MB",
        static_cast<unsigned long long>(cow >> 20));
  } else {
    Log(LogLevel::kWarning, "Error writing the temporary AOF base file %s: %s", tmp.c_str(),
        s.ToString().c_str());
  }
  io::SendChildReport(cow_fd, cow);
  _exit(s.ok() ? 0 : 1);
}

void Aof::OnChildDone(int exit_code, int signal) {
  int64_t now_ms = server_->clock().NowMs();
  const uint64_t cow = io::TakeChildReport(&cow_pipe_);
  const std::string tmp = dir_->PathOf(TempBaseName(child_pid_));
  io::FileSystem* fs = fs_;
  bool ok = false;
  if (signal == 0 && exit_code == 0) {
    Log(LogLevel::kNotice, "Background AOF rewrite terminated with success");
    const bool rdb = server_->config().aof_use_rdb_preamble;
    std::string base = dir_->NextBaseName(rdb);
    formats::AofManifest before = dir_->manifest();
    Status s = fs->RenameFile(tmp, dir_->PathOf(base));
    if (s.ok()) s = fs->SyncDir(dir_->dir());
    if (s.ok()) s = AtStep("base-renamed");
    if (s.ok()) {
      Log(LogLevel::kNotice, "Successfully renamed the temporary AOF base file %s into %s",
          TempBaseName(child_pid_).c_str(), base.c_str());
      dir_->InstallBase(base, first_new_incr_seq_);
      s = dir_->Persist();
      // E6: the old manifest stays authoritative when the new one cannot be written.
      if (!s.ok()) dir_->mutable_manifest() = before;
    }
    if (s.ok()) {
      ok = true;
      if (state_ == State::kWaitRewrite) state_ = State::kOn;
      Status ignored = AtStep("history-deleting");
      if (ignored.ok()) ignored = dir_->DeleteHistory();
      (void)ignored;
      current_size_ = dir_->TotalSize();
      rewrite_base_size_ = current_size_;
      Log(LogLevel::kNotice, "Background AOF rewrite finished successfully");
    } else {
      Log(LogLevel::kWarning, "Error installing the rewritten AOF: %s", s.ToString().c_str());
    }
  } else if (signal == 0) {
    Log(LogLevel::kWarning, "Background AOF rewrite terminated with error");
  } else if (signal == SIGUSR1) {
    Log(LogLevel::kWarning, "Background AOF rewrite terminated by signal %d", signal);
  } else {
    Log(LogLevel::kWarning, "Background AOF rewrite terminated by signal %d", signal);
  }
  if (!ok) {
    Status ignored = fs->RemoveFile(tmp);
    (void)ignored;
  }
  // A rewrite Keel stopped itself (SIGUSR1) is no failure, as in Redis.
  if (ok || signal != SIGUSR1) {
    last_rewrite_ok_ = ok;
    consecutive_failures_ = ok ? 0 : consecutive_failures_ + 1;
  }
  if (!ok && state_ == State::kWaitRewrite) rewrite_scheduled_ = true;
  last_rewrite_time_s_ = (now_ms - child_start_ms_) / 1000;
  last_cow_bytes_ = cow;
  if (ok) rewrites_++;
  child_pid_ = -1;
  engine::SetDictResizeAllowed(true);
}

void Aof::KillRewriteChild() {
  if (!rewrite_running()) return;
  Log(LogLevel::kNotice, "Killing running AOF rewrite child: %d", static_cast<int>(child_pid_));
  kill(child_pid_, SIGUSR1);
  int status = 0;
  while (waitpid(child_pid_, &status, 0) < 0 && errno == EINTR) {
  }
  OnChildDone(0, SIGUSR1);
}

void Aof::Cron(int64_t now_ms) {
  if (enabled()) {
    RetryAfterError();
    const Config& cfg = server_->config();
    // everysec: at most one fdatasync a second, also after writes stopped (L4).
    if (cfg.appendfsync == AppendFsync::kEverysec && write_ok_ && file_ != nullptr &&
        !sync_in_flight_ && file_good_size_ > file_synced_ && now_ms - last_fsync_ms_ >= 1000) {
      sync_in_flight_ = true;
      uint64_t target = file_good_size_;
      file_->SyncAsync([this, target](Status s) { OnSynced(target, std::move(s)); });
    }
  }
  if (rewrite_running()) {
    auto r = io::TryReap(child_pid_);
    if (r.has_value() && r->exited) OnChildDone(r->exit_code, r->signal);
    return;
  }
  if (rewrite_scheduled_ && !server_->snapshots().child_running()) {
    Status ignored = StartRewrite();
    (void)ignored;
    return;
  }
  if (state_ == State::kOn) CheckAutoRewrite();
}

void Aof::CheckAutoRewrite() {
  const Config& cfg = server_->config();
  if (cfg.auto_aof_rewrite_percentage <= 0 || server_->snapshots().child_running()) return;
  if (current_size_ < static_cast<uint64_t>(cfg.auto_aof_rewrite_min_size)) return;
  uint64_t base = rewrite_base_size_ == 0 ? 1 : rewrite_base_size_;
  uint64_t growth = current_size_ > base ? (current_size_ - base) * 100 / base : 0;
  if (growth < static_cast<uint64_t>(cfg.auto_aof_rewrite_percentage)) return;
  int64_t now = server_->clock().NowMs();
  // After three failures in a row, wait 1, 2, 4 ... up to 60 minutes between attempts.
  if (consecutive_failures_ >= 3) {
    if (now < next_auto_attempt_ms_) return;
    int64_t minutes =
        std::min<int64_t>(60, int64_t{1} << std::min<uint64_t>(consecutive_failures_ - 3, 6));
    next_auto_attempt_ms_ = now + minutes * 60 * 1000;
    Log(LogLevel::kWarning,
        "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in %d "
        "minutes",
        static_cast<int>(minutes));
  }
  Log(LogLevel::kNotice, "Starting automatic rewriting of AOF on %llu%% growth",
      static_cast<unsigned long long>(growth));
  Status ignored = StartRewrite();
  (void)ignored;
}

Status Aof::Enable() {
  if (state_ != State::kOff) return Status::Ok();
  const Config& cfg = server_->config();
  dir_ = std::make_unique<AofDir>(fs_, cfg.appenddirname, cfg.appendfilename);
  dir_->step_hook = [this](const char* step) { return AtStep(step); };
  if (dir_->ManifestExists()) {
    Status s = dir_->Load();
    if (!s.ok()) dir_->mutable_manifest() = formats::AofManifest();
  }
  state_ = State::kWaitRewrite;
  if (rewrite_running()) KillRewriteChild();
  Status s = StartRewrite();
  if (!s.ok()) {
    state_ = State::kOff;
    Log(LogLevel::kWarning,
        "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. "
        "Check the above logs for more info about the error.");
    return s;
  }
  Log(LogLevel::kNotice, "AOF enabled");
  return Status::Ok();
}

void Aof::Disable() {
  if (state_ == State::kOff) return;
  if (idle()) {
    Status ignored = FlushForShutdown();
    (void)ignored;
  }
  if (rewrite_running()) KillRewriteChild();
  if (file_ != nullptr && idle()) {
    Status ignored = file_->Close();
    (void)ignored;
    file_.reset();
  }
  next_file_.reset();
  buf_.clear();
  old_buf_.clear();
  batch_.clear();
  run_.Reset();
  written_lsn_ = durable_lsn_ = appended_lsn_;
  write_ok_ = true;
  sync_failed_ = false;
  state_ = State::kOff;
  rewrite_scheduled_ = false;
  WakeWaiters();
  Log(LogLevel::kNotice, "AOF disabled");
}

void Aof::WriteInfo(InfoWriter& w) {
  int64_t now_ms = server_->clock().NowMs();
  w.Field("aof_enabled", state_ != State::kOff ? 1 : 0);
  w.Field("aof_rewrite_in_progress", rewrite_running() ? 1 : 0);
  w.Field("aof_rewrite_scheduled", rewrite_scheduled_ ? 1 : 0);
  w.Field("aof_last_rewrite_time_sec", last_rewrite_time_s_);
  w.Field("aof_current_rewrite_time_sec",
          rewrite_running() ? (now_ms - child_start_ms_) / 1000 : int64_t{-1});
  w.Field("aof_last_bgrewrite_status", last_rewrite_ok_ ? "ok" : "err");
  w.Field("aof_rewrites", rewrites_);
  w.Field("aof_rewrites_consecutive_failures", consecutive_failures_);
  w.Field("aof_last_write_status", write_ok_ ? "ok" : "err");
  w.Field("aof_last_cow_size", last_cow_bytes_);
  w.Field("module_fork_in_progress", 0);
  w.Field("module_fork_last_cow_size", 0);
  if (state_ == State::kOff) return;
  w.Field("aof_current_size", current_size_);
  w.Field("aof_base_size", rewrite_base_size_);
  w.Field("aof_pending_rewrite", rewrite_scheduled_ ? 1 : 0);
  w.Field("aof_buffer_length", static_cast<uint64_t>(buf_.size() + old_buf_.size()));
  w.Field("aof_pending_bio_fsync", sync_in_flight_ ? 1 : 0);
  w.Field("aof_delayed_fsync", delayed_fsync_);
}

}  // namespace keel::server
