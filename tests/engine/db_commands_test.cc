// The database commands through the command table: SELECT DBSIZE FLUSHDB FLUSHALL SWAPDB, their
// effect on the harness session and the keyspace, errors and dirty counts. Expectations marked
// "redis 7.0.15" were checked against a real redis-server.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/engine/command_harness.h"

namespace keel::engine {
namespace {

using testing::CommandHarness;
using testing::Err;
using testing::Int;
using testing::kNil;
using testing::kOk;

void Put(CommandHarness& h, int db, std::string_view key, std::string_view value) {
  h.ks().db(db).SetString(key, value);
}

std::string ValueOf(CommandHarness& h, int db, std::string_view key) {
  const Entry* e = h.ks().db(db).Find(key);
  if (e == nullptr) return "<absent>";
  char buf[24];
  return std::string(e->StringBytes(buf));
}

TEST_CASE("db: SELECT changes the session's database", "[db]") {
  CommandHarness h;
  Put(h, 0, "k", "zero");
  Put(h, 5, "k", "five");
  CHECK(h.Run({"select", "5"}) == kOk);
  CHECK(h.session().db_index == 5);
  CHECK(h.Run({"exists", "k"}) == Int(1));
  CHECK(h.Run({"dbsize"}) == Int(1));
  CHECK(h.Run({"del", "k"}) == Int(1));
  CHECK(ValueOf(h, 5, "k") == "<absent>");
  CHECK(ValueOf(h, 0, "k") == "zero");
  CHECK(h.Run({"select", "0"}) == kOk);
  CHECK(h.session().db_index == 0);
  CHECK(h.Run({"exists", "k"}) == Int(1));
}

TEST_CASE("db: SELECT errors leave the session where it was", "[db]") {
  // redis 7.0.15 (16 databases).
  CommandHarness h;
  h.Run({"select", "3"});
  const std::string not_int = Err("ERR value is not an integer or out of range");
  CHECK(h.Run({"select", "abc"}) == not_int);
  CHECK(h.Run({"select", "1.5"}) == not_int);
  CHECK(h.Run({"select", "01"}) == not_int);
  CHECK(h.Run({"select", ""}) == not_int);
  CHECK(h.Run({"select", "-1"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"select", "16"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"select", "2147483648"}) ==
        Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  CHECK(h.Run({"select"}) == Err("ERR wrong number of arguments for 'select' command"));
  CHECK(h.session().db_index == 3);
}

TEST_CASE("db: the number of databases bounds SELECT, MOVE and SWAPDB", "[db]") {
  CommandHarness h(4);
  CHECK(h.Run({"select", "3"}) == kOk);
  CHECK(h.Run({"select", "4"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"swapdb", "0", "4"}) == Err("ERR DB index is out of range"));
  Put(h, 3, "k", "v");
  CHECK(h.Run({"move", "k", "4"}) == Err("ERR DB index is out of range"));
}

TEST_CASE("db: DBSIZE counts keys, including expired ones not yet reclaimed", "[db]") {
  CommandHarness h;
  CHECK(h.Run({"dbsize"}) == Int(0));
  Put(h, 0, "a", "1");
  Put(h, 0, "b", "1");
  Put(h, 1, "c", "1");
  CHECK(h.Run({"dbsize"}) == Int(2));
  Db& db = h.ks().db(0);
  db.SetExpire(db.Find("a"), h.clock().NowMs() + 10);
  h.clock().AdvanceMs(11);
  CHECK(h.Run({"dbsize"}) == Int(2));
  CHECK(h.Run({"exists", "a"}) == Int(0));
  CHECK(h.Run({"dbsize"}) == Int(1));
  CHECK(h.Run({"dbsize", "x"}) == Err("ERR wrong number of arguments for 'dbsize' command"));
}

TEST_CASE("db: FLUSHDB empties only the selected database", "[db]") {
  CommandHarness h;
  Put(h, 0, "a", "1");
  Put(h, 2, "a", "1");
  Put(h, 2, "b", "1");
  Db& db2 = h.ks().db(2);
  db2.SetExpire(db2.Find("b"), h.clock().NowMs() + 1000);
  h.Run({"select", "2"});
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"flushdb"}) == kOk);
  CHECK(h.ks().dirty == dirty + 2);  // redis 7.0.15: dirty grows by the keys removed
  CHECK(h.ks().db(2).size() == 0);
  CHECK(h.ks().db(2).expires_size() == 0);
  CHECK(h.ks().db(0).size() == 1);
  CHECK(h.Run({"flushdb"}) == kOk);  // redis 7.0.15: an empty db adds nothing to dirty
  CHECK(h.ks().dirty == dirty + 2);
}

TEST_CASE("db: FLUSHDB and FLUSHALL accept ASYNC or SYNC, nothing else", "[db]") {
  // redis 7.0.15.
  CommandHarness h;
  for (const char* cmd : {"flushdb", "flushall"}) {
    INFO(cmd);
    Put(h, 0, "a", "1");
    CHECK(h.Run({cmd, "async"}) == kOk);
    CHECK(h.ks().db(0).size() == 0);
    Put(h, 0, "a", "1");
    CHECK(h.Run({cmd, "SYNC"}) == kOk);
    CHECK(h.ks().db(0).size() == 0);
    Put(h, 0, "a", "1");
    CHECK(h.Run({cmd, "foo"}) == Err("ERR syntax error"));
    CHECK(h.Run({cmd, "sync", "extra"}) == Err("ERR syntax error"));
    CHECK(h.Run({cmd, "async", "async"}) == Err("ERR syntax error"));
    CHECK(h.ks().db(0).size() == 1);
  }
}

TEST_CASE("db: FLUSHALL empties every database", "[db]") {
  CommandHarness h;
  for (int i = 0; i < 16; ++i) Put(h, i, "k" + std::to_string(i), "v");
  Put(h, 7, "another", "v");
  Db& db7 = h.ks().db(7);
  db7.SetExpire(db7.Find("another"), h.clock().NowMs() + 1000);
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"flushall"}) == kOk);
  CHECK(h.ks().dirty == dirty + 17);
  CHECK(h.ks().TotalKeys() == 0);
  CHECK(h.ks().db(7).expires_size() == 0);
  CHECK(h.Run({"randomkey"}) == kNil);
  CHECK(h.Run({"flushall"}) == kOk);
  CHECK(h.ks().dirty == dirty + 17);
}

TEST_CASE("db: SWAPDB swaps contents and expiries; sessions keep their index", "[db]") {
  CommandHarness h;
  Put(h, 0, "a", "in0");
  Put(h, 1, "b", "in1");
  Put(h, 1, "c", "in1");
  Db& db1 = h.ks().db(1);
  int64_t when = h.clock().NowMs() + 5000;
  db1.SetExpire(db1.Find("c"), when);
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"swapdb", "0", "1"}) == kOk);
  CHECK(h.ks().dirty == dirty + 1);
  CHECK(h.session().db_index == 0);
  CHECK(h.Run({"dbsize"}) == Int(2));
  CHECK(h.Run({"exists", "b", "c"}) == Int(2));
  CHECK(ValueOf(h, 0, "b") == "in1");
  CHECK(h.Run({"pexpiretime", "c"}) == Int(when));
  CHECK(h.Run({"exists", "a"}) == Int(0));
  CHECK(ValueOf(h, 1, "a") == "in0");
  CHECK(h.ks().db(1).expires_size() == 0);
  CHECK(h.ks().db(0).expires_size() == 1);
  // Swapping back restores the original layout.
  CHECK(h.Run({"swapdb", "1", "0"}) == kOk);
  CHECK(ValueOf(h, 0, "a") == "in0");
  CHECK(ValueOf(h, 1, "b") == "in1");
}

TEST_CASE("db: SWAPDB of a database with itself is OK and still dirties", "[db]") {
  // redis 7.0.15: SWAPDB 0 0 -> OK, dirty +1.
  CommandHarness h;
  Put(h, 0, "a", "1");
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"swapdb", "0", "0"}) == kOk);
  CHECK(h.ks().dirty == dirty + 1);
  CHECK(ValueOf(h, 0, "a") == "1");
}

TEST_CASE("db: SWAPDB errors", "[db]") {
  // redis 7.0.15.
  CommandHarness h;
  Put(h, 0, "a", "1");
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"swapdb", "a", "1"}) == Err("ERR invalid first DB index"));
  CHECK(h.Run({"swapdb", "1", "b"}) == Err("ERR invalid second DB index"));
  CHECK(h.Run({"swapdb", "a", "b"}) == Err("ERR invalid first DB index"));
  CHECK(h.Run({"swapdb", "0", "2147483648"}) == Err("ERR invalid second DB index"));
  CHECK(h.Run({"swapdb", "-2147483649", "0"}) == Err("ERR invalid first DB index"));
  CHECK(h.Run({"swapdb", "0", "16"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"swapdb", "-1", "0"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"swapdb", "0"}) == Err("ERR wrong number of arguments for 'swapdb' command"));
  CHECK(h.ks().dirty == dirty);
  CHECK(ValueOf(h, 0, "a") == "1");
}

TEST_CASE("db: command metadata matches Redis 7.0", "[db]") {
  CommandHarness h;
  struct Expect {
    const char* name;
    int arity;
    uint32_t flags;
    const char* group;
    const char* since;
    const char* syntax;
  };
  const Expect expected[] = {
      {"select", 2, kCmdLoading | kCmdStale | kCmdFast, "connection", "1.0.0", "index"},
      {"dbsize", 1, kCmdReadOnly | kCmdFast, "server", "1.0.0", ""},
      {"flushdb", -1, kCmdWrite, "server", "1.0.0", "[async: ASYNC@4.0.0 | SYNC@6.2.0]"},
      {"flushall", -1, kCmdWrite, "server", "1.0.0", "[async: ASYNC@4.0.0 | SYNC@6.2.0]"},
      {"swapdb", 3, kCmdWrite | kCmdFast, "server", "4.0.0", "index1 index2"},
  };
  for (const Expect& x : expected) {
    INFO(x.name);
    const CommandSpec* c = h.table().Find(x.name);
    REQUIRE(c != nullptr);
    CHECK(c->arity == x.arity);
    CHECK(c->flags == x.flags);
    CHECK(c->first_key == 0);
    CHECK(c->last_key == 0);
    CHECK(c->key_step == 0);
    CHECK(c->group == x.group);
    CHECK(c->since == x.since);
    CHECK(c->syntax == x.syntax);
    CHECK_FALSE(c->summary.empty());
    CHECK_FALSE(c->complexity.empty());
  }
}

}  // namespace
}  // namespace keel::engine
