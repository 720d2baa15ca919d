// Tests for MONITOR (server/monitor.h): sdscatrepr quoting, the line format, Redis's argument
// redaction, and what the dispatcher feeds to monitoring clients.
#include "server/monitor.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "formats/split_args.h"
#include "tests/server/detached_clients.h"

namespace keel::server {
namespace {

using testing::DetachedClients;

std::string Repr(std::string_view s) {
  std::string out;
  formats::AppendRepr(&out, s);
  return out;
}

TEST_CASE("repr escapes quotes, backslashes, named controls and other bytes", "[monitor]") {
  REQUIRE(Repr("") == "\"\"");
  REQUIRE(Repr("plain text ~") == "\"plain text ~\"");
  REQUIRE(Repr("a\"b\\c") == "\"a\\\"b\\\\c\"");
  REQUIRE(Repr("\n\r\t\a\b") == "\"\\n\\r\\t\\a\\b\"");
  REQUIRE(Repr(std::string_view("\0\x01\x1f\x7f\x80\xff", 6)) ==
          "\"\\x00\\x01\\x1f\\x7f\\x80\\xff\"");
  REQUIRE(Repr("\v\f") == "\"\\x0b\\x0c\"");  // no names for these, as in Redis
}

TEST_CASE("a monitor line has seconds, six-digit microseconds, db and peer", "[monitor]") {
  std::vector<std::string_view> args = {"set", "k", "v v"};
  REQUIRE(FormatMonitorLine(1700000000000123, 3, "127.0.0.1:50000", args) ==
          "+1700000000.000123 [3 127.0.0.1:50000] \"set\" \"k\" \"v v\"\r\n");
}

TEST_CASE("AUTH, HELLO AUTH and sensitive CONFIG SET values are redacted", "[monitor]") {
  DetachedClients h;
  const engine::CommandTable& t = h.server().commands();
  const ConfigStore& cfg = h.server().config_store();
  auto hidden = [&](const engine::CommandSpec* cmd, std::vector<std::string_view> args) {
    std::vector<bool> flags = RedactedArguments(*cmd, args, cfg);
    std::vector<size_t> out;
    for (size_t i = 0; i < flags.size(); ++i) {
      if (flags[i]) out.push_back(i);
    }
    return out;
  };
  using V = std::vector<size_t>;
  REQUIRE(hidden(t.Find("auth"), {"auth", "pw"}) == V{1});
  REQUIRE(hidden(t.Find("auth"), {"auth", "u", "pw"}) == V{1, 2});
  REQUIRE(hidden(t.Find("auth"), {"auth", "a", "b", "c"}).empty());  // refused first
  REQUIRE(hidden(t.Find("hello"), {"hello", "2", "SETNAME", "n", "auth", "u", "p"}) == V{5, 6});
  REQUIRE(hidden(t.Find("hello"), {"hello", "x", "AUTH", "u", "p"}).empty());
  REQUIRE(hidden(t.Find("hello"), {"hello", "2", "BAD", "AUTH", "u", "p"}).empty());
  const engine::CommandSpec* set = t.Find("config")->FindSubcommand("set");
  REQUIRE(hidden(set, {"config", "set", "maxmemory", "1", "requirepass", "pw"}) == V{5});
  REQUIRE(hidden(set, {"config", "set", "nosuch", "1", "requirepass", "pw"}) == V{5});
  REQUIRE(hidden(set, {"config", "set", "requirepass"}).empty());  // odd: a syntax error
  REQUIRE(hidden(t.Find("set"), {"set", "requirepass", "x"}).empty());
}

TEST_CASE("monitors see commands after they ran, not admin or refused ones", "[monitor]") {
  DetachedClients h;
  Client& m = h.NewClient();
  Client& c = h.NewClient();
  REQUIRE(h.Run(m, {"monitor"}) == "+OK\r\n");
  REQUIRE(h.Run(m, {"monitor"}).empty());  // again: no reply at all
  h.Run(c, {"select", "4"});
  h.Run(c, {"auth", "pw"});
  h.Run(c, {"config", "get", "port"});  // admin
  h.Run(c, {"nosuchcommand"});
  h.Run(c, {"get"});
  std::string lines = DetachedClients::Take(m);
  std::string peer = " [4 " + c.addr() + "] ";
  REQUIRE(lines.find(peer + "\"select\" \"4\"\r\n") != std::string::npos);
  REQUIRE(lines.find(peer + "\"auth\" \"(redacted)\"\r\n") != std::string::npos);
  REQUIRE(lines.find("config") == std::string::npos);
  REQUIRE(lines.find("nosuchcommand") == std::string::npos);
  REQUIRE(std::count(lines.begin(), lines.end(), '\n') == 2);
}

TEST_CASE("a monitor may not touch the keyspace and RESET ends monitoring", "[monitor]") {
  DetachedClients h;
  Client& m = h.NewClient();
  h.Run(m, {"monitor"});
  REQUIRE(h.Run(m, {"get", "k"}) == "-ERR Replica can't interact with the keyspace\r\n");
  REQUIRE(h.Run(m, {"publish", "c", "x"}) == "-ERR Replica can't interact with the keyspace\r\n");
  // Its own PING is answered, then shown to it.
  std::string got = h.Run(m, {"ping"});
  REQUIRE(got.rfind("+PONG\r\n+", 0) == 0);
  REQUIRE(got.find("\"ping\"\r\n") != std::string::npos);
  REQUIRE(h.Run(m, {"reset"}) == "+RESET\r\n");
  REQUIRE(h.Run(m, {"get", "k"}) == "$-1\r\n");
}

TEST_CASE("MONITOR inside MULTI is refused at EXEC", "[monitor]") {
  DetachedClients h;
  Client& c = h.NewClient();
  h.Run(c, {"multi"});
  REQUIRE(h.Run(c, {"monitor"}) == "+QUEUED\r\n");
  REQUIRE(h.Run(c, {"exec"}) == "*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n");
  REQUIRE_FALSE(h.server().monitors().Contains(&c));
}

}  // namespace
}  // namespace keel::server
