// The sorted set family's writes by member (ZADD, ZINCRBY, ZREM), the helpers the family shares
// (zset_family.h), and RegisterZSetCommands, which also registers the read, range, pop, random
// and set-operation groups from their own files. Semantics and error texts are Redis 7.0's
// t_zset.c.
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/commands.h"
#include "engine/keyspace.h"
#include "engine/parse.h"
#include "engine/zset_family.h"

namespace keel::engine {

namespace zset_family {

namespace {

// strtod over a NUL-terminated copy, as Redis runs it over an sds: parsing stops at the first
// NUL, so "1\0x" reads as 1 with nothing left over. Returns the value and sets *consumed.
double StrtodCopy(std::string_view s, size_t* consumed, int* err) {
  std::string copy(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(copy.c_str(), &end);
  *err = errno;
  *consumed = static_cast<size_t>(end - copy.c_str());
  return v;
}

bool ParseBound(std::string_view s, double* v, bool* exclusive) {
  *exclusive = false;
  if (!s.empty() && s[0] == '(') {
    *exclusive = true;
    s.remove_prefix(1);
  }
  size_t consumed;
  int err;
  *v = StrtodCopy(s, &consumed, &err);
  // Redis checks that strtod stopped at a NUL: the end of the argument or an embedded one.
  if (consumed < s.size() && s[consumed] != '\0') return false;
  return !std::isnan(*v);
}

bool ParseLexItem(std::string_view s, LexBound* b) {
  if (s.empty()) return false;
  // A C-string test in Redis: "+" followed by a NUL byte is still "+".
  const bool alone = s.size() == 1 || s[1] == '\0';
  switch (s[0]) {
    case '+':
      if (!alone) return false;
      *b = LexBound{LexBound::kPlusInf, {}, true};
      return true;
    case '-':
      if (!alone) return false;
      *b = LexBound{LexBound::kMinusInf, {}, true};
      return true;
    case '(':
      *b = LexBound{LexBound::kValue, std::string(s.substr(1)), true};
      return true;
    case '[':
      *b = LexBound{LexBound::kValue, std::string(s.substr(1)), false};
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<double> ParseScore(std::string_view arg) {
  if (arg.empty() || std::isspace(static_cast<unsigned char>(arg[0]))) return std::nullopt;
  size_t consumed;
  int err;
  double v = StrtodCopy(arg, &consumed, &err);
  if (consumed != arg.size()) return std::nullopt;
  if (err == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) {
    return std::nullopt;
  }
  if (std::isnan(v)) return std::nullopt;
  return v;
}

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* range) {
  return ParseBound(min, &range->min, &range->minex) && ParseBound(max, &range->max, &range->maxex);
}

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* range) {
  return ParseLexItem(min, &range->min) && ParseLexItem(max, &range->max);
}

std::optional<int64_t> ParseLongOrReply(CommandContext& ctx, std::string_view arg,
                                        std::string_view error) {
  std::optional<int64_t> v = ParseInt64(arg);
  if (!v) ctx.reply->AddError(error.empty() ? kErrNotInteger : error);
  return v;
}

bool CheckZSet(CommandContext& ctx, const Entry* e) {
  if (e == nullptr || e->type() == ObjType::kZSet) return true;
  ctx.reply->AddError(kErrWrongType);
  return false;
}

std::unique_ptr<ZSetObject> NewZSetFor(const EncodingLimits& limits, size_t first_len) {
  if (limits.zset_max_listpack_entries == 0 ||
      static_cast<size_t>(limits.zset_max_listpack_value) < first_len) {
    return ZSetObject::CreateSkiplist();
  }
  return ZSetObject::CreateListpack();
}

size_t StoreResult(CommandContext& ctx, std::string_view key, std::unique_ptr<ZSetObject> z) {
  const size_t n = z->Size();
  if (n > 0) {
    // setKey looks the key up first, so an expired destination is reclaimed (and counted).
    ctx.db->LookupWrite(key);
    ctx.db->SetObject(key, ObjType::kZSet, std::move(z));
    ++ctx.ks->dirty;
  } else if (ctx.db->Delete(key)) {
    ++ctx.ks->dirty;
  }
  return n;
}

void AfterRemoval(CommandContext& ctx, Entry* e, std::string_view key) {
  if (AsZSet(e)->Size() == 0) {
    ctx.db->DeleteEntry(e);
  } else {
    ctx.db->SignalModified(key);
  }
}

void AddArityError(CommandContext& ctx) {
  ctx.reply->AddError("wrong number of arguments for '" + ctx.cmd->FullName() + "' command");
}

}  // namespace zset_family

namespace {

using zset_family::AsZSet;
using zset_family::CheckZSet;

// ZADD and ZINCRBY (Redis's zaddGenericCommand): options, then score/member pairs.
void ZAddGeneric(CommandContext& ctx, int flags) {
  size_t scoreidx = 2;
  bool ch = false;
  for (; scoreidx < ctx.argc(); scoreidx++) {
    std::string_view opt = ctx.arg(scoreidx);
    if (EqualsIgnoreCase(opt, "nx")) {
      flags |= kZAddNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      flags |= kZAddXx;
    } else if (EqualsIgnoreCase(opt, "ch")) {
      ch = true;
    } else if (EqualsIgnoreCase(opt, "incr")) {
      flags |= kZAddIncr;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      flags |= kZAddGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      flags |= kZAddLt;
    } else {
      break;
    }
  }
  const bool incr = (flags & kZAddIncr) != 0;
  const bool nx = (flags & kZAddNx) != 0;
  const bool xx = (flags & kZAddXx) != 0;
  const bool gt = (flags & kZAddGt) != 0;
  const bool lt = (flags & kZAddLt) != 0;
  size_t elements = ctx.argc() - scoreidx;
  if (elements % 2 != 0 || elements == 0) {
    ctx.reply->AddError(kErrSyntax);
    return;
  }
  elements /= 2;
  if (nx && xx) {
    ctx.reply->AddError("XX and NX options at the same time are not compatible");
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    ctx.reply->AddError("GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if (incr && elements > 1) {
    ctx.reply->AddError("INCR option supports a single increment-element pair");
    return;
  }
  std::vector<double> scores(elements);
  for (size_t j = 0; j < elements; j++) {
    std::optional<double> s = zset_family::ParseScore(ctx.arg(scoreidx + j * 2));
    if (!s) {
      ctx.reply->AddError(kErrNotFloat);
      return;
    }
    scores[j] = *s;
  }

  std::string_view key = ctx.arg(1);
  Entry* e = ctx.db->LookupWrite(key);
  if (!CheckZSet(ctx, e)) return;
  size_t added = 0, updated = 0, processed = 0;
  double score = 0;
  if (e == nullptr && xx) {
    // No key and XX: nothing to do.
  } else {
    ZSetObject* z;
    if (e == nullptr) {
      auto fresh = zset_family::NewZSetFor(ctx.ks->limits, ctx.arg(scoreidx + 1).size());
      z = fresh.get();
      ctx.db->AddObject(key, ObjType::kZSet, std::move(fresh));
    } else {
      z = AsZSet(e);
    }
    for (size_t j = 0; j < elements; j++) {
      double newscore = 0;
      int r = z->Add(scores[j], ctx.arg(scoreidx + 1 + j * 2), flags, ctx.ks->limits, &newscore);
      if ((r & kZAddNan) != 0) {
        ctx.reply->AddError(zset_family::kErrNan);
        if (added + updated > 0) ctx.db->SignalModified(key);
        return;
      }
      if ((r & kZAddAdded) != 0) added++;
      if ((r & kZAddUpdated) != 0) updated++;
      if ((r & kZAddNop) == 0) processed++;
      score = newscore;
    }
    ctx.ks->dirty += added + updated;
    if (e != nullptr && added + updated > 0) ctx.db->SignalModified(key);
  }
  if (incr) {
    if (processed > 0) {
      ctx.reply->AddDouble(score);
    } else {
      ctx.reply->AddNullBulk();
    }
  } else {
    ctx.reply->AddInteger(static_cast<int64_t>(ch ? added + updated : added));
  }
}

void ZAddCommand(CommandContext& ctx) { ZAddGeneric(ctx, 0); }
void ZIncrByCommand(CommandContext& ctx) { ZAddGeneric(ctx, kZAddIncr); }

void ZRemCommand(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Entry* e = ctx.db->LookupWrite(key);
  if (e == nullptr) {
    ctx.reply->AddInteger(0);
    return;
  }
  if (!CheckZSet(ctx, e)) return;
  ZSetObject* z = AsZSet(e);
  int64_t deleted = 0;
  for (size_t j = 2; j < ctx.argc(); j++) {
    if (z->Remove(ctx.arg(j))) deleted++;
    if (z->Size() == 0) break;
  }
  if (deleted > 0) {
    zset_family::AfterRemoval(ctx, e, key);
    ctx.ks->dirty += static_cast<uint64_t>(deleted);
  }
  ctx.reply->AddInteger(deleted);
}

}  // namespace

void RegisterZSetCommands(CommandTable& table) {
  AddCommands(
      table, "sorted-set",
      {
          {.name = "zadd",
           .arity = -4,
           .flags = kCmdWrite | kCmdDenyOom | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZAddCommand,
           .since = "1.2.0",
           .summary = "Add one or more members to a sorted set, or update its score if it already "
                      "exists",
           .complexity = "O(log(N)) for each item added, where N is the number of elements in the "
                         "sorted set.",
           .syntax = "key [condition@3.0.2: NX | XX] [comparison@6.2.0: GT | LT] "
                     "[change@3.0.2: CH] [increment@3.0.2: INCR] score member [score member ...]",
           .history = {{"2.4.0", "Accepts multiple elements."},
                       {"3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."},
                       {"6.2.0", "Added the `GT` and `LT` options."}}},
          {.name = "zincrby",
           .arity = 4,
           .flags = kCmdWrite | kCmdDenyOom | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZIncrByCommand,
           .since = "1.2.0",
           .summary = "Increment the score of a member in a sorted set",
           .complexity = "O(log(N)) where N is the number of elements in the sorted set.",
           .syntax = "key increment member",
           .key_flags = kKeyRW | kKeyAccess | kKeyUpdate},
          {.name = "zrem",
           .arity = -3,
           .flags = kCmdWrite | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = ZRemCommand,
           .since = "1.2.0",
           .summary = "Remove one or more members from a sorted set",
           .complexity = "O(M*log(N)) with N being the number of elements in the sorted set and M "
                         "the number of elements to be removed.",
           .syntax = "key member [member ...]",
           .key_flags = kKeyRW | kKeyDelete,
           .history = {{"2.4.0", "Accepts multiple elements."}}},
      });
  zset_family::RegisterZSetReadCommands(table);
  zset_family::RegisterZSetRangeCommands(table);
  zset_family::RegisterZSetRemRangeCommands(table);
  zset_family::RegisterZSetPopCommands(table);
  zset_family::RegisterZSetRandomCommands(table);
  zset_family::RegisterZSetSetOpCommands(table);
}

}  // namespace keel::engine
