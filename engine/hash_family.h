// Internal to the hash command family: the helpers its files share and the per-file registration
// hooks that RegisterHashCommands calls. Not part of the engine's public interface.
#pragma once

#include "engine/command.h"
#include "engine/entry.h"
#include "engine/hash_object.h"

namespace keel::engine::hash_family {

// Redis's checkType for hashes: true when `e` is absent or a hash. Otherwise replies -WRONGTYPE
// and returns false.
bool CheckHash(CommandContext& ctx, const Entry* e);

// The hash of an entry that CheckHash accepted (nullptr when the entry is absent).
inline HashObject* HashOf(const Entry* e) { return e == nullptr ? nullptr : e->As<HashObject>(); }

// "wrong number of arguments for '<cmd>' command", for handlers that check argument parity.
void AddArityError(CommandContext& ctx);

// Registration of the commands in hash_write_commands.cc and hash_random_commands.cc.
void RegisterHashWriteCommands(CommandTable& table);
void RegisterHashRandomCommands(CommandTable& table);

}  // namespace keel::engine::hash_family
