// Tests for ParseCommandSyntax: Redis's documentation syntax and Keel's annotations (types, labels,
// versions, key spec indexes) read into Redis 7.0's argument trees. The expected trees are those of
// redis-server 7.0.15's COMMAND DOCS for the same commands.
#include <catch2/catch.hpp>
#include <cctype>
#include <string>
#include <vector>

#include "server/command_reply.h"

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
CommandArg Since(std::string version, CommandArg a) {
  a.since = std::move(version);
  return a;
}

std::vector<CommandArg> Parse(std::string_view syntax) {
  Result<std::vector<CommandArg>> r = ParseCommandSyntax(syntax);
  INFO(syntax << ": " << (r.has_value() ? "" : std::string(r.error().message())));
  REQUIRE(r.has_value());
  return *r;
}

}  // namespace

// ---- ParseCommandSyntax

TEST_CASE("syntax: an empty string has no arguments", "[command_syntax]") {
  CHECK(Parse("").empty());
  CHECK(Parse("   ").empty());
}

TEST_CASE("syntax: GET key and DEL key [key ...]", "[command_syntax]") {
  CHECK(Parse("key") == std::vector{Arg("key", ArgType::kKey)});
  CHECK(Parse("key [key ...]") == std::vector{Many(Arg("key", ArgType::kKey))});
}

TEST_CASE("syntax: SET with its options", "[command_syntax]") {
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

TEST_CASE("syntax: SCAN's token-value options", "[command_syntax]") {
  CHECK(Parse("cursor [MATCH pattern] [COUNT count] [TYPE type]") ==
        std::vector{Arg("cursor", ArgType::kInteger),
                    Opt(Tok("MATCH", Arg("pattern", ArgType::kPattern))),
                    Opt(Tok("COUNT", Arg("count", ArgType::kInteger))),
                    Opt(Tok("TYPE", Arg("type", ArgType::kString)))});
}

TEST_CASE("syntax: numkeys before a repeated key", "[command_syntax]") {
  CHECK(Parse("numkeys key [key ...]") ==
        std::vector{Arg("numkeys", ArgType::kInteger), Many(Arg("key", ArgType::kKey))});
}

TEST_CASE("syntax: MSET's repeated pair becomes a multiple block", "[command_syntax]") {
  CHECK(Parse("key value [key value ...]") ==
        std::vector{Many(Group("key_value", ArgType::kBlock,
                               {Arg("key", ArgType::kKey), Arg("value", ArgType::kString)}))});
}

TEST_CASE("syntax: SORT's repeated GET keeps its token", "[command_syntax]") {
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

TEST_CASE("syntax: BITCOUNT's nested optional block", "[command_syntax]") {
  CHECK(Parse("key [start end [BYTE | BIT]]") ==
        std::vector{
            Arg("key", ArgType::kKey),
            Opt(Group("start_end_byte_bit", ArgType::kBlock,
                      {Arg("start", ArgType::kInteger), Arg("end", ArgType::kInteger),
                       Opt(Group("byte_bit", ArgType::kOneOf, {Pure("BYTE"), Pure("BIT")}))}))});
}

TEST_CASE("syntax: a token before a required choice owns the choice", "[command_syntax]") {
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

TEST_CASE("syntax: redis-cli's spelling of a token before a choice", "[command_syntax]") {
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

TEST_CASE("syntax: an unbracketed '|' is a choice over the whole string", "[command_syntax]") {
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

TEST_CASE("syntax: HELLO's optional block inside an optional block", "[command_syntax]") {
  CHECK(Parse("[protover [AUTH username password] [SETNAME clientname]]") ==
        std::vector{Opt(Group("protover_auth_setname", ArgType::kBlock,
                              {Arg("protover", ArgType::kInteger),
                               Opt(Tok("AUTH", Group("auth", ArgType::kBlock,
                                                     {Arg("username", ArgType::kString),
                                                      Arg("password", ArgType::kString)}))),
                               Opt(Tok("SETNAME", Arg("clientname", ArgType::kString)))}))});
}

TEST_CASE("syntax: a token followed by a repeated value", "[command_syntax]") {
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

TEST_CASE("syntax: key types follow Redis's argument names", "[command_syntax]") {
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

// ---- Annotations

TEST_CASE("syntax: a type annotation overrides the type the name implies", "[command_syntax]") {
  CHECK(Parse("key increment:double") ==
        std::vector{Arg("key", ArgType::kKey), Arg("increment", ArgType::kDouble)});
  CHECK(Parse("key offset value:integer")[2] == Arg("value", ArgType::kInteger));
  CHECK(Parse("[MATCH glob:pattern]")[0] == Opt(Tok("MATCH", Arg("glob", ArgType::kPattern))));
  CHECK(Parse("when:unix-time")[0] == Arg("when", ArgType::kUnixTime));
  CHECK(Parse("count:string")[0] == Arg("count", ArgType::kString));
  // A colon followed by anything but a type is part of the name.
  CHECK(Parse("ip:port")[0] == Arg("ip:port", ArgType::kString));
  CHECK(Parse("[ADDR ip:port]")[0] == Opt(Tok("ADDR", Arg("ip:port", ArgType::kString))));
  // The repeated copy need not repeat the annotation.
  CHECK(Parse("client-id:integer [client-id ...]") ==
        std::vector{Many(Arg("client-id", ArgType::kInteger))});
}

TEST_CASE("syntax: a label names a oneof or a block", "[command_syntax]") {
  CHECK(Parse("[condition: NX | XX]") ==
        std::vector{Opt(Group("condition", ArgType::kOneOf, {Pure("NX"), Pure("XX")}))});
  // BITCOUNT and BITPOS as Redis names their blocks.
  CHECK(Parse("key [index: start end [index_unit: BYTE | BIT]]")[1] ==
        Opt(Group("index", ArgType::kBlock,
                  {Arg("start", ArgType::kInteger), Arg("end", ArgType::kInteger),
                   Opt(Group("index_unit", ArgType::kOneOf, {Pure("BYTE"), Pure("BIT")}))})));
  // A labelled group stays a block around a single member: CONFIG GET's repeated block.
  CHECK(
      Parse("<parameter: parameter> ...") ==
      std::vector{Many(Group("parameter", ArgType::kBlock, {Arg("parameter", ArgType::kString)}))});
  // A token keeps a labelled group's name instead of giving it its own (HELLO's AUTH, CLIENT
  // LIST's TYPE and ID).
  CHECK(Parse("[AUTH <username_password: username password>]")[0] ==
        Opt(Tok("AUTH",
                Group("username_password", ArgType::kBlock,
                      {Arg("username", ArgType::kString), Arg("password", ArgType::kString)}))));
  CHECK(Parse("[AUTH username password]")[0].name == "auth");
  CHECK(Parse("[ID <id: client-id:integer [client-id ...]>]")[0] ==
        Opt(Tok("ID", Group("id", ArgType::kBlock, {Many(Arg("client-id", ArgType::kInteger))}))));
  CHECK(Parse("[TYPE <kinds: NORMAL | PUBSUB>]")[0] ==
        Opt(Tok("TYPE", Group("kinds", ArgType::kOneOf, {Pure("NORMAL"), Pure("PUBSUB")}))));
}

TEST_CASE("syntax: versions annotate arguments, tokens and labels", "[command_syntax]") {
  // SET as Keel registers it is Redis 7.0's tree, "since" fields included.
  CHECK(
      Parse("key value [condition@2.6.12: NX | XX] [GET@6.2.0] [expiration: EX@2.6.12 seconds | "
            "PX@2.6.12 milliseconds | EXAT@6.2.0 unix-time-seconds | PXAT@6.2.0 "
            "unix-time-milliseconds | KEEPTTL@6.0.0]") ==
      std::vector{
          Arg("key", ArgType::kKey), Arg("value", ArgType::kString),
          Opt(Since("2.6.12", Group("condition", ArgType::kOneOf, {Pure("NX"), Pure("XX")}))),
          Opt(Since("6.2.0", Pure("GET"))),
          Opt(Group("expiration", ArgType::kOneOf,
                    {Since("2.6.12", Tok("EX", Arg("seconds", ArgType::kInteger))),
                     Since("2.6.12", Tok("PX", Arg("milliseconds", ArgType::kInteger))),
                     Since("6.2.0", Tok("EXAT", Arg("unix-time-seconds", ArgType::kUnixTime))),
                     Since("6.2.0", Tok("PXAT", Arg("unix-time-milliseconds", ArgType::kUnixTime))),
                     Since("6.0.0", Pure("KEEPTTL"))}))});
  // On a token that takes a block, the version is the block's.
  CHECK(Parse("[ID@6.2.0 <id: client-id [client-id ...]>]")[0].since == "6.2.0");
  CHECK(Parse("[LIMIT@7.0.0 offset count]")[0].since == "7.0.0");
  CHECK(Parse("[username@6.0.0] password")[0] ==
        Opt(Since("6.0.0", Arg("username", ArgType::kString))));
  // Deprecation: "@-version", or "@since-deprecated".
  CommandArg old = Arg("ip:port", ArgType::kString);
  old.deprecated_since = "2.8.12";
  CHECK(Parse("ip:port@-2.8.12")[0] == old);
  old.since = "1.0.0";
  CHECK(Parse("ip:port@1.0.0-2.8.12")[0] == old);
  CHECK(Parse("n:integer@7.0.0")[0] == Since("7.0.0", Arg("n", ArgType::kInteger)));
}

TEST_CASE("syntax: CLIENT KILL's old and new forms", "[command_syntax]") {
  std::vector<CommandArg> kill = Parse(
      "<filter: ip:port@-2.8.12 | <new-format: [ID@2.8.12 client-id:integer] | "
      "[TYPE@2.8.12 <normal_master_slave_pubsub: NORMAL | MASTER@3.2.0 | SLAVE | "
      "REPLICA@5.0.0 | PUBSUB>] | [USER username] | [ADDR ip:port] | "
      "[LADDR@6.2.0 ip:port] | [SKIPME yes/no]> ...>");
  REQUIRE(kill.size() == 1);
  CHECK(kill[0].name == "filter");
  CHECK(kill[0].type == ArgType::kOneOf);
  CHECK_FALSE(kill[0].optional);
  REQUIRE(kill[0].args.size() == 2);
  CHECK(kill[0].args[0].deprecated_since == "2.8.12");
  const CommandArg& filters = kill[0].args[1];
  CHECK(filters.name == "new-format");
  CHECK(filters.type == ArgType::kOneOf);
  CHECK(filters.multiple);
  REQUIRE(filters.args.size() == 6);
  CHECK(filters.args[0] == Opt(Since("2.8.12", Tok("ID", Arg("client-id", ArgType::kInteger)))));
  CHECK(filters.args[1].name == "normal_master_slave_pubsub");
  CHECK(filters.args[1].args[1] == Since("3.2.0", Pure("MASTER")));
  CHECK(filters.args[4] == Opt(Since("6.2.0", Tok("LADDR", Arg("ip:port", ArgType::kString)))));
  CHECK(filters.args[5] == Opt(Tok("SKIPME", Arg("yes/no", ArgType::kString))));
}

TEST_CASE("syntax: a key argument may name its key spec", "[command_syntax]") {
  CHECK(Parse("key")[0].key_spec_index == -1);
  CommandArg store = Opt(Tok("STORE", Arg("destination", ArgType::kKey)));
  store.key_spec_index = 2;
  CHECK(Parse("key [STORE destination#2]")[1] == store);
  CHECK(Parse("[STORE dest:key#2@6.2.0]")[0].since == "6.2.0");
}

TEST_CASE("syntax: malformed strings are errors, not guesses", "[command_syntax]") {
  for (std::string_view bad :
       {"key [value", "key value]", "key <a | b", "[a | ]", "[]", "a |", "| a", "key [value ...]",
        "[... ...]", "...", "key [GET a | ...]",
        // Annotations: a version that is not one, a key spec that is not a number, a type on a
        // token or a label, a label outside a group, an empty labelled group.
        "key@", "key@abc", "key@1.0-x", "key#", "key#x", "key#-1", "key#99999999999", "NX:integer",
        "NX#1", "[l:integer: a]", "label: a", "key label:", "[x: ]", ":string", "@1.0.0"}) {
    Result<std::vector<CommandArg>> r = ParseCommandSyntax(bad);
    INFO(bad);
    CHECK_FALSE(r.has_value());
    if (!r.has_value()) CHECK(r.error().message().find("command syntax") != std::string::npos);
  }
}

}  // namespace keel::server
