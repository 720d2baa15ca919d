// The dataset as commands (aof_rewrite.h), as Redis 7.0's rewriteAppendOnlyFileRio writes it.
// Commands are encoded into a buffer that goes to the sink whenever it holds kFlushBytes, so the
// memory used is one command's elements plus that buffer, whatever the size of the dataset.
#include "engine/aof_rewrite.h"

#include <algorithm>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/db.h"
#include "engine/entry.h"
#include "engine/hash_object.h"
#include "engine/keyspace.h"
#include "engine/list_object.h"
#include "engine/set_object.h"
#include "engine/zset_object.h"
#include "formats/aof_format.h"

namespace keel::engine {

namespace {

constexpr size_t kFlushBytes = 64 * 1024;
// A buffer that grew past this for one big element is given back rather than kept for the rest.
constexpr size_t kKeepCapacity = 1024 * 1024;

// Encodes commands into a buffer and hands it to the sink in chunks. After a failed write it
// writes nothing more; Finish() reports the error.
class CommandWriter {
 public:
  CommandWriter(formats::ByteSink& out, AofRewriteStats* stats) : out_(out), stats_(stats) {}

  void Add(std::span<const std::string_view> args) {
    formats::AppendAofCommand(&buf_, args);
    stats_->commands++;
    MaybeFlush();
  }
  void Add(std::initializer_list<std::string_view> args) {
    Add(std::span<const std::string_view>(args.begin(), args.size()));
  }
  // Bytes that are not a command (the "#TS:" annotation).
  void AddRaw(std::string_view bytes) {
    buf_.append(bytes);
    MaybeFlush();
  }

  Status Finish() {
    Flush();
    return status_;
  }
  bool failed() const { return !status_.ok(); }

 private:
  void MaybeFlush() {
    if (buf_.size() >= kFlushBytes) Flush();
  }
  void Flush() {
    if (status_.ok() && !buf_.empty()) {
      status_ = out_.Write(
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(buf_.data()), buf_.size()));
      if (status_.ok()) stats_->bytes += buf_.size();
    }
    buf_.clear();
    if (buf_.capacity() > kKeepCapacity) buf_.shrink_to_fit();
  }

  formats::ByteSink& out_;
  AofRewriteStats* stats_;
  std::string buf_;
  Status status_ = Status::Ok();
};

// A collection as "<NAME> key <items>" commands of at most `per_command` items each, an item
// being one argument (list element, set member) or two (score and member, field and value).
// The items of the pending command are copied into one arena, as the collections' iterators hand
// out views that do not outlive the step; one ChunkedCommand serves every key, so its buffers are
// allocated once per rewrite rather than once per key.
class ChunkedCommand {
 public:
  ChunkedCommand(CommandWriter& w, int per_command)
      : w_(w), per_command_(static_cast<size_t>(std::max(1, per_command))) {}

  void Start(std::string_view name, std::string_view key) {
    name_ = name;
    key_ = key;
  }
  void Item(std::string_view a) {
    Push(a);
    EndItem();
  }
  void Item(std::string_view a, std::string_view b) {
    Push(a);
    Push(b);
    EndItem();
  }
  // Emits the last, shorter command.
  void Finish() {
    if (items_ > 0) Emit();
  }

 private:
  void Push(std::string_view arg) {
    bounds_.emplace_back(arena_.size(), arg.size());
    arena_.append(arg);
  }
  void EndItem() {
    if (++items_ == per_command_) Emit();
  }
  void Emit() {
    args_.clear();
    args_.push_back(name_);
    args_.push_back(key_);
    for (const auto& [pos, len] : bounds_) {
      args_.push_back(std::string_view(arena_).substr(pos, len));
    }
    w_.Add(args_);
    arena_.clear();
    if (arena_.capacity() > kKeepCapacity) arena_.shrink_to_fit();
    bounds_.clear();
    items_ = 0;
  }

  CommandWriter& w_;
  size_t per_command_;
  std::string_view name_;
  std::string_view key_;
  size_t items_ = 0;
  std::string arena_;
  std::vector<std::pair<size_t, size_t>> bounds_;
  std::vector<std::string_view> args_;
};

// Redis's rioWriteBulkDouble: "%.17g", which reads back as the same double ("inf", "-inf" too).
std::string_view FormatScore(double score, char (&buf)[32]) {
  int n = std::snprintf(buf, sizeof(buf), "%.17g", score);
  return std::string_view(buf, static_cast<size_t>(n));
}

void WriteValue(CommandWriter& w, ChunkedCommand& c, const Entry* e) {
  const std::string_view key = e->key();
  switch (e->type()) {
    case ObjType::kString: {
      char buf[24];
      w.Add({"SET", key, e->StringBytes(buf)});
      break;
    }
    case ObjType::kList: {
      c.Start("RPUSH", key);
      e->As<ListObject>()->ForEach([&c](const ListValue& v) {
        char buf[24];
        c.Item(v.Bytes(buf));
      });
      c.Finish();
      break;
    }
    case ObjType::kSet: {
      c.Start("SADD", key);
      e->As<SetObject>()->ForEach([&c](const SetMember& m) {
        char buf[24];
        c.Item(m.Bytes(buf));
      });
      c.Finish();
      break;
    }
    case ObjType::kZSet: {
      c.Start("ZADD", key);
      for (ZSetCursor z = e->As<ZSetObject>()->Begin(); z.valid(); z.Next()) {
        char score_buf[32];
        char member_buf[24];
        c.Item(FormatScore(z.Score(), score_buf), z.Member(member_buf));
      }
      c.Finish();
      break;
    }
    case ObjType::kHash: {
      c.Start("HMSET", key);
      e->As<HashObject>()->ForEach(
          [&c](std::string_view field, std::string_view value) { c.Item(field, value); });
      c.Finish();
      break;
    }
    case ObjType::kStream:
      break;  // Keel has no streams; no entry ever has this type.
  }
}

}  // namespace

Result<AofRewriteStats> WriteAofCommands(Keyspace& ks, formats::ByteSink& out,
                                         const AofRewriteOptions& options) {
  AofRewriteStats stats;
  CommandWriter w(out, &stats);
  ChunkedCommand chunked(w, options.items_per_command);
  if (options.timestamp_s > 0) w.AddRaw("#TS:" + std::to_string(options.timestamp_s) + "\r\n");
  for (int i = 0; i < ks.num_dbs(); ++i) {
    const Db& db = ks.db(i);
    if (db.size() == 0) continue;
    const std::string index = std::to_string(i);
    w.Add({"SELECT", index});
    db.ForEach([&](const Entry* e) {
      // Redis 7.0 writes expired keys too (with their past PEXPIREAT); leaving them out gives
      // the same dataset once loaded, in a smaller file.
      if (w.failed() || db.IsExpired(e)) return;
      WriteValue(w, chunked, e);
      const int64_t when = db.GetExpire(e);
      if (when != -1) {
        const std::string ms = std::to_string(when);
        w.Add({"PEXPIREAT", e->key(), ms});
      }
      stats.keys++;
    });
  }
  KEEL_RETURN_IF_ERROR(w.Finish());
  return stats;
}

}  // namespace keel::engine
