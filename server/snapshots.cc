// RDB snapshots: SAVE, BGSAVE by fork, save points, startup loading and the rdb_* INFO fields.
#include "server/snapshots.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/dict.h"
#include "engine/digest.h"
#include "engine/memory.h"
#include "engine/rdb_load.h"
#include "engine/rdb_save.h"
#include "io/file_stream.h"
#include "io/file_system.h"
#include "io/process.h"
#include "server/aof.h"
#include "server/info_sections.h"
#include "server/log.h"
#include "server/server.h"
#include "server/version.h"

namespace keel::server {

namespace {

// Redis's CONFIG_BGSAVE_RETRY_DELAY: after a failed background save, save points wait this long.
constexpr int64_t kBgsaveRetryDelaySeconds = 5;

std::string TempFileName(pid_t pid) { return "temp-" + std::to_string(pid) + ".rdb"; }

std::string WorkingDir() {
  char buf[4096];
  return getcwd(buf, sizeof(buf)) != nullptr ? std::string(buf) : std::string(".");
}

}  // namespace

Snapshots::Snapshots(Server* server) : server_(server) {
  last_save_s_ = server_->clock().NowMs() / 1000;
}

Snapshots::~Snapshots() {
  if (cow_pipe_ >= 0) close(cow_pipe_);
}

bool Snapshots::SavePointsConfigured() const { return !server_->config().save.empty(); }

bool Snapshots::WritesRefused() const {
  return server_->config().stop_writes_on_bgsave_error && SavePointsConfigured() &&
         !last_bgsave_ok_;
}

Status Snapshots::WriteFile(const std::string& tmp) {
  io::FileSystem* fs = io::FileSystem::Posix();
  const Config& cfg = server_->config();
  auto file = fs->NewWritableFile(tmp);
  if (!file.has_value()) {
    Log(LogLevel::kWarning,
        "Failed opening the temp RDB file %s (in server root dir %s) for saving: %s",
        tmp.c_str(), WorkingDir().c_str(), std::string(file.error().message()).c_str());
    return file.error();
  }
  io::FileSink sink(**file);
  engine::RdbSaveOptions o;
  o.writer.compress = cfg.rdbcompression;
  o.writer.checksum = cfg.rdbchecksum;
  o.redis_ver = kRedisCompatVersion;
  o.ctime_s = server_->clock().NowMs() / 1000;
  o.used_memory = engine::UsedMemory();
  o.zstd_level = static_cast<int>(cfg.rdb_zstd_level);
  o.key_save_delay_us = cfg.rdb_key_save_delay;
  engine::RdbSaveStats stats;
  Status s = engine::SaveRdb(server_->keyspace(), sink, o, &stats);
  if (s.ok()) s = (*file)->Sync();
  if (s.ok()) s = (*file)->Close();
  if (s.ok()) s = fs->RenameFile(tmp, cfg.dbfilename);
  if (s.ok()) s = fs->SyncDir(".");
  if (!s.ok()) {
    Log(LogLevel::kWarning, "Write error saving DB on disk: %s", s.ToString().c_str());
    file->reset();
    Status ignored = fs->RemoveFile(tmp);
    (void)ignored;
  }
  return s;
}

Status Snapshots::SaveNow() {
  saves_++;
  KEEL_RETURN_IF_ERROR(WriteFile(TempFileName(getpid())));
  Log(LogLevel::kNotice, "DB saved on disk");
  server_->keyspace().dirty = 0;
  last_save_s_ = server_->clock().NowMs() / 1000;
  last_bgsave_ok_ = true;
  return Status::Ok();
}

Status Snapshots::StartBackground() {
  if (child_running()) return Status::InvalidArgument("Background save already in progress");
  engine::Keyspace& ks = server_->keyspace();
  dirty_at_fork_ = ks.dirty;
  last_bgsave_try_s_ = server_->clock().NowMs() / 1000;
  saves_++;
  int64_t start_us = server_->clock().NowUs();
  auto child = io::ForkReportingChild();
  if (!child.has_value()) {
    last_bgsave_ok_ = false;
    Log(LogLevel::kWarning, "Can't save in background: %s",
        std::string(child.error().message()).c_str());
    return child.error();
  }
  if (child->pid == 0) ChildMain(child->fd);  // never returns
  cow_pipe_ = child->fd;
  const pid_t pid = child->pid;
  latest_fork_us_ = server_->clock().NowUs() - start_us;
  total_forks_++;
  child_pid_ = pid;
  child_start_ms_ = server_->clock().NowMs();
  scheduled_ = false;
  // Copy-on-write: no table may grow, shrink or rehash while the child reads the pages.
  engine::SetDictResizeAllowed(false);
  Log(LogLevel::kNotice, "Background saving started by pid %d", static_cast<int>(pid));
  return Status::Ok();
}

void Snapshots::ChildMain(int cow_fd) {
  if (log_fork_digest_) {
    Log(LogLevel::kNotice, "Snapshot digest at fork: %s",
        engine::DigestHex(engine::DatasetDigest(server_->keyspace())).c_str());
  }
  Status s = WriteFile(TempFileName(getpid()));
  uint64_t cow = io::PrivateDirtyBytes();
  if (s.ok()) {
    Log(LogLevel::kNotice, "DB saved on disk");
    if (cow > 0) {
      Log(LogLevel::kNotice, "Fork CoW for RDB: current %llu MB",
          static_cast<unsigned long long>(cow >> 20));
    }
  }
  io::SendChildReport(cow_fd, cow);
  _exit(s.ok() ? 0 : 1);
}

void Snapshots::OnChildDone(int exit_code, int signal) {
  engine::Keyspace& ks = server_->keyspace();
  int64_t now_ms = server_->clock().NowMs();
  const uint64_t cow = io::TakeChildReport(&cow_pipe_);
  if (signal == 0 && exit_code == 0) {
    Log(LogLevel::kNotice, "Background saving terminated with success");
    ks.dirty = ks.dirty > dirty_at_fork_ ? ks.dirty - dirty_at_fork_ : 0;
    last_save_s_ = now_ms / 1000;
    last_bgsave_ok_ = true;
  } else if (signal == 0) {
    Log(LogLevel::kWarning, "Background saving error");
    last_bgsave_ok_ = false;
  } else {
    Log(LogLevel::kWarning, "Background saving terminated by signal %d", signal);
    // SIGUSR1 is how Keel itself stops a child: not a failure.
    if (signal != SIGUSR1) last_bgsave_ok_ = false;
  }
  if (signal != 0 || exit_code != 0) unlink(TempFileName(child_pid_).c_str());
  last_bgsave_time_s_ = (now_ms - child_start_ms_) / 1000;
  last_cow_bytes_ = cow;
  child_pid_ = -1;
  engine::SetDictResizeAllowed(true);
}

void Snapshots::KillChild() {
  if (!child_running()) return;
  kill(child_pid_, SIGUSR1);
  int status = 0;
  while (waitpid(child_pid_, &status, 0) < 0 && errno == EINTR) {
  }
  OnChildDone(0, SIGUSR1);
}

void Snapshots::Cron(int64_t now_ms) {
  if (child_running()) {
    auto r = io::TryReap(child_pid_);
    if (r.has_value() && r->exited) OnChildDone(r->exit_code, r->signal);
    return;
  }
  // One child at a time: a save waits for the AOF rewrite (Redis's hasActiveChildProcess).
  if (server_->aof().rewrite_running()) return;
  if (scheduled_) {
    Status ignored = StartBackground();
    (void)ignored;
    return;
  }
  const engine::Keyspace& ks = server_->keyspace();
  int64_t now_s = now_ms / 1000;
  for (const SavePoint& p : server_->config().save) {
    if (ks.dirty >= static_cast<uint64_t>(p.changes) && now_s - last_save_s_ > p.seconds &&
        (now_s - last_bgsave_try_s_ > kBgsaveRetryDelaySeconds || last_bgsave_ok_)) {
      Log(LogLevel::kNotice, "%d changes in %d seconds. Saving...", static_cast<int>(p.changes),
          static_cast<int>(p.seconds));
      Status ignored = StartBackground();
      (void)ignored;
      break;
    }
  }
}

Status Snapshots::LoadAtStartup() {
  const std::string& name = server_->config().dbfilename;
  io::FileSystem* fs = io::FileSystem::Posix();
  if (!fs->FileExists(name)) return Status::Ok();
  std::string path = WorkingDir() + "/" + name;
  auto size = fs->GetFileSize(name);
  if (size.has_value() && *size == 0) {
    Log(LogLevel::kWarning, "The RDB file %s is empty: starting with an empty dataset.",
        path.c_str());
    return Status::Ok();
  }
  Status s = Load(name);
  if (s.ok()) return s;
  std::string msg = "Fatal error loading the DB from " + path + ": " + std::string(s.message());
  if (s.offset() != UINT64_MAX) msg += " (at offset " + std::to_string(s.offset()) + ")";
  if (s.IsCorruption()) {
    msg +=
        ". The file was left untouched. Check it with redis-check-rdb, restore a good copy, or "
        "move it away to start with an empty dataset. Exiting.";
  } else {
    msg += ". Exiting.";
  }
  return Status::Corruption(msg, s.offset());
}

Status Snapshots::Load(const std::string& path, bool merge) {
  io::FileSystem* fs = io::FileSystem::Posix();
  int64_t start_us = server_->clock().NowUs();
  auto file = fs->NewSequentialFile(path);
  if (!file.has_value()) return file.error();
  io::FileSource src(**file);
  engine::RdbLoadOptions o;
  o.replace_existing = merge;
  engine::RdbLoadStats stats;
  server_->keyspace().UpdateTime();
  KEEL_RETURN_IF_ERROR(engine::LoadRdb(server_->keyspace(), src, o, &stats));
  double secs = static_cast<double>(server_->clock().NowUs() - start_us) / 1e6;
  Log(LogLevel::kNotice, "Done loading RDB, keys loaded: %llu, keys expired: %llu.",
      static_cast<unsigned long long>(stats.keys),
      static_cast<unsigned long long>(stats.expired_skipped));
  if (stats.empty_skipped > 0) {
    Log(LogLevel::kWarning, "Done loading RDB, keys empty: %llu (skipped).",
        static_cast<unsigned long long>(stats.empty_skipped));
  }
  Log(LogLevel::kNotice, "DB loaded from disk: %.3f seconds", secs);
  last_load_keys_ = stats.keys;
  last_load_expired_ = stats.expired_skipped;
  return Status::Ok();
}

void Snapshots::WriteInfo(InfoWriter& w) const {
  int64_t now_ms = server_->clock().NowMs();
  w.Field("rdb_changes_since_last_save", server_->keyspace().dirty);
  w.Field("rdb_bgsave_in_progress", child_running() ? 1 : 0);
  w.Field("rdb_last_save_time", last_save_s_);
  w.Field("rdb_last_bgsave_status", last_bgsave_ok_ ? "ok" : "err");
  w.Field("rdb_last_bgsave_time_sec", last_bgsave_time_s_);
  w.Field("rdb_current_bgsave_time_sec",
          child_running() ? (now_ms - child_start_ms_) / 1000 : int64_t{-1});
  w.Field("rdb_saves", saves_);
  w.Field("rdb_last_cow_size", last_cow_bytes_);
  w.Field("rdb_last_load_keys_expired", last_load_expired_);
  w.Field("rdb_last_load_keys_loaded", last_load_keys_);
}

}  // namespace keel::server
