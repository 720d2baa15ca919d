// keel-server's configuration: the typed values (Config), the options that name them as redis.conf
// does, loading from a file plus command-line overrides, and Redis 7.0's CONFIG GET / CONFIG SET
// semantics (atomic multi-pair SET with hooks and rollback). docs/configuration.md lists the
// options.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/keyspace.h"
#include "formats/status.h"
#include "server/log.h"

namespace keel::server {

// Output buffer limits of one client class (client-output-buffer-limit). 0 means no limit.
struct ClientOutputLimit {
  uint64_t hard_bytes = 0;
  uint64_t soft_bytes = 0;
  int64_t soft_seconds = 0;
};
// Indexes into Config::client_output_buffer_limit, in the order CONFIG GET prints them.
inline constexpr size_t kClientClassNormal = 0;
inline constexpr size_t kClientClassReplica = 1;  // printed "slave", as Redis does
inline constexpr size_t kClientClassPubsub = 2;

// One `save <seconds> <changes>` point.
struct SavePoint {
  int64_t seconds = 0;
  int64_t changes = 0;
  bool operator==(const SavePoint&) const = default;
};

// io-backend (Keel's own option).
enum class IoBackend : uint8_t { kAuto, kIoUring, kEpoll };
enum class AppendFsync : uint8_t { kEverysec, kAlways, kNo };
// enable-protected-configs / enable-debug-command.
enum class ProtectedAction : uint8_t { kNo, kYes, kLocal };

// Whether an action guarded by `mode` is allowed for a client (Redis's allowProtectedAction).
inline bool ProtectedActionAllowed(ProtectedAction mode, bool local_client) {
  return mode == ProtectedAction::kYes || (mode == ProtectedAction::kLocal && local_client);
}

// Every configuration value, with Redis 7.0's defaults. Field names follow the option names.
struct Config {
  // Network.
  int64_t port = 6379;
  std::vector<std::string> bind = {"*", "-::*"};  // "-addr": skip if unavailable
  bool protected_mode = true;
  int64_t tcp_backlog = 511;
  int64_t tcp_keepalive = 300;  // seconds; 0 = off
  int64_t timeout = 0;          // idle client timeout in seconds; 0 = never

  // Process.
  bool daemonize = false;
  std::string pidfile;  // "" = none
  LogLevel loglevel = LogLevel::kNotice;
  std::string logfile;  // "" = stdout
  int64_t databases = 16;
  int64_t hz = 10;  // always within [1, 500]; larger or smaller values are clamped
  IoBackend io_backend = IoBackend::kAuto;
  ProtectedAction enable_protected_configs = ProtectedAction::kNo;
  ProtectedAction enable_debug_command = ProtectedAction::kNo;

  // Clients and security.
  std::string requirepass;  // "" = no password
  int64_t maxclients = 10000;
  int64_t proto_max_bulk_len = 512ll * 1024 * 1024;
  uint64_t client_query_buffer_limit = 1024ull * 1024 * 1024;
  std::array<ClientOutputLimit, 3> client_output_buffer_limit = {{
      {0, 0, 0},
      {256ull * 1024 * 1024, 64ull * 1024 * 1024, 60},
      {32ull * 1024 * 1024, 8ull * 1024 * 1024, 60},
  }};

  // Data types: encoding thresholds (list-max-listpack-size, hash-max-listpack-entries, ...).
  engine::EncodingLimits encoding;
  // Memory: maxmemory, maxmemory-policy, maxmemory-samples, lfu-log-factor, ...
  engine::EvictionConfig eviction;
  // Slow log.
  int64_t slowlog_log_slower_than = 10000;  // microseconds; -1 disables, 0 logs everything
  int64_t slowlog_max_len = 128;

  // Persistence.
  std::string dir;  // absolute working directory; ConfigStore fills it in
  std::vector<SavePoint> save = {{3600, 1}, {300, 100}, {60, 10000}};
  std::string dbfilename = "dump.rdb";
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool stop_writes_on_bgsave_error = true;
  int64_t rdb_zstd_level = 0;  // Keel's: > 0 wraps snapshots in a zstd frame of this level
  int64_t rdb_key_save_delay = 0;  // microseconds slept after each key saved (tests)
  bool appendonly = false;
  AppendFsync appendfsync = AppendFsync::kEverysec;
  std::string appendfilename = "appendonly.aof";
  std::string appenddirname = "appendonlydir";
  bool no_appendfsync_on_rewrite = false;
  int64_t auto_aof_rewrite_percentage = 100;
  uint64_t auto_aof_rewrite_min_size = 64ull * 1024 * 1024;
  bool aof_load_truncated = true;
  bool aof_use_rdb_preamble = true;
  bool aof_rewrite_incremental_fsync = true;
  bool aof_timestamp_enabled = false;
};

// ---- The option table (config_options.cc) ----

enum class OptionType : uint8_t { kBool, kInteger, kMemory, kEnum, kString, kSpecial };

// Option flags.
inline constexpr uint32_t kOptionImmutable = 1u << 0;  // only from the file / command line
inline constexpr uint32_t kOptionProtected = 1u << 1;  // CONFIG SET needs enable-protected-configs
inline constexpr uint32_t kOptionSensitive = 1u << 2;  // value must not reach logs or MONITOR
inline constexpr uint32_t kOptionMultiArg = 1u << 3;   // takes any number of words
inline constexpr uint32_t kOptionHidden = 1u << 4;     // CONFIG GET shows it only by exact name

// Changes the working directory to `path` and returns the new absolute directory, or an error whose
// message is strerror's text.
using DirChanger = std::function<Result<std::string>(const std::string& path)>;

// What an option's setter may need besides the words.
struct SetContext {
  bool loading = false;    // reading a file or the command line, not CONFIG SET
  bool save_seen = false;  // in this load, a `save` line already replaced the default points
  const DirChanger* change_dir = nullptr;
};

struct OptionDef {
  std::string_view name;
  std::string_view alias;  // "" when none
  OptionType type = OptionType::kSpecial;
  uint32_t flags = 0;
  // Stores the words that follow the name into *config, or returns why they are refused, in
  // Redis's words (e.g. "argument must be 'yes' or 'no'"). Options without kOptionMultiArg get
  // exactly one word. On error *config may be partly changed; callers restore it.
  std::function<Status(Config& config, const std::vector<std::string>& args, SetContext& ctx)> set;
  // The value as CONFIG GET prints it.
  std::function<std::string(const Config& config)> get;
};

// Keel's options, in the order docs/configuration.md lists them.
const std::vector<OptionDef>& BuiltinOptions();

// The default DirChanger: chdir(2), then getcwd(3).
Result<std::string> ChangeWorkingDirectory(const std::string& path);

// ---- The store ----

// Owns the Config and applies the option table to it. Loop thread only.
class ConfigStore {
 public:
  // Called after CONFIG SET changed an option, with the new configuration. A non-OK Status rolls
  // the whole CONFIG SET back; its message is shown to the client after " - ".
  using Hook = std::function<Status(const Config&)>;
  using Pairs = std::vector<std::pair<std::string, std::string>>;

  // The built-in options with their defaults; `dir` is the current working directory.
  ConfigStore();
  // Another option table (tests).
  explicit ConfigStore(std::vector<OptionDef> options);

  Config& config() { return config_; }
  const Config& config() const { return config_; }
  // Absolute path of the configuration file given to Load, or "".
  const std::string& config_file() const { return config_file_; }

  // Startup, as redis-server does it: reads `config_file` (may be ""), then the command-line
  // options argv[0..argc) that followed it (`--port 7000 --bind 127.0.0.1 ::1 --save ""`; a lone
  // "-" first or last reads more configuration from stdin). Redis turns the options into lines
  // appended after the file ("port \"7000\"") and parses everything as one text, so errors in
  // options report line numbers past the file's end, exactly as redis-server does.
  // Errors: a malformed or unknown directive gives InvalidArgument whose message is Redis's fatal
  // banner, starting with a newline ("\n*** FATAL CONFIG FILE ERROR (Keel 0.1.0) ***\nReading the
  // configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments");
  // print it to stderr followed by a newline and exit(1). A file that cannot be read gives IoError
  // "Fatal error, can't open config file '<path>': <strerror>", which Redis logs as a warning line.
  // Hooks are not called while loading.
  Status Load(const std::string& config_file, int argc, const char* const* argv);
  // Loads one file / one text in redis.conf format, with the same errors (line numbers are the
  // file's). `include <path>` reads another file (a pattern with * ? [ includes every match, in
  // order, and matching nothing is fine); relative paths are relative to the working directory,
  // which a `dir` line before the include changes.
  Status LoadFile(const std::string& path);
  Status LoadString(std::string_view text);

  // CONFIG GET for one argument: an exact name (case-insensitive; the reply echoes it as typed) or
  // a glob pattern (case-insensitive) over names and aliases, each match under its own name.
  Pairs Get(std::string_view pattern) const;
  // CONFIG GET with several arguments: matches of all, without repeating a name.
  Pairs Get(std::span<const std::string_view> patterns) const;

  // CONFIG SET name value [name value ...] with Redis 7.0's semantics: all or nothing. Errors are
  // full reply texts without the leading '-', e.g.
  //   "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
  //   "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed
  //   into an integer"
  // Names are checked first (unknown, immutable, protected, duplicate: the first problem in
  // argument order wins), then every value is parsed; only then do hooks run, once per changed
  // option, in argument order. If a value is refused or a hook fails, every option gets its old
  // value back (the working directory included) and the hooks that had already succeeded run
  // again with the restored configuration. `local_client` is whether the caller connected over
  // loopback or a unix socket (for enable-protected-configs local). Not re-entrant from a hook.
  Status Set(std::span<const std::pair<std::string_view, std::string_view>> pairs,
             bool local_client = false);

  // Registers a hook for an option (name or alias). Several hooks per option run in order.
  // An unknown name is a programming error and aborts.
  void OnChange(std::string_view name, Hook hook);

  // Whether CONFIG SET's value for `name` must be redacted (slowlog, MONITOR).
  bool IsSensitive(std::string_view name) const;
  // The option called `name` (or with that alias), or nullptr.
  const OptionDef* Find(std::string_view name) const;
  std::span<const OptionDef> options() const { return options_; }

  // Replaces how `dir` changes the working directory (tests use a fake).
  void SetDirChanger(DirChanger changer) { change_dir_ = std::move(changer); }

 private:
  struct Entry {
    std::string_view key;  // the name or the alias
    size_t option;         // index into options_
  };
  struct LoadState;

  const Entry* FindEntry(std::string_view name) const;
  Status LoadText(std::string_view text, LoadState& state);
  Status Include(const std::string& pattern, LoadState& state);
  Status FinishLoad();
  void RestoreAfterFailedSet(const Config& old);

  std::vector<OptionDef> options_;
  std::vector<Entry> entries_;
  std::vector<std::vector<Hook>> hooks_;  // by option index
  Config config_;
  std::string config_file_;
  DirChanger change_dir_ = ChangeWorkingDirectory;
};

}  // namespace keel::server
