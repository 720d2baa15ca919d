// Internal to the set command family (set_commands.cc, set_algebra_commands.cc,
// set_random_commands.cc): the type check, member replies, Redis's sunionDiffGenericCommand (SPOP
// reuses it) and the per-file registration hooks RegisterSetCommands calls. Not part of the
// engine's public interface.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "engine/command.h"
#include "engine/entry.h"
#include "engine/set_object.h"

namespace keel::engine::set_family {

// Redis's checkType: true when `e` is absent or a set. Otherwise replies -WRONGTYPE and returns
// false.
bool CheckSet(CommandContext& ctx, const Entry* e);

// The set an entry of type kSet holds.
inline SetObject* SetOf(const Entry* e) { return e->As<SetObject>(); }

// A member as a bulk string.
void AddMemberReply(formats::ReplyWriter* reply, const SetMember& m);

// Redis's sunionDiffGenericCommand: SUNION/SDIFF of `keys` (read lookups, WRONGTYPE on the first
// key of another type, a missing key is an empty set). Without `dst` the result is the reply;
// with it the result is stored there (or `dst` deleted when empty) and the reply is its size.
enum class SetOp { kUnion, kDiff };
void UnionDiff(CommandContext& ctx, std::span<const std::string_view> keys,
               const std::string_view* dst, SetOp op);

// Registration of the commands in set_algebra_commands.cc and set_random_commands.cc.
void RegisterSetAlgebraCommands(CommandTable& table);
void RegisterSetRandomCommands(CommandTable& table);

}  // namespace keel::engine::set_family
