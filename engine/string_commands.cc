// The string command family's read and in-place edit commands (GET, MGET, STRLEN, GETRANGE,
// SUBSTR, GETDEL, APPEND, SETRANGE), the helpers the family shares, and RegisterStringCommands,
// which also registers the SET and INCR groups from their own files.
#include <cstring>
#include <optional>
#include <string>

#include "engine/commands.h"
#include "engine/keyspace.h"
#include "engine/parse.h"
#include "engine/string_family.h"

namespace keel::engine {

namespace string_family {

bool CheckString(CommandContext& ctx, const Entry* e) {
  if (e == nullptr || e->type() == ObjType::kString) return true;
  ctx.reply->AddError(kErrWrongType);
  return false;
}

void AddStringReply(formats::ReplyWriter* reply, const Entry* e) {
  if (e->is_int()) {
    reply->AddBulkInteger(e->int_value());
  } else {
    reply->AddBulk(e->string_value());
  }
}

Entry* OverwriteString(Db* db, Entry* existing, std::string_view key, std::string_view value,
                       bool keep_ttl) {
  // Replacing in place saves the second hash lookup SetString would do; a non-string entry is
  // overwritten whole (SetString drops its value and, without KEEPTTL, its expiry).
  if (existing == nullptr || existing->type() != ObjType::kString) {
    return db->SetString(key, value, keep_ttl);
  }
  Entry* e = db->ReplaceString(existing, value);
  if (!keep_ttl && e->has_expire()) db->RemoveExpire(e);
  return e;
}

Entry* StoreString(Db* db, std::string_view key, std::string_view value, bool keep_ttl) {
  return OverwriteString(db, db->LookupWrite(key), key, value, keep_ttl);
}

std::string* StoreRawString(Db* db, std::string_view key) {
  Entry* e = StoreString(db, key, std::string_view(), /*keep_ttl=*/false);
  return db->MutableString(e);
}

bool CheckStringLength(CommandContext& ctx, uint64_t base, uint64_t extra) {
  uint64_t limit = static_cast<uint64_t>(ctx.ks->proto_max_bulk_len);
  if (base > limit || extra > limit - base) {
    ctx.reply->AddError("string exceeds maximum allowed size (proto-max-bulk-len)");
    return false;
  }
  return true;
}

void AddArityError(CommandContext& ctx) {
  ctx.reply->AddError("wrong number of arguments for '" + ctx.cmd->FullName() + "' command");
}

}  // namespace string_family

namespace {

using string_family::AddStringReply;
using string_family::CheckString;

void GetCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddNullBulk();
    return;
  }
  if (!CheckString(ctx, e)) return;
  AddStringReply(ctx.reply, e);
}

void GetDelCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddNullBulk();
    return;
  }
  if (!CheckString(ctx, e)) return;
  // The reply copies the value, so deleting afterwards is safe.
  AddStringReply(ctx.reply, e);
  ctx.db->DeleteEntry(e);
  ++ctx.ks->dirty;
  ctx.PropagateAs({"DEL", ctx.arg(1)});
}

void MGetCommand(CommandContext& ctx) {
  ctx.reply->AddArrayHeader(ctx.argc() - 1);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Entry* e = ctx.db->LookupRead(ctx.arg(i));
    // MGET never fails: a key of another type reads as missing.
    if (e == nullptr || e->type() != ObjType::kString) {
      ctx.reply->AddNullBulk();
    } else {
      AddStringReply(ctx.reply, e);
    }
  }
}

void StrLenCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckString(ctx, e)) return;
  ctx.reply->AddInteger(e == nullptr ? 0 : static_cast<int64_t>(e->StringLength()));
}

// GETRANGE and SUBSTR. Both indexes are parsed before the key is looked up, so a bad index is an
// error even for a missing key.
void GetRangeCommand(CommandContext& ctx) {
  std::optional<int64_t> start = ParseInt64(ctx.arg(2));
  std::optional<int64_t> end = start ? ParseInt64(ctx.arg(3)) : std::nullopt;
  if (!end) {
    ctx.reply->AddError(kErrNotInteger);
    return;
  }
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckString(ctx, e)) return;
  if (e == nullptr) {
    ctx.reply->AddBulk(std::string_view());
    return;
  }
  char buf[24];
  std::string_view s = e->StringBytes(buf);
  const int64_t len = static_cast<int64_t>(s.size());
  int64_t from = *start;
  int64_t to = *end;
  // Redis 7.0 rejects only a negative range that is reversed; other out-of-range indexes are
  // clamped (so GETRANGE s -100 -50 on a short string returns its first byte).
  if (from < 0 && to < 0 && from > to) {
    ctx.reply->AddBulk(std::string_view());
    return;
  }
  if (from < 0) from += len;
  if (to < 0) to += len;
  if (from < 0) from = 0;
  if (to < 0) to = 0;
  if (to >= len) to = len - 1;
  if (len == 0 || from > to) {
    ctx.reply->AddBulk(std::string_view());
    return;
  }
  ctx.reply->AddBulk(s.substr(static_cast<size_t>(from), static_cast<size_t>(to - from + 1)));
}

void AppendCommand(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  std::string_view value = ctx.arg(2);
  Entry* e = ctx.db->LookupWrite(key);
  if (!CheckString(ctx, e)) return;
  if (e == nullptr) {
    // A new key takes the argument as SET would (it may become an int or embstr).
    e = ctx.db->SetString(key, value);
    ++ctx.ks->dirty;
    ctx.reply->AddInteger(static_cast<int64_t>(e->StringLength()));
    return;
  }
  if (!string_family::CheckStringLength(ctx, e->StringLength(), value.size())) return;
  // Even an empty append makes the value raw and counts as a change, as in Redis.
  std::string* s = ctx.db->MutableString(e);
  s->append(value);
  ++ctx.ks->dirty;
  ctx.reply->AddInteger(static_cast<int64_t>(s->size()));
}

void SetRangeCommand(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  std::string_view value = ctx.arg(3);
  std::optional<int64_t> offset = ParseInt64(ctx.arg(2));
  if (!offset) {
    ctx.reply->AddError(kErrNotInteger);
    return;
  }
  if (*offset < 0) {
    ctx.reply->AddError("offset is out of range");
    return;
  }
  const uint64_t at = static_cast<uint64_t>(*offset);
  Entry* e = ctx.db->LookupWrite(key);
  if (!CheckString(ctx, e)) return;
  // Writing nothing never creates, grows or fails, whatever the offset.
  if (value.empty()) {
    ctx.reply->AddInteger(e == nullptr ? 0 : static_cast<int64_t>(e->StringLength()));
    return;
  }
  // Checked before any allocation: SETRANGE k 4294967295 x must not try to build 4 GB.
  if (!string_family::CheckStringLength(ctx, at, value.size())) return;
  std::string* s =
      e == nullptr ? string_family::StoreRawString(ctx.db, key) : ctx.db->MutableString(e);
  const size_t needed = static_cast<size_t>(at) + value.size();
  if (s->size() < needed) s->resize(needed, '\0');
  std::memcpy(s->data() + at, value.data(), value.size());
  ++ctx.ks->dirty;
  ctx.reply->AddInteger(static_cast<int64_t>(s->size()));
}

}  // namespace

void RegisterStringCommands(CommandTable& table) {
  constexpr const char* kRangeComplexity =
      "O(N) where N is the length of the returned string. The complexity is ultimately determined "
      "by the returned length, but because creating a substring from an existing string is very "
      "cheap, it can be considered O(1) for small strings.";
  AddCommands(
      table, "string",
      {
          {.name = "get",
           .arity = 2,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = GetCommand,
           .since = "1.0.0",
           .summary = "Get the value of a key",
           .complexity = "O(1)",
           .syntax = "key"},
          {.name = "getdel",
           .arity = 2,
           .flags = kCmdWrite | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = GetDelCommand,
           .since = "6.2.0",
           .summary = "Get the value of a key and delete the key",
           .complexity = "O(1)",
           .syntax = "key",
           .key_flags = kKeyRW | kKeyAccess | kKeyDelete},
          {.name = "mget",
           .arity = -2,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = -1,
           .key_step = 1,
           .handler = MGetCommand,
           .since = "1.0.0",
           .summary = "Get the values of all the given keys",
           .complexity = "O(N) where N is the number of keys to retrieve.",
           .syntax = "key [key ...]",
           .tips = "request_policy:multi_shard"},
          {.name = "strlen",
           .arity = 2,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = StrLenCommand,
           .since = "2.2.0",
           .summary = "Get the length of the value stored in a key",
           .complexity = "O(1)",
           .syntax = "key",
           .key_flags = kKeyRO},
          {.name = "getrange",
           .arity = 4,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = GetRangeCommand,
           .since = "2.4.0",
           .summary = "Get a substring of the string stored at a key",
           .complexity = kRangeComplexity,
           .syntax = "key start end"},
          {.name = "substr",
           .arity = 4,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = GetRangeCommand,
           .since = "1.0.0",
           .summary = "Get a substring of the string stored at a key",
           .complexity = kRangeComplexity,
           .syntax = "key start end",
           .doc_flags = kDocDeprecated,
           .deprecated_since = "2.0.0",
           .replaced_by = "`GETRANGE`"},
          {.name = "append",
           .arity = 3,
           .flags = kCmdWrite | kCmdDenyOom | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = AppendCommand,
           .since = "2.0.0",
           .summary = "Append a value to a key",
           .complexity =
               "O(1). The amortized time complexity is O(1) assuming the appended value is small "
               "and the already present value is of any size, since the dynamic string library "
               "used by Redis will double the free space available on every reallocation.",
           .syntax = "key value",
           .key_flags = kKeyRW | kKeyInsert},
          {.name = "setrange",
           .arity = 4,
           .flags = kCmdWrite | kCmdDenyOom,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = SetRangeCommand,
           .since = "2.2.0",
           .summary = "Overwrite part of a string at key starting at the specified offset",
           .complexity =
               "O(1), not counting the time taken to copy the new string in place. Usually, this "
               "string is very small so the amortized complexity is O(1). Otherwise, complexity "
               "is O(M) with M being the length of the value argument.",
           .syntax = "key offset value"},
      });
  string_family::RegisterStringSetCommands(table);
  string_family::RegisterStringIncrCommands(table);
}

}  // namespace keel::engine
