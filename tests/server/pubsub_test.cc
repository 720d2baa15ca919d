// Tests for pub/sub: the registry's bookkeeping (server/pubsub.h) and, through the dispatcher with
// socketless clients, the replies and pushed messages byte for byte, subscribed-mode
// restrictions, and cleanup when a subscriber goes.
#include "server/pubsub.h"

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/server/detached_clients.h"

namespace keel::server {
namespace {

using Kind = PubSubKind;
// The registry's own tests name subscribers by number.
using Registry = BasicPubSubRegistry<uint64_t>;
using testing::DetachedClients;

// Who received a message, as (subscriber, pattern or "").
std::vector<std::pair<uint64_t, std::string>> Receivers(const Registry& reg, Kind kind,
                                                        std::string_view channel, size_t* n) {
  std::vector<std::pair<uint64_t, std::string>> out;
  *n = reg.Publish(kind, channel, [&](uint64_t id, const std::string* pattern) {
    out.emplace_back(id, pattern != nullptr ? *pattern : std::string());
  });
  return out;
}

TEST_CASE("a repeated subscription changes nothing and is counted once", "[pubsub]") {
  Registry reg;
  REQUIRE(reg.Subscribe(Kind::kChannel, 1, "news"));
  REQUIRE_FALSE(reg.Subscribe(Kind::kChannel, 1, "news"));
  REQUIRE(reg.Subscribe(Kind::kPattern, 1, "n*"));
  REQUIRE(reg.ChannelAndPatternCount(1) == 2);
  REQUIRE(reg.NumSubscribers(Kind::kChannel, "news") == 1);
  REQUIRE(reg.NumActive(Kind::kChannel) == 1);
  REQUIRE(reg.NumActive(Kind::kPattern) == 1);
  REQUIRE(reg.IsSubscriber(1));
  REQUIRE_FALSE(reg.IsSubscriber(2));
}

TEST_CASE("a channel is forgotten when its last subscriber leaves", "[pubsub]") {
  Registry reg;
  reg.Subscribe(Kind::kChannel, 1, "a");
  reg.Subscribe(Kind::kChannel, 2, "a");
  REQUIRE(reg.Unsubscribe(Kind::kChannel, 1, "a"));
  REQUIRE_FALSE(reg.Unsubscribe(Kind::kChannel, 1, "a"));  // not subscribed any more
  REQUIRE(reg.ActiveChannels(Kind::kChannel, nullptr) == std::vector<std::string>{"a"});
  REQUIRE(reg.Unsubscribe(Kind::kChannel, 2, "a"));
  REQUIRE(reg.ActiveChannels(Kind::kChannel, nullptr).empty());
  REQUIRE(reg.NumActive(Kind::kChannel) == 0);
  REQUIRE_FALSE(reg.IsSubscriber(1));
  REQUIRE_FALSE(reg.IsSubscriber(2));
}

TEST_CASE("a message reaches channel subscribers, then each matching pattern's", "[pubsub]") {
  Registry reg;
  reg.Subscribe(Kind::kChannel, 1, "news.tech");
  reg.Subscribe(Kind::kPattern, 1, "news.*");  // the same client through two ways
  reg.Subscribe(Kind::kPattern, 2, "news.*");
  reg.Subscribe(Kind::kPattern, 2, "*.tech");
  reg.Subscribe(Kind::kPattern, 3, "sport.*");
  size_t n = 0;
  auto got = Receivers(reg, Kind::kChannel, "news.tech", &n);
  REQUIRE(n == 4);
  REQUIRE(got.size() == 4);
  REQUIRE(got[0] == std::make_pair(uint64_t{1}, std::string()));
  std::vector<std::pair<uint64_t, std::string>> by_pattern(got.begin() + 1, got.end());
  std::sort(by_pattern.begin(), by_pattern.end());
  REQUIRE(by_pattern == std::vector<std::pair<uint64_t, std::string>>{
                            {1, "news.*"}, {2, "*.tech"}, {2, "news.*"}});
  REQUIRE(Receivers(reg, Kind::kChannel, "weather", &n).empty());
  REQUIRE(n == 0);
}

TEST_CASE("shard channels are their own namespace and patterns never match them", "[pubsub]") {
  Registry reg;
  reg.Subscribe(Kind::kShard, 1, "orders");
  reg.Subscribe(Kind::kPattern, 2, "*");
  size_t n = 0;
  auto got = Receivers(reg, Kind::kShard, "orders", &n);
  REQUIRE(n == 1);
  REQUIRE(got[0].first == 1);
  // A plain PUBLISH on the same name reaches the pattern only.
  got = Receivers(reg, Kind::kChannel, "orders", &n);
  REQUIRE(n == 1);
  REQUIRE(got[0].first == 2);
  REQUIRE(reg.Count(Kind::kShard, 1) == 1);
  REQUIRE(reg.ChannelAndPatternCount(1) == 0);
  REQUIRE(reg.IsSubscriber(1));
}

TEST_CASE("removing a subscriber drops all its subscriptions of every kind", "[pubsub]") {
  Registry reg;
  reg.Subscribe(Kind::kChannel, 7, "a");
  reg.Subscribe(Kind::kChannel, 7, "b");
  reg.Subscribe(Kind::kPattern, 7, "p*");
  reg.Subscribe(Kind::kShard, 7, "s");
  reg.Subscribe(Kind::kChannel, 8, "b");
  reg.RemoveSubscriber(7);
  REQUIRE_FALSE(reg.IsSubscriber(7));
  REQUIRE(reg.ActiveChannels(Kind::kChannel, nullptr) == std::vector<std::string>{"b"});
  REQUIRE(reg.NumActive(Kind::kPattern) == 0);
  REQUIRE(reg.NumActive(Kind::kShard) == 0);
  REQUIRE(reg.SubscriberMemory(7) == 0);
  REQUIRE(reg.SubscriberMemory(8) > 0);
}

TEST_CASE("PUBSUB CHANNELS filters by glob, binary names included", "[pubsub]") {
  Registry reg;
  for (std::string_view name : std::vector<std::string_view>{"a1", "a2", "b1", {"a\0z", 3}}) {
    reg.Subscribe(Kind::kChannel, 1, name);
  }
  std::string_view pattern = "a?";
  REQUIRE(reg.ActiveChannels(Kind::kChannel, &pattern) == std::vector<std::string>{"a1", "a2"});
  pattern = "a*";
  REQUIRE(reg.ActiveChannels(Kind::kChannel, &pattern).size() == 3);
}

// ---- Through the dispatcher ----

TEST_CASE("SUBSCRIBE confirms each channel with the running count", "[pubsub]") {
  DetachedClients h;
  Client& c = h.NewClient();
  REQUIRE(h.Run(c, {"subscribe", "a", "b", "a"}) ==
          "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
          "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
          "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n");
  REQUIRE(h.Run(c, {"psubscribe", "x*"}) == "*3\r\n$10\r\npsubscribe\r\n$2\r\nx*\r\n:3\r\n");
  REQUIRE(h.Run(c, {"unsubscribe", "nope"}) == "*3\r\n$11\r\nunsubscribe\r\n$4\r\nnope\r\n:3\r\n");
}

TEST_CASE("UNSUBSCRIBE without arguments when subscribed to nothing still answers", "[pubsub]") {
  DetachedClients h;
  Client& c = h.NewClient();
  REQUIRE(h.Run(c, {"unsubscribe"}) == "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  REQUIRE(h.Run(c, {"punsubscribe"}) == "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n");
  REQUIRE(h.Run(c, {"sunsubscribe"}) == "*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n");
  // Not subscribed, so still a normal client.
  REQUIRE(h.Run(c, {"ping"}) == "+PONG\r\n");
}

TEST_CASE("UNSUBSCRIBE without arguments leaves every channel, patterns kept", "[pubsub]") {
  DetachedClients h;
  Client& c = h.NewClient();
  h.Run(c, {"subscribe", "b", "a"});
  h.Run(c, {"psubscribe", "p*"});
  REQUIRE(h.Run(c, {"unsubscribe"}) ==
          "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n"
          "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n");
  REQUIRE(h.Run(c, {"punsubscribe"}) == "*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n");
  REQUIRE(h.Run(c, {"get", "k"}) == "$-1\r\n");  // out of subscribed mode
}

TEST_CASE("PUBLISH pushes message and pmessage and counts the receivers", "[pubsub]") {
  DetachedClients h;
  Client& sub = h.NewClient();
  Client& psub = h.NewClient();
  Client& pub = h.NewClient();
  h.Run(sub, {"subscribe", "chan"});
  h.Run(psub, {"psubscribe", "ch*"});
  REQUIRE(h.Run(pub, {"publish", "chan", "hello"}) == ":2\r\n");
  REQUIRE(DetachedClients::Take(sub) == "*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$5\r\nhello\r\n");
  REQUIRE(DetachedClients::Take(psub) ==
          "*4\r\n$8\r\npmessage\r\n$3\r\nch*\r\n$4\r\nchan\r\n$5\r\nhello\r\n");
  REQUIRE(h.Run(pub, {"publish", "other", "x"}) == ":0\r\n");
  REQUIRE(DetachedClients::Take(sub).empty());
}

TEST_CASE("SPUBLISH reaches shard subscribers with smessage", "[pubsub]") {
  DetachedClients h;
  Client& sub = h.NewClient();
  Client& pub = h.NewClient();
  REQUIRE(h.Run(sub, {"ssubscribe", "s"}) == "*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n");
  REQUIRE(h.Run(pub, {"spublish", "s", "m"}) == ":1\r\n");
  REQUIRE(DetachedClients::Take(sub) == "*3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nm\r\n");
}

TEST_CASE("a subscribed client may only (un)subscribe, PING, QUIT and RESET", "[pubsub]") {
  DetachedClients h;
  Client& c = h.NewClient();
  h.Run(c, {"subscribe", "a"});
  REQUIRE(h.Run(c, {"get", "k"}) ==
          "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
          "RESET are allowed in this context\r\n");
  // Subcommands are named in full.
  REQUIRE(h.Run(c, {"client", "info"}).find("'client|info'") != std::string::npos);
  // Unknown commands and arity errors come first, as in Redis.
  REQUIRE(h.Run(c, {"nosuch"}).rfind("-ERR unknown command 'nosuch'", 0) == 0);
  REQUIRE(h.Run(c, {"get"}) == "-ERR wrong number of arguments for 'get' command\r\n");
  REQUIRE(h.Run(c, {"ping"}) == "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  REQUIRE(h.Run(c, {"ping", "hi"}) == "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
  REQUIRE(h.Run(c, {"psubscribe", "x"}).rfind("*3\r\n$10\r\npsubscribe", 0) == 0);
  REQUIRE(h.Run(c, {"reset"}) == "+RESET\r\n");
  REQUIRE(h.Run(c, {"ping"}) == "+PONG\r\n");
  REQUIRE(h.server().pubsub().NumActive(Kind::kChannel) == 0);
}

TEST_CASE("a subscriber that goes is removed from every channel", "[pubsub]") {
  DetachedClients h;
  Client& sub = h.NewClient();
  Client& pub = h.NewClient();
  h.Run(sub, {"subscribe", "a"});
  h.server().RemoveClient(&sub);
  REQUIRE(h.Run(pub, {"publish", "a", "m"}) == ":0\r\n");
  REQUIRE(h.Run(pub, {"pubsub", "numsub", "a"}) == "*2\r\n$1\r\na\r\n:0\r\n");
}

TEST_CASE("PUBSUB subcommands answer as Redis's", "[pubsub]") {
  DetachedClients h;
  Client& sub = h.NewClient();
  Client& c = h.NewClient();
  h.Run(sub, {"subscribe", "a1", "b1"});
  h.Run(sub, {"psubscribe", "a*", "b*"});
  REQUIRE(h.Run(c, {"pubsub", "channels"}) == "*2\r\n$2\r\na1\r\n$2\r\nb1\r\n");
  REQUIRE(h.Run(c, {"pubsub", "channels", "a*"}) == "*1\r\n$2\r\na1\r\n");
  REQUIRE(h.Run(c, {"pubsub", "CHANNELS", "a", "b"}) ==
          "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB "
          "HELP.\r\n");
  REQUIRE(h.Run(c, {"pubsub", "numsub"}) == "*0\r\n");
  REQUIRE(h.Run(c, {"pubsub", "numsub", "a1", "zz"}) ==
          "*4\r\n$2\r\na1\r\n:1\r\n$2\r\nzz\r\n:0\r\n");
  REQUIRE(h.Run(c, {"pubsub", "numpat"}) == ":2\r\n");
  REQUIRE(h.Run(c, {"pubsub", "numpat", "x"}) ==
          "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n");
  REQUIRE(h.Run(c, {"pubsub", "shardchannels"}) == "*0\r\n");
  REQUIRE(h.Run(c, {"pubsub", "shardnumsub", "q"}) == "*2\r\n$1\r\nq\r\n:0\r\n");
  std::string help = h.Run(c, {"pubsub", "help"});
  REQUIRE(help.rfind("*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                     0) == 0);
  REQUIRE(help.find("+    Prints this help.\r\n") != std::string::npos);
}

TEST_CASE("a subscriber past the pubsub output limit is disconnected", "[pubsub]") {
  DetachedClients h;
  Client& sub = h.NewClient();
  Client& normal = h.NewClient();
  Client& pub = h.NewClient();
  h.server().config().client_output_buffer_limit[kClientClassPubsub] = {1000, 0, 0};
  h.Run(sub, {"subscribe", "a"});
  std::string big(600, 'x');
  // Nothing is sent from a detached client, so its output only grows.
  REQUIRE(h.Run(pub, {"publish", "a", big}) == ":1\r\n");
  REQUIRE_FALSE(sub.closing());
  REQUIRE(h.Run(pub, {"publish", "a", big}) == ":1\r\n");  // counted, though dropped
  REQUIRE(sub.closing());
  // The normal class has no limit: a client of it keeps its output.
  std::string value(5000, 'y');
  h.Run(normal, {"set", "k", value});
  h.Run(normal, {"get", "k"});
  REQUIRE_FALSE(normal.closing());
}

}  // namespace
}  // namespace keel::server
