// RDB snapshots in the server: SAVE, BGSAVE by fork, save points, loading dump.rdb at startup,
// MISCONF after a failed background save, and INFO persistence's rdb_* fields. The file code is
// engine/rdb_save and engine/rdb_load over formats/rdb_*; this class owns when and where.
//
// A background save forks: the child writes temp-<pid>.rdb with the keyspace as it was at the
// fork, fsyncs it, renames it over dbfilename, fsyncs the directory, reports its copy-on-write
// through a pipe and exits. The parent polls the child from the cron (never waiting) and, while it
// runs, keeps hash tables from resizing or rehashing so that copy-on-write stays small.
// Loop thread only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "engine/command.h"
#include "formats/status.h"

namespace keel::server {

class Server;
class InfoWriter;

class Snapshots {
 public:
  explicit Snapshots(Server* server);
  ~Snapshots();
  Snapshots(const Snapshots&) = delete;
  Snapshots& operator=(const Snapshots&) = delete;

  // Loads dbfilename from the working directory (dir) when it exists. An error means the server
  // must not start: the message names the file, the offset and what to do.
  Status LoadAtStartup();
  // Loads a file into the dataset (DEBUG RELOAD's second half). With `merge` a key of the file
  // replaces one already present; otherwise such a key is an error.
  Status Load(const std::string& path, bool merge = false);

  // SAVE: writes the snapshot now, blocking the loop (also while a child runs: the two write
  // different temp files and each renames its own).
  Status SaveNow();
  // BGSAVE: forks a child that writes the snapshot.
  Status StartBackground();
  bool child_running() const { return child_pid_ > 0; }
  // BGSAVE SCHEDULE while another child runs (none can yet: kept for Redis's replies).
  void Schedule() { scheduled_ = true; }

  // Reaps a finished child, starts a scheduled save, checks the save points.
  void Cron(int64_t now_ms);
  // Stops a running child and removes its temp file (shutdown, FLUSHALL).
  void KillChild();

  // stop-writes-on-bgsave-error: writes are refused with -MISCONF while the last background save
  // failed and save points are configured.
  bool WritesRefused() const;
  // Whether a shutdown should save: save points are configured.
  bool SavePointsConfigured() const;

  int64_t last_save_s() const { return last_save_s_; }
  // DEBUG SNAPSHOT-DIGEST (Keel's, for tests): each background child logs the DEBUG DIGEST of the
  // dataset it is about to write, so a test can check the file holds exactly the fork instant.
  void set_log_fork_digest(bool on) { log_fork_digest_ = on; }
  void WriteInfo(InfoWriter& w) const;
  // Stats section: latest_fork_usec, total_forks.
  int64_t latest_fork_us() const { return latest_fork_us_; }
  uint64_t total_forks() const { return total_forks_; }
  // Another fork (the AOF rewrite) took `us` microseconds.
  void NoteFork(int64_t us) {
    latest_fork_us_ = us;
    total_forks_++;
  }

 private:
  // Writes the snapshot to `tmp`, syncs it, renames it over dbfilename and syncs the directory.
  Status WriteFile(const std::string& tmp);
  void ChildMain(int cow_fd);
  void OnChildDone(int exit_code, int signal);

  Server* server_;
  pid_t child_pid_ = -1;
  int cow_pipe_ = -1;  // read end: the child's copy-on-write bytes
  int64_t child_start_ms_ = 0;
  uint64_t dirty_at_fork_ = 0;
  bool scheduled_ = false;
  bool log_fork_digest_ = false;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_try_s_ = 0;
  int64_t last_bgsave_time_s_ = -1;
  int64_t last_save_s_ = 0;
  uint64_t saves_ = 0;
  uint64_t last_cow_bytes_ = 0;
  int64_t latest_fork_us_ = 0;
  uint64_t total_forks_ = 0;
  uint64_t last_load_keys_ = 0;
  uint64_t last_load_expired_ = 0;
};

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] (persistence_commands.cc).
void DebugReload(engine::CommandContext& ctx);
// DEBUG LOADAOF: the AOF flushed, fsynced and loaded again in place of the dataset.
void DebugLoadAof(engine::CommandContext& ctx);
// DEBUG AOF-FAULT WRITE <errno> [count [partial]] | SYNC <errno> [count] | CLEAR (Keel's, for
// tests): the next writes or fsyncs of the AOF fail with that errno (count -1: until CLEAR).
void DebugAofFault(engine::CommandContext& ctx);
// DEBUG AOF-STEP <step> CRASH|FAIL | CLEAR (Keel's, for tests): see Aof::SetStepFault.
void DebugAofStep(engine::CommandContext& ctx);
// DEBUG SNAPSHOT-DIGEST <0|1>.
void DebugSnapshotDigest(engine::CommandContext& ctx);
void RegisterPersistenceCommands(engine::CommandTable& table);

}  // namespace keel::server
