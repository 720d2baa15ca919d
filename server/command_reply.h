// The COMMAND command's replies (COMMAND, INFO, DOCS, LIST, COUNT) as pure functions over the
// command table, shaped exactly as Redis 7.0 sends them in RESP2 so that redis-cli builds its help
// and hints from them and client libraries (redis-py, cluster clients) parse them.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.h"
#include "formats/resp_writer.h"
#include "formats/status.h"

namespace keel::server {

// COMMAND (no args) and COMMAND INFO [name ...]: one 10-element entry per command (name, arity,
// flags, first key, last key, step, ACL categories, tips, key specs, subcommands). `names` empty
// means every top-level command; an unknown name gives a null entry. Names may be full subcommand
// names ("config|get").
void ReplyCommandInfo(const engine::CommandTable& t, std::span<const std::string_view> names,
                      formats::ReplyWriter& r);

// COMMAND DOCS [name ...]: a map name -> docs (summary, since, group, complexity, arguments,
// subcommands). Unknown names are left out, as Redis does. `names` empty means every command.
void ReplyCommandDocs(const engine::CommandTable& t, std::span<const std::string_view> names,
                      formats::ReplyWriter& r);

// COMMAND LIST [FILTERBY MODULE name | ACLCAT cat | PATTERN pattern]; `args` are the arguments
// after LIST. Lists commands and subcommands by full name; anything else is a syntax error.
void ReplyCommandList(const engine::CommandTable& t, std::span<const std::string_view> args,
                      formats::ReplyWriter& r);

// COMMAND COUNT: the number of top-level commands.
void ReplyCommandCount(const engine::CommandTable& t, formats::ReplyWriter& r);

// Finds a command by name or by full subcommand name ("config|get"), case-insensitively.
const engine::CommandSpec* FindCommandByFullName(const engine::CommandTable& t,
                                                 std::string_view name);

// The ACL categories Redis 7.0 gives a command, without the '@' ("keyspace", "read", "fast"), in
// Redis's category order. Derived from the flags and the documentation group, plus a short list of
// commands Redis marks dangerous or connection-related by hand.
std::vector<std::string_view> CommandAclCategories(const engine::CommandSpec& cmd);

// Redis 7.0's argument types, as COMMAND DOCS names them.
enum class ArgType {
  kString,
  kInteger,
  kDouble,
  kKey,
  kPattern,
  kUnixTime,
  kPureToken,
  kOneOf,  // exactly one of `args`
  kBlock,  // all of `args`, in order
};

// "string", "integer", "double", "key", "pattern", "unix-time", "pure-token", "oneof", "block".
std::string_view ArgTypeName(ArgType type);

// One argument of a command's documentation, as in Redis 7.0's command JSON files.
struct CommandArg {
  std::string name;
  ArgType type = ArgType::kString;
  std::optional<std::string> token;  // the keyword before the value ("EX"), if any
  std::string since;                 // the version that added the argument, if given
  std::string deprecated_since;
  int key_spec_index = -1;  // a key argument's spec ("name#1"); -1: by position
  bool optional = false;
  bool multiple = false;         // may repeat: "key [key ...]"
  bool multiple_token = false;   // repeats with its token: "GET pattern [GET pattern ...]"
  std::vector<CommandArg> args;  // members of a oneof or block

  bool operator==(const CommandArg&) const = default;
};

// Parses a CommandSpec::syntax string into argument trees: Redis's documentation syntax without
// the command name ("key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]",
// "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]") plus Keel's annotations
// for what that syntax cannot say ("increment:double", "[condition@7.0.0: NX | XX]"). The grammar
// is documented at engine::SpecInit::syntax. redis-cli's own spelling of a token before a choice,
// "[TYPE NORMAL | MASTER]", is read as "[TYPE <NORMAL | MASTER>]". Unbalanced brackets, a
// "[... ...]" that does not repeat what precedes it, a label that does not open a group or a
// malformed annotation are InvalidArgument.
Result<std::vector<CommandArg>> ParseCommandSyntax(std::string_view syntax);

}  // namespace keel::server
