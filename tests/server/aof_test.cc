// The AOF's durability logic on the fault-injecting file system, driven without a network: a
// server that is never started, detached clients, and the loop's hooks (BeforeSleep, Cron) called
// by hand. Files go through io::OpenFsLogFile, so every operation completes at once.
// Fault ids: L1 (power cut drops unsynced data), L2 (directory entries not synced), E1-E4 (write
// and fsync errors, short writes).
#include "server/aof.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "io/fault_file_system.h"
#include "io/mem_file_system.h"
#include "server/client.h"
#include "server/config.h"
#include "server/server.h"
#include "tests/server/detached_clients.h"

namespace keel::server {
namespace {

using testing::DetachedClients;

// One server life on `fs`: starts with appendonly yes under `policy` and loads what is there.
class Life {
 public:
  Life(io::FileSystem* fs, AppendFsync policy) {
    Config& cfg = h_.server().config();
    cfg.appendonly = true;
    cfg.appendfsync = policy;
    h_.server().aof().UseFileSystem(fs);
    load_status_ = h_.server().aof().LoadAtStartup();
    client_ = &h_.NewClient();
  }

  Status load_status() const { return load_status_; }
  Aof& aof() { return h_.server().aof(); }
  std::string Run(std::vector<std::string_view> args) { return h_.Run(*client_, args); }
  // One loop iteration's end: the batch is written (and synced under always).
  void Iterate() { aof().BeforeSleep(); }
  // The cron, `ahead_ms` in the future (everysec syncs when a second has passed).
  void Cron(int64_t ahead_ms = 0) { aof().Cron(h_.server().clock().NowMs() + ahead_ms); }

 private:
  DetachedClients h_;
  Client* client_ = nullptr;
  Status load_status_;
};

void PowerCut(io::FaultInjectionFileSystem& fs) {
  fs.DropUnsyncedData();
  fs.RemoveFilesCreatedAfterLastDirSync();
}

// Keys k0..k(n-1) set one per iteration; returns the LSN each SET's reply depends on.
std::vector<uint64_t> SetKeys(Life& life, int n, int per_iteration) {
  std::vector<uint64_t> lsn;
  for (int i = 0; i < n; ++i) {
    std::string key = "k" + std::to_string(i);
    REQUIRE(life.Run({"set", key, std::to_string(i)}) == "+OK\r\n");
    lsn.push_back(life.aof().appended_lsn());
    if ((i + 1) % per_iteration == 0) life.Iterate();
  }
  return lsn;
}

// The recovered keys are a prefix k0..k(m-1) (no holes); returns m.
int RecoveredPrefix(Life& life, int n) {
  int m = 0;
  while (m < n && life.Run({"get", "k" + std::to_string(m)}) != "$-1\r\n") ++m;
  for (int i = m; i < n; ++i) {
    INFO("hole: k" << i << " survived after k" << m << " was lost");
    REQUIRE(life.Run({"get", "k" + std::to_string(i)}) == "$-1\r\n");
  }
  return m;
}

TEST_CASE("L1: a power cut loses nothing acknowledged under always", "[aof]") {
  io::MemFileSystem mem;
  io::FaultInjectionFileSystem fs(&mem);
  std::vector<uint64_t> lsn;
  uint64_t durable = 0;
  {
    Life life(&fs, AppendFsync::kAlways);
    REQUIRE(life.load_status().ok());
    lsn = SetKeys(life, 200, 7);
    durable = life.aof().durable_lsn();
    // The last few SETs were never part of a batch: not acknowledged.
    REQUIRE_FALSE(life.aof().Acked(lsn.back()));
  }
  PowerCut(fs);
  Life after(&fs, AppendFsync::kAlways);
  REQUIRE(after.load_status().ok());
  int m = RecoveredPrefix(after, 200);
  int acked = 0;
  while (acked < 200 && lsn[static_cast<size_t>(acked)] <= durable) ++acked;
  CHECK(acked == 196);  // 28 batches of 7
  CHECK(m >= acked);
}

TEST_CASE("L1: everysec keeps what its last fsync covered; no keeps the base", "[aof]") {
  for (AppendFsync policy : {AppendFsync::kEverysec, AppendFsync::kNo}) {
    io::MemFileSystem mem;
    io::FaultInjectionFileSystem fs(&mem);
    std::vector<uint64_t> lsn;
    uint64_t durable_written = 0;
    {
      Life life(&fs, policy);
      REQUIRE(life.load_status().ok());
      lsn = SetKeys(life, 100, 5);
      life.Cron(2000);  // everysec: the background fsync of everything written so far
      durable_written = life.aof().written_lsn();
      // Acknowledged (written) but not synced: a power cut may take these.
      for (int i = 100; i < 120; ++i) {
        REQUIRE(life.Run({"set", "late" + std::to_string(i), "x"}) == "+OK\r\n");
        life.Iterate();
      }
      CHECK(life.aof().Acked(life.aof().appended_lsn()));
    }
    PowerCut(fs);
    Life after(&fs, policy);
    REQUIRE(after.load_status().ok());
    int m = RecoveredPrefix(after, 100);
    if (policy == AppendFsync::kEverysec) {
      CHECK(lsn.back() <= durable_written);
      CHECK(m == 100);
    } else {
      CHECK(m == 0);
    }
  }
}

TEST_CASE("a process crash keeps every write under every policy", "[aof]") {
  for (AppendFsync policy : {AppendFsync::kAlways, AppendFsync::kEverysec, AppendFsync::kNo}) {
    io::MemFileSystem mem;
    io::FaultInjectionFileSystem fs(&mem);
    {
      Life life(&fs, policy);
      SetKeys(life, 50, 3);
      life.Iterate();
    }
    Life after(&fs, policy);
    REQUIRE(after.load_status().ok());
    CHECK(RecoveredPrefix(after, 50) == 50);
  }
}

TEST_CASE("E1/E2: a failed write or fsync is never acknowledged and fences writes", "[aof]") {
  for (uint32_t op :
       {io::FaultInjectionFileSystem::kOpAppend, io::FaultInjectionFileSystem::kOpSync}) {
    io::MemFileSystem mem;
    io::FaultInjectionFileSystem fs(&mem);
    {
      Life life(&fs, AppendFsync::kAlways);
      REQUIRE(life.Run({"set", "a", "1"}) == "+OK\r\n");
      life.Iterate();
      fs.FailAlways(op);
      REQUIRE(life.Run({"set", "b", "2"}) == "+OK\r\n");
      uint64_t b_lsn = life.aof().appended_lsn();
      life.Iterate();
      CHECK_FALSE(life.aof().Acked(b_lsn));
      CHECK(life.aof().WritesRefused());
      CHECK(life.Run({"set", "c", "3"}).rfind("-MISCONF Errors writing to the AOF file: ", 0) == 0);
      CHECK(life.Run({"get", "a"}) == "$1\r\n1\r\n");
      // Still failing: the retry fails too.
      std::this_thread::sleep_for(std::chrono::milliseconds(120));
      life.Cron();
      CHECK_FALSE(life.aof().Acked(b_lsn));
      fs.ClearFaults();
      std::this_thread::sleep_for(std::chrono::milliseconds(120));
      life.Cron();
      CHECK(life.aof().Acked(b_lsn));
      CHECK_FALSE(life.aof().WritesRefused());
      REQUIRE(life.Run({"set", "c", "3"}) == "+OK\r\n");
      life.Iterate();
    }
    PowerCut(fs);
    Life after(&fs, AppendFsync::kAlways);
    REQUIRE(after.load_status().ok());
    CHECK(after.Run({"mget", "a", "b", "c"}) == "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  }
}

TEST_CASE("E4: a short write is cut back, never followed by later batches", "[aof]") {
  for (AppendFsync policy : {AppendFsync::kAlways, AppendFsync::kEverysec}) {
    io::MemFileSystem mem;
    io::FaultInjectionFileSystem fs(&mem);
    {
      Life life(&fs, policy);
      REQUIRE(life.Run({"set", "a", "1"}) == "+OK\r\n");
      life.Iterate();
      fs.ShortWriteNext(5);
      REQUIRE(life.Run({"set", "b", "2"}) == "+OK\r\n");
      life.Iterate();
      CHECK(life.aof().WritesRefused());
      std::this_thread::sleep_for(std::chrono::milliseconds(120));
      life.Cron();
      CHECK_FALSE(life.aof().WritesRefused());
      REQUIRE(life.Run({"set", "c", "3"}) == "+OK\r\n");
      life.Iterate();
      life.Cron(2000);
    }
    Life after(&fs, policy);
    REQUIRE(after.load_status().ok());
    CHECK(after.Run({"mget", "a", "b", "c"}) == "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  }
}

TEST_CASE("transactions are logged whole and replayed whole", "[aof]") {
  io::MemFileSystem mem;
  io::FaultInjectionFileSystem fs(&mem);
  {
    Life life(&fs, AppendFsync::kAlways);
    REQUIRE(life.Run({"multi"}) == "+OK\r\n");
    REQUIRE(life.Run({"set", "x", "1"}) == "+QUEUED\r\n");
    REQUIRE(life.Run({"incr", "x"}) == "+QUEUED\r\n");
    REQUIRE(life.Run({"exec"}) == "*2\r\n+OK\r\n:2\r\n");
    REQUIRE(life.Run({"select", "5"}) == "+OK\r\n");
    REQUIRE(life.Run({"set", "y", "in5"}) == "+OK\r\n");
    life.Iterate();
  }
  Life after(&fs, AppendFsync::kAlways);
  REQUIRE(after.load_status().ok());
  CHECK(after.Run({"get", "x"}) == "$1\r\n2\r\n");
  CHECK(after.Run({"select", "5"}) == "+OK\r\n");
  CHECK(after.Run({"get", "y"}) == "$3\r\nin5\r\n");
}

}  // namespace
}  // namespace keel::server
