// The set command family through the command table: replies, error texts and their order, dirty
// counts, key deletion when a set empties, and the encodings results are left in. Expectations
// were checked against a real redis-server 7.0.15.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/set_object.h"
#include "tests/engine/command_harness.h"

namespace keel::engine {
namespace {

using testing::Arr;
using testing::Bulk;
using testing::CommandHarness;
using testing::EncodingOf;
using testing::Err;
using testing::Int;
using testing::Items;
using testing::kNil;
using testing::kOk;
using testing::ParseScanReply;
using testing::ScanReply;

const std::string kWrongType =
    Err("WRONGTYPE Operation against a key holding the wrong kind of value");
const std::string kSyntax = Err("ERR syntax error");
const std::string kEmpty = "*0\r\n";

// Members of the set at `key`, sorted (empty when absent).
std::set<std::string> MembersOf(CommandHarness& h, std::string_view key) {
  const Entry* e = h.ks().db(0).Find(key);
  if (e == nullptr) return {};
  std::vector<std::string> m = e->As<SetObject>()->Members();
  return std::set<std::string>(m.begin(), m.end());
}

void Sadd(CommandHarness& h, std::string_view key, int from, int to) {
  std::vector<std::string> args = {"SADD", std::string(key)};
  for (int i = from; i <= to; i++) args.push_back(std::to_string(i));
  std::vector<std::string_view> views(args.begin(), args.end());
  h.Run(views);
}

TEST_CASE("SADD counts new members, picks the encoding from the first member", "[set]") {
  CommandHarness h;
  CHECK(h.Run({"SADD", "s", "1", "2", "2", "3"}) == Int(3));
  CHECK(EncodingOf(h, "s") == "intset");
  CHECK(h.ks().dirty == 3);
  CHECK(h.Run({"SADD", "s", "3"}) == Int(0));
  CHECK(h.ks().dirty == 3);
  CHECK(h.Run({"SADD", "t", "a", "1"}) == Int(2));
  CHECK(EncodingOf(h, "t") == "hashtable");
  CHECK(h.Run({"SADD", "s", "x"}) == Int(1));
  CHECK(EncodingOf(h, "s") == "hashtable");
  CHECK(h.Run({"SCARD", "s"}) == Int(4));
  CHECK(h.Run({"SET", "str", "v"}) == kOk);
  CHECK(h.Run({"SADD", "str", "a"}) == kWrongType);
}

TEST_CASE("SADD converts past set-max-intset-entries", "[set]") {
  CommandHarness h;
  h.ks().limits.set_max_intset_entries = 3;
  CHECK(h.Run({"SADD", "s", "1", "2", "3"}) == Int(3));
  CHECK(EncodingOf(h, "s") == "intset");
  CHECK(h.Run({"SADD", "s", "4"}) == Int(1));
  CHECK(EncodingOf(h, "s") == "hashtable");
}

TEST_CASE("SREM deletes the key with its last member and stops there", "[set]") {
  CommandHarness h;
  CHECK(h.Run({"SREM", "s", "a"}) == Int(0));
  h.Run({"SADD", "s", "a", "b"});
  h.ks().dirty = 0;
  CHECK(h.Run({"SREM", "s", "a", "zz"}) == Int(1));
  CHECK(h.ks().dirty == 1);
  CHECK(h.Run({"SREM", "s", "b", "b"}) == Int(1));
  CHECK(h.Run({"EXISTS", "s"}) == Int(0));
  CHECK(h.ks().dirty == 2);
  h.Run({"SET", "str", "v"});
  CHECK(h.Run({"SREM", "str", "a"}) == kWrongType);
}

TEST_CASE("SISMEMBER, SMISMEMBER and SCARD on sets, missing keys and other types", "[set]") {
  CommandHarness h;
  h.Run({"SADD", "s", "1", "a"});
  CHECK(h.Run({"SISMEMBER", "s", "a"}) == Int(1));
  CHECK(h.Run({"SISMEMBER", "s", "01"}) == Int(0));
  CHECK(h.Run({"SISMEMBER", "nokey", "a"}) == Int(0));
  CHECK(h.Run({"SMISMEMBER", "s", "a", "b", "1"}) == Arr({Int(1), Int(0), Int(1)}));
  CHECK(h.Run({"SMISMEMBER", "nokey", "a", "b"}) == Arr({Int(0), Int(0)}));
  CHECK(h.Run({"SCARD", "nokey"}) == Int(0));
  h.Run({"SET", "str", "v"});
  CHECK(h.Run({"SISMEMBER", "str", "a"}) == kWrongType);
  CHECK(h.Run({"SMISMEMBER", "str", "a"}) == kWrongType);
  CHECK(h.Run({"SCARD", "str"}) == kWrongType);
  CHECK(h.Run({"SMEMBERS", "str"}) == kWrongType);
  CHECK(h.Run({"SMEMBERS", "nokey"}) == kEmpty);
}

TEST_CASE("SMEMBERS of an intset is in ascending order", "[set]") {
  CommandHarness h;
  h.Run({"SADD", "s", "5", "-2", "100000", "0"});
  CHECK(h.Run({"SMEMBERS", "s"}) == Arr({Bulk("-2"), Bulk("0"), Bulk("5"), Bulk("100000")}));
}

TEST_CASE("SMOVE: a missing source answers 0 before any type check", "[set]") {
  CommandHarness h;
  h.Run({"SET", "str", "v"});
  CHECK(h.Run({"SMOVE", "nokey", "str", "a"}) == Int(0));
  h.Run({"SADD", "s", "1", "2"});
  CHECK(h.Run({"SMOVE", "s", "str", "1"}) == kWrongType);
  CHECK(h.Run({"SMOVE", "str", "s", "1"}) == kWrongType);
  CHECK(h.Run({"SMOVE", "s", "s", "1"}) == Int(1));
  CHECK(h.Run({"SMOVE", "s", "s", "9"}) == Int(0));
  CHECK(h.Run({"SMOVE", "s", "d", "9"}) == Int(0));
  CHECK(h.Run({"EXISTS", "d"}) == Int(0));
}

TEST_CASE("SMOVE creates the destination, deletes an emptied source, counts dirty", "[set]") {
  CommandHarness h;
  h.Run({"SADD", "s", "a", "1"});
  h.ks().dirty = 0;
  CHECK(h.Run({"SMOVE", "s", "d", "1"}) == Int(1));
  CHECK(EncodingOf(h, "d") == "intset");  // created for the member, as setTypeCreate
  CHECK(h.ks().dirty == 2);
  h.Run({"SADD", "d", "a"});
  h.ks().dirty = 0;
  CHECK(h.Run({"SMOVE", "s", "d", "a"}) == Int(1));  // already in the destination
  CHECK(h.ks().dirty == 1);
  CHECK(h.Run({"EXISTS", "s"}) == Int(0));
  CHECK(MembersOf(h, "d") == std::set<std::string>{"1", "a"});
}

TEST_CASE("SINTER checks every key's type even after a missing key", "[set]") {
  CommandHarness h;
  h.Run({"SADD", "a", "1", "2", "3"});
  h.Run({"SET", "str", "v"});
  CHECK(h.Run({"SINTER", "a", "nokey", "str"}) == kWrongType);
  CHECK(h.Run({"SINTER", "a", "nokey"}) == kEmpty);
  CHECK(h.Run({"SINTERCARD", "2", "nokey", "str"}) == kWrongType);
  CHECK(h.Run({"SINTERSTORE", "d", "a", "nokey", "str"}) == kWrongType);
  CHECK(h.Run({"SUNION", "nokey", "str"}) == kWrongType);
  CHECK(h.Run({"SDIFF", "nokey", "str"}) == kWrongType);
}

TEST_CASE("SINTER of an intset and a hashtable compares integers and strings", "[set]") {
  CommandHarness h;
  h.Run({"SADD", "a", "1", "2", "3", "4"});
  h.Run({"SADD", "b", "x", "2", "4", "01"});
  CHECK(Items(h.Run({"SINTER", "a", "b"})) == std::vector<std::string>{"2", "4"});
  CHECK(h.Run({"SINTERCARD", "2", "a", "b"}) == Int(2));
  CHECK(h.Run({"SINTERCARD", "2", "a", "b", "LIMIT", "1"}) == Int(1));
  CHECK(h.Run({"SINTERCARD", "2", "a", "b", "limit", "0"}) == Int(2));
  CHECK(h.Run({"SINTERCARD", "1", "a", "LIMIT", "1", "LIMIT", "3"}) == Int(3));
  CHECK(h.Run({"SINTERSTORE", "d", "b", "a"}) == Int(2));
  CHECK(EncodingOf(h, "d") == "intset");
  CHECK(MembersOf(h, "d") == std::set<std::string>{"2", "4"});
  CHECK(Items(h.Run({"SINTER", "a", "a"})).size() == 4);
}

TEST_CASE("SINTERCARD's numkeys and LIMIT errors", "[set]") {
  CommandHarness h;
  const std::string numkeys = Err("ERR numkeys should be greater than 0");
  CHECK(h.Run({"SINTERCARD", "abc", "k"}) == numkeys);
  CHECK(h.Run({"SINTERCARD", "0", "k"}) == numkeys);
  CHECK(h.Run({"SINTERCARD", "-1", "k"}) == numkeys);
  CHECK(h.Run({"SINTERCARD", "3", "k"}) ==
        Err("ERR Number of keys can't be greater than number of args"));
  CHECK(h.Run({"SINTERCARD", "1", "k", "LIMIT", "-1"}) == Err("ERR LIMIT can't be negative"));
  CHECK(h.Run({"SINTERCARD", "1", "k", "LIMIT", "x"}) == Err("ERR LIMIT can't be negative"));
  CHECK(h.Run({"SINTERCARD", "1", "k", "LIMIT"}) == kSyntax);
  CHECK(h.Run({"SINTERCARD", "1", "k", "foo", "1"}) == kSyntax);
  CHECK(h.Run({"SINTERCARD", "1", "k"}) == Int(0));
}

TEST_CASE("STORE variants overwrite any type, drop the TTL, delete on an empty result", "[set]") {
  CommandHarness h;
  h.Run({"SADD", "a", "1", "2"});
  h.Run({"SADD", "b", "3"});
  h.Run({"SET", "d", "v", "EX", "100"});
  h.ks().dirty = 0;
  CHECK(h.Run({"SUNIONSTORE", "d", "a", "b"}) == Int(3));
  CHECK(h.Run({"TTL", "d"}) == Int(-1));
  CHECK(h.Run({"TYPE", "d"}) == "+set\r\n");
  CHECK(h.ks().dirty == 1);
  CHECK(h.Run({"SINTERSTORE", "d", "a", "b"}) == Int(0));
  CHECK(h.Run({"EXISTS", "d"}) == Int(0));
  CHECK(h.ks().dirty == 2);
  CHECK(h.Run({"SINTERSTORE", "d", "a", "nokey"}) == Int(0));
  CHECK(h.ks().dirty == 2);  // nothing was deleted
  h.Run({"SET", "d", "v"});
  CHECK(h.Run({"SINTERSTORE", "d", "a", "nokey"}) == Int(0));
  CHECK(h.Run({"EXISTS", "d"}) == Int(0));
  CHECK(h.Run({"SDIFFSTORE", "d", "a", "a"}) == Int(0));
  CHECK(h.Run({"SDIFFSTORE", "d", "a", "b"}) == Int(2));
  CHECK(MembersOf(h, "d") == std::set<std::string>{"1", "2"});
}

TEST_CASE("SUNIONSTORE of integer strings from a hashtable is an intset", "[set]") {
  CommandHarness h;
  h.Run({"SADD", "a", "x", "1", "2"});
  h.Run({"SREM", "a", "x"});
  CHECK(EncodingOf(h, "a") == "hashtable");
  CHECK(h.Run({"SUNIONSTORE", "d", "a"}) == Int(2));
  CHECK(EncodingOf(h, "d") == "intset");
  h.ks().limits.set_max_intset_entries = 2;
  CHECK(h.Run({"SUNIONSTORE", "d", "a", "nokey"}) == Int(2));
  CHECK(EncodingOf(h, "d") == "intset");
  h.Run({"SADD", "b", "3"});
  CHECK(h.Run({"SUNIONSTORE", "d", "a", "b"}) == Int(3));
  CHECK(EncodingOf(h, "d") == "hashtable");
}

TEST_CASE("SDIFFSTORE's second algorithm leaves a hashtable, the first an intset", "[set]") {
  // redis 7.0.15: with 4 sets the copy-and-remove algorithm wins and the copy of 600 integers
  // outgrows the intset; with 3 the member test does and only 50 survivors are added.
  CommandHarness h;
  Sadd(h, "a", 1, 600);
  Sadd(h, "b", 1, 550);
  h.Run({"SADD", "c", "x"});
  h.Run({"SADD", "e", "y"});
  CHECK(h.Run({"SDIFFSTORE", "r", "a", "b", "c", "e"}) == Int(50));
  CHECK(EncodingOf(h, "r") == "hashtable");
  CHECK(h.Run({"SDIFFSTORE", "r2", "a", "b", "c"}) == Int(50));
  CHECK(EncodingOf(h, "r2") == "intset");
  CHECK(MembersOf(h, "r") == MembersOf(h, "r2"));
  CHECK(Items(h.Run({"SDIFF", "a", "b", "c"})).size() == 50);
  CHECK(h.Run({"SDIFF", "nokey", "a"}) == kEmpty);
}

TEST_CASE("SRANDMEMBER: errors, empty answers and the four count cases", "[set]") {
  CommandHarness h;
  CHECK(h.Run({"SRANDMEMBER", "nokey"}) == kNil);
  CHECK(h.Run({"SRANDMEMBER", "nokey", "3"}) == kEmpty);
  CHECK(h.Run({"SRANDMEMBER", "nokey", "x"}) == Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"SRANDMEMBER", "nokey", "-9223372036854775808"}) ==
        Err("ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807"));
  CHECK(h.Run({"SRANDMEMBER", "s", "1", "2"}) == kSyntax);
  h.Run({"SET", "str", "v"});
  CHECK(h.Run({"SRANDMEMBER", "str", "x"}) == Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"SRANDMEMBER", "str", "1"}) == kWrongType);
  for (bool ints : {true, false}) {
    INFO("ints " << ints);
    CommandHarness g;
    std::vector<std::string> args = {"SADD", "s"};
    for (int i = 0; i < 100; i++) args.push_back((ints ? "" : "m") + std::to_string(i));
    g.Run(std::vector<std::string_view>(args.begin(), args.end()));
    std::set<std::string> all(args.begin() + 2, args.end());
    CHECK(g.Run({"SRANDMEMBER", "s", "0"}) == kEmpty);
    for (const char* count : {"1", "10", "40", "99", "100", "500", "-5", "-300"}) {
      INFO("count " << count);
      std::vector<std::string> got = Items(g.Run({"SRANDMEMBER", "s", count}));
      long n = std::stol(count);
      CHECK(got.size() == static_cast<size_t>(n < 0 ? -n : std::min(n, 100l)));
      std::set<std::string> distinct(got.begin(), got.end());
      if (n > 0) CHECK(distinct.size() == got.size());
      for (const std::string& m : got) CHECK(all.count(m) == 1);
    }
    CHECK(all.count(Items("*1\r\n" + g.Run({"SRANDMEMBER", "s"}))[0]) == 1);
  }
}

TEST_CASE("SPOP: errors, single pops and the count cases", "[set]") {
  CommandHarness h;
  const std::string positive = Err("ERR value is out of range, must be positive");
  CHECK(h.Run({"SPOP", "nokey"}) == kNil);
  CHECK(h.Run({"SPOP", "nokey", "2"}) == kEmpty);
  CHECK(h.Run({"SPOP", "nokey", "-1"}) == positive);
  CHECK(h.Run({"SPOP", "nokey", "x"}) == positive);
  CHECK(h.Run({"SPOP", "s", "1", "2"}) == kSyntax);
  h.Run({"SET", "str", "v"});
  CHECK(h.Run({"SPOP", "str"}) == kWrongType);
  CHECK(h.Run({"SPOP", "str", "1"}) == kWrongType);
  CHECK(h.Run({"SPOP", "str", "-1"}) == positive);

  h.Run({"SADD", "s", "only"});
  h.ks().dirty = 0;
  CHECK(h.Run({"SPOP", "s"}) == Bulk("only"));
  CHECK(h.Run({"EXISTS", "s"}) == Int(0));
  CHECK(h.ks().dirty == 1);

  // Case 1: count >= size returns everything, deletes the key, dirty += size.
  Sadd(h, "s", 1, 5);
  h.ks().dirty = 0;
  CHECK(Items(h.Run({"SPOP", "s", "10"})) == std::vector<std::string>{"1", "2", "3", "4", "5"});
  CHECK(h.Run({"EXISTS", "s"}) == Int(0));
  CHECK(h.ks().dirty == 5);

  // Case 2 (few popped) and case 3 (most popped): distinct members, removed from the set.
  for (const char* count : {"3", "90"}) {
    INFO("count " << count);
    Sadd(h, "s", 1, 100);
    h.ks().dirty = 0;
    std::vector<std::string> got = Items(h.Run({"SPOP", "s", count}));
    const size_t n = std::stoul(count);
    CHECK(got.size() == n);
    CHECK(std::set<std::string>(got.begin(), got.end()).size() == n);
    CHECK(h.ks().dirty == n);
    std::set<std::string> left = MembersOf(h, "s");
    CHECK(left.size() == 100 - n);
    for (const std::string& m : got) CHECK(left.count(m) == 0);
    h.Run({"DEL", "s"});
  }
  CHECK(h.Run({"SADD", "s", "1"}) == Int(1));
  CHECK(h.Run({"SPOP", "s", "0"}) == kEmpty);
}

TEST_CASE("SPOP's case 3 rebuilds the set: a hashtable of integers becomes an intset", "[set]") {
  // redis 7.0.15: 600 integers (hashtable), pop 550: the 50 survivors move to a new intset. The
  // key keeps its TTL (dbOverwrite). Popping 50 (case 2) leaves the hashtable.
  CommandHarness h;
  Sadd(h, "s", 1, 600);
  h.Run({"EXPIRE", "s", "100"});
  CHECK(EncodingOf(h, "s") == "hashtable");
  CHECK(Items(h.Run({"SPOP", "s", "550"})).size() == 550);
  CHECK(EncodingOf(h, "s") == "intset");
  CHECK(h.Run({"SCARD", "s"}) == Int(50));
  CHECK(h.Run({"TTL", "s"}) == Int(100));
  Sadd(h, "t", 1, 600);
  CHECK(Items(h.Run({"SPOP", "t", "50"})).size() == 50);
  CHECK(EncodingOf(h, "t") == "hashtable");
}

TEST_CASE("SSCAN: intsets at once with cursor 0, hashtables by cursor, MATCH and COUNT", "[set]") {
  CommandHarness h;
  h.Run({"SADD", "s", "1", "2", "10"});
  CHECK(h.Run({"SSCAN", "s", "123"}) == Arr({Bulk("0"), Arr({Bulk("1"), Bulk("2"), Bulk("10")})}));
  CHECK(h.Run({"SSCAN", "s", "0", "MATCH", "1*"}) ==
        Arr({Bulk("0"), Arr({Bulk("1"), Bulk("10")})}));
  CHECK(h.Run({"SSCAN", "nokey", "0"}) == Arr({Bulk("0"), kEmpty}));
  CHECK(h.Run({"SSCAN", "s", "x"}) == Err("ERR invalid cursor"));
  CHECK(h.Run({"SSCAN", "s", "0", "COUNT", "0"}) == kSyntax);
  CHECK(h.Run({"SSCAN", "s", "0", "TYPE", "set"}) == kSyntax);
  h.Run({"SET", "str", "v"});
  CHECK(h.Run({"SSCAN", "str", "0"}) == kWrongType);

  std::vector<std::string> args = {"SADD", "big"};
  for (int i = 0; i < 300; i++) args.push_back("m" + std::to_string(i));
  h.Run(std::vector<std::string_view>(args.begin(), args.end()));
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    ScanReply page = ParseScanReply(h.Run({"SSCAN", "big", cursor, "COUNT", "20"}));
    cursor = page.cursor;
    seen.insert(page.items.begin(), page.items.end());
    calls++;
  } while (cursor != "0");
  CHECK(seen.size() == 300);
  CHECK(calls > 5);
}

}  // namespace
}  // namespace keel::engine
