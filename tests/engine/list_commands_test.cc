// The list command family against replies recorded from redis-server 7.0.15.
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/list_object.h"
#include "tests/engine/command_harness.h"

namespace keel::engine {
namespace {

using testing::Arr;
using testing::Bulk;
using testing::Bulks;
using testing::CommandHarness;
using testing::Err;
using testing::Int;
using testing::kNil;
using testing::kOk;

const char* kNullArray = "*-1\r\n";
const char* kEmpty = "*0\r\n";
const std::string kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

// Runs a command with may_block set, as the server does outside MULTI.
struct BlockingRun {
  std::string reply;
  std::optional<BlockRequest> block;
};
BlockingRun RunMayBlock(CommandHarness& h, std::vector<std::string_view> args) {
  BlockingRun r;
  formats::ReplyWriter reply(&r.reply);
  CommandContext ctx;
  ctx.ks = &h.ks();
  ctx.db = &h.ks().db(0);
  ctx.args = args;
  ctx.reply = &reply;
  ctx.cmd = h.table().Find(args[0]);
  ctx.session = &h.session();
  ctx.may_block = true;
  h.ks().UpdateTime();
  ctx.cmd->handler(ctx);
  r.block = std::move(ctx.block);
  return r;
}

TEST_CASE("LPUSH RPUSH build lists and count dirty", "[list]") {
  CommandHarness h;
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"rpush", "l", "a", "b", "c"}) == Int(3));
  CHECK(h.Run({"lpush", "l", "x", "y"}) == Int(5));
  CHECK(h.ks().dirty == dirty + 5);
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == Bulks({"y", "x", "a", "b", "c"}));
  CHECK(h.Run({"type", "l"}) == "+list\r\n");
  CHECK(h.Run({"object", "encoding", "l"}) == Bulk("quicklist"));
  CHECK(h.Run({"set", "s", "v"}) == kOk);
  CHECK(h.Run({"lpush", "s", "a"}) == kWrongType);
  CHECK(h.Run({"lpush", "l"}) == Err("ERR wrong number of arguments for 'lpush' command"));
}

TEST_CASE("LPUSHX RPUSHX only push to existing lists", "[list]") {
  CommandHarness h;
  CHECK(h.Run({"lpushx", "l", "a"}) == Int(0));
  CHECK(h.Run({"exists", "l"}) == Int(0));
  h.Run({"rpush", "l", "m"});
  CHECK(h.Run({"lpushx", "l", "a", "b"}) == Int(3));
  CHECK(h.Run({"rpushx", "l", "z"}) == Int(4));
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == Bulks({"b", "a", "m", "z"}));
  h.Run({"set", "s", "v"});
  CHECK(h.Run({"rpushx", "s", "a"}) == kWrongType);
}

TEST_CASE("LPOP RPOP with and without count", "[list]") {
  CommandHarness h;
  h.Run({"rpush", "l", "1", "2", "3", "4", "5"});
  CHECK(h.Run({"lpop", "l"}) == Bulk("1"));
  CHECK(h.Run({"rpop", "l"}) == Bulk("5"));
  CHECK(h.Run({"lpop", "l", "0"}) == kEmpty);
  CHECK(h.Run({"rpop", "l", "2"}) == Bulks({"4", "3"}));
  CHECK(h.Run({"lpop", "l", "10"}) == Bulks({"2"}));
  CHECK(h.Run({"exists", "l"}) == Int(0));
  // A missing key: nil, or a null array once a count is given (even 0).
  CHECK(h.Run({"lpop", "l"}) == kNil);
  CHECK(h.Run({"lpop", "l", "1"}) == kNullArray);
  CHECK(h.Run({"lpop", "l", "0"}) == kNullArray);
  // The count is checked before the key.
  CHECK(h.Run({"lpop", "l", "-1"}) == Err("ERR value is out of range, must be positive"));
  CHECK(h.Run({"rpop", "l", "abc"}) == Err("ERR value is out of range, must be positive"));
  CHECK(h.Run({"lpop", "l", "1", "2"}) == Err("ERR wrong number of arguments for 'lpop' command"));
  h.Run({"set", "s", "v"});
  CHECK(h.Run({"lpop", "s"}) == kWrongType);
  CHECK(h.Run({"lpop", "s", "0"}) == kWrongType);
}

TEST_CASE("LLEN LINDEX", "[list]") {
  CommandHarness h;
  CHECK(h.Run({"llen", "l"}) == Int(0));
  h.Run({"rpush", "l", "a", "b", "12"});
  CHECK(h.Run({"llen", "l"}) == Int(3));
  CHECK(h.Run({"lindex", "l", "0"}) == Bulk("a"));
  CHECK(h.Run({"lindex", "l", "-1"}) == Bulk("12"));
  CHECK(h.Run({"lindex", "l", "3"}) == kNil);
  CHECK(h.Run({"lindex", "l", "-9223372036854775808"}) == kNil);
  CHECK(h.Run({"lindex", "l", "9223372036854775807"}) == kNil);
  CHECK(h.Run({"lindex", "l", "9223372036854775808"}) ==
        Err("ERR value is not an integer or out of range"));
  // A missing key is nil before the index is parsed.
  CHECK(h.Run({"lindex", "nokey", "abc"}) == kNil);
  h.Run({"set", "s", "v"});
  CHECK(h.Run({"llen", "s"}) == kWrongType);
  CHECK(h.Run({"lindex", "s", "abc"}) == kWrongType);
}

TEST_CASE("LRANGE clamps its indexes", "[list]") {
  CommandHarness h;
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == kEmpty);
  h.Run({"rpush", "l", "a", "b", "c", "d"});
  CHECK(h.Run({"lrange", "l", "1", "2"}) == Bulks({"b", "c"}));
  CHECK(h.Run({"lrange", "l", "-100", "100"}) == Bulks({"a", "b", "c", "d"}));
  CHECK(h.Run({"lrange", "l", "-9223372036854775808", "9223372036854775807"}) ==
        Bulks({"a", "b", "c", "d"}));
  CHECK(h.Run({"lrange", "l", "3", "1"}) == kEmpty);
  CHECK(h.Run({"lrange", "l", "4", "10"}) == kEmpty);
  CHECK(h.Run({"lrange", "l", "-1", "-2"}) == kEmpty);
  CHECK(h.Run({"lrange", "l", "a", "1"}) == Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"lrange", "nokey", "0", "x"}) == Err("ERR value is not an integer or out of range"));
  h.Run({"set", "s", "v"});
  CHECK(h.Run({"lrange", "s", "0", "1"}) == kWrongType);
}

TEST_CASE("LSET", "[list]") {
  CommandHarness h;
  CHECK(h.Run({"lset", "l", "0", "x"}) == Err("ERR no such key"));
  CHECK(h.Run({"lset", "l", "abc", "x"}) == Err("ERR no such key"));
  h.Run({"rpush", "l", "a", "b", "c"});
  CHECK(h.Run({"lset", "l", "1", "B"}) == kOk);
  CHECK(h.Run({"lset", "l", "-1", "C"}) == kOk);
  CHECK(h.Run({"lset", "l", "3", "x"}) == Err("ERR index out of range"));
  CHECK(h.Run({"lset", "l", "-4", "x"}) == Err("ERR index out of range"));
  CHECK(h.Run({"lset", "l", "abc", "x"}) == Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == Bulks({"a", "B", "C"}));
  h.Run({"set", "s", "v"});
  CHECK(h.Run({"lset", "s", "0", "x"}) == kWrongType);
}

TEST_CASE("LINSERT", "[list]") {
  CommandHarness h;
  CHECK(h.Run({"linsert", "l", "before", "a", "x"}) == Int(0));
  CHECK(h.Run({"linsert", "l", "middle", "a", "x"}) == Err("ERR syntax error"));
  h.Run({"rpush", "l", "a", "b", "a"});
  CHECK(h.Run({"linsert", "l", "BEFORE", "a", "x"}) == Int(4));
  CHECK(h.Run({"linsert", "l", "after", "b", "y"}) == Int(5));
  CHECK(h.Run({"linsert", "l", "after", "zz", "y"}) == Int(-1));
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == Bulks({"x", "a", "b", "y", "a"}));
  h.Run({"set", "s", "v"});
  CHECK(h.Run({"linsert", "s", "after", "a", "b"}) == kWrongType);
  CHECK(h.Run({"linsert", "s", "between", "a", "b"}) == Err("ERR syntax error"));
}

TEST_CASE("LREM from the head, the tail, or everywhere", "[list]") {
  CommandHarness h;
  CHECK(h.Run({"lrem", "l", "1", "a"}) == Int(0));
  h.Run({"rpush", "l", "a", "b", "a", "c", "a", "1"});
  CHECK(h.Run({"lrem", "l", "1", "a"}) == Int(1));
  CHECK(h.Run({"lrem", "l", "-1", "a"}) == Int(1));
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == Bulks({"b", "a", "c", "1"}));
  CHECK(h.Run({"lrem", "l", "0", "1"}) == Int(1));
  CHECK(h.Run({"lrem", "l", "0", "zz"}) == Int(0));
  // Redis negates the count in a long: LONG_MIN stays negative and removes every match.
  h.Run({"rpush", "l", "a", "a"});
  CHECK(h.Run({"lrem", "l", "-9223372036854775808", "a"}) == Int(3));
  CHECK(h.Run({"lrem", "l", "x", "a"}) == Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"lrem", "l", "0", "b"}) == Int(1));
  CHECK(h.Run({"lrem", "l", "0", "c"}) == Int(1));
  CHECK(h.Run({"exists", "l"}) == Int(0));
  h.Run({"set", "s", "v"});
  CHECK(h.Run({"lrem", "s", "0", "v"}) == kWrongType);
}

TEST_CASE("LTRIM", "[list]") {
  CommandHarness h;
  CHECK(h.Run({"ltrim", "l", "0", "1"}) == kOk);
  CHECK(h.Run({"ltrim", "l", "a", "1"}) == Err("ERR value is not an integer or out of range"));
  h.Run({"rpush", "l", "a", "b", "c", "d", "e"});
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"ltrim", "l", "1", "-2"}) == kOk);
  CHECK(h.ks().dirty == dirty + 2);
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == Bulks({"b", "c", "d"}));
  CHECK(h.Run({"ltrim", "l", "0", "100"}) == kOk);
  CHECK(h.Run({"llen", "l"}) == Int(3));
  CHECK(h.Run({"ltrim", "l", "9223372036854775807", "-9223372036854775808"}) == kOk);
  CHECK(h.Run({"exists", "l"}) == Int(0));
  h.Run({"set", "s", "v"});
  CHECK(h.Run({"ltrim", "s", "0", "1"}) == kWrongType);
}

TEST_CASE("LPOS options and errors", "[list]") {
  CommandHarness h;
  CHECK(h.Run({"lpos", "l", "a"}) == kNil);
  CHECK(h.Run({"lpos", "l", "a", "COUNT", "0"}) == kEmpty);
  h.Run({"rpush", "l", "a", "b", "c", "1", "2", "a"});
  CHECK(h.Run({"lpos", "l", "a"}) == Int(0));
  CHECK(h.Run({"lpos", "l", "z"}) == kNil);
  CHECK(h.Run({"lpos", "l", "a", "RANK", "2"}) == Int(5));
  CHECK(h.Run({"lpos", "l", "a", "RANK", "-1"}) == Int(5));
  CHECK(h.Run({"lpos", "l", "a", "RANK", "3"}) == kNil);
  CHECK(h.Run({"lpos", "l", "a", "RANK", "-9223372036854775808"}) == Int(5));
  CHECK(h.Run({"lpos", "l", "a", "COUNT", "0"}) == Arr({Int(0), Int(5)}));
  CHECK(h.Run({"lpos", "l", "a", "COUNT", "0", "RANK", "-1"}) == Arr({Int(5), Int(0)}));
  CHECK(h.Run({"lpos", "l", "a", "COUNT", "1", "RANK", "2"}) == Arr({Int(5)}));
  CHECK(h.Run({"lpos", "l", "a", "COUNT", "0", "MAXLEN", "2"}) == Arr({Int(0)}));
  CHECK(h.Run({"lpos", "l", "a", "COUNT", "9223372036854775807"}) == Arr({Int(0), Int(5)}));
  CHECK(h.Run({"lpos", "l", "1"}) == Int(3));
  CHECK(h.Run({"lpos", "l", "a", "RANK", "0"}) ==
        Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list"));
  CHECK(h.Run({"lpos", "l", "a", "RANK", "x"}) ==
        Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"lpos", "l", "a", "COUNT", "-1"}) == Err("ERR COUNT can't be negative"));
  CHECK(h.Run({"lpos", "l", "a", "COUNT", "x"}) == Err("ERR COUNT can't be negative"));
  CHECK(h.Run({"lpos", "l", "a", "MAXLEN", "-1"}) == Err("ERR MAXLEN can't be negative"));
  CHECK(h.Run({"lpos", "l", "a", "RANK"}) == Err("ERR syntax error"));
  CHECK(h.Run({"lpos", "l", "a", "FOO", "1"}) == Err("ERR syntax error"));
  // Options are parsed before the key is looked up.
  h.Run({"set", "s", "v"});
  CHECK(h.Run({"lpos", "s", "a", "RANK", "0"}).starts_with("-ERR RANK"));
  CHECK(h.Run({"lpos", "s", "a"}) == kWrongType);
}

TEST_CASE("LMOVE RPOPLPUSH", "[list]") {
  CommandHarness h;
  CHECK(h.Run({"lmove", "src", "dst", "left", "right"}) == kNil);
  CHECK(h.Run({"lmove", "src", "dst", "up", "right"}) == Err("ERR syntax error"));
  h.Run({"rpush", "src", "a", "b", "c"});
  CHECK(h.Run({"lmove", "src", "dst", "LEFT", "RIGHT"}) == Bulk("a"));
  CHECK(h.Run({"lmove", "src", "dst", "right", "left"}) == Bulk("c"));
  CHECK(h.Run({"lrange", "dst", "0", "-1"}) == Bulks({"c", "a"}));
  CHECK(h.Run({"rpoplpush", "src", "dst"}) == Bulk("b"));
  CHECK(h.Run({"exists", "src"}) == Int(0));
  CHECK(h.Run({"lrange", "dst", "0", "-1"}) == Bulks({"b", "c", "a"}));
  // The same list rotates.
  CHECK(h.Run({"rpoplpush", "dst", "dst"}) == Bulk("a"));
  CHECK(h.Run({"lrange", "dst", "0", "-1"}) == Bulks({"a", "b", "c"}));
  h.Run({"set", "s", "v"});
  CHECK(h.Run({"lmove", "dst", "s", "left", "left"}) == kWrongType);
  CHECK(h.Run({"llen", "dst"}) == Int(3));  // nothing was popped
  CHECK(h.Run({"rpoplpush", "s", "dst"}) == kWrongType);
  CHECK(h.Run({"rpoplpush", "missing", "s"}) == kNil);
}

TEST_CASE("LMPOP", "[list]") {
  CommandHarness h;
  CHECK(h.Run({"lmpop", "2", "a", "b", "LEFT"}) == kNullArray);
  h.Run({"rpush", "b", "1", "2", "3"});
  CHECK(h.Run({"lmpop", "2", "a", "b", "LEFT"}) == Arr({Bulk("b"), Bulks({"1"})}));
  CHECK(h.Run({"lmpop", "2", "a", "b", "right", "COUNT", "5"}) ==
        Arr({Bulk("b"), Bulks({"3", "2"})}));
  CHECK(h.Run({"exists", "b"}) == Int(0));
  CHECK(h.Run({"lmpop", "0", "a", "LEFT"}) == Err("ERR numkeys should be greater than 0"));
  CHECK(h.Run({"lmpop", "-1", "a", "LEFT"}) == Err("ERR numkeys should be greater than 0"));
  CHECK(h.Run({"lmpop", "x", "a", "LEFT"}) == Err("ERR numkeys should be greater than 0"));
  CHECK(h.Run({"lmpop", "5", "a", "LEFT"}) == Err("ERR syntax error"));
  CHECK(h.Run({"lmpop", "9223372036854775807", "a", "LEFT"}) == Err("ERR syntax error"));
  CHECK(h.Run({"lmpop", "1", "a", "MIDDLE"}) == Err("ERR syntax error"));
  CHECK(h.Run({"lmpop", "1", "a", "LEFT", "COUNT", "0"}) ==
        Err("ERR count should be greater than 0"));
  CHECK(h.Run({"lmpop", "1", "a", "LEFT", "COUNT", "x"}) ==
        Err("ERR count should be greater than 0"));
  CHECK(h.Run({"lmpop", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"}) == Err("ERR syntax error"));
  CHECK(h.Run({"lmpop", "1", "a", "LEFT", "COUNT"}) == Err("ERR syntax error"));
  h.Run({"set", "s", "v"});
  h.Run({"rpush", "z", "1"});
  CHECK(h.Run({"lmpop", "2", "s", "z", "LEFT"}) == kWrongType);
  CHECK(h.Run({"lmpop", "2", "z", "s", "LEFT"}) == Arr({Bulk("z"), Bulks({"1"})}));
}

TEST_CASE("blocking pops serve at once when they can", "[list]") {
  CommandHarness h;
  h.Run({"rpush", "b", "1", "2"});
  CHECK(h.Run({"blpop", "a", "b", "0"}) == Bulks({"b", "1"}));
  CHECK(h.Run({"brpop", "a", "b", "0.5"}) == Bulks({"b", "2"}));
  CHECK(h.Run({"exists", "b"}) == Int(0));
  h.Run({"rpush", "src", "x", "y"});
  CHECK(h.Run({"blmove", "src", "dst", "right", "left", "0"}) == Bulk("y"));
  CHECK(h.Run({"brpoplpush", "src", "dst", "0"}) == Bulk("x"));
  CHECK(h.Run({"lrange", "dst", "0", "-1"}) == Bulks({"x", "y"}));
  CHECK(h.Run({"blmpop", "0", "1", "dst", "RIGHT", "COUNT", "2"}) ==
        Arr({Bulk("dst"), Bulks({"y", "x"})}));
}

TEST_CASE("blocking commands reply the timeout null when they may not block", "[list]") {
  CommandHarness h;  // the harness runs as MULTI does: may_block is false
  CHECK(h.Run({"blpop", "a", "0"}) == kNullArray);
  CHECK(h.Run({"brpop", "a", "b", "1"}) == kNullArray);
  CHECK(h.Run({"blmpop", "0", "1", "a", "LEFT"}) == kNullArray);
  CHECK(h.Run({"blmove", "a", "b", "left", "left", "0"}) == kNil);
  CHECK(h.Run({"brpoplpush", "a", "b", "0"}) == kNil);
}

TEST_CASE("blocking commands file a block request and reply nothing", "[list]") {
  CommandHarness h;
  h.clock().SetMs(1000000);
  BlockingRun r = RunMayBlock(h, {"blpop", "a", "b", "a", "1.5"});
  CHECK(r.reply.empty());
  REQUIRE(r.block.has_value());
  CHECK(r.block->keys == std::vector<std::string>{"a", "b", "a"});
  CHECK(r.block->type == ObjType::kList);
  CHECK(r.block->deadline_ms == 1001500);
  CHECK(r.block->null_array);

  r = RunMayBlock(h, {"blmove", "a", "b", "left", "right", "0"});
  CHECK(r.reply.empty());
  REQUIRE(r.block.has_value());
  CHECK(r.block->keys == std::vector<std::string>{"a"});
  CHECK(r.block->deadline_ms == 0);
  // Redis times BLMOVE out with a null array too (only MULTI gets a null bulk).
  CHECK(r.block->null_array);

  r = RunMayBlock(h, {"blmpop", "2", "2", "x", "y", "RIGHT"});
  REQUIRE(r.block.has_value());
  CHECK(r.block->keys == std::vector<std::string>{"x", "y"});

  // BLMOVE blocks on its source even when the destination has the wrong type.
  h.Run({"set", "s", "v"});
  r = RunMayBlock(h, {"brpoplpush", "a", "s", "0"});
  CHECK(r.block.has_value());
  // A wrong type met before any list is an error, not a block.
  r = RunMayBlock(h, {"blpop", "s", "a", "0"});
  CHECK(r.reply == kWrongType);
  CHECK_FALSE(r.block.has_value());
}

TEST_CASE("blocking commands' argument errors", "[list]") {
  CommandHarness h;
  CHECK(h.Run({"blpop", "a", "-1"}) == Err("ERR timeout is negative"));
  CHECK(h.Run({"blpop", "a", "x"}) == Err("ERR timeout is not a float or out of range"));
  CHECK(h.Run({"blmove", "a", "b", "up", "left", "x"}) == Err("ERR syntax error"));
  CHECK(h.Run({"blmove", "a", "b", "left", "left", "x"}) ==
        Err("ERR timeout is not a float or out of range"));
  CHECK(h.Run({"brpoplpush", "a", "b", "-2"}) == Err("ERR timeout is negative"));
  // BLMPOP checks numkeys, the end and COUNT before the timeout.
  CHECK(h.Run({"blmpop", "x", "0", "a", "LEFT"}) == Err("ERR numkeys should be greater than 0"));
  CHECK(h.Run({"blmpop", "x", "1", "a", "MIDDLE"}) == Err("ERR syntax error"));
  CHECK(h.Run({"blmpop", "x", "1", "a", "LEFT", "COUNT", "0"}) ==
        Err("ERR count should be greater than 0"));
  CHECK(h.Run({"blmpop", "x", "1", "a", "LEFT"}) ==
        Err("ERR timeout is not a float or out of range"));
  CHECK(h.Run({"blmpop", "-1", "1", "a", "LEFT"}) == Err("ERR timeout is negative"));
}

TEST_CASE("list commands keep the list-max-listpack-size of creation time", "[list]") {
  CommandHarness h;
  h.ks().limits.list_max_listpack_size = 2;
  h.Run({"rpush", "l", "a", "b", "c", "d", "e"});
  h.ks().limits.list_max_listpack_size = -2;
  h.Run({"rpush", "l", "f"});
  Entry* e = h.ks().db(0).Find("l");
  REQUIRE(e != nullptr);
  CHECK(e->As<ListObject>()->node_count() == 3);
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == Bulks({"a", "b", "c", "d", "e", "f"}));
}

TEST_CASE("COPY duplicates a list", "[list]") {
  CommandHarness h;
  h.Run({"rpush", "l", "a", "1", "b"});
  CHECK(h.Run({"copy", "l", "m"}) == Int(1));
  h.Run({"rpop", "l"});
  CHECK(h.Run({"lrange", "m", "0", "-1"}) == Bulks({"a", "1", "b"}));
}

}  // namespace
}  // namespace keel::engine
