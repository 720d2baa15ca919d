// Internal to the generic key, expiry and database command families (key_commands.cc,
// scan_commands.cc, expire_commands.cc, db_commands.cc): the lookups and argument parsers they
// share, with Redis's exact side effects and error texts. Not part of the engine's public
// interface.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "engine/command.h"
#include "engine/db.h"
#include "engine/entry.h"

namespace keel::engine::key_family {

// Redis's lookupKeyReadWithFlags(LOOKUP_NOTOUCH), for TYPE, EXISTS, TTL and SCAN's TYPE filter:
// an expired key is reclaimed (and counted as expired), keyspace hits/misses are counted, but the
// key's LRU clock is left alone, so OBJECT IDLETIME survives these commands.
Entry* LookupReadNoTouch(CommandContext& ctx, std::string_view key);

// Redis's getIntFromObjectOrReply: a strict integer (string2ll) that fits an int. On failure
// replies with `error` when given, else with Redis's default texts ("value is not an integer or
// out of range", or "value is out of range, value must between -2147483648 and 2147483647"), and
// returns nullopt.
std::optional<int> ParseIntOrReply(CommandContext& ctx, std::string_view arg,
                                   std::string_view error = {});

// "source and destination objects are the same" (Redis's shared.sameobjecterr).
inline constexpr std::string_view kErrSameObject = "source and destination objects are the same";

// Redis's SCAN cursor: strtoul rules (a leading '+' or '-' is accepted, "-1" is 2^64-1, an empty
// string is 0); leading space, trailing bytes or overflow give nullopt ("invalid cursor").
std::optional<uint64_t> ParseScanCursor(std::string_view arg);

// KEYS, SCAN and RANDOMKEY (scan_commands.cc); called by RegisterKeyCommands.
void RegisterScanCommands(CommandTable& table);

}  // namespace keel::engine::key_family
