// RdbWriter against the real Redis: files covering every type Keel writes, in version 10 and in
// version 9, must pass `redis-check-rdb` and load into `redis-server` (Debian's 7.0.15) with
// exactly the data written: types, values, encodings, TTLs, idle times, LFU counters, databases
// and functions. Each check is skipped with a warning when the binaries are not installed.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "formats/listpack.h"
#include "formats/lzf.h"
#include "formats/rdb_writer.h"
#include "tests/formats/test_bytes.h"

namespace keel::formats {
namespace {

using testing::Bytes;

struct Output {
  int status = -1;
  std::string text;  // stdout and stderr
};

Output Run(const std::string& cmd) {
  Output out;
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.text.append(buf, n);
  const int rc = pclose(f);
  out.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

bool HaveTool(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// A temporary directory, removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/keel-rdb-writer-XXXXXX";
    const char* d = mkdtemp(tmpl);
    REQUIRE(d != nullptr);
    path_ = d;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A redis-server this test starts (daemonized, on its own port, loading `dir`/`file`) and stops.
class RedisServer {
 public:
  RedisServer(const std::string& dir, const std::string& file, const std::string& extra) {
    for (int port = 7431; port < 7460; ++port) {
      if (Run("redis-cli -p " + std::to_string(port) + " ping").text.find("PONG") !=
          std::string::npos) {
        continue;  // someone else's server
      }
      port_ = port;
      break;
    }
    REQUIRE(port_ != 0);
    pidfile_ = dir + "/redis.pid";
    log_ = dir + "/redis.log";
    Run("redis-server --port " + std::to_string(port_) + " --bind 127.0.0.1 --dir " + dir +
        " --dbfilename " + file + " --save '' --appendonly no --daemonize yes --pidfile " +
        pidfile_ + " --logfile " + log_ + " " + extra);
    for (int i = 0; i < 200; ++i) {
      if (Cli("ping") == "PONG") {
        up_ = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~RedisServer() {
    if (port_ == 0) return;
    Run("redis-cli -p " + std::to_string(port_) + " shutdown nosave");
    // Wait for the process this test started to exit, by the pid it wrote.
    FILE* f = fopen(pidfile_.c_str(), "r");
    long pid = 0;
    if (f != nullptr) {
      if (fscanf(f, "%ld", &pid) != 1) pid = 0;
      fclose(f);
    }
    for (int i = 0; pid > 0 && i < 100 && kill(static_cast<pid_t>(pid), 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  bool up() const { return up_; }
  std::string Log() const { return Run("cat " + log_).text; }
  // One command's reply, as redis-cli prints it to a pipe.
  std::string Cli(const std::string& args) const {
    return Trim(Run("redis-cli -p " + std::to_string(port_) + " " + args).text);
  }
  // A script of commands on one connection; the replies, one line per element.
  std::string Script(const std::string& dir, const std::string& commands) const {
    const std::string path = dir + "/commands.txt";
    FILE* f = fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    fputs(commands.c_str(), f);
    fclose(f);
    return Run("redis-cli -p " + std::to_string(port_) + " < " + path).text;
  }

 private:
  int port_ = 0;
  bool up_ = false;
  std::string pidfile_;
  std::string log_;
};

std::string Listpack(const std::vector<std::string>& elements) {
  ListpackBuilder b;
  for (const auto& e : elements) b.Add(e);
  return b.Finish();
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const std::string kLzfValue = [] {
  std::string s;
  for (int i = 0; i < 300; ++i) s += "keel";
  return s;
}();
const std::string kLongValue(100, 'x');
const std::string kLongMember = "big" + std::string(100, 'y');

std::vector<std::string> ListElements() {
  std::vector<std::string> v = {"a", "1", "-5000", "bb", std::string(100, 'P')};
  for (int i = 0; i < 50; ++i) v.push_back("elem-" + std::to_string(i % 7));
  return v;
}

void Must(const Status& s) {
  INFO(s.ToString());
  REQUIRE(s.ok());
}

// Writes the sample data set: 15 keys in db 0 covering every type and encoding Keel writes, one
// key in db 3, and a function library (version 10 only).
std::string WriteSample(int version, int64_t now_ms) {
  RdbWriterOptions o;
  o.version = version;
  StringSink sink;
  RdbWriter w(sink, o);
  Must(w.WriteHeader());
  Must(w.WriteAux("redis-ver", "7.0.15"));
  Must(w.WriteAuxInt("redis-bits", 64));
  Must(w.WriteAuxInt("ctime", now_ms / 1000));
  Must(w.WriteAuxInt("used-mem", 3000000000));
  Must(w.WriteAuxInt("aof-base", 0));
  if (version >= 10) {
    Must(w.WriteFunction(
        "#!lua name=keellib\nredis.register_function('keelfn', function(keys, args) return 42 "
        "end)"));
  }
  Must(w.WriteSelectDb(0));
  Must(w.WriteResizeDb(15, 1));
  auto str = [&](std::string_view key, std::string_view value, RdbKeyMeta meta = {}) {
    Must(w.BeginKey(rdb::kTypeString, key, meta));
    Must(w.WriteString(value));
  };
  str("str:int", "12345");
  str("str:neg", "-129");
  Must(w.BeginKey(rdb::kTypeString, "str:big"));
  Must(w.WriteInteger(4294967296));
  str("str:lzf", kLzfValue);
  str("str:raw", "0123");
  RdbKeyMeta ttl;
  ttl.expire_ms = now_ms + 3600 * 1000;
  str("str:ttl", "ttlvalue", ttl);
  RdbKeyMeta idle;
  idle.idle_seconds = 5000;
  str("str:idle", "idlevalue", idle);
  RdbKeyMeta freq;
  freq.freq = 77;
  str("str:freq", "freqvalue", freq);

  // A list of three nodes: packed, plain, and packed but LZF-compressed.
  const std::vector<std::string> elems = ListElements();
  Must(w.BeginKey(w.TypeForQuicklist(), "list"));
  Must(w.BeginQuicklist(3));
  Must(w.WriteQuicklistNode(Bytes(Listpack({elems.begin(), elems.begin() + 4}))));
  Must(w.WriteQuicklistPlainNode(elems[4]));
  const std::string node = Listpack({elems.begin() + 5, elems.end()});
  const std::string lzf = LzfCompressString(node, node.size());
  REQUIRE(!lzf.empty());
  Must(w.WriteQuicklistCompressedNode(Bytes(lzf), node.size()));

  // Intset {1, 2, 300, 70000}: 32-bit encoding.
  std::string intset = testing::FromHex("0400000004000000");
  for (uint32_t v : {1u, 2u, 300u, 70000u}) {
    for (int i = 0; i < 4; ++i) intset.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  Must(w.BeginKey(rdb::kTypeSetIntset, "set:int"));
  Must(w.WriteIntsetValue(Bytes(intset)));
  Must(w.BeginKey(rdb::kTypeSet, "set:ht"));
  Must(w.WriteLength(3));
  for (const char* m : {"alpha", "beta", "gamma"}) Must(w.WriteString(m));

  Must(w.BeginKey(w.TypeForHashListpack(), "hash:lp"));
  Must(w.WriteListpackValue(Bytes(Listpack({"f1", "v1", "f2", "2"}))));
  Must(w.BeginKey(rdb::kTypeHash, "hash:ht"));  // a value over 64 bytes keeps it a hash table
  Must(w.WriteLength(3));
  for (std::string_view s : {"f1", "v1", "f2", kLongValue.c_str(), "f3", "3"})
    Must(w.WriteString(s));

  Must(w.BeginKey(w.TypeForZsetListpack(), "zset:lp"));
  Must(w.WriteListpackValue(Bytes(Listpack({"m1", "1", "m2", "2.5"}))));
  // Skiplist: from the highest score to the lowest, as rdbSaveObject writes it.
  Must(w.BeginKey(rdb::kTypeZset2, "zset:sl"));
  Must(w.WriteLength(3));
  Must(w.WriteString(kLongMember));
  Must(w.WriteBinaryDouble(3.25));
  Must(w.WriteString("b"));
  Must(w.WriteBinaryDouble(2));
  Must(w.WriteString("a"));
  Must(w.WriteBinaryDouble(-1.5));

  Must(w.WriteSelectDb(3));
  Must(w.WriteResizeDb(1, 1));
  RdbKeyMeta ttl3;
  ttl3.expire_ms = now_ms + 600 * 1000;
  str("db3:key", "x", ttl3);
  Must(w.Finish());
  CHECK(w.bytes_written() == sink.str().size());
  return sink.str();
}

// Commands and the replies redis-cli prints for them, for the deterministic part of the data.
std::pair<std::string, std::string> Transcript(int version) {
  std::string cmds;
  std::string want;
  auto expect = [&](const std::string& cmd, const std::vector<std::string>& lines) {
    cmds += cmd + "\n";
    for (const auto& l : lines) want += l + "\n";
  };
  expect("DBSIZE", {"15"});
  expect("GET str:int", {"12345"});
  expect("OBJECT ENCODING str:int", {"int"});
  expect("GET str:neg", {"-129"});
  expect("GET str:big", {"4294967296"});
  expect("OBJECT ENCODING str:big", {"int"});
  expect("GET str:lzf", {kLzfValue});
  expect("OBJECT ENCODING str:lzf", {"raw"});
  expect("GET str:raw", {"0123"});
  expect("OBJECT ENCODING str:raw", {"embstr"});
  expect("TTL str:int", {"-1"});
  expect("TYPE list", {"list"});
  expect("OBJECT ENCODING list", {"quicklist"});
  expect("LLEN list", {"55"});
  expect("LRANGE list 0 -1", ListElements());
  expect("TYPE set:int", {"set"});
  expect("OBJECT ENCODING set:int", {"intset"});
  expect("SMEMBERS set:int", {"1", "2", "300", "70000"});
  expect("OBJECT ENCODING set:ht", {"hashtable"});
  expect("SCARD set:ht", {"3"});
  expect("SMISMEMBER set:ht alpha beta gamma delta", {"1", "1", "1", "0"});
  expect("TYPE hash:lp", {"hash"});
  expect("OBJECT ENCODING hash:lp", {"listpack"});
  expect("HGETALL hash:lp", {"f1", "v1", "f2", "2"});
  expect("OBJECT ENCODING hash:ht", {"hashtable"});
  expect("HMGET hash:ht f1 f2 f3", {"v1", kLongValue, "3"});
  expect("HLEN hash:ht", {"3"});
  expect("TYPE zset:lp", {"zset"});
  expect("OBJECT ENCODING zset:lp", {"listpack"});
  expect("ZRANGE zset:lp 0 -1 WITHSCORES", {"m1", "1", "m2", "2.5"});
  expect("OBJECT ENCODING zset:sl", {"skiplist"});
  expect("ZRANGE zset:sl 0 -1 WITHSCORES", {"a", "-1.5", "b", "2", kLongMember, "3.25"});
  if (version >= 10) {
    expect("FCALL keelfn 0", {"42"});
  } else {
    expect("FUNCTION LIST", {""});  // an empty array prints as an empty line
  }
  expect("SELECT 3", {"OK"});
  expect("DBSIZE", {"1"});
  expect("GET db3:key", {"x"});
  return {cmds, want};
}

void CheckWithRealRedis(int version) {
  if (!HaveTool("redis-server") || !HaveTool("redis-cli") || !HaveTool("redis-check-rdb")) {
    WARN("redis-server, redis-cli or redis-check-rdb is not installed: real-Redis check skipped");
    return;
  }
  TempDir dir;
  const int64_t now = NowMs();
  const std::string file = "keel-v" + std::to_string(version) + ".rdb";
  const std::string path = dir.path() + "/" + file;
  {
    const std::string bytes = WriteSample(version, now);
    FILE* f = fopen(path.c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
    fclose(f);
  }

  const Output check = Run("redis-check-rdb " + path);
  INFO(check.text);
  CHECK(check.status == 0);
  CHECK(check.text.find("RDB looks OK") != std::string::npos);
  CHECK(check.text.find("ERROR") == std::string::npos);
  CHECK(check.text.find("[info] 16 keys read") != std::string::npos);
  CHECK(check.text.find("Checksum OK") != std::string::npos);

  {
    RedisServer redis(dir.path(), file, "");
    INFO(redis.Log());
    REQUIRE(redis.up());
    const auto [cmds, want] = Transcript(version);
    CHECK(redis.Script(dir.path(), cmds) == want);
    const int64_t pttl = std::stoll(redis.Cli("PTTL str:ttl"));
    CHECK(pttl > 3500 * 1000);
    CHECK(pttl <= 3600 * 1000);
    const int64_t pttl3 = std::stoll(redis.Cli("-n 3 PTTL db3:key"));
    CHECK(pttl3 > 500 * 1000);
    CHECK(pttl3 <= 600 * 1000);
    const int64_t idle = std::stoll(redis.Cli("OBJECT IDLETIME str:idle"));
    CHECK(idle >= 5000);
    CHECK(idle < 5100);
    CHECK(redis.Log().find("Done loading RDB") != std::string::npos);
  }
  {
    // The LFU counter is what OBJECT FREQ shows only under an LFU policy.
    RedisServer redis(dir.path(), file, "--maxmemory-policy allkeys-lfu");
    INFO(redis.Log());
    REQUIRE(redis.up());
    CHECK(redis.Cli("OBJECT FREQ str:freq") == "77");
    CHECK(redis.Cli("DBSIZE") == "15");
  }
}

TEST_CASE("real Redis: a version 10 file passes redis-check-rdb and loads exactly",
          "[rdb-writer][redis]") {
  CheckWithRealRedis(10);
}

TEST_CASE("real Redis: a version 9 file passes redis-check-rdb and loads exactly",
          "[rdb-writer][redis]") {
  CheckWithRealRedis(9);
}

}  // namespace
}  // namespace keel::formats
