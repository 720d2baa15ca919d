// DUMP and RESTORE (Redis's cluster.c): a value serialized as its RDB type byte and encoding, the
// 2-byte RDB version and a CRC64, and the way back. A payload from a client is untrusted: after
// the version and checksum check it goes through the RDB reader's deep validation, and any fault
// is Redis's "Bad data format" with nothing changed. Propagation and keyspace notifications are
// not built yet.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/commands.h"
#include "engine/keyspace.h"
#include "engine/parse.h"
#include "engine/rdb_load.h"
#include "engine/rdb_load_values.h"
#include "engine/rdb_save.h"
#include "formats/byte_stream.h"
#include "formats/crc64.h"
#include "formats/rdb_format.h"
#include "formats/rdb_reader.h"
#include "formats/rdb_writer.h"

namespace keel::engine {

namespace {

constexpr std::string_view kErrBusyKey = "-BUSYKEY Target key name already exists.";
constexpr std::string_view kErrBadPayload = "DUMP payload version or checksum are wrong";
constexpr std::string_view kErrBadData = "Bad data format";

// Receives the one value of a DUMP payload and keeps it for the command.
class RestoreVisitor final : public RdbValueBuilder {
 public:
  RestoreVisitor(const EncodingLimits& limits, size_t payload_size) : RdbValueBuilder(limits) {
    // Every element takes at least one byte of the payload: no hint can honestly exceed it.
    max_reserve_ = payload_size;
  }
  bool done() const { return done_; }
  using RdbValueBuilder::empty;
  using RdbValueBuilder::is_string;
  using RdbValueBuilder::string_value;
  using RdbValueBuilder::TakeObject;
  using RdbValueBuilder::type;

 protected:
  Status OnValue() override {
    done_ = true;
    return Status::Ok();
  }

 private:
  bool done_ = false;
};

// Redis's verifyDumpPayload: a 10-byte footer of version (little-endian, at most the newest
// version this server reads) and the CRC64 of everything before the checksum.
bool VerifyDumpPayload(std::string_view p) {
  if (p.size() < 10) return false;
  const auto* bytes = reinterpret_cast<const uint8_t*>(p.data());
  const size_t footer = p.size() - 10;
  const int version = bytes[footer] | bytes[footer + 1] << 8;
  if (version > formats::rdb::kMaxReadVersion) return false;
  uint64_t stored = 0;
  for (int i = 7; i >= 0; --i) stored = stored << 8 | bytes[footer + 2 + i];
  return formats::Crc64(0, p.substr(0, footer + 2)) == stored;
}

void DumpCommand(CommandContext& ctx) {
  const Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddNullBulk();
    return;
  }
  formats::StringSink sink;
  formats::RdbWriterOptions options;
  options.compress = ctx.ks->rdb_compression;
  formats::RdbWriter w(sink, options);
  const uint8_t type = RdbTypeOf(e, w);
  Status st = w.WriteRaw(std::span<const uint8_t>(&type, 1));
  if (st.ok()) st = WriteRdbValue(w, e);
  if (st.ok()) st = w.Flush();  // the writer buffers: hand its bytes to `sink`
  if (!st.ok()) {
    ctx.reply->AddError(st.message());
    return;
  }
  ctx.reply->AddBulk(formats::FinishDumpPayload(std::move(sink.str())));
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency], with
// Redis 7.0's order of checks: options, then BUSYKEY, then the TTL, then the payload.
void RestoreCommand(CommandContext& ctx) {
  bool replace = false;
  bool absttl = false;
  int64_t lru_idle = -1;
  int64_t lfu_freq = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    const size_t additional = ctx.argc() - j - 1;
    std::string_view opt = ctx.arg(j);
    if (EqualsIgnoreCase(opt, "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(opt, "absttl")) {
      absttl = true;
    } else if (EqualsIgnoreCase(opt, "idletime") && additional >= 1 && lfu_freq == -1) {
      std::optional<int64_t> v = ParseInt64(ctx.arg(++j));
      if (!v) return ctx.reply->AddError(kErrNotInteger);
      if (*v < 0) return ctx.reply->AddError("Invalid IDLETIME value, must be >= 0");
      lru_idle = *v;
    } else if (EqualsIgnoreCase(opt, "freq") && additional >= 1 && lru_idle == -1) {
      std::optional<int64_t> v = ParseInt64(ctx.arg(++j));
      if (!v) return ctx.reply->AddError(kErrNotInteger);
      if (*v < 0 || *v > 255) {
        return ctx.reply->AddError("Invalid FREQ value, must be >= 0 and <= 255");
      }
      lfu_freq = *v;
    } else {
      return ctx.reply->AddError(kErrSyntax);
    }
  }

  std::string_view key = ctx.arg(1);
  if (!replace && ctx.db->LookupWrite(key) != nullptr) return ctx.reply->AddError(kErrBusyKey);

  std::optional<int64_t> ttl_arg = ParseInt64(ctx.arg(2));
  if (!ttl_arg) return ctx.reply->AddError(kErrNotInteger);
  if (*ttl_arg < 0) return ctx.reply->AddError("Invalid TTL value, must be >= 0");
  int64_t ttl = *ttl_arg;

  std::string_view payload = ctx.arg(3);
  if (!VerifyDumpPayload(payload)) return ctx.reply->AddError(kErrBadPayload);
  RestoreVisitor value(ctx.ks->limits, payload.size());
  Status st = formats::ReadDumpPayload(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()),
      value);
  if (st.ok() && (!value.done() || value.empty())) st = Status::Corruption("empty value", 0);
  if (!st.ok()) {
    // What Keel cannot hold (a stream, a module value) is said as such; anything malformed is
    // Redis's "Bad data format".
    if (st.code() == StatusCode::kNotSupported) return ctx.reply->AddError(st.message());
    return ctx.reply->AddError(kErrBadData);
  }

  const bool deleted = replace && ctx.db->Delete(key);
  const int64_t now = ctx.ks->now_ms();
  // Redis adds without an overflow check; a wrapped sum is in the past, as there.
  if (ttl != 0 && !absttl) {
    ttl = static_cast<int64_t>(static_cast<uint64_t>(ttl) + static_cast<uint64_t>(now));
  }
  if (ttl != 0 && ttl <= now && !ctx.ks->loading) {
    // Already expired: the key is not created, but a replaced key is gone, which the log
    // records as a DEL. (While loading keys do not expire, and the commands logged after this
    // one saw the key: it is created, expired.)
    if (deleted) {
      ctx.ks->dirty++;
      ctx.PropagateAs({"DEL", key});
    }
    return ctx.reply->AddOk();
  }
  Entry* e = value.is_string() ? ctx.db->SetString(key, value.string_value())
                               : ctx.db->AddObject(key, value.type(), value.TakeObject());
  if (ttl != 0) ctx.db->SetExpire(e, ttl);
  if (ttl != 0 && !absttl) {
    // The log gets the absolute time: the TTL argument replaced, ABSTTL appended.
    std::vector<std::string> argv(ctx.args.begin(), ctx.args.end());
    argv[2] = std::to_string(ttl);
    argv.emplace_back("ABSTTL");
    ctx.PropagateAs(std::move(argv));
  }
  SetLruOrLfu(e, ctx.ks->eviction, now, lru_idle, static_cast<int>(lfu_freq));
  ctx.ks->dirty++;
  ctx.reply->AddOk();
}

}  // namespace

void RegisterDumpCommands(CommandTable& table) {
  AddCommands(
      table, "generic",
      {
          {.name = "dump",
           .arity = 2,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = DumpCommand,
           .since = "2.6.0",
           .summary = "Return a serialized version of the value stored at the specified key.",
           .complexity =
               "O(1) to access the key and additional O(N*M) to serialize it, where N is the "
               "number of Redis objects composing the value and M their average size. For small "
               "string values the time complexity is thus O(1)+O(1*M) where M is small, so simply "
               "O(1).",
           .syntax = "key",
           .key_flags = kKeyRO | kKeyAccess,
           .tips = "nondeterministic_output"},
          {.name = "restore",
           .arity = -4,
           .flags = kCmdWrite | kCmdDenyOom,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = RestoreCommand,
           .since = "2.6.0",
           .summary = "Create a key using the provided serialized value, previously obtained "
                      "using DUMP.",
           .complexity =
               "O(1) to create the new key and additional O(N*M) to reconstruct the serialized "
               "value, where N is the number of Redis objects composing the value and M their "
               "average size. For small string values the time complexity is thus O(1)+O(1*M) "
               "where M is small, so simply O(1). However for sorted set values the complexity is "
               "O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
           .syntax = "key ttl serialized-value [REPLACE@3.0.0] [ABSTTL@5.0.0] "
                     "[IDLETIME@5.0.0 seconds] [FREQ@5.0.0 frequency]",
           .key_flags = kKeyOW | kKeyUpdate,
           .history = {{"3.0.0", "Added the `REPLACE` modifier."},
                       {"5.0.0", "Added the `ABSTTL` modifier."},
                       {"5.0.0", "Added the `IDLETIME` and `FREQ` options."}}},
      });
}

}  // namespace keel::engine
