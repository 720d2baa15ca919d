// The sorted set family through the command table: replies and error texts as redis 7.0.15 gives
// them (each expectation was checked against a real redis-server 7.0.15), encodings after writes
// and stores, dirty counts, and the blocking pops' two paths.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/db.h"
#include "engine/zset_object.h"
#include "tests/engine/command_harness.h"

namespace keel::engine {
namespace {

using testing::Arr;
using testing::Bulk;
using testing::Bulks;
using testing::CommandHarness;
using testing::EncodingOf;
using testing::Err;
using testing::Int;
using testing::kNil;
using testing::kOk;
using testing::ParseScanReply;
using testing::ScanReply;

const std::string kEmpty = "*0\r\n";
const std::string kNullArray = "*-1\r\n";
const std::string kSyntax = Err("ERR syntax error");
const std::string kNotFloat = Err("ERR value is not a valid float");
const std::string kNotInt = Err("ERR value is not an integer or out of range");
const std::string kWrongType =
    Err("WRONGTYPE Operation against a key holding the wrong kind of value");

TEST_CASE("ZADD options and their incompatibility errors", "[zset]") {
  CommandHarness h;
  CHECK(h.Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"}) == Int(3));
  CHECK(h.Run({"ZADD", "z", "nx", "xx", "1", "a"}) ==
        Err("ERR XX and NX options at the same time are not compatible"));
  const std::string gtlt = Err("ERR GT, LT, and/or NX options at the same time are not compatible");
  CHECK(h.Run({"ZADD", "z", "gt", "lt", "1", "a"}) == gtlt);
  CHECK(h.Run({"ZADD", "z", "NX", "GT", "1", "a"}) == gtlt);
  CHECK(h.Run({"ZADD", "z", "incr", "1", "a", "2", "b"}) ==
        Err("ERR INCR option supports a single increment-element pair"));
  CHECK(h.Run({"ZADD", "z", "ch", "1"}) == kSyntax);  // an odd number of score/member items
  CHECK(h.Run({"ZADD", "z", "abc", "a"}) == kNotFloat);
  CHECK(h.Run({"ZADD", "z", " 1", "a"}) == kNotFloat);     // leading space
  CHECK(h.Run({"ZADD", "z", "1e400", "a"}) == kNotFloat);  // overflow
  CHECK(h.Run({"ZADD", "z", "xx", "incr", "5", "zz"}) == kNil);
  CHECK(h.Run({"ZADD", "z", "incr", "5", "a"}) == Bulk("6"));
  CHECK(h.Run({"ZADD", "z", "ch", "gt", "0", "a", "10", "b", "4", "d"}) == Int(2));
  CHECK(h.Run({"ZADD", "z", "lt", "ch", "5", "a", "11", "b"}) == Int(1));
  CHECK(h.Run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}) ==
        Bulks({"c", "3", "d", "4", "a", "5", "b", "10"}));
  CHECK(h.Run({"ZADD", "nokey", "xx", "1", "a"}) == Int(0));
  CHECK(h.Run({"EXISTS", "nokey"}) == Int(0));
}

TEST_CASE("ZADD INCR to NaN is an error and changes nothing", "[zset]") {
  CommandHarness h;
  CHECK(h.Run({"ZADD", "z", "+inf", "a"}) == Int(1));
  CHECK(h.Run({"ZINCRBY", "z", "-inf", "a"}) == Err("ERR resulting score is not a number (NaN)"));
  CHECK(h.Run({"ZSCORE", "z", "a"}) == Bulk("inf"));
  CHECK(h.Run({"ZINCRBY", "z", "x", "a"}) == kNotFloat);
  CHECK(h.Run({"ZINCRBY", "z", "nx", "a"}) == kSyntax);  // ZINCRBY parses ZADD's options
}

TEST_CASE("scores are replied as %.17g, as redis 7.0 does", "[zset]") {
  CommandHarness h;
  CHECK(h.Run({"ZADD", "z", "0.1", "a", "1e100", "b", "-inf", "c", "-0", "d"}) == Int(4));
  CHECK(h.Run({"ZSCORE", "z", "a"}) == Bulk("0.10000000000000001"));
  CHECK(h.Run({"ZSCORE", "z", "b"}) == Bulk("1e+100"));
  CHECK(h.Run({"ZSCORE", "z", "c"}) == Bulk("-inf"));
  CHECK(h.Run({"ZSCORE", "z", "d"}) == Bulk("0"));  // a listpack keeps -0 as the integer 0
  CHECK(h.Run({"ZINCRBY", "z", "0.2", "a"}) == Bulk("0.30000000000000004"));
  CHECK(h.Run({"ZMSCORE", "z", "a", "nope", "c"}) ==
        "*3\r\n" + Bulk("0.30000000000000004") + kNil + Bulk("-inf"));
  CHECK(h.Run({"ZMSCORE", "nokey", "a"}) == "*1\r\n" + std::string(kNil));
}

TEST_CASE("ZRANGE: rank, BYSCORE, BYLEX, REV, LIMIT and their errors", "[zset]") {
  CommandHarness h;
  h.Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"});
  CHECK(h.Run({"ZRANGE", "z", "-2", "100"}) == Bulks({"c", "d"}));
  CHECK(h.Run({"ZRANGE", "z", "2", "1"}) == kEmpty);
  CHECK(h.Run({"ZRANGE", "z", "0", "1", "REV"}) == Bulks({"d", "c"}));
  CHECK(h.Run({"ZRANGE", "z", "(1", "+inf", "BYSCORE", "LIMIT", "1", "1", "WITHSCORES"}) ==
        Bulks({"c", "3"}));
  CHECK(h.Run({"ZRANGE", "z", "+inf", "(1", "BYSCORE", "REV"}) == Bulks({"d", "c", "b"}));
  CHECK(h.Run({"ZRANGE", "z", "[b", "(d", "BYLEX"}) == Bulks({"b", "c"}));
  CHECK(h.Run({"ZRANGE", "z", "0", "1", "LIMIT", "0", "1"}) ==
        Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
            "BYLEX"));
  CHECK(h.Run({"ZRANGE", "z", "0", "1", "LIMIT", "0", "-1"}) == Bulks({"a", "b"}));
  CHECK(h.Run({"ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"}) ==
        Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
  CHECK(h.Run({"ZRANGE", "z", "0", "x"}) == kNotInt);
  CHECK(h.Run({"ZRANGE", "z", "a", "1", "BYSCORE"}) == Err("ERR min or max is not a float"));
  CHECK(h.Run({"ZRANGE", "z", "a", "+", "BYLEX"}) ==
        Err("ERR min or max not valid string range item"));
  CHECK(h.Run({"ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"}) == kSyntax);
  CHECK(h.Run({"ZRANGE", "nokey", "0", "1"}) == kEmpty);
  CHECK(h.Run({"ZRANGEBYSCORE", "z", "-inf", "+inf", "REV"}) == kSyntax);
  CHECK(h.Run({"ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES", "LIMIT", "0", "2"}) ==
        Bulks({"d", "4", "c", "3"}));
  CHECK(h.Run({"ZRANGEBYLEX", "z", "-", "+", "LIMIT", "1", "-1"}) == Bulks({"b", "c", "d"}));
  CHECK(h.Run({"ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"}) == kEmpty);
  CHECK(h.Run({"ZREVRANGEBYLEX", "z", "+", "[c"}) == Bulks({"d", "c"}));
  CHECK(h.Run({"ZREVRANGE", "z", "0", "0", "WITHSCORES"}) == Bulks({"d", "4"}));
}

TEST_CASE("ZCOUNT, ZLEXCOUNT, ZRANK, ZREVRANK, ZCARD", "[zset]") {
  CommandHarness h;
  h.Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  CHECK(h.Run({"ZCOUNT", "z", "(1", "3"}) == Int(2));
  CHECK(h.Run({"ZCOUNT", "z", "a", "b"}) == Err("ERR min or max is not a float"));
  CHECK(h.Run({"ZCOUNT", "nokey", "a", "b"}) == Err("ERR min or max is not a float"));
  CHECK(h.Run({"ZLEXCOUNT", "z", "(a", "+"}) == Int(2));
  CHECK(h.Run({"ZLEXCOUNT", "z", "x", "y"}) == Err("ERR min or max not valid string range item"));
  CHECK(h.Run({"ZRANK", "z", "c"}) == Int(2));
  CHECK(h.Run({"ZREVRANK", "z", "c"}) == Int(0));
  CHECK(h.Run({"ZRANK", "z", "nope"}) == kNil);
  CHECK(h.Run({"ZRANK", "nokey", "a"}) == kNil);
  CHECK(h.Run({"ZCARD", "z"}) == Int(3));
  CHECK(h.Run({"ZCARD", "nokey"}) == Int(0));
  h.Run({"SET", "s", "x"});
  CHECK(h.Run({"ZCARD", "s"}) == kWrongType);
  CHECK(h.Run({"ZADD", "s", "1", "a"}) == kWrongType);
}

TEST_CASE("ZREM and ZREMRANGEBY* delete the key when it empties", "[zset]") {
  CommandHarness h;
  h.Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  const uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"ZREM", "z", "a", "nope"}) == Int(1));
  CHECK(h.ks().dirty == dirty + 1);
  CHECK(h.Run({"ZREMRANGEBYSCORE", "z", "-inf", "(3"}) == Int(1));
  CHECK(h.Run({"ZREMRANGEBYRANK", "z", "x", "1"}) == kNotInt);
  CHECK(h.Run({"ZREMRANGEBYRANK", "z", "-1", "-1"}) == Int(1));
  CHECK(h.Run({"ZREMRANGEBYLEX", "z", "[c", "[d"}) == Int(2));
  CHECK(h.Run({"EXISTS", "z"}) == Int(0));
  CHECK(h.Run({"ZREM", "z", "a"}) == Int(0));
}

TEST_CASE("ZPOPMIN, ZPOPMAX and ZMPOP reply shapes", "[zset]") {
  CommandHarness h;
  h.Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  CHECK(h.Run({"ZPOPMIN", "z"}) == Bulks({"a", "1"}));
  CHECK(h.Run({"ZPOPMIN", "z", "0"}) == kEmpty);
  CHECK(h.Run({"ZPOPMIN", "z", "-1"}) == Err("ERR value is out of range, must be positive"));
  CHECK(h.Run({"ZPOPMIN", "z", "abc"}) == Err("ERR value is out of range, must be positive"));
  CHECK(h.Run({"ZPOPMIN", "z", "1", "2"}) == kSyntax);
  CHECK(h.Run({"ZPOPMAX", "z", "5"}) == Bulks({"c", "3", "b", "2"}));
  CHECK(h.Run({"EXISTS", "z"}) == Int(0));
  CHECK(h.Run({"ZPOPMIN", "z"}) == kEmpty);
  h.Run({"ZADD", "z2", "1", "a", "2", "b"});
  CHECK(h.Run({"ZMPOP", "2", "nokey", "z2", "MAX", "COUNT", "1"}) ==
        Arr({Bulk("z2"), Arr({Bulks({"b", "2"})})}));
  CHECK(h.Run({"ZMPOP", "1", "nokey", "MIN"}) == kNullArray);
  CHECK(h.Run({"ZMPOP", "0", "z2", "MIN"}) == Err("ERR numkeys should be greater than 0"));
  CHECK(h.Run({"ZMPOP", "abc", "z2", "MIN"}) == Err("ERR numkeys should be greater than 0"));
  CHECK(h.Run({"ZMPOP", "3", "z2", "MIN"}) == kSyntax);
  CHECK(h.Run({"ZMPOP", "1", "z2", "MIN", "COUNT", "0"}) ==
        Err("ERR count should be greater than 0"));
  CHECK(h.Run({"ZMPOP", "1", "z2", "MIN", "COUNT", "1", "COUNT", "1"}) == kSyntax);
  CHECK(h.Run({"ZMPOP", "1", "z2", "LEFT"}) == kSyntax);
}

// Runs a blocking command with may_block set, as the server does for a client outside MULTI.
std::string RunBlocking(CommandHarness& h, std::vector<std::string_view> args,
                        std::optional<BlockRequest>* block) {
  std::string out;
  formats::ReplyWriter reply(&out);
  h.ks().UpdateTime();
  CommandContext ctx;
  ctx.ks = &h.ks();
  ctx.db = &h.ks().db(0);
  ctx.args = args;
  ctx.reply = &reply;
  ctx.cmd = h.table().Find(args[0]);
  ctx.session = &h.session();
  ctx.may_block = true;
  ctx.cmd->handler(ctx);
  *block = ctx.block;
  return out;
}

TEST_CASE("BZPOPMIN and BZMPOP serve at once, block, or reply nil when they may not block",
          "[zset]") {
  CommandHarness h;
  h.Run({"ZADD", "z", "1", "a", "2", "b"});
  CHECK(h.Run({"BZPOPMIN", "nokey", "z", "0"}) == Bulks({"z", "a", "1"}));
  CHECK(h.Run({"BZPOPMAX", "nokey", "0.01"}) == kNullArray);
  CHECK(h.Run({"BZPOPMIN", "z", "nope"}) == Err("ERR timeout is not a float or out of range"));
  CHECK(h.Run({"BZPOPMIN", "z", "-1"}) == Err("ERR timeout is negative"));
  CHECK(h.Run({"BZMPOP", "0", "2", "nokey", "z", "MIN"}) ==
        Arr({Bulk("z"), Arr({Bulks({"b", "2"})})}));
  std::optional<BlockRequest> block;
  CHECK(RunBlocking(h, {"BZPOPMIN", "k1", "k2", "0"}, &block).empty());
  REQUIRE(block.has_value());
  CHECK(block->keys == std::vector<std::string>{"k1", "k2"});
  CHECK(block->type == ObjType::kZSet);
  CHECK(block->deadline_ms == 0);
  CHECK(block->null_array);
  block.reset();
  CHECK(RunBlocking(h, {"BZMPOP", "0", "1", "k3", "MAX", "COUNT", "2"}, &block).empty());
  REQUIRE(block.has_value());
  CHECK(block->keys == std::vector<std::string>{"k3"});
  h.Run({"SET", "s", "x"});
  CHECK(RunBlocking(h, {"BZPOPMIN", "s", "0"}, &block) == kWrongType);
}

TEST_CASE("ZRANGESTORE and ZUNIONSTORE pick the destination's encoding as redis does", "[zset]") {
  CommandHarness h;
  std::vector<std::string> args = {"ZADD", "big"};
  for (int i = 0; i < 200; i++) {
    args.push_back(std::to_string(i));
    args.push_back("m" + std::to_string(i));
  }
  std::vector<std::string_view> views(args.begin(), args.end());
  CHECK(h.Run(views) == Int(200));
  CHECK(EncodingOf(h, "big") == "skiplist");
  CHECK(h.Run({"ZRANGESTORE", "d", "big", "0", "9"}) == Int(10));
  CHECK(EncodingOf(h, "d") == "listpack");
  CHECK(h.Run({"ZRANGESTORE", "d", "big", "0", "149"}) == Int(150));
  CHECK(EncodingOf(h, "d") == "skiplist");
  CHECK(h.Run({"ZRANGESTORE", "d", "big", "(5", "8", "BYSCORE"}) == Int(3));
  CHECK(EncodingOf(h, "d") == "listpack");
  CHECK(h.Run({"ZRANGESTORE", "d", "big", "5", "1"}) == Int(0));
  CHECK(h.Run({"EXISTS", "d"}) == Int(0));
  CHECK(h.Run({"ZRANGESTORE", "d", "big", "0", "-1", "WITHSCORES"}) == kSyntax);
  // A union stored from two skiplists shrinks back to a listpack when it fits.
  CHECK(h.Run({"ZINTERSTORE", "i", "2", "big", "big"}) == Int(200));
  CHECK(EncodingOf(h, "i") == "skiplist");
  CHECK(h.Run({"ZREMRANGEBYRANK", "i", "10", "-1"}) == Int(190));
  CHECK(EncodingOf(h, "i") == "skiplist");  // removals never convert back
  CHECK(h.Run({"ZUNIONSTORE", "u", "1", "i"}) == Int(10));
  CHECK(EncodingOf(h, "u") == "listpack");
}

TEST_CASE("ZUNION, ZINTER, ZDIFF with WEIGHTS and AGGREGATE", "[zset]") {
  CommandHarness h;
  h.Run({"ZADD", "a", "1", "x", "2", "y", "3", "z"});
  h.Run({"ZADD", "b", "10", "y", "20", "z", "30", "w"});
  CHECK(h.Run({"ZUNION", "2", "a", "b", "WITHSCORES"}) ==
        Bulks({"x", "1", "y", "12", "z", "23", "w", "30"}));
  CHECK(h.Run({"ZINTER", "2", "a", "b", "WEIGHTS", "2", "0.5", "AGGREGATE", "MAX", "WITHSCORES"}) ==
        Bulks({"y", "5", "z", "10"}));
  CHECK(h.Run({"ZINTER", "2", "a", "b", "AGGREGATE", "MIN"}) == Bulks({"y", "z"}));
  CHECK(h.Run({"ZDIFF", "2", "a", "b", "WITHSCORES"}) == Bulks({"x", "1"}));
  CHECK(h.Run({"ZDIFF", "2", "a", "a"}) == kEmpty);
  CHECK(h.Run({"ZDIFF", "2", "a", "b", "WEIGHTS", "1", "1"}) == kSyntax);
  CHECK(h.Run({"ZINTERCARD", "2", "a", "b"}) == Int(2));
  CHECK(h.Run({"ZINTERCARD", "2", "a", "b", "LIMIT", "1"}) == Int(1));
  CHECK(h.Run({"ZINTERCARD", "2", "a", "b", "LIMIT", "-1"}) == Err("ERR LIMIT can't be negative"));
  CHECK(h.Run({"ZINTERCARD", "2", "a", "b", "WITHSCORES"}) == kSyntax);
  CHECK(h.Run({"ZUNIONSTORE", "d", "0", "a"}) ==
        Err("ERR at least 1 input key is needed for 'zunionstore' command"));
  CHECK(h.Run({"ZUNIONSTORE", "d", "2", "a"}) == kSyntax);
  CHECK(h.Run({"ZUNIONSTORE", "d", "1", "a", "WITHSCORES"}) == kSyntax);
  CHECK(h.Run({"ZINTERSTORE", "d", "1", "a", "WEIGHTS", "x"}) ==
        Err("ERR weight value is not a float"));
  CHECK(h.Run({"ZINTER", "2", "a", "b", "AGGREGATE", "AVG"}) == kSyntax);
  h.Run({"SET", "s", "x"});
  CHECK(h.Run({"ZUNION", "2", "a", "s", "FOO"}) == kWrongType);  // keys are checked first
  CHECK(h.Run({"ZINTERSTORE", "d", "2", "a", "nokey"}) == Int(0));
  CHECK(h.Run({"ZUNIONSTORE", "d", "2", "a", "nokey"}) == Int(3));
  CHECK(h.Run({"ZDIFFSTORE", "d", "2", "a", "a"}) == Int(0));
  CHECK(h.Run({"EXISTS", "d"}) == Int(0));
  // inf + -inf sums to 0, not NaN.
  h.Run({"ZADD", "p", "inf", "m"});
  h.Run({"ZADD", "n", "-inf", "m"});
  CHECK(h.Run({"ZUNION", "2", "p", "n", "WITHSCORES"}) == Bulks({"m", "0"}));
}

TEST_CASE("ZUNION and ZINTER take plain sets as inputs scoring 1", "[zset]") {
  CommandHarness h;
  h.Run({"ZADD", "z", "5", "a", "7", "2"});
  h.Run({"SADD", "ints", "2", "3"});
  h.Run({"SADD", "strs", "a", "b"});
  CHECK(h.Run({"ZUNION", "3", "z", "ints", "strs", "WITHSCORES"}) ==
        Bulks({"3", "1", "b", "1", "a", "6", "2", "8"}));
  CHECK(h.Run({"ZINTER", "2", "z", "ints", "WITHSCORES"}) == Bulks({"2", "8"}));
  CHECK(h.Run({"ZDIFF", "2", "z", "strs", "WITHSCORES"}) == Bulks({"2", "7"}));
}

TEST_CASE("ZRANDMEMBER counts and errors", "[zset]") {
  CommandHarness h;
  CHECK(h.Run({"ZRANDMEMBER", "nokey"}) == kNil);
  CHECK(h.Run({"ZRANDMEMBER", "nokey", "3"}) == kEmpty);
  h.Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"});
  // Asking for at least the whole set returns it from the highest score down.
  CHECK(h.Run({"ZRANDMEMBER", "z", "10", "WITHSCORES"}) ==
        Bulks({"d", "4", "c", "3", "b", "2", "a", "1"}));
  CHECK(h.Run({"ZRANDMEMBER", "z", "0"}) == kEmpty);
  std::string r = h.Run({"ZRANDMEMBER", "z", "-6"});
  CHECK(r.rfind("*6\r\n", 0) == 0);
  r = h.Run({"ZRANDMEMBER", "z", "3", "WITHSCORES"});
  CHECK(r.rfind("*6\r\n", 0) == 0);
  CHECK(h.Run({"ZRANDMEMBER", "z", "1", "2"}) == kSyntax);
  CHECK(h.Run({"ZRANDMEMBER", "z", "x"}) == kNotInt);
  CHECK(h.Run({"ZRANDMEMBER", "z", "-9223372036854775808"}) ==
        Err("ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807"));
  CHECK(h.Run({"ZRANDMEMBER", "z", "-4611686018427387904", "WITHSCORES"}) ==
        Err("ERR value is out of range"));
}

TEST_CASE("ZSCAN returns a listpack whole and walks a skiplist", "[zset]") {
  CommandHarness h;
  h.Run({"ZADD", "z", "1.5", "a", "2", "b"});
  CHECK(h.Run({"ZSCAN", "z", "0"}) == Arr({Bulk("0"), Bulks({"a", "1.5", "b", "2"})}));
  CHECK(h.Run({"ZSCAN", "z", "0", "MATCH", "b*"}) == Arr({Bulk("0"), Bulks({"b", "2"})}));
  CHECK(h.Run({"ZSCAN", "nokey", "0"}) == Arr({Bulk("0"), kEmpty}));
  CHECK(h.Run({"ZSCAN", "z", "x"}) == Err("ERR invalid cursor"));
  h.ks().limits.zset_max_listpack_entries = 0;
  h.Run({"ZADD", "s", "0.1", "a", "-0", "b"});
  CHECK(EncodingOf(h, "s") == "skiplist");
  std::string r = h.Run({"ZSCAN", "s", "0", "COUNT", "100"});
  CHECK(r.find(Bulk("0.10000000000000001")) != std::string::npos);
  CHECK(r.find(Bulk("-0")) != std::string::npos);
  CHECK(h.Run({"ZSCORE", "s", "b"}) == Bulk("-0"));
}

// Counts the pairs of a ZSCAN reply and returns its cursor.
std::string ScanPage(CommandHarness& h, std::string_view cursor, size_t* pairs) {
  ScanReply page = ParseScanReply(h.Run({"ZSCAN", "z", cursor, "COUNT", "10"}));
  *pairs = page.items.size() / 2;
  return page.cursor;
}

TEST_CASE("ZSCAN COUNT counts member/score pairs of a skiplist, and a full scan sees all",
          "[zset]") {
  CommandHarness h;
  for (int i = 0; i < 300; i++) h.Run({"ZADD", "z", std::to_string(i), "m" + std::to_string(i)});
  REQUIRE(EncodingOf(h, "z") == "skiplist");
  size_t pairs = 0;
  std::string cursor = ScanPage(h, "0", &pairs);
  CHECK(cursor != "0");
  CHECK(pairs >= 10);  // redis 7.0.15 returns 11 pairs here; half of that would be the bug
  CHECK(pairs < 300);
  size_t total = pairs;
  while (cursor != "0") {
    cursor = ScanPage(h, cursor, &pairs);
    total += pairs;
  }
  CHECK(total == 300);
}

TEST_CASE("ZSCAN returns every member present throughout while the table grows and rehashes",
          "[zset]") {
  CommandHarness h;
  for (int i = 0; i < 200; i++) h.Run({"ZADD", "z", std::to_string(i), "m" + std::to_string(i)});
  REQUIRE(EncodingOf(h, "z") == "skiplist");
  std::set<std::string> seen;
  std::string cursor = "0";
  int added = 0;
  do {
    ScanReply page = ParseScanReply(h.Run({"ZSCAN", "z", cursor, "COUNT", "5"}));
    cursor = page.cursor;
    for (size_t i = 0; i < page.items.size(); i += 2) seen.insert(page.items[i]);  // members
    // Grow the table between calls, so the scan runs across resizes and rehashing.
    for (int j = 0; j < 40; j++, added++) {
      h.Run({"ZADD", "z", "0", "new" + std::to_string(added)});
    }
  } while (cursor != "0");
  for (int i = 0; i < 200; i++) CHECK(seen.count("m" + std::to_string(i)) == 1);
}

TEST_CASE("ZADD creates a skiplist at once for a long first member", "[zset]") {
  CommandHarness h;
  const std::string long_member(65, 'x');
  CHECK(h.Run({"ZADD", "z", "1", long_member}) == Int(1));
  CHECK(EncodingOf(h, "z") == "skiplist");
  CHECK(h.Run({"ZADD", "y", "1", "a", "2", long_member}) == Int(2));
  CHECK(EncodingOf(h, "y") == "skiplist");
  CHECK(h.Run({"ZADD", "w", "1", "a"}) == Int(1));
  CHECK(EncodingOf(h, "w") == "listpack");
}

}  // namespace
}  // namespace keel::engine
