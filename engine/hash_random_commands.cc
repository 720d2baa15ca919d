// HRANDFIELD: Redis 7.0's argument checks and its four ways of drawing fields (hashtable or
// listpack; repeats allowed, everything, most of the hash, a few distinct fields), which live in
// HashObject's Random* methods.
#include <cstdint>
#include <optional>

#include "engine/db.h"
#include "engine/hash_family.h"
#include "engine/parse.h"

namespace keel::engine::hash_family {

namespace {

// Redis's hrandfieldWithCountCommand (RESP2: WITHVALUES gives a flat array).
void RandomWithCount(CommandContext& ctx, int64_t l, bool with_values) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckHash(ctx, e)) return;
  if (e == nullptr) {
    ctx.reply->AddArrayHeader(0);
    return;
  }
  HashObject* h = HashOf(e);
  const uint64_t size = h->Size();
  const bool unique = l >= 0;
  // The magnitude of INT64_MIN does not fit an int64; Redis's unsigned long holds it.
  const uint64_t count = unique ? static_cast<uint64_t>(l) : 0 - static_cast<uint64_t>(l);
  if (count == 0) {
    ctx.reply->AddArrayHeader(0);
    return;
  }
  const uint64_t per_field = with_values ? 2 : 1;
  auto add = [&](std::string_view field, std::string_view value) {
    ctx.reply->AddBulk(field);
    if (with_values) ctx.reply->AddBulk(value);
  };
  // Case 1: a negative count (repeats allowed), or a single field.
  if (!unique || count == 1) {
    ctx.reply->AddArrayHeader(count * per_field);
    h->RandomPairs(count, add);
    return;
  }
  ctx.reply->AddArrayHeader((count < size ? count : size) * per_field);
  // Case 2: the count covers the hash: all of it, in its own order.
  if (count >= size) {
    h->ForEach(add);
    return;
  }
  // Cases 3 and 4: `count` distinct fields.
  h->RandomDistinctPairs(count, add);
}

void HRandFieldCommand(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    std::optional<int64_t> l = ParseInt64(ctx.arg(2));
    if (!l) {
      ctx.reply->AddError(kErrNotInteger);
      return;
    }
    // N14: a count of -2^63 cannot be negated into a number of fields.
    if (*l < -INT64_MAX) {
      ctx.reply->AddError(kErrRandomCountRange);
      return;
    }
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.arg(3), "withvalues"))) {
      ctx.reply->AddError(kErrSyntax);
      return;
    }
    const bool with_values = ctx.argc() == 4;
    // Twice the count must fit the reply length (Redis 7.0.9's bound, -LONG_MAX/2..LONG_MAX/2).
    if (with_values && (*l < -(INT64_MAX / 2) || *l > INT64_MAX / 2)) {
      ctx.reply->AddError("value is out of range");
      return;
    }
    RandomWithCount(ctx, *l, with_values);
    return;
  }
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckHash(ctx, e)) return;
  if (e == nullptr) {
    ctx.reply->AddNullBulk();
    return;
  }
  HashOf(e)->RandomPair(
      [&](std::string_view field, std::string_view) { ctx.reply->AddBulk(field); });
}

}  // namespace

void RegisterHashRandomCommands(CommandTable& table) {
  AddCommands(table, "hash",
              {
                  {.name = "hrandfield",
                   .arity = -2,
                   .flags = kCmdReadOnly,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = HRandFieldCommand,
                   .since = "6.2.0",
                   .summary = "Get one or multiple random fields from a hash",
                   .complexity = "O(N) where N is the number of fields returned",
                   .syntax = "key [options: count [WITHVALUES]]",
                   .tips = "nondeterministic_output"},
              });
}

}  // namespace keel::engine::hash_family
