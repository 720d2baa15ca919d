// Tests for the COMMAND replies: byte-exact INFO/DOCS entries checked against what redis-server
// 7.0.15 sends for the same commands (key specs, tips, doc flags, history and argument versions
// included), and the hint lines redis-cli 7.0 builds from DOCS, checked against what it prints
// when talking to the real Redis. The syntax parser has its own tests (command_syntax_test.cc).
#include "server/command_reply.h"

#include <catch2/catch.hpp>
#include <cctype>
#include <string>
#include <vector>

#include "engine/commands.h"
#include "server/server.h"

namespace keel::server {
namespace {

// ---- A RESP2 reader and redis-cli 7.0's rendering of DOCS arguments, as the oracle.

struct Resp {
  char type = 0;  // '+', '-', ':', '$', '*'
  std::string str;
  int64_t num = 0;
  bool null = false;
  std::vector<Resp> elems;
};

Resp ReadResp(std::string_view& in) {
  Resp r;
  size_t eol = in.find("\r\n");
  REQUIRE(eol != std::string_view::npos);
  r.type = in[0];
  std::string line(in.substr(1, eol - 1));
  in.remove_prefix(eol + 2);
  if (r.type == '+' || r.type == '-') {
    r.str = line;
  } else if (r.type == ':') {
    r.num = std::stoll(line);
  } else if (r.type == '$') {
    int64_t n = std::stoll(line);
    if (n < 0) {
      r.null = true;
    } else {
      r.str = std::string(in.substr(0, static_cast<size_t>(n)));
      REQUIRE(in.substr(static_cast<size_t>(n), 2) == "\r\n");
      in.remove_prefix(static_cast<size_t>(n) + 2);
    }
  } else {
    REQUIRE(r.type == '*');
    int64_t n = std::stoll(line);
    r.null = n < 0;
    for (int64_t i = 0; i < n; ++i) r.elems.push_back(ReadResp(in));
  }
  return r;
}

Resp ReadAll(const std::string& bytes) {
  std::string_view in(bytes);
  Resp r = ReadResp(in);
  REQUIRE(in.empty());
  return r;
}

// Looks up a key of a RESP2 map (a flat array of pairs); nullptr when absent.
const Resp* Field(const Resp& map, std::string_view key) {
  for (size_t i = 0; i + 1 < map.elems.size(); i += 2) {
    if (map.elems[i].str == key) return &map.elems[i + 1];
  }
  return nullptr;
}

std::string CliRenderArgs(const Resp& args, std::string_view sep);

// redis-cli 7.0's cliAddArgument, including the reply types it asserts on.
std::string CliRenderArg(const Resp& m) {
  REQUIRE(m.type == '*');
  std::string name, type, token_part, repeat;
  bool optional = false, multiple = false, multiple_token = false, has_token = false;
  const Resp* sub = nullptr;
  for (size_t i = 0; i + 1 < m.elems.size(); i += 2) {
    REQUIRE(m.elems[i].type == '$');
    const std::string& key = m.elems[i].str;
    const Resp& v = m.elems[i + 1];
    if (key == "name" || key == "type" || key == "token") REQUIRE(v.type == '$');
    if (key == "name") name = v.str;
    if (key == "type") type = v.str;
    if (key == "token") {
      has_token = true;
      token_part = v.str.empty() ? "\"\"" : v.str;
    }
    if (key == "arguments") sub = &v;
    if (key == "flags") {
      for (const Resp& f : v.elems) {
        REQUIRE(f.type == '+');
        optional |= f.str == "optional";
        multiple |= f.str == "multiple";
        multiple_token |= f.str == "multiple_token";
      }
    }
  }
  REQUIRE(!type.empty());
  REQUIRE(!name.empty());
  if (type == "oneof" || type == "block") {
    REQUIRE(sub != nullptr);
    repeat = CliRenderArgs(*sub, type == "oneof" ? "|" : " ");
  } else if (type != "pure-token") {
    repeat = name;
  } else {
    REQUIRE(has_token);
  }
  if (has_token && type != "pure-token") token_part += " ";
  std::string out;
  if (optional) out += "[";
  out += token_part + repeat;
  if (multiple) out += " [" + (multiple_token ? token_part : "") + repeat + " ...]";
  if (optional) out += "]";
  return out;
}

std::string CliRenderArgs(const Resp& args, std::string_view sep) {
  REQUIRE(args.type == '*');
  std::string out;
  for (size_t i = 0; i < args.elems.size(); ++i) {
    if (i > 0) out += sep;
    out += CliRenderArg(args.elems[i]);
  }
  return out;
}

engine::CommandSpec Spec(std::string name, int arity, uint32_t flags, int first, int last, int step,
                         std::string group, std::string syntax) {
  engine::CommandSpec s;
  s.name = std::move(name);
  s.arity = arity;
  s.flags = flags;
  s.first_key = first;
  s.last_key = last;
  s.key_step = step;
  s.group = std::move(group);
  s.syntax = std::move(syntax);
  s.since = "1.0.0";
  s.complexity = "O(1)";
  return s;
}

// The hint redis-cli 7.0 shows for `syntax`, built from the DOCS reply of a one-command table.
std::string CliHint(std::string_view syntax) {
  engine::CommandTable t;
  t.Add(Spec("cmd", -1, 0, 1, 1, 1, "generic", std::string(syntax)));
  std::string out;
  formats::ReplyWriter w(&out);
  ReplyCommandDocs(t, {}, w);
  Resp docs = ReadAll(out);
  const Resp* args = Field(docs.elems.at(1), "arguments");
  return args == nullptr ? "" : CliRenderArgs(*args, " ");
}

// A small table: GET and SET as Redis defines them, and CONFIG with two subcommands.
engine::CommandTable SmallTable() {
  using namespace engine;
  CommandTable t;
  CommandSpec get = Spec("get", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, "string", "key");
  get.summary = "Get the value of a key";
  t.Add(std::move(get));
  CommandSpec set = Spec("set", -3, kCmdWrite | kCmdDenyOom, 1, 1, 1, "string",
                         "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT "
                         "unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]");
  set.summary = "Set the string value of a key";
  t.Add(std::move(set));
  CommandSpec config = Spec("config", -2, 0, 0, 0, 0, "server", "");
  config.summary = "A container for server configuration commands";
  config.since = "2.0.0";
  config.complexity = "Depends on subcommand.";
  uint32_t admin = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
  CommandSpec config_get = Spec("get", -3, admin, 0, 0, 0, "server", "parameter [parameter ...]");
  config_get.summary = "Get the values of configuration parameters";
  config_get.since = "2.0.0";
  config_get.complexity = "O(N) when N is the number of configuration parameters provided";
  config.subcommands.push_back(std::move(config_get));
  CommandSpec config_set =
      Spec("set", -4, admin, 0, 0, 0, "server", "parameter value [parameter value ...]");
  config_set.summary = "Set configuration parameters to the given values";
  config.subcommands.push_back(std::move(config_set));
  t.Add(std::move(config));
  return t;
}

// Every command Keel registers, as keel-server's table has them.
engine::CommandTable RealTable() {
  engine::CommandTable t;
  engine::RegisterEngineCommands(t);
  RegisterConnectionCommands(t);
  RegisterClientCommand(t);
  RegisterServerCommands(t);
  RegisterInfoCommand(t);
  return t;
}

std::string Info(const engine::CommandTable& t, std::vector<std::string_view> names) {
  std::string out;
  formats::ReplyWriter w(&out);
  ReplyCommandInfo(t, names, w);
  return out;
}
std::string Docs(const engine::CommandTable& t, std::vector<std::string_view> names) {
  std::string out;
  formats::ReplyWriter w(&out);
  ReplyCommandDocs(t, names, w);
  return out;
}
std::string List(const engine::CommandTable& t, std::vector<std::string_view> args) {
  std::string out;
  formats::ReplyWriter w(&out);
  ReplyCommandList(t, args, w);
  return out;
}
std::vector<std::string> ListNames(const engine::CommandTable& t,
                                   std::vector<std::string_view> args) {
  Resp r = ReadAll(List(t, args));
  std::vector<std::string> names;
  for (const Resp& e : r.elems) names.push_back(e.str);
  return names;
}

}  // namespace

// ---- What redis-cli 7.0 shows. The expected lines are `redis-cli help <command>` against
// redis-server 7.0.15; the inputs are the syntax strings of redis.io's 7.0 documentation.

TEST_CASE("redis-cli renders the same hints from Keel's DOCS as from Redis's", "[command_reply]") {
  struct Case {
    std::string_view syntax, cli;
  };
  const Case cases[] = {
      {"key", "key"},
      {"key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT "
       "unix-time-milliseconds | KEEPTTL]",
       "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT "
       "unix-time-milliseconds|KEEPTTL]"},
      {"parameter [parameter ...]", "parameter [parameter ...]"},
      {"parameter value [parameter value ...]", "parameter value [parameter value ...]"},
      {"key [start end [BYTE | BIT]]", "key [start end [BYTE|BIT]]"},
      {"key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] "
       "[ALPHA] [STORE destination]",
       "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA] "
       "[STORE destination]"},
      {"[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]",
       "[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]"},
      {"[protover [AUTH username password] [SETNAME clientname]]",
       "[protover [AUTH username password] [SETNAME clientname]]"},
      {"source destination [DB destination-db] [REPLACE]",
       "source destination [DB destination-db] [REPLACE]"},
      {"[section [section ...]]", "[section [section ...]]"},
      {"[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]",
       "[TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]"},
      {"[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]",
       "[FILTERBY MODULE module-name|ACLCAT category|PATTERN pattern]"},
      {"cursor [MATCH pattern] [COUNT count] [TYPE type]",
       "cursor [MATCH pattern] [COUNT count] [TYPE type]"},
      {"key value [key value ...]", "key value [key value ...]"},
      {"[ASYNC | SYNC]", "[ASYNC|SYNC]"},
      {"key seconds [NX | XX | GT | LT]", "key seconds [NX|XX|GT|LT]"},
      {"key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]",
       "key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]"},
      {"key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value "
       "[field value ...]",
       "key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value "
       "[field value ...]"},
      {"[TYPE NORMAL | MASTER | REPLICA | PUBSUB] [ID client-id [client-id ...]]",
       "[TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]"},
      {"[FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]",
       "[FILTERBY MODULE module-name|ACLCAT category|PATTERN pattern]"},
      {"host port <key | \"\"> destination-db timeout [COPY] [REPLACE] [KEYS key [key ...]]",
       "host port key|\"\" destination-db timeout [COPY] [REPLACE] [KEYS key [key ...]]"},
      // Keel's annotations change names, types and versions, never the hint.
      {"key value [condition@2.6.12: NX | XX] [GET@6.2.0] [expiration: EX@2.6.12 seconds | "
       "PX@2.6.12 milliseconds | EXAT@6.2.0 unix-time-seconds | PXAT@6.2.0 unix-time-milliseconds "
       "| KEEPTTL@6.0.0]",
       "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT "
       "unix-time-milliseconds|KEEPTTL]"},
      {"key bit [index: start [end_index: end [index_unit@7.0.0: BYTE | BIT]]]",
       "key bit [start [end [BYTE|BIT]]]"},
      {"key increment:double", "key increment"},
      {"[username@6.0.0] password", "[username] password"},
      {"<parameter: parameter> ...", "parameter [parameter ...]"},
      {"[arguments: protover [AUTH <username_password: username password>] [SETNAME clientname]]",
       "[protover [AUTH username password] [SETNAME clientname]]"},
      {"[TYPE@5.0.0 <normal_master_replica_pubsub: NORMAL | MASTER | REPLICA | PUBSUB>] "
       "[ID@6.2.0 <id: client-id:integer [client-id ...]>]",
       "[TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]"},
      {"<filter: ip:port@-2.8.12 | <new-format: [ID@2.8.12 client-id:integer] | [TYPE@2.8.12 "
       "<normal_master_slave_pubsub: NORMAL | MASTER@3.2.0 | SLAVE | REPLICA@5.0.0 | PUBSUB>] | "
       "[USER username] | [ADDR ip:port] | [LADDR@6.2.0 ip:port] | [SKIPME yes/no]> ...>",
       "ip:port|[ID client-id]|[TYPE NORMAL|MASTER|SLAVE|REPLICA|PUBSUB]|[USER username]|[ADDR "
       "ip:port]|[LADDR ip:port]|[SKIPME yes/no] [[ID client-id]|[TYPE "
       "NORMAL|MASTER|SLAVE|REPLICA|PUBSUB]|[USER username]|[ADDR ip:port]|[LADDR ip:port]|[SKIPME "
       "yes/no] ...]"},
  };
  for (const Case& c : cases) {
    INFO(c.syntax);
    CHECK(CliHint(c.syntax) == c.cli);
  }
}

// ---- COMMAND INFO

TEST_CASE("COMMAND INFO get is byte-identical to Redis 7.0", "[command_reply]") {
  engine::CommandTable t = SmallTable();
  // redis-server 7.0.15, COMMAND INFO get.
  std::string redis =
      "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
      "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n"
      "*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n"
      "$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$"
      "5\r\nindex\r\n"
      ":1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n"
      "$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";
  CHECK(Info(t, {"get"}) == redis);
  CHECK(Info(t, {"GET"}) == redis);
}

TEST_CASE("COMMAND INFO config|get and unknown names match Redis 7.0", "[command_reply]") {
  engine::CommandTable t = SmallTable();
  // redis-server 7.0.15, COMMAND INFO config|get CONFIG|GET config|nosuch get|x nosuch.
  std::string entry =
      "*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n"
      ":0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n";
  CHECK(Info(t, {"config|get", "CONFIG|GET", "config|nosuch", "get|x", "nosuch"}) ==
        "*5\r\n" + entry + entry + "$-1\r\n$-1\r\n$-1\r\n");
}

TEST_CASE("COMMAND INFO of a container lists its subcommands", "[command_reply]") {
  engine::CommandTable t = SmallTable();
  Resp r = ReadAll(Info(t, {"config"}));
  REQUIRE(r.elems.size() == 1);
  const Resp& config = r.elems[0];
  REQUIRE(config.elems.size() == 10);
  CHECK(config.elems[0].str == "config");
  CHECK(config.elems[1].num == -2);
  CHECK(config.elems[2].elems.empty());
  CHECK(config.elems[6].elems.size() == 1);
  CHECK(config.elems[6].elems[0].str == "@slow");
  REQUIRE(config.elems[9].elems.size() == 2);
  CHECK(config.elems[9].elems[0].elems[0].str == "config|get");
  CHECK(config.elems[9].elems[1].elems[0].str == "config|set");
  CHECK(config.elems[9].elems[1].elems[1].num == -4);
}

TEST_CASE("COMMAND with no names lists every top-level command", "[command_reply]") {
  engine::CommandTable t = SmallTable();
  Resp r = ReadAll(Info(t, {}));
  REQUIRE(r.elems.size() == 3);
  CHECK(r.elems[0].elems[0].str == "get");
  CHECK(r.elems[1].elems[0].str == "set");
  CHECK(r.elems[2].elems[0].str == "config");
  for (const Resp& e : r.elems) CHECK(e.elems.size() == 10);  // redis-py reads 10 fields
}

TEST_CASE("key specs express last_key relative to the first key", "[command_reply]") {
  engine::CommandTable t;
  t.Add(Spec("mset", -3, engine::kCmdWrite | engine::kCmdDenyOom, 1, -1, 2, "string",
             "key value [key value ...]"));
  t.Add(Spec("rename", 3, engine::kCmdWrite, 1, 2, 1, "generic", "key newkey"));
  Resp r = ReadAll(Info(t, {"mset", "rename"}));
  auto range = [](const Resp& entry) {
    return *Field(*Field(entry.elems[8].elems[0], "find_keys"), "spec");
  };
  const Resp& mset = r.elems[0];
  CHECK(mset.elems[3].num == 1);
  CHECK(mset.elems[4].num == -1);
  CHECK(mset.elems[5].num == 2);
  CHECK(Field(range(mset), "lastkey")->num == -1);
  CHECK(Field(range(mset), "keystep")->num == 2);
  CHECK(Field(range(r.elems[1]), "lastkey")->num == 1);
  CHECK(Field(r.elems[1].elems[8].elems[0], "flags")->elems[0].str == "RW");
}

TEST_CASE("COMMAND INFO of Keel's SET, MGET and BITOP is byte-identical to Redis 7.0",
          "[command_reply]") {
  engine::CommandTable t = RealTable();
  // redis-server 7.0.15, COMMAND INFO set: a key spec with notes and variable_flags.
  CHECK(Info(t, {"set"}) ==
        "*1\r\n*10\r\n$3\r\nset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n"
        "*3\r\n+@write\r\n+@string\r\n+@slow\r\n*0\r\n*1\r\n*8\r\n$5\r\nnotes\r\n$48\r\n"
        "RW and ACCESS due to the optional `GET` argument\r\n$5\r\nflags\r\n*4\r\n+RW\r\n"
        "+access\r\n+update\r\n+variable_flags\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n"
        "$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n"
        "$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\n"
        "keystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n");
  // COMMAND INFO mget: tips are bulk strings.
  CHECK(Info(t, {"mget"}) ==
        "*1\r\n*10\r\n$4\r\nmget\r\n:-2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:-1\r\n:1\r\n"
        "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*1\r\n$26\r\nrequest_policy:multi_shard\r\n"
        "*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n"
        "$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\n"
        "find_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\n"
        "lastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n");
  // COMMAND INFO bitop: two key specs, and the legacy range that spans them.
  CHECK(Info(t, {"bitop"}) ==
        "*1\r\n*10\r\n$5\r\nbitop\r\n:-4\r\n*2\r\n+write\r\n+denyoom\r\n:2\r\n:-1\r\n:1\r\n"
        "*3\r\n+@write\r\n+@bitmap\r\n+@slow\r\n*0\r\n*2\r\n*6\r\n$5\r\nflags\r\n*2\r\n"
        "+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\n"
        "spec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\n"
        "range\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\n"
        "limit\r\n:0\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n"
        "*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:3\r\n$9\r\n"
        "find_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\n"
        "lastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n");
}

TEST_CASE("COMMAND INFO writes keynum, keyword and unknown key specs as Redis 7.0",
          "[command_reply]") {
  using namespace engine;
  CommandTable t;
  // The key specs of Redis 7.0's ZUNIONSTORE, XREAD and SORT, which Keel does not implement.
  AddCommands(t, "sorted-set",
              {{.name = "zunionstore",
                .arity = -4,
                .flags = kCmdWrite | kCmdDenyOom,
                .key_specs = {{.flags = kKeyOW | kKeyUpdate, .begin_index = 1},
                              {.flags = kKeyRO | kKeyAccess,
                               .begin_index = 2,
                               .find = KeySpec::kKeynum,
                               .keynum_index = 0,
                               .first_key = 1}}}});
  AddCommands(t, "stream",
              {{.name = "xread",
                .arity = -4,
                .flags = kCmdReadOnly | kCmdBlocking,
                .key_specs = {{.flags = kKeyRO | kKeyAccess,
                               .keyword = "STREAMS",
                               .startfrom = 1,
                               .last_key = -1,
                               .limit = 2}}}});
  AddCommands(t, "generic",
              {{.name = "sort",
                .arity = -2,
                .flags = kCmdWrite | kCmdDenyOom,
                .key_specs = {{.flags = kKeyRO | kKeyAccess, .begin_index = 1},
                              {.notes = "For the optional BY/GET keyword. It is marked 'unknown' "
                                        "because the key names derive from the content of the key "
                                        "we sort",
                               .flags = kKeyRO | kKeyAccess,
                               .find = KeySpec::kUnknown},
                              {.notes = "For the optional STORE keyword. It is marked 'unknown' "
                                        "because the keyword can appear anywhere in the argument "
                                        "array",
                               .flags = kKeyOW | kKeyUpdate,
                               .find = KeySpec::kUnknown}}}});
  // redis-server 7.0.15, COMMAND INFO zunionstore xread.
  CHECK(Info(t, {"zunionstore", "xread"}) ==
        "*2\r\n*10\r\n$11\r\nzunionstore\r\n:-4\r\n*3\r\n+write\r\n+denyoom\r\n"
        "+movablekeys\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@write\r\n+@sortedset\r\n+@slow\r\n*0\r\n"
        "*2\r\n*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n"
        "$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\n"
        "find_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\n"
        "lastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*6\r\n$5\r\nflags\r\n"
        "*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n"
        "$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n"
        "$6\r\nkeynum\r\n$4\r\nspec\r\n*6\r\n$9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n"
        ":1\r\n$7\r\nkeystep\r\n:1\r\n*0\r\n*10\r\n$5\r\nxread\r\n:-4\r\n*3\r\n+readonly\r\n"
        "+blocking\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n*4\r\n+@read\r\n+@stream\r\n"
        "+@slow\r\n+@blocking\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n"
        "$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$7\r\nkeyword\r\n$4\r\nspec\r\n*4\r\n"
        "$7\r\nkeyword\r\n$7\r\nSTREAMS\r\n$9\r\nstartfrom\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n"
        "$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\n"
        "keystep\r\n:1\r\n$5\r\nlimit\r\n:2\r\n*0\r\n");
  // redis-server 7.0.15, COMMAND INFO sort.
  CHECK(Info(t, {"sort"}) ==
        "*1\r\n*10\r\n$4\r\nsort\r\n:-2\r\n*3\r\n+write\r\n+denyoom\r\n+movablekeys\r\n:1\r\n"
        ":1\r\n:1\r\n*6\r\n+@write\r\n+@set\r\n+@sortedset\r\n+@list\r\n+@slow\r\n"
        "+@dangerous\r\n*0\r\n*3\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\n"
        "begin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\n"
        "index\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n"
        "*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*8\r\n"
        "$5\r\nnotes\r\n$120\r\n"
        "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from "
        "the content of the key we sort\r\n"
        "$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n"
        "$7\r\nunknown\r\n$4\r\nspec\r\n*0\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$7\r\n"
        "unknown\r\n$4\r\nspec\r\n*0\r\n*8\r\n$5\r\nnotes\r\n$116\r\n"
        "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear "
        "anywhere in the argument array\r\n"
        "$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n"
        "$7\r\nunknown\r\n$4\r\nspec\r\n*0\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$7\r\n"
        "unknown\r\n$4\r\nspec\r\n*0\r\n*0\r\n");
}

TEST_CASE("COMMAND INFO keeps may_replicate internal, as Redis 7.0 does", "[command_reply]") {
  using namespace engine;
  CommandTable t;
  t.Add(Spec("publish", 3, kCmdPubSub | kCmdLoading | kCmdStale | kCmdFast | kCmdMayReplicate, 0, 0,
             0, "pubsub", "channel message"));
  // redis-server 7.0.15, COMMAND INFO publish.
  CHECK(Info(t, {"publish"}) ==
        "*1\r\n*10\r\n$7\r\npublish\r\n:3\r\n*4\r\n+pubsub\r\n+loading\r\n+stale\r\n+fast\r\n"
        ":0\r\n:0\r\n:0\r\n*2\r\n+@pubsub\r\n+@fast\r\n*0\r\n*0\r\n*0\r\n");
}

TEST_CASE("ACL categories follow Redis 7.0's derivation", "[command_reply]") {
  using namespace engine;
  using Cats = std::vector<std::string_view>;
  auto cats = [](CommandSpec s) { return CommandAclCategories(s); };
  // Expected values are COMMAND INFO's from redis-server 7.0.15.
  CHECK(cats(Spec("get", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, "string", "")) ==
        Cats{"read", "string", "fast"});
  CHECK(cats(Spec("set", -3, kCmdWrite | kCmdDenyOom, 1, 1, 1, "string", "")) ==
        Cats{"write", "string", "slow"});
  CHECK(cats(Spec("del", -2, kCmdWrite, 1, -1, 1, "generic", "")) ==
        Cats{"keyspace", "write", "slow"});
  CHECK(cats(Spec("setbit", 4, kCmdWrite | kCmdDenyOom, 1, 1, 1, "bitmap", "")) ==
        Cats{"write", "bitmap", "slow"});
  CHECK(cats(Spec("keys", 2, kCmdReadOnly, 0, 0, 0, "generic", "")) ==
        Cats{"keyspace", "read", "slow", "dangerous"});
  CHECK(cats(Spec("flushdb", -1, kCmdWrite, 0, 0, 0, "server", "")) ==
        Cats{"keyspace", "write", "slow", "dangerous"});
  CHECK(cats(Spec("swapdb", 3, kCmdWrite | kCmdFast, 0, 0, 0, "server", "")) ==
        Cats{"keyspace", "write", "fast", "dangerous"});
  CHECK(cats(Spec("select", 2, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, "connection", "")) ==
        Cats{"fast", "connection"});
  CHECK(cats(Spec("lastsave", 1, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, "server", "")) ==
        Cats{"admin", "fast", "dangerous"});
  CHECK(cats(Spec("time", 1, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, "server", "")) ==
        Cats{"fast"});
  CHECK(cats(Spec("info", -1, kCmdLoading | kCmdStale, 0, 0, 0, "server", "")) ==
        Cats{"slow", "dangerous"});
  CHECK(cats(Spec("multi", 1, kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdAllowBusy, 0,
                  0, 0, "transactions", "")) == Cats{"fast", "transaction"});
  CHECK(cats(Spec("eval_ro", -3, kCmdReadOnly | kCmdNoScript, 0, 0, 0, "scripting", "")) ==
        Cats{"slow", "scripting"});

  CommandTable t;
  CommandSpec client = Spec("client", -2, 0, 0, 0, 0, "connection", "");
  client.subcommands.push_back(
      Spec("kill", -3, kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale, 0, 0, 0, "", ""));
  t.Add(std::move(client));
  CommandSpec command = Spec("command", -1, kCmdLoading | kCmdStale, 0, 0, 0, "server", "");
  command.subcommands.push_back(Spec("count", 2, kCmdLoading | kCmdStale, 0, 0, 0, "server", ""));
  t.Add(std::move(command));
  // A container gets no group category; its subcommands do (and inherit an empty group).
  CHECK(CommandAclCategories(*t.Find("client")) == Cats{"slow"});
  CHECK(CommandAclCategories(*FindCommandByFullName(t, "client|kill")) ==
        Cats{"admin", "slow", "dangerous", "connection"});
  CHECK(CommandAclCategories(*t.Find("command")) == Cats{"slow", "connection"});
  CHECK(CommandAclCategories(*FindCommandByFullName(t, "command|count")) ==
        Cats{"slow", "connection"});
}

// ---- COMMAND DOCS

TEST_CASE("COMMAND DOCS get is byte-identical to Redis 7.0", "[command_reply]") {
  engine::CommandTable t = SmallTable();
  // redis-server 7.0.15, COMMAND DOCS get nosuch.
  CHECK(Docs(t, {"get", "nosuch"}) ==
        "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n"
        "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n"
        "$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n"
        "$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n");
}

TEST_CASE("COMMAND DOCS of Keel's SET is byte-identical to Redis 7.0", "[command_reply]") {
  engine::CommandTable t = RealTable();
  // redis-server 7.0.15, COMMAND DOCS set: history, and "since" on arguments.
  CHECK(Docs(t, {"set"}) ==
        "*2\r\n$3\r\nset\r\n*12\r\n$7\r\nsummary\r\n$29\r\nSet the string value of a key\r\n"
        "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n"
        "$4\r\nO(1)\r\n$7\r\nhistory\r\n*4\r\n*2\r\n$6\r\n2.6.12\r\n$44\r\n"
        "Added the `EX`, `PX`, `NX` and `XX` options.\r\n*2\r\n$5\r\n6.0.0\r\n$27\r\n"
        "Added the `KEEPTTL` option.\r\n*2\r\n$5\r\n6.2.0\r\n$42\r\n"
        "Added the `GET`, `EXAT` and `PXAT` option.\r\n*2\r\n$5\r\n7.0.0\r\n$55\r\n"
        "Allowed the `NX` and `GET` options to be used together.\r\n$9\r\narguments\r\n*5\r\n"
        "*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\n"
        "key_spec_index\r\n:0\r\n*4\r\n$4\r\nname\r\n$5\r\nvalue\r\n$4\r\ntype\r\n$6\r\n"
        "string\r\n*10\r\n$4\r\nname\r\n$9\r\ncondition\r\n$4\r\ntype\r\n$5\r\noneof\r\n"
        "$5\r\nsince\r\n$6\r\n2.6.12\r\n$5\r\nflags\r\n*1\r\n+optional\r\n$9\r\narguments\r\n"
        "*2\r\n*6\r\n$4\r\nname\r\n$2\r\nnx\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\n"
        "token\r\n$2\r\nNX\r\n*6\r\n$4\r\nname\r\n$2\r\nxx\r\n$4\r\ntype\r\n$10\r\n"
        "pure-token\r\n$5\r\ntoken\r\n$2\r\nXX\r\n*10\r\n$4\r\nname\r\n$3\r\nget\r\n$4\r\n"
        "type\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$3\r\nGET\r\n$5\r\nsince\r\n$5\r\n"
        "6.2.0\r\n$5\r\nflags\r\n*1\r\n+optional\r\n*8\r\n$4\r\nname\r\n$10\r\nexpiration\r\n"
        "$4\r\ntype\r\n$5\r\noneof\r\n$5\r\nflags\r\n*1\r\n+optional\r\n$9\r\narguments\r\n"
        "*5\r\n*8\r\n$4\r\nname\r\n$7\r\nseconds\r\n$4\r\ntype\r\n$7\r\ninteger\r\n$5\r\n"
        "token\r\n$2\r\nEX\r\n$5\r\nsince\r\n$6\r\n2.6.12\r\n*8\r\n$4\r\nname\r\n$12\r\n"
        "milliseconds\r\n$4\r\ntype\r\n$7\r\ninteger\r\n$5\r\ntoken\r\n$2\r\nPX\r\n$5\r\n"
        "since\r\n$6\r\n2.6.12\r\n*8\r\n$4\r\nname\r\n$17\r\nunix-time-seconds\r\n$4\r\n"
        "type\r\n$9\r\nunix-time\r\n$5\r\ntoken\r\n$4\r\nEXAT\r\n$5\r\nsince\r\n$5\r\n"
        "6.2.0\r\n*8\r\n$4\r\nname\r\n$22\r\nunix-time-milliseconds\r\n$4\r\ntype\r\n$9\r\n"
        "unix-time\r\n$5\r\ntoken\r\n$4\r\nPXAT\r\n$5\r\nsince\r\n$5\r\n6.2.0\r\n*8\r\n$4\r\n"
        "name\r\n$7\r\nkeepttl\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$7\r\n"
        "KEEPTTL\r\n$5\r\nsince\r\n$5\r\n6.0.0\r\n");
}

TEST_CASE("COMMAND DOCS of Keel's SUBSTR, AUTH, DEBUG and BITOP are byte-identical to Redis 7.0",
          "[command_reply]") {
  engine::CommandTable t = RealTable();
  // redis-server 7.0.15, COMMAND DOCS substr: a deprecated command.
  CHECK(Docs(t, {"substr"}) ==
        "*2\r\n$6\r\nsubstr\r\n*16\r\n$7\r\nsummary\r\n$45\r\n"
        "Get a substring of the string stored at a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n"
        "$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$231\r\n"
        "O(N) where N is the length of the returned string. The complexity is ultimately "
        "determined by the returned length, but because creating a substring from an existing "
        "string is very cheap, it can be considered O(1) for small strings.\r\n"
        "$9\r\ndoc_flags\r\n*1\r\n+deprecated\r\n$16\r\ndeprecated_since\r\n$5\r\n2.0.0\r\n"
        "$11\r\nreplaced_by\r\n$10\r\n`GETRANGE`\r\n$9\r\narguments\r\n*3\r\n*6\r\n$4\r\n"
        "name\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n"
        "*4\r\n$4\r\nname\r\n$5\r\nstart\r\n$4\r\ntype\r\n$7\r\ninteger\r\n*4\r\n$4\r\n"
        "name\r\n$3\r\nend\r\n$4\r\ntype\r\n$7\r\ninteger\r\n");
  // COMMAND DOCS auth: an argument added later than its command.
  CHECK(Docs(t, {"auth"}) ==
        "*2\r\n$4\r\nauth\r\n*12\r\n$7\r\nsummary\r\n$26\r\nAuthenticate to the server\r\n"
        "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\n"
        "complexity\r\n$60\r\n"
        "O(N) where N is the number of passwords defined for the user\r\n$7\r\nhistory\r\n"
        "*1\r\n*2\r\n$5\r\n6.0.0\r\n$40\r\nAdded ACL style (username and password).\r\n$9\r\n"
        "arguments\r\n*2\r\n*8\r\n$4\r\nname\r\n$8\r\nusername\r\n$4\r\ntype\r\n$6\r\n"
        "string\r\n$5\r\nsince\r\n$5\r\n6.0.0\r\n$5\r\nflags\r\n*1\r\n+optional\r\n*4\r\n"
        "$4\r\nname\r\n$8\r\npassword\r\n$4\r\ntype\r\n$6\r\nstring\r\n");
  // COMMAND DOCS debug: a system command.
  CHECK(Docs(t, {"debug"}) ==
        "*2\r\n$5\r\ndebug\r\n*10\r\n$7\r\nsummary\r\n$34\r\n"
        "A container for debugging commands\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n"
        "$6\r\nserver\r\n$10\r\ncomplexity\r\n$22\r\nDepends on subcommand.\r\n$9\r\n"
        "doc_flags\r\n*1\r\n+syscmd\r\n");
  // COMMAND DOCS bitop: each key argument points at its own key spec.
  CHECK(Docs(t, {"bitop"}) ==
        "*2\r\n$5\r\nbitop\r\n*10\r\n$7\r\nsummary\r\n$42\r\n"
        "Perform bitwise operations between strings\r\n$5\r\nsince\r\n$5\r\n2.6.0\r\n$5\r\n"
        "group\r\n$6\r\nbitmap\r\n$10\r\ncomplexity\r\n$4\r\nO(N)\r\n$9\r\narguments\r\n"
        "*3\r\n*4\r\n$4\r\nname\r\n$9\r\noperation\r\n$4\r\ntype\r\n$6\r\nstring\r\n*6\r\n"
        "$4\r\nname\r\n$7\r\ndestkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n"
        ":0\r\n*8\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\n"
        "key_spec_index\r\n:1\r\n$5\r\nflags\r\n*1\r\n+multiple\r\n");
}

TEST_CASE("COMMAND DOCS numbers key arguments by position unless told", "[command_reply]") {
  using namespace engine;
  CommandTable t;
  // SORT's STORE destination belongs to its third key spec, not its second.
  AddCommands(t, "generic",
              {{.name = "sortlike",
                .arity = -2,
                .flags = kCmdWrite,
                .syntax = "key [BY pattern] [STORE destination#2] [COPY other]",
                .key_specs = {{.flags = kKeyRO, .begin_index = 1},
                              {.flags = kKeyRO, .find = KeySpec::kUnknown},
                              {.flags = kKeyOW, .find = KeySpec::kUnknown}}},
               {.name = "threekeys",
                .arity = 4,
                .flags = kCmdWrite,
                .syntax = "a:key b:key c:key",
                .key_specs = {{.flags = kKeyRW, .begin_index = 1},
                              {.flags = kKeyOW, .begin_index = 2, .last_key = 1}}}});
  auto indexes = [&](std::string_view name) {
    std::vector<int64_t> out;
    Resp r = ReadAll(Docs(t, {name}));
    for (const Resp& a : Field(r.elems[1], "arguments")->elems) {
      if (const Resp* i = Field(a, "key_spec_index")) out.push_back(i->num);
    }
    return out;
  };
  CHECK(indexes("sortlike") == std::vector<int64_t>{0, 2});
  // Key arguments beyond the last spec share the last spec.
  CHECK(indexes("threekeys") == std::vector<int64_t>{0, 1, 1});
}

TEST_CASE("COMMAND DOCS set carries Redis's argument fields and flags", "[command_reply]") {
  engine::CommandTable t = SmallTable();
  Resp r = ReadAll(Docs(t, {"set"}));
  REQUIRE(r.elems.size() == 2);
  const Resp& args = *Field(r.elems[1], "arguments");
  REQUIRE(args.elems.size() == 5);
  // {name: condition-ish, type: oneof, flags: [optional], arguments: [...]} as Redis sends it,
  // the flags as simple strings.
  const Resp& nx_xx = args.elems[2];
  CHECK(Field(nx_xx, "type")->str == "oneof");
  CHECK(Field(nx_xx, "flags")->elems.at(0).type == '+');
  CHECK(Field(nx_xx, "flags")->elems.at(0).str == "optional");
  CHECK(Field(nx_xx, "key_spec_index") == nullptr);
  const Resp& nx = Field(nx_xx, "arguments")->elems.at(0);
  CHECK(nx.elems.size() == 6);  // name, type, token: as Redis's {nx, pure-token, NX}
  CHECK(Field(nx, "token")->str == "NX");
  const Resp& ex = Field(args.elems[4], "arguments")->elems.at(0);
  CHECK(Field(ex, "name")->str == "seconds");
  CHECK(Field(ex, "type")->str == "integer");
  CHECK(Field(ex, "token")->str == "EX");
}

TEST_CASE("COMMAND DOCS of a container maps full subcommand names", "[command_reply]") {
  engine::CommandTable t = SmallTable();
  Resp r = ReadAll(Docs(t, {"config"}));
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].str == "config");
  const Resp& docs = r.elems[1];
  CHECK(Field(docs, "arguments") == nullptr);  // Redis omits it for argument-less commands
  CHECK(Field(docs, "group")->str == "server");
  const Resp& subs = *Field(docs, "subcommands");
  REQUIRE(subs.elems.size() == 4);
  CHECK(subs.elems[0].str == "config|get");  // redis-cli splits at the '|'
  CHECK(subs.elems[2].str == "config|set");
  CHECK(Field(subs.elems[1], "summary")->str == "Get the values of configuration parameters");
  CHECK(CliRenderArgs(*Field(subs.elems[3], "arguments"), " ") ==
        "parameter value [parameter value ...]");
  // A subcommand asked for by full name comes back under that name.
  Resp one = ReadAll(Docs(t, {"CONFIG|GET"}));
  REQUIRE(one.elems.size() == 2);
  CHECK(one.elems[0].str == "config|get");
}

TEST_CASE("COMMAND DOCS always sends summary, since and group", "[command_reply]") {
  engine::CommandTable t;
  engine::CommandSpec bare;
  bare.name = "bare";
  bare.arity = 1;
  bare.syntax = "key [value";  // unparseable: docs survive without arguments
  t.Add(std::move(bare));
  Resp r = ReadAll(Docs(t, {}));
  REQUIRE(r.elems.size() == 2);
  const Resp& docs = r.elems[1];
  CHECK(docs.elems.size() == 6);
  CHECK(Field(docs, "summary")->type == '$');
  CHECK(Field(docs, "since")->type == '$');
  CHECK(Field(docs, "group")->str == "generic");
  CHECK(Field(docs, "arguments") == nullptr);
}

// ---- COMMAND LIST and COUNT

TEST_CASE("COMMAND LIST names commands and subcommands", "[command_reply]") {
  engine::CommandTable t = SmallTable();
  using Names = std::vector<std::string>;
  CHECK(ListNames(t, {}) == Names{"get", "set", "config", "config|get", "config|set"});
  CHECK(ListNames(t, {"FILTERBY", "PATTERN", "config*"}) ==
        Names{"config", "config|get", "config|set"});
  CHECK(ListNames(t, {"filterby", "pattern", "CONFIG|G*"}) == Names{"config|get"});
  CHECK(ListNames(t, {"FILTERBY", "ACLCAT", "string"}) == Names{"get", "set"});
  CHECK(ListNames(t, {"FILTERBY", "ACLCAT", "ADMIN"}) == Names{"config|get", "config|set"});
  CHECK(ListNames(t, {"FILTERBY", "ACLCAT", "slow"}) ==
        Names{"set", "config", "config|get", "config|set"});
  CHECK(ListNames(t, {"FILTERBY", "ACLCAT", "@string"}).empty());  // as Redis: no '@'
  CHECK(ListNames(t, {"FILTERBY", "ACLCAT", "nosuch"}).empty());
  CHECK(ListNames(t, {"FILTERBY", "MODULE", "json"}).empty());
}

TEST_CASE("COMMAND LIST rejects anything but one trailing FILTERBY", "[command_reply]") {
  engine::CommandTable t = SmallTable();
  const std::string err = "-ERR syntax error\r\n";
  CHECK(List(t, {"FILTERBY"}) == err);
  CHECK(List(t, {"FILTERBY", "PATTERN"}) == err);
  CHECK(List(t, {"FILTERBY", "foo", "bar"}) == err);
  CHECK(List(t, {"foo"}) == err);
  CHECK(List(t, {"FILTERBY", "PATTERN", "a", "b"}) == err);
  CHECK(List(t, {"FILTERBY", "PATTERN", "a", "FILTERBY", "PATTERN", "b"}) == err);
}

TEST_CASE("COMMAND COUNT counts top-level commands only", "[command_reply]") {
  engine::CommandTable t = SmallTable();
  std::string out;
  formats::ReplyWriter w(&out);
  ReplyCommandCount(t, w);
  CHECK(out == ":3\r\n");
}

// ---- The real table

// Counts the key arguments of a tree and checks the key specs they name exist.
int CountKeyArgs(const std::vector<CommandArg>& args, size_t specs) {
  int n = 0;
  for (const CommandArg& a : args) {
    if (a.type == ArgType::kKey) ++n;
    CHECK(a.key_spec_index < static_cast<int>(specs));
    n += CountKeyArgs(a.args, specs);
  }
  return n;
}

TEST_CASE("every registered command's syntax parses and its keys have specs", "[command_reply]") {
  engine::CommandTable t = RealTable();
  auto check = [](const engine::CommandSpec& c) {
    Result<std::vector<CommandArg>> r = ParseCommandSyntax(c.syntax);
    INFO(c.FullName() << ": " << (r.has_value() ? "" : std::string(r.error().message())));
    REQUIRE(r.has_value());
    // A command documents key arguments exactly when it has key specs.
    CHECK((CountKeyArgs(*r, c.key_specs.size()) > 0) == !c.key_specs.empty());
    // Deprecation comes with the version and the replacement, as in Redis's docs.
    bool deprecated = (c.doc_flags & engine::kDocDeprecated) != 0;
    CHECK(deprecated == !c.deprecated_since.empty());
    CHECK(deprecated == !c.replaced_by.empty());
  };
  size_t checked = 0;
  for (const auto& c : t.commands()) {
    check(*c);
    for (const engine::CommandSpec& sub : c->subcommands) check(sub);
    checked += 1 + c->subcommands.size();
  }
  CHECK(checked > 70);
}

}  // namespace keel::server
