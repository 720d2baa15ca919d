// The keyspace iteration commands: KEYS, SCAN and RANDOMKEY, with Redis 7.0's replies, errors,
// cursor rules and treatment of expired keys (KEYS skips them, SCAN reclaims them).
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/commands.h"
#include "engine/glob.h"
#include "engine/key_family.h"
#include "engine/keyspace.h"
#include "engine/parse.h"

namespace keel::engine {

namespace {

using key_family::LookupReadNoTouch;

// KEYS reports only live keys but leaves expired ones in place: deleting while iterating would
// change the table under the iteration.
void KeysCommand(CommandContext& ctx) {
  std::string_view pattern = ctx.arg(1);
  // A lone "*" matches every key, even the empty one that GlobMatch("*", "") rejects.
  const bool all_keys = pattern == "*";
  formats::ReplyWriter* reply = ctx.reply;
  const Db* db = ctx.db;
  size_t handle = reply->AddDeferredArrayHeader();
  uint64_t n = 0;
  db->ForEach([&](const Entry* e) {
    std::string_view key = e->key();
    if (!all_keys && !GlobMatch(pattern, key)) return;
    if (db->IsExpired(e)) return;
    reply->AddBulk(key);
    n++;
  });
  reply->SetDeferredArrayLength(handle, n);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type], Redis's algorithm: call Db::Scan until
// `count` keys are collected, the cursor returns to 0, or count*10 extra buckets were visited (a
// sparse table must not stall the loop); then filter by pattern, type and expiry. Filtering after
// collection is why a call may return fewer than COUNT keys, or none, before the end.
void ScanCommand(CommandContext& ctx) {
  std::optional<uint64_t> cursor = key_family::ParseScanCursor(ctx.arg(1));
  if (!cursor) {
    ctx.reply->AddError("invalid cursor");
    return;
  }
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
  std::string_view type_name;
  bool use_type = false;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    std::string_view opt = ctx.arg(i);
    const bool has_value = i + 1 < ctx.argc();
    if (has_value && EqualsIgnoreCase(opt, "count")) {
      std::optional<int64_t> v = ParseInt64(ctx.arg(i + 1));
      if (!v) {
        ctx.reply->AddError(kErrNotInteger);
        return;
      }
      if (*v < 1) {
        ctx.reply->AddError(kErrSyntax);
        return;
      }
      count = *v;
    } else if (has_value && EqualsIgnoreCase(opt, "match")) {
      pattern = ctx.arg(i + 1);
      use_pattern = pattern != "*";  // "*" matches everything, even the empty key
    } else if (has_value && EqualsIgnoreCase(opt, "type")) {
      type_name = ctx.arg(i + 1);
      use_type = true;
    } else {
      ctx.reply->AddError(kErrSyntax);
      return;
    }
  }

  std::vector<std::string> keys;
  const uint64_t want = static_cast<uint64_t>(count);
  // Redis computes count*10 in a long; Keel saturates instead of overflowing, which for a huge
  // COUNT means the same thing: scan until the cursor returns to 0.
  int64_t max_iterations = count > INT64_MAX / 10 ? INT64_MAX : count * 10;
  uint64_t next = *cursor;
  do {
    next = ctx.db->Scan(next, [&keys](const Entry* e) { keys.emplace_back(e->key()); });
  } while (next != 0 && max_iterations-- != 0 && keys.size() < want);

  size_t kept = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string& key = keys[i];
    if (use_pattern && !GlobMatch(pattern, key)) continue;
    if (use_type) {
      const Entry* e = LookupReadNoTouch(ctx, key);
      if (!EqualsIgnoreCase(type_name, e == nullptr ? "none" : TypeName(e->type()))) continue;
    }
    if (ctx.db->ExpireIfNeeded(key)) continue;
    if (kept != i) keys[kept] = std::move(keys[i]);
    kept++;
  }
  keys.resize(kept);

  ctx.reply->AddArrayHeader(2);
  char buf[24];
  int n = std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(next));
  ctx.reply->AddBulk(std::string_view(buf, static_cast<size_t>(n)));
  ctx.reply->AddArrayHeader(keys.size());
  for (const std::string& key : keys) ctx.reply->AddBulk(key);
}

void RandomKeyCommand(CommandContext& ctx) {
  const Entry* e = ctx.db->RandomEntry();
  if (e == nullptr) {
    ctx.reply->AddNullBulk();
  } else {
    ctx.reply->AddBulk(e->key());
  }
}

}  // namespace

namespace key_family {

// Redis parses the cursor with strtoul: a leading '+' or '-' is accepted ("-1" is 2^64-1), an
// empty string is 0, and leading space, trailing bytes or overflow are "invalid cursor".
std::optional<uint64_t> ParseScanCursor(std::string_view arg) {
  // strtoul stops at an embedded NUL exactly as it does in Redis's NUL-terminated argument.
  std::string text(arg);
  if (!text.empty() && std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return std::nullopt;
  return static_cast<uint64_t>(v);
}

void RegisterScanCommands(CommandTable& table) {
  AddCommands(
      table, "generic",
      {
          {.name = "keys",
           .arity = 2,
           .flags = kCmdReadOnly,
           .first_key = 0,
           .last_key = 0,
           .key_step = 0,
           .handler = KeysCommand,
           .since = "1.0.0",
           .summary = "Find all keys matching the given pattern",
           .complexity = "O(N) with N being the number of keys in the database, under the "
                         "assumption that the key names in the database and the given pattern "
                         "have limited length.",
           .syntax = "pattern",
           .tips = "request_policy:all_shards nondeterministic_output_order"},
          {.name = "scan",
           .arity = -2,
           .flags = kCmdReadOnly,
           .first_key = 0,
           .last_key = 0,
           .key_step = 0,
           .handler = ScanCommand,
           .since = "2.8.0",
           .summary = "Incrementally iterate the keys space",
           .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                         "command calls for the cursor to return back to 0. N is the number of "
                         "elements inside the collection.",
           .syntax = "cursor [MATCH pattern] [COUNT count] [TYPE@6.0.0 type]",
           .tips = "nondeterministic_output request_policy:special",
           .history = {{"6.0.0", "Added the `TYPE` subcommand."}}},
          {.name = "randomkey",
           .arity = 1,
           .flags = kCmdReadOnly,
           .first_key = 0,
           .last_key = 0,
           .key_step = 0,
           .handler = RandomKeyCommand,
           .since = "1.0.0",
           .summary = "Return a random key from the keyspace",
           .complexity = "O(1)",
           .syntax = "",
           .tips = "request_policy:all_shards nondeterministic_output"},
      });
}

}  // namespace key_family

}  // namespace keel::engine
