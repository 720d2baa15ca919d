// Set algebra: SINTER (and SMEMBERS, which is SINTER of one key in Redis 7.0), SINTERCARD,
// SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE. Results are built the way Redis builds
// them (an empty intset that members are added to, and for SDIFF's second algorithm removed from),
// so a stored result has the encoding Redis would give it.
#include <algorithm>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "engine/db.h"
#include "engine/keyspace.h"
#include "engine/parse.h"
#include "engine/set_family.h"
#include "engine/set_object.h"

namespace keel::engine::set_family {

namespace {

// Stores a non-empty `result` at `dst` as Redis's setKey does (an expired key there is reclaimed
// first), or deletes `dst` when the result is empty; replies with the result's size.
void StoreResult(CommandContext& ctx, std::string_view dst, std::unique_ptr<SetObject> result) {
  const auto size = static_cast<int64_t>(result->Size());
  if (size > 0) {
    ctx.db->LookupWrite(dst);
    ctx.db->SetObject(dst, ObjType::kSet, std::move(result));
    ctx.reply->AddInteger(size);
    ctx.ks->dirty++;
    return;
  }
  ctx.reply->AddInteger(0);
  if (ctx.db->Delete(dst)) ctx.ks->dirty++;
}

bool AddTo(SetObject* set, const SetMember& m, int64_t max) {
  char buf[24];
  return set->Add(m.Bytes(buf), max);
}

// Redis's sinterGenericCommand. `dst` is SINTERSTORE's destination; `cardinality_only` is
// SINTERCARD, which stops counting at `limit` (0: no limit).
void InterGeneric(CommandContext& ctx, std::span<const std::string_view> keys,
                  const std::string_view* dst, bool cardinality_only, uint64_t limit) {
  std::vector<SetObject*> sets;
  sets.reserve(keys.size());
  bool empty = false;
  // Every key is looked up and type-checked in order, even after a missing one.
  for (std::string_view key : keys) {
    Entry* e = ctx.db->LookupRead(key);
    if (e == nullptr) {
      empty = true;
      continue;
    }
    if (!CheckSet(ctx, e)) return;
    sets.push_back(SetOf(e));
  }
  if (empty) {
    if (dst != nullptr) {
      if (ctx.db->Delete(*dst)) ctx.ks->dirty++;
      ctx.reply->AddInteger(0);
    } else if (cardinality_only) {
      ctx.reply->AddInteger(0);
    } else {
      ctx.reply->AddSetHeader(0);
    }
    return;
  }
  // Smallest first: its members are the candidates. (glibc's qsort is a stable merge sort here.)
  std::stable_sort(sets.begin(), sets.end(),
                   [](const SetObject* a, const SetObject* b) { return a->Size() < b->Size(); });

  const int64_t max = ctx.ks->limits.set_max_intset_entries;
  std::unique_ptr<SetObject> result;
  size_t deferred = 0;
  if (dst != nullptr) {
    result = SetObject::CreateIntset();
  } else if (!cardinality_only) {
    deferred = ctx.reply->AddDeferredArrayHeader();
  }
  uint64_t cardinality = 0;
  SetObject* first = sets[0];
  first->ForEach([&](const SetMember& m) {
    char buf[24];
    for (size_t j = 1; j < sets.size(); j++) {
      if (sets[j] == first) continue;
      bool found = m.is_int ? sets[j]->ContainsInt(m.int_value) : sets[j]->Contains(m.str);
      if (!found) return true;
    }
    if (cardinality_only) {
      cardinality++;
      return limit == 0 || cardinality < limit;
    }
    if (dst == nullptr) {
      AddMemberReply(ctx.reply, m);
      cardinality++;
    } else {
      result->Add(m.Bytes(buf), max);
    }
    return true;
  });

  if (cardinality_only) {
    ctx.reply->AddInteger(static_cast<int64_t>(cardinality));
  } else if (dst != nullptr) {
    StoreResult(ctx, *dst, std::move(result));
  } else {
    ctx.reply->SetDeferredArrayLength(deferred, cardinality);
  }
}

void SInterCommand(CommandContext& ctx) {
  InterGeneric(ctx, ctx.args.subspan(1), nullptr, false, 0);
}

void SInterStoreCommand(CommandContext& ctx) {
  InterGeneric(ctx, ctx.args.subspan(2), &ctx.args[1], false, 0);
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCardCommand(CommandContext& ctx) {
  std::optional<int64_t> numkeys = ParseInt64(ctx.arg(1));
  if (!numkeys || *numkeys < 1) {
    ctx.reply->AddError("numkeys should be greater than 0");
    return;
  }
  if (*numkeys > static_cast<int64_t>(ctx.argc()) - 2) {
    ctx.reply->AddError("Number of keys can't be greater than number of args");
    return;
  }
  uint64_t limit = 0;
  for (size_t j = 2 + static_cast<size_t>(*numkeys); j < ctx.argc(); j++) {
    const bool more = j + 1 < ctx.argc();
    if (more && EqualsIgnoreCase(ctx.arg(j), "limit")) {
      std::optional<int64_t> v = ParseInt64(ctx.arg(++j));
      if (!v || *v < 0) {
        ctx.reply->AddError("LIMIT can't be negative");
        return;
      }
      limit = static_cast<uint64_t>(*v);
    } else {
      ctx.reply->AddError(kErrSyntax);
      return;
    }
  }
  InterGeneric(ctx, ctx.args.subspan(2, static_cast<size_t>(*numkeys)), nullptr, true, limit);
}

void SUnionCommand(CommandContext& ctx) {
  UnionDiff(ctx, ctx.args.subspan(1), nullptr, SetOp::kUnion);
}
void SUnionStoreCommand(CommandContext& ctx) {
  UnionDiff(ctx, ctx.args.subspan(2), &ctx.args[1], SetOp::kUnion);
}
void SDiffCommand(CommandContext& ctx) {
  UnionDiff(ctx, ctx.args.subspan(1), nullptr, SetOp::kDiff);
}
void SDiffStoreCommand(CommandContext& ctx) {
  UnionDiff(ctx, ctx.args.subspan(2), &ctx.args[1], SetOp::kDiff);
}

}  // namespace

void UnionDiff(CommandContext& ctx, std::span<const std::string_view> keys,
               const std::string_view* dst, SetOp op) {
  std::vector<SetObject*> sets(keys.size(), nullptr);  // nullptr: a missing key, an empty set
  bool same_set = false;
  for (size_t j = 0; j < keys.size(); j++) {
    Entry* e = ctx.db->LookupRead(keys[j]);
    if (e == nullptr) continue;
    if (!CheckSet(ctx, e)) return;
    sets[j] = SetOf(e);
    if (j > 0 && sets[j] == sets[0]) same_set = true;
  }
  auto size_of = [](const SetObject* s) -> int64_t {
    return s == nullptr ? 0 : static_cast<int64_t>(s->Size());
  };

  // Redis picks between two SDIFF algorithms by their estimated work: (1) test each member of
  // the first set against the others, O(N*M); (2) copy the first set and remove the others'
  // members, O(total). They can leave different encodings: (2) may outgrow an intset first.
  int algorithm = 1;
  if (op == SetOp::kDiff && sets[0] != nullptr && !same_set) {
    int64_t one = 0, two = 0;
    for (const SetObject* s : sets) {
      if (s == nullptr) continue;
      one += size_of(sets[0]);
      two += size_of(s);
    }
    one /= 2;  // algorithm 1 has better constants
    algorithm = one <= two ? 1 : 2;
    if (algorithm == 1 && sets.size() > 1) {
      // Larger sets first: a member present elsewhere is more likely to be rejected early.
      std::stable_sort(sets.begin() + 1, sets.end(), [&](const SetObject* a, const SetObject* b) {
        return size_of(a) > size_of(b);
      });
    }
  }

  const int64_t max = ctx.ks->limits.set_max_intset_entries;
  std::unique_ptr<SetObject> result = SetObject::CreateIntset();
  if (op == SetOp::kUnion) {
    for (const SetObject* s : sets) {
      if (s == nullptr) continue;
      s->ForEach([&](const SetMember& m) { AddTo(result.get(), m, max); });
    }
  } else if (same_set || sets[0] == nullptr) {
    // A key subtracted from itself, or nothing to subtract from: empty.
  } else if (algorithm == 1) {
    sets[0]->ForEach([&](const SetMember& m) {
      char buf[24];
      std::string_view bytes = m.Bytes(buf);
      for (size_t j = 1; j < sets.size(); j++) {
        if (sets[j] != nullptr && sets[j]->Contains(bytes)) return;
      }
      result->Add(bytes, max);
    });
  } else {
    for (size_t j = 0; j < sets.size(); j++) {
      if (sets[j] == nullptr) continue;
      sets[j]->ForEach([&](const SetMember& m) {
        char buf[24];
        if (j == 0) {
          result->Add(m.Bytes(buf), max);
        } else {
          result->Remove(m.Bytes(buf));
        }
      });
      if (result->Size() == 0) break;  // nothing left to remove from
    }
  }

  if (dst != nullptr) {
    StoreResult(ctx, *dst, std::move(result));
    return;
  }
  ctx.reply->AddSetHeader(result->Size());
  result->ForEach([&](const SetMember& m) { AddMemberReply(ctx.reply, m); });
}

void RegisterSetAlgebraCommands(CommandTable& table) {
  constexpr const char* kInterComplexity =
      "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
      "sets.";
  constexpr const char* kUnionComplexity =
      "O(N) where N is the total number of elements in all given sets.";
  const std::vector<KeySpec> kStoreSpecs = {
      {.flags = kKeyOW | kKeyUpdate, .begin_index = 1},
      {.flags = kKeyRO | kKeyAccess, .begin_index = 2, .last_key = -1}};
  AddCommands(table, "set",
              {
                  {.name = "smembers",
                   .arity = 2,
                   .flags = kCmdReadOnly,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = SInterCommand,
                   .since = "1.0.0",
                   .summary = "Get all the members in a set",
                   .complexity = "O(N) where N is the set cardinality.",
                   .syntax = "key",
                   .tips = "nondeterministic_output_order"},
                  {.name = "sinter",
                   .arity = -2,
                   .flags = kCmdReadOnly,
                   .first_key = 1,
                   .last_key = -1,
                   .key_step = 1,
                   .handler = SInterCommand,
                   .since = "1.0.0",
                   .summary = "Intersect multiple sets",
                   .complexity = kInterComplexity,
                   .syntax = "key [key ...]",
                   .tips = "nondeterministic_output_order"},
                  {.name = "sintercard",
                   .arity = -3,
                   .flags = kCmdReadOnly,
                   .handler = SInterCardCommand,
                   .since = "7.0.0",
                   .summary = "Intersect multiple sets and return the cardinality of the result",
                   .complexity = kInterComplexity,
                   .syntax = "numkeys key [key ...] [LIMIT limit]",
                   .key_specs = {{.flags = kKeyRO | kKeyAccess,
                                  .begin_index = 1,
                                  .find = KeySpec::kKeynum,
                                  .key_step = 1,
                                  .keynum_index = 0,
                                  .first_key = 1}}},
                  {.name = "sinterstore",
                   .arity = -3,
                   .flags = kCmdWrite | kCmdDenyOom,
                   .handler = SInterStoreCommand,
                   .since = "1.0.0",
                   .summary = "Intersect multiple sets and store the resulting set in a key",
                   .complexity = kInterComplexity,
                   .syntax = "destination key [key ...]",
                   .key_specs = {{.flags = kKeyRW | kKeyUpdate, .begin_index = 1},
                                 {.flags = kKeyRO | kKeyAccess, .begin_index = 2, .last_key = -1}}},
                  {.name = "sunion",
                   .arity = -2,
                   .flags = kCmdReadOnly,
                   .first_key = 1,
                   .last_key = -1,
                   .key_step = 1,
                   .handler = SUnionCommand,
                   .since = "1.0.0",
                   .summary = "Add multiple sets",
                   .complexity = kUnionComplexity,
                   .syntax = "key [key ...]",
                   .tips = "nondeterministic_output_order"},
                  {.name = "sunionstore",
                   .arity = -3,
                   .flags = kCmdWrite | kCmdDenyOom,
                   .handler = SUnionStoreCommand,
                   .since = "1.0.0",
                   .summary = "Add multiple sets and store the resulting set in a key",
                   .complexity = kUnionComplexity,
                   .syntax = "destination key [key ...]",
                   .key_specs = kStoreSpecs},
                  {.name = "sdiff",
                   .arity = -2,
                   .flags = kCmdReadOnly,
                   .first_key = 1,
                   .last_key = -1,
                   .key_step = 1,
                   .handler = SDiffCommand,
                   .since = "1.0.0",
                   .summary = "Subtract multiple sets",
                   .complexity = kUnionComplexity,
                   .syntax = "key [key ...]",
                   .tips = "nondeterministic_output_order"},
                  {.name = "sdiffstore",
                   .arity = -3,
                   .flags = kCmdWrite | kCmdDenyOom,
                   .handler = SDiffStoreCommand,
                   .since = "1.0.0",
                   .summary = "Subtract multiple sets and store the resulting set in a key",
                   .complexity = kUnionComplexity,
                   .syntax = "destination key [key ...]",
                   .key_specs = kStoreSpecs},
              });
}

}  // namespace keel::engine::set_family
