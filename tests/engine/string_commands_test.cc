// The string command family through the command table: replies, error texts, expiry interplay on
// a manual clock, dirty counts and encodings. Expectations marked "redis 7.0.15" were checked
// against a real redis-server 7.0.15.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tests/engine/command_harness.h"

namespace keel::engine {
namespace {

using testing::Arr;
using testing::Bulk;
using testing::CommandHarness;
using testing::EncodingOf;
using testing::Err;
using testing::Int;
using testing::kNil;
using testing::kOk;

constexpr std::string_view kEmptyBulk = "$0\r\n\r\n";

const Entry* Find(CommandHarness& h, std::string_view key) { return h.ks().db(0).Find(key); }

// Absolute expiry of `key` in ms, -1 when persistent, -2 when absent.
int64_t ExpireOf(CommandHarness& h, std::string_view key) {
  const Entry* e = Find(h, key);
  return e == nullptr ? -2 : h.ks().db(0).GetExpire(e);
}

const std::string kSetExpireErr = Err("ERR invalid expire time in 'set' command");
const std::string kNotInt = Err("ERR value is not an integer or out of range");
const std::string kSyntax = Err("ERR syntax error");

TEST_CASE("GET of a missing key is nil, of a set key its value", "[string]") {
  CommandHarness h;
  CHECK(h.Run({"GET", "k"}) == kNil);
  CHECK(h.Run({"SET", "k", "v"}) == kOk);
  CHECK(h.Run({"get", "k"}) == Bulk("v"));
}

TEST_CASE("values are binary safe: NUL, CR LF and high bytes survive SET/GET/MGET", "[string]") {
  CommandHarness h;
  const std::string v("a\0b\r\n\xff", 6);
  CHECK(h.Run({"SET", "k", v}) == kOk);
  CHECK(h.Run({"GET", "k"}) == Bulk(v));
  CHECK(h.Run({"STRLEN", "k"}) == Int(6));
  CHECK(h.Run({"MGET", "k"}) == Arr({Bulk(v)}));
  const std::string key("k\0\n", 3);
  CHECK(h.Run({"SET", key, "x"}) == kOk);
  CHECK(h.Run({"GET", key}) == Bulk("x"));
  CHECK(h.Run({"GET", "k"}) == Bulk(v));
}

TEST_CASE("SET stores integers as int and keeps texts that do not round-trip", "[string]") {
  CommandHarness h;
  h.Run({"SET", "i", "12345"});
  CHECK(EncodingOf(h, "i") == "int");
  CHECK(h.Run({"GET", "i"}) == Bulk("12345"));
  // redis 7.0.15: "-0", "01" and 21 digits are not integers, GET returns them verbatim.
  for (const char* text : {"-0", "01", "123456789012345678901", " 1"}) {
    h.Run({"SET", "s", text});
    CHECK(EncodingOf(h, "s") != "int");
    CHECK(h.Run({"GET", "s"}) == Bulk(text));
  }
}

TEST_CASE("SET counts one change and overwrites", "[string]") {
  CommandHarness h;
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"SET", "k", "a"}) == kOk);
  CHECK(h.Run({"SET", "k", "b"}) == kOk);
  CHECK(h.ks().dirty == d + 2);
  CHECK(h.Run({"GET", "k"}) == Bulk("b"));
}

TEST_CASE("SET NX and XX decide on existence and reply nil when they refuse", "[string]") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "a", "XX"}) == kNil);
  CHECK(Find(h, "k") == nullptr);
  CHECK(h.Run({"SET", "k", "a", "nx"}) == kOk);
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"SET", "k", "b", "NX"}) == kNil);
  CHECK(h.ks().dirty == d);
  CHECK(h.Run({"GET", "k"}) == Bulk("a"));
  CHECK(h.Run({"SET", "k", "c", "xX"}) == kOk);
  CHECK(h.Run({"GET", "k"}) == Bulk("c"));
  // redis 7.0.15: repeating NX is accepted, NX with XX in either order is a syntax error.
  CHECK(h.Run({"SET", "n", "v", "NX", "NX"}) == kOk);
  CHECK(h.Run({"SET", "k", "v", "NX", "XX"}) == kSyntax);
  CHECK(h.Run({"SET", "k", "v", "XX", "NX"}) == kSyntax);
}

TEST_CASE("SET GET returns the old value, nil when absent", "[string]") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "a", "GET"}) == kNil);
  CHECK(h.Run({"GET", "k"}) == Bulk("a"));
  CHECK(h.Run({"SET", "k", "b", "get"}) == Bulk("a"));
  CHECK(h.Run({"GET", "k"}) == Bulk("b"));
  CHECK(h.Run({"SET", "k", "c", "GET", "GET"}) == Bulk("b"));
  h.Run({"SET", "i", "42"});
  CHECK(h.Run({"SET", "i", "x", "GET"}) == Bulk("42"));
}

TEST_CASE("SET NX GET is allowed in 7.0: old value and no write, or nil and a write", "[string]") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "v", "NX", "GET"}) == kNil);
  CHECK(h.Run({"GET", "k"}) == Bulk("v"));
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"SET", "k", "w", "GET", "NX"}) == Bulk("v"));
  CHECK(h.ks().dirty == d);
  CHECK(h.Run({"GET", "k"}) == Bulk("v"));
  CHECK(h.Run({"SET", "x", "w", "XX", "GET"}) == kNil);
  CHECK(Find(h, "x") == nullptr);
  CHECK(h.ks().dirty == d);
}

TEST_CASE("SET EX/PX/EXAT/PXAT store absolute expiry times", "[string][ttl]") {
  CommandHarness h;
  const int64_t now = h.clock().NowMs();
  CHECK(h.Run({"SET", "a", "v", "EX", "10"}) == kOk);
  CHECK(ExpireOf(h, "a") == now + 10'000);
  CHECK(h.Run({"SET", "b", "v", "px", "1500"}) == kOk);
  CHECK(ExpireOf(h, "b") == now + 1'500);
  CHECK(h.Run({"SET", "c", "v", "EXAT", "1800000000"}) == kOk);
  CHECK(ExpireOf(h, "c") == 1'800'000'000'000);
  CHECK(h.Run({"SET", "d", "v", "PXAT", "1800000000123"}) == kOk);
  CHECK(ExpireOf(h, "d") == 1'800'000'000'123);
  // The last of repeated EX options wins (redis 7.0.15 accepts the repeat).
  CHECK(h.Run({"SET", "e", "v", "EX", "10", "EX", "20"}) == kOk);
  CHECK(ExpireOf(h, "e") == now + 20'000);
}

TEST_CASE("a key SET with EX disappears once the clock passes its expiry", "[string][ttl]") {
  CommandHarness h;
  h.Run({"SET", "k", "v", "EX", "10"});
  h.clock().AdvanceMs(9'999);
  CHECK(h.Run({"GET", "k"}) == Bulk("v"));
  h.clock().AdvanceMs(2);
  CHECK(h.Run({"GET", "k"}) == kNil);
  CHECK(h.Run({"SET", "k", "w", "XX"}) == kNil);
}

TEST_CASE("plain SET clears a TTL, KEEPTTL keeps it", "[string][ttl]") {
  CommandHarness h;
  const int64_t now = h.clock().NowMs();
  h.Run({"SET", "k", "v", "EX", "100"});
  CHECK(h.Run({"SET", "k", "w", "KEEPTTL"}) == kOk);
  CHECK(ExpireOf(h, "k") == now + 100'000);
  CHECK(h.Run({"GET", "k"}) == Bulk("w"));
  CHECK(h.Run({"SET", "k", "x", "KEEPTTL", "KEEPTTL"}) == kOk);
  CHECK(ExpireOf(h, "k") == now + 100'000);
  CHECK(h.Run({"SET", "k", "y"}) == kOk);
  CHECK(ExpireOf(h, "k") == -1);
  // KEEPTTL on a new key leaves it persistent.
  CHECK(h.Run({"SET", "n", "v", "KEEPTTL"}) == kOk);
  CHECK(ExpireOf(h, "n") == -1);
}

TEST_CASE("SET KEEPTTL on a logically expired key does not resurrect the old TTL",
          "[string][ttl]") {
  CommandHarness h;
  h.Run({"SET", "k", "v", "PX", "10"});
  h.clock().AdvanceMs(20);
  CHECK(h.Run({"SET", "k", "w", "KEEPTTL"}) == kOk);
  CHECK(h.Run({"GET", "k"}) == Bulk("w"));
  CHECK(ExpireOf(h, "k") == -1);
}

TEST_CASE("SET with an absolute time in the past is accepted and the key reads as gone",
          "[string][ttl]") {
  CommandHarness h;
  h.Run({"SET", "k", "old"});
  uint64_t d = h.ks().dirty;
  // redis 7.0.15: OK, one change, and the key is expired on its next access.
  CHECK(h.Run({"SET", "k", "v", "PXAT", "1000"}) == kOk);
  CHECK(h.ks().dirty == d + 1);
  CHECK(h.Run({"GET", "k"}) == kNil);
  CHECK(h.Run({"SET", "j", "v", "EXAT", "1", "GET"}) == kNil);
  CHECK(h.Run({"GET", "j"}) == kNil);
}

TEST_CASE("SET rejects non-positive and overflowing expire times", "[string][ttl]") {
  CommandHarness h;
  // redis 7.0.15, every line.
  CHECK(h.Run({"SET", "k", "v", "EX", "0"}) == kSetExpireErr);
  CHECK(h.Run({"SET", "k", "v", "EX", "-1"}) == kSetExpireErr);
  CHECK(h.Run({"SET", "k", "v", "PX", "0"}) == kSetExpireErr);
  CHECK(h.Run({"SET", "k", "v", "EXAT", "0"}) == kSetExpireErr);
  CHECK(h.Run({"SET", "k", "v", "PXAT", "-5"}) == kSetExpireErr);
  // Seconds that overflow when scaled to ms.
  CHECK(h.Run({"SET", "k", "v", "EX", "9223372036854775807"}) == kSetExpireErr);
  CHECK(h.Run({"SET", "k", "v", "EXAT", "9223372036854776"}) == kSetExpireErr);
  // Scaled fine, but overflow once now is added.
  CHECK(h.Run({"SET", "k", "v", "EX", "9223372036854775"}) == kSetExpireErr);
  CHECK(h.Run({"SET", "k", "v", "PX", "9223372036854775807"}) == kSetExpireErr);
  CHECK(h.Run({"SET", "k", "v", "PX", "9223372036854775000"}) == kSetExpireErr);
  CHECK(Find(h, "k") == nullptr);
  // Absolute times have no addition and may go to the very top.
  CHECK(h.Run({"SET", "k", "v", "PXAT", "9223372036854775807"}) == kOk);
  CHECK(ExpireOf(h, "k") == INT64_MAX);
  CHECK(h.Run({"SET", "k", "v", "EXAT", "9223372036854775"}) == kOk);
  CHECK(ExpireOf(h, "k") == 9'223'372'036'854'775'000);
}

TEST_CASE("SET expire arguments that are not integers", "[string][ttl]") {
  CommandHarness h;
  CHECK(h.Run({"SET", "k", "v", "EX", "abc"}) == kNotInt);
  CHECK(h.Run({"SET", "k", "v", "EX", "1.5"}) == kNotInt);
  CHECK(h.Run({"SET", "k", "v", "PX", "+5"}) == kNotInt);
  CHECK(h.Run({"SET", "k", "v", "EX", ""}) == kNotInt);
  CHECK(Find(h, "k") == nullptr);
}

TEST_CASE("SET option conflicts and unknown options are syntax errors", "[string]") {
  CommandHarness h;
  h.Run({"SET", "k", "orig"});
  uint64_t d = h.ks().dirty;
  // redis 7.0.15, every line.
  for (std::vector<std::string_view> args : std::vector<std::vector<std::string_view>>{
           {"SET", "k", "v", "EX", "10", "PX", "10"},
           {"SET", "k", "v", "EXAT", "10", "PXAT", "10"},
           {"SET", "k", "v", "KEEPTTL", "EX", "10"},
           {"SET", "k", "v", "EX", "10", "KEEPTTL"},
           {"SET", "k", "v", "EX"},
           {"SET", "k", "v", "foo"},
           {"SET", "k", "v", "PERSIST"},
           {"SET", "k", "v", "EX", "10", "KEEPTTL", "foo"},
           {"SET", "k", "v", "EX", "0", "foo"},  // syntax is checked before the time
           {"SET", "k", "v", "foo", "EX", "0"},
           {"SET", "k", "v", "NXX"},
       }) {
    CHECK(h.Run(args) == kSyntax);
  }
  CHECK(h.ks().dirty == d);
  CHECK(h.Run({"GET", "k"}) == Bulk("orig"));
}

TEST_CASE("SET GET with an invalid expire time reports the time, not the value", "[string]") {
  CommandHarness h;
  h.Run({"SET", "k", "v"});
  CHECK(h.Run({"SET", "k", "w", "EX", "0", "GET"}) == kSetExpireErr);
  CHECK(h.Run({"GET", "k"}) == Bulk("v"));
}

TEST_CASE("SETNX replies 1 or 0 and never touches an existing key", "[string]") {
  CommandHarness h;
  const int64_t now = h.clock().NowMs();
  CHECK(h.Run({"SETNX", "k", "a"}) == Int(1));
  h.Run({"SET", "t", "v", "EX", "50"});
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"SETNX", "k", "b"}) == Int(0));
  CHECK(h.Run({"SETNX", "t", "b"}) == Int(0));
  CHECK(h.ks().dirty == d);
  CHECK(h.Run({"GET", "k"}) == Bulk("a"));
  CHECK(ExpireOf(h, "t") == now + 50'000);
}

TEST_CASE("SETEX and PSETEX set value and TTL, with their own names in errors", "[string][ttl]") {
  CommandHarness h;
  const int64_t now = h.clock().NowMs();
  CHECK(h.Run({"SETEX", "k", "10", "v"}) == kOk);
  CHECK(ExpireOf(h, "k") == now + 10'000);
  CHECK(h.Run({"PSETEX", "p", "250", "v"}) == kOk);
  CHECK(ExpireOf(h, "p") == now + 250);
  CHECK(h.Run({"GET", "p"}) == Bulk("v"));
  CHECK(h.Run({"SETEX", "k", "0", "v"}) == Err("ERR invalid expire time in 'setex' command"));
  CHECK(h.Run({"PSETEX", "k", "-1", "v"}) == Err("ERR invalid expire time in 'psetex' command"));
  CHECK(h.Run({"SETEX", "k", "9223372036854775807", "v"}) ==
        Err("ERR invalid expire time in 'setex' command"));
  CHECK(h.Run({"SETEX", "k", "ten", "v"}) == kNotInt);
  CHECK(ExpireOf(h, "k") == now + 10'000);
  h.clock().AdvanceMs(251);
  CHECK(h.Run({"GET", "p"}) == kNil);
}

TEST_CASE("GETSET returns the old value, stores the new one and clears the TTL", "[string]") {
  CommandHarness h;
  CHECK(h.Run({"GETSET", "k", "a"}) == kNil);
  CHECK(h.Run({"GET", "k"}) == Bulk("a"));
  h.Run({"SET", "k", "b", "EX", "100"});
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"GETSET", "k", "c"}) == Bulk("b"));
  CHECK(h.ks().dirty == d + 1);
  CHECK(ExpireOf(h, "k") == -1);
  CHECK(h.Run({"GET", "k"}) == Bulk("c"));
}

TEST_CASE("GETDEL returns the value and deletes; a miss changes nothing", "[string]") {
  CommandHarness h;
  h.Run({"SET", "k", "v"});
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"GETDEL", "k"}) == Bulk("v"));
  CHECK(h.ks().dirty == d + 1);
  CHECK(Find(h, "k") == nullptr);
  CHECK(h.Run({"GETDEL", "k"}) == kNil);
  CHECK(h.ks().dirty == d + 1);
  h.Run({"SET", "i", "7"});
  CHECK(h.Run({"GETDEL", "i"}) == Bulk("7"));
}

TEST_CASE("GETEX without options only reads", "[string][ttl]") {
  CommandHarness h;
  const int64_t now = h.clock().NowMs();
  h.Run({"SET", "k", "v", "EX", "10"});
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"GETEX", "k"}) == Bulk("v"));
  CHECK(h.ks().dirty == d);
  CHECK(ExpireOf(h, "k") == now + 10'000);
  CHECK(h.Run({"GETEX", "missing"}) == kNil);
}

TEST_CASE("GETEX EX/PX/EXAT/PXAT set the expiry and count a change", "[string][ttl]") {
  CommandHarness h;
  const int64_t now = h.clock().NowMs();
  h.Run({"SET", "k", "v"});
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"GETEX", "k", "EX", "5"}) == Bulk("v"));
  CHECK(ExpireOf(h, "k") == now + 5'000);
  CHECK(h.Run({"GETEX", "k", "px", "700"}) == Bulk("v"));
  CHECK(ExpireOf(h, "k") == now + 700);
  CHECK(h.Run({"GETEX", "k", "EXAT", "1800000000"}) == Bulk("v"));
  CHECK(ExpireOf(h, "k") == 1'800'000'000'000);
  CHECK(h.Run({"GETEX", "k", "PXAT", "1800000000001"}) == Bulk("v"));
  CHECK(ExpireOf(h, "k") == 1'800'000'000'001);
  CHECK(h.Run({"GETEX", "k", "EX", "10", "EX", "20"}) == Bulk("v"));
  CHECK(ExpireOf(h, "k") == now + 20'000);
  CHECK(h.ks().dirty == d + 5);
  h.clock().AdvanceMs(20'001);
  CHECK(h.Run({"GETEX", "k"}) == kNil);
}

TEST_CASE("GETEX PERSIST removes a TTL and counts a change only when there was one",
          "[string][ttl]") {
  CommandHarness h;
  h.Run({"SET", "k", "v", "EX", "10"});
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"GETEX", "k", "PERSIST"}) == Bulk("v"));
  CHECK(ExpireOf(h, "k") == -1);
  CHECK(h.ks().dirty == d + 1);
  // redis 7.0.15: repeating PERSIST is accepted; on a persistent key it is not a change.
  CHECK(h.Run({"GETEX", "k", "persist", "PERSIST"}) == Bulk("v"));
  CHECK(h.ks().dirty == d + 1);
}

TEST_CASE("GETEX with an absolute time in the past returns the value and deletes the key",
          "[string][ttl]") {
  CommandHarness h;
  h.Run({"SET", "k", "v"});
  uint64_t d = h.ks().dirty;
  uint64_t expired = h.ks().stats().expired_keys;
  CHECK(h.Run({"GETEX", "k", "EXAT", "1"}) == Bulk("v"));
  CHECK(Find(h, "k") == nullptr);
  CHECK(h.ks().dirty == d + 1);
  // redis 7.0.15: a deletion, not an expiry, in INFO's expired_keys.
  CHECK(h.ks().stats().expired_keys == expired);
  h.Run({"SET", "k", "v"});
  CHECK(h.Run({"GETEX", "k", "PXAT", std::to_string(h.clock().NowMs())}) == Bulk("v"));
  CHECK(Find(h, "k") == nullptr);
}

TEST_CASE("GETEX errors: options are checked first, the time only for an existing key",
          "[string][ttl]") {
  CommandHarness h;
  const std::string getex_err = Err("ERR invalid expire time in 'getex' command");
  // redis 7.0.15: a missing key answers nil before its expiry argument is validated.
  CHECK(h.Run({"GETEX", "missing", "EX", "-1"}) == kNil);
  CHECK(h.Run({"GETEX", "missing", "EX", "abc"}) == kNil);
  CHECK(h.Run({"GETEX", "missing", "foo"}) == kSyntax);
  h.Run({"SET", "g", "v"});
  CHECK(h.Run({"GETEX", "g", "EX", "-1"}) == getex_err);
  CHECK(h.Run({"GETEX", "g", "EX", "0"}) == getex_err);
  CHECK(h.Run({"GETEX", "g", "EXAT", "0"}) == getex_err);
  CHECK(h.Run({"GETEX", "g", "PX", "9223372036854775807"}) == getex_err);
  CHECK(h.Run({"GETEX", "g", "EX", "9223372036854775"}) == getex_err);
  CHECK(h.Run({"GETEX", "g", "EXAT", "9223372036854776"}) == getex_err);
  CHECK(h.Run({"GETEX", "g", "EX", "abc"}) == kNotInt);
  for (std::vector<std::string_view> args : std::vector<std::vector<std::string_view>>{
           {"GETEX", "g", "PERSIST", "EX", "10"},
           {"GETEX", "g", "EX", "10", "PERSIST"},
           {"GETEX", "g", "KEEPTTL"},
           {"GETEX", "g", "NX"},
           {"GETEX", "g", "GET"},
           {"GETEX", "g", "EX"},
           {"GETEX", "g", "EX", "10", "PX", "10"},
       }) {
    CHECK(h.Run(args) == kSyntax);
  }
  CHECK(ExpireOf(h, "g") == -1);
  CHECK(h.Run({"GETEX", "g", "PXAT", "9223372036854775807"}) == Bulk("v"));
  CHECK(ExpireOf(h, "g") == INT64_MAX);
}

TEST_CASE("MGET returns values and nils in order, duplicates included", "[string]") {
  CommandHarness h;
  h.Run({"SET", "a", "1"});
  h.Run({"SET", "b", "two"});
  CHECK(h.Run({"MGET", "a", "missing", "b", "a"}) ==
        Arr({Bulk("1"), kNil, Bulk("two"), Bulk("1")}));
  CHECK(h.Run({"MGET", "x"}) == Arr({kNil}));
}

TEST_CASE("MSET sets every pair, clears TTLs and counts one change per pair", "[string]") {
  CommandHarness h;
  h.Run({"SET", "a", "old", "EX", "10"});
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"MSET", "a", "1", "b", "2", "c", "3"}) == kOk);
  CHECK(h.ks().dirty == d + 3);
  CHECK(h.Run({"MGET", "a", "b", "c"}) == Arr({Bulk("1"), Bulk("2"), Bulk("3")}));
  CHECK(ExpireOf(h, "a") == -1);
  CHECK(h.Run({"MSET", "a", "x", "a", "y"}) == kOk);
  CHECK(h.Run({"GET", "a"}) == Bulk("y"));
}

TEST_CASE("MSET and MSETNX with an odd argument count name themselves", "[string]") {
  CommandHarness h;
  CHECK(h.Run({"MSET", "a", "1", "b"}) == Err("ERR wrong number of arguments for 'mset' command"));
  CHECK(h.Run({"MSETNX", "a", "1", "b"}) ==
        Err("ERR wrong number of arguments for 'msetnx' command"));
  CHECK(Find(h, "a") == nullptr);
}

TEST_CASE("MSETNX sets all or nothing", "[string]") {
  CommandHarness h;
  CHECK(h.Run({"MSETNX", "a", "1", "b", "2"}) == Int(1));
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"MSETNX", "c", "3", "b", "9"}) == Int(0));
  CHECK(h.ks().dirty == d);
  CHECK(Find(h, "c") == nullptr);
  CHECK(h.Run({"GET", "b"}) == Bulk("2"));
}

TEST_CASE("MSETNX naming one new key twice sets it to the last value", "[string]") {
  // Fault checklist N14; redis 7.0.15 replies 1 and keeps the second value.
  CommandHarness h;
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"MSETNX", "k", "v", "k", "w"}) == Int(1));
  CHECK(h.ks().dirty == d + 2);
  CHECK(h.Run({"GET", "k"}) == Bulk("w"));
}

TEST_CASE("INCR and DECR start from zero and keep the int encoding", "[string][incr]") {
  CommandHarness h;
  CHECK(h.Run({"INCR", "k"}) == Int(1));
  CHECK(h.Run({"INCR", "k"}) == Int(2));
  CHECK(h.Run({"DECR", "k"}) == Int(1));
  CHECK(h.Run({"DECR", "n"}) == Int(-1));
  CHECK(EncodingOf(h, "k") == "int");
  CHECK(h.Run({"GET", "k"}) == Bulk("1"));
  CHECK(h.Run({"INCRBY", "k", "100"}) == Int(101));
  CHECK(h.Run({"DECRBY", "k", "1000"}) == Int(-899));
  CHECK(h.Run({"INCRBY", "k", "-1"}) == Int(-900));
  CHECK(h.Run({"DECRBY", "k", "-900"}) == Int(0));
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"INCRBY", "k", "0"}) == Int(0));  // still a change, as in redis 7.0.15
  CHECK(h.ks().dirty == d + 1);
}

TEST_CASE("INCR on an int-encoded value updates the entry in place", "[string][incr]") {
  // The benchmarked INCR path: no new entry, no text formatting, just the 8-byte integer.
  CommandHarness h;
  h.Run({"SET", "k", "41"});
  const Entry* before = Find(h, "k");
  CHECK(h.Run({"INCR", "k"}) == Int(42));
  CHECK(h.Run({"DECRBY", "k", "50"}) == Int(-8));
  CHECK(Find(h, "k") == before);
  CHECK(EncodingOf(h, "k") == "int");
}

TEST_CASE("INCR parses raw and embstr values as integers", "[string][incr]") {
  CommandHarness h;
  h.Run({"SET", "k", "1"});
  h.Run({"APPEND", "k", "0"});  // "10", raw
  CHECK(EncodingOf(h, "k") == "raw");
  CHECK(h.Run({"INCR", "k"}) == Int(11));
  CHECK(h.Run({"GET", "k"}) == Bulk("11"));
}

TEST_CASE("INCR keeps the key's TTL", "[string][incr][ttl]") {
  CommandHarness h;
  const int64_t now = h.clock().NowMs();
  h.Run({"SET", "k", "5", "EX", "100"});
  CHECK(h.Run({"INCR", "k"}) == Int(6));
  CHECK(ExpireOf(h, "k") == now + 100'000);
  CHECK(h.Run({"INCRBYFLOAT", "k", "0.5"}) == Bulk("6.5"));
  CHECK(ExpireOf(h, "k") == now + 100'000);
}

TEST_CASE("INCR on values that are not canonical integers is an error", "[string][incr]") {
  CommandHarness h;
  // redis 7.0.15, every value.
  for (const char* v : {"abc", " 1", "1 ", "01", "1.0", "-0", "+1", "", "123456789012345678901",
                        "9223372036854775808"}) {
    h.Run({"SET", "k", v});
    CHECK(h.Run({"INCR", "k"}) == kNotInt);
    CHECK(h.Run({"GET", "k"}) == Bulk(v));
  }
}

TEST_CASE("INCRBY and DECRBY reject a non-integer amount even for a missing key",
          "[string][incr]") {
  CommandHarness h;
  CHECK(h.Run({"INCRBY", "k", "abc"}) == kNotInt);
  CHECK(h.Run({"DECRBY", "k", "1.5"}) == kNotInt);
  CHECK(h.Run({"INCRBY", "k", "9223372036854775808"}) == kNotInt);
  CHECK(Find(h, "k") == nullptr);
}

TEST_CASE("INCR family overflow at both ends of int64", "[string][incr]") {
  CommandHarness h;
  const std::string overflow = Err("ERR increment or decrement would overflow");
  CHECK(h.Run({"INCRBY", "k", "9223372036854775807"}) == Int(INT64_MAX));
  CHECK(h.Run({"INCR", "k"}) == overflow);
  CHECK(h.Run({"INCRBY", "k", "1"}) == overflow);
  CHECK(h.Run({"GET", "k"}) == Bulk("9223372036854775807"));
  h.Run({"SET", "k", "-9223372036854775808"});
  CHECK(h.Run({"DECR", "k"}) == overflow);
  CHECK(h.Run({"INCRBY", "k", "-1"}) == overflow);
  CHECK(h.Run({"DECRBY", "k", "1"}) == overflow);
  // Opposite signs never overflow.
  CHECK(h.Run({"INCRBY", "k", "9223372036854775807"}) == Int(-1));
  // redis 7.0.15: DECRBY of INT64_MIN cannot be negated and has its own text.
  CHECK(h.Run({"DECRBY", "k", "-9223372036854775808"}) == Err("ERR decrement would overflow"));
  CHECK(h.Run({"INCRBY", "k", "-9223372036854775808"}) == overflow);
  h.Run({"SET", "k", "0"});
  CHECK(h.Run({"INCRBY", "k", "-9223372036854775808"}) == Int(INT64_MIN));
}

TEST_CASE("INCRBYFLOAT formats like Redis and stores the formatted text", "[string][incr]") {
  CommandHarness h;
  h.Run({"SET", "k", "10.50"});
  CHECK(h.Run({"INCRBYFLOAT", "k", "0.1"}) == Bulk("10.6"));
  CHECK(h.Run({"INCRBYFLOAT", "k", "-5"}) == Bulk("5.6"));
  CHECK(h.Run({"GET", "k"}) == Bulk("5.6"));
  h.Run({"SET", "k", "5.0e3"});
  CHECK(h.Run({"INCRBYFLOAT", "k", "2.0e2"}) == Bulk("5200"));
  CHECK(h.Run({"INCRBYFLOAT", "new", "5.0e3"}) == Bulk("5000"));
  h.Run({"SET", "i", "1"});
  CHECK(h.Run({"INCRBYFLOAT", "i", "2"}) == Bulk("3"));
  CHECK(h.Run({"GET", "i"}) == Bulk("3"));
  // redis 7.0.15: strtold's hex form is accepted.
  CHECK(h.Run({"INCRBYFLOAT", "i", "0x10"}) == Bulk("19"));
  h.Run({"SET", "z", "1.5"});
  CHECK(h.Run({"INCRBYFLOAT", "z", "-1.5"}) == Bulk("0"));
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"INCRBYFLOAT", "z", "0"}) == Bulk("0"));
  CHECK(h.ks().dirty == d + 1);
}

TEST_CASE("INCRBYFLOAT on a value beyond double range uses long double", "[string][incr]") {
  CommandHarness h;
  h.Run({"SET", "k", "1e400"});
  const std::string r = h.Run({"INCRBYFLOAT", "k", "1"});
  // redis 7.0.15 replies with all 401 integer digits, starting "10000000000000000000281880".
  REQUIRE(r.rfind("$401\r\n10000000000000000000281880", 0) == 0);
}

TEST_CASE("INCRBYFLOAT errors: invalid floats, NaN and infinity", "[string][incr]") {
  CommandHarness h;
  const std::string not_float = Err("ERR value is not a valid float");
  h.Run({"SET", "k", "1"});
  // redis 7.0.15, every line.
  CHECK(h.Run({"INCRBYFLOAT", "k", "abc"}) == not_float);
  CHECK(h.Run({"INCRBYFLOAT", "k", "nan"}) == not_float);
  CHECK(h.Run({"INCRBYFLOAT", "k", " 1"}) == not_float);
  CHECK(h.Run({"INCRBYFLOAT", "k", "1e5000"}) == not_float);
  CHECK(h.Run({"INCRBYFLOAT", "k", ""}) == not_float);
  CHECK(h.Run({"INCRBYFLOAT", "k", "inf"}) == Err("ERR increment would produce NaN or Infinity"));
  CHECK(h.Run({"INCRBYFLOAT", "k", "-inf"}) == Err("ERR increment would produce NaN or Infinity"));
  CHECK(h.Run({"GET", "k"}) == Bulk("1"));
  h.Run({"SET", "s", "abc"});
  CHECK(h.Run({"INCRBYFLOAT", "s", "1"}) == not_float);
  CHECK(h.Run({"INCRBYFLOAT", "missing", "abc"}) == not_float);
  CHECK(Find(h, "missing") == nullptr);
}

TEST_CASE("INCRBYFLOAT rejects an increment that underflows to zero", "[string][incr]") {
  // redis 7.0.15: string2ld treats ERANGE with a zero result as invalid.
  CommandHarness h;
  h.Run({"SET", "k", "1"});
  CHECK(h.Run({"INCRBYFLOAT", "k", "1e-5000"}) == Err("ERR value is not a valid float"));
}

TEST_CASE("APPEND creates, extends and reports the new length", "[string]") {
  CommandHarness h;
  CHECK(h.Run({"APPEND", "k", "Hello"}) == Int(5));
  CHECK(h.Run({"APPEND", "k", " World"}) == Int(11));
  CHECK(h.Run({"GET", "k"}) == Bulk("Hello World"));
  CHECK(EncodingOf(h, "k") == "raw");
  // A new key takes the value as SET would (redis 7.0.15: "int").
  CHECK(h.Run({"APPEND", "n", "12"}) == Int(2));
  CHECK(EncodingOf(h, "n") == "int");
  h.Run({"SET", "i", "5"});
  CHECK(h.Run({"APPEND", "i", "6"}) == Int(2));
  CHECK(h.Run({"GET", "i"}) == Bulk("56"));
  CHECK(h.Run({"APPEND", "b", std::string_view("\0x", 2)}) == Int(2));
  CHECK(h.Run({"GET", "b"}) == Bulk(std::string_view("\0x", 2)));
}

TEST_CASE("APPEND of nothing still counts and makes the value raw", "[string]") {
  CommandHarness h;
  h.Run({"SET", "k", "5"});
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"APPEND", "k", ""}) == Int(1));
  CHECK(h.ks().dirty == d + 1);
  CHECK(EncodingOf(h, "k") == "raw");
  // redis 7.0.15: an empty APPEND to a missing key creates an empty string.
  CHECK(h.Run({"APPEND", "e", ""}) == Int(0));
  CHECK(Find(h, "e") != nullptr);
  CHECK(h.Run({"GET", "e"}) == std::string(kEmptyBulk));
}

TEST_CASE("APPEND keeps the TTL", "[string][ttl]") {
  CommandHarness h;
  const int64_t now = h.clock().NowMs();
  h.Run({"SET", "k", "v", "EX", "100"});
  h.Run({"APPEND", "k", "w"});
  CHECK(ExpireOf(h, "k") == now + 100'000);
}

TEST_CASE("APPEND beyond proto-max-bulk-len is refused", "[string][limits]") {
  CommandHarness h;
  h.ks().proto_max_bulk_len = 8;
  h.Run({"SET", "k", "12345"});
  CHECK(h.Run({"APPEND", "k", "678"}) == Int(8));
  CHECK(h.Run({"APPEND", "k", "9"}) ==
        Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  CHECK(h.Run({"GET", "k"}) == Bulk("12345678"));
}

TEST_CASE("STRLEN counts bytes of every encoding; missing is 0", "[string]") {
  CommandHarness h;
  CHECK(h.Run({"STRLEN", "k"}) == Int(0));
  h.Run({"SET", "i", "-12345"});
  CHECK(h.Run({"STRLEN", "i"}) == Int(6));
  h.Run({"SET", "e", ""});
  CHECK(h.Run({"STRLEN", "e"}) == Int(0));
  const std::string big(100, 'x');
  h.Run({"SET", "b", big});
  CHECK(h.Run({"STRLEN", "b"}) == Int(100));
}

TEST_CASE("GETRANGE index arithmetic matches Redis 7.0", "[string][range]") {
  CommandHarness h;
  h.Run({"SET", "s", "This is a string"});
  // redis 7.0.15, every line.
  CHECK(h.Run({"GETRANGE", "s", "0", "3"}) == Bulk("This"));
  CHECK(h.Run({"GETRANGE", "s", "-3", "-1"}) == Bulk("ing"));
  CHECK(h.Run({"GETRANGE", "s", "0", "-1"}) == Bulk("This is a string"));
  CHECK(h.Run({"GETRANGE", "s", "10", "100"}) == Bulk("string"));
  CHECK(h.Run({"GETRANGE", "s", "15", "15"}) == Bulk("g"));
  CHECK(h.Run({"GETRANGE", "s", "-1", "-5"}) == kEmptyBulk);
  CHECK(h.Run({"GETRANGE", "s", "5", "3"}) == kEmptyBulk);
  CHECK(h.Run({"GETRANGE", "s", "16", "20"}) == kEmptyBulk);
  CHECK(h.Run({"GETRANGE", "s", "-100", "2"}) == Bulk("Thi"));
  // Both negative, in order, before the start: clamped to the first byte.
  CHECK(h.Run({"GETRANGE", "s", "-100", "-50"}) == Bulk("T"));
  CHECK(h.Run({"GETRANGE", "s", "9223372036854775807", "-9223372036854775808"}) == kEmptyBulk);
  CHECK(h.Run({"GETRANGE", "s", "-9223372036854775808", "9223372036854775807"}) ==
        Bulk("This is a string"));
  CHECK(h.Run({"SUBSTR", "s", "0", "3"}) == Bulk("This"));
}

TEST_CASE("GETRANGE of missing, empty and int-encoded values", "[string][range]") {
  CommandHarness h;
  CHECK(h.Run({"GETRANGE", "missing", "0", "-1"}) == kEmptyBulk);
  h.Run({"SET", "e", ""});
  CHECK(h.Run({"GETRANGE", "e", "0", "-1"}) == kEmptyBulk);
  CHECK(h.Run({"GETRANGE", "e", "-1", "0"}) == kEmptyBulk);
  h.Run({"SET", "i", "12345"});
  CHECK(h.Run({"GETRANGE", "i", "1", "2"}) == Bulk("23"));
  CHECK(h.Run({"GETRANGE", "i", "-2", "-1"}) == Bulk("45"));
}

TEST_CASE("GETRANGE indexes must be integers, even for a missing key", "[string][range]") {
  CommandHarness h;
  CHECK(h.Run({"GETRANGE", "missing", "a", "1"}) == kNotInt);
  CHECK(h.Run({"GETRANGE", "missing", "0", "1.5"}) == kNotInt);
  CHECK(h.Run({"SUBSTR", "missing", "0", "x"}) == kNotInt);
}

TEST_CASE("SETRANGE overwrites and pads with zero bytes", "[string][range]") {
  CommandHarness h;
  h.Run({"SET", "k", "Hello World"});
  CHECK(h.Run({"SETRANGE", "k", "6", "Redis"}) == Int(11));
  CHECK(h.Run({"GET", "k"}) == Bulk("Hello Redis"));
  CHECK(h.Run({"SETRANGE", "k", "13", "!"}) == Int(14));
  CHECK(h.Run({"GET", "k"}) == Bulk(std::string_view("Hello Redis\0\0!", 14)));
  CHECK(h.Run({"SETRANGE", "n", "3", "x"}) == Int(4));
  CHECK(h.Run({"GET", "n"}) == Bulk(std::string_view("\0\0\0x", 4)));
  // redis 7.0.15: a key created by SETRANGE is raw, and so is an edited int.
  CHECK(EncodingOf(h, "n") == "raw");
  h.Run({"SET", "i", "12345"});
  CHECK(h.Run({"SETRANGE", "i", "0", "9"}) == Int(5));
  CHECK(h.Run({"GET", "i"}) == Bulk("92345"));
  CHECK(EncodingOf(h, "i") == "raw");
}

TEST_CASE("SETRANGE with an empty value neither creates, grows nor fails", "[string][range]") {
  CommandHarness h;
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"SETRANGE", "k", "10", ""}) == Int(0));
  CHECK(Find(h, "k") == nullptr);
  h.Run({"SET", "s", "abc"});
  d = h.ks().dirty;
  // redis 7.0.15: the length is returned even for an offset past the size limit.
  CHECK(h.Run({"SETRANGE", "s", "4294967295", ""}) == Int(3));
  CHECK(h.Run({"SETRANGE", "s", "1", ""}) == Int(3));
  CHECK(h.ks().dirty == d);
  CHECK(EncodingOf(h, "s") == "embstr");
}

TEST_CASE("SETRANGE offset errors and the size limit", "[string][range][limits]") {
  CommandHarness h;
  const std::string too_big = Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  CHECK(h.Run({"SETRANGE", "k", "-1", "x"}) == Err("ERR offset is out of range"));
  CHECK(h.Run({"SETRANGE", "k", "a", "x"}) == kNotInt);
  // Fault checklist N14: no 4 GB allocation, an error (redis 7.0.15).
  CHECK(h.Run({"SETRANGE", "k", "4294967295", "x"}) == too_big);
  CHECK(h.Run({"SETRANGE", "k", "536870912", "x"}) == too_big);
  CHECK(h.Run({"SETRANGE", "k", "9223372036854775807", "xyz"}) == too_big);
  CHECK(Find(h, "k") == nullptr);
  h.ks().proto_max_bulk_len = 10;
  CHECK(h.Run({"SETRANGE", "k", "9", "x"}) == Int(10));
  CHECK(h.Run({"SETRANGE", "k", "9", "xy"}) == too_big);
  CHECK(h.Run({"SETRANGE", "k", "10", "x"}) == too_big);
  CHECK(h.Run({"STRLEN", "k"}) == Int(10));
}

TEST_CASE("SETRANGE keeps the TTL and counts one change", "[string][range][ttl]") {
  CommandHarness h;
  const int64_t now = h.clock().NowMs();
  h.Run({"SET", "k", "abc", "EX", "100"});
  uint64_t d = h.ks().dirty;
  CHECK(h.Run({"SETRANGE", "k", "0", "Z"}) == Int(3));
  CHECK(h.ks().dirty == d + 1);
  CHECK(ExpireOf(h, "k") == now + 100'000);
}

TEST_CASE("string commands carry Redis 7.0's metadata", "[string][meta]") {
  CommandHarness h;
  struct Meta {
    const char* name;
    int arity;
    uint32_t flags;
    int first, last, step;
  };
  // COMMAND INFO of redis 7.0.15.
  constexpr uint32_t w = kCmdWrite, r = kCmdReadOnly, m = kCmdDenyOom, f = kCmdFast;
  const Meta expected[] = {
      {"get", 2, r | f, 1, 1, 1},        {"set", -3, w | m, 1, 1, 1},
      {"setnx", 3, w | m | f, 1, 1, 1},  {"setex", 4, w | m, 1, 1, 1},
      {"psetex", 4, w | m, 1, 1, 1},     {"getset", 3, w | m | f, 1, 1, 1},
      {"getdel", 2, w | f, 1, 1, 1},     {"getex", -2, w | f, 1, 1, 1},
      {"mget", -2, r | f, 1, -1, 1},     {"mset", -3, w | m, 1, -1, 2},
      {"msetnx", -3, w | m, 1, -1, 2},   {"incr", 2, w | m | f, 1, 1, 1},
      {"decr", 2, w | m | f, 1, 1, 1},   {"incrby", 3, w | m | f, 1, 1, 1},
      {"decrby", 3, w | m | f, 1, 1, 1}, {"incrbyfloat", 3, w | m | f, 1, 1, 1},
      {"append", 3, w | m | f, 1, 1, 1}, {"strlen", 2, r | f, 1, 1, 1},
      {"getrange", 4, r, 1, 1, 1},       {"setrange", 4, w | m, 1, 1, 1},
      {"substr", 4, r, 1, 1, 1},
  };
  for (const Meta& m : expected) {
    INFO(m.name);
    const CommandSpec* spec = h.table().Find(m.name);
    REQUIRE(spec != nullptr);
    CHECK(spec->arity == m.arity);
    CHECK(spec->flags == m.flags);
    CHECK(spec->first_key == m.first);
    CHECK(spec->last_key == m.last);
    CHECK(spec->key_step == m.step);
    CHECK(spec->group == "string");
    CHECK_FALSE(spec->since.empty());
    CHECK_FALSE(spec->summary.empty());
    CHECK_FALSE(spec->complexity.empty());
    CHECK_FALSE(spec->syntax.empty());
  }
  const CommandSpec* set = h.table().Find("SET");
  CHECK(set->syntax ==
        "key value [condition@2.6.12: NX | XX] [GET@6.2.0] [expiration: EX@2.6.12 seconds | "
        "PX@2.6.12 milliseconds | EXAT@6.2.0 unix-time-seconds | PXAT@6.2.0 "
        "unix-time-milliseconds | KEEPTTL@6.0.0]");
  CHECK(h.table().Find("getex")->syntax ==
        "key [expiration: EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT "
        "unix-time-milliseconds | PERSIST]");
  CHECK(h.table().Find("mset")->syntax == "key value [key value ...]");
  CHECK(h.table().Find("mset")->since == "1.0.1");
  CHECK(h.table().Find("incrbyfloat")->syntax == "key increment:double");
}

TEST_CASE("string commands carry Redis 7.0's key specs, tips and deprecations", "[string][meta]") {
  CommandHarness h;
  // COMMAND INFO / COMMAND DOCS of redis 7.0.15: how each command uses its key.
  struct KeyUse {
    const char* name;
    uint32_t flags;
  };
  const KeyUse expected[] = {
      {"get", kKeyRO | kKeyAccess},
      {"getdel", kKeyRW | kKeyAccess | kKeyDelete},
      {"strlen", kKeyRO},
      {"append", kKeyRW | kKeyInsert},
      {"setrange", kKeyRW | kKeyUpdate},
      {"set", kKeyRW | kKeyAccess | kKeyUpdate | kKeyVariableFlags},
      {"setnx", kKeyOW | kKeyInsert},
      {"setex", kKeyOW | kKeyUpdate},
      {"getset", kKeyRW | kKeyAccess | kKeyUpdate},
      {"mset", kKeyOW | kKeyUpdate},
      {"msetnx", kKeyOW | kKeyInsert},
      {"getex", kKeyRW | kKeyAccess | kKeyUpdate},
      {"incr", kKeyRW | kKeyAccess | kKeyUpdate},
      {"incrbyfloat", kKeyRW | kKeyAccess | kKeyUpdate},
  };
  for (const KeyUse& k : expected) {
    INFO(k.name);
    const CommandSpec* spec = h.table().Find(k.name);
    REQUIRE(spec->key_specs.size() == 1);
    CHECK(spec->key_specs[0].flags == k.flags);
    CHECK(spec->key_specs[0].begin_index == 1);
  }
  const KeySpec& mset = h.table().Find("mset")->key_specs[0];
  CHECK(mset.last_key == -1);
  CHECK(mset.key_step == 2);
  CHECK(h.table().Find("set")->key_specs[0].notes ==
        "RW and ACCESS due to the optional `GET` argument");
  CHECK(h.table().Find("get")->tips.empty());
  CHECK(h.table().Find("mset")->tips ==
        std::vector<std::string>{"request_policy:multi_shard", "response_policy:all_succeeded"});
  const CommandSpec* substr = h.table().Find("substr");
  CHECK(substr->doc_flags == kDocDeprecated);
  CHECK(substr->deprecated_since == "2.0.0");
  CHECK(substr->replaced_by == "`GETRANGE`");
  CHECK(h.table().Find("set")->history.size() == 4);
  CHECK(h.table().Find("set")->history[0] ==
        HistoryEntry{"2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."});
}

TEST_CASE("INCRBYFLOAT stores an integer-looking result as a string, as Redis does", "[string]") {
  CommandHarness h;
  CHECK(h.Run({"INCRBYFLOAT", "f", "2"}) == Bulk("2"));
  CHECK(h.Run({"OBJECT", "ENCODING", "f"}) == Bulk("embstr"));
  CHECK(h.Run({"SET", "g", "1.5"}) == kOk);
  CHECK(h.Run({"INCRBYFLOAT", "g", "0.5"}) == Bulk("2"));
  CHECK(h.Run({"OBJECT", "ENCODING", "g"}) == Bulk("embstr"));
  CHECK(h.Run({"INCR", "g"}) == Int(3));
  CHECK(h.Run({"OBJECT", "ENCODING", "g"}) == Bulk("int"));
}

}  // namespace
}  // namespace keel::engine
