// Tests for MULTI/EXEC/WATCH through the dispatcher (Server::Execute) and for input suspension
// (blocked and postponed clients), with clients that have no socket: requests go in through
// Execute or OnData and replies are read from each client's buffer.
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server/blocking.h"
#include "server/client.h"
#include "server/client_pause.h"
#include "server/config.h"
#include "server/server.h"

namespace keel::server {
namespace {

class Harness {
 public:
  Harness() : server_(std::make_unique<ConfigStore>()) {}
  ~Harness() {
    // Clients outside the server's table: let it forget them before they go.
    for (auto& c : clients_) server_.RemoveClient(c.get());
  }

  Client& NewClient() {
    clients_.push_back(
        std::make_unique<Client>(&server_, next_id_++, -1, io::PeerAddress{}, "127.0.0.1:0"));
    return *clients_.back();
  }

  // Runs one request and returns the reply bytes it produced.
  std::string Run(Client& c, std::vector<std::string_view> args) {
    size_t before = c.reply().buffer()->size();
    server_.Execute(c, args);
    return c.reply().buffer()->substr(before);
  }
  // Everything written to `c` so far, then forgotten.
  static std::string Take(Client& c) {
    std::string out = *c.reply().buffer();
    c.reply().buffer()->clear();
    return out;
  }

  Server& server() { return server_; }

 private:
  Server server_;
  uint64_t next_id_ = 1;
  std::vector<std::unique_ptr<Client>> clients_;
};

constexpr std::string_view kExecAbort =
    "-EXECABORT Transaction discarded because of previous errors.\r\n";

TEST_CASE("queued commands run at EXEC, and only then count as calls", "[multi]") {
  Harness h;
  Client& c = h.NewClient();
  REQUIRE(h.Run(c, {"multi"}) == "+OK\r\n");
  REQUIRE(h.Run(c, {"set", "a", "1"}) == "+QUEUED\r\n");
  REQUIRE(h.Run(c, {"incr", "a"}) == "+QUEUED\r\n");
  REQUIRE(c.multi().ListCount() == 2);
  REQUIRE(h.server().keyspace().db(0).Find("a") == nullptr);
  std::string info = h.Run(c, {"info", "commandstats"});
  REQUIRE(info == "+QUEUED\r\n");  // INFO is queued too
  REQUIRE(h.Run(c, {"exec"}).rfind("*3\r\n+OK\r\n:2\r\n$", 0) == 0);
  REQUIRE(c.multi().ListCount() == -1);
  info = h.Run(c, {"info", "commandstats"});
  REQUIRE(info.find("cmdstat_set:calls=1,") != std::string::npos);
  REQUIRE(info.find("cmdstat_incr:calls=1,") != std::string::npos);
  REQUIRE(info.find("cmdstat_exec:calls=1,") != std::string::npos);
}

TEST_CASE("a request refused while queueing makes EXEC abort", "[multi]") {
  Harness h;
  Client& c = h.NewClient();
  for (std::vector<std::string_view> refused :
       {std::vector<std::string_view>{"nosuch"}, {"get"}, {"shutdown"}}) {
    REQUIRE(h.Run(c, {"multi"}) == "+OK\r\n");
    REQUIRE(h.Run(c, {"set", "a", "1"}) == "+QUEUED\r\n");
    REQUIRE(h.Run(c, refused)[0] == '-');
    REQUIRE(h.Run(c, {"set", "b", "1"}) == "+QUEUED\r\n");
    REQUIRE(h.Run(c, {"exec"}) == kExecAbort);
    REQUIRE(h.server().keyspace().db(0).Find("a") == nullptr);
  }
  // Errors of commands that ran (not refused) do not abort.
  REQUIRE(h.Run(c, {"multi"}) == "+OK\r\n");
  REQUIRE(h.Run(c, {"multi"}) == "-ERR MULTI calls can not be nested\r\n");
  REQUIRE(h.Run(c, {"exec"}) == "*0\r\n");
}

TEST_CASE("a refused EXEC discards the transaction and names the reason", "[multi]") {
  Harness h;
  Client& c = h.NewClient();
  REQUIRE(h.Run(c, {"multi"}) == "+OK\r\n");
  REQUIRE(h.Run(c, {"set", "a", "1"}) == "+QUEUED\r\n");
  REQUIRE(h.Run(c, {"exec", "x"}) ==
          "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
          "command\r\n");
  REQUIRE_FALSE(c.multi().active);
  REQUIRE(h.Run(c, {"info", "errorstats"}).find("errorstat_EXECABORT:count=1") !=
          std::string::npos);
}

TEST_CASE("a write by another client to a watched key fails EXEC with a null array", "[multi]") {
  Harness h;
  Client& a = h.NewClient();
  Client& b = h.NewClient();
  REQUIRE(h.Run(a, {"watch", "k", "j"}) == "+OK\r\n");
  REQUIRE(h.Run(b, {"set", "other", "1"}) == "+OK\r\n");
  REQUIRE_FALSE(a.multi().dirty_cas);
  REQUIRE(h.Run(b, {"set", "k", "1"}) == "+OK\r\n");
  REQUIRE(a.multi().dirty_cas);
  REQUIRE(h.Run(a, {"multi"}) == "+OK\r\n");
  REQUIRE(h.Run(a, {"set", "k", "2"}) == "+QUEUED\r\n");
  REQUIRE(h.Run(a, {"exec"}) == "*-1\r\n");
  REQUIRE(h.server().watched_keys().size() == 0);
}

TEST_CASE("FLUSHDB touches watched keys that exist, not absent ones", "[multi]") {
  Harness h;
  Client& a = h.NewClient();
  Client& b = h.NewClient();
  h.Run(b, {"set", "present", "1"});
  REQUIRE(h.Run(a, {"watch", "absent"}) == "+OK\r\n");
  h.Run(b, {"flushdb"});
  REQUIRE_FALSE(a.multi().dirty_cas);
  h.Run(b, {"set", "present", "1"});
  REQUIRE(h.Run(a, {"watch", "present"}) == "+OK\r\n");
  h.Run(b, {"flushall"});
  REQUIRE(a.multi().dirty_cas);
}

TEST_CASE("SWAPDB touches a watched key present on either side", "[multi]") {
  Harness h;
  Client& a = h.NewClient();
  Client& b = h.NewClient();
  h.Run(b, {"select", "1"});
  h.Run(b, {"set", "k", "1"});
  REQUIRE(h.Run(a, {"watch", "k", "nowhere"}) == "+OK\r\n");
  h.Run(b, {"swapdb", "0", "2"});  // neither holds k
  REQUIRE_FALSE(a.multi().dirty_cas);
  h.Run(b, {"swapdb", "1", "0"});
  REQUIRE(a.multi().dirty_cas);
}

TEST_CASE("a watched key expiring before EXEC fails it; one expired when watched does not",
          "[multi]") {
  Harness h;
  Client& a = h.NewClient();
  // No cron runs here: keys expire only lazily.
  h.Run(a, {"set", "live", "1", "px", "30"});
  h.Run(a, {"set", "dead", "1", "px", "1"});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(h.Run(a, {"watch", "live", "dead"}) == "+OK\r\n");
  REQUIRE(h.Run(a, {"get", "dead"}) == "$-1\r\n");  // lazily deleted: no logical change
  REQUIRE_FALSE(a.multi().dirty_cas);
  REQUIRE(h.Run(a, {"multi"}) == "+OK\r\n");
  REQUIRE(h.Run(a, {"exec"}) == "*0\r\n");  // `live` has not expired yet
  REQUIRE(h.Run(a, {"watch", "live"}) == "+OK\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  REQUIRE(h.Run(a, {"multi"}) == "+OK\r\n");
  REQUIRE(h.Run(a, {"exec"}) == "*-1\r\n");
}

TEST_CASE("a blocked client keeps its pipelined requests unexecuted", "[blocking]") {
  Harness h;
  Client& c = h.NewClient();
  c.OnData("*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\nSET after 1\r\n");
  REQUIRE(c.blocked());
  REQUIRE(Harness::Take(c).empty());
  REQUIRE(c.query_buffer_bytes() == 13);
  c.OnData("GET after\r\n");  // more input while blocked waits too
  REQUIRE(c.query_buffer_bytes() == 24);
  REQUIRE(h.server().keyspace().db(0).Find("after") == nullptr);
  REQUIRE(h.server().blocked_clients().blocked_count() == 1);
  // CLIENT UNBLOCK (the path a served client takes too) releases it; its input runs on resume.
  Client& admin = h.NewClient();
  REQUIRE(h.server().blocked_clients().Unblock(c, false));
  REQUIRE_FALSE(c.blocked());
  REQUIRE(Harness::Take(c) == "*-1\r\n");
  c.ResumeInput();
  REQUIRE(Harness::Take(c) == "+OK\r\n$1\r\n1\r\n");
  REQUIRE(h.Run(admin, {"info", "clients"}).find("blocked_clients:0\r\n") != std::string::npos);
}

TEST_CASE("blocking commands inside EXEC reply at once", "[blocking]") {
  Harness h;
  Client& c = h.NewClient();
  REQUIRE(h.Run(c, {"multi"}) == "+OK\r\n");
  REQUIRE(h.Run(c, {"blpop", "q", "0"}) == "+QUEUED\r\n");
  REQUIRE(h.Run(c, {"exec"}) == "*1\r\n*-1\r\n");
  REQUIRE_FALSE(c.blocked());
}

TEST_CASE("a write pause postpones a write request and leaves it in the buffer", "[pause]") {
  Harness h;
  Client& admin = h.NewClient();
  Client& c = h.NewClient();
  REQUIRE(h.Run(admin, {"client", "pause", "100000", "write"}) == "+OK\r\n");
  c.OnData("GET k\r\nSET k v\r\nGET k\r\n");
  REQUIRE(Harness::Take(c) == "$-1\r\n");  // the read ran; the write waits, and the read after it
  REQUIRE(c.postponed());
  REQUIRE(c.query_buffer_bytes() == 16);
  REQUIRE(h.server().client_pause().postponed_count() == 1);
  // The end of the pause runs the postponed request again, checks and all.
  REQUIRE(h.Run(admin, {"client", "unpause"}) == "+OK\r\n");
  c.set_postponed(false);  // a client outside the server's table is not found by Unpause
  c.ResumeInput();
  REQUIRE(Harness::Take(c) == "+OK\r\n$1\r\nv\r\n");
  REQUIRE(c.query_buffer_bytes() == 0);
}

}  // namespace
}  // namespace keel::server
