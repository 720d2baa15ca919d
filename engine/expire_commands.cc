// The expiry commands: EXPIRE PEXPIRE EXPIREAT PEXPIREAT with Redis 7.0's NX XX GT LT options,
// TTL PTTL EXPIRETIME PEXPIRETIME and PERSIST. All expiries are kept as absolute Unix times in
// milliseconds; a time already in the past deletes the key, as Redis does on a master. The AOF
// gets the absolute time (PEXPIREAT) or the deletion (DEL).
#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/commands.h"
#include "engine/key_family.h"
#include "engine/keyspace.h"
#include "engine/parse.h"

namespace keel::engine {

namespace {

enum ExpireFlag : unsigned {
  kExpireNx = 1u << 0,  // only when the key has no expiry
  kExpireXx = 1u << 1,  // only when it has one
  kExpireGt = 1u << 2,  // only when the new time is later (no expiry counts as infinitely late)
  kExpireLt = 1u << 3,  // only when the new time is earlier
};

// Parses the options after the time argument. Redis checks them before the time itself, so
// "EXPIRE k abc FOO" reports the option, not the number.
std::optional<unsigned> ParseExpireFlags(CommandContext& ctx) {
  unsigned flags = 0;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "nx")) {
      flags |= kExpireNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      flags |= kExpireXx;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      flags |= kExpireGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      flags |= kExpireLt;
    } else {
      // Redis formats the option as a C string, so the text stops at an embedded NUL.
      ctx.reply->AddError("Unsupported option " + std::string(opt.substr(0, opt.find('\0'))));
      return std::nullopt;
    }
  }
  if ((flags & kExpireNx) && (flags & (kExpireXx | kExpireGt | kExpireLt))) {
    ctx.reply->AddError("NX and XX, GT or LT options at the same time are not compatible");
    return std::nullopt;
  }
  if ((flags & kExpireGt) && (flags & kExpireLt)) {
    ctx.reply->AddError("GT and LT options at the same time are not compatible");
    return std::nullopt;
  }
  return flags;
}

void AddExpireTimeError(CommandContext& ctx) {
  ctx.reply->AddError("invalid expire time in '" + ctx.cmd->FullName() + "' command");
}

// Whether the NX/XX/GT/LT conditions allow replacing `current` (-1: none) with `when`.
bool ExpireConditionsHold(unsigned flags, int64_t current, int64_t when) {
  if ((flags & kExpireNx) && current != -1) return false;
  if ((flags & kExpireXx) && current == -1) return false;
  if ((flags & kExpireGt) && (current == -1 || when <= current)) return false;
  if ((flags & kExpireLt) && current != -1 && when >= current) return false;
  return true;
}

// The four setters. `basetime_ms` is 0 for the *AT forms and the command time for relative ones;
// `seconds` says the argument is in seconds.
void ExpireGeneric(CommandContext& ctx, int64_t basetime_ms, bool seconds) {
  std::optional<unsigned> flags = ParseExpireFlags(ctx);
  if (!flags) return;
  std::optional<int64_t> parsed = ParseInt64(ctx.arg(2));
  if (!parsed) {
    ctx.reply->AddError(kErrNotInteger);
    return;
  }
  int64_t when = *parsed;
  // Negative times are allowed (they delete the key); only overflow is an error.
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      AddExpireTimeError(ctx);
      return;
    }
    when *= 1000;
  }
  if (when > INT64_MAX - basetime_ms) {
    AddExpireTimeError(ctx);
    return;
  }
  when += basetime_ms;

  std::string_view key = ctx.arg(1);
  Entry* e = ctx.db->LookupWrite(key);
  if (e == nullptr || !ExpireConditionsHold(*flags, ctx.db->GetExpire(e), when)) {
    ctx.reply->AddInteger(0);
    return;
  }
  if (when <= ctx.ks->now_ms() && !ctx.ks->loading) {
    // Already in the past: the key goes now. This is a deletion by the command, not an expiry,
    // so it is not counted in expired_keys (as in Redis), and the log gets a DEL. While loading
    // the time is set instead: keys do not expire then, and the commands logged after this one
    // ran while the key was still there.
    ctx.db->DeleteEntry(e);
    ctx.PropagateAs({"DEL", key});
  } else {
    ctx.db->SetExpire(e, when);
    // Logged as PEXPIREAT with the absolute time, the options kept (Redis 7.0's rewrite). A
    // PEXPIREAT already says exactly that.
    if (basetime_ms != 0 || seconds) {
      std::vector<std::string> argv(ctx.args.begin(), ctx.args.end());
      argv[0] = "PEXPIREAT";
      argv[2] = std::to_string(when);
      ctx.PropagateAs(std::move(argv));
    }
  }
  ctx.ks->dirty++;
  ctx.reply->AddInteger(1);
}

void ExpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, ctx.ks->now_ms(), true); }
void PExpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, ctx.ks->now_ms(), false); }
void ExpireAtCommand(CommandContext& ctx) { ExpireGeneric(ctx, 0, true); }
void PExpireAtCommand(CommandContext& ctx) { ExpireGeneric(ctx, 0, false); }

// TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for a missing key, -1 for no expiry. The lookup does not
// touch the key's LRU clock. Seconds are rounded to the nearest, as Redis does.
void TtlGeneric(CommandContext& ctx, bool output_ms, bool absolute) {
  const Entry* e = key_family::LookupReadNoTouch(ctx, ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddInteger(-2);
    return;
  }
  int64_t expire = ctx.db->GetExpire(e);
  if (expire == -1) {
    ctx.reply->AddInteger(-1);
    return;
  }
  int64_t ttl = absolute ? expire : expire - ctx.ks->now_ms();
  if (ttl < 0) ttl = 0;
  // (ttl + 500) / 1000 without overflowing near INT64_MAX (Redis's reply is the exact value).
  ctx.reply->AddInteger(output_ms ? ttl : ttl / 1000 + (ttl % 1000 + 500) / 1000);
}

void TtlCommand(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void PTtlCommand(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void ExpireTimeCommand(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void PExpireTimeCommand(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

void PersistCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupWrite(ctx.arg(1));
  if (e == nullptr || !ctx.db->RemoveExpire(e)) {
    ctx.reply->AddInteger(0);
    return;
  }
  ctx.ks->dirty++;
  ctx.reply->AddInteger(1);
}

// Shared metadata of the single-key commands below.
SpecInit SingleKey(const char* name, int arity, uint32_t flags, CommandHandler handler,
                   const char* since, const char* summary, const char* syntax,
                   std::vector<HistoryEntry> history = {}, const char* tips = "") {
  return {.name = name,
          .arity = arity,
          .flags = flags,
          .first_key = 1,
          .last_key = 1,
          .key_step = 1,
          .handler = handler,
          .since = since,
          .summary = summary,
          .complexity = "O(1)",
          .syntax = syntax,
          .tips = tips,
          .history = std::move(history)};
}

}  // namespace

void RegisterExpireCommands(CommandTable& table) {
  constexpr uint32_t kSetter = kCmdWrite | kCmdFast;
  constexpr uint32_t kGetter = kCmdReadOnly | kCmdFast;
  const std::vector<HistoryEntry> kConditions = {
      {"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}};
  const std::vector<HistoryEntry> kMinusTwo = {{"2.8.0", "Added the -2 reply."}};
  AddCommands(
      table, "generic",
      {
          SingleKey("expire", -3, kSetter, ExpireCommand, "1.0.0",
                    "Set a key's time to live in seconds",
                    "key seconds [condition@7.0.0: NX | XX | GT | LT]", kConditions),
          SingleKey("pexpire", -3, kSetter, PExpireCommand, "2.6.0",
                    "Set a key's time to live in milliseconds",
                    "key milliseconds [condition@7.0.0: NX | XX | GT | LT]", kConditions),
          SingleKey("expireat", -3, kSetter, ExpireAtCommand, "1.2.0",
                    "Set the expiration for a key as a UNIX timestamp",
                    "key unix-time-seconds [condition@7.0.0: NX | XX | GT | LT]", kConditions),
          SingleKey("pexpireat", -3, kSetter, PExpireAtCommand, "2.6.0",
                    "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
                    "key unix-time-milliseconds [condition@7.0.0: NX | XX | GT | LT]", kConditions),
          SingleKey("ttl", 2, kGetter, TtlCommand, "1.0.0",
                    "Get the time to live for a key in seconds", "key", kMinusTwo,
                    "nondeterministic_output"),
          SingleKey("pttl", 2, kGetter, PTtlCommand, "2.6.0",
                    "Get the time to live for a key in milliseconds", "key", kMinusTwo,
                    "nondeterministic_output"),
          SingleKey("expiretime", 2, kGetter, ExpireTimeCommand, "7.0.0",
                    "Get the expiration Unix timestamp for a key", "key"),
          SingleKey("pexpiretime", 2, kGetter, PExpireTimeCommand, "7.0.0",
                    "Get the expiration Unix timestamp for a key in milliseconds", "key"),
          SingleKey("persist", 2, kSetter, PersistCommand, "2.2.0",
                    "Remove the expiration from a key", "key"),
      });
}

}  // namespace keel::engine
