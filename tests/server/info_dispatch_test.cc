// Tests for the statistics the dispatcher keeps for INFO (Server::Execute): calls, failed and
// rejected calls per command and subcommand, error replies by code, and CONFIG RESETSTAT. Requests
// run through a Server and a Client with no socket; replies are read from the client's buffer.
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/client.h"
#include "server/config.h"
#include "server/server.h"

namespace keel::server {
namespace {

class Harness {
 public:
  Harness() : server_(std::make_unique<ConfigStore>()) { client_ = NewClient(); }

  std::unique_ptr<Client> NewClient() {
    return std::make_unique<Client>(&server_, next_id_++, -1, io::PeerAddress{}, "127.0.0.1:0");
  }

  // Runs one request and returns the reply bytes it produced.
  std::string Run(std::vector<std::string_view> args, Client* client = nullptr) {
    Client& c = client != nullptr ? *client : *client_;
    size_t before = c.reply().buffer()->size();
    server_.Execute(c, args);
    return c.reply().buffer()->substr(before);
  }

  // INFO <section> as {field: value}.
  std::map<std::string, std::string> Info(std::string_view section) {
    std::string reply = Run({"info", section});
    REQUIRE(reply[0] == '$');
    std::string body = reply.substr(reply.find("\r\n") + 2);
    std::map<std::string, std::string> fields;
    size_t pos = 0;
    for (size_t eol; (eol = body.find("\r\n", pos)) != std::string::npos; pos = eol + 2) {
      std::string line = body.substr(pos, eol - pos);
      size_t colon = line.find(':');
      if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
      fields[line.substr(0, colon)] = line.substr(colon + 1);
    }
    return fields;
  }

  Server& server() { return server_; }

 private:
  Server server_;
  uint64_t next_id_ = 1;
  std::unique_ptr<Client> client_;
};

// The "calls=..,usec=.." value without the timing fields, which vary.
std::string Counts(const std::string& cmdstat) {
  std::string out;
  size_t pos = 0;
  while (pos < cmdstat.size()) {
    size_t comma = cmdstat.find(',', pos);
    std::string item = cmdstat.substr(pos, comma == std::string::npos ? comma : comma - pos);
    if (item.rfind("usec", 0) != 0) out += (out.empty() ? "" : ",") + item;
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

TEST_CASE("commandstats count calls, failures and refusals per command", "[info]") {
  Harness h;
  h.Run({"set", "n", "x"});
  REQUIRE(h.Run({"incr", "n"}).rfind("-ERR value is not an integer", 0) == 0);
  h.Run({"set", "m", "1"});
  REQUIRE(h.Run({"incr", "m"}) == ":2\r\n");
  h.Run({"get"});                  // wrong arity: refused before running
  h.Run({"config", "get"});        // refused, counted on the subcommand
  h.Run({"config", "nosuchsub"});  // no command found: no cmdstat line
  h.Run({"nosuchcommand"});

  auto stats = h.Info("commandstats");
  REQUIRE(Counts(stats.at("cmdstat_set")) == "calls=2,rejected_calls=0,failed_calls=0");
  REQUIRE(Counts(stats.at("cmdstat_incr")) == "calls=2,rejected_calls=0,failed_calls=1");
  REQUIRE(Counts(stats.at("cmdstat_get")) == "calls=0,rejected_calls=1,failed_calls=0");
  REQUIRE(Counts(stats.at("cmdstat_config|get")) == "calls=0,rejected_calls=1,failed_calls=0");
  REQUIRE(stats.count("cmdstat_config") == 0);
  REQUIRE(stats.size() == 4);  // INFO itself is counted once it has returned
  REQUIRE(stats.at("cmdstat_set").find("usec_per_call=") != std::string::npos);

  auto latency = h.Info("latencystats");
  REQUIRE(latency.count("latency_percentiles_usec_set") == 1);
  REQUIRE(latency.count("latency_percentiles_usec_incr") == 1);
  REQUIRE(latency.count("latency_percentiles_usec_info") == 1);
  REQUIRE(latency.count("latency_percentiles_usec_get") == 0);  // never ran
  REQUIRE(latency.at("latency_percentiles_usec_set").rfind("p50=", 0) == 0);
  REQUIRE(latency.at("latency_percentiles_usec_set").find(",p99=") != std::string::npos);
  REQUIRE(latency.at("latency_percentiles_usec_set").find(",p99.9=") != std::string::npos);
}

TEST_CASE("errorstats count every error reply by code, dispatcher errors included", "[info]") {
  Harness h;
  h.Run({"set", "n", "x"});
  h.Run({"incr", "n"});
  h.Run({"nosuchcommand"});
  h.Run({"get"});
  std::vector<std::pair<std::string_view, std::string_view>> password = {{"requirepass", "pw"}};
  REQUIRE(h.server().config_store().Set(password, true).ok());
  auto stranger = h.NewClient();
  REQUIRE(h.Run({"get", "n"}, stranger.get()) == "-NOAUTH Authentication required.\r\n");

  auto errors = h.Info("errorstats");
  REQUIRE(errors.at("errorstat_ERR") == "count=3");
  REQUIRE(errors.at("errorstat_NOAUTH") == "count=1");
  REQUIRE(errors.size() == 2);
  REQUIRE(h.Info("stats").at("total_error_replies") == "4");
  auto commands = h.Info("commandstats");
  REQUIRE(Counts(commands.at("cmdstat_get")) == "calls=0,rejected_calls=2,failed_calls=0");
}

TEST_CASE("CONFIG RESETSTAT clears command, latency and error statistics", "[info]") {
  Harness h;
  h.Run({"set", "n", "x"});
  h.Run({"incr", "n"});
  REQUIRE(h.Run({"config", "resetstat"}) == "+OK\r\n");
  REQUIRE(h.Info("errorstats").empty());
  auto commands = h.Info("commandstats");
  // Only RESETSTAT itself (counted after it ran) and the INFO before this one.
  REQUIRE(commands.size() == 2);
  REQUIRE(Counts(commands.at("cmdstat_config|resetstat")) ==
          "calls=1,rejected_calls=0,failed_calls=0");
  REQUIRE(h.Info("latencystats").count("latency_percentiles_usec_set") == 0);
  REQUIRE(h.Info("stats").at("total_error_replies") == "0");
}

TEST_CASE("memory overhead and dataset add up to used memory", "[info]") {
  Harness h;
  for (int i = 0; i < 1000; ++i) {
    std::string key = "key:" + std::to_string(i);
    h.Run({"set", key, std::string(100, 'v')});
  }
  auto memory = h.Info("memory");
  uint64_t used = std::stoull(memory.at("used_memory"));
  uint64_t overhead = std::stoull(memory.at("used_memory_overhead"));
  uint64_t dataset = std::stoull(memory.at("used_memory_dataset"));
  REQUIRE(overhead > 0);
  REQUIRE(dataset >= 1000 * 100);  // at least the values themselves
  REQUIRE(overhead + dataset <= used + 1);
  REQUIRE(memory.at("mem_clients_normal") == "0");  // the harness's client is not connected
  REQUIRE(memory.at("used_memory_lua") == "0");
}

}  // namespace
}  // namespace keel::server
