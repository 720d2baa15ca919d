// The command table: Redis's command metadata plus a handler per command. Handlers never see
// sockets; they get a CommandContext (keyspace, selected db, arguments, reply writer) so the same
// table serves clients, AOF replay at startup and offline conversion.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/entry.h"
#include "engine/propagation.h"
#include "formats/resp_writer.h"

namespace keel::engine {

class Keyspace;
class Db;

// Redis 7.0's command flags (COMMAND INFO prints them by these names, in this order).
enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,             // "write"
  kCmdReadOnly = 1u << 1,          // "readonly"
  kCmdDenyOom = 1u << 2,           // "denyoom"
  kCmdAdmin = 1u << 3,             // "admin"
  kCmdPubSub = 1u << 4,            // "pubsub"
  kCmdNoScript = 1u << 5,          // "noscript"
  kCmdBlocking = 1u << 6,          // "blocking"
  kCmdLoading = 1u << 7,           // "loading": allowed while loading
  kCmdStale = 1u << 8,             // "stale"
  kCmdSkipMonitor = 1u << 9,       // "skip_monitor"
  kCmdSkipSlowlog = 1u << 10,      // "skip_slowlog"
  kCmdFast = 1u << 11,             // "fast"
  kCmdNoAuth = 1u << 12,           // "no_auth": allowed before AUTH
  kCmdMayReplicate = 1u << 13,     // not listed by COMMAND INFO, as in Redis
  kCmdNoMulti = 1u << 14,          // "no_multi"
  kCmdAllowBusy = 1u << 15,        // "allow_busy"
  kCmdAsking = 1u << 16,           // "asking"
  kCmdNoMandatoryKeys = 1u << 17,  // "no_mandatory_keys"
  kCmdNoAsyncLoading = 1u << 18,   // "no_async_loading"
  // "movablekeys": the keys cannot all be found from first/last/step. CommandTable::Add sets it
  // when a key spec is not a plain index + range; a command that finds its keys by parsing its
  // arguments sets it itself.
  kCmdMovableKeys = 1u << 19,
};

// A key spec's flags (Redis 7.0's names, printed in this order). One of RO/RW/OW/RM says what the
// command does to the key; access/update/insert/delete refine it.
enum KeySpecFlag : uint32_t {
  kKeyRO = 1u << 0,              // "RO": reads the value
  kKeyRW = 1u << 1,              // "RW": reads and changes the value
  kKeyOW = 1u << 2,              // "OW": overwrites the value without reading it
  kKeyRM = 1u << 3,              // "RM": deletes the key
  kKeyAccess = 1u << 4,          // "access": returns, copies or uses the user data
  kKeyUpdate = 1u << 5,          // "update": updates the data
  kKeyInsert = 1u << 6,          // "insert": only adds data, never changes or deletes it
  kKeyDelete = 1u << 7,          // "delete": explicitly deletes data
  kKeyNotKey = 1u << 8,          // "not_key": a key name that is not a key (e.g. a channel)
  kKeyIncomplete = 1u << 9,      // "incomplete": the spec may miss some keys
  kKeyVariableFlags = 1u << 10,  // "variable_flags": the flags depend on other arguments
};

// Where a command's keys are, as Redis 7.0's key specs say it. begin_search finds where the keys
// start: at argument `begin_index`, or just after the argument equal to `keyword`, searched for
// from argument `startfrom` (negative: backwards from the end). find_keys then takes them from
// there: a range (`last_key` relative to the start, or negative from the end of the arguments,
// every `key_step`; with `last_key` -1, a `limit` N > 1 keeps the first 1/N of them), or a keynum
// (the count at `keynum_index`, the keys from `first_key` every `key_step`, both relative to the
// start). A spec with neither `begin_index` nor `keyword` has an "unknown" begin_search; give it
// kUnknown find_keys too. Every member has an initializer, so designated initializers may leave
// any out (-Wmissing-field-initializers).
struct KeySpec {
  enum FindKeys { kRange, kKeynum, kUnknown };

  std::string notes = {};  // Redis's note on the spec, when it has one
  uint32_t flags = 0;      // KeySpecFlag bits
  int begin_index = 0;
  std::string keyword = {};
  int startfrom = 0;
  FindKeys find = kRange;
  int last_key = 0;
  int key_step = 1;
  int limit = 0;
  int keynum_index = 0;
  int first_key = 1;

  bool operator==(const KeySpec&) const = default;
};

// Bits of COMMAND DOCS's doc_flags.
enum DocFlag : uint32_t {
  kDocDeprecated = 1u << 0,  // "deprecated"
  kDocSysCmd = 1u << 1,      // "syscmd": a system command, not meant for applications
};

// One line of a command's history in COMMAND DOCS: the version and what changed.
struct HistoryEntry {
  std::string version;
  std::string change;
  bool operator==(const HistoryEntry&) const = default;
};

// Per-client state a handler may read or change (the selected db, the session's identity). The
// server's client object derives from it; during AOF replay a bare SessionState is used.
struct SessionState {
  virtual ~SessionState() = default;
  int db_index = 0;
};

struct CommandSpec;

// What a blocking command (BLPOP, BLMOVE, BZPOPMIN, BLMPOP, ...) asks for when it has nothing to
// serve: see CommandContext::Block.
struct BlockRequest {
  std::vector<std::string> keys;  // in the order given; duplicates allowed
  ObjType type = ObjType::kList;  // a key receiving a value of this type can serve the client
  int64_t deadline_ms = 0;        // absolute Unix time in ms; 0 waits forever
  // Unused by the server: Redis 7.0 answers every list and sorted set timeout with *-1, BLMOVE's
  // included (only inside MULTI does BLMOVE reply $-1, which its handler writes itself).
  bool null_array = true;
};

struct CommandContext {
  Keyspace* ks = nullptr;
  Db* db = nullptr;                        // the session's selected database
  std::span<const std::string_view> args;  // args[0] is the command name as the client sent it
  formats::ReplyWriter* reply = nullptr;
  const CommandSpec* cmd = nullptr;
  SessionState* session = nullptr;

  // Blocking commands. may_block is false inside MULTI/EXEC and during AOF replay: a blocking
  // command with nothing to serve then replies as if its timeout had expired. When may_block is
  // true, such a handler calls Block() and writes no reply; the server parks the client and runs
  // the same command again, in arrival order, each time one of the keys gets a value of the
  // requested type, until it replies (or the deadline passes: the server sends *-1).
  bool may_block = false;
  std::optional<BlockRequest> block;
  // When the server runs a blocked command again, the key whose new value woke it: Redis serves
  // a client blocked on several keys from that key, so the handler tries it first.
  std::optional<std::string_view> ready_key;
  void Block(BlockRequest request) { block = std::move(request); }

  // What the AOF logs for this command, when its arguments do not replay it exactly
  // (propagation.h). Null when nothing records commands (unit tests, AOF replay): PropagateAs and
  // the rest then do nothing.
  Propagation* propagation = nullptr;
  // Logs `args` instead of the received command.
  void PropagateAs(std::initializer_list<std::string_view> args) {
    if (propagation != nullptr) propagation->Replace(args);
  }
  void PropagateAs(std::vector<std::string> args) {
    if (propagation != nullptr) propagation->Replace(std::move(args));
  }
  // Logs `args` too (the first call replaces the received command).
  void PropagateAlso(std::initializer_list<std::string_view> args) {
    if (propagation != nullptr) propagation->Add(args);
  }
  void PropagateAlso(std::vector<std::string> args) {
    if (propagation != nullptr) propagation->Add(std::move(args));
  }
  void PropagateNothing() {
    if (propagation != nullptr) propagation->LogNothing();
  }

  size_t argc() const { return args.size(); }
  std::string_view arg(size_t i) const { return args[i]; }
};

using CommandHandler = void (*)(CommandContext& ctx);

struct CommandSpec {
  std::string name;  // lower case, e.g. "get"; subcommands are "get" under their container
  int arity = 0;     // exact argument count including the name; negative: at least -arity
  uint32_t flags = 0;
  // The legacy key range: first and last key positions (last negative: from the end) and the
  // step. 0: no keys. Derived from `key_specs` when only those are given (see CommandTable::Add).
  int first_key = 0;
  int last_key = 0;
  int key_step = 0;
  // Redis's key specs. CommandTable::Add derives one from the legacy range when none are given.
  std::vector<KeySpec> key_specs;
  std::vector<std::string> tips;  // "nondeterministic_output", "request_policy:all_shards", ...
  CommandHandler handler = nullptr;
  // Documentation, served by COMMAND DOCS (redis-cli builds its hints from it).
  std::string group;  // "string", "generic", "connection", "server", "bitmap", ...
  std::string since;  // "1.0.0"
  std::string summary;
  std::string complexity;
  uint32_t doc_flags = 0;        // DocFlag bits
  std::string deprecated_since;  // with kDocDeprecated
  std::string replaced_by;       // with kDocDeprecated: "`GETRANGE`"
  std::vector<HistoryEntry> history;
  std::string syntax;  // the arguments in Keel's annotated syntax (see SpecInit::syntax)
  // Container commands (CONFIG, CLIENT, COMMAND, DEBUG, OBJECT) dispatch on args[1].
  std::vector<CommandSpec> subcommands;
  const CommandSpec* parent = nullptr;  // set by CommandTable for subcommands

  // "get", or "config|get" for a subcommand (Redis's full name, used in error texts).
  std::string FullName() const;
  const CommandSpec* FindSubcommand(std::string_view name) const;  // case-insensitive
};

// The legacy key range Redis 7.0 derives from key specs: a single index + range spec as it is;
// otherwise the span of the index + range specs with step 1 that follow one another. `movable` is
// set when some keys fall outside that range (keyword, keynum, unknown or incomplete specs).
struct LegacyKeyRange {
  int first_key = 0;
  int last_key = 0;
  int key_step = 0;
  bool movable = false;
};
LegacyKeyRange DeriveLegacyKeyRange(const std::vector<KeySpec>& specs);

// The key spec flags a command gets by default: "RW update" for a write command, "RO access"
// otherwise.
uint32_t DefaultKeySpecFlags(uint32_t command_flags);

class CommandTable {
 public:
  // Adds a command; the name must be new. Subcommands get their parent pointer set. The key
  // metadata is completed here, for the command and its subcommands alike: given only a legacy
  // range, it gets one range key spec with DefaultKeySpecFlags; given key specs, the legacy range
  // (left 0, or equal to what they imply) and kCmdMovableKeys are derived from them.
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
// initializer per command. Omitted fields are empty or zero, and most commands need only the first
// eleven; the rest carry what Redis says of fewer commands (tips, deprecation, history, key specs
// other than one plain range). As in KeySpec, every field has an initializer.
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
  // The arguments in Redis's documentation syntax, annotated where Redis's argument tree says
  // more than that syntax can. COMMAND DOCS (and so redis-cli's hints) is generated from it by
  // server::ParseCommandSyntax:
  //   key [key ...]          names: an argument, typed by its name (key, newkey -> key; count,
  //                          offset -> integer; pattern; unix-time-*; otherwise string)
  //   NX  "" ~               tokens: capitals or symbols (quoted when empty); a token followed by
  //                          names takes them as its value ("EX seconds", "LIMIT offset count")
  //   [ ... ]  < ... >       an optional or a required group; '|' separates a oneof's choices,
  //                          several items in one choice make a block; a '|' outside any group
  //                          makes the whole string one required oneof
  //   x [x ...]  x ...       x (a word or a group) repeats: flag "multiple". "GET pattern [GET
  //                          pattern ...]" repeats with its token: "multiple_token"
  // Annotations, all optional. They change the DOCS tree but never the hint redis-cli renders:
  //   name:type              the type, when the name does not imply it: "increment:double",
  //                          "value:integer" (string, integer, double, key, pattern, unix-time);
  //                          "ip:port" stays a name, as "port" is no type
  //   [label: ...]           Redis's name for the group ("[condition: NX | XX]"). A labelled
  //                          group is always one oneof or block, even around a single item
  //                          ("<id: client-id [client-id ...]>"), and keeps its name after a
  //                          token ("[AUTH <username_password: username password>]"). Without a
  //                          label a group is named after its members ("nx_xx"), or after the
  //                          token that takes it ("[LIMIT offset count]" -> "limit")
  //   word@6.2.0             the version the argument appeared in ("since"), on a name, a token
  //   [label@7.0.0: ...]     or a label; a token passes it to the value it takes ("[ID@6.2.0 id]")
  //   word@-2.8.12           deprecated since 2.8.12 ("@1.0.0-2.8.12" gives both)
  //   name#1                 the key spec a key argument belongs to; by default the i-th key
  //                          argument has spec i (the last spec for any beyond it). Another
  //                          argument that names keys gets one only this way ("pattern#1")
  // The copy inside "[x ...]" names x again without its annotations.
  const char* syntax = "";
  // Redis's key specs, when the legacy range cannot say how keys are used (several specs, notes,
  // keyword or keynum search). first_key/last_key/key_step may then be left 0: they are derived.
  std::vector<KeySpec> key_specs = {};
  // The flags of the one key spec derived from first_key/last_key/key_step, when they differ from
  // DefaultKeySpecFlags (e.g. kKeyRW | kKeyAccess | kKeyUpdate for INCR).
  uint32_t key_flags = 0;
  const char* tips = "";  // space-separated: "request_policy:all_shards response_policy:agg_sum"
  uint32_t doc_flags = 0;
  const char* deprecated_since = "";
  const char* replaced_by = "";
  std::vector<HistoryEntry> history = {};
};
CommandSpec MakeSpec(const char* group, const SpecInit& init);
void AddCommands(CommandTable& table, const char* group, std::initializer_list<SpecInit> specs);

// True when a command with `arity` accepts `argc` arguments (name included).
inline bool ArityOk(int arity, size_t argc) {
  return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

// Redis's addReplySubcommandSyntaxError: "unknown subcommand or wrong number of arguments for
// '<sub>'. Try <CMD> HELP." with the subcommand as typed (at most 128 bytes).
void AddSubcommandSyntaxError(CommandContext& ctx);
// Redis's addReplyHelp: "<CMD> <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", then
// `lines`, then the HELP entry.
void AddHelpReply(CommandContext& ctx, std::span<const char* const> lines);

// Redis's shared error texts, for handlers.
inline constexpr std::string_view kErrWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kErrSyntax = "syntax error";
inline constexpr std::string_view kErrNotInteger = "value is not an integer or out of range";
inline constexpr std::string_view kErrNotFloat = "value is not a valid float";
inline constexpr std::string_view kErrNoSuchKey = "no such key";
inline constexpr std::string_view kErrOutOfRange = "index out of range";
inline constexpr std::string_view kErrDbIndex = "DB index is out of range";
// SRANDMEMBER, HRANDFIELD and ZRANDMEMBER with a count of -2^63, which has no positive twin.
inline constexpr std::string_view kErrRandomCountRange =
    "value is out of range, value must between -9223372036854775807 and 9223372036854775807";

}  // namespace keel::engine
