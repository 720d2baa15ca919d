// Internal to the string and bitmap command families: helpers they share (type check, replying
// with a string value, storing a value as Redis's setKey does) and the per-file registration hooks
// that RegisterStringCommands calls. Not part of the engine's public interface.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "engine/command.h"
#include "engine/db.h"
#include "engine/entry.h"

namespace keel::engine::string_family {

// Redis's checkType: true when `e` is absent or a string. Otherwise replies -WRONGTYPE and
// returns false.
bool CheckString(CommandContext& ctx, const Entry* e);

// Replies with the string value of `e` as a bulk string, whatever its encoding.
void AddStringReply(formats::ReplyWriter* reply, const Entry* e);

// Redis's setKey for a string: overwrites `key` with `value` (int/embstr/raw chosen by Db), drops
// any expiry unless `keep_ttl`, and returns the entry. The key goes through LookupWrite first, so
// a logically expired key is reclaimed (and counted) before KEEPTTL could resurrect its old TTL.
Entry* StoreString(Db* db, std::string_view key, std::string_view value, bool keep_ttl);
// The same store when the caller already looked `key` up: `existing` is that lookup's result
// (nullptr when absent) and is invalid afterwards.
Entry* OverwriteString(Db* db, Entry* existing, std::string_view key, std::string_view value,
                       bool keep_ttl);

// Same, but the value ends up as a growable "raw" buffer, as Redis's createObject(sds) values do
// (SETRANGE and SETBIT on a new key, BITOP's destination). Returns the buffer to fill in.
std::string* StoreRawString(Db* db, std::string_view key);

// Replies "string exceeds maximum allowed size (proto-max-bulk-len)" and returns false when a
// string of `base + extra` bytes would exceed proto-max-bulk-len (overflow-safe).
bool CheckStringLength(CommandContext& ctx, uint64_t base, uint64_t extra);

// "wrong number of arguments for '<cmd>' command", for handlers that check argument parity.
void AddArityError(CommandContext& ctx);

// Registration of the commands in string_set_commands.cc and string_incr_commands.cc.
void RegisterStringSetCommands(CommandTable& table);
void RegisterStringIncrCommands(CommandTable& table);

}  // namespace keel::engine::string_family
