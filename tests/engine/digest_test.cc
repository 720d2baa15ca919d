// DEBUG DIGEST / DIGEST-VALUE: every expected hex string below was printed by redis-server 7.0.15
// (`--save '' --appendonly no --enable-debug-command yes`) after the same commands, so Keel's
// digests must equal Redis's bit for bit, whatever encoding Keel picked for each value.
#include "engine/digest.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/set_object.h"
#include "engine/zset_object.h"
#include "tests/engine/command_harness.h"

namespace keel::engine {
namespace {

using testing::CommandHarness;
using testing::EncodingOf;

constexpr std::string_view kZero = "0000000000000000000000000000000000000000";

std::string DatasetHex(CommandHarness& h) { return DigestHex(DatasetDigest(h.ks())); }
std::string ValueHex(CommandHarness& h, std::string_view key, int db = 0) {
  Db& d = h.ks().db(db);
  return DigestHex(ValueDigest(d, d.Find(key)));
}

// One key of every type and encoding, in db 0 and db 3, sent to Redis in this order.
void BuildDataset(CommandHarness& h) {
  const std::string x70(70, 'x');
  h.Run({"set", "s_embstr", "hello"});
  h.Run({"set", "s_int", "12345"});
  h.Run({"set", "s_neg", "-42"});
  h.Run({"set", "s_raw", x70});
  h.Run({"append", "s_app", "123"});
  h.Run({"append", "s_app", "45"});  // raw "12345"
  h.Run({"set", "s_empty", ""});
  h.Run({"rpush", "l", "a", "b", "1", "2", "-3", "c", "9223372036854775807", ""});
  h.Run({"hset", "h_lp", "f1", "v1", "f2", "2", "3", "v3"});
  h.Run({"hset", "h_ht", "f1", x70});
  h.Run({"hset", "h_ht", "f1", "v1", "f2", "2", "3", "v3"});  // h_lp's content, hashtable
  h.Run({"sadd", "s_is", "1", "2", "3", "-5", "100000000000"});
  h.Run({"sadd", "s_ht", "1", "2", "3", "-5", "100000000000", "x"});
  h.Run({"srem", "s_ht", "x"});  // s_is's content, hashtable
  h.Run({"sadd", "s_str", "a", "b", "c", "10"});
  h.Run({"zadd", "z_lp", "1.5", "a", "-0", "b", "inf", "c", "1e300", "d", "3", "e", "0.1", "f",
         "-inf", "g", "7", "100"});
  h.Run({"zadd", "z_sl", "1.5", "a", "-0", "b", "inf", "c", "1e300", "d", "3", "e", "0.1", "f",
         "-inf", "g", "7", "100"});
  h.Run({"zadd", "z_sl", "2", x70});
  h.Run({"zrem", "z_sl", x70});                   // z_lp's content, skiplist
  h.Run({"zunionstore", "z_back", "1", "z_sl"});  // and back to a listpack
  h.Run({"zadd", "z_big", "2.5e-310", "tiny", "-1e-5", "neg", "123456789012", "int",
         "4611686018427387904", "p62"});
  h.Run({"set", "t_str", "v", "ex", "100000"});
  h.Run({"rpush", "t_list", "a"});
  h.Run({"expire", "t_list", "100000"});
  h.Run({"select", "3"});
  h.Run({"set", "x", "y"});
  h.Run({"rpush", "l3", "a", "b"});
  h.Run({"select", "0"});
  for (int i = 0; i < 300; i++) {
    std::string v = i % 2 ? "item:" + std::to_string(i) : std::to_string(i * 1000);
    h.Run({"rpush", "l_big", v});
  }
  for (int i = 0; i < 600; i++) {
    std::string f = "f" + std::to_string(i), v = "v" + std::to_string(i);
    h.Run({"hset", "h_big", f, v});
    h.Run({"sadd", "s_big", std::to_string(i * 3 - 100)});
  }
  for (int i = 0; i < 200; i++) {
    char score[32];
    // Redis got Python's str(i / 7), the shortest text of the same double.
    std::snprintf(score, sizeof(score), "%.17g", i / 7.0);
    std::string m = "m" + std::to_string(i);
    h.Run({"zadd", "z_big2", score, m});
  }
}

// DEBUG DIGEST-VALUE of each db-0 key, and the encoding Redis gave it.
struct KeyDigest {
  const char* key;
  const char* encoding;
  const char* hex;
};
constexpr KeyDigest kRedisValues[] = {
    {"h_big", "hashtable", "da5884fc7ba8a8dc69e963590622d30a3baf7439"},
    {"h_ht", "hashtable", "432714b311e1773a44e3af5e62441307235bc824"},
    {"h_lp", "listpack", "432714b311e1773a44e3af5e62441307235bc824"},
    {"l", "quicklist", "a28fb7915898d72fd74cb6569b0f2c29e52990fe"},
    {"l_big", "quicklist", "cfc874a0ef68b2c2911bc8e8fbb818372d5d85bc"},
    {"s_app", "raw", "e1cf90774e995ae03de66e8109dc5cb9d9c2dc83"},
    {"s_big", "hashtable", "b6521e28207146c61847954025f0a5f60e86d4ff"},
    {"s_embstr", "embstr", "36b23a1456b2dce2c3ed252c456761301dba8060"},
    {"s_empty", "embstr", "8b3447c33a834b810e3e181b6fd6a2ee1020921c"},
    {"s_ht", "hashtable", "c973614b04d169415be2dcfd527667e50794b853"},
    {"s_int", "int", "e1cf90774e995ae03de66e8109dc5cb9d9c2dc83"},
    {"s_is", "intset", "c973614b04d169415be2dcfd527667e50794b853"},
    {"s_neg", "int", "ce70a5674f228eaf3e2c2d01f6152e36f7e792a7"},
    {"s_raw", "raw", "15123fc994ea612582625db010990fcc07815c4b"},
    {"s_str", "hashtable", "e8e95c0569b53a3f5173aee20faee447fe695d97"},
    {"t_list", "quicklist", "791eb044a2f011df93679532fcf334458dfa5bd3"},
    {"t_str", "embstr", "311b17018163335616e089f6b951c82c477335ac"},
    {"z_back", "listpack", "0c9385f76484504f26cd9c95adedfc02f621bf22"},
    {"z_big", "listpack", "402f9bb85f9f35545aa0734d5ad993868a057034"},
    {"z_big2", "skiplist", "4b9ff40801b55f18f48fe050ff99b991b41fe7e2"},
    {"z_lp", "listpack", "0c9385f76484504f26cd9c95adedfc02f621bf22"},
    {"z_sl", "skiplist", "0c9385f76484504f26cd9c95adedfc02f621bf22"},
};

TEST_CASE("an empty dataset digests to 40 zeros, a missing key too", "[digest]") {
  CommandHarness h;
  CHECK(DatasetHex(h) == kZero);
  CHECK(ValueHex(h, "nope") == kZero);
}

TEST_CASE("DIGEST-VALUE of every type and encoding equals Redis 7.0's", "[digest]") {
  CommandHarness h;
  BuildDataset(h);
  for (const KeyDigest& k : kRedisValues) {
    INFO("key " << k.key);
    CHECK(EncodingOf(h, k.key) == k.encoding);
    CHECK(ValueHex(h, k.key) == k.hex);
  }
  CHECK(ValueHex(h, "x", 3) == "5de2ea9d5ffab1d9674bdd0e51d2eff013a722cc");
  CHECK(ValueHex(h, "l3", 3) == "62f55a532623cf6c3d81081db480b6fd8461eb3f");
}

TEST_CASE("DIGEST of a dataset spanning db 0 and db 3 equals Redis 7.0's", "[digest]") {
  CommandHarness h;
  BuildDataset(h);
  CHECK(DatasetHex(h) == "967a23d378ca390ec1e6056f90b03754a041f1b6");
}

TEST_CASE("the database number is part of the digest", "[digest]") {
  CommandHarness h;
  h.Run({"set", "x", "y"});
  CHECK(DatasetHex(h) == "7b388e2c057b27db5c2735b5e4bcca6734104055");
  h.Run({"flushall"});
  h.Run({"select", "3"});
  h.Run({"set", "x", "y"});
  CHECK(DatasetHex(h) == "538a0fbe72b7e8bc052602768fda7a6191eed3ba");
  h.Run({"select", "0"});
  h.Run({"set", "x", "y"});
  CHECK(DatasetHex(h) == "192cc609d0f25842bda907567cd2846fbcd4b987");
}

TEST_CASE("a key with a TTL adds the expire marker; an expired, unreclaimed key still counts",
          "[digest]") {
  CommandHarness h;
  h.ks().active_expire_enabled = false;
  h.Run({"set", "x", "y", "px", "100"});
  h.clock().AdvanceMs(300);  // logically expired, still in the table, as Redis reads it
  CHECK(DatasetHex(h) == "fa166f3b84db0191000bbdee746bf1475ff1aabc");
  CHECK(ValueHex(h, "x") == "bb67146283c35b8da65d36f614b8206b0909634f");
}

TEST_CASE("converting an encoding in either direction leaves the digest unchanged", "[digest]") {
  CommandHarness h;
  BuildDataset(h);
  const std::string before = DatasetHex(h);
  Db& db = h.ks().db(0);

  ZSetObject* z = db.Find("z_lp")->As<ZSetObject>();
  z->ConvertToSkiplist();
  CHECK(EncodingOf(h, "z_lp") == "skiplist");
  CHECK(ValueHex(h, "z_lp") == "0c9385f76484504f26cd9c95adedfc02f621bf22");
  ZSetObject* z2 = db.Find("z_big2")->As<ZSetObject>();
  z2->ConvertToListpack();
  CHECK(EncodingOf(h, "z_big2") == "listpack");
  CHECK(ValueHex(h, "z_big2") == "4b9ff40801b55f18f48fe050ff99b991b41fe7e2");

  // Hashes and sets only convert by growing: a long value, or members past the intset limit,
  // then removed again.
  h.Run({"hset", "h_lp", "long", std::string(70, 'x')});
  h.Run({"hdel", "h_lp", "long"});
  CHECK(EncodingOf(h, "h_lp") == "hashtable");
  CHECK(ValueHex(h, "h_lp") == "432714b311e1773a44e3af5e62441307235bc824");

  for (int i = 1000; i < 1600; i++) h.Run({"sadd", "s_is", std::to_string(i)});
  for (int i = 1000; i < 1600; i++) h.Run({"srem", "s_is", std::to_string(i)});
  CHECK(EncodingOf(h, "s_is") == "hashtable");
  CHECK(ValueHex(h, "s_is") == "c973614b04d169415be2dcfd527667e50794b853");

  CHECK(DatasetHex(h) == before);
}

TEST_CASE("list order matters, set and hash order do not", "[digest]") {
  CommandHarness h;
  h.Run({"rpush", "a", "1", "2"});
  h.Run({"rpush", "b", "2", "1"});
  CHECK(ValueHex(h, "a") != ValueHex(h, "b"));
  h.Run({"sadd", "c", "x", "y"});
  h.Run({"sadd", "d", "y", "x"});
  CHECK(ValueHex(h, "c") == ValueHex(h, "d"));
  h.Run({"hset", "e", "f", "1", "g", "2"});
  h.Run({"hset", "f", "g", "2", "f", "1"});
  CHECK(ValueHex(h, "e") == ValueHex(h, "f"));
}

}  // namespace
}  // namespace keel::engine
