// What the AOF logs for each write command (engine/propagation.h). The table below is what
// redis-server 7.0.15 (--appendonly yes) appended to its incr file after each command, run after
// the same setup on an empty dataset; "{now+N}" stands for the command time plus N ms (Redis's
// clock was real, Keel's is a manual one). MULTI/EXEC and SELECT, which the server adds, are left
// out. Then the cases the table cannot hold (blocking, random, binary payloads, loading), and a
// property: replaying what a random workload logged gives the same dataset.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/digest.h"
#include "tests/engine/command_harness.h"

namespace keel::engine {
namespace {

using testing::Bulk;
using testing::CommandHarness;
using testing::Items;

using Command = std::vector<std::string>;

// Splits "set k v" into arguments; '' is an empty argument.
Command Split(std::string_view line) {
  Command out;
  size_t i = 0;
  while (i < line.size()) {
    size_t end = line.find(' ', i);
    if (end == std::string_view::npos) end = line.size();
    std::string_view word = line.substr(i, end - i);
    if (!word.empty()) out.emplace_back(word == "''" ? std::string_view() : word);
    i = end + 1;
  }
  return out;
}

std::string Join(const Command& c) {
  std::string out;
  for (const std::string& a : c) out += (out.empty() ? "" : " ") + a;
  return out;
}

// "{now+N}" (or "{now-N}") replaced by now + N.
std::string WithTimes(std::string s, int64_t now) {
  size_t pos;
  while ((pos = s.find("{now")) != std::string::npos) {
    size_t end = s.find('}', pos);
    int64_t delta = std::stoll(s.substr(pos + 4, end - pos - 4));
    s.replace(pos, end - pos + 1, std::to_string(now + delta));
  }
  return s;
}

std::string Run(CommandHarness& h, const Command& c) {
  std::vector<std::string_view> args(c.begin(), c.end());
  return h.Run(args);
}

std::vector<std::string> Logged(const CommandHarness& h) {
  std::vector<std::string> out;
  for (const Command& c : h.logged()) out.push_back(Join(c));
  return out;
}

struct OracleCase {
  std::vector<const char*> setup;
  const char* command;
  std::vector<const char*> logged;
};

// clang-format off
const std::vector<OracleCase> kOracle = {
  // strings
  {{}, "set k v", {"set k v"}},
  {{}, "set k v ex 100", {"SET k v PXAT {now+100000}"}},
  {{}, "set k v px 100", {"SET k v PXAT {now+100}"}},
  {{}, "set k v exat 99999999999", {"SET k v PXAT 99999999999000"}},
  {{}, "set k v pxat 99999999999", {"SET k v PXAT 99999999999"}},
  {{}, "set k v exat 1", {"SET k v PXAT 1000"}},
  {{}, "set k v keepttl", {"set k v keepttl"}},
  {{"set k v ex 100"}, "set k w keepttl", {"set k w keepttl"}},
  {{"set k v"}, "set k w nx ex 10", {}},
  {{}, "set k v xx ex 10", {}},
  {{}, "set k v ex 10 get", {"SET k v PXAT {now+10000}"}},
  {{"set k v"}, "set k w ex 10 get", {"SET k w PXAT {now+10000}"}},
  {{"set k v"}, "set k w xx px 500 get", {"SET k w PXAT {now+500}"}},
  {{}, "set k v nx", {"set k v nx"}},
  {{"set k v"}, "set k v nx", {}},
  {{"set k v"}, "set k w xx", {"set k w xx"}},
  {{}, "set k v get", {"set k v"}},
  {{}, "setnx k v", {"setnx k v"}},
  {{"set k v"}, "setnx k v", {}},
  {{}, "setex k 100 v", {"SET k v PXAT {now+100000}"}},
  {{}, "psetex k 100 v", {"SET k v PXAT {now+100}"}},
  {{}, "setex k 0 v", {}},
  {{"set k v"}, "getset k w", {"SET k w"}},
  {{}, "getset k w", {"SET k w"}},
  {{}, "mset a 1 b 2", {"mset a 1 b 2"}},
  {{}, "msetnx a 1 b 2", {"msetnx a 1 b 2"}},
  {{"set a 1"}, "msetnx a 1 b 2", {}},
  {{"set k v"}, "getex k", {}},
  {{"set k v"}, "getex k ex 100", {"PEXPIREAT k {now+100000}"}},
  {{"set k v"}, "getex k px 100", {"PEXPIREAT k {now+100}"}},
  {{"set k v"}, "getex k exat 99999999999", {"PEXPIREAT k 99999999999000"}},
  {{"set k v"}, "getex k pxat 99999999999999", {"PEXPIREAT k 99999999999999"}},
  {{"set k v"}, "getex k exat 1", {"DEL k"}},
  {{"set k v"}, "getex k pxat 1", {"DEL k"}},
  {{"set k v ex 100"}, "getex k persist", {"PERSIST k"}},
  {{"set k v"}, "getex k persist", {}},
  {{}, "getex k ex 10", {}},
  {{}, "getex k persist", {}},
  {{"set k v"}, "getdel k", {"DEL k"}},
  {{}, "getdel k", {}},
  {{"set k v"}, "append k w", {"append k w"}},
  {{}, "append k ''", {"append k "}},
  {{"set k v"}, "append k ''", {"append k "}},
  {{}, "setrange k 0 ''", {}},
  {{"set k v"}, "setrange k 5 ''", {}},
  {{"set k v"}, "setrange k 0 v", {"setrange k 0 v"}},
  {{}, "setrange k 2 x", {"setrange k 2 x"}},
  {{}, "incr k", {"incr k"}},
  {{"set k 1"}, "incrby k 0", {"incrby k 0"}},
  {{"set k 1"}, "decrby k 5", {"decrby k 5"}},
  {{"set k 1"}, "decr k", {"decr k"}},
  {{}, "incrbyfloat k 1.5", {"SET k 1.5 KEEPTTL"}},
  {{"set k 1 ex 100"}, "incrbyfloat k 0.1", {"SET k 1.1 KEEPTTL"}},
  {{"set k 10.5"}, "incrbyfloat k -0.5", {"SET k 10 KEEPTTL"}},
  {{"set k 3"}, "incrbyfloat k 0", {"SET k 3 KEEPTTL"}},
  {{"set k abc"}, "setbit k 1 1", {}},
  {{"set k abc"}, "setbit k 1 0", {"setbit k 1 0"}},
  {{}, "setbit k 100 0", {"setbit k 100 0"}},
  {{}, "bitop and d x y", {}},
  {{"set d 1"}, "bitop and d x y", {"bitop and d x y"}},
  {{"set x abc"}, "bitop not d x", {"bitop not d x"}},
  // keys
  {{}, "del k", {}},
  {{"set k v"}, "del k x", {"del k x"}},
  {{"set k v"}, "unlink k", {"unlink k"}},
  {{}, "unlink k", {}},
  {{"set k v"}, "rename k k", {}},
  {{"set k v"}, "rename k j", {"rename k j"}},
  {{"set k v", "set j w"}, "renamenx k j", {}},
  {{"set k v"}, "renamenx k j", {"renamenx k j"}},
  {{"set k v"}, "move k 1", {"move k 1"}},
  {{"set k v", "select 1", "set k w", "select 0"}, "move k 1", {}},
  {{}, "move k 1", {}},
  {{"set k v"}, "copy k j", {"copy k j"}},
  {{"set k v"}, "copy k j db 3", {"copy k j db 3"}},
  {{"set k v", "set j w"}, "copy k j", {}},
  {{"set k v", "set j w"}, "copy k j replace", {"copy k j replace"}},
  {{}, "copy x y", {}},
  {{"set k v"}, "touch k", {}},
  // expiry
  {{"set k v"}, "expire k 100", {"PEXPIREAT k {now+100000}"}},
  {{"set k v"}, "EXPIRE k 100 nx", {"PEXPIREAT k {now+100000} nx"}},
  {{"set k v ex 5"}, "expire k 100 gt", {"PEXPIREAT k {now+100000} gt"}},
  {{"set k v ex 500"}, "expire k 100 gt", {}},
  {{"set k v ex 500"}, "expire k 100 lt", {"PEXPIREAT k {now+100000} lt"}},
  {{"set k v"}, "expire k 100 xx", {}},
  {{"set k v"}, "pexpire k 100", {"PEXPIREAT k {now+100}"}},
  {{"set k v"}, "pexpire k 100 nx", {"PEXPIREAT k {now+100} nx"}},
  {{"set k v"}, "expireat k 99999999999", {"PEXPIREAT k 99999999999000"}},
  {{"set k v"}, "expireat k 99999999999 gt", {}},
  {{"set k v"}, "pexpireat k 99999999999999", {"pexpireat k 99999999999999"}},
  {{"set k v"}, "PEXPIREAT k 99999999999999 XX", {}},
  {{"set k v ex 100"}, "pexpireat k 99999999999999 xx", {"pexpireat k 99999999999999 xx"}},
  {{"set k v"}, "expire k -1", {"DEL k"}},
  {{"set k v"}, "expire k 0", {"DEL k"}},
  {{"set k v"}, "expireat k 5", {"DEL k"}},
  {{"set k v"}, "pexpireat k 5", {"DEL k"}},
  {{"set k v"}, "pexpire k -100", {"DEL k"}},
  {{}, "expire k 10", {}},
  {{}, "pexpireat k 5", {}},
  {{"set k v"}, "persist k", {}},
  {{"set k v ex 10"}, "persist k", {"persist k"}},
  {{}, "persist k", {}},
  // db
  {{}, "flushall", {"flushall"}},
  {{"set k v"}, "flushall", {"flushall"}},
  {{"set k v"}, "flushdb", {"flushdb"}},
  {{}, "flushdb", {"flushdb"}},
  {{"set k v"}, "flushall async", {"flushall async"}},
  {{}, "flushall sync", {"flushall sync"}},
  {{"set k v"}, "flushdb sync", {"flushdb sync"}},
  {{}, "flushdb async", {"flushdb async"}},
  {{}, "swapdb 0 1", {"swapdb 0 1"}},
  {{}, "swapdb 0 0", {"swapdb 0 0"}},
  // lists
  {{}, "rpush l a b", {"rpush l a b"}},
  {{}, "lpush l a b", {"lpush l a b"}},
  {{}, "lpushx l a", {}},
  {{}, "rpushx l a", {}},
  {{"rpush l a"}, "lpushx l b", {"lpushx l b"}},
  {{"rpush l a"}, "lrem l 0 z", {}},
  {{"rpush l a a"}, "lrem l 1 a", {"lrem l 1 a"}},
  {{"rpush l a"}, "linsert l before z y", {}},
  {{"rpush l a"}, "linsert l before a y", {"linsert l before a y"}},
  {{}, "linsert l before a y", {}},
  {{"rpush l a b"}, "ltrim l 0 -1", {}},
  {{"rpush l a b"}, "ltrim l 5 10", {"ltrim l 5 10"}},
  {{"rpush l a b"}, "ltrim l 1 -1", {"ltrim l 1 -1"}},
  {{}, "ltrim l 0 1", {}},
  {{"rpush l a b"}, "lset l 0 a", {"lset l 0 a"}},
  {{"rpush l 1 2"}, "lset l 0 1", {"lset l 0 1"}},
  {{"rpush l a b"}, "lpop l", {"lpop l"}},
  {{"rpush l a"}, "lpop l", {"lpop l"}},
  {{"rpush l a b"}, "rpop l 5", {"rpop l 5"}},
  {{"rpush l a"}, "lpop l 0", {}},
  {{}, "lpop l", {}},
  {{}, "lpop l 3", {}},
  {{"rpush l a b"}, "rpoplpush l d", {"rpoplpush l d"}},
  {{"rpush l a b"}, "rpoplpush l l", {"rpoplpush l l"}},
  {{}, "rpoplpush l d", {}},
  {{"rpush l a b"}, "lmove l d LEFT RiGhT", {"lmove l d LEFT RiGhT"}},
  {{"rpush l a"}, "lmove l l left left", {"lmove l l left left"}},
  {{"rpush l a b c"}, "lmpop 2 x l left count 2", {"LPOP l 2"}},
  {{"rpush l a b c"}, "lmpop 1 l right count 10", {"RPOP l 3"}},
  {{"rpush l a b c"}, "LMPOP 1 l RIGHT", {"RPOP l 1"}},
  {{}, "lmpop 1 l left", {}},
  {{"rpush l a b c"}, "blpop l 0", {"LPOP l"}},
  {{"rpush l a b c"}, "brpop x l 0", {"RPOP l"}},
  {{"rpush l a"}, "BLPOP l 0", {"LPOP l"}},
  {{}, "blpop l 1", {}},
  {{"rpush l a b"}, "blmove l d LEFT RiGhT 0", {"LMOVE l d LEFT RiGhT"}},
  {{"rpush l a b"}, "blmove l l right left 0", {"LMOVE l l right left"}},
  {{"rpush l a b"}, "brpoplpush l d 0", {"RPOPLPUSH l d"}},
  {{"rpush l a b c"}, "blmpop 0 2 x l left count 2", {"LPOP l 2"}},
  {{"rpush l a b c"}, "blmpop 0 1 l right", {"RPOP l 1"}},
  {{}, "blmpop 1 1 l right", {}},
  // hashes
  {{}, "hset h f v", {"hset h f v"}},
  {{"hset h f v"}, "hset h f v", {"hset h f v"}},
  {{"hset h f v"}, "hmset h f v g w", {"hmset h f v g w"}},
  {{}, "hsetnx h f v", {"hsetnx h f v"}},
  {{"hset h f v"}, "hsetnx h f w", {}},
  {{}, "hdel h f", {}},
  {{"hset h f v"}, "hdel h x", {}},
  {{"hset h f v g w"}, "hdel h f x", {"hdel h f x"}},
  {{"hset h f 1"}, "hincrby h f 0", {"hincrby h f 0"}},
  {{}, "hincrby h f 5", {"hincrby h f 5"}},
  {{}, "hincrbyfloat h f 1.5", {"HSET h f 1.5"}},
  {{"hset h f 1"}, "hincrbyfloat h f 0", {"HSET h f 1"}},
  {{"hset h f 10.5"}, "hincrbyfloat h f 0.25", {"HSET h f 10.75"}},
  {{"hset h f 1"}, "hincrbyfloat h f 1e3", {"HSET h f 1001"}},
  // sets
  {{}, "sadd s a b", {"sadd s a b"}},
  {{"sadd s a"}, "sadd s a", {}},
  {{"sadd s a b"}, "srem s z", {}},
  {{"sadd s a b"}, "srem s a z", {"srem s a z"}},
  {{"sadd s a"}, "srem s a", {"srem s a"}},
  {{}, "srem s a", {}},
  {{"sadd s a"}, "smove s s a", {}},
  {{"sadd s a", "sadd d a"}, "smove s d a", {"smove s d a"}},
  {{"sadd s a"}, "smove s d z", {}},
  {{"sadd s a"}, "smove s d a", {"smove s d a"}},
  {{"sadd s a"}, "spop s", {"SREM s a"}},
  {{}, "spop s", {}},
  {{"sadd s a b c"}, "spop s 3", {"DEL s"}},
  {{"sadd s a b c"}, "spop s 10", {"DEL s"}},
  {{"sadd s a b c"}, "spop s 0", {}},
  {{}, "spop s 2", {}},
  {{"sadd s a b"}, "sinterstore d s x", {}},
  {{"sadd s a b", "set d 1"}, "sinterstore d s x", {"sinterstore d s x"}},
  {{}, "sinterstore d x y", {}},
  {{"sadd s a"}, "sunionstore d s", {"sunionstore d s"}},
  {{}, "sunionstore d x", {}},
  {{"set d 1"}, "sdiffstore d x", {"sdiffstore d x"}},
  {{"sadd s a b", "sadd t a"}, "sdiffstore d s t", {"sdiffstore d s t"}},
  // sorted sets
  {{}, "zadd z 1 a", {"zadd z 1 a"}},
  {{"zadd z 1 a"}, "zadd z 1 a", {}},
  {{}, "zadd z xx 1 a", {}},
  {{"zadd z 1 a"}, "zadd z nx 2 a", {}},
  {{"zadd z 1 a"}, "zadd z gt 0 a", {}},
  {{"zadd z 1 a"}, "zadd z gt 2 a", {"zadd z gt 2 a"}},
  {{"zadd z 1 a"}, "zadd z ch 1 a", {}},
  {{"zadd z 1 a"}, "zadd z incr 0 a", {}},
  {{"zadd z 1 a"}, "zadd z xx incr 1 b", {}},
  {{}, "zadd z gt 1 a", {"zadd z gt 1 a"}},
  {{"zadd z 1 a"}, "zincrby z 0 a", {}},
  {{"zadd z 1 a"}, "zincrby z 1.5 a", {"zincrby z 1.5 a"}},
  {{}, "zincrby z 0 a", {"zincrby z 0 a"}},
  {{"zadd z 1 a"}, "zrem z b", {}},
  {{"zadd z 1 a 2 b"}, "zrem z a", {"zrem z a"}},
  {{"zadd z 1 a"}, "zrem z a", {"zrem z a"}},
  {{"zadd z 1 a"}, "zremrangebyscore z 5 10", {}},
  {{"zadd z 1 a 2 b"}, "zremrangebyscore z 2 10", {"zremrangebyscore z 2 10"}},
  {{"zadd z 1 a"}, "zremrangebyrank z 5 10", {}},
  {{"zadd z 1 a"}, "zremrangebyrank z 0 0", {"zremrangebyrank z 0 0"}},
  {{"zadd z 1 a"}, "zremrangebylex z [x [y", {}},
  {{"zadd z 1 a 2 b"}, "zpopmin z", {"zpopmin z"}},
  {{"zadd z 1 a 2 b"}, "zpopmax z 5", {"zpopmax z 5"}},
  {{"zadd z 1 a"}, "zpopmin z 0", {}},
  {{}, "zpopmin z", {}},
  {{"zadd z 1 a 2 b"}, "zmpop 1 z MAX", {"ZPOPMAX z 1"}},
  {{"zadd z 1 a 2 b"}, "zmpop 2 x z min count 5", {"ZPOPMIN z 2"}},
  {{}, "zmpop 1 z min", {}},
  {{"zadd z 1 a 2 b"}, "bzpopmin z 0", {"ZPOPMIN z"}},
  {{"zadd z 1 a 2 b"}, "bzpopmax x z 0", {"ZPOPMAX z"}},
  {{"zadd z 1 a 2 b"}, "bzmpop 0 1 z MIN count 7", {"ZPOPMIN z 2"}},
  {{"zadd z 1 a 2 b"}, "bzmpop 0 1 z max", {"ZPOPMAX z 1"}},
  {{}, "bzpopmin z 1", {}},
  {{}, "zunionstore d 1 x", {}},
  {{"zadd d 1 a"}, "zunionstore d 1 x", {"zunionstore d 1 x"}},
  {{"zadd z 1 a"}, "zunionstore d 1 z", {"zunionstore d 1 z"}},
  {{"zadd z 1 a"}, "zinterstore d 2 z x", {}},
  {{"zadd z 1 a"}, "zdiffstore d 1 z", {"zdiffstore d 1 z"}},
  {{"zadd z 1 a"}, "zrangestore d z 5 10", {}},
  {{"zadd d 1 a"}, "zrangestore d z 0 -1", {"zrangestore d z 0 -1"}},
  {{"zadd z 1 a"}, "zrangestore d z 0 -1", {"zrangestore d z 0 -1"}},
  // sort
  {{}, "sort x store d", {}},
  {{"set d 1"}, "sort x store d", {"sort x store d"}},
  {{"rpush l 3 1 2"}, "sort l store d", {"sort l store d"}},
  {{"sadd s c a b"}, "sort s by nosort store d", {"sort s by nosort store d"}},
  {{"rpush l 3 1 2"}, "sort l", {}},
  // more SET GET forms
  {{}, "set k v nx get", {"set k v nx"}},
  {{"set k v"}, "set k w GET keepttl", {"set k w keepttl"}},
  {{"set k v"}, "set k w get xx Get", {"set k w xx"}},
  {{"set k v"}, "set k w GETS", {}},
  // more changes and no-ops
  {{}, "zremrangebyrank z 0 -1", {}},
  {{"hset h f v"}, "hdel h f f", {"hdel h f f"}},
  {{"sadd s a"}, "smove s d a", {"smove s d a"}},
  {{}, "lrem l 0 a", {}},
  {{}, "renamenx k k", {}},
  {{"set k v"}, "renamenx k k", {}},
  {{"sadd s a b c d e f g h i j"}, "srem s a a b", {"srem s a a b"}},
  {{"zadd z 1 a"}, "zadd z xx ch 1 a 2 b", {}},
  {{"set k 5"}, "getex k exat 99999999999", {"PEXPIREAT k 99999999999000"}},
};
// clang-format on

TEST_CASE("each write command logs what Redis 7.0 logs", "[propagation]") {
  CommandHarness h;
  for (const OracleCase& c : kOracle) {
    Run(h, {"flushall"});
    h.session().db_index = 0;
    for (const char* s : c.setup) Run(h, Split(s));
    const std::string reply = Run(h, Split(c.command));
    std::vector<std::string> expected;
    for (const char* l : c.logged) expected.push_back(WithTimes(l, h.ks().now_ms()));
    INFO(c.command << " -> " << reply);
    CHECK(Logged(h) == expected);
  }
}

// Every write command in the table has a case above or below, so a new one cannot be added
// without saying what it logs.
TEST_CASE("every write command has a propagation case", "[propagation]") {
  std::set<std::string> covered = {"restore", "spop"};
  for (const OracleCase& c : kOracle) {
    std::string name = Split(c.command)[0];
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    covered.insert(name);
  }
  CommandHarness h;
  for (const auto& cmd : h.table().commands()) {
    if ((cmd->flags & kCmdWrite) == 0) continue;
    INFO(cmd->name);
    CHECK(covered.count(cmd->name) == 1);
  }
}

// Redis 7.0.15's AOF after a client blocked on an empty key was served by the command in `wake`.
TEST_CASE("a blocking command served after blocking logs its non-blocking form", "[propagation]") {
  struct Case {
    const char* block;
    const char* wake;
    std::vector<const char*> logged;
  };
  const std::vector<Case> cases = {
      {"blpop x l 0", "rpush l a b", {"LPOP l"}},
      {"brpop l 0", "rpush l a b", {"RPOP l"}},
      // Served at once BLMOVE keeps the ends as typed; served later Redis spells them itself.
      {"blmove l d LEFT RiGhT 0", "rpush l a b", {"LMOVE l d left right"}},
      {"blmove l l right left 0", "rpush l a b", {"LMOVE l l right left"}},
      {"brpoplpush l d 0", "rpush l a b", {"RPOPLPUSH l d"}},
      {"blmpop 0 1 l right count 5", "rpush l a b c", {"RPOP l 3"}},
      {"blmpop 0 2 x l left", "rpush l a b c", {"LPOP l 1"}},
      {"bzpopmin z 0", "zadd z 1 a 2 b", {"ZPOPMIN z"}},
      {"bzpopmax x z 0", "zadd z 1 a 2 b", {"ZPOPMAX z"}},
      {"bzmpop 0 1 z max count 5", "zadd z 1 a 2 b", {"ZPOPMAX z 2"}},
      {"bzmpop 0 1 z min", "zadd z 1 a 2 b", {"ZPOPMIN z 1"}},
  };
  for (const Case& c : cases) {
    INFO(c.block);
    CommandHarness h;
    h.may_block = true;
    CHECK(Run(h, Split(c.block)).empty());
    REQUIRE(h.block().has_value());
    CHECK(h.logged().empty());
    h.may_block = false;
    const Command wake = Split(c.wake);
    Run(h, wake);
    h.may_block = true;
    h.ready_key = wake[1];
    const std::string reply = Run(h, Split(c.block));
    CHECK(reply.size() > 5);
    CHECK(Logged(h) == std::vector<std::string>(c.logged.begin(), c.logged.end()));
  }
}

// SPOP with a count below the set's size picks its members at random, so the log gets one SREM per
// member taken, in the order of the reply, whichever of Redis's two algorithms ran (popping one
// by one, or keeping the survivors when few remain).
TEST_CASE("SPOP with a count logs an SREM per member it took", "[propagation]") {
  for (const char* prefix : {"m", ""}) {  // a hashtable set and an intset
    for (int count : {1, 3, 9}) {
      INFO(prefix << " " << count);
      CommandHarness h;
      CommandHarness replay;
      for (int i = 0; i < 10; ++i) {
        const Command sadd = {"sadd", "s", prefix + std::to_string(i)};
        Run(h, sadd);
        Run(replay, sadd);
      }
      const std::vector<std::string> popped = Items(Run(h, {"spop", "s", std::to_string(count)}));
      REQUIRE(popped.size() == static_cast<size_t>(count));
      std::vector<std::string> expected;
      for (const std::string& m : popped) expected.push_back("SREM s " + m);
      CHECK(Logged(h) == expected);
      for (const Command& c : h.logged()) Run(replay, c);
      CHECK(DatasetDigest(replay.ks()) == DatasetDigest(h.ks()));
    }
  }
  CommandHarness h;
  Run(h, {"sadd", "s", "a"});
  CHECK(Run(h, {"spop", "s"}) == Bulk("a"));
  CHECK(Logged(h) == std::vector<std::string>{"SREM s a"});
}

// The bulk string of a RESP reply.
std::string BulkValue(const std::string& resp) {
  size_t eol = resp.find("\r\n");
  return resp.substr(eol + 2, std::stoul(resp.substr(1, eol - 1)));
}

// Redis 7.0.15's AOF for the same RESTOREs: a relative TTL is replaced by the absolute time and
// ABSTTL appended after the other options; a time already past deletes a replaced key (DEL).
TEST_CASE("RESTORE logs an absolute TTL", "[propagation]") {
  CommandHarness h;
  Run(h, {"set", "k", "v"});
  const std::string p = BulkValue(Run(h, {"dump", "k"}));
  Run(h, {"del", "k"});
  const int64_t now = h.ks().now_ms();
  const std::string in_100s = std::to_string(now + 100000);
  struct Case {
    Command command;
    std::vector<Command> logged;
  };
  const std::vector<Case> cases = {
      {{"restore", "k", "0", p}, {{"restore", "k", "0", p}}},
      {{"restore", "k", "100000", p, "replace"},
       {{"restore", "k", in_100s, p, "replace", "ABSTTL"}}},
      {{"RESTORE", "k", "100000", p, "REPLACE", "idletime", "5"},
       {{"RESTORE", "k", in_100s, p, "REPLACE", "idletime", "5", "ABSTTL"}}},
      {{"restore", "k", "99999999999999", p, "replace", "absttl"},
       {{"restore", "k", "99999999999999", p, "replace", "absttl"}}},
      {{"restore", "k", "5", p, "replace", "absttl"}, {{"DEL", "k"}}},
      {{"restore", "j", "5", p, "absttl"}, {}},
  };
  for (const Case& c : cases) {
    INFO(Join(c.command));
    CHECK(Run(h, c.command) == testing::kOk);
    CHECK(h.logged() == c.logged);
  }
}

// The AOF loader replays with Keyspace::loading set: nothing expires, and an expiry time already
// past is set rather than deleting the key, since the commands logged after it ran while the key
// was there (Redis's checkAlreadyExpired).
TEST_CASE("replayed expiry times already past keep the key until loading ends", "[propagation]") {
  CommandHarness h;
  Run(h, {"set", "k", "v"});
  const std::string p = BulkValue(Run(h, {"dump", "k"}));
  Run(h, {"del", "k"});
  h.ks().loading = true;
  const int64_t now = h.ks().now_ms();
  const std::string past = std::to_string(now - 1000);
  Run(h, {"set", "k", "5"});
  CHECK(Run(h, {"pexpireat", "k", past}) == testing::Int(1));
  CHECK(Run(h, {"incr", "k"}) == testing::Int(6));
  Run(h, {"set", "e", "v"});
  CHECK(Run(h, {"expire", "e", "-1"}) == testing::Int(1));
  Run(h, {"set", "g", "v"});
  CHECK(Run(h, {"getex", "g", "pxat", past}) == Bulk("v"));
  CHECK(Run(h, {"restore", "r", past, p, "absttl"}) == testing::kOk);
  Db& db = h.ks().db(0);
  for (const char* key : {"k", "e", "g", "r"}) {
    INFO(key);
    const Entry* e = db.Find(key);
    REQUIRE(e != nullptr);
    CHECK(db.GetExpire(e) <= now);
  }
  CHECK(db.GetExpire(db.Find("k")) == now - 1000);
  h.ks().loading = false;
  CHECK(Run(h, {"exists", "k", "e", "g", "r"}) == testing::Int(0));
}

// The replay property. A random workload runs on keyspace A, recording what the server would log:
// each command's propagation in the db it ran in, preceded by a DEL for every key the keyspace
// expired by itself (as the server logs them). Replaying that log into an empty keyspace B, as
// the AOF loader does (loading set, later clock), must give the same keys, values and expiry
// times.
struct LogRecord {
  int db;
  Command args;
};

class ExpiryRecorder final : public KeyspaceObserver {
 public:
  explicit ExpiryRecorder(std::vector<LogRecord>* log) : log_(log) {}
  void OnKeyExpired(Db& db, std::string_view key) override {
    log_->push_back({db.index(), {"DEL", std::string(key)}});
    ++expired;
  }
  size_t expired = 0;

 private:
  std::vector<LogRecord>* log_;
};

class Workload {
 public:
  explicit Workload(uint32_t seed) : rng_(seed) {}

  int Rand(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string Key() { return "k" + std::to_string(Rand(6)); }
  std::string Member() {
    return Rand(2) ? std::to_string(Rand(20)) : "m" + std::to_string(Rand(20));
  }
  std::string Score() {
    static const char* kScores[] = {"1", "2.5", "-3", "0", "1e10", "0.1", "inf", "-inf", "7"};
    return kScores[Rand(9)];
  }
  std::string Float() {
    static const char* kFloats[] = {"0.1", "1.5", "-2.25", "3", "1e-3", "0", "10.75", "1e3"};
    return kFloats[Rand(8)];
  }
  std::string Ms() { return std::to_string(1 + Rand(5000)); }
  std::string Secs() { return std::to_string(1 + Rand(5)); }
  std::string End() { return Rand(2) ? "left" : "RIGHT"; }

  // One random command; `now` for absolute times.
  Command Next(int64_t now) {
    auto abs_ms = [&] { return std::to_string(now - 3000 + Rand(10000)); };
    auto abs_s = [&] { return std::to_string((now - 3000 + Rand(10000)) / 1000); };
    switch (Rand(60)) {
      case 0: {
        Command c = {"set", Key(), Member()};
        const int opt = Rand(7);
        if (opt == 1) c.insert(c.end(), {"ex", Secs()});
        if (opt == 2) c.insert(c.end(), {"px", Ms()});
        if (opt == 3) c.insert(c.end(), {"exat", abs_s()});
        if (opt == 4) c.insert(c.end(), {"pxat", abs_ms()});
        if (opt == 5) c.push_back("keepttl");
        if (Rand(3) == 0) c.push_back(Rand(2) ? "nx" : "xx");
        if (Rand(3) == 0) c.push_back("get");
        return c;
      }
      case 1:
        return {"setex", Key(), Secs(), Member()};
      case 2:
        return {"psetex", Key(), Ms(), Member()};
      case 3:
        return {"getset", Key(), Member()};
      case 4:
        return {"getdel", Key()};
      case 5: {
        static const char* kOpts[] = {"ex", "px", "exat", "pxat", "persist"};
        const std::string opt = kOpts[Rand(5)];
        if (opt == "persist") return {"getex", Key(), opt};
        const std::string t = opt == "ex"     ? Secs()
                              : opt == "px"   ? Ms()
                              : opt == "exat" ? abs_s()
                                              : abs_ms();
        return {"getex", Key(), opt, t};
      }
      case 6:
        return {"append", Key(), Member()};
      case 7:
        return {"setrange", Key(), std::to_string(Rand(10)), Member()};
      case 8:
        return {"incrby", Key(), std::to_string(Rand(10) - 5)};
      case 9:
        return {"incrbyfloat", Key(), Float()};
      case 10:
        return {"mset", Key(), Member(), Key(), Member()};
      case 11:
        return {"msetnx", Key(), Member(), Key(), Member()};
      case 12:
        return {"setnx", Key(), Member()};
      case 13:
        return {"setbit", Key(), std::to_string(Rand(40)), std::to_string(Rand(2))};
      case 14:
        return {"del", Key(), Key()};
      case 15:
        return {"unlink", Key()};
      case 16:
        return {Rand(2) ? "rename" : "renamenx", Key(), Key()};
      case 17:
        return {"move", Key(), std::to_string(Rand(3))};
      case 18: {
        Command c = {"copy", Key(), Key(), "db", std::to_string(Rand(3))};
        if (Rand(2)) c.push_back("replace");
        return c;
      }
      case 19:
      case 20: {
        static const char* kCmds[] = {"expire", "pexpire", "expireat", "pexpireat"};
        const int which = Rand(4);
        std::string t = which == 0 ? Secs() : which == 1 ? Ms() : which == 2 ? abs_s() : abs_ms();
        if (Rand(8) == 0) t = "-1";
        Command c = {kCmds[which], Key(), t};
        static const char* kFlags[] = {"nx", "xx", "gt", "lt"};
        if (Rand(3) == 0) c.push_back(kFlags[Rand(4)]);
        return c;
      }
      case 21:
        return {"persist", Key()};
      case 22:
        return {Rand(2) ? "lpush" : "rpush", Key(), Member(), Member()};
      case 23:
        return {Rand(2) ? "lpushx" : "rpushx", Key(), Member()};
      case 24: {
        Command c = {Rand(2) ? "lpop" : "rpop", Key()};
        if (Rand(2)) c.push_back(std::to_string(Rand(4)));
        return c;
      }
      case 25:
        return {"lmpop", "2", Key(), Key(), End(), "count", std::to_string(1 + Rand(3))};
      case 26:
        return {Rand(2) ? "blpop" : "brpop", Key(), Key(), "0"};
      case 27:
        return {"blmove", Key(), Key(), End(), End(), "0"};
      case 28:
        return Rand(2) ? Command{"brpoplpush", Key(), Key(), "0"}
                       : Command{"rpoplpush", Key(), Key()};
      case 29:
        return {"blmpop", "0", "1", Key(), End()};
      case 30:
        return {"lmove", Key(), Key(), End(), End()};
      case 31:
        return {"lrem", Key(), std::to_string(Rand(5) - 2), Member()};
      case 32:
        return {"ltrim", Key(), std::to_string(Rand(4) - 1), std::to_string(Rand(6) - 2)};
      case 33:
        return {"lset", Key(), std::to_string(Rand(4) - 2), Member()};
      case 34:
        return {"linsert", Key(), Rand(2) ? "before" : "after", Member(), Member()};
      case 35:
        return {Rand(2) ? "hset" : "hsetnx", Key(), Member(), Member()};
      case 36:
        return {"hdel", Key(), Member(), Member()};
      case 37:
        return {"hincrby", Key(), Member(), std::to_string(Rand(10))};
      case 38:
        return {"hincrbyfloat", Key(), Member(), Float()};
      case 39:
        return {"sadd", Key(), Member(), Member(), Member()};
      case 40:
        return {"srem", Key(), Member(), Member()};
      case 41: {
        Command c = {"spop", Key()};
        if (Rand(2)) c.push_back(std::to_string(Rand(12)));
        return c;
      }
      case 42:
        return {"smove", Key(), Key(), Member()};
      case 43: {
        static const char* kCmds[] = {"sinterstore", "sunionstore", "sdiffstore"};
        return {kCmds[Rand(3)], Key(), Key(), Key()};
      }
      case 44: {
        Command c = {"zadd", Key()};
        static const char* kFlags[] = {"nx", "xx", "gt", "lt", "ch"};
        if (Rand(3) == 0) c.push_back(kFlags[Rand(5)]);
        c.insert(c.end(), {Score(), Member(), Score(), Member()});
        return c;
      }
      case 45:
        return {"zincrby", Key(), Score(), Member()};
      case 46:
        return {"zrem", Key(), Member(), Member()};
      case 47: {
        Command c = {Rand(2) ? "zpopmin" : "zpopmax", Key()};
        if (Rand(2)) c.push_back(std::to_string(Rand(4)));
        return c;
      }
      case 48:
        return {Rand(2) ? "bzpopmin" : "bzpopmax", Key(), Key(), "0"};
      case 49:
        return {Rand(2) ? "zmpop" : "bzmpop", "1",     Key(),
                Rand(2) ? "min" : "MAX",      "count", std::to_string(1 + Rand(3))};
      case 50:
        return {"zremrangebyscore", Key(), "-inf", Score()};
      case 51:
        return {Rand(2) ? "zunionstore" : "zinterstore", Key(), "2", Key(), Key()};
      case 52:
        return {"zrangestore", Key(), Key(), "0", std::to_string(Rand(4) - 1)};
      case 53:
        return {"sort", Key(), Rand(2) ? "alpha" : "by", "nosort", "store", Key()};
      case 54:
        return {"select", std::to_string(Rand(3))};
      case 55:
        return Rand(4) ? Command{"swapdb", std::to_string(Rand(3)), std::to_string(Rand(3))}
                       : Command{"flushdb"};
      case 56:
        return {"dump", Key()};  // turned into a RESTORE by the caller
      case 57:
        return {"bitop", "or", Key(), Key(), Key()};
      case 58:
        return {"sort", Key(), "store", Key()};
      default:
        return {"incrbyfloat", Key(), Float()};
    }
  }

 private:
  std::mt19937 rng_;
};

// Each key of the first `dbs` databases as "db:key digest expiry", sorted.
std::vector<std::string> Snapshot(Keyspace& ks, int dbs) {
  std::vector<std::string> out;
  for (int i = 0; i < dbs; ++i) {
    const Db& db = ks.db(i);
    db.ForEach([&](const Entry* e) {
      out.push_back(std::to_string(i) + ":" + std::string(e->key()) + " " +
                    DigestHex(ValueDigest(db, e)).substr(0, 8) + " " +
                    std::to_string(db.GetExpire(e)));
    });
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("replaying what a random workload logged gives the same dataset", "[propagation]") {
  size_t expired = 0;
  for (uint32_t seed = 1; seed <= 25; ++seed) {
    INFO("seed " << seed);
    Workload w(seed);
    CommandHarness a(3);
    std::vector<LogRecord> log;
    ExpiryRecorder recorder(&log);
    a.ks().set_observer(&recorder);
    size_t writes = 0;
    for (int i = 0; i < 400; ++i) {
      a.clock().AdvanceMs(w.Rand(4) == 0 ? w.Rand(3000) : w.Rand(50));
      if (w.Rand(50) == 0) {
        a.ks().UpdateTime();
        a.ks().ActiveExpireCycle(Keyspace::ExpireCycle::kSlow, 10);
      }
      Command c = w.Next(a.clock().NowMs());
      if (c[0] == "dump") {
        const std::string reply = Run(a, c);
        if (reply == testing::kNil) continue;
        c = {"restore", w.Key(), w.Rand(2) ? "0" : w.Ms(), BulkValue(reply)};
        if (w.Rand(2)) c.push_back("replace");
      }
      const int db = a.session().db_index;
      Run(a, c);
      for (const Command& logged : a.logged()) {
        log.push_back({db, logged});
        ++writes;
      }
    }
    a.ks().set_observer(nullptr);
    CHECK(writes > 100);
    expired += recorder.expired;

    CommandHarness b(3);
    b.clock().SetMs(a.clock().NowMs() + 3'600'000);
    b.ks().loading = true;
    for (const LogRecord& r : log) {
      b.session().db_index = r.db;
      const std::string reply = Run(b, r.args);
      INFO(Join(r.args) << " -> " << reply);
      CHECK(reply.substr(0, 1) != "-");
    }
    CHECK(Snapshot(b.ks(), 3) == Snapshot(a.ks(), 3));
    CHECK(DigestHex(DatasetDigest(b.ks())) == DigestHex(DatasetDigest(a.ks())));
  }
  CHECK(expired > 25);  // the workload does exercise keys expiring between commands
}

}  // namespace
}  // namespace keel::engine
