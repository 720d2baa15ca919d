// The hash commands that change a hash: HSET, HMSET, HSETNX, HDEL, HINCRBY and HINCRBYFLOAT.
// A new hash is built off the keyspace and linked with Db::AddObject only once it holds its
// fields, so a command that fails leaves no empty hash behind; an existing one is changed in
// place and signalled with Db::SignalModified.
#include <cmath>
#include <memory>
#include <optional>
#include <string>

#include "engine/db.h"
#include "engine/hash_family.h"
#include "engine/keyspace.h"
#include "engine/parse.h"

namespace keel::engine::hash_family {

namespace {

// The hash a write goes to: the existing one, or a new empty one that Commit links.
class WriteTarget {
 public:
  explicit WriteTarget(Entry* e) {
    if (e == nullptr) {
      fresh_ = std::make_unique<HashObject>();
      hash_ = fresh_.get();
    } else {
      hash_ = e->As<HashObject>();
    }
  }
  HashObject* operator->() const { return hash_; }
  // Links a new hash, or signals the change of an existing one (Redis's signalModifiedKey).
  void Commit(CommandContext& ctx) {
    if (fresh_ != nullptr) {
      ctx.db->AddObject(ctx.arg(1), ObjType::kHash, std::move(fresh_));
    } else {
      ctx.db->SignalModified(ctx.arg(1));
    }
  }

 private:
  std::unique_ptr<HashObject> fresh_;
  HashObject* hash_;
};

// HSET and HMSET (Redis's hsetCommand): the lengths of every field and value are checked before
// the first insert (hashTypeTryConversion), so one long value converts the hash even when it
// is overwritten later in the same command.
void SetFields(CommandContext& ctx, bool reply_created) {
  if (ctx.argc() % 2 == 1) {
    AddArityError(ctx);
    return;
  }
  Entry* e = ctx.db->LookupWrite(ctx.arg(1));
  if (!CheckHash(ctx, e)) return;
  WriteTarget h(e);
  const EncodingLimits& limits = ctx.ks->limits;
  h->TryConversion(ctx.args.subspan(2), limits);
  int64_t created = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    if (h->Set(ctx.arg(i), ctx.arg(i + 1), limits)) created++;
  }
  h.Commit(ctx);
  ctx.ks->dirty += (ctx.argc() - 2) / 2;
  if (reply_created) {
    ctx.reply->AddInteger(created);
  } else {
    ctx.reply->AddOk();
  }
}

void HSetCommand(CommandContext& ctx) { SetFields(ctx, true); }
void HMSetCommand(CommandContext& ctx) { SetFields(ctx, false); }

void HSetNxCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupWrite(ctx.arg(1));
  if (!CheckHash(ctx, e)) return;
  WriteTarget h(e);
  if (h->Exists(ctx.arg(2))) {
    ctx.reply->AddInteger(0);
    return;
  }
  // Only a field that is really added can convert the hash.
  h->TryConversion(ctx.args.subspan(2, 2), ctx.ks->limits);
  h->Set(ctx.arg(2), ctx.arg(3), ctx.ks->limits);
  h.Commit(ctx);
  ++ctx.ks->dirty;
  ctx.reply->AddInteger(1);
}

void HDelCommand(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Entry* e = ctx.db->LookupWrite(key);
  if (!CheckHash(ctx, e)) return;
  if (e == nullptr) {
    ctx.reply->AddInteger(0);
    return;
  }
  HashObject* h = HashOf(e);
  int64_t deleted = 0;
  bool key_removed = false;
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (!h->Delete(ctx.arg(i))) continue;
    deleted++;
    // The rest of the fields cannot be present: stop, as Redis does, once the hash is gone.
    if (h->Size() == 0) {
      ctx.db->DeleteEntry(e);
      key_removed = true;
      break;
    }
  }
  if (deleted > 0) {
    if (!key_removed) ctx.db->SignalModified(key);  // DeleteEntry signals by itself
    ctx.ks->dirty += static_cast<uint64_t>(deleted);
  }
  ctx.reply->AddInteger(deleted);
}

void HIncrByCommand(CommandContext& ctx) {
  std::optional<int64_t> incr = ParseInt64(ctx.arg(3));
  if (!incr) {
    ctx.reply->AddError(kErrNotInteger);
    return;
  }
  Entry* e = ctx.db->LookupWrite(ctx.arg(1));
  if (!CheckHash(ctx, e)) return;
  WriteTarget h(e);
  int64_t value = 0;
  char buf[24];
  if (std::optional<std::string_view> current = h->Get(ctx.arg(2), buf)) {
    std::optional<int64_t> parsed = ParseInt64(*current);
    if (!parsed) {
      ctx.reply->AddError("hash value is not an integer");
      return;
    }
    value = *parsed;
  }
  int64_t result;
  if (__builtin_add_overflow(value, *incr, &result)) {
    ctx.reply->AddError("increment or decrement would overflow");
    return;
  }
  h->Set(ctx.arg(2), std::to_string(result), ctx.ks->limits);
  h.Commit(ctx);
  ++ctx.ks->dirty;
  ctx.reply->AddInteger(result);
}

void HIncrByFloatCommand(CommandContext& ctx) {
  std::optional<long double> incr = ParseLongDouble(ctx.arg(3));
  if (!incr) {
    ctx.reply->AddError(kErrNotFloat);
    return;
  }
  // Checked before the key is touched (Redis 7.0.x), so "inf" cannot leave an empty hash.
  if (std::isnan(*incr) || std::isinf(*incr)) {
    ctx.reply->AddError("value is NaN or Infinity");
    return;
  }
  Entry* e = ctx.db->LookupWrite(ctx.arg(1));
  if (!CheckHash(ctx, e)) return;
  WriteTarget h(e);
  long double value = 0;
  char buf[24];
  if (std::optional<std::string_view> current = h->Get(ctx.arg(2), buf)) {
    std::optional<long double> parsed = ParseLongDouble(*current);
    if (!parsed) {
      ctx.reply->AddError("hash value is not a float");
      return;
    }
    value = *parsed;
  }
  const long double result = value + *incr;
  if (std::isnan(result) || std::isinf(result)) {
    ctx.reply->AddError("increment would produce NaN or Infinity");
    return;
  }
  const std::string text = FormatLongDouble(result);
  h->Set(ctx.arg(2), text, ctx.ks->limits);
  h.Commit(ctx);
  ++ctx.ks->dirty;
  ctx.reply->AddBulk(text);
  // Floating-point arithmetic may round differently elsewhere: the log gets the result.
  ctx.PropagateAs({"HSET", ctx.arg(1), ctx.arg(2), text});
}

}  // namespace

void RegisterHashWriteCommands(CommandTable& table) {
  constexpr uint32_t kWriteFast = kCmdWrite | kCmdDenyOom | kCmdFast;
  AddCommands(
      table, "hash",
      {
          {.name = "hset",
           .arity = -4,
           .flags = kWriteFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = HSetCommand,
           .since = "2.0.0",
           .summary = "Set the string value of a hash field",
           .complexity = "O(1) for each field/value pair added, so O(N) to add N field/value "
                         "pairs when the command is called with multiple field/value pairs.",
           .syntax = "key field value [field value ...]",
           .history = {{"4.0.0", "Accepts multiple `field` and `value` arguments."}}},
          {.name = "hsetnx",
           .arity = 4,
           .flags = kWriteFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = HSetNxCommand,
           .since = "2.0.0",
           .summary = "Set the value of a hash field, only if the field does not exist",
           .complexity = "O(1)",
           .syntax = "key field value",
           .key_flags = kKeyRW | kKeyInsert},
          {.name = "hmset",
           .arity = -4,
           .flags = kWriteFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = HMSetCommand,
           .since = "2.0.0",
           .summary = "Set multiple hash fields to multiple values",
           .complexity = "O(N) where N is the number of fields being set.",
           .syntax = "key field value [field value ...]",
           .doc_flags = kDocDeprecated,
           .deprecated_since = "4.0.0",
           .replaced_by = "`HSET` with multiple field-value pairs"},
          {.name = "hdel",
           .arity = -3,
           .flags = kCmdWrite | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = HDelCommand,
           .since = "2.0.0",
           .summary = "Delete one or more hash fields",
           .complexity = "O(N) where N is the number of fields to be removed.",
           .syntax = "key field [field ...]",
           .key_flags = kKeyRW | kKeyDelete,
           .history = {{"2.4.0", "Accepts multiple `field` arguments."}}},
          {.name = "hincrby",
           .arity = 4,
           .flags = kWriteFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = HIncrByCommand,
           .since = "2.0.0",
           .summary = "Increment the integer value of a hash field by the given number",
           .complexity = "O(1)",
           .syntax = "key field increment",
           .key_flags = kKeyRW | kKeyAccess | kKeyUpdate},
          {.name = "hincrbyfloat",
           .arity = 4,
           .flags = kWriteFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = HIncrByFloatCommand,
           .since = "2.6.0",
           .summary = "Increment the float value of a hash field by the given amount",
           .complexity = "O(1)",
           .syntax = "key field increment:double",
           .key_flags = kKeyRW | kKeyAccess | kKeyUpdate},
      });
}

}  // namespace keel::engine::hash_family
