// Loading the append-only file at startup (aof.h): the manifest's base (an RDB, possibly with
// commands after it, or commands) and incr files replayed through the command table, with
// Redis 7.0's rules for torn tails (T1, C4), Keel's batch marks to tell an unsynced torn tail
// from corruption (T2, C1, C9), and the upgrade of an old single-file AOF (C11).
#include <cstring>

#include "engine/aof_rewrite.h"
#include "engine/command.h"
#include "engine/db.h"
#include "engine/keyspace.h"
#include "engine/parse.h"
#include "engine/rdb_load.h"
#include "engine/rdb_save.h"
#include "formats/aof_format.h"
#include "formats/aof_reader.h"
#include "io/file_stream.h"
#include "server/aof.h"
#include "server/log.h"
#include "server/server.h"
#include "server/version.h"

namespace keel::server {

namespace {

using engine::EqualsIgnoreCase;

constexpr std::string_view kFixAdvice = "use redis-check-aof --fix <filename.manifest>";

// Replays commands into the keyspace as Redis's fake AOF client does: SELECT changes its
// database, MULTI queues until EXEC, everything else runs through the command table.
class ReplayVisitor final : public formats::AofVisitor {
 public:
  ReplayVisitor(Server* server, const std::string& file) : server_(server), file_(file) {}

  Status OnCommand(std::span<const std::string_view> args, uint64_t offset) override {
    if (EqualsIgnoreCase(args[0], "multi")) {
      in_multi_ = true;
      queued_.clear();
      return Status::Ok();
    }
    if (EqualsIgnoreCase(args[0], "exec") && in_multi_) {
      in_multi_ = false;
      for (const Queued& q : queued_) {
        std::vector<std::string_view> views(q.args.begin(), q.args.end());
        KEEL_RETURN_IF_ERROR(Run(views, q.offset));
      }
      queued_.clear();
      return Status::Ok();
    }
    if (in_multi_) {
      queued_.push_back({std::vector<std::string>(args.begin(), args.end()), offset});
      return Status::Ok();
    }
    return Run(args, offset);
  }

  uint64_t commands() const { return commands_; }

 private:
  struct Queued {
    std::vector<std::string> args;
    uint64_t offset;
  };

  Status Fail(const std::string& what, uint64_t offset) {
    return Status::Corruption(what + " reading the append only file " + file_, offset);
  }

  Status Run(std::span<const std::string_view> args, uint64_t offset) {
    engine::Keyspace& ks = server_->keyspace();
    if (EqualsIgnoreCase(args[0], "select")) {
      std::optional<int64_t> db;
      if (args.size() == 2) db = engine::ParseInt64(args[1]);
      if (!db || *db < 0 || *db >= ks.num_dbs()) return Fail("Invalid SELECT", offset);
      session_.db_index = static_cast<int>(*db);
      return Status::Ok();
    }
    const engine::CommandSpec* cmd = server_->commands().Find(args[0]);
    if (cmd != nullptr && !cmd->subcommands.empty() && args.size() >= 2) {
      cmd = cmd->FindSubcommand(args[1]);
    }
    if (cmd == nullptr) {
      return Fail("Unknown command '" + std::string(args[0].substr(0, 128)) + "'", offset);
    }
    if (!engine::ArityOk(cmd->arity, args.size())) {
      return Fail("Wrong number of arguments for '" + cmd->FullName() + "'", offset);
    }
    // Only the data commands a log can hold are replayed: anything else would need a client.
    if (!(cmd->flags & engine::kCmdWrite)) {
      return Fail("Command '" + cmd->FullName() + "' that is not a write command", offset);
    }
    reply_.clear();
    formats::ReplyWriter writer(&reply_);
    engine::CommandContext ctx;
    ctx.ks = &ks;
    ctx.db = &ks.db(session_.db_index);
    ctx.args = args;
    ctx.reply = &writer;
    ctx.cmd = cmd;
    ctx.session = &session_;
    ctx.may_block = false;
    ks.UpdateTime();
    cmd->handler(ctx);
    ++commands_;
    return Status::Ok();
  }

  Server* server_;
  std::string file_;
  engine::SessionState session_;
  std::string reply_;
  bool in_multi_ = false;
  std::vector<Queued> queued_;
  uint64_t commands_ = 0;
};

}  // namespace

// What loading one file found, for the caller's decision.
struct AofFileLoad {
  formats::AofReadResult read;
  uint64_t size = 0;
  bool preamble = false;
};

namespace {

// Replays `path` (a base or an incr file) into the server's keyspace.
Result<AofFileLoad> LoadOneFile(Server* server, io::FileSystem* fs, const std::string& path,
                                const std::string& name, bool base) {
  AofFileLoad out;
  auto size = fs->GetFileSize(path);
  if (!size.has_value()) {
    return Status::IoError("Unable to obtain the AOF file " + name +
                               " length. stat: " + std::strerror(size.error().sys_errno()),
                           size.error().sys_errno());
  }
  out.size = *size;
  if (*size == 0) return out;
  KEEL_ASSIGN_OR_RETURN(std::unique_ptr<io::SequentialFile> file, fs->NewSequentialFile(path));
  uint64_t start = 0;
  char magic[5];
  auto head = file->Read(5, magic);
  if (!head.has_value()) return head.error();
  if (head->size() == 5 && std::memcmp(head->data(), "REDIS", 5) == 0) {
    // An RDB: the base of a multi-part AOF, or an old AOF's preamble with commands after it.
    if (base) Log(LogLevel::kNotice, "Reading RDB base file on AOF loading...");
    out.preamble = true;
    KEEL_ASSIGN_OR_RETURN(file, fs->NewSequentialFile(path));
    io::FileSource src(*file);
    engine::RdbLoadOptions o;
    o.drop_expired = false;
    o.aof_preamble = true;
    engine::RdbLoadStats stats;
    Status s = engine::LoadRdb(server->keyspace(), src, o, &stats);
    if (!s.ok()) {
      return Status::Corruption(
          "Bad RDB data in the AOF file " + name + ": " + std::string(s.message()), s.offset());
    }
    Log(LogLevel::kNotice, "Done loading RDB, keys loaded: %llu, keys expired: %llu.",
        static_cast<unsigned long long>(stats.keys),
        static_cast<unsigned long long>(stats.expired_skipped));
    start = stats.bytes;
    if (start >= *size) {
      out.read.size = out.read.last_complete = out.read.valid_up_to = *size;
      return out;
    }
    if (base) Log(LogLevel::kNotice, "Reading the remaining AOF tail...");
    KEEL_ASSIGN_OR_RETURN(file, fs->NewSequentialFile(path));
    KEEL_RETURN_IF_ERROR(file->Skip(start));
  } else {
    KEEL_ASSIGN_OR_RETURN(file, fs->NewSequentialFile(path));
  }
  io::FileSource src(*file);
  ReplayVisitor visitor(server, name);
  formats::AofReadLimits limits;
  limits.max_bulk_len = static_cast<uint64_t>(server->config().proto_max_bulk_len);
  server->keyspace().loading = true;
  auto r = formats::ReadAofCommands(src, visitor, limits, start);
  server->keyspace().loading = false;
  if (!r.has_value()) return r.error();
  out.read = std::move(r).value();
  return out;
}

}  // namespace

Status Aof::LoadFiles() {
  const Config& cfg = server_->config();
  const formats::AofManifest& m = dir_->manifest();
  int64_t total_start = server_->clock().NowUs();
  std::vector<formats::AofFileInfo> files;
  if (m.base) files.push_back(*m.base);
  files.insert(files.end(), m.incr.begin(), m.incr.end());
  // A file the manifest names must exist (C5): refuse before loading anything.
  for (const formats::AofFileInfo& f : files) {
    auto size = fs_->GetFileSize(dir_->PathOf(f.name));
    if (!size.has_value()) {
      return Status::IoError("Unable to obtain the AOF file " + f.name +
                                 " length. stat: " + std::strerror(size.error().sys_errno()) +
                                 ". The manifest names a file that is missing: restore it, or "
                                 "fix the manifest " +
                                 dir_->ManifestPath(),
                             size.error().sys_errno());
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    const formats::AofFileInfo& f = files[i];
    const bool base = m.base && i == 0;
    const bool last = i + 1 == files.size();
    const std::string path = dir_->PathOf(f.name);
    int64_t start = server_->clock().NowUs();
    KEEL_ASSIGN_OR_RETURN(AofFileLoad load, LoadOneFile(server_, fs_, path, f.name, base));
    const formats::AofReadResult& r = load.read;
    using End = formats::AofReadResult::End;
    bool cut = false;
    uint64_t cut_at = 0;
    if (r.end == End::kClean && r.in_multi) {
      if (!last || !cfg.aof_load_truncated) {
        return Status::Corruption("Unexpected end of file reading the append only file " + f.name +
                                      " (an unfinished MULTI at offset " +
                                      std::to_string(r.multi_offset) + "). You can: 1) " +
                                      std::string(kFixAdvice) +
                                      ". 2) Alternatively set 'aof-load-truncated' to yes",
                                  r.multi_offset);
      }
      Log(LogLevel::kWarning, "Revert incomplete MULTI/EXEC transaction in AOF file %s",
          f.name.c_str());
      cut = true;
      cut_at = r.valid_up_to;
    } else if (r.end == End::kTruncated) {
      if (!last) {
        return Status::Corruption("Fatal error: the truncated file " + f.name +
                                      " is not the last file (it ends inside a command after "
                                      "offset " +
                                      std::to_string(r.last_complete) +
                                      "). Restore it from a backup; redis-check-aof can only "
                                      "fix the last file",
                                  r.last_complete);
      }
      if (!cfg.aof_load_truncated) {
        return Status::Corruption(
            "Unexpected end of file reading the append only file " + f.name + " at offset " +
                std::to_string(r.last_complete) +
                ". You can: 1) Make a backup of your AOF "
                "file, then " +
                std::string(kFixAdvice) +
                ". 2) Alternatively you can set the "
                "'aof-load-truncated' configuration option to yes and restart the server.",
            r.last_complete);
      }
      Log(LogLevel::kWarning, "!!! Warning: short read while loading the AOF file %s!!!",
          f.name.c_str());
      cut = true;
      cut_at = r.valid_up_to;
    } else if (r.end == End::kCorrupt) {
      uint64_t damage = r.problem.offset();
      uint64_t proof = 0;
      if (last && r.has_marks) {
        auto file = fs_->NewSequentialFile(path);
        if (file.has_value() && (*file)->Skip(damage).ok()) {
          io::FileSource src(**file);
          auto synced = formats::MaxSyncedMarkAfter(src, damage);
          proof = synced.has_value() ? *synced : UINT64_MAX;
        } else {
          proof = UINT64_MAX;
        }
      }
      // T2: Keel wrote this file (a verified mark before the damage), and no verified mark after
      // it says the damaged bytes had been synced: the tail was never durable, a crash tore it.
      if (last && r.has_marks && proof <= damage && cfg.aof_load_truncated) {
        // Commands before the damage parsed and belong to the log; a batch whose checksum failed
        // is dropped whole (the reader reports its start).
        cut_at = std::min(r.valid_up_to, damage);
        Log(LogLevel::kWarning,
            "AOF file %s has an unsynced torn tail at offset %llu (%s): it was never "
            "acknowledged as durable and is removed.",
            f.name.c_str(), static_cast<unsigned long long>(damage),
            std::string(r.problem.message()).c_str());
        cut = true;
      } else {
        return Status::Corruption(
            "Bad file format reading the append only file " + f.name + " at offset " +
                std::to_string(damage) + " (" + std::string(r.problem.message()) +
                "): make a backup of your AOF file, then " + std::string(kFixAdvice),
            damage);
      }
    }
    if (cut) {
      Log(LogLevel::kWarning, "!!! Truncating the AOF %s at offset %llu !!!", f.name.c_str(),
          static_cast<unsigned long long>(cut_at));
      KEEL_RETURN_IF_ERROR(fs_->Truncate(path, cut_at));
      // Commands past the cut may have been replayed already: load everything again.
      if (cut_at < r.last_complete) return Status::NotFound("reload");
      Log(LogLevel::kWarning, "AOF %s loaded anyway because aof-load-truncated is enabled",
          f.name.c_str());
    }
    last_file_clean_ =
        last && !cut && r.end == End::kClean && r.has_marks && r.last_mark_end == load.size;
    double secs = static_cast<double>(server_->clock().NowUs() - start) / 1e6;
    Log(LogLevel::kNotice, "DB loaded from %s file %s: %.3f seconds", base ? "base" : "incr",
        f.name.c_str(), secs);
  }
  double secs = static_cast<double>(server_->clock().NowUs() - total_start) / 1e6;
  Log(LogLevel::kNotice, "DB loaded from append only file: %.3f seconds", secs);
  return Status::Ok();
}

Status Aof::OpenIncrForAppend(const std::string& name) {
  KEEL_ASSIGN_OR_RETURN(std::unique_ptr<io::LogFile> file, OpenLog(dir_->PathOf(name)));
  AdoptFile(std::move(file));
  return Status::Ok();
}

Status Aof::WriteBaseFile(const std::string& path) {
  const Config& cfg = server_->config();
  io::FileSystem* fs = fs_;
  KEEL_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> file, fs->NewWritableFile(path));
  io::FileSink sink(*file);
  Status s;
  if (cfg.aof_use_rdb_preamble) {
    engine::RdbSaveOptions o;
    o.writer.compress = cfg.rdbcompression;
    o.writer.checksum = cfg.rdbchecksum;
    o.redis_ver = kRedisCompatVersion;
    o.ctime_s = server_->clock().NowMs() / 1000;
    o.aof_base = true;
    o.key_save_delay_us = cfg.rdb_key_save_delay;
    s = engine::SaveRdb(server_->keyspace(), sink, o, nullptr);
  } else {
    engine::AofRewriteOptions o;
    if (cfg.aof_timestamp_enabled) o.timestamp_s = server_->clock().NowMs() / 1000;
    s = engine::WriteAofCommands(server_->keyspace(), sink, o).status();
  }
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  return s;
}

Status Aof::CreateInitialFiles() {
  // No AOF yet: a base with the dataset as it is (empty at startup) and a first incr file.
  const Config& cfg = server_->config();
  io::FileSystem* fs = fs_;
  KEEL_RETURN_IF_ERROR(dir_->CreateDir());
  std::string base = dir_->NextBaseName(cfg.aof_use_rdb_preamble);
  KEEL_RETURN_IF_ERROR(WriteBaseFile(dir_->PathOf(base)));
  Log(LogLevel::kNotice, "Creating AOF base file %s on server start", base.c_str());
  dir_->InstallBase(base, dir_->manifest().curr_incr_seq + 1);
  std::string incr = dir_->AddIncr();
  KEEL_ASSIGN_OR_RETURN(std::unique_ptr<io::LogFile> file, CreateIncrFile(incr));
  AdoptFile(std::move(file));
  Log(LogLevel::kNotice, "Creating AOF incr file %s on server start", incr.c_str());
  KEEL_RETURN_IF_ERROR(fs->SyncDir(dir_->dir()));
  KEEL_RETURN_IF_ERROR(dir_->Persist());
  current_size_ = rewrite_base_size_ = dir_->TotalSize();
  return Status::Ok();
}

Status Aof::UpgradeSingleFile() {
  // Redis 7.0's aofUpgradePrepare: the old file becomes the base, under its own name. The
  // manifest goes first, so a crash before the move is finished here on the next start (C11).
  const std::string& name = server_->config().appendfilename;
  io::FileSystem* fs = fs_;
  KEEL_RETURN_IF_ERROR(dir_->CreateDir());
  formats::AofManifest& m = dir_->mutable_manifest();
  m = formats::AofManifest();
  m.base = formats::AofFileInfo{name, 1, formats::AofFileType::kBase};
  m.curr_base_seq = 1;
  KEEL_RETURN_IF_ERROR(dir_->Persist());
  KEEL_RETURN_IF_ERROR(fs->RenameFile(name, dir_->PathOf(name)));
  KEEL_RETURN_IF_ERROR(fs->SyncDir(dir_->dir()));
  KEEL_RETURN_IF_ERROR(fs->SyncDir("."));
  Log(LogLevel::kNotice, "Successfully migrated an old-style AOF into the AOF directory");
  return Status::Ok();
}

Status Aof::LoadAtStartup() {
  const Config& cfg = server_->config();
  dir_ = std::make_unique<AofDir>(fs_, cfg.appenddirname, cfg.appendfilename);
  dir_->step_hook = [this](const char* step) { return AtStep(step); };
  if (!cfg.appendonly) return Status::Ok();
  state_ = State::kOn;
  io::FileSystem* fs = fs_;
  const std::string& old_name = cfg.appendfilename;
  if (dir_->ManifestExists()) {
    Status s = dir_->Load();
    if (!s.ok()) {
      return Status::Corruption("Bad AOF manifest " + dir_->ManifestPath() + ": " +
                                    std::string(s.message()) +
                                    ". Fix the manifest (its format is in docs/formats/aof.md) "
                                    "or restore it from a backup",
                                s.offset());
    }
    // An upgrade interrupted after the manifest was written: finish moving the old file in.
    const formats::AofManifest& m = dir_->manifest();
    if (m.base && m.base->name == old_name && m.incr.empty() &&
        !fs->FileExists(dir_->PathOf(old_name)) && fs->FileExists(old_name)) {
      KEEL_RETURN_IF_ERROR(UpgradeSingleFile());
    }
  } else if (fs->FileExists(old_name)) {
    KEEL_RETURN_IF_ERROR(UpgradeSingleFile());
  }
  const formats::AofManifest& m = dir_->manifest();
  if (!m.base && m.incr.empty()) return CreateInitialFiles();

  server_->keyspace().UpdateTime();
  Status s = LoadFiles();
  if (s.IsNotFound()) {
    // A torn tail was cut after its commands were replayed: start over from the cut files.
    for (int i = 0; i < server_->keyspace().num_dbs(); ++i) server_->keyspace().db(i).Clear();
    s = LoadFiles();
  }
  KEEL_RETURN_IF_ERROR(s);
  if (!m.incr.empty() && last_file_clean_) {
    KEEL_RETURN_IF_ERROR(OpenIncrForAppend(m.incr.back().name));
    Log(LogLevel::kNotice, "Opening AOF incr file %s on server start", m.incr.back().name.c_str());
  } else {
    std::string incr = dir_->AddIncr();
    KEEL_ASSIGN_OR_RETURN(std::unique_ptr<io::LogFile> file, CreateIncrFile(incr));
    AdoptFile(std::move(file));
    KEEL_RETURN_IF_ERROR(fs->SyncDir(dir_->dir()));
    KEEL_RETURN_IF_ERROR(dir_->Persist());
    Log(LogLevel::kNotice, "Creating AOF incr file %s on server start", incr.c_str());
  }
  current_size_ = dir_->TotalSize();
  rewrite_base_size_ = current_size_;
  return Status::Ok();
}

}  // namespace keel::server

namespace keel::server {

Status Aof::Reload() {
  if (!idle()) return Status::InvalidArgument("an AOF write is in flight");
  if (!write_ok_) return Status::IoError("the AOF is failing: " + last_error_, 0);
  KEEL_RETURN_IF_ERROR(FlushForShutdown());
  engine::Keyspace& ks = server_->keyspace();
  for (int i = 0; i < ks.num_dbs(); ++i) ks.db(i).Clear();
  ks.UpdateTime();
  return LoadFiles();
}

}  // namespace keel::server
