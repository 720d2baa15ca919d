// Tests for the COMMAND replies: the syntax-string parser, byte-exact INFO/DOCS entries checked
// against what redis-server 7.0.15 sends for the same commands, and the hint lines redis-cli 7.0
// builds from DOCS, checked against what it prints when talking to the real Redis.
#include "server/command_reply.h"

#include <catch2/catch.hpp>
#include <cctype>
#include <string>
#include <vector>

#include "engine/commands.h"

namespace keel::server {
namespace {

// ---- Argument builders for expected trees.

CommandArg Arg(std::string name, ArgType type) {
  CommandArg a;
  a.name = std::move(name);
  a.type = type;
  return a;
}
CommandArg Tok(std::string token, CommandArg a) {
  a.token = std::move(token);
  return a;
}
CommandArg Pure(std::string token) {
  CommandArg a;
  for (char c : token) a.name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  a.type = ArgType::kPureToken;
  a.token = std::move(token);
  return a;
}
CommandArg Group(std::string name, ArgType type, std::vector<CommandArg> members) {
  CommandArg a = Arg(std::move(name), type);
  a.args = std::move(members);
  return a;
}
CommandArg Opt(CommandArg a) {
  a.optional = true;
  return a;
}
CommandArg Many(CommandArg a) {
  a.multiple = true;
  return a;
}

std::vector<CommandArg> Parse(std::string_view syntax) {
  Result<std::vector<CommandArg>> r = ParseCommandSyntax(syntax);
  INFO(syntax << ": " << (r.has_value() ? "" : std::string(r.error().message())));
  REQUIRE(r.has_value());
  return *r;
}

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

// ---- ParseCommandSyntax

TEST_CASE("syntax: an empty string has no arguments", "[command_reply]") {
  CHECK(Parse("").empty());
  CHECK(Parse("   ").empty());
}

TEST_CASE("syntax: GET key and DEL key [key ...]", "[command_reply]") {
  CHECK(Parse("key") == std::vector{Arg("key", ArgType::kKey)});
  CHECK(Parse("key [key ...]") == std::vector{Many(Arg("key", ArgType::kKey))});
}

TEST_CASE("syntax: SET with its options", "[command_reply]") {
  std::vector<CommandArg> want = {
      Arg("key", ArgType::kKey),
      Arg("value", ArgType::kString),
      Opt(Group("nx_xx", ArgType::kOneOf, {Pure("NX"), Pure("XX")})),
      Opt(Pure("GET")),
      Opt(Group("ex_px_exat_pxat_keepttl", ArgType::kOneOf,
                {Tok("EX", Arg("seconds", ArgType::kInteger)),
                 Tok("PX", Arg("milliseconds", ArgType::kInteger)),
                 Tok("EXAT", Arg("unix-time-seconds", ArgType::kUnixTime)),
                 Tok("PXAT", Arg("unix-time-milliseconds", ArgType::kUnixTime)), Pure("KEEPTTL")})),
  };
  CHECK(Parse("key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
              "PXAT unix-time-milliseconds | KEEPTTL]") == want);
  // redis-cli's own spelling, without spaces around '|', means the same.
  CHECK(Parse("key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|"
              "PXAT unix-time-milliseconds|KEEPTTL]") == want);
}

TEST_CASE("syntax: SCAN's token-value options", "[command_reply]") {
  CHECK(Parse("cursor [MATCH pattern] [COUNT count] [TYPE type]") ==
        std::vector{Arg("cursor", ArgType::kInteger),
                    Opt(Tok("MATCH", Arg("pattern", ArgType::kPattern))),
                    Opt(Tok("COUNT", Arg("count", ArgType::kInteger))),
                    Opt(Tok("TYPE", Arg("type", ArgType::kString)))});
}

TEST_CASE("syntax: numkeys before a repeated key", "[command_reply]") {
  CHECK(Parse("numkeys key [key ...]") ==
        std::vector{Arg("numkeys", ArgType::kInteger), Many(Arg("key", ArgType::kKey))});
}

TEST_CASE("syntax: MSET's repeated pair becomes a multiple block", "[command_reply]") {
  CHECK(Parse("key value [key value ...]") ==
        std::vector{Many(Group("key_value", ArgType::kBlock,
                               {Arg("key", ArgType::kKey), Arg("value", ArgType::kString)}))});
}

TEST_CASE("syntax: SORT's repeated GET keeps its token", "[command_reply]") {
  CommandArg get = Opt(Many(Tok("GET", Arg("pattern", ArgType::kPattern))));
  get.multiple_token = true;
  CHECK(Parse("key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] "
              "[ALPHA] [STORE destination]") ==
        std::vector{Arg("key", ArgType::kKey), Opt(Tok("BY", Arg("pattern", ArgType::kPattern))),
                    Opt(Tok("LIMIT", Group("limit", ArgType::kBlock,
                                           {Arg("offset", ArgType::kInteger),
                                            Arg("count", ArgType::kInteger)}))),
                    get, Opt(Group("asc_desc", ArgType::kOneOf, {Pure("ASC"), Pure("DESC")})),
                    Opt(Pure("ALPHA")), Opt(Tok("STORE", Arg("destination", ArgType::kKey)))});
}

TEST_CASE("syntax: BITCOUNT's nested optional block", "[command_reply]") {
  CHECK(Parse("key [start end [BYTE | BIT]]") ==
        std::vector{
            Arg("key", ArgType::kKey),
            Opt(Group("start_end_byte_bit", ArgType::kBlock,
                      {Arg("start", ArgType::kInteger), Arg("end", ArgType::kInteger),
                       Opt(Group("byte_bit", ArgType::kOneOf, {Pure("BYTE"), Pure("BIT")}))}))});
}

TEST_CASE("syntax: a token before a required choice owns the choice", "[command_reply]") {
  CHECK(Parse("[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]") ==
        std::vector{
            Opt(Tok("FILTERBY", Group("filterby", ArgType::kOneOf,
                                      {Tok("MODULE", Arg("module-name", ArgType::kString)),
                                       Tok("ACLCAT", Arg("category", ArgType::kString)),
                                       Tok("PATTERN", Arg("pattern", ArgType::kPattern))})))});
  CHECK(Parse("operation destkey key [key ...]")[1] == Arg("destkey", ArgType::kKey));
  CHECK(Parse("<AND | OR | XOR | NOT> destkey key [key ...]")[0] ==
        Group("and_or_xor_not", ArgType::kOneOf,
              {Pure("AND"), Pure("OR"), Pure("XOR"), Pure("NOT")}));
}

TEST_CASE("syntax: redis-cli's spelling of a token before a choice", "[command_reply]") {
  // Without the angle brackets of redis.io's syntax, the leading token still owns the choice.
  CHECK(Parse("[TYPE NORMAL | MASTER | REPLICA | PUBSUB]") ==
        Parse("[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>]"));
  CHECK(Parse("[FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]") ==
        Parse("[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]"));
  // A token followed by a value is an ordinary first choice.
  CHECK(Parse("[AUTH password | AUTH2 username password]") ==
        std::vector{Opt(Group("auth_auth2", ArgType::kOneOf,
                              {Tok("AUTH", Arg("password", ArgType::kString)),
                               Tok("AUTH2", Group("auth2", ArgType::kBlock,
                                                  {Arg("username", ArgType::kString),
                                                   Arg("password", ArgType::kString)}))}))});
}

TEST_CASE("syntax: an unbracketed '|' is a choice over the whole string", "[command_reply]") {
  CHECK(Parse("a | b") ==
        std::vector{Group("a_b", ArgType::kOneOf,
                          {Arg("a", ArgType::kString), Arg("b", ArgType::kString)})});
  std::vector<CommandArg> kill = Parse("ip:port | [ID client-id] [USER username]");
  REQUIRE(kill.size() == 1);
  CHECK(kill[0].type == ArgType::kOneOf);
  CHECK_FALSE(kill[0].optional);
  REQUIRE(kill[0].args.size() == 2);
  CHECK(kill[0].args[0] == Arg("ip:port", ArgType::kString));
  CHECK(kill[0].args[1].type == ArgType::kBlock);
}

TEST_CASE("syntax: HELLO's optional block inside an optional block", "[command_reply]") {
  CHECK(Parse("[protover [AUTH username password] [SETNAME clientname]]") ==
        std::vector{Opt(Group("protover_auth_setname", ArgType::kBlock,
                              {Arg("protover", ArgType::kInteger),
                               Opt(Tok("AUTH", Group("auth", ArgType::kBlock,
                                                     {Arg("username", ArgType::kString),
                                                      Arg("password", ArgType::kString)}))),
                               Opt(Tok("SETNAME", Arg("clientname", ArgType::kString)))}))});
}

TEST_CASE("syntax: a token followed by a repeated value", "[command_reply]") {
  CHECK(Parse("[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]") ==
        std::vector{Opt(Tok("TYPE", Group("type", ArgType::kOneOf,
                                          {Pure("NORMAL"), Pure("MASTER"), Pure("REPLICA"),
                                           Pure("PUBSUB")}))),
                    Opt(Many(Tok("ID", Arg("client-id", ArgType::kString))))});
  // XREAD: a token with two repeated values becomes a block, as in Redis's xread.json.
  CHECK(
      Parse("[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]")[2] ==
      Tok("STREAMS", Group("streams", ArgType::kBlock,
                           {Many(Arg("key", ArgType::kKey)), Many(Arg("id", ArgType::kString))})));
}

TEST_CASE("syntax: key types follow Redis's argument names", "[command_reply]") {
  std::vector<CommandArg> copy = Parse("source destination [DB destination-db] [REPLACE]");
  CHECK(copy[0].type == ArgType::kKey);
  CHECK(copy[1].type == ArgType::kKey);
  CHECK(copy[2] == Opt(Tok("DB", Arg("destination-db", ArgType::kInteger))));
  std::vector<CommandArg> lcs = Parse("key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len]");
  CHECK(lcs[0].type == ArgType::kKey);
  CHECK(lcs[1].type == ArgType::kKey);
  CHECK(lcs[4].args.empty());
  CHECK(lcs[4].type == ArgType::kInteger);
  CHECK(Parse("key newkey")[1].type == ArgType::kKey);
  CHECK(Parse("index1 index2")[1].type == ArgType::kInteger);
  CHECK(Parse("[section [section ...]]") ==
        std::vector{Opt(Many(Arg("section", ArgType::kString)))});
  CHECK(Parse("host port <key | \"\">")[2] ==
        Group("key_empty_string", ArgType::kOneOf,
              {Arg("key", ArgType::kKey), Tok("", Arg("empty_string", ArgType::kPureToken))}));
}

TEST_CASE("syntax: malformed strings are errors, not guesses", "[command_reply]") {
  for (std::string_view bad : {"key [value", "key value]", "key <a | b", "[a | ]", "[]", "a |",
                               "| a", "key [value ...]", "[... ...]", "...", "key [GET a | ...]"}) {
    Result<std::vector<CommandArg>> r = ParseCommandSyntax(bad);
    INFO(bad);
    CHECK_FALSE(r.has_value());
    if (!r.has_value()) CHECK(r.error().message().find("command syntax") != std::string::npos);
  }
}

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

TEST_CASE("every registered command's syntax parses", "[command_reply]") {
  engine::CommandTable t;
  engine::RegisterEngineCommands(t);
  auto check = [](const engine::CommandSpec& c) {
    Result<std::vector<CommandArg>> r = ParseCommandSyntax(c.syntax);
    INFO(c.FullName() << ": " << (r.has_value() ? "" : std::string(r.error().message())));
    CHECK(r.has_value());
  };
  for (const auto& c : t.commands()) {
    check(*c);
    for (const engine::CommandSpec& sub : c->subcommands) check(sub);
  }
}

}  // namespace keel::server
