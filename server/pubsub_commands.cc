// Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH, their shard variants
// SSUBSCRIBE SUNSUBSCRIBE SPUBLISH, and PUBSUB CHANNELS | NUMSUB | NUMPAT | SHARDCHANNELS |
// SHARDNUMSUB | HELP. Replies and pushed messages are Redis 7.0's RESP2 arrays byte for byte.
#include <cctype>

#include "server/client.h"
#include "server/server.h"

namespace keel::server {

namespace {

using engine::CommandContext;
using Kind = PubSubKind;

// The words each kind of subscription uses in its confirmations and messages.
struct KindWords {
  std::string_view subscribe, unsubscribe, message;
};
constexpr KindWords kWords[3] = {
    {"subscribe", "unsubscribe", "message"},
    {"psubscribe", "punsubscribe", "pmessage"},
    {"ssubscribe", "sunsubscribe", "smessage"},
};

// The count a confirmation carries: shard subscriptions are counted apart from the others.
int64_t ConfirmationCount(const PubSubRegistry& reg, Kind kind, const Client* c) {
  return static_cast<int64_t>(kind == Kind::kShard ? reg.Count(Kind::kShard, c)
                                                   : reg.ChannelAndPatternCount(c));
}

const KindWords& WordsOf(Kind kind) { return kWords[static_cast<size_t>(kind)]; }

void Confirm(CommandContext& ctx, std::string_view word, const std::string_view* name,
             int64_t count) {
  formats::ReplyWriter& r = *ctx.reply;
  r.AddArrayHeader(3);
  r.AddBulk(word);
  if (name != nullptr) {
    r.AddBulk(*name);
  } else {
    r.AddNullBulk();  // UNSUBSCRIBE with nothing to unsubscribe from
  }
  r.AddInteger(count);
}

void SubscribeKind(CommandContext& ctx, Kind kind) {
  Client& client = CallingClient(ctx);
  PubSubRegistry& reg = client.server()->pubsub();
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view name = ctx.arg(i);
    reg.Subscribe(kind, &client, name);
    Confirm(ctx, WordsOf(kind).subscribe, &name, ConfirmationCount(reg, kind, &client));
  }
}

void UnsubscribeKind(CommandContext& ctx, Kind kind) {
  Client& client = CallingClient(ctx);
  PubSubRegistry& reg = client.server()->pubsub();
  if (ctx.argc() == 1) {
    std::vector<std::string> names = reg.SubscriptionsOf(kind, &client);
    for (const std::string& name : names) {
      reg.Unsubscribe(kind, &client, name);
      std::string_view view = name;
      Confirm(ctx, WordsOf(kind).unsubscribe, &view, ConfirmationCount(reg, kind, &client));
    }
    // Subscribed to nothing: still one confirmation, with a null name.
    if (names.empty()) {
      Confirm(ctx, WordsOf(kind).unsubscribe, nullptr, ConfirmationCount(reg, kind, &client));
    }
    return;
  }
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view name = ctx.arg(i);
    reg.Unsubscribe(kind, &client, name);
    Confirm(ctx, WordsOf(kind).unsubscribe, &name, ConfirmationCount(reg, kind, &client));
  }
}

void Subscribe(CommandContext& ctx) { SubscribeKind(ctx, Kind::kChannel); }
void Unsubscribe(CommandContext& ctx) { UnsubscribeKind(ctx, Kind::kChannel); }
void PSubscribe(CommandContext& ctx) { SubscribeKind(ctx, Kind::kPattern); }
void PUnsubscribe(CommandContext& ctx) { UnsubscribeKind(ctx, Kind::kPattern); }
void SSubscribe(CommandContext& ctx) {
  // Inside EXEC: Redis exempts SUBSCRIBE and PSUBSCRIBE from this rule for compatibility, not
  // the newer SSUBSCRIBE.
  if (!ctx.may_block) {
    ctx.reply->AddError("SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  SubscribeKind(ctx, Kind::kShard);
}
void SUnsubscribe(CommandContext& ctx) { UnsubscribeKind(ctx, Kind::kShard); }

// Delivers a message to every receiver and returns how many there were. Each distinct message
// (per pattern for pmessage) is encoded once and copied into the receivers' output.
size_t PublishMessage(Server& server, Kind kind, std::string_view channel,
                      std::string_view message) {
  std::string direct;
  {
    formats::ReplyWriter w(&direct);
    w.AddArrayHeader(3);
    w.AddBulk(WordsOf(kind).message);
    w.AddBulk(channel);
    w.AddBulk(message);
  }
  std::string matched;
  const std::string* matched_pattern = nullptr;
  // The registry holds clients as keys only; the server owns them, so writing to one is fine.
  return server.pubsub().Publish(kind, channel, [&](const Client* key, const std::string* pattern) {
    Client* receiver = const_cast<Client*>(key);
    if (pattern == nullptr) {
      receiver->Push(direct);
      return;
    }
    if (pattern != matched_pattern) {
      matched.clear();
      formats::ReplyWriter w(&matched);
      w.AddArrayHeader(4);
      w.AddBulk("pmessage");
      w.AddBulk(*pattern);
      w.AddBulk(channel);
      w.AddBulk(message);
      matched_pattern = pattern;
    }
    receiver->Push(matched);
  });
}

void Publish(CommandContext& ctx) {
  Server& server = *CallingClient(ctx).server();
  ctx.reply->AddInteger(
      static_cast<int64_t>(PublishMessage(server, Kind::kChannel, ctx.arg(1), ctx.arg(2))));
}

void SPublish(CommandContext& ctx) {
  Server& server = *CallingClient(ctx).server();
  ctx.reply->AddInteger(
      static_cast<int64_t>(PublishMessage(server, Kind::kShard, ctx.arg(1), ctx.arg(2))));
}

// ---- PUBSUB ----

void ChannelList(CommandContext& ctx, Kind kind) {
  if (ctx.argc() > 3) {
    engine::AddSubcommandSyntaxError(ctx);
    return;
  }
  std::string_view pattern = ctx.argc() == 3 ? ctx.arg(2) : std::string_view();
  std::vector<std::string> names = CallingClient(ctx).server()->pubsub().ActiveChannels(
      kind, ctx.argc() == 3 ? &pattern : nullptr);
  ctx.reply->AddArrayHeader(names.size());
  for (const std::string& name : names) ctx.reply->AddBulk(name);
}

void NumSub(CommandContext& ctx, Kind kind) {
  const PubSubRegistry& reg = CallingClient(ctx).server()->pubsub();
  ctx.reply->AddArrayHeader((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply->AddBulk(ctx.arg(i));
    ctx.reply->AddInteger(static_cast<int64_t>(reg.NumSubscribers(kind, ctx.arg(i))));
  }
}

void PubSubChannels(CommandContext& ctx) { ChannelList(ctx, Kind::kChannel); }
void PubSubShardChannels(CommandContext& ctx) { ChannelList(ctx, Kind::kShard); }
void PubSubNumSub(CommandContext& ctx) { NumSub(ctx, Kind::kChannel); }
void PubSubShardNumSub(CommandContext& ctx) { NumSub(ctx, Kind::kShard); }

void PubSubNumPat(CommandContext& ctx) {
  ctx.reply->AddInteger(
      static_cast<int64_t>(CallingClient(ctx).server()->pubsub().NumActive(Kind::kPattern)));
}

void PubSubHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
  };
  engine::AddHelpReply(ctx, kLines);
}

}  // namespace

void RegisterPubSubCommands(engine::CommandTable& table) {
  using namespace engine;  // NOLINT: flag names
  const uint32_t kSub = kCmdPubSub | kCmdNoScript | kCmdLoading | kCmdStale;
  const uint32_t kPub = kCmdPubSub | kCmdLoading | kCmdStale | kCmdFast | kCmdMayReplicate;
  // Shard channels are named like keys (for cluster slot routing) but are not keys.
  auto shard_spec = [](int last_key) {
    return std::vector<KeySpec>{
        {.flags = kKeyNotKey, .begin_index = 1, .last_key = last_key, .key_step = 1}};
  };
  AddCommands(
      table, "pubsub",
      {
          {.name = "subscribe",
           .arity = -2,
           .flags = kSub,
           .handler = Subscribe,
           .since = "2.0.0",
           .summary = "Listen for messages published to the given channels",
           .complexity = "O(N) where N is the number of channels to subscribe to.",
           .syntax = "channel [channel ...]"},
          {.name = "unsubscribe",
           .arity = -1,
           .flags = kSub,
           .handler = Unsubscribe,
           .since = "2.0.0",
           .summary = "Stop listening for messages posted to the given channels",
           .complexity = "O(N) where N is the number of clients already subscribed to a channel.",
           .syntax = "[channel [channel ...]]"},
          {.name = "psubscribe",
           .arity = -2,
           .flags = kSub,
           .handler = PSubscribe,
           .since = "2.0.0",
           .summary = "Listen for messages published to channels matching the given patterns",
           .complexity =
               "O(N) where N is the number of patterns the client is already subscribed to.",
           .syntax = "<pattern: pattern> [<pattern: pattern> ...]"},
          {.name = "punsubscribe",
           .arity = -1,
           .flags = kSub,
           .handler = PUnsubscribe,
           .since = "2.0.0",
           .summary = "Stop listening for messages posted to channels matching the given patterns",
           .complexity = "O(N+M) where N is the number of patterns the client is already "
                         "subscribed and M is the number of total patterns subscribed in the "
                         "system (by any client).",
           .syntax = "[pattern [pattern ...]]"},
          {.name = "publish",
           .arity = 3,
           .flags = kPub,
           .handler = Publish,
           .since = "2.0.0",
           .summary = "Post a message to a channel",
           .complexity = "O(N+M) where N is the number of clients subscribed to the receiving "
                         "channel and M is the total number of subscribed patterns (by any "
                         "client).",
           .syntax = "channel message"},
          {.name = "ssubscribe",
           .arity = -2,
           .flags = kSub,
           .handler = SSubscribe,
           .since = "7.0.0",
           .summary = "Listen for messages published to the given shard channels",
           .complexity = "O(N) where N is the number of shard channels to subscribe to.",
           .syntax = "shardchannel [shardchannel ...]",
           .key_specs = shard_spec(-1)},
          {.name = "sunsubscribe",
           .arity = -1,
           .flags = kSub,
           .handler = SUnsubscribe,
           .since = "7.0.0",
           .summary = "Stop listening for messages posted to the given shard channels",
           .complexity =
               "O(N) where N is the number of clients already subscribed to a shard channel.",
           .syntax = "[shardchannel [shardchannel ...]]",
           .key_specs = shard_spec(-1)},
          {.name = "spublish",
           .arity = 3,
           .flags = kPub,
           .handler = SPublish,
           .since = "7.0.0",
           .summary = "Post a message to a shard channel",
           .complexity =
               "O(N) where N is the number of clients subscribed to the receiving shard channel.",
           .syntax = "shardchannel message",
           .key_specs = shard_spec(0)},
      });

  CommandSpec pubsub = MakeSpec("pubsub", {.name = "pubsub",
                                           .arity = -2,
                                           .since = "2.8.0",
                                           .summary = "A container for Pub/Sub commands",
                                           .complexity = "Depends on subcommand."});
  const uint32_t kIntro = kCmdPubSub | kCmdLoading | kCmdStale;
  for (const SpecInit& sub : std::initializer_list<SpecInit>{
           {.name = "shardchannels",
            .arity = -2,
            .flags = kIntro,
            .handler = PubSubShardChannels,
            .since = "7.0.0",
            .summary = "List active shard channels",
            .complexity = "O(N) where N is the number of active shard channels, and assuming "
                          "constant time pattern matching (relatively short shard channels).",
            .syntax = "[pattern]"},
           {.name = "shardnumsub",
           .arity = -2,
           .flags = kIntro,
           .handler = PubSubShardNumSub,
           .since = "7.0.0",
           .summary = "Get the count of subscribers for shard channels",
           .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of "
                         "requested shard channels",
           .syntax = "[shardchannel [shardchannel ...]]"},
           {.name = "help",
           .arity = 2,
           .flags = kCmdLoading | kCmdStale,
           .handler = PubSubHelp,
           .since = "6.2.0",
           .summary = "Show helpful text about the different subcommands",
           .complexity = "O(1)"},
           {.name = "numpat",
           .arity = 2,
           .flags = kIntro,
           .handler = PubSubNumPat,
           .since = "2.8.0",
           .summary = "Get the count of unique patterns pattern subscriptions",
           .complexity = "O(1)"},
           {.name = "channels",
           .arity = -2,
           .flags = kIntro,
           .handler = PubSubChannels,
           .since = "2.8.0",
           .summary = "List active channels",
           .complexity = "O(N) where N is the number of active channels, and assuming constant "
                         "time pattern matching (relatively short channels and patterns)",
           .syntax = "[pattern]"},
           {.name = "numsub",
           .arity = -2,
           .flags = kIntro,
           .handler = PubSubNumSub,
           .since = "2.8.0",
           .summary = "Get the count of subscribers for channels",
           .complexity =
                "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
           .syntax = "[channel [channel ...]]"},
       }) {
    pubsub.subcommands.push_back(MakeSpec("pubsub", sub));
  }
  table.Add(std::move(pubsub));
}

}  // namespace keel::server
