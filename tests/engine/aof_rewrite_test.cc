// WriteAofCommands (engine/aof_rewrite.h): the dataset as the commands of an AOF base file. The
// expected forms are those redis-server 7.0.15 wrote for the same values with
// aof-use-rdb-preamble no and BGREWRITEAOF; the property is that replaying the output into an
// empty keyspace gives the same DEBUG DIGEST, for every type and encoding.
#include "engine/aof_rewrite.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/digest.h"
#include "engine/list_object.h"
#include "tests/engine/command_harness.h"

namespace keel::engine {
namespace {

using testing::CommandHarness;
using testing::EncodingOf;

using Command = std::vector<std::string>;

// The commands of a RESP multibulk stream (what the rewrite writes), skipping '#' annotations.
std::vector<Command> ParseCommands(std::string_view s) {
  std::vector<Command> out;
  size_t pos = 0;
  auto line = [&] {
    size_t eol = s.find("\r\n", pos);
    REQUIRE(eol != std::string_view::npos);
    std::string_view l = s.substr(pos, eol - pos);
    pos = eol + 2;
    return l;
  };
  while (pos < s.size()) {
    std::string_view header = line();
    if (header[0] == '#') continue;
    REQUIRE(header[0] == '*');
    Command c(std::stoul(std::string(header.substr(1))));
    for (std::string& arg : c) {
      std::string_view len = line();
      REQUIRE(len[0] == '$');
      const size_t n = std::stoul(std::string(len.substr(1)));
      arg = std::string(s.substr(pos, n));
      REQUIRE(s.substr(pos + n, 2) == "\r\n");
      pos += n + 2;
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string Join(const Command& c) {
  std::string out;
  for (const std::string& a : c) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::string Run(CommandHarness& h, const Command& c) {
  std::vector<std::string_view> args(c.begin(), c.end());
  return h.Run(args);
}

std::string Rewrite(CommandHarness& h, const AofRewriteOptions& options = {},
                    AofRewriteStats* stats = nullptr) {
  formats::StringSink sink;
  Result<AofRewriteStats> r = WriteAofCommands(h.ks(), sink, options);
  REQUIRE(r.has_value());
  if (stats != nullptr) *stats = *r;
  return sink.str();
}

// Replays `aof` into a fresh keyspace as the AOF loader does (loading set, so past expiry times
// are set rather than deleting) and checks every command succeeded.
void Replay(std::string_view aof, CommandHarness& into) {
  into.ks().loading = true;
  for (const Command& c : ParseCommands(aof)) {
    INFO(Join(c).substr(0, 200));
    const std::string reply = Run(into, c);
    CHECK(reply.substr(0, 1) != "-");
  }
  into.ks().loading = false;
  into.session().db_index = 0;
}

// Each key as "db:key expiry", sorted.
std::vector<std::string> KeysAndExpiries(Keyspace& ks) {
  std::vector<std::string> out;
  for (int i = 0; i < ks.num_dbs(); ++i) {
    const Db& db = ks.db(i);
    db.ForEach([&](const Entry* e) {
      out.push_back(std::to_string(i) + ":" + std::string(e->key()) + " " +
                    std::to_string(db.GetExpire(e)));
    });
  }
  std::sort(out.begin(), out.end());
  return out;
}

void Fill(CommandHarness& h, std::string_view cmd, std::string_view key, int n,
          const std::string& prefix, bool pairs) {
  Command c = {std::string(cmd), std::string(key)};
  for (int i = 0; i < n; ++i) {
    if (pairs) c.push_back(std::to_string(i));
    c.push_back(prefix + std::to_string(i));
  }
  Run(h, c);
}

TEST_CASE("replaying the rewrite gives the same dataset, every type and encoding", "[aof]") {
  CommandHarness h;
  // Small list nodes, compressed in the middle, so a list spans several packed nodes.
  h.ks().limits.list_max_listpack_size = 8;
  h.ks().limits.list_compress_depth = 1;
  const std::string long_value(100, 'x');
  Run(h, {"set", "s_int", "12345"});
  Run(h, {"set", "s_neg", "-9223372036854775808"});
  Run(h, {"set", "s_emb", "hello"});
  Run(h, {"set", "s_raw", long_value});
  Run(h, {"set", "s_empty", ""});
  Run(h, {"set", "s_bin", std::string("a\0\r\nb", 5)});
  Run(h, {"append", "s_appended", "abc"});
  Run(h, {"rpush", "l_small", "a", "1", "-7", long_value});
  Fill(h, "rpush", "l_big", 300, "element-with-some-length-to-compress-", false);
  Run(h, {"sadd", "set_int", "1", "2", "-3"});
  Run(h, {"sadd", "set_str", "a", "b", "1"});
  Fill(h, "sadd", "set_big_int", 600, "", false);
  Fill(h, "sadd", "set_big", 70, "m", false);
  Run(h, {"zadd", "z_small", "1.5", "a", "-2", "b", "0.1", "c", "inf", "d", "1e20", "f", "-inf",
          "g", "0", "h"});
  Fill(h, "zadd", "z_big", 200, "member", true);
  Run(h, {"zadd", "z_long", "1", long_value});
  Run(h, {"zincrby", "z_small", "0.2", "c"});
  Run(h, {"hset", "h_small", "f", "v", "n", "7"});
  Fill(h, "hset", "h_big", 600, "v", true);
  Run(h, {"hset", "h_long", "f", long_value});
  Run(h, {"expire", "h_small", "500"});
  Run(h, {"pexpire", "l_big", "123456"});
  Run(h, {"select", "3"});
  Run(h, {"set", "indb3", "v"});
  Run(h, {"sadd", "set_in_db3", "x"});
  Run(h, {"expire", "indb3", "100"});
  Run(h, {"select", "15"});
  Run(h, {"rpush", "l_in_db15", "a"});
  h.session().db_index = 0;

  CHECK(EncodingOf(h, "l_big") == "quicklist");
  size_t compressed_nodes = 0;
  h.ks().db(0).Find("l_big")->As<ListObject>()->ForEachNode(
      [&](const ListObject::NodeView& n) { compressed_nodes += n.compressed ? 1 : 0; });
  CHECK(compressed_nodes > 10);
  CHECK(EncodingOf(h, "set_int") == "intset");
  CHECK(EncodingOf(h, "set_big_int") == "hashtable");
  CHECK(EncodingOf(h, "z_small") == "listpack");
  CHECK(EncodingOf(h, "z_big") == "skiplist");
  CHECK(EncodingOf(h, "z_long") == "skiplist");
  CHECK(EncodingOf(h, "h_small") == "listpack");
  CHECK(EncodingOf(h, "h_big") == "hashtable");
  CHECK(EncodingOf(h, "h_long") == "hashtable");

  AofRewriteStats stats;
  const std::string aof = Rewrite(h, {}, &stats);
  CommandHarness replayed;
  Replay(aof, replayed);
  CHECK(DigestHex(DatasetDigest(replayed.ks())) == DigestHex(DatasetDigest(h.ks())));
  CHECK(KeysAndExpiries(replayed.ks()) == KeysAndExpiries(h.ks()));
  CHECK(stats.keys == h.ks().TotalKeys());
  CHECK(stats.bytes == aof.size());
  CHECK(stats.commands == ParseCommands(aof).size());

  // One SELECT per non-empty db, in order, each before its keys.
  std::vector<std::string> selects;
  for (const Command& c : ParseCommands(aof)) {
    if (c[0] == "SELECT") selects.push_back(c[1]);
  }
  CHECK(selects == std::vector<std::string>{"0", "3", "15"});
  CHECK(aof.rfind("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n", 0) == 0);
}

// Redis 7.0.15's base file for the same values (BGREWRITEAOF, aof-use-rdb-preamble no).
TEST_CASE("the rewrite uses Redis 7.0's command forms", "[aof]") {
  CommandHarness h;
  Run(h, {"set", "s_int", "12345"});
  Run(h, {"set", "s_ttl", "v", "pxat", "1800000000000"});
  Run(h, {"rpush", "l_small", "a", "1", "b"});
  Run(h, {"sadd", "set_int", "1", "2", "3"});
  Run(h, {"zadd", "z_small", "1.5", "a", "-2", "b", "0.1", "c", "inf", "d", "3.0", "e", "1e20", "f",
          "0", "g"});
  Run(h, {"hset", "h_small", "f", "v", "n", "7"});
  std::vector<std::string> lines;
  for (const Command& c : ParseCommands(Rewrite(h))) lines.push_back(Join(c));
  std::sort(lines.begin(), lines.end());
  const std::vector<std::string> redis = {
      "HMSET h_small f v n 7",
      "PEXPIREAT s_ttl 1800000000000",
      "RPUSH l_small a 1 b",
      "SADD set_int 1 2 3",
      "SELECT 0",
      "SET s_int 12345",
      "SET s_ttl v",
      "ZADD z_small -2 b 0 g 0.10000000000000001 c 1.5 a 3 e 1e+20 f inf d",
  };
  CHECK(lines == redis);
}

TEST_CASE("big collections are split into commands of at most 64 items", "[aof]") {
  CommandHarness h;
  Fill(h, "rpush", "l", 130, "", false);
  Fill(h, "sadd", "s", 128, "m", false);
  Fill(h, "zadd", "z", 65, "m", true);
  Fill(h, "hset", "h", 70, "v", true);
  Fill(h, "rpush", "l64", 64, "", false);
  std::map<std::string, std::vector<size_t>> argcs;
  for (const Command& c : ParseCommands(Rewrite(h))) {
    if (c[0] != "SELECT") argcs[c[1]].push_back(c.size());
  }
  CHECK(argcs["l"] == std::vector<size_t>{66, 66, 4});
  CHECK(argcs["s"] == std::vector<size_t>{66, 66});
  CHECK(argcs["z"] == std::vector<size_t>{130, 4});
  CHECK(argcs["h"] == std::vector<size_t>{130, 14});
  CHECK(argcs["l64"] == std::vector<size_t>{66});

  // The list keeps its order across commands.
  const std::string aof = Rewrite(h);
  CommandHarness replayed;
  Replay(aof, replayed);
  CHECK(DigestHex(DatasetDigest(replayed.ks())) == DigestHex(DatasetDigest(h.ks())));

  AofRewriteOptions small;
  small.items_per_command = 10;
  argcs.clear();
  for (const Command& c : ParseCommands(Rewrite(h, small))) {
    if (c[0] != "SELECT") argcs[c[1]].push_back(c.size());
  }
  CHECK(argcs["z"] == std::vector<size_t>{22, 22, 22, 22, 22, 22, 12});
}

TEST_CASE("expired keys are left out, TTLs kept as PEXPIREAT", "[aof]") {
  CommandHarness h;
  const int64_t now = h.ks().now_ms();
  Run(h, {"set", "live", "v", "px", "5000"});
  Run(h, {"set", "gone", "v", "px", "100"});
  Run(h, {"rpush", "gone_list", "a"});
  Run(h, {"pexpire", "gone_list", "100"});
  Run(h, {"set", "forever", "v"});
  h.clock().AdvanceMs(1000);
  h.ks().UpdateTime();
  REQUIRE(h.ks().db(0).size() == 4);  // the expired keys are still there
  AofRewriteStats stats;
  std::vector<std::string> lines;
  for (const Command& c : ParseCommands(Rewrite(h, {}, &stats))) lines.push_back(Join(c));
  std::sort(lines.begin(), lines.end());
  CHECK(lines == std::vector<std::string>{"PEXPIREAT live " + std::to_string(now + 5000),
                                          "SELECT 0", "SET forever v", "SET live v"});
  CHECK(stats.keys == 2);
}

TEST_CASE("an empty keyspace rewrites to nothing, or to the timestamp annotation", "[aof]") {
  CommandHarness h;
  CHECK(Rewrite(h).empty());
  AofRewriteOptions o;
  o.timestamp_s = 1700000000;
  CHECK(Rewrite(h, o) == "#TS:1700000000\r\n");
  Run(h, {"set", "k", "v"});
  CHECK(Rewrite(h, o) ==
        "#TS:1700000000\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
}

// Records the size of each write; fails once `fail_after` writes succeeded.
class RecordingSink final : public formats::ByteSink {
 public:
  explicit RecordingSink(size_t fail_after = SIZE_MAX) : fail_after_(fail_after) {}
  Status Write(std::span<const uint8_t> data) override {
    if (writes.size() == fail_after_) return Status::IoError("disk full", 0);
    writes.push_back(data.size());
    bytes.append(reinterpret_cast<const char*>(data.data()), data.size());
    return Status::Ok();
  }
  std::vector<size_t> writes;
  std::string bytes;

 private:
  size_t fail_after_;
};

TEST_CASE("the rewrite reaches the sink in bounded chunks, and reports a failed write", "[aof]") {
  CommandHarness h;
  for (int k = 0; k < 50; ++k) Fill(h, "rpush", "list" + std::to_string(k), 300, "item-", false);
  RecordingSink sink;
  Result<AofRewriteStats> r = WriteAofCommands(h.ks(), sink);
  REQUIRE(r.has_value());
  CHECK(sink.writes.size() > 3);
  // Each chunk is one buffer of at most 64 KiB plus the command that crossed it.
  for (size_t n : sink.writes) CHECK(n < 64 * 1024 + 8 * 1024);
  CHECK(r->bytes == sink.bytes.size());
  CHECK(sink.bytes == Rewrite(h));

  RecordingSink failing(2);
  Result<AofRewriteStats> f = WriteAofCommands(h.ks(), failing);
  REQUIRE(!f.has_value());
  CHECK(f.error().message().find("disk full") != std::string::npos);
  CHECK(failing.writes.size() == 2);
}

}  // namespace
}  // namespace keel::engine
