// OBJECT and MEMORY through the command table, and the per-key figures DEBUG OBJECT prints: replies
// and error texts as redis-server 7.0.15 gives them, which lookups touch the key or count hits,
// LRU idle time and LFU frequency on a manual clock, shared-integer refcounts, and the RDB length.
#include "engine/object_commands.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <regex>
#include <string>
#include <string_view>

#include "tests/engine/command_harness.h"

namespace keel::engine {
namespace {

using testing::Bulk;
using testing::CommandHarness;
using testing::Err;
using testing::Int;
using testing::kNil;
using testing::kOk;

constexpr std::string_view kNotLfu =
    "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";
constexpr std::string_view kIsLfu =
    "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching "
    "between policies at runtime LRU and LFU data will take some time to adjust.";

TEST_CASE("OBJECT ENCODING names the string encodings; a missing key is nil", "[object]") {
  CommandHarness h;
  h.Run({"set", "i", "12345"});
  h.Run({"set", "e", "hello"});
  h.Run({"set", "r", std::string(45, 'x')});
  CHECK(h.Run({"object", "encoding", "i"}) == Bulk("int"));
  CHECK(h.Run({"OBJECT", "ENCODING", "e"}) == Bulk("embstr"));
  CHECK(h.Run({"object", "encoding", "r"}) == Bulk("raw"));
  CHECK(h.Run({"object", "encoding", "missing"}) == kNil);
  CHECK(h.Run({"object", "encoding"}) ==
        Err("ERR wrong number of arguments for 'object|encoding' command"));
}

TEST_CASE("OBJECT counts hits and misses and reclaims expired keys, as lookupKeyRead", "[object]") {
  CommandHarness h;
  h.Run({"set", "k", "v"});
  h.Run({"set", "gone", "v", "px", "10"});
  h.clock().AdvanceMs(20);
  CHECK(h.Run({"object", "encoding", "k"}) == Bulk("embstr"));
  CHECK(h.Run({"object", "refcount", "nope"}) == kNil);
  CHECK(h.Run({"object", "encoding", "gone"}) == kNil);
  CHECK(h.ks().stats().keyspace_hits == 1);
  CHECK(h.ks().stats().keyspace_misses == 2);
  CHECK(h.ks().stats().expired_keys == 1);
  CHECK(h.ks().db(0).Find("gone") == nullptr);
}

TEST_CASE("OBJECT REFCOUNT reports Redis's shared integers 0..9999", "[object]") {
  CommandHarness h;
  h.Run({"set", "zero", "0"});
  h.Run({"set", "max", "9999"});
  h.Run({"set", "big", "10000"});
  h.Run({"set", "neg", "-1"});
  h.Run({"set", "str", "hello"});
  constexpr int64_t kShared = 2147483647;  // redis 7.0.15: OBJ_SHARED_REFCOUNT
  CHECK(h.Run({"object", "refcount", "zero"}) == Int(kShared));
  CHECK(h.Run({"object", "refcount", "max"}) == Int(kShared));
  CHECK(h.Run({"object", "refcount", "big"}) == Int(1));
  CHECK(h.Run({"object", "refcount", "neg"}) == Int(1));
  CHECK(h.Run({"object", "refcount", "str"}) == Int(1));
  // An LRU or LFU policy needs per-key access data: no sharing once maxmemory is set.
  h.ks().eviction.policy = MaxmemoryPolicy::kAllKeysLru;
  CHECK(h.Run({"object", "refcount", "zero"}) == Int(kShared));  // maxmemory 0: still shared
  h.ks().eviction.maxmemory = 1 << 30;
  CHECK(h.Run({"object", "refcount", "zero"}) == Int(1));
  h.ks().eviction.policy = MaxmemoryPolicy::kVolatileLfu;
  CHECK(h.Run({"object", "refcount", "zero"}) == Int(1));
  h.ks().eviction.policy = MaxmemoryPolicy::kAllKeysRandom;
  CHECK(h.Run({"object", "refcount", "zero"}) == Int(kShared));
}

TEST_CASE("OBJECT IDLETIME counts seconds since the last access and does not touch", "[object]") {
  CommandHarness h;
  h.Run({"set", "k", "v"});
  h.clock().AdvanceMs(5'000);
  CHECK(h.Run({"object", "idletime", "k"}) == Int(5));
  h.clock().AdvanceMs(2'500);
  CHECK(h.Run({"object", "idletime", "k"}) == Int(7));  // OBJECT itself is no access
  CHECK(h.Run({"type", "k"}) == "+string\r\n");         // nor is TYPE (LOOKUP_NOTOUCH)
  CHECK(h.Run({"object", "idletime", "k"}) == Int(7));
  h.Run({"get", "k"});
  CHECK(h.Run({"object", "idletime", "k"}) == Int(0));
  CHECK(h.Run({"object", "idletime", "missing"}) == kNil);
  h.ks().eviction.policy = MaxmemoryPolicy::kAllKeysLfu;
  CHECK(h.Run({"object", "idletime", "k"}) == Err(std::string("ERR ") + std::string(kIsLfu)));
  CHECK(h.Run({"object", "idletime", "missing"}) == kNil);  // the lookup comes first
}

TEST_CASE("OBJECT FREQ reports the decayed LFU counter under an LFU policy only", "[object]") {
  CommandHarness h;
  h.Run({"set", "k", "v"});
  CHECK(h.Run({"object", "freq", "k"}) == Err(std::string("ERR ") + std::string(kNotLfu)));
  CHECK(h.Run({"object", "freq", "missing"}) == kNil);
  h.ks().eviction.policy = MaxmemoryPolicy::kVolatileLfu;
  h.ks().eviction.lfu_log_factor = 0;  // every access counts
  h.Run({"set", "n", "v"});
  CHECK(h.Run({"object", "freq", "n"}) == Int(5));  // LFU_INIT_VAL
  h.Run({"get", "n"});
  h.Run({"get", "n"});
  CHECK(h.Run({"object", "freq", "n"}) == Int(7));
  CHECK(h.Run({"object", "freq", "n"}) == Int(7));  // OBJECT FREQ is no access
  h.clock().AdvanceMs(3 * 60'000);
  CHECK(h.Run({"object", "freq", "n"}) == Int(4));  // one per minute (lfu-decay-time 1)
  h.ks().eviction.lfu_decay_time = 0;
  CHECK(h.Run({"object", "freq", "n"}) == Int(7));
}

TEST_CASE("OBJECT HELP is Redis's text", "[object]") {
  CommandHarness h;
  std::string help = h.Run({"object", "help"});
  CHECK(help.rfind("*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n",
                   0) == 0);
  CHECK(help.find("+    <key>.\r\n+HELP\r\n+    Prints this help.\r\n") != std::string::npos);
}

TEST_CASE("MEMORY USAGE is the entry's allocation plus a bucket slot", "[memory]") {
  CommandHarness h;
  h.Run({"set", "small", "v"});
  h.Run({"set", "large", std::string(1000, 'x')});
  const Entry* small = h.ks().db(0).Find("small");
  CHECK(h.Run({"memory", "usage", "small"}) ==
        Int(static_cast<int64_t>(small->AllocatedBytes() + sizeof(void*))));
  std::string large = h.Run({"memory", "usage", "large"});
  CHECK(std::stoll(large.substr(1)) > 1000);
  CHECK(h.Run({"memory", "usage", "missing"}) == kNil);
  CHECK(h.ks().stats().keyspace_misses == 0);  // redis 7.0.15: a plain dictFind, no statistics
}

TEST_CASE("MEMORY USAGE checks SAMPLES as Redis does", "[memory]") {
  CommandHarness h;
  h.Run({"set", "k", "v"});
  std::string usage = h.Run({"memory", "usage", "k"});
  CHECK(h.Run({"memory", "usage", "k", "samples", "0"}) == usage);
  CHECK(h.Run({"memory", "usage", "k", "SAMPLES", "3", "samples", "7"}) == usage);
  CHECK(h.Run({"memory", "usage", "k", "samples"}) == Err("ERR syntax error"));
  CHECK(h.Run({"memory", "usage", "k", "samples", "x"}) ==
        Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"memory", "usage", "k", "samples", "-1"}) == Err("ERR syntax error"));
  CHECK(h.Run({"memory", "usage", "k", "foo", "1"}) == Err("ERR syntax error"));
  // The options are checked before the key is looked up.
  CHECK(h.Run({"memory", "usage", "missing", "samples", "x"}) ==
        Err("ERR value is not an integer or out of range"));
}

TEST_CASE("MEMORY USAGE sees an expired key that is not reclaimed yet", "[memory]") {
  CommandHarness h;
  h.Run({"set", "k", "v", "px", "10"});
  h.clock().AdvanceMs(20);
  CHECK(h.Run({"memory", "usage", "k"}) != kNil);
  CHECK(h.ks().db(0).Find("k") != nullptr);
}

TEST_CASE("MEMORY HELP, MALLOC-STATS, PURGE and DOCTOR reply as Redis does", "[memory]") {
  CommandHarness h;
  std::string help = h.Run({"memory", "help"});
  CHECK(help.rfind("*14\r\n+MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n",
                   0) == 0);
  CHECK(help.find("+USAGE <key> [SAMPLES <count>]\r\n") != std::string::npos);
  CHECK(h.Run({"memory", "malloc-stats"}) == Bulk("Stats not supported for the current allocator"));
  CHECK(h.Run({"memory", "purge"}) == kOk);
  std::string doctor = h.Run({"memory", "doctor"});
  CHECK(doctor.find("Sam") != std::string::npos);
}

TEST_CASE("MEMORY STATS is Redis 7.0's map, with a db entry per non-empty database", "[memory]") {
  CommandHarness h;
  h.ks().server_memory = [] { return ServerMemoryFigures{.peak = 1 << 30, .startup = 1000}; };
  h.Run({"set", "a", "1"});
  h.ks().db(3).SetExpire(h.ks().db(3).SetString("b", "v"), h.ks().now_ms() + 100000);
  std::string stats = h.Run({"memory", "stats"});
  CHECK(stats.rfind("*58\r\n$14\r\npeak.allocated\r\n:1073741824\r\n", 0) == 0);  // 27 + 2 dbs
  for (const char* field :
       {"total.allocated", "startup.allocated\r\n:1000\r\n", "functions.caches",
        "$4\r\ndb.0\r\n*6\r\n$23\r\noverhead.hashtable.main\r\n", "$4\r\ndb.3\r\n*6\r\n",
        "overhead.hashtable.slot-to-keys\r\n:0\r\n", "keys.count\r\n:2\r\n",
        "dataset.percentage\r\n$", "fragmentation.bytes\r\n:"}) {
    CHECK(stats.find(field) != std::string::npos);
  }
  CHECK(stats.find("db.1") == std::string::npos);
}

TEST_CASE("MEMORY DOCTOR reports a past peak and big client buffers", "[memory]") {
  CommandHarness h;
  // The doctor has nothing to say under 5 MB.
  for (int i = 0; i < 6; i++)
    h.ks().db(0).SetString("big" + std::to_string(i), std::string(1 << 20, 'x'));
  h.ks().server_memory = [] {
    return ServerMemoryFigures{
        .peak = size_t{1} << 40, .startup = 0, .clients_memory = 300 * 1024, .clients = 1};
  };
  std::string report = h.Run({"memory", "doctor"});
  CHECK(report.find("Sam, I detected a few issues in this Redis instance memory implants:") !=
        std::string::npos);
  CHECK(report.find(" * Peak memory: In the past") != std::string::npos);
  CHECK(report.find(" * Big client buffers: ") != std::string::npos);
  CHECK(report.find("I'm here to keep you safe, Sam. I want to help you.\n\r\n") !=
        std::string::npos);
  h.ks().server_memory = [] {
    return ServerMemoryFigures{.peak = 0, .startup = 0, .clients_memory = 0, .clients = 1};
  };
  report = h.Run({"memory", "doctor"});
  CHECK(report.find(" * Peak memory") == std::string::npos);
  CHECK(report.find(" * Big client buffers") == std::string::npos);
}

TEST_CASE("serialized length is RDB's for strings: small integers in 1, 2 or 4 bytes",
          "[object][debug]") {
  CommandHarness h;
  Db& db = h.ks().db(0);
  auto len = [&](std::string_view key) { return SerializedLengthEstimate(db.Find(key)); };
  db.SetString("a", "1");  // redis 7.0.15: serializedlength:2
  db.SetString("b", "1000");
  db.SetString("c", "100000");
  db.SetString("d", "10000000000");  // past int32: the 11 digits, length-prefixed
  db.SetString("e", "hello");        // redis 7.0.15: serializedlength:6
  db.SetString("f", std::string(64, 'x'));
  db.SetString("g", "-128");
  CHECK(len("a") == 2);
  CHECK(len("b") == 3);
  CHECK(len("c") == 5);
  CHECK(len("d") == 12);
  CHECK(len("e") == 6);
  CHECK(len("f") == 66);  // a two-byte length from 64 on
  CHECK(len("g") == 2);
  // A raw string that reads as an integer is saved as one too (rdbTryIntegerEncoding).
  Entry* e = db.Find("e");
  db.MutableString(e)->assign("42");
  CHECK(len("e") == 2);
}

TEST_CASE("DEBUG OBJECT's line has Redis's fields", "[object][debug]") {
  CommandHarness h;
  h.Run({"set", "k", "7"});
  h.clock().AdvanceMs(3'000);
  h.ks().UpdateTime();
  std::string line = DebugObjectLine(h.ks(), h.ks().db(0).Find("k"));
  std::regex pattern(
      "Value at:0x[0-9a-f]+ refcount:2147483647 encoding:int serializedlength:2 lru:[0-9]+ "
      "lru_seconds_idle:3");
  CHECK(std::regex_match(line, pattern));
}

TEST_CASE("OBJECT and MEMORY metadata match Redis 7.0's COMMAND INFO", "[object][command]") {
  CommandHarness h;
  const CommandSpec* object = h.table().Find("object");
  REQUIRE(object != nullptr);
  CHECK(object->arity == -2);
  const CommandSpec* freq = object->FindSubcommand("freq");
  REQUIRE(freq != nullptr);
  CHECK(freq->arity == 3);
  CHECK(freq->flags == kCmdReadOnly);
  CHECK(freq->first_key == 2);
  REQUIRE(freq->key_specs.size() == 1);
  CHECK(freq->key_specs[0].flags == kKeyRO);  // redis 7.0.15: RO, without "access"
  CHECK(freq->since == "4.0.0");
  const CommandSpec* usage = h.table().Find("memory")->FindSubcommand("usage");
  REQUIRE(usage != nullptr);
  CHECK(usage->arity == -3);
  CHECK(usage->key_specs[0].flags == kKeyRO);
  CHECK(usage->group == "server");
}

}  // namespace
}  // namespace keel::engine
