// Client::InfoLine: one CLIENT LIST / CLIENT INFO line with Redis 7.0's fields, in its order.
// Where Keel's buffers differ from Redis's (one growable reply buffer instead of a fixed 16 KiB
// buffer plus a list of blocks), the field reports the nearest true quantity: rbs/rbp are the
// reply buffer's capacity and fill, obl the bytes waiting in it, oll the blocks queued behind it
// (the buffer in flight to the kernel, if any).
#include "server/client.h"
#include "server/server.h"

namespace keel::server {

std::string Client::InfoLine(int64_t now_ms) const {
  Server& server = *server_;
  const PubSubRegistry& pubsub = server.pubsub();
  const bool monitor = server.monitors().Contains(this);
  const bool subscriber = pubsub.IsSubscriber(this);

  // Redis's flag letters, in catClientInfoString's order (those Keel can have).
  std::string flags;
  if (monitor) flags += 'O';
  if (subscriber) flags += 'P';
  if (multi_.active) flags += 'x';
  if (input_suspended()) flags += 'b';  // blocked on keys or postponed by CLIENT PAUSE
  if (multi_.dirty_cas) flags += 'd';
  if (close_after_reply_) flags += 'c';
  if (close_asap_) flags += 'A';
  if (peer_.is_unix) flags += 'U';
  if (flags.empty()) flags.push_back('N');

  const size_t in_flight = sending_.size() - send_offset_;
  std::string events = "r";
  if (in_flight > 0 || write_scheduled_) events += 'w';

  std::string out;
  out.reserve(320);
  auto field = [&out](std::string_view name, std::string_view value) {
    if (!out.empty()) out += ' ';
    out += name;
    out += '=';
    out += value;
  };
  auto num = [&field](std::string_view name, int64_t v) { field(name, std::to_string(v)); };
  num("id", static_cast<int64_t>(id_));
  field("addr", addr_);
  field("laddr", laddr_);
  num("fd", fd_);
  field("name", name_);
  num("age", (now_ms - ctime_ms_) / 1000);
  num("idle", (now_ms - last_interaction_ms_) / 1000);
  field("flags", flags);
  num("db", db_index);
  num("sub", static_cast<int64_t>(pubsub.Count(PubSubRegistry::kChannel, this)));
  num("psub", static_cast<int64_t>(pubsub.Count(PubSubRegistry::kPattern, this)));
  num("ssub", static_cast<int64_t>(pubsub.Count(PubSubRegistry::kShard, this)));
  num("multi", multi_.ListCount());
  num("qbuf", static_cast<int64_t>(query_buffer_bytes()));
  num("qbuf-free", static_cast<int64_t>(query_.capacity() - query_.size()));
  num("argv-mem", static_cast<int64_t>(argv_bytes_));
  num("multi-mem", static_cast<int64_t>(multi_.ArgumentBytes()));
  num("rbs", static_cast<int64_t>(fill_.capacity()));
  num("rbp", static_cast<int64_t>(fill_.size()));
  num("obl", static_cast<int64_t>(fill_.size()));
  num("oll", in_flight > 0 ? 1 : 0);
  num("omem", static_cast<int64_t>(output_bytes()));
  num("tot-mem", static_cast<int64_t>(memory_bytes() + argv_bytes_ + multi_.ArgumentBytes() +
                                      pubsub.SubscriberMemory(this)));
  field("events", events);
  field("cmd", last_command_ != nullptr ? last_command_->FullName() : std::string("NULL"));
  field("user", "default");
  num("redir", -1);
  num("resp", 2);
  return out;
}

}  // namespace keel::server
