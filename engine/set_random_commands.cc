// SRANDMEMBER and SPOP with Redis 7.0's algorithms: which case serves a count decides both the
// cost and, for SPOP, the encoding the remaining set is left in, so the cases are kept as Redis
// has them (srandmemberWithCountCommand, spopWithCountCommand). SPOP's random choice is logged as
// what it did: SREM of each member popped (one command per member, as Redis 7.0 writes them), or
// DEL when it took the whole set.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "engine/db.h"
#include "engine/keyspace.h"
#include "engine/parse.h"
#include "engine/set_family.h"
#include "engine/set_object.h"

namespace keel::engine::set_family {

namespace {

// SRANDMEMBER: a count this many times smaller than the set picks members at random (case 4);
// otherwise it copies the set and drops random members (case 3). SRANDMEMBER_SUB_STRATEGY_MUL.
constexpr uint64_t kSubStrategyMul = 3;
// SPOP: when fewer than 1/5 of the popped count would remain, the survivors are picked instead
// and moved to a new set (case 3). SPOP_MOVE_STRATEGY_MUL.
constexpr uint64_t kMoveStrategyMul = 5;

void SRandMemberWithCount(CommandContext& ctx) {
  std::optional<int64_t> l = ParseInt64(ctx.arg(2));
  if (!l) {
    ctx.reply->AddError(kErrNotInteger);
    return;
  }
  if (*l == INT64_MIN) {
    ctx.reply->AddError(kErrRandomCountRange);
    return;
  }
  // A negative count may repeat members; a positive one returns distinct members.
  const bool unique = *l >= 0;
  uint64_t count = unique ? static_cast<uint64_t>(*l) : static_cast<uint64_t>(-*l);
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddArrayHeader(0);
    return;
  }
  if (!CheckSet(ctx, e)) return;
  SetObject* set = SetOf(e);
  const uint64_t size = set->Size();
  if (count == 0) {
    ctx.reply->AddArrayHeader(0);
    return;
  }
  // Case 1: independent draws (also the only case whose reply order is random).
  if (!unique || count == 1) {
    ctx.reply->AddArrayHeader(count);
    while (count-- > 0) AddMemberReply(ctx.reply, set->Random());
    return;
  }
  // Case 2: the whole set.
  if (count >= size) {
    ctx.reply->AddArrayHeader(size);
    set->ForEach([&](const SetMember& m) { AddMemberReply(ctx.reply, m); });
    return;
  }
  std::unique_ptr<SetObject> picked = SetObject::CreateHashtable();
  if (count * kSubStrategyMul > size) {
    // Case 3: copy everything, then remove random members down to `count`.
    picked->Reserve(size);
    set->ForEach([&](const SetMember& m) { picked->Add(m.ToString(), 0); });
    for (uint64_t left = size; left > count; left--) {
      std::string victim = picked->Random().ToString();
      picked->Remove(victim);
    }
  } else {
    // Case 4: draw until `count` distinct members were seen.
    picked->Reserve(count);
    for (uint64_t added = 0; added < count;) {
      if (picked->Add(set->Random().ToString(), 0)) added++;
    }
  }
  ctx.reply->AddArrayHeader(count);
  picked->ForEach([&](const SetMember& m) { AddMemberReply(ctx.reply, m); });
}

void SRandMemberCommand(CommandContext& ctx) {
  if (ctx.argc() == 3) {
    SRandMemberWithCount(ctx);
    return;
  }
  if (ctx.argc() > 3) {
    ctx.reply->AddError(kErrSyntax);
    return;
  }
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddNullBulk();
    return;
  }
  if (!CheckSet(ctx, e)) return;
  AddMemberReply(ctx.reply, SetOf(e)->Random());
}

void SPopWithCount(CommandContext& ctx) {
  std::optional<int64_t> l = ParseInt64(ctx.arg(2));
  if (!l || *l < 0) {
    ctx.reply->AddError("value is out of range, must be positive");
    return;
  }
  uint64_t count = static_cast<uint64_t>(*l);
  std::string_view key = ctx.arg(1);
  Entry* e = ctx.db->LookupWrite(key);
  if (e == nullptr) {
    ctx.reply->AddSetHeader(0);
    return;
  }
  if (!CheckSet(ctx, e)) return;
  if (count == 0) {
    ctx.reply->AddSetHeader(0);
    return;
  }
  SetObject* set = SetOf(e);
  const uint64_t size = set->Size();
  ctx.ks->dirty += count >= size ? size : count;

  // Case 1: everything. Redis replies through SUNION of the key (one more read lookup, and the
  // order of a rebuilt set), then deletes the key.
  if (count >= size) {
    const std::string_view keys[1] = {key};
    UnionDiff(ctx, keys, nullptr, SetOp::kUnion);
    ctx.db->Delete(key);
    ctx.PropagateAs({"DEL", key});
    return;
  }
  ctx.reply->AddSetHeader(count);
  const uint64_t remaining = size - count;
  if (remaining * kMoveStrategyMul > count) {
    // Case 2: pop random members one by one.
    while (count-- > 0) {
      std::string member = set->Random().ToString();
      ctx.reply->AddBulk(member);
      set->Remove(member);
      ctx.PropagateAlso({"SREM", key, member});
    }
  } else {
    // Case 3: move the survivors to a new set (created for the first survivor, so it may be an
    // intset again), reply with what is left in the old one, and put the new set in its place.
    std::unique_ptr<SetObject> kept;
    const int64_t max = ctx.ks->limits.set_max_intset_entries;
    for (uint64_t i = 0; i < remaining; i++) {
      std::string member = set->Random().ToString();
      if (kept == nullptr) kept = SetObject::CreateFor(member);
      kept->Add(member, max);
      set->Remove(member);
    }
    set->ForEach([&](const SetMember& m) {
      AddMemberReply(ctx.reply, m);
      ctx.PropagateAlso({"SREM", key, m.ToString()});
    });
    set->Swap(*kept);
  }
  ctx.db->SignalModified(key);
}

void SPopCommand(CommandContext& ctx) {
  if (ctx.argc() == 3) {
    SPopWithCount(ctx);
    return;
  }
  if (ctx.argc() > 3) {
    ctx.reply->AddError(kErrSyntax);
    return;
  }
  std::string_view key = ctx.arg(1);
  Entry* e = ctx.db->LookupWrite(key);
  if (e == nullptr) {
    ctx.reply->AddNullBulk();
    return;
  }
  if (!CheckSet(ctx, e)) return;
  SetObject* set = SetOf(e);
  std::string member = set->Random().ToString();
  set->Remove(member);
  ctx.reply->AddBulk(member);
  if (set->Size() == 0) ctx.db->DeleteEntry(e);
  ctx.db->SignalModified(key);
  ctx.ks->dirty++;
  ctx.PropagateAs({"SREM", key, member});
}

}  // namespace

void RegisterSetRandomCommands(CommandTable& table) {
  AddCommands(
      table, "set",
      {
          {.name = "srandmember",
           .arity = -2,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = SRandMemberCommand,
           .since = "1.0.0",
           .summary = "Get one or multiple random members from a set",
           .complexity = "Without the count argument O(1), otherwise O(N) where N is the absolute "
                         "value of the passed count.",
           .syntax = "key [count@2.6.0]",
           .tips = "nondeterministic_output",
           .history = {{"2.6.0", "Added the optional `count` argument."}}},
          {.name = "spop",
           .arity = -2,
           .flags = kCmdWrite | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = SPopCommand,
           .since = "1.0.0",
           .summary = "Remove and return one or multiple random members from a set",
           .complexity = "Without the count argument O(1), otherwise O(N) where N is the value of "
                         "the passed count.",
           .syntax = "key [count@3.2.0]",
           .key_flags = kKeyRW | kKeyAccess | kKeyDelete,
           .tips = "nondeterministic_output",
           .history = {{"3.2.0", "Added the `count` argument."}}},
      });
}

}  // namespace keel::engine::set_family
