// Counters on string values: INCR, DECR, INCRBY, DECRBY (64-bit integers with overflow checks) and
// INCRBYFLOAT (long double, stored in Redis's human-readable format). These sit on benchmarked hot
// paths, so an int-encoded value is updated through ReplaceInteger without formatting text.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

#include "engine/keyspace.h"
#include "engine/parse.h"
#include "engine/string_family.h"

namespace keel::engine::string_family {

namespace {

// Reads the value of `e` (nullptr: 0) as Redis's string2ll would.
std::optional<int64_t> IntegerValue(const Entry* e) {
  if (e == nullptr) return 0;
  if (e->is_int()) return e->int_value();
  return ParseInt64(e->string_value());
}

void IncrDecrBy(CommandContext& ctx, int64_t incr) {
  std::string_view key = ctx.arg(1);
  Entry* e = ctx.db->LookupWrite(key);
  if (!CheckString(ctx, e)) return;
  std::optional<int64_t> value = IntegerValue(e);
  if (!value) {
    ctx.reply->AddError(kErrNotInteger);
    return;
  }
  int64_t result;
  if (__builtin_add_overflow(*value, incr, &result)) {
    ctx.reply->AddError("increment or decrement would overflow");
    return;
  }
  // ReplaceInteger keeps the key's expiry, as Redis's dbOverwrite does.
  if (e == nullptr) {
    ctx.db->SetInteger(key, result);
  } else {
    ctx.db->ReplaceInteger(e, result);
  }
  ++ctx.ks->dirty;
  ctx.reply->AddInteger(result);
}

void IncrCommand(CommandContext& ctx) { IncrDecrBy(ctx, 1); }

void DecrCommand(CommandContext& ctx) { IncrDecrBy(ctx, -1); }

void IncrByCommand(CommandContext& ctx) {
  std::optional<int64_t> incr = ParseInt64(ctx.arg(2));
  if (!incr) {
    ctx.reply->AddError(kErrNotInteger);
    return;
  }
  IncrDecrBy(ctx, *incr);
}

void DecrByCommand(CommandContext& ctx) {
  std::optional<int64_t> decr = ParseInt64(ctx.arg(2));
  if (!decr) {
    ctx.reply->AddError(kErrNotInteger);
    return;
  }
  // The one decrement that cannot be negated; Redis has its own text for it.
  if (*decr == std::numeric_limits<int64_t>::min()) {
    ctx.reply->AddError("decrement would overflow");
    return;
  }
  IncrDecrBy(ctx, -*decr);
}

void IncrByFloatCommand(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Entry* e = ctx.db->LookupWrite(key);
  if (!CheckString(ctx, e)) return;
  // The stored value is checked before the increment, as in Redis (both give the same text).
  std::optional<long double> value;
  if (e == nullptr) {
    value = 0.0L;
  } else if (e->is_int()) {
    value = static_cast<long double>(e->int_value());
  } else {
    value = ParseLongDouble(e->string_value());
  }
  std::optional<long double> incr = value ? ParseLongDouble(ctx.arg(2)) : std::nullopt;
  if (!incr) {
    ctx.reply->AddError(kErrNotFloat);
    return;
  }
  const long double result = *value + *incr;
  if (std::isnan(result) || std::isinf(result)) {
    ctx.reply->AddError("increment would produce NaN or Infinity");
    return;
  }
  const std::string text = FormatLongDouble(result);
  // Redis stores the result as a plain string object (never int-encoded), embstr when short.
  if (e == nullptr) e = ctx.db->SetString(key, "");
  ctx.db->ReplaceString(e, text, /*allow_int=*/false);
  ++ctx.ks->dirty;
  ctx.reply->AddBulk(text);
  // Floating-point arithmetic may round differently elsewhere: the log gets the result.
  ctx.PropagateAs({"SET", key, text, "KEEPTTL"});
}

}  // namespace

void RegisterStringIncrCommands(CommandTable& table) {
  constexpr uint32_t kFlags = kCmdWrite | kCmdDenyOom | kCmdFast;
  AddCommands(table, "string",
              {
                  {.name = "incr",
                   .arity = 2,
                   .flags = kFlags,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = IncrCommand,
                   .since = "1.0.0",
                   .summary = "Increment the integer value of a key by one",
                   .complexity = "O(1)",
                   .syntax = "key",
                   .key_flags = kKeyRW | kKeyAccess | kKeyUpdate},
                  {.name = "decr",
                   .arity = 2,
                   .flags = kFlags,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = DecrCommand,
                   .since = "1.0.0",
                   .summary = "Decrement the integer value of a key by one",
                   .complexity = "O(1)",
                   .syntax = "key",
                   .key_flags = kKeyRW | kKeyAccess | kKeyUpdate},
                  {.name = "incrby",
                   .arity = 3,
                   .flags = kFlags,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = IncrByCommand,
                   .since = "1.0.0",
                   .summary = "Increment the integer value of a key by the given amount",
                   .complexity = "O(1)",
                   .syntax = "key increment",
                   .key_flags = kKeyRW | kKeyAccess | kKeyUpdate},
                  {.name = "decrby",
                   .arity = 3,
                   .flags = kFlags,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = DecrByCommand,
                   .since = "1.0.0",
                   .summary = "Decrement the integer value of a key by the given number",
                   .complexity = "O(1)",
                   .syntax = "key decrement",
                   .key_flags = kKeyRW | kKeyAccess | kKeyUpdate},
                  {.name = "incrbyfloat",
                   .arity = 3,
                   .flags = kFlags,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = IncrByFloatCommand,
                   .since = "2.6.0",
                   .summary = "Increment the float value of a key by the given amount",
                   .complexity = "O(1)",
                   .syntax = "key increment:double",
                   .key_flags = kKeyRW | kKeyAccess | kKeyUpdate},
              });
}

}  // namespace keel::engine::string_family
