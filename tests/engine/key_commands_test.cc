// The generic key commands through the command table: DEL UNLINK EXISTS TYPE TOUCH RENAME RENAMENX
// MOVE COPY. Replies, error texts, expiry on a manual clock, statistics and dirty counts;
// expectations marked "redis 7.0.15" were checked against a real redis-server.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/engine/command_harness.h"

namespace keel::engine {
namespace {

using testing::CommandHarness;
using testing::Err;
using testing::Int;
using testing::kOk;

// Stores a string straight through Db, so these tests do not depend on the string commands.
void Put(CommandHarness& h, std::string_view key, std::string_view value, int db = 0) {
  h.ks().db(db).SetString(key, value);
}

// Gives `key` an absolute expiry `ms_from_now` after the clock's current time.
void ExpireIn(CommandHarness& h, std::string_view key, int64_t ms_from_now, int db = 0) {
  Db& d = h.ks().db(db);
  d.SetExpire(d.Find(key), h.clock().NowMs() + ms_from_now);
}

std::string ValueOf(CommandHarness& h, std::string_view key, int db = 0) {
  const Entry* e = h.ks().db(db).Find(key);
  if (e == nullptr) return "<absent>";
  char buf[24];
  return std::string(e->StringBytes(buf));
}

int64_t ExpireOf(CommandHarness& h, std::string_view key, int db = 0) {
  const Entry* e = h.ks().db(db).Find(key);
  return e == nullptr ? -2 : h.ks().db(db).GetExpire(e);
}

// ---- DEL, UNLINK ----

TEST_CASE("keys: DEL counts deleted keys, a key named twice once", "[keys]") {
  CommandHarness h;
  Put(h, "a", "1");
  Put(h, "b", "2");
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"del", "a", "a", "nokey", "b"}) == Int(2));  // redis 7.0.15: DEL d d b -> 2
  CHECK(h.ks().dirty == dirty + 2);
  CHECK(h.ks().db(0).size() == 0);
  CHECK(h.Run({"del", "a"}) == Int(0));
  CHECK(h.ks().dirty == dirty + 2);
  CHECK(h.Run({"del"}) == Err("ERR wrong number of arguments for 'del' command"));
}

TEST_CASE("keys: DEL of an expired key reclaims it but reports 0", "[keys]") {
  CommandHarness h;
  Put(h, "a", "1");
  ExpireIn(h, "a", 100);
  h.clock().AdvanceMs(101);
  uint64_t dirty = h.ks().dirty;
  uint64_t expired = h.ks().stats().expired_keys;
  CHECK(h.Run({"del", "a"}) == Int(0));
  CHECK(h.ks().db(0).size() == 0);
  CHECK(h.ks().stats().expired_keys == expired + 1);
  CHECK(h.ks().dirty == dirty);
}

TEST_CASE("keys: UNLINK deletes like DEL", "[keys]") {
  CommandHarness h;
  Put(h, "a", "1");
  Put(h, "b", "1");
  CHECK(h.Run({"unlink", "a", "b", "c"}) == Int(2));
  CHECK(h.ks().db(0).size() == 0);
  CHECK(h.Run({"unlink"}) == Err("ERR wrong number of arguments for 'unlink' command"));
}

// ---- EXISTS, TYPE, TOUCH ----

TEST_CASE("keys: EXISTS counts repeats and ignores expired keys", "[keys]") {
  CommandHarness h;
  Put(h, "a", "1");
  Put(h, "gone", "1");
  ExpireIn(h, "gone", 10);
  CHECK(h.Run({"exists", "a", "a", "nokey"}) == Int(2));  // redis 7.0.15
  CHECK(h.Run({"exists", "gone"}) == Int(1));
  h.clock().AdvanceMs(11);
  CHECK(h.Run({"exists", "gone"}) == Int(0));
  CHECK(h.ks().db(0).Find("gone") == nullptr);  // reclaimed by the lookup
  CHECK(h.Run({"exists"}) == Err("ERR wrong number of arguments for 'exists' command"));
}

TEST_CASE("keys: EXISTS and TYPE count keyspace hits and misses", "[keys]") {
  CommandHarness h;
  Put(h, "a", "1");
  KeyspaceStats& st = h.ks().stats();
  uint64_t hits = st.keyspace_hits, misses = st.keyspace_misses;
  h.Run({"exists", "a", "b", "a"});
  CHECK(st.keyspace_hits == hits + 2);
  CHECK(st.keyspace_misses == misses + 1);
  h.Run({"type", "b"});
  CHECK(st.keyspace_misses == misses + 2);
}

TEST_CASE("keys: TYPE, EXISTS and TTL leave the LRU clock alone; TOUCH updates it", "[keys]") {
  // Redis's "TTL, TYPE and EXISTS do not alter the last access time of a key".
  CommandHarness h;
  Put(h, "a", "1");
  uint32_t before = h.ks().db(0).Find("a")->lru();
  h.clock().AdvanceMs(5000);
  h.Run({"type", "a"});
  h.Run({"exists", "a"});
  h.Run({"ttl", "a"});
  h.Run({"pttl", "a"});
  CHECK(h.ks().db(0).Find("a")->lru() == before);
  CHECK(h.Run({"touch", "a", "a", "nokey"}) == Int(2));  // redis 7.0.15: TOUCH d d nokey -> 2
  CHECK(h.ks().db(0).Find("a")->lru() == h.ks().LruClock());
  CHECK(h.ks().db(0).Find("a")->lru() != before);
}

TEST_CASE("keys: TYPE is none for missing and expired keys", "[keys]") {
  CommandHarness h;
  Put(h, "s", "v");
  Put(h, "n", "12");
  CHECK(h.Run({"type", "s"}) == "+string\r\n");
  CHECK(h.Run({"type", "n"}) == "+string\r\n");
  CHECK(h.Run({"type", "nokey"}) == "+none\r\n");
  ExpireIn(h, "s", 1);
  h.clock().AdvanceMs(2);
  CHECK(h.Run({"type", "s"}) == "+none\r\n");
  CHECK(h.Run({"type", "s", "x"}) == Err("ERR wrong number of arguments for 'type' command"));
}

TEST_CASE("keys: TOUCH of expired keys counts nothing", "[keys]") {
  CommandHarness h;
  Put(h, "a", "1");
  ExpireIn(h, "a", 1);
  h.clock().AdvanceMs(2);
  CHECK(h.Run({"touch", "a"}) == Int(0));
  CHECK(h.Run({"touch"}) == Err("ERR wrong number of arguments for 'touch' command"));
}

// ---- RENAME, RENAMENX ----

TEST_CASE("keys: RENAME moves the value and its TTL", "[keys]") {
  CommandHarness h;
  Put(h, "a", "va");
  ExpireIn(h, "a", 5000);
  int64_t when = ExpireOf(h, "a");
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"rename", "a", "b"}) == kOk);
  CHECK(h.ks().dirty == dirty + 1);
  CHECK(ValueOf(h, "a") == "<absent>");
  CHECK(ValueOf(h, "b") == "va");
  CHECK(ExpireOf(h, "b") == when);
}

TEST_CASE("keys: RENAME overwrites the destination, dropping its TTL", "[keys]") {
  CommandHarness h;
  Put(h, "a", "va");
  Put(h, "b", "vb");
  ExpireIn(h, "b", 5000);
  CHECK(h.Run({"rename", "a", "b"}) == kOk);
  CHECK(ValueOf(h, "b") == "va");
  CHECK(ExpireOf(h, "b") == -1);
  CHECK(h.ks().db(0).size() == 1);
}

TEST_CASE("keys: RENAME errors and renaming a key to itself", "[keys]") {
  // redis 7.0.15.
  CommandHarness h;
  CHECK(h.Run({"rename", "nokey", "a"}) == Err("ERR no such key"));
  CHECK(h.Run({"rename", "nokey", "nokey"}) == Err("ERR no such key"));
  CHECK(h.Run({"renamenx", "nokey", "nokey"}) == Err("ERR no such key"));
  Put(h, "a", "1");
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"rename", "a", "a"}) == kOk);
  CHECK(h.Run({"renamenx", "a", "a"}) == Int(0));
  CHECK(h.ks().dirty == dirty);
  CHECK(ValueOf(h, "a") == "1");
  CHECK(h.Run({"rename", "a"}) == Err("ERR wrong number of arguments for 'rename' command"));
}

TEST_CASE("keys: RENAME of an expired source is no such key", "[keys]") {
  CommandHarness h;
  Put(h, "a", "1");
  ExpireIn(h, "a", 10);
  h.clock().AdvanceMs(11);
  CHECK(h.Run({"rename", "a", "b"}) == Err("ERR no such key"));
  CHECK(h.ks().db(0).size() == 0);
}

TEST_CASE("keys: RENAMENX only when the destination is absent or expired", "[keys]") {
  CommandHarness h;
  Put(h, "a", "va");
  Put(h, "b", "vb");
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"renamenx", "a", "b"}) == Int(0));
  CHECK(h.ks().dirty == dirty);
  CHECK(ValueOf(h, "a") == "va");
  ExpireIn(h, "b", 10);
  h.clock().AdvanceMs(11);
  CHECK(h.Run({"renamenx", "a", "b"}) == Int(1));
  CHECK(ValueOf(h, "b") == "va");
  CHECK(ExpireOf(h, "b") == -1);
  CHECK(h.ks().dirty == dirty + 1);
  CHECK(h.Run({"renamenx", "b", "c"}) == Int(1));
  CHECK(ValueOf(h, "c") == "va");
}

// ---- MOVE ----

TEST_CASE("keys: MOVE moves a key and its TTL to another db", "[keys]") {
  CommandHarness h;
  Put(h, "a", "va");
  ExpireIn(h, "a", 5000);
  int64_t when = ExpireOf(h, "a");
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"move", "a", "3"}) == Int(1));
  CHECK(h.ks().dirty == dirty + 1);
  CHECK(ValueOf(h, "a") == "<absent>");
  CHECK(ValueOf(h, "a", 3) == "va");
  CHECK(ExpireOf(h, "a", 3) == when);
  CHECK(h.ks().db(3).expires_size() == 1);
  CHECK(h.ks().db(0).expires_size() == 0);
}

TEST_CASE("keys: MOVE returns 0 for a missing key or an existing destination", "[keys]") {
  CommandHarness h;
  CHECK(h.Run({"move", "nokey", "1"}) == Int(0));
  Put(h, "a", "here");
  Put(h, "a", "there", 1);
  CHECK(h.Run({"move", "a", "1"}) == Int(0));
  CHECK(ValueOf(h, "a") == "here");
  CHECK(ValueOf(h, "a", 1) == "there");
  // An expired destination does not block the move.
  ExpireIn(h, "a", 10, 1);
  h.clock().AdvanceMs(11);
  CHECK(h.Run({"move", "a", "1"}) == Int(1));
  CHECK(ValueOf(h, "a", 1) == "here");
}

TEST_CASE("keys: MOVE errors", "[keys]") {
  // redis 7.0.15 (16 databases).
  CommandHarness h;
  Put(h, "a", "1");
  CHECK(h.Run({"move", "a", "0"}) == Err("ERR source and destination objects are the same"));
  CHECK(h.Run({"move", "nokey", "0"}) == Err("ERR source and destination objects are the same"));
  CHECK(h.Run({"move", "a", "16"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"move", "a", "-1"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"move", "a", "a"}) == Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"move", "a", "1.0"}) == Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"move", "a", "2147483648"}) ==
        Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  CHECK(h.Run({"move", "a", "-2147483649"}) ==
        Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  CHECK(h.Run({"move", "a"}) == Err("ERR wrong number of arguments for 'move' command"));
  CHECK(ValueOf(h, "a") == "1");
}

TEST_CASE("keys: MOVE from a selected db other than 0", "[keys]") {
  CommandHarness h;
  h.session().db_index = 2;
  Put(h, "a", "1", 2);
  CHECK(h.Run({"move", "a", "2"}) == Err("ERR source and destination objects are the same"));
  CHECK(h.Run({"move", "a", "0"}) == Int(1));
  CHECK(ValueOf(h, "a", 0) == "1");
}

// ---- COPY ----

TEST_CASE("keys: COPY duplicates value and TTL; the copy is independent", "[keys]") {
  CommandHarness h;
  Put(h, "a", "va");
  ExpireIn(h, "a", 5000);
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"copy", "a", "b"}) == Int(1));
  CHECK(h.ks().dirty == dirty + 1);
  CHECK(ValueOf(h, "b") == "va");
  CHECK(ExpireOf(h, "b") == ExpireOf(h, "a"));
  h.ks().db(0).SetString("a", "changed");
  CHECK(ValueOf(h, "b") == "va");
  CHECK(h.Run({"copy", "a", "b"}) == Int(0));  // destination exists
  CHECK(ValueOf(h, "b") == "va");
  CHECK(h.Run({"copy", "a", "b", "replace"}) == Int(1));
  CHECK(ValueOf(h, "b") == "changed");
  CHECK(ExpireOf(h, "b") == -1);  // the source lost its TTL with SetString
}

TEST_CASE("keys: COPY to another db, with the last DB option winning", "[keys]") {
  // redis 7.0.15: COPY a a DB 1 -> 1; COPY a b DB 1 DB 2 -> 1 (into db 2).
  CommandHarness h;
  Put(h, "a", "va");
  CHECK(h.Run({"copy", "a", "a", "DB", "1"}) == Int(1));
  CHECK(ValueOf(h, "a", 1) == "va");
  CHECK(h.Run({"copy", "a", "b", "db", "1", "db", "2"}) == Int(1));
  CHECK(ValueOf(h, "b", 2) == "va");
  CHECK(ValueOf(h, "b", 1) == "<absent>");
  CHECK(h.Run({"copy", "a", "a", "db", "1"}) == Int(0));
  CHECK(h.Run({"copy", "a", "a", "REPLACE", "db", "1"}) == Int(1));
  CHECK(h.Run({"copy", "a", "c", "replace", "replace"}) == Int(1));
  CHECK(ValueOf(h, "a") == "va");
}

TEST_CASE("keys: COPY returns 0 for a missing source; an expired destination is absent", "[keys]") {
  CommandHarness h;
  CHECK(h.Run({"copy", "nokey", "b"}) == Int(0));
  Put(h, "a", "va");
  Put(h, "b", "vb");
  ExpireIn(h, "b", 10);
  h.clock().AdvanceMs(11);
  CHECK(h.Run({"copy", "a", "b"}) == Int(1));
  CHECK(ValueOf(h, "b") == "va");
  CHECK(ExpireOf(h, "b") == -1);
}

TEST_CASE("keys: COPY errors", "[keys]") {
  // redis 7.0.15.
  CommandHarness h;
  Put(h, "a", "1");
  CHECK(h.Run({"copy", "a", "a"}) == Err("ERR source and destination objects are the same"));
  CHECK(h.Run({"copy", "a", "a", "db", "0"}) ==
        Err("ERR source and destination objects are the same"));
  CHECK(h.Run({"copy", "a", "b", "db", "x"}) == Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"copy", "a", "b", "db", "16"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"copy", "a", "b", "db", "-1"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"copy", "a", "b", "db", "2147483648"}) ==
        Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  CHECK(h.Run({"copy", "a", "b", "db"}) == Err("ERR syntax error"));
  CHECK(h.Run({"copy", "a", "b", "replace", "foo"}) == Err("ERR syntax error"));
  CHECK(h.Run({"copy", "nokey", "b", "foo"}) == Err("ERR syntax error"));
  CHECK(h.Run({"copy", "a"}) == Err("ERR wrong number of arguments for 'copy' command"));
  CHECK(ValueOf(h, "b") == "<absent>");
}

// ---- Metadata ----

TEST_CASE("keys: command metadata matches Redis 7.0's COMMAND INFO and DOCS", "[keys]") {
  CommandHarness h;
  struct Expect {
    const char* name;
    int arity;
    uint32_t flags;
    int first, last, step;
    const char* syntax;
  };
  const Expect expected[] = {
      {"del", -2, kCmdWrite, 1, -1, 1, "key [key ...]"},
      {"unlink", -2, kCmdWrite | kCmdFast, 1, -1, 1, "key [key ...]"},
      {"exists", -2, kCmdReadOnly | kCmdFast, 1, -1, 1, "key [key ...]"},
      {"type", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, "key"},
      {"rename", 3, kCmdWrite, 1, 2, 1, "key newkey"},
      {"renamenx", 3, kCmdWrite | kCmdFast, 1, 2, 1, "key newkey"},
      {"move", 3, kCmdWrite | kCmdFast, 1, 1, 1, "key db"},
      {"copy", -3, kCmdWrite | kCmdDenyOom, 1, 2, 1,
       "source destination [DB destination-db] [REPLACE]"},
      {"touch", -2, kCmdReadOnly | kCmdFast, 1, -1, 1, "key [key ...]"},
  };
  for (const Expect& x : expected) {
    INFO(x.name);
    const CommandSpec* c = h.table().Find(x.name);
    REQUIRE(c != nullptr);
    CHECK(c->arity == x.arity);
    CHECK(c->flags == x.flags);
    CHECK(c->first_key == x.first);
    CHECK(c->last_key == x.last);
    CHECK(c->key_step == x.step);
    CHECK(c->group == "generic");
    CHECK(c->syntax == x.syntax);
    CHECK_FALSE(c->since.empty());
    CHECK_FALSE(c->summary.empty());
    CHECK_FALSE(c->complexity.empty());
  }
  CHECK(h.table().Find("copy")->since == "6.2.0");
  // Two keys used two ways: each has its own key spec, and the legacy range spans both.
  using Specs = std::vector<KeySpec>;
  CHECK(h.table().Find("rename")->key_specs ==
        Specs{{.flags = kKeyRW | kKeyAccess | kKeyDelete, .begin_index = 1},
              {.flags = kKeyOW | kKeyUpdate, .begin_index = 2}});
  CHECK(h.table().Find("renamenx")->key_specs[1].flags == (kKeyOW | kKeyInsert));
  CHECK(h.table().Find("copy")->key_specs ==
        Specs{{.flags = kKeyRO | kKeyAccess, .begin_index = 1},
              {.flags = kKeyOW | kKeyUpdate, .begin_index = 2}});
  CHECK(h.table().Find("del")->key_specs ==
        Specs{{.flags = kKeyRM | kKeyDelete, .begin_index = 1, .last_key = -1}});
  CHECK(h.table().Find("touch")->since == "3.2.1");
}

}  // namespace
}  // namespace keel::engine
