// Shared by the blocking commands of the list and sorted set families: Redis's timeout argument
// and the request a handler files when it has nothing to serve (CommandContext::Block).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "engine/command.h"

namespace keel::engine {

// Redis's getTimeoutFromObjectOrReply in seconds (a float, as 7.0 parses it): returns the absolute
// deadline in ms (0: wait forever), or replies "timeout is not a float or out of range" / "timeout
// is negative" and returns nullopt.
std::optional<int64_t> ParseBlockTimeout(CommandContext& ctx, std::string_view arg);

// Files a BlockRequest for `keys` (ctx.may_block must be true).
void BlockOnKeys(CommandContext& ctx, std::span<const std::string_view> keys, ObjType type,
                 int64_t deadline_ms, bool null_array);

// The order in which a blocking command tries `keys`: as given, except that when it runs again
// for a ready key (ctx.ready_key) that key comes first, as Redis serves it.
std::vector<std::string_view> ServeOrder(const CommandContext& ctx,
                                         std::span<const std::string_view> keys);

}  // namespace keel::engine
