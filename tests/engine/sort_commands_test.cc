// SORT and SORT_RO through the command table: numeric and ALPHA order, BY and GET patterns
// (strings and hash fields), LIMIT clamping, the unsorted orders of BY nosort, STORE, and the
// errors. Expectations were checked against a real redis-server 7.0.15.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

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

const std::string kNotDouble = Err("ERR One or more scores can't be converted into double");

TEST_CASE("SORT orders numbers as doubles, ties by bytes", "[sort]") {
  CommandHarness h;
  h.Run({"RPUSH", "l", "3", "1", "2", "10", "-5", "2.5", "1e3", "007", ""});
  // An empty string reads as 0; "007" and 7 are not equal bytes but order as numbers.
  CHECK(h.Run({"SORT", "l"}) == Bulks({"-5", "", "1", "2", "2.5", "3", "007", "10", "1e3"}));
  CHECK(h.Run({"SORT", "l", "DESC", "LIMIT", "0", "3"}) == Bulks({"1e3", "10", "007"}));
  h.Run({"RPUSH", "bad", "1", "x"});
  CHECK(h.Run({"SORT", "bad"}) == kNotDouble);
  h.Run({"RPUSH", "nan", "nan"});
  CHECK(h.Run({"SORT", "nan"}) == kNotDouble);
  h.Run({"RPUSH", "big", "1e400"});
  CHECK(h.Run({"SORT", "big"}) == kNotDouble);
}

TEST_CASE("SORT ALPHA collates, STORE compares bytes", "[sort]") {
  CommandHarness h;
  h.Run({"RPUSH", "w", "banana", "Apple", "cherry", "apple"});
  CHECK(h.Run({"SORT", "w"}) == kNotDouble);
  CHECK(h.Run({"SORT", "w", "ALPHA"}) == Bulks({"Apple", "apple", "banana", "cherry"}));
  CHECK(h.Run({"SORT", "w", "ALPHA", "DESC", "LIMIT", "1", "2"}) == Bulks({"banana", "apple"}));
  CHECK(h.Run({"SORT", "w", "ALPHA", "STORE", "dst"}) == Int(4));
  CHECK(h.Run({"LRANGE", "dst", "0", "-1"}) == Bulks({"Apple", "apple", "banana", "cherry"}));
}

TEST_CASE("SORT of sets and sorted sets; BY nosort keeps list and zset order", "[sort]") {
  CommandHarness h;
  h.Run({"SADD", "s", "5", "3", "9", "1"});
  CHECK(h.Run({"SORT", "s"}) == Bulks({"1", "3", "5", "9"}));
  h.Run({"ZADD", "z", "1", "30", "2", "10", "3", "20"});
  CHECK(h.Run({"OBJECT", "ENCODING", "z"}) == Bulk("listpack"));
  CHECK(h.Run({"SORT", "z"}) == Bulks({"10", "20", "30"}));
  // SORT converts a sorted set to its skiplist encoding for good, as Redis does.
  CHECK(h.Run({"OBJECT", "ENCODING", "z"}) == Bulk("skiplist"));
  CHECK(h.Run({"SORT", "z", "BY", "nosort"}) == Bulks({"30", "10", "20"}));
  CHECK(h.Run({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "1"}) == Bulks({"10"}));
  h.Run({"RPUSH", "l", "c", "a", "b", "d"});
  CHECK(h.Run({"SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "5"}) == Bulks({"b", "a", "c"}));
  CHECK(h.Run({"SORT", "l", "BY", "nosort", "LIMIT", "1", "2"}) == Bulks({"a", "b"}));
}

TEST_CASE("SORT BY and GET patterns read strings and hash fields", "[sort]") {
  CommandHarness h;
  h.Run({"RPUSH", "l", "1", "2", "3"});
  h.Run({"MSET", "w_1", "30", "w_2", "10", "o_1", "one", "o_3", "three"});
  h.Run({"HSET", "h_1", "f", "b"});
  h.Run({"HSET", "h_2", "f", "a"});
  // A missing weight sorts as 0.
  CHECK(h.Run({"SORT", "l", "BY", "w_*"}) == Bulks({"3", "2", "1"}));
  CHECK(h.Run({"SORT", "l", "BY", "h_*->f", "ALPHA"}) == Bulks({"3", "2", "1"}));
  CHECK(h.Run({"SORT", "l", "BY", "h_*->f"}) == kNotDouble);
  CHECK(h.Run({"SORT", "l", "GET", "#", "GET", "o_*", "GET", "h_*->f", "GET", "fixed"}) ==
        Arr({Bulk("1"), Bulk("one"), Bulk("b"), kNil, Bulk("2"), kNil, Bulk("a"), kNil,
             Bulk("3"), Bulk("three"), kNil, kNil}));
  // A hash where a string is expected (and the reverse) is a missing value.
  CHECK(h.Run({"SORT", "l", "GET", "h_*"}) == Arr({kNil, kNil, kNil}));
  CHECK(h.Run({"SORT", "l", "GET", "w_*->f"}) == Arr({kNil, kNil, kNil}));
  // STORE writes "" for a missing GET value.
  CHECK(h.Run({"SORT", "l", "GET", "o_*", "STORE", "dst"}) == Int(3));
  CHECK(h.Run({"LRANGE", "dst", "0", "-1"}) == Bulks({"one", "", "three"}));
}

TEST_CASE("SORT LIMIT clamps like Redis, huge values included (N14)", "[sort]") {
  CommandHarness h;
  h.Run({"RPUSH", "l", "3", "1", "2"});
  CHECK(h.Run({"SORT", "l", "LIMIT", "-5", "2"}) == Bulks({"1", "2"}));
  CHECK(h.Run({"SORT", "l", "LIMIT", "1", "-1"}) == Bulks({"2", "3"}));
  CHECK(h.Run({"SORT", "l", "LIMIT", "1", "0"}) == "*0\r\n");
  CHECK(h.Run({"SORT", "l", "LIMIT", "5", "1"}) == "*0\r\n");
  CHECK(h.Run({"SORT", "l", "LIMIT", "2", "9223372036854775807"}) == Bulks({"3"}));
  CHECK(h.Run({"SORT", "l", "LIMIT", "9223372036854775807", "9223372036854775807"}) == "*0\r\n");
  CHECK(h.Run({"SORT", "l", "LIMIT", "1", "-9223372036854775808"}) == Bulks({"2", "3"}));
}

TEST_CASE("SORT STORE replaces or deletes the destination", "[sort]") {
  CommandHarness h;
  h.Run({"SET", "dst", "x"});
  h.Run({"SADD", "s", "b", "a", "c"});
  // An unsorted set is stored sorted ALPHA, so the list does not depend on the table's order.
  CHECK(h.Run({"SORT", "s", "BY", "nosort", "STORE", "dst"}) == Int(3));
  CHECK(h.Run({"LRANGE", "dst", "0", "-1"}) == Bulks({"a", "b", "c"}));
  CHECK(h.Run({"SORT", "missing", "STORE", "dst"}) == Int(0));
  CHECK(h.Run({"EXISTS", "dst"}) == Int(0));
  CHECK(h.Run({"SORT", "missing"}) == "*0\r\n");
}

TEST_CASE("SORT errors: syntax, integers, types, SORT_RO without STORE", "[sort]") {
  CommandHarness h;
  h.Run({"RPUSH", "l", "1"});
  h.Run({"SET", "str", "x"});
  const std::string syntax = Err("ERR syntax error");
  CHECK(h.Run({"SORT", "l", "LIMIT", "1"}) == syntax);
  CHECK(h.Run({"SORT", "l", "BY"}) == syntax);
  CHECK(h.Run({"SORT", "l", "GET"}) == syntax);
  CHECK(h.Run({"SORT", "l", "STORE"}) == syntax);
  CHECK(h.Run({"SORT", "l", "FOO"}) == syntax);
  CHECK(h.Run({"SORT_RO", "l", "STORE", "x"}) == syntax);
  CHECK(h.Run({"SORT", "l", "LIMIT", "a", "1"}) ==
        Err("ERR value is not an integer or out of range"));
  // Options are checked before the key's type.
  CHECK(h.Run({"SORT", "str", "LIMIT", "x", "1"}) ==
        Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"SORT", "str"}) ==
        Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
  CHECK(h.Run({"SORT_RO", "l", "DESC"}) == Bulks({"1"}));
}

}  // namespace
}  // namespace keel::engine
