// The commands that store whole string values or change their expiry: SET and its option
// grammar, SETNX, SETEX, PSETEX, GETSET, MSET, MSETNX and GETEX. Expiry arguments become absolute
// Unix milliseconds from the keyspace's command time, with Redis 7.0's validation and overflow
// rules, and are logged to the AOF in that absolute form.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "engine/keyspace.h"
#include "engine/parse.h"
#include "engine/string_family.h"

namespace keel::engine::string_family {

namespace {

// SET / GETEX options. The expiry flags double as the unit of the expiry argument.
enum StringOption : uint32_t {
  kOptNx = 1u << 0,
  kOptXx = 1u << 1,
  kOptGet = 1u << 2,
  kOptKeepTtl = 1u << 3,
  kOptPersist = 1u << 4,
  kOptEx = 1u << 5,
  kOptPx = 1u << 6,
  kOptExAt = 1u << 7,
  kOptPxAt = 1u << 8,
};
constexpr uint32_t kAnyExpire = kOptEx | kOptPx | kOptExAt | kOptPxAt;

struct StringOptions {
  uint32_t flags = 0;
  std::string_view expire;  // the argument after EX/PX/EXAT/PXAT
};

uint32_t ExpireOption(std::string_view opt) {
  if (EqualsIgnoreCase(opt, "ex")) return kOptEx;
  if (EqualsIgnoreCase(opt, "px")) return kOptPx;
  if (EqualsIgnoreCase(opt, "exat")) return kOptExAt;
  if (EqualsIgnoreCase(opt, "pxat")) return kOptPxAt;
  return 0;
}

// Redis 7.0's option grammar, shared by SET (is_set) and GETEX. Conflicting options are a syntax
// error, but repeating the same one is not (SET k v EX 1 EX 2 uses the last; NX NX is fine).
bool ParseStringOptions(CommandContext& ctx, size_t first, bool is_set, StringOptions* out) {
  uint32_t f = 0;
  for (size_t j = first; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    const bool has_next = j + 1 < ctx.argc();
    uint32_t unit = 0;
    if (is_set && EqualsIgnoreCase(opt, "nx") && !(f & kOptXx)) {
      f |= kOptNx;
    } else if (is_set && EqualsIgnoreCase(opt, "xx") && !(f & kOptNx)) {
      f |= kOptXx;
    } else if (is_set && EqualsIgnoreCase(opt, "get")) {
      f |= kOptGet;
    } else if (is_set && EqualsIgnoreCase(opt, "keepttl") && !(f & (kOptPersist | kAnyExpire))) {
      f |= kOptKeepTtl;
    } else if (!is_set && EqualsIgnoreCase(opt, "persist") && !(f & (kOptKeepTtl | kAnyExpire))) {
      f |= kOptPersist;
    } else if (has_next && (unit = ExpireOption(opt)) != 0 &&
               !(f & (kOptKeepTtl | kOptPersist | (kAnyExpire & ~unit)))) {
      f |= unit;
      out->expire = ctx.arg(++j);
    } else {
      ctx.reply->AddError(kErrSyntax);
      return false;
    }
  }
  out->flags = f;
  return true;
}

void AddExpireError(CommandContext& ctx) {
  ctx.reply->AddError("invalid expire time in '" + ctx.cmd->FullName() + "' command");
}

// Turns an expiry argument into absolute Unix ms. Zero or negative values, seconds that overflow
// when scaled to ms, and relative times that overflow when added to now are all "invalid expire
// time"; a time in the past is accepted (the key then reads as expired).
std::optional<int64_t> ParseExpireTime(CommandContext& ctx, std::string_view arg, uint32_t unit) {
  std::optional<int64_t> v = ParseInt64(arg);
  if (!v) {
    ctx.reply->AddError(kErrNotInteger);
    return std::nullopt;
  }
  int64_t ms = *v;
  const bool seconds = (unit & (kOptEx | kOptExAt)) != 0;
  if (ms <= 0 || (seconds && ms > std::numeric_limits<int64_t>::max() / 1000)) {
    AddExpireError(ctx);
    return std::nullopt;
  }
  if (seconds) ms *= 1000;
  if ((unit & (kOptEx | kOptPx)) != 0 && __builtin_add_overflow(ms, ctx.ks->now_ms(), &ms)) {
    AddExpireError(ctx);
    return std::nullopt;
  }
  if (ms <= 0) {
    AddExpireError(ctx);
    return std::nullopt;
  }
  return ms;
}

constexpr std::string_view kRespOk = "+OK\r\n";
constexpr std::string_view kRespNil = "$-1\r\n";
constexpr std::string_view kRespOne = ":1\r\n";
constexpr std::string_view kRespZero = ":0\r\n";

// What the AOF logs for a SET, SETNX, SETEX, PSETEX or GETSET that stored its value, as Redis 7.0
// rewrites it: any expiry becomes "SET k v PXAT <ms>" (NX, XX and GET dropped: the log records
// what happened), GETSET becomes "SET k v", and SET's GET arguments are left out. Anything else is
// logged as received.
void PropagateSet(CommandContext& ctx, uint32_t flags, std::string_view key, std::string_view value,
                  int64_t when) {
  if (flags & kAnyExpire) {
    const std::string ms = std::to_string(when);
    ctx.PropagateAs({"SET", key, value, "PXAT", ms});
  } else if (flags & kOptGet) {
    if (ctx.cmd->name == "getset") {
      ctx.PropagateAs({"SET", key, value});
      return;
    }
    std::vector<std::string> argv;
    for (size_t j = 0; j < ctx.argc(); ++j) {
      if (j >= 3 && EqualsIgnoreCase(ctx.arg(j), "get")) continue;
      argv.emplace_back(ctx.arg(j));
    }
    ctx.PropagateAs(std::move(argv));
  }
}

// The body of SET, SETNX, SETEX and PSETEX. Replies `ok` after storing, `abort` when NX/XX
// prevents it; with GET the old value is the only reply.
void SetGeneric(CommandContext& ctx, const StringOptions& opt, std::string_view key,
                std::string_view value, std::string_view ok, std::string_view abort) {
  const uint32_t flags = opt.flags;
  int64_t when = 0;
  if (flags & kAnyExpire) {
    std::optional<int64_t> w = ParseExpireTime(ctx, opt.expire, flags & kAnyExpire);
    if (!w) return;
    when = *w;
  }
  Entry* e;
  if (flags & kOptGet) {
    e = ctx.db->LookupRead(key);
    if (!CheckString(ctx, e)) return;
    if (e == nullptr) {
      ctx.reply->AddNullBulk();
    } else {
      AddStringReply(ctx.reply, e);
    }
  } else {
    e = ctx.db->LookupWrite(key);
  }
  const bool found = e != nullptr;
  if (((flags & kOptNx) && found) || ((flags & kOptXx) && !found)) {
    if (!(flags & kOptGet)) ctx.reply->AddRaw(abort);
    return;
  }
  // A new expiry replaces the old one anyway, so only KEEPTTL or a fresh expiry skip clearing it.
  e = OverwriteString(ctx.db, e, key, value, (flags & (kOptKeepTtl | kAnyExpire)) != 0);
  ++ctx.ks->dirty;
  if (flags & kAnyExpire) ctx.db->SetExpire(e, when);
  if (!(flags & kOptGet)) ctx.reply->AddRaw(ok);
  PropagateSet(ctx, flags, key, value, when);
}

void SetCommand(CommandContext& ctx) {
  StringOptions opt;
  if (ctx.argc() > 3 && !ParseStringOptions(ctx, 3, /*is_set=*/true, &opt)) return;
  SetGeneric(ctx, opt, ctx.arg(1), ctx.arg(2), kRespOk, kRespNil);
}

void SetNxCommand(CommandContext& ctx) {
  SetGeneric(ctx, StringOptions{.flags = kOptNx, .expire = {}}, ctx.arg(1), ctx.arg(2), kRespOne,
             kRespZero);
}

void SetExCommand(CommandContext& ctx) {
  SetGeneric(ctx, StringOptions{.flags = kOptEx, .expire = ctx.arg(2)}, ctx.arg(1), ctx.arg(3),
             kRespOk, kRespNil);
}

void PSetExCommand(CommandContext& ctx) {
  SetGeneric(ctx, StringOptions{.flags = kOptPx, .expire = ctx.arg(2)}, ctx.arg(1), ctx.arg(3),
             kRespOk, kRespNil);
}

void GetSetCommand(CommandContext& ctx) {
  SetGeneric(ctx, StringOptions{.flags = kOptGet, .expire = {}}, ctx.arg(1), ctx.arg(2), kRespOk,
             kRespNil);
}

void MSetCommand(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) {
    AddArityError(ctx);
    return;
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    StoreString(ctx.db, ctx.arg(i), ctx.arg(i + 1), /*keep_ttl=*/false);
  }
  ctx.ks->dirty += (ctx.argc() - 1) / 2;
  ctx.reply->AddOk();
}

void MSetNxCommand(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) {
    AddArityError(ctx);
    return;
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    if (ctx.db->LookupWrite(ctx.arg(i)) != nullptr) {
      ctx.reply->AddInteger(0);
      return;
    }
  }
  // A key named twice (MSETNX k v k w) is simply overwritten: the last value wins.
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    StoreString(ctx.db, ctx.arg(i), ctx.arg(i + 1), /*keep_ttl=*/false);
  }
  ctx.ks->dirty += (ctx.argc() - 1) / 2;
  ctx.reply->AddInteger(1);
}

// GETEX validates its options first, then looks the key up, and only then the expiry value: a
// missing key answers nil even when the expiry is invalid.
void GetExCommand(CommandContext& ctx) {
  StringOptions opt;
  if (ctx.argc() > 2 && !ParseStringOptions(ctx, 2, /*is_set=*/false, &opt)) return;
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddNullBulk();
    return;
  }
  if (!CheckString(ctx, e)) return;
  const uint32_t expire_unit = opt.flags & kAnyExpire;
  int64_t when = 0;
  if (expire_unit != 0) {
    std::optional<int64_t> w = ParseExpireTime(ctx, opt.expire, expire_unit);
    if (!w) return;
    when = *w;
  }
  AddStringReply(ctx.reply, e);
  // The log gets what the command did to the key, never GETEX itself.
  std::string_view key = ctx.arg(1);
  if ((expire_unit & (kOptExAt | kOptPxAt)) && when <= ctx.ks->now_ms() && !ctx.ks->loading) {
    // An absolute time already past deletes the key now rather than leaving it to expire; it is
    // a deletion, not an expiry, in the statistics. (While loading, keys never expire, so the
    // key stays, expired, as the commands logged after it expect.)
    ctx.db->DeleteEntry(e);
    ++ctx.ks->dirty;
    ctx.PropagateAs({"DEL", key});
  } else if (expire_unit != 0) {
    ctx.db->SetExpire(e, when);
    ++ctx.ks->dirty;
    const std::string ms = std::to_string(when);
    ctx.PropagateAs({"PEXPIREAT", key, ms});
  } else if ((opt.flags & kOptPersist) && ctx.db->RemoveExpire(e)) {
    ++ctx.ks->dirty;
    ctx.PropagateAs({"PERSIST", key});
  }
}

}  // namespace

void RegisterStringSetCommands(CommandTable& table) {
  AddCommands(
      table, "string",
      {
          {.name = "set",
           .arity = -3,
           .flags = kCmdWrite | kCmdDenyOom,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = SetCommand,
           .since = "1.0.0",
           .summary = "Set the string value of a key",
           .complexity = "O(1)",
           .syntax = "key value [condition@2.6.12: NX | XX] [GET@6.2.0] [expiration: "
                     "EX@2.6.12 seconds | PX@2.6.12 milliseconds | EXAT@6.2.0 unix-time-seconds | "
                     "PXAT@6.2.0 unix-time-milliseconds | KEEPTTL@6.0.0]",
           .key_specs = {{.notes = "RW and ACCESS due to the optional `GET` argument",
                          .flags = kKeyRW | kKeyAccess | kKeyUpdate | kKeyVariableFlags,
                          .begin_index = 1}},
           .history = {{"2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."},
                       {"6.0.0", "Added the `KEEPTTL` option."},
                       {"6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."},
                       {"7.0.0", "Allowed the `NX` and `GET` options to be used together."}}},
          {.name = "setnx",
           .arity = 3,
           .flags = kCmdWrite | kCmdDenyOom | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = SetNxCommand,
           .since = "1.0.0",
           .summary = "Set the value of a key, only if the key does not exist",
           .complexity = "O(1)",
           .syntax = "key value",
           .key_flags = kKeyOW | kKeyInsert},
          {.name = "setex",
           .arity = 4,
           .flags = kCmdWrite | kCmdDenyOom,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = SetExCommand,
           .since = "2.0.0",
           .summary = "Set the value and expiration of a key",
           .complexity = "O(1)",
           .syntax = "key seconds value",
           .key_flags = kKeyOW | kKeyUpdate},
          {.name = "psetex",
           .arity = 4,
           .flags = kCmdWrite | kCmdDenyOom,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = PSetExCommand,
           .since = "2.6.0",
           .summary = "Set the value and expiration in milliseconds of a key",
           .complexity = "O(1)",
           .syntax = "key milliseconds value",
           .key_flags = kKeyOW | kKeyUpdate},
          {.name = "getset",
           .arity = 3,
           .flags = kCmdWrite | kCmdDenyOom | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = GetSetCommand,
           .since = "1.0.0",
           .summary = "Set the string value of a key and return its old value",
           .complexity = "O(1)",
           .syntax = "key value",
           .key_flags = kKeyRW | kKeyAccess | kKeyUpdate,
           .doc_flags = kDocDeprecated,
           .deprecated_since = "6.2.0",
           .replaced_by = "`SET` with the `!GET` argument"},
          {.name = "mset",
           .arity = -3,
           .flags = kCmdWrite | kCmdDenyOom,
           .first_key = 1,
           .last_key = -1,
           .key_step = 2,
           .handler = MSetCommand,
           .since = "1.0.1",
           .summary = "Set multiple keys to multiple values",
           .complexity = "O(N) where N is the number of keys to set.",
           .syntax = "key value [key value ...]",
           .key_flags = kKeyOW | kKeyUpdate,
           .tips = "request_policy:multi_shard response_policy:all_succeeded"},
          {.name = "msetnx",
           .arity = -3,
           .flags = kCmdWrite | kCmdDenyOom,
           .first_key = 1,
           .last_key = -1,
           .key_step = 2,
           .handler = MSetNxCommand,
           .since = "1.0.1",
           .summary = "Set multiple keys to multiple values, only if none of the keys exist",
           .complexity = "O(N) where N is the number of keys to set.",
           .syntax = "key value [key value ...]",
           .key_flags = kKeyOW | kKeyInsert,
           .tips = "request_policy:multi_shard response_policy:agg_min"},
          {.name = "getex",
           .arity = -2,
           .flags = kCmdWrite | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = GetExCommand,
           .since = "6.2.0",
           .summary = "Get the value of a key and optionally set its expiration",
           .complexity = "O(1)",
           .syntax = "key [expiration: EX seconds | PX milliseconds | EXAT unix-time-seconds | "
                     "PXAT unix-time-milliseconds | PERSIST]",
           .key_specs = {{.notes = "RW and UPDATE because it changes the TTL",
                          .flags = kKeyRW | kKeyAccess | kKeyUpdate,
                          .begin_index = 1}}},
      });
}

}  // namespace keel::engine::string_family
