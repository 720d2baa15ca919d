// Timeout parsing and block requests for blocking commands (see blocking.h).
#include "engine/blocking.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <string>

#include "engine/keyspace.h"
#include "engine/parse.h"

namespace keel::engine {

std::optional<int64_t> ParseBlockTimeout(CommandContext& ctx, std::string_view arg) {
  std::optional<long double> seconds = ParseLongDouble(arg);
  if (!seconds) {
    ctx.reply->AddError("timeout is not a float or out of range");
    return std::nullopt;
  }
  // Redis casts seconds * 1000 to long long, truncating toward zero: -0.0005 waits forever, and
  // a value beyond the range (inf included) becomes LLONG_MIN on x86, so it is "negative".
  long double ms = *seconds * 1000.0L;
  int64_t tval = (ms >= -9223372036854775808.0L && ms < 9223372036854775808.0L)
                     ? static_cast<int64_t>(ms)
                     : LLONG_MIN;
  if (tval < 0) {
    ctx.reply->AddError("timeout is negative");
    return std::nullopt;
  }
  if (tval == 0) return 0;
  int64_t now = ctx.ks->now_ms();
  return tval > LLONG_MAX - now ? LLONG_MAX : tval + now;
}

void BlockOnKeys(CommandContext& ctx, std::span<const std::string_view> keys, ObjType type,
                 int64_t deadline_ms, bool null_array) {
  BlockRequest r;
  r.keys.reserve(keys.size());
  for (std::string_view k : keys) r.keys.emplace_back(k);
  r.type = type;
  r.deadline_ms = deadline_ms;
  r.null_array = null_array;
  ctx.Block(std::move(r));
}

std::vector<std::string_view> ServeOrder(const CommandContext& ctx,
                                         std::span<const std::string_view> keys) {
  std::vector<std::string_view> order;
  order.reserve(keys.size() + 1);
  if (ctx.ready_key && std::find(keys.begin(), keys.end(), *ctx.ready_key) != keys.end()) {
    order.push_back(*ctx.ready_key);
  }
  order.insert(order.end(), keys.begin(), keys.end());
  return order;
}

}  // namespace keel::engine
