// The hash command family's read commands (HGET, HMGET, HLEN, HSTRLEN, HEXISTS, HKEYS, HVALS,
// HGETALL, HSCAN), the helpers the family shares, and RegisterHashCommands, which also registers
// the write and random groups from their own files.
#include <string>
#include <vector>

#include "engine/collection_scan.h"
#include "engine/commands.h"
#include "engine/db.h"
#include "engine/hash_family.h"

namespace keel::engine {

namespace hash_family {

bool CheckHash(CommandContext& ctx, const Entry* e) {
  if (e == nullptr || e->type() == ObjType::kHash) return true;
  ctx.reply->AddError(kErrWrongType);
  return false;
}

void AddArityError(CommandContext& ctx) {
  ctx.reply->AddError("wrong number of arguments for '" + ctx.cmd->FullName() + "' command");
}

}  // namespace hash_family

namespace {

using hash_family::CheckHash;
using hash_family::HashOf;

// Replies with the value of `field`, or a null bulk when the hash (nullptr: no key) lacks it.
void AddFieldReply(CommandContext& ctx, HashObject* h, std::string_view field) {
  char buf[24];
  std::optional<std::string_view> v = h == nullptr ? std::nullopt : h->Get(field, buf);
  if (v) {
    ctx.reply->AddBulk(*v);
  } else {
    ctx.reply->AddNullBulk();
  }
}

void HGetCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckHash(ctx, e)) return;
  AddFieldReply(ctx, HashOf(e), ctx.arg(2));
}

void HMGetCommand(CommandContext& ctx) {
  // A missing key is an empty hash: one null per field.
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckHash(ctx, e)) return;
  ctx.reply->AddArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); i++) AddFieldReply(ctx, HashOf(e), ctx.arg(i));
}

void HLenCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckHash(ctx, e)) return;
  ctx.reply->AddInteger(e == nullptr ? 0 : static_cast<int64_t>(HashOf(e)->Size()));
}

void HStrLenCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckHash(ctx, e)) return;
  char buf[24];
  std::optional<std::string_view> v = e == nullptr ? std::nullopt : HashOf(e)->Get(ctx.arg(2), buf);
  ctx.reply->AddInteger(v ? static_cast<int64_t>(v->size()) : 0);
}

void HExistsCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckHash(ctx, e)) return;
  ctx.reply->AddInteger(e != nullptr && HashOf(e)->Exists(ctx.arg(2)) ? 1 : 0);
}

enum GetAllParts { kFields = 1, kValues = 2 };

// Redis's genericHgetallCommand: fields, values or both, a listpack in insertion order.
void GetAll(CommandContext& ctx, int parts) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckHash(ctx, e)) return;
  if (e == nullptr) {
    ctx.reply->AddArrayHeader(0);
    return;
  }
  HashObject* h = HashOf(e);
  if (parts == (kFields | kValues)) {
    ctx.reply->AddMapHeader(h->Size());
  } else {
    ctx.reply->AddArrayHeader(h->Size());
  }
  h->ForEach([&](std::string_view field, std::string_view value) {
    if (parts & kFields) ctx.reply->AddBulk(field);
    if (parts & kValues) ctx.reply->AddBulk(value);
  });
}

void HKeysCommand(CommandContext& ctx) { GetAll(ctx, kFields); }
void HValsCommand(CommandContext& ctx) { GetAll(ctx, kValues); }
void HGetAllCommand(CommandContext& ctx) { GetAll(ctx, kFields | kValues); }

void HScanCommand(CommandContext& ctx) {
  const Entry* e = nullptr;
  std::optional<CollectionScanOptions> o = ParseCollectionScan(ctx, ObjType::kHash, &e);
  if (!o) return;
  HashObject* h = HashOf(e);
  std::vector<std::string> items;
  auto add = [&](std::string_view field, std::string_view value) {
    items.emplace_back(field);
    items.emplace_back(value);
  };
  uint64_t cursor = 0;
  if (h->is_listpack()) {
    // A compact encoding is returned whole whatever the cursor, as Redis does.
    h->ForEach(add);
  } else {
    // Redis's loop: stop at the end, after the bound on buckets, or once COUNT pairs were
    // collected.
    const CollectionScanOptions pairs = o->ForPairs();
    cursor = o->cursor;
    int64_t max_iterations = pairs.max_iterations();
    do {
      cursor = h->Scan(cursor, add);
    } while (cursor != 0 && max_iterations-- > 0 &&
             items.size() < static_cast<uint64_t>(pairs.count));
  }
  AddCollectionScanReply(ctx, *o, cursor, items, 2);
}

}  // namespace

void RegisterHashCommands(CommandTable& table) {
  constexpr uint32_t kReadFast = kCmdReadOnly | kCmdFast;
  AddCommands(table, "hash",
              {
                  {.name = "hget",
                   .arity = 3,
                   .flags = kReadFast,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = HGetCommand,
                   .since = "2.0.0",
                   .summary = "Get the value of a hash field",
                   .complexity = "O(1)",
                   .syntax = "key field"},
                  {.name = "hmget",
                   .arity = -3,
                   .flags = kReadFast,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = HMGetCommand,
                   .since = "2.0.0",
                   .summary = "Get the values of all the given hash fields",
                   .complexity = "O(N) where N is the number of fields being requested.",
                   .syntax = "key field [field ...]"},
                  {.name = "hlen",
                   .arity = 2,
                   .flags = kReadFast,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = HLenCommand,
                   .since = "2.0.0",
                   .summary = "Get the number of fields in a hash",
                   .complexity = "O(1)",
                   .syntax = "key",
                   .key_flags = kKeyRO},
                  {.name = "hstrlen",
                   .arity = 3,
                   .flags = kReadFast,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = HStrLenCommand,
                   .since = "3.2.0",
                   .summary = "Get the length of the value of a hash field",
                   .complexity = "O(1)",
                   .syntax = "key field",
                   .key_flags = kKeyRO},
                  {.name = "hexists",
                   .arity = 3,
                   .flags = kReadFast,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = HExistsCommand,
                   .since = "2.0.0",
                   .summary = "Determine if a hash field exists",
                   .complexity = "O(1)",
                   .syntax = "key field",
                   .key_flags = kKeyRO},
                  {.name = "hkeys",
                   .arity = 2,
                   .flags = kCmdReadOnly,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = HKeysCommand,
                   .since = "2.0.0",
                   .summary = "Get all the fields in a hash",
                   .complexity = "O(N) where N is the size of the hash.",
                   .syntax = "key",
                   .tips = "nondeterministic_output_order"},
                  {.name = "hvals",
                   .arity = 2,
                   .flags = kCmdReadOnly,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = HValsCommand,
                   .since = "2.0.0",
                   .summary = "Get all the values in a hash",
                   .complexity = "O(N) where N is the size of the hash.",
                   .syntax = "key",
                   .tips = "nondeterministic_output_order"},
                  {.name = "hgetall",
                   .arity = 2,
                   .flags = kCmdReadOnly,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = HGetAllCommand,
                   .since = "2.0.0",
                   .summary = "Get all the fields and values in a hash",
                   .complexity = "O(N) where N is the size of the hash.",
                   .syntax = "key",
                   .tips = "nondeterministic_output_order"},
                  {.name = "hscan",
                   .arity = -3,
                   .flags = kCmdReadOnly,
                   .first_key = 1,
                   .last_key = 1,
                   .key_step = 1,
                   .handler = HScanCommand,
                   .since = "2.8.0",
                   .summary = "Incrementally iterate hash fields and associated values",
                   .complexity = "O(1) for every call. O(N) for a complete iteration, including "
                                 "enough command calls for the cursor to return back to 0. N is "
                                 "the number of elements inside the collection..",
                   .syntax = "key cursor [MATCH pattern] [COUNT count]",
                   .tips = "nondeterministic_output"},
              });
  hash_family::RegisterHashWriteCommands(table);
  hash_family::RegisterHashRandomCommands(table);
}

}  // namespace keel::engine
