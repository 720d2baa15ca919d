// Helpers shared by the list command family (list_commands.cc, list_edit_commands.cc,
// list_pop_commands.cc, list_blocking_commands.cc): type checks, replies, and the pop and move
// steps the blocking commands share with their non-blocking twins (Redis's t_list.c helpers).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "engine/command.h"
#include "engine/list_object.h"

namespace keel::engine::list_family {

using End = ListObject::End;

// True when `e` is absent or a list; otherwise replies WRONGTYPE.
bool CheckList(CommandContext& ctx, const Entry* e);
inline ListObject* AsList(Entry* e) { return e->As<ListObject>(); }

// LEFT / RIGHT, case-insensitive (Redis's getListPositionFromObjectOrReply); otherwise replies a
// syntax error.
bool ParseEnd(CommandContext& ctx, std::string_view arg, End* where);

// Redis's getLongFromObjectOrReply: replies "value is not an integer or out of range" on failure.
bool ParseLong(CommandContext& ctx, std::string_view arg, int64_t* out);

// One element as a bulk string (an integer in decimal).
void AddValueReply(formats::ReplyWriter* reply, const ListValue& v);

// The elements [start, end] (negative from the tail, clamped as LRANGE does) as an array, from
// `end` down to `start` when `reverse` (Redis's addListRangeReply).
void AddRangeReply(CommandContext& ctx, ListObject* list, int64_t start, int64_t end, bool reverse);

// Pushes `value` at `where` of the list at `key`, creating the list when `dst` is null (Redis's
// lmoveHandlePush without the reply).
void PushCreating(CommandContext& ctx, std::string_view key, Entry* dst, End where,
                  std::string_view value);

// After `count` elements were removed from `list` at `key` (Redis's listElementsRemoved): deletes
// the key when the list is empty, signals the change and adds `count` to dirty.
void ElementsRemoved(CommandContext& ctx, std::string_view key, ListObject* list, uint64_t count);

// Pops min(count, length) elements from `where` and replies them as an array, tail first for the
// tail (LPOP/RPOP with a count).
void PopRange(CommandContext& ctx, std::string_view key, ListObject* list, End where,
              int64_t count);
// The same nested in [key, [elements]] (LMPOP, BLMPOP).
void PopRangeWithKey(CommandContext& ctx, std::string_view key, ListObject* list, End where,
                     int64_t count);

// LMOVE's body once both ends are parsed: `src` is the looked-up source entry (a non-empty list).
// Checks the destination's type, pops, pushes and replies the element. Returns false, changing
// nothing, when the destination is of another type (WRONGTYPE replied).
bool MoveElement(CommandContext& ctx, ListObject* src, End from, End to);

// The arguments of LMPOP / BLMPOP after numkeys: parses numkeys at `numkeys_idx`, the keys, the
// end and COUNT, replying Redis's errors. On success `keys` views ctx.args.
struct MpopArgs {
  std::span<const std::string_view> keys;
  End where = End::kHead;
  int64_t count = 1;
};
bool ParseMpopArgs(CommandContext& ctx, size_t numkeys_idx, MpopArgs* out);

// LMPOP's and BLMPOP's serving step: pops from the first non-empty list among `keys`, replies
// [key, [elements]] and has the AOF log "LPOP|RPOP key <popped>". Returns false, replying nothing,
// when every key is missing; a key of another type replies WRONGTYPE (and returns true).
bool ServeMpop(CommandContext& ctx, const MpopArgs& args);

void AddArityError(CommandContext& ctx);

// Registration of the family's files.
void RegisterListEditCommands(CommandTable& table);      // list_edit_commands.cc
void RegisterListPopCommands(CommandTable& table);       // list_pop_commands.cc
void RegisterListBlockingCommands(CommandTable& table);  // list_blocking_commands.cc

}  // namespace keel::engine::list_family
