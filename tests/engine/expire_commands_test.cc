// The expiry commands through the command table: EXPIRE PEXPIRE EXPIREAT PEXPIREAT with NX XX GT
// LT, TTL PTTL EXPIRETIME PEXPIRETIME and PERSIST, on a manual clock. Expectations marked
// "redis 7.0.15" were checked against a real redis-server.
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

void Put(CommandHarness& h, std::string_view key, std::string_view value) {
  h.ks().db(0).SetString(key, value);
}

int64_t ExpireOf(CommandHarness& h, std::string_view key) {
  const Entry* e = h.ks().db(0).Find(key);
  return e == nullptr ? -2 : h.ks().db(0).GetExpire(e);
}

int64_t Now(CommandHarness& h) { return h.clock().NowMs(); }

std::string S(int64_t v) { return std::to_string(v); }

TEST_CASE("expire: EXPIRE and PEXPIRE set a relative expiry in ms", "[expire]") {
  CommandHarness h;
  Put(h, "k", "v");
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"expire", "k", "100"}) == Int(1));
  CHECK(ExpireOf(h, "k") == Now(h) + 100000);
  CHECK(h.ks().dirty == dirty + 1);
  CHECK(h.Run({"ttl", "k"}) == Int(100));
  CHECK(h.Run({"pttl", "k"}) == Int(100000));
  CHECK(h.Run({"pexpire", "k", "1234"}) == Int(1));
  CHECK(ExpireOf(h, "k") == Now(h) + 1234);
  CHECK(h.Run({"pttl", "k"}) == Int(1234));
  CHECK(h.ks().dirty == dirty + 2);
}

TEST_CASE("expire: the key disappears once its time has passed", "[expire]") {
  CommandHarness h;
  Put(h, "k", "v");
  CHECK(h.Run({"pexpire", "k", "100"}) == Int(1));
  h.clock().AdvanceMs(100);
  CHECK(h.Run({"pttl", "k"}) == Int(0));  // due now, still there: expiry is "now > when"
  CHECK(h.Run({"exists", "k"}) == Int(1));
  h.clock().AdvanceMs(1);
  CHECK(h.Run({"pttl", "k"}) == Int(-2));
  CHECK(h.Run({"ttl", "k"}) == Int(-2));
  CHECK(h.ks().db(0).size() == 0);
}

TEST_CASE("expire: TTL rounds to the nearest second", "[expire]") {
  CommandHarness h;
  Put(h, "k", "v");
  h.Run({"pexpire", "k", "1499"});
  CHECK(h.Run({"ttl", "k"}) == Int(1));
  h.Run({"pexpire", "k", "1500"});
  CHECK(h.Run({"ttl", "k"}) == Int(2));
  h.Run({"pexpire", "k", "499"});
  CHECK(h.Run({"ttl", "k"}) == Int(0));
  h.Run({"pexpire", "k", "500"});
  CHECK(h.Run({"ttl", "k"}) == Int(1));
}

TEST_CASE("expire: EXPIREAT and PEXPIREAT set absolute times", "[expire]") {
  CommandHarness h;
  Put(h, "k", "v");
  int64_t at_s = Now(h) / 1000 + 50;
  CHECK(h.Run({"expireat", "k", S(at_s)}) == Int(1));
  CHECK(ExpireOf(h, "k") == at_s * 1000);
  CHECK(h.Run({"expiretime", "k"}) == Int(at_s));
  CHECK(h.Run({"pexpiretime", "k"}) == Int(at_s * 1000));
  int64_t at_ms = Now(h) + 12345;
  CHECK(h.Run({"pexpireat", "k", S(at_ms)}) == Int(1));
  CHECK(h.Run({"pexpiretime", "k"}) == Int(at_ms));
  CHECK(h.Run({"pttl", "k"}) == Int(12345));
}

TEST_CASE("expire: EXPIRETIME rounds milliseconds to the nearest second", "[expire]") {
  CommandHarness h;
  Put(h, "k", "v");
  int64_t base = (Now(h) / 1000 + 10) * 1000;
  h.Run({"pexpireat", "k", S(base + 499)});
  CHECK(h.Run({"expiretime", "k"}) == Int(base / 1000));
  h.Run({"pexpireat", "k", S(base + 500)});
  CHECK(h.Run({"expiretime", "k"}) == Int(base / 1000 + 1));
}

TEST_CASE("expire: TTL family answers -2 for missing and -1 for persistent keys", "[expire]") {
  // redis 7.0.15.
  CommandHarness h;
  Put(h, "p", "1");
  for (const char* cmd : {"ttl", "pttl", "expiretime", "pexpiretime"}) {
    INFO(cmd);
    CHECK(h.Run({cmd, "nokey"}) == Int(-2));
    CHECK(h.Run({cmd, "p"}) == Int(-1));
    CHECK(h.Run({cmd}) ==
          Err("ERR wrong number of arguments for '" + std::string(cmd) + "' command"));
  }
}

TEST_CASE("expire: a time in the past deletes the key and returns 1", "[expire]") {
  // redis 7.0.15: EXPIRE k -10 XX, EXPIREAT q 0 NX, PEXPIREAT q -5 and EXPIRE q 0 all delete.
  CommandHarness h;
  const std::vector<std::vector<std::string_view>> cases = {
      {"expire", "k", "0"},         {"expire", "k", "-10"},   {"pexpire", "k", "0"},
      {"expireat", "k", "0", "nx"}, {"pexpireat", "k", "-5"},
  };
  for (const std::vector<std::string_view>& args : cases) {
    Put(h, "k", "v");
    uint64_t dirty = h.ks().dirty;
    uint64_t expired = h.ks().stats().expired_keys;
    CHECK(h.Run(args) == Int(1));
    CHECK(h.ks().db(0).Find("k") == nullptr);
    CHECK(h.ks().dirty == dirty + 1);
    // A deletion by the command, not an expiry.
    CHECK(h.ks().stats().expired_keys == expired);
  }
  // Exactly "now" is already expired for the setter.
  Put(h, "k", "v");
  CHECK(h.Run({"pexpireat", "k", S(Now(h))}) == Int(1));
  CHECK(h.ks().db(0).Find("k") == nullptr);
  Put(h, "k", "v");
  CHECK(h.Run({"pexpireat", "k", S(Now(h) + 1)}) == Int(1));
  CHECK(h.ks().db(0).Find("k") != nullptr);
}

TEST_CASE("expire: setters on a missing or expired key return 0", "[expire]") {
  CommandHarness h;
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"expire", "nokey", "10"}) == Int(0));
  CHECK(h.Run({"pexpireat", "nokey", "1", "xx"}) == Int(0));
  Put(h, "k", "v");
  h.Run({"pexpire", "k", "5"});
  h.clock().AdvanceMs(6);
  dirty = h.ks().dirty;
  CHECK(h.Run({"expire", "k", "100"}) == Int(0));
  CHECK(h.ks().dirty == dirty);
  CHECK(h.ks().db(0).size() == 0);
}

TEST_CASE("expire: NX and XX", "[expire]") {
  // redis 7.0.15.
  CommandHarness h;
  Put(h, "k", "v");
  CHECK(h.Run({"expire", "k", "10", "xx"}) == Int(0));
  CHECK(ExpireOf(h, "k") == -1);
  CHECK(h.Run({"expire", "k", "10", "nx"}) == Int(1));
  CHECK(h.Run({"expire", "k", "20", "NX"}) == Int(0));
  CHECK(h.Run({"ttl", "k"}) == Int(10));
  CHECK(h.Run({"expire", "k", "30", "XX"}) == Int(1));
  CHECK(h.Run({"ttl", "k"}) == Int(30));
}

TEST_CASE("expire: GT and LT, with no expiry counting as infinite", "[expire]") {
  // redis 7.0.15: on a persistent key GT fails and LT succeeds.
  CommandHarness h;
  Put(h, "k", "v");
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"expire", "k", "10", "gt"}) == Int(0));
  CHECK(h.ks().dirty == dirty);
  CHECK(h.Run({"expire", "k", "10", "lt"}) == Int(1));
  CHECK(h.Run({"expire", "k", "5", "gt"}) == Int(0));
  CHECK(h.Run({"expire", "k", "10", "gt"}) == Int(0));  // equal is not greater
  CHECK(h.Run({"expire", "k", "10", "lt"}) == Int(0));  // nor less
  CHECK(h.Run({"expire", "k", "100", "lt"}) == Int(0));
  CHECK(h.Run({"expire", "k", "100", "gt"}) == Int(1));
  CHECK(h.Run({"ttl", "k"}) == Int(100));
  CHECK(h.Run({"expire", "k", "50", "xx", "lt"}) == Int(1));
  CHECK(h.Run({"ttl", "k"}) == Int(50));
  CHECK(h.Run({"expire", "k", "60", "XX", "GT"}) == Int(1));
  CHECK(h.Run({"ttl", "k"}) == Int(60));
  // LT with a past time still deletes.
  CHECK(h.Run({"expire", "k", "-1", "lt"}) == Int(1));
  CHECK(h.ks().db(0).Find("k") == nullptr);
}

TEST_CASE("expire: option errors and their precedence", "[expire]") {
  // redis 7.0.15.
  CommandHarness h;
  Put(h, "k", "v");
  CHECK(h.Run({"expire", "k", "10", "FOO"}) == Err("ERR Unsupported option FOO"));
  CHECK(h.Run({"expire", "k", "abc", "FOO"}) == Err("ERR Unsupported option FOO"));
  CHECK(h.Run({"expire", "nokey", "10", "bad"}) == Err("ERR Unsupported option bad"));
  const std::string nx_err =
      Err("ERR NX and XX, GT or LT options at the same time are not compatible");
  const std::string gt_lt_err = Err("ERR GT and LT options at the same time are not compatible");
  CHECK(h.Run({"expire", "k", "10", "nx", "xx"}) == nx_err);
  CHECK(h.Run({"expire", "k", "10", "nx", "gt"}) == nx_err);
  CHECK(h.Run({"expire", "k", "10", "lt", "nx"}) == nx_err);
  CHECK(h.Run({"expire", "k", "10", "gt", "lt", "nx"}) == nx_err);
  CHECK(h.Run({"expire", "k", "10", "gt", "lt"}) == gt_lt_err);
  CHECK(h.Run({"expire", "k", "10", "xx", "gt", "lt"}) == gt_lt_err);
  CHECK(h.Run({"pexpireat", "k", "10", "nx", "nx"}) == Int(1));  // repeats are fine
  CHECK(h.Run({"expire"}) == Err("ERR wrong number of arguments for 'expire' command"));
  CHECK(h.Run({"pexpire", "k"}) == Err("ERR wrong number of arguments for 'pexpire' command"));
}

TEST_CASE("expire: non-integer and overflowing times", "[expire]") {
  // redis 7.0.15.
  CommandHarness h;
  Put(h, "k", "v");
  const std::string not_int = Err("ERR value is not an integer or out of range");
  CHECK(h.Run({"expire", "nokey", "abc"}) == not_int);
  CHECK(h.Run({"expire", "k", "1.5"}) == not_int);
  CHECK(h.Run({"pexpire", "k", " 1"}) == not_int);
  CHECK(h.Run({"expire", "k", "9223372036854775808"}) == not_int);
  CHECK(h.Run({"expire", "k", "9223372036854775807"}) ==
        Err("ERR invalid expire time in 'expire' command"));
  CHECK(h.Run({"expire", "k", "9223372036854776"}) ==
        Err("ERR invalid expire time in 'expire' command"));
  CHECK(h.Run({"expire", "k", "-9223372036854776"}) ==
        Err("ERR invalid expire time in 'expire' command"));
  // Fits after *1000 but not after adding the current time.
  CHECK(h.Run({"expire", "k", "9223372036854775"}) ==
        Err("ERR invalid expire time in 'expire' command"));
  CHECK(h.Run({"pexpire", "k", "9223372036854775807"}) ==
        Err("ERR invalid expire time in 'pexpire' command"));
  CHECK(h.Run({"expireat", "k", "9223372036854776"}) ==
        Err("ERR invalid expire time in 'expireat' command"));
  CHECK(h.ks().db(0).Find("k") != nullptr);
  CHECK(ExpireOf(h, "k") == -1);
  // The largest representable times are accepted.
  CHECK(h.Run({"expireat", "k", "9223372036854775"}) == Int(1));
  CHECK(ExpireOf(h, "k") == 9223372036854775000);
  CHECK(h.Run({"pexpireat", "k", "9223372036854775807"}) == Int(1));
  CHECK(h.Run({"pexpiretime", "k"}) == Int(INT64_MAX));
  // A huge negative relative time is a plain past time.
  CHECK(h.Run({"pexpire", "k", "-9223372036854775808"}) == Int(1));
  CHECK(h.ks().db(0).Find("k") == nullptr);
}

TEST_CASE("expire: the command name in the overflow error is the command's", "[expire]") {
  CommandHarness h;
  Put(h, "k", "v");
  CHECK(h.Run({"PEXPIRE", "k", "9223372036854775807"}) ==
        Err("ERR invalid expire time in 'pexpire' command"));
}

TEST_CASE("expire: PERSIST removes an expiry once", "[expire]") {
  // redis 7.0.15: PERSIST -> 1 then 0, dirty +1 then +0.
  CommandHarness h;
  Put(h, "k", "v");
  CHECK(h.Run({"persist", "k"}) == Int(0));
  h.Run({"expire", "k", "100"});
  uint64_t dirty = h.ks().dirty;
  CHECK(h.Run({"persist", "k"}) == Int(1));
  CHECK(h.ks().dirty == dirty + 1);
  CHECK(h.Run({"ttl", "k"}) == Int(-1));
  CHECK(h.Run({"persist", "k"}) == Int(0));
  CHECK(h.ks().dirty == dirty + 1);
  CHECK(h.Run({"persist", "nokey"}) == Int(0));
  h.clock().AdvanceMs(200000);
  CHECK(h.Run({"exists", "k"}) == Int(1));
}

TEST_CASE("expire: PERSIST on an expired key returns 0 and reclaims it", "[expire]") {
  CommandHarness h;
  Put(h, "k", "v");
  h.Run({"pexpire", "k", "10"});
  h.clock().AdvanceMs(11);
  CHECK(h.Run({"persist", "k"}) == Int(0));
  CHECK(h.ks().db(0).size() == 0);
}

TEST_CASE("expire: TTL of an expired key reclaims it and counts it as expired", "[expire]") {
  CommandHarness h;
  Put(h, "k", "v");
  h.Run({"pexpire", "k", "10"});
  h.clock().AdvanceMs(11);
  uint64_t expired = h.ks().stats().expired_keys;
  CHECK(h.Run({"pttl", "k"}) == Int(-2));
  CHECK(h.ks().stats().expired_keys == expired + 1);
  CHECK(h.ks().db(0).size() == 0);
}

TEST_CASE("expire: command metadata matches Redis 7.0", "[expire]") {
  CommandHarness h;
  struct Expect {
    const char* name;
    int arity;
    uint32_t flags;
    const char* since;
    const char* syntax;
  };
  const Expect expected[] = {
      {"expire", -3, kCmdWrite | kCmdFast, "1.0.0",
       "key seconds [condition@7.0.0: NX | XX | GT | LT]"},
      {"pexpire", -3, kCmdWrite | kCmdFast, "2.6.0",
       "key milliseconds [condition@7.0.0: NX | XX | GT | LT]"},
      {"expireat", -3, kCmdWrite | kCmdFast, "1.2.0",
       "key unix-time-seconds [condition@7.0.0: NX | XX | GT | LT]"},
      {"pexpireat", -3, kCmdWrite | kCmdFast, "2.6.0",
       "key unix-time-milliseconds [condition@7.0.0: NX | XX | GT | LT]"},
      {"ttl", 2, kCmdReadOnly | kCmdFast, "1.0.0", "key"},
      {"pttl", 2, kCmdReadOnly | kCmdFast, "2.6.0", "key"},
      {"expiretime", 2, kCmdReadOnly | kCmdFast, "7.0.0", "key"},
      {"pexpiretime", 2, kCmdReadOnly | kCmdFast, "7.0.0", "key"},
      {"persist", 2, kCmdWrite | kCmdFast, "2.2.0", "key"},
  };
  for (const Expect& x : expected) {
    INFO(x.name);
    const CommandSpec* c = h.table().Find(x.name);
    REQUIRE(c != nullptr);
    CHECK(c->arity == x.arity);
    CHECK(c->flags == x.flags);
    CHECK(c->first_key == 1);
    CHECK(c->last_key == 1);
    CHECK(c->key_step == 1);
    CHECK(c->group == "generic");
    CHECK(c->since == x.since);
    CHECK(c->syntax == x.syntax);
    CHECK(c->complexity == "O(1)");
    CHECK_FALSE(c->summary.empty());
  }
}

}  // namespace
}  // namespace keel::engine

namespace keel::engine {
namespace {

TEST_CASE("expire: EXPIRETIME of an expiry at INT64_MAX rounds without overflow", "[expire]") {
  // redis 7.0.15: SET k v PXAT 9223372036854775807; EXPIRETIME k -> 9223372036854776.
  testing::CommandHarness h;
  REQUIRE(h.Run({"SET", "k", "v", "PXAT", "9223372036854775807"}) == testing::kOk);
  CHECK(h.Run({"EXPIRETIME", "k"}) == testing::Int(9223372036854776LL));
  CHECK(h.Run({"PEXPIRETIME", "k"}) == testing::Int(INT64_MAX));
}

}  // namespace
}  // namespace keel::engine
