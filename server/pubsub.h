// The pub/sub registry: which subscriber listens to which channels, patterns and shard channels,
// and who receives a message published on a channel. It only keeps the books; delivering bytes
// to connections is server/pubsub_commands.cc's job. The server's subscribers are its clients
// (PubSubRegistry); the registry itself works for any ordered, hashable handle, so its tests use
// plain numbers. Loop thread only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/glob.h"

namespace keel::server {

class Client;

// Plain channels (SUBSCRIBE), glob patterns (PSUBSCRIBE) and shard channels (SSUBSCRIBE). Shard
// channels are a namespace of their own that patterns never match, as in Redis.
enum class PubSubKind { kChannel = 0, kPattern = 1, kShard = 2 };

template <typename Subscriber>
class BasicPubSubRegistry {
 public:
  using Kind = PubSubKind;
  static constexpr Kind kChannel = Kind::kChannel;
  static constexpr Kind kPattern = Kind::kPattern;
  static constexpr Kind kShard = Kind::kShard;

  // Adds / removes one subscription; true when it changed something (a repeated SUBSCRIBE or an
  // UNSUBSCRIBE of a channel not subscribed to changes nothing, yet both are still answered).
  bool Subscribe(Kind kind, Subscriber subscriber, std::string_view name) {
    auto& mine = subscribers_[subscriber].names[Index(kind)];
    if (!mine.emplace(name).second) return false;
    ByName& index = by_name_[Index(kind)];
    auto it = index.find(name);
    if (it == index.end()) it = index.emplace(std::string(name), Subscribers()).first;
    it->second.insert(subscriber);
    return true;
  }

  bool Unsubscribe(Kind kind, Subscriber subscriber, std::string_view name) {
    auto sub = subscribers_.find(subscriber);
    if (sub == subscribers_.end()) return false;
    auto& mine = sub->second.names[Index(kind)];
    auto own = mine.find(name);
    if (own == mine.end()) return false;
    mine.erase(own);
    Forget(kind, subscriber, name);
    if (sub->second.empty()) subscribers_.erase(sub);
    return true;
  }

  // What `subscriber` has of `kind`, in byte order (UNSUBSCRIBE without arguments walks it).
  std::vector<std::string> SubscriptionsOf(Kind kind, Subscriber subscriber) const {
    auto sub = subscribers_.find(subscriber);
    if (sub == subscribers_.end()) return {};
    const auto& names = sub->second.names[Index(kind)];
    return std::vector<std::string>(names.begin(), names.end());
  }

  // Drops every subscription of a subscriber (a closed connection, RESET).
  void RemoveSubscriber(Subscriber subscriber) {
    auto sub = subscribers_.find(subscriber);
    if (sub == subscribers_.end()) return;
    for (Kind kind : {kChannel, kPattern, kShard}) {
      for (const std::string& name : sub->second.names[Index(kind)]) {
        Forget(kind, subscriber, name);
      }
    }
    subscribers_.erase(sub);
  }

  // How many `kind` subscriptions `subscriber` holds.
  size_t Count(Kind kind, Subscriber subscriber) const {
    if (subscribers_.empty()) return 0;
    auto sub = subscribers_.find(subscriber);
    return sub == subscribers_.end() ? 0 : sub->second.names[Index(kind)].size();
  }
  // Channels plus patterns: the count SUBSCRIBE / PSUBSCRIBE replies carry.
  size_t ChannelAndPatternCount(Subscriber subscriber) const {
    return Count(kChannel, subscriber) + Count(kPattern, subscriber);
  }
  // True when `subscriber` holds any subscription: the client is in subscribed mode.
  bool IsSubscriber(Subscriber subscriber) const {
    return !subscribers_.empty() && subscribers_.count(subscriber) != 0;
  }

  // Calls `deliver(subscriber, pattern)` for every receiver of a message on `channel`: first the
  // channel's subscribers (pattern nullptr), then, for kChannel, each subscriber of each matching
  // pattern (a client matching through two patterns receives the message twice, as in Redis).
  // `deliver` must not change the registry. Returns the number of deliveries: PUBLISH's reply.
  size_t Publish(Kind kind, std::string_view channel,
                 const std::function<void(Subscriber, const std::string*)>& deliver) const {
    size_t receivers = 0;
    const ByName& channels = by_name_[Index(kind == kShard ? kShard : kChannel)];
    if (auto it = channels.find(channel); it != channels.end()) {
      for (Subscriber s : it->second) {
        deliver(s, nullptr);
        ++receivers;
      }
    }
    if (kind == kShard) return receivers;
    for (const auto& [pattern, subs] : by_name_[Index(kPattern)]) {
      if (!engine::GlobMatch(pattern, channel)) continue;
      for (Subscriber s : subs) {
        deliver(s, &pattern);
        ++receivers;
      }
    }
    return receivers;
  }

  // PUBSUB NUMSUB / SHARDNUMSUB: subscribers of one channel (patterns not counted).
  size_t NumSubscribers(Kind kind, std::string_view channel) const {
    const ByName& index = by_name_[Index(kind)];
    auto it = index.find(channel);
    return it == index.end() ? 0 : it->second.size();
  }

  // PUBSUB CHANNELS / SHARDCHANNELS: the channels with at least one subscriber matching `pattern`
  // (every channel when `pattern` is null), in byte order.
  std::vector<std::string> ActiveChannels(Kind kind, const std::string_view* pattern) const {
    std::vector<std::string> out;
    for (const auto& [name, subs] : by_name_[Index(kind)]) {
      if (pattern == nullptr || engine::GlobMatch(*pattern, name)) out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // INFO's pubsub_channels / pubsub_patterns / pubsubshard_channels; PUBSUB NUMPAT.
  size_t NumActive(Kind kind) const { return by_name_[Index(kind)].size(); }

  // Memory a subscriber's subscriptions take, roughly (CLIENT LIST's tot-mem): per name a set
  // node (three pointers and a colour) and the string, plus its heap bytes when it does not fit
  // the small-string buffer.
  size_t SubscriberMemory(Subscriber subscriber) const {
    if (subscribers_.empty()) return 0;
    auto sub = subscribers_.find(subscriber);
    if (sub == subscribers_.end()) return 0;
    size_t bytes = sizeof(Subscriptions);
    for (const auto& names : sub->second.names) {
      for (const std::string& name : names) {
        bytes += 32 + sizeof(std::string);
        if (name.capacity() >= sizeof(std::string)) bytes += name.capacity() + 1;
      }
    }
    return bytes;
  }

 private:
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  // name -> subscribers. Patterns are walked on every PUBLISH; channels only looked up.
  using Subscribers = std::set<Subscriber>;
  using ByName = std::unordered_map<std::string, Subscribers, NameHash, std::equal_to<>>;

  // Per subscriber, its names by kind (ordered sets, so UNSUBSCRIBE's replies come in a stable
  // order for free).
  struct Subscriptions {
    std::set<std::string, std::less<>> names[3];
    bool empty() const { return names[0].empty() && names[1].empty() && names[2].empty(); }
  };

  static size_t Index(Kind kind) { return static_cast<size_t>(kind); }

  // The name goes when its last subscriber leaves, so channels nobody listens to any more cost
  // nothing (and PUBSUB CHANNELS stops listing them).
  void Forget(Kind kind, Subscriber subscriber, std::string_view name) {
    ByName& index = by_name_[Index(kind)];
    auto it = index.find(name);
    if (it == index.end()) return;
    it->second.erase(subscriber);
    if (it->second.empty()) index.erase(it);
  }

  ByName by_name_[3];
  std::unordered_map<Subscriber, Subscriptions> subscribers_;
};

// The server's registry: subscribers are its clients, removed from it before they are deleted.
using PubSubRegistry = BasicPubSubRegistry<const Client*>;

}  // namespace keel::server
