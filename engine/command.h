// The command table: Redis's command metadata plus a handler per command. Handlers never see
// sockets; they get a CommandContext (keyspace, selected db, arguments, reply writer) so the same
// table serves clients, AOF replay at startup and offline conversion.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "formats/resp_writer.h"

namespace keel::engine {

class Keyspace;
class Db;

// Redis 7.0's command flags (COMMAND INFO prints them by these names).
enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,          // "write"
  kCmdReadOnly = 1u << 1,       // "readonly"
  kCmdDenyOom = 1u << 2,        // "denyoom"
  kCmdAdmin = 1u << 3,          // "admin"
  kCmdPubSub = 1u << 4,         // "pubsub"
  kCmdNoScript = 1u << 5,       // "noscript"
  kCmdBlocking = 1u << 6,       // "blocking"
  kCmdLoading = 1u << 7,        // "loading": allowed while loading
  kCmdStale = 1u << 8,          // "stale"
  kCmdSkipMonitor = 1u << 9,    // "skip_monitor"
  kCmdSkipSlowlog = 1u << 10,   // "skip_slowlog"
  kCmdFast = 1u << 11,          // "fast"
  kCmdNoAuth = 1u << 12,        // "no_auth": allowed before AUTH
  kCmdMayReplicate = 1u << 13,  // "may_replicate"
  kCmdNoMulti = 1u << 14,       // "no_multi"
  kCmdAllowBusy = 1u << 15,     // "allow_busy"
};

// Per-client state a handler may read or change (the selected db, the session's identity). The
// server's client object derives from it; during AOF replay a bare SessionState is used.
struct SessionState {
  virtual ~SessionState() = default;
  int db_index = 0;
};

struct CommandSpec;

struct CommandContext {
  Keyspace* ks = nullptr;
  Db* db = nullptr;                        // the session's selected database
  std::span<const std::string_view> args;  // args[0] is the command name as the client sent it
  formats::ReplyWriter* reply = nullptr;
  const CommandSpec* cmd = nullptr;
  SessionState* session = nullptr;

  size_t argc() const { return args.size(); }
  std::string_view arg(size_t i) const { return args[i]; }
};

using CommandHandler = void (*)(CommandContext& ctx);

struct CommandSpec {
  std::string name;  // lower case, e.g. "get"; subcommands are "get" under their container
  int arity = 0;     // exact argument count including the name; negative: at least -arity
  uint32_t flags = 0;
  int first_key = 0;  // 0: no keys
  int last_key = 0;   // negative: counts from the end (-1 = last argument)
  int key_step = 0;
  CommandHandler handler = nullptr;
  // Documentation, served by COMMAND DOCS (redis-cli builds its hints from it).
  std::string group;  // "string", "generic", "connection", "server", "bitmap", ...
  std::string since;  // "1.0.0"
  std::string summary;
  std::string complexity;
  std::string syntax;  // the arguments in Redis's doc syntax: "key value [NX | XX]"
  // Container commands (CONFIG, CLIENT, COMMAND, DEBUG, OBJECT) dispatch on args[1].
  std::vector<CommandSpec> subcommands;
  const CommandSpec* parent = nullptr;  // set by CommandTable for subcommands

  // "get", or "config|get" for a subcommand (Redis's full name, used in error texts).
  std::string FullName() const;
  const CommandSpec* FindSubcommand(std::string_view name) const;  // case-insensitive
};

class CommandTable {
 public:
  // Adds a command; the name must be new. Subcommands get their parent pointer set.
  void Add(CommandSpec spec);
  // Case-insensitive lookup; nullptr when unknown.
  const CommandSpec* Find(std::string_view name) const;
  // All top-level commands, in registration order.
  const std::vector<std::unique_ptr<CommandSpec>>& commands() const { return commands_; }
  size_t size() const { return commands_.size(); }

 private:
  std::vector<std::unique_ptr<CommandSpec>> commands_;
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, const CommandSpec*, NameHash, std::equal_to<>> by_name_;
};

// A command's metadata without the container fields, so a family's table reads as one designated
// initializer per command; `syntax` is the argument list in Redis's documentation syntax, from
// which COMMAND DOCS is generated. Omitted fields are zero.
struct SpecInit {
  const char* name = "";
  int arity = 0;
  uint32_t flags = 0;
  int first_key = 0;
  int last_key = 0;
  int key_step = 0;
  CommandHandler handler = nullptr;
  const char* since = "";
  const char* summary = "";
  const char* complexity = "";
  const char* syntax = "";
};
CommandSpec MakeSpec(const char* group, const SpecInit& init);
void AddCommands(CommandTable& table, const char* group, std::initializer_list<SpecInit> specs);

// True when a command with `arity` accepts `argc` arguments (name included).
inline bool ArityOk(int arity, size_t argc) {
  return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

// Redis's shared error texts, for handlers.
inline constexpr std::string_view kErrWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kErrSyntax = "syntax error";
inline constexpr std::string_view kErrNotInteger = "value is not an integer or out of range";
inline constexpr std::string_view kErrNotFloat = "value is not a valid float";
inline constexpr std::string_view kErrNoSuchKey = "no such key";
inline constexpr std::string_view kErrOutOfRange = "index out of range";
inline constexpr std::string_view kErrDbIndex = "DB index is out of range";

}  // namespace keel::engine
