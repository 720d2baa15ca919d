// Internal to the sorted set command family (zset_*commands.cc): Redis's argument parsers for
// scores and ranges with their exact error texts, the type check, and the per-file registration
// hooks RegisterZSetCommands calls. Not part of the engine's public interface.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "engine/command.h"
#include "engine/db.h"
#include "engine/entry.h"
#include "engine/skiplist.h"
#include "engine/zset_object.h"

namespace keel::engine::zset_family {

inline constexpr std::string_view kErrMinMaxNotFloat = "min or max is not a float";
inline constexpr std::string_view kErrLexRange = "min or max not valid string range item";
inline constexpr std::string_view kErrNan = "resulting score is not a number (NaN)";

// Redis's getDoubleFromObject (string2d): strtod over the whole argument, no leading space, no
// overflow, no NaN. "inf" and "-inf" are scores.
std::optional<double> ParseScore(std::string_view arg);

// Redis's zslParseRange: "1.5", "(1.5" (exclusive), "-inf", "+inf". Unlike scores, the bounds are
// parsed by strtod alone: leading space and overflow to infinity are accepted.
bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* range);

// Redis's zslParseLexRange: "-", "+", "[value" or "(value".
bool ParseLexRange(std::string_view min, std::string_view max, LexRange* range);

// Redis's getLongFromObjectOrReply: replies `error` (default "value is not an integer or out of
// range") and returns nullopt when `arg` is not a strict integer.
std::optional<int64_t> ParseLongOrReply(CommandContext& ctx, std::string_view arg,
                                        std::string_view error = {});

// Redis's checkType: true when `e` is absent or a sorted set; otherwise replies WRONGTYPE.
bool CheckZSet(CommandContext& ctx, const Entry* e);

inline ZSetObject* AsZSet(const Entry* e) { return e->As<ZSetObject>(); }

// The empty sorted set ZADD / ZINCRBY create for a new key whose first member is `first_len`
// bytes long (a skiplist right away when the listpack could not hold it).
std::unique_ptr<ZSetObject> NewZSetFor(const EncodingLimits& limits, size_t first_len);

// Stores `z` at `key` as Redis's setKey (any old value and its expiry go) when it has members;
// otherwise deletes `key`. Counts the change in dirty as the STORE commands do.
// Returns the number of members stored.
size_t StoreResult(CommandContext& ctx, std::string_view key, std::unique_ptr<ZSetObject> z);

// After members were removed from the sorted set at `e` (`key`): deletes the key when it became
// empty, else signals the modification.
void AfterRemoval(CommandContext& ctx, Entry* e, std::string_view key);

// "wrong number of arguments for '<cmd>' command".
void AddArityError(CommandContext& ctx);

// Registration of the commands in the family's other files.
void RegisterZSetReadCommands(CommandTable& table);      // zset_read_commands.cc
void RegisterZSetRangeCommands(CommandTable& table);     // zset_range_commands.cc
void RegisterZSetRemRangeCommands(CommandTable& table);  // zset_remrange_commands.cc
void RegisterZSetPopCommands(CommandTable& table);       // zset_pop_commands.cc
void RegisterZSetRandomCommands(CommandTable& table);    // zset_random_commands.cc
void RegisterZSetSetOpCommands(CommandTable& table);     // zset_setop_commands.cc

}  // namespace keel::engine::zset_family
