// Tests for the slow log (server/slowlog.h): Redis's argument trimming, the threshold and length
// limits, ids, and what the dispatcher records (skip_slowlog commands, redaction, client data).
#include "server/slowlog.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/server/detached_clients.h"

namespace keel::server {
namespace {

using testing::DetachedClients;

std::vector<std::string_view> Views(const std::vector<std::string>& v) {
  return std::vector<std::string_view>(v.begin(), v.end());
}

TEST_CASE("an argument over 128 bytes is cut with the count of bytes left out", "[slowlog]") {
  std::string exact(128, 'a'), over(200, 'b');
  auto out = SlowLog::TrimArgs(Views({"set", exact, over}));
  REQUIRE(out.size() == 3);
  REQUIRE(out[1] == exact);
  REQUIRE(out[2] == std::string(128, 'b') + "... (72 more bytes)");
}

TEST_CASE("more than 32 arguments keep 31 and say how many more there were", "[slowlog]") {
  std::vector<std::string> args;
  for (int i = 0; i < 40; ++i) args.push_back(std::to_string(i));
  auto out = SlowLog::TrimArgs(Views(args));
  REQUIRE(out.size() == 32);
  REQUIRE(out[30] == "30");
  REQUIRE(out[31] == "... (9 more arguments)");
  // Exactly 32 are all kept.
  args.resize(32);
  out = SlowLog::TrimArgs(Views(args));
  REQUIRE(out.size() == 32);
  REQUIRE(out[31] == "31");
}

TEST_CASE("the threshold is inclusive and a negative one turns the log off", "[slowlog]") {
  SlowLog log;
  std::vector<std::string_view> args = {"ping"};
  log.MaybeAdd(args, 99, 1, "p", "n", 100, 10);
  REQUIRE(log.size() == 0);
  log.MaybeAdd(args, 100, 1, "p", "n", 100, 10);
  REQUIRE(log.size() == 1);
  log.MaybeAdd(args, 1'000'000, 1, "p", "n", -1, 10);
  REQUIRE(log.size() == 1);
  log.MaybeAdd(args, 0, 1, "p", "n", 0, 10);  // 0 logs everything
  REQUIRE(log.size() == 2);
}

TEST_CASE("the log keeps the newest max-len entries and ids survive RESET", "[slowlog]") {
  SlowLog log;
  std::vector<std::string_view> args = {"x"};
  for (int i = 0; i < 5; ++i) log.MaybeAdd(args, 1, 1, "p", "", 0, 3);
  REQUIRE(log.size() == 3);
  REQUIRE(log.entries().front().id == 4);
  REQUIRE(log.entries().back().id == 2);
  log.Reset();
  log.MaybeAdd(args, 1, 1, "p", "", 0, 3);
  REQUIRE(log.entries().front().id == 5);
  // max-len 0: the entry is added and dropped at once.
  log.MaybeAdd(args, 1, 1, "p", "", 0, 0);
  REQUIRE(log.size() == 0);
}

TEST_CASE("the dispatcher logs commands with client data, secrets redacted", "[slowlog]") {
  DetachedClients h;
  h.server().config().slowlog_log_slower_than = 0;
  Client& c = h.NewClient();
  h.Run(c, {"client", "setname", "worker"});
  h.Run(c, {"auth", "secret"});
  const auto& entries = h.server().slowlog().entries();
  REQUIRE(entries.size() == 2);
  REQUIRE(entries[0].args == std::vector<std::string>{"auth", "(redacted)"});
  REQUIRE(entries[0].peer == c.addr());
  REQUIRE(entries[0].client_name == "worker");
  REQUIRE(entries[1].args == std::vector<std::string>{"client", "setname", "worker"});
  REQUIRE(entries[1].client_name == "worker");  // the name after the command ran
}

TEST_CASE("commands the dispatcher refuses are not logged, nor skip_slowlog ones", "[slowlog]") {
  DetachedClients h;
  h.server().config().slowlog_log_slower_than = 0;
  Client& c = h.NewClient();
  h.Run(c, {"nosuchcommand"});
  h.Run(c, {"get"});
  REQUIRE(h.server().slowlog().size() == 0);
  h.Run(c, {"multi"});
  h.Run(c, {"set", "k", "v"});
  h.Run(c, {"exec"});  // skip_slowlog: its SET is logged instead
  std::vector<std::string> first;
  for (const auto& e : h.server().slowlog().entries()) first.push_back(e.args[0]);
  REQUIRE(first == std::vector<std::string>{"set", "multi"});
}

TEST_CASE("SLOWLOG GET, LEN and RESET reply as Redis's", "[slowlog]") {
  DetachedClients h;
  h.server().config().slowlog_log_slower_than = 0;
  Client& c = h.NewClient();
  h.Run(c, {"ping"});
  REQUIRE(h.Run(c, {"slowlog", "len"}) == ":1\r\n");
  std::string got = h.Run(c, {"slowlog", "get", "1"});
  // [[id 1, time, duration, ["slowlog", "len"], addr, name]]
  REQUIRE(got.rfind("*1\r\n*6\r\n:1\r\n:", 0) == 0);
  REQUIRE(got.find("*2\r\n$7\r\nslowlog\r\n$3\r\nlen\r\n$15\r\n127.0.0.1:50000\r\n$0\r\n\r\n") !=
          std::string::npos);
  REQUIRE(h.Run(c, {"slowlog", "get", "0"}) == "*0\r\n");
  REQUIRE(h.Run(c, {"slowlog", "get", "-2"}) ==
          "-ERR count should be greater than or equal to -1\r\n");
  REQUIRE(h.Run(c, {"slowlog", "get", "x"}) ==
          "-ERR count should be greater than or equal to -1\r\n");
  REQUIRE(h.Run(c, {"slowlog", "GET", "1", "2"}) ==
          "-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.\r\n");
  REQUIRE(h.Run(c, {"slowlog", "reset"}) == "+OK\r\n");
  REQUIRE(h.Run(c, {"slowlog", "len"}) == ":1\r\n");  // the RESET itself
  REQUIRE(h.Run(c, {"slowlog", "get", "-1"}).rfind("*2\r\n", 0) == 0);
}

}  // namespace
}  // namespace keel::server
