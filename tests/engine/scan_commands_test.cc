// The keyspace iteration commands through the command table: KEYS, SCAN (full iterations as
// sets, MATCH, TYPE, COUNT, cursor rules, expired keys, sparse tables) and RANDOMKEY. Expectations
// marked "redis 7.0.15" were checked against a real redis-server.
#include <catch2/catch.hpp>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/engine/command_harness.h"

namespace keel::engine {
namespace {

using testing::Arr;
using testing::Bulk;
using testing::CommandHarness;
using testing::Err;
using testing::kNil;

// Stores a string straight through Db, so these tests do not depend on the string commands.
void Put(CommandHarness& h, std::string_view key, std::string_view value, int db = 0) {
  h.ks().db(db).SetString(key, value);
}

// Gives `key` an absolute expiry `ms_from_now` after the clock's current time.
void ExpireIn(CommandHarness& h, std::string_view key, int64_t ms_from_now, int db = 0) {
  Db& d = h.ks().db(db);
  d.SetExpire(d.Find(key), h.clock().NowMs() + ms_from_now);
}

// Parses a RESP array of bulk strings (KEYS) into its elements; `pos` advances past it.
std::vector<std::string> ParseBulkArray(const std::string& resp, size_t& pos) {
  REQUIRE(resp[pos] == '*');
  size_t eol = resp.find("\r\n", pos);
  long n = std::stol(resp.substr(pos + 1, eol - pos - 1));
  pos = eol + 2;
  std::vector<std::string> out;
  for (long i = 0; i < n; ++i) {
    REQUIRE(resp[pos] == '$');
    eol = resp.find("\r\n", pos);
    size_t len = std::stoul(resp.substr(pos + 1, eol - pos - 1));
    out.push_back(resp.substr(eol + 2, len));
    pos = eol + 2 + len + 2;
  }
  return out;
}

std::multiset<std::string> Keys(CommandHarness& h, std::string_view pattern) {
  std::string resp = h.Run({"keys", pattern});
  size_t pos = 0;
  std::vector<std::string> v = ParseBulkArray(resp, pos);
  REQUIRE(pos == resp.size());
  return {v.begin(), v.end()};
}

struct ScanPage {
  std::string cursor;
  std::vector<std::string> keys;
};

ScanPage ParseScan(const std::string& resp) {
  INFO(resp);
  REQUIRE(resp.rfind("*2\r\n$", 0) == 0);
  size_t eol = resp.find("\r\n", 4);
  size_t len = std::stoul(resp.substr(5, eol - 5));
  ScanPage page;
  page.cursor = resp.substr(eol + 2, len);
  size_t pos = eol + 2 + len + 2;
  page.keys = ParseBulkArray(resp, pos);
  REQUIRE(pos == resp.size());
  return page;
}

// Runs a whole SCAN iteration with the given options; returns every key returned (repeats kept)
// and the number of calls.
std::pair<std::multiset<std::string>, int> ScanAll(CommandHarness& h,
                                                   std::vector<std::string> options) {
  std::multiset<std::string> all;
  std::string cursor = "0";
  int calls = 0;
  do {
    std::vector<std::string> args = {"scan", cursor};
    args.insert(args.end(), options.begin(), options.end());
    std::vector<std::string_view> views(args.begin(), args.end());
    ScanPage page = ParseScan(h.Run(views));
    all.insert(page.keys.begin(), page.keys.end());
    cursor = page.cursor;
    REQUIRE(++calls < 1000000);
  } while (cursor != "0");
  return {all, calls};
}

// ---- KEYS ----

TEST_CASE("keys: KEYS filters by glob pattern", "[keys]") {
  CommandHarness h;
  for (const char* k : {"hello", "hallo", "hxllo", "hllo", "heeeello", "user:1", "user:22"}) {
    Put(h, k, "v");
  }
  using S = std::multiset<std::string>;
  CHECK(Keys(h, "*").size() == 7);
  CHECK(Keys(h, "h?llo") == S{"hello", "hallo", "hxllo"});
  CHECK(Keys(h, "h*llo") == S{"hello", "hallo", "hxllo", "hllo", "heeeello"});
  CHECK(Keys(h, "h[ae]llo") == S{"hello", "hallo"});
  CHECK(Keys(h, "h[^e]llo") == S{"hallo", "hxllo"});
  CHECK(Keys(h, "h[a-b]llo") == S{"hallo"});
  CHECK(Keys(h, "user:?") == S{"user:1"});
  CHECK(Keys(h, "nomatch*").empty());
  CHECK(h.Run({"keys", "nomatch*"}) == "*0\r\n");
  CHECK(h.Run({"keys"}) == Err("ERR wrong number of arguments for 'keys' command"));
}

TEST_CASE("keys: KEYS '*' lists the empty key but '**' does not", "[keys]") {
  // redis 7.0.15: SET "" e; KEYS * -> [""]; KEYS ** -> []; KEYS ? -> [].
  CommandHarness h;
  Put(h, "", "e");
  CHECK(h.Run({"keys", "*"}) == Arr({Bulk("")}));
  CHECK(h.Run({"keys", "**"}) == "*0\r\n");
  CHECK(h.Run({"keys", "?"}) == "*0\r\n");
}

TEST_CASE("keys: KEYS skips expired keys without deleting them", "[keys]") {
  CommandHarness h;
  Put(h, "live", "1");
  Put(h, "dead", "1");
  ExpireIn(h, "dead", 50);
  CHECK(Keys(h, "*").size() == 2);
  h.clock().AdvanceMs(51);
  CHECK(Keys(h, "*") == std::multiset<std::string>{"live"});
  CHECK(Keys(h, "d*").empty());
  CHECK(h.ks().db(0).Find("dead") != nullptr);
  CHECK(h.ks().db(0).size() == 2);
}

// ---- SCAN ----

TEST_CASE("keys: a full SCAN returns every key, each once in a stable table", "[keys]") {
  CommandHarness h;
  std::multiset<std::string> expected;
  for (int i = 0; i < 1000; ++i) {
    std::string k = "key:" + std::to_string(i);
    Put(h, k, "v");
    expected.insert(k);
  }
  for (const char* count : {"1", "7", "10", "100", "5000"}) {
    INFO("COUNT " << count);
    auto [keys, calls] = ScanAll(h, {"COUNT", count});
    CHECK(keys == expected);
    if (std::string_view(count) == "5000") CHECK(calls == 1);
  }
  auto [keys, calls] = ScanAll(h, {});  // default COUNT 10
  CHECK(keys == expected);
  CHECK(calls > 10);
}

TEST_CASE("keys: SCAN returns every key present throughout while the table grows", "[keys]") {
  CommandHarness h;
  std::set<std::string> original;
  for (int i = 0; i < 100; ++i) {
    std::string k = "orig:" + std::to_string(i);
    Put(h, k, "v");
    original.insert(k);
  }
  std::set<std::string> seen;
  std::string cursor = "0";
  int added = 0;
  do {
    ScanPage page = ParseScan(h.Run({"scan", cursor, "count", "5"}));
    seen.insert(page.keys.begin(), page.keys.end());
    cursor = page.cursor;
    // Grow the table (and keep it rehashing) between calls.
    for (int i = 0; i < 40; ++i) Put(h, "new:" + std::to_string(added++), "v");
    REQUIRE(added < 1000000);
  } while (cursor != "0");
  for (const std::string& k : original) {
    INFO(k);
    CHECK(seen.count(k) == 1);
  }
}

TEST_CASE("keys: SCAN with MATCH and TYPE filters", "[keys]") {
  CommandHarness h;
  std::multiset<std::string> users;
  for (int i = 0; i < 200; ++i) {
    std::string u = "user:" + std::to_string(i);
    Put(h, u, "v");
    users.insert(u);
    Put(h, "item:" + std::to_string(i), std::to_string(i));
  }
  CHECK(ScanAll(h, {"MATCH", "user:*"}).first == users);
  CHECK(ScanAll(h, {"match", "user:*", "count", "3"}).first == users);
  CHECK(ScanAll(h, {"MATCH", "user:1?"}).first.size() == 10);
  CHECK(ScanAll(h, {"MATCH", "*"}).first.size() == 400);
  CHECK(ScanAll(h, {"TYPE", "string"}).first.size() == 400);
  CHECK(ScanAll(h, {"TYPE", "STRING", "MATCH", "user:*"}).first == users);  // redis 7.0.15
  CHECK(ScanAll(h, {"TYPE", "list"}).first.empty());
  CHECK(ScanAll(h, {"TYPE", "none"}).first.empty());
  CHECK(ScanAll(h, {"TYPE", "nonsense"}).first.empty());
  // The last MATCH wins (redis 7.0.15: SCAN 0 MATCH a COUNT 5 MATCH b).
  CHECK(ScanAll(h, {"MATCH", "nothing", "MATCH", "user:*"}).first == users);
}

TEST_CASE("keys: SCAN MATCH '*' includes the empty key, '**' does not", "[keys]") {
  CommandHarness h;
  Put(h, "", "e");
  CHECK(h.Run({"scan", "0", "match", "*"}) == Arr({Bulk("0"), Arr({Bulk("")})}));
  CHECK(h.Run({"scan", "0", "match", "**"}) == Arr({Bulk("0"), "*0\r\n"}));
}

TEST_CASE("keys: SCAN skips expired keys and reclaims them", "[keys]") {
  CommandHarness h;
  for (int i = 0; i < 50; ++i) {
    std::string k = "k" + std::to_string(i);
    Put(h, k, "v");
    if (i % 2 == 0) ExpireIn(h, k, 100);
  }
  CHECK(ScanAll(h, {}).first.size() == 50);
  h.clock().AdvanceMs(101);
  uint64_t expired = h.ks().stats().expired_keys;
  auto [keys, calls] = ScanAll(h, {"COUNT", "7"});
  CHECK(keys.size() == 25);
  for (const std::string& k : keys) CHECK(std::stoi(k.substr(1)) % 2 == 1);
  CHECK(h.ks().db(0).size() == 25);
  CHECK(h.ks().stats().expired_keys == expired + 25);
}

TEST_CASE("keys: SCAN visits at most COUNT*10 extra buckets per call in a sparse table", "[keys]") {
  CommandHarness h;
  for (int i = 0; i < 20000; ++i) Put(h, "k" + std::to_string(i), "v");
  for (int i = 1; i < 20000; ++i) h.ks().db(0).Delete("k" + std::to_string(i));
  // The table keeps its size until the cron shrinks it: one key in tens of thousands of buckets.
  // Each COUNT 1 call gives up after 11 buckets, so the iteration takes thousands of calls, most
  // returning a non-zero cursor and no keys.
  auto [keys, calls] = ScanAll(h, {"COUNT", "1"});
  CHECK(keys == std::multiset<std::string>{"k0"});
  CHECK(calls > 1000);
  ScanPage first = ParseScan(h.Run({"scan", "0", "count", "1"}));
  CHECK(first.cursor != "0");
}

TEST_CASE("keys: SCAN on an empty db ends at once", "[keys]") {
  CommandHarness h;
  CHECK(h.Run({"scan", "0"}) == Arr({Bulk("0"), "*0\r\n"}));
}

TEST_CASE("keys: SCAN cursor parsing follows strtoul", "[keys]") {
  // redis 7.0.15 accepts "", "+0", "-1" (2^64-1) and "-18446744073709551615" (1), and rejects the
  // rest below. Which keys a cursor reaches depends on Keel's per-process hash seed, so the values
  // are checked by comparing with the equivalent plain cursor.
  CommandHarness h;
  for (int i = 0; i < 40; ++i) Put(h, "k" + std::to_string(i), "v");
  const std::string from0 = h.Run({"scan", "0"});
  REQUIRE(from0.rfind("*2\r\n", 0) == 0);
  CHECK(h.Run({"scan", ""}) == from0);
  CHECK(h.Run({"scan", "+0"}) == from0);
  CHECK(h.Run({"scan", "-0"}) == from0);
  CHECK(h.Run({"scan", "-1"}) == h.Run({"scan", "18446744073709551615"}));
  CHECK(h.Run({"scan", "-18446744073709551615"}) == h.Run({"scan", "1"}));
  CHECK(h.Run({"scan", "+5"}) == h.Run({"scan", "5"}));
  CHECK(h.Run({"scan", "-1"}) != from0);
  for (const char* bad : {" 0", "0 ", "0x1", "abc", "+", "-", "18446744073709551616",
                          "-18446744073709551616", "1.5", "+-1", "\t1"}) {
    INFO("cursor '" << bad << "'");
    CHECK(h.Run({"scan", bad}) == Err("ERR invalid cursor"));
  }
  // An empty db ends the iteration whatever the cursor.
  CommandHarness empty;
  CHECK(empty.Run({"scan", "-1"}) == Arr({Bulk("0"), "*0\r\n"}));
}

TEST_CASE("keys: SCAN option errors", "[keys]") {
  // redis 7.0.15.
  CommandHarness h;
  Put(h, "a", "1");
  CHECK(h.Run({"scan", "0", "count", "0"}) == Err("ERR syntax error"));
  CHECK(h.Run({"scan", "0", "count", "-1"}) == Err("ERR syntax error"));
  CHECK(h.Run({"scan", "0", "count", "abc"}) == Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"scan", "0", "count", "9223372036854775808"}) ==
        Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"scan", "0", "count", "9223372036854775807"}) == Arr({Bulk("0"), Arr({Bulk("a")})}));
  CHECK(h.Run({"scan", "0", "match"}) == Err("ERR syntax error"));
  CHECK(h.Run({"scan", "0", "type"}) == Err("ERR syntax error"));
  CHECK(h.Run({"scan", "0", "count"}) == Err("ERR syntax error"));
  CHECK(h.Run({"scan", "0", "foo", "bar"}) == Err("ERR syntax error"));
  CHECK(h.Run({"scan", "0", "match", "*", "extra"}) == Err("ERR syntax error"));
  // The cursor is checked before the options.
  CHECK(h.Run({"scan", "x", "count", "0"}) == Err("ERR invalid cursor"));
  CHECK(h.Run({"scan"}) == Err("ERR wrong number of arguments for 'scan' command"));
}

// ---- RANDOMKEY ----

TEST_CASE("keys: RANDOMKEY returns a live key or nil", "[keys]") {
  CommandHarness h;
  CHECK(h.Run({"randomkey"}) == kNil);
  Put(h, "only", "1");
  CHECK(h.Run({"randomkey"}) == Bulk("only"));
  for (int i = 0; i < 20; ++i) {
    std::string k = "dead" + std::to_string(i);
    Put(h, k, "1");
    ExpireIn(h, k, 10);
  }
  h.clock().AdvanceMs(11);
  for (int i = 0; i < 10; ++i) CHECK(h.Run({"randomkey"}) == Bulk("only"));
  CHECK(h.Run({"randomkey", "x"}) == Err("ERR wrong number of arguments for 'randomkey' command"));
}

TEST_CASE("keys: RANDOMKEY is nil when every key has expired", "[keys]") {
  CommandHarness h;
  for (int i = 0; i < 5; ++i) {
    std::string k = "dead" + std::to_string(i);
    Put(h, k, "1");
    ExpireIn(h, k, 10);
  }
  h.clock().AdvanceMs(11);
  CHECK(h.Run({"randomkey"}) == kNil);
}

TEST_CASE("keys: KEYS, SCAN and RANDOMKEY metadata matches Redis 7.0", "[keys]") {
  CommandHarness h;
  struct Expect {
    const char* name;
    int arity;
    const char* since;
    const char* syntax;
  };
  const Expect expected[] = {
      {"keys", 2, "1.0.0", "pattern"},
      {"scan", -2, "2.8.0", "cursor [MATCH pattern] [COUNT count] [TYPE@6.0.0 type]"},
      {"randomkey", 1, "1.0.0", ""},
  };
  for (const Expect& x : expected) {
    INFO(x.name);
    const CommandSpec* c = h.table().Find(x.name);
    REQUIRE(c != nullptr);
    CHECK(c->arity == x.arity);
    CHECK(c->flags == kCmdReadOnly);
    CHECK(c->first_key == 0);
    CHECK(c->last_key == 0);
    CHECK(c->key_step == 0);
    CHECK(c->group == "generic");
    CHECK(c->since == x.since);
    CHECK(c->syntax == x.syntax);
    CHECK_FALSE(c->summary.empty());
    CHECK_FALSE(c->complexity.empty());
  }
}

}  // namespace
}  // namespace keel::engine
