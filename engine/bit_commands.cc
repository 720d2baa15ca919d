// The bitmap command family: SETBIT, GETBIT, BITCOUNT, BITPOS and BITOP over string values, with
// Redis 7.0's argument rules (BYTE|BIT ranges, offsets bounded by proto-max-bulk-len). The bit
// arithmetic itself lives in bit_ops.cc.
#include <optional>
#include <string>
#include <vector>

#include "engine/bit_ops.h"
#include "engine/commands.h"
#include "engine/keyspace.h"
#include "engine/parse.h"
#include "engine/string_family.h"

namespace keel::engine {

namespace {

using string_family::CheckString;

constexpr std::string_view kErrBitOffset = "bit offset is not an integer or out of range";

// A bit offset must address a byte below proto-max-bulk-len, so SETBIT can never be asked to
// build a string larger than the limit (the largest accepted offset is 2^32-1 by default).
std::optional<uint64_t> ParseBitOffset(CommandContext& ctx, std::string_view arg) {
  std::optional<int64_t> v = ParseInt64(arg);
  if (!v || *v < 0 || (*v >> 3) >= ctx.ks->proto_max_bulk_len) {
    ctx.reply->AddError(kErrBitOffset);
    return std::nullopt;
  }
  return static_cast<uint64_t>(*v);
}

void SetBitCommand(CommandContext& ctx) {
  std::optional<uint64_t> offset = ParseBitOffset(ctx, ctx.arg(2));
  if (!offset) return;
  std::optional<int64_t> on = ParseInt64(ctx.arg(3));
  if (!on || (*on & ~int64_t{1}) != 0) {
    ctx.reply->AddError("bit is not an integer or out of range");
    return;
  }
  std::string_view key = ctx.arg(1);
  Entry* e = ctx.db->LookupWrite(key);
  if (!CheckString(ctx, e)) return;
  // The value becomes raw even when the bit does not change, as Redis unshares it first.
  std::string* s =
      e == nullptr ? string_family::StoreRawString(ctx.db, key) : ctx.db->MutableString(e);
  const size_t byte = static_cast<size_t>(*offset >> 3);
  bool changed = e == nullptr;
  if (s->size() <= byte) {
    s->resize(byte + 1, '\0');
    changed = true;
  }
  const int shift = 7 - static_cast<int>(*offset & 7);
  auto& cell = reinterpret_cast<unsigned char&>((*s)[byte]);
  const int old = (cell >> shift) & 1;
  if (old != *on) {
    cell =
        static_cast<unsigned char>((cell & ~(1u << shift)) | (static_cast<unsigned>(*on) << shift));
    changed = true;
  }
  // Rewriting a bit with its own value is not a change (no dirty, nothing to persist).
  if (changed) ++ctx.ks->dirty;
  ctx.reply->AddInteger(old);
}

void GetBitCommand(CommandContext& ctx) {
  std::optional<uint64_t> offset = ParseBitOffset(ctx, ctx.arg(2));
  if (!offset) return;
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (!CheckString(ctx, e)) return;
  int bit = 0;
  if (e != nullptr) {
    char buf[24];
    std::string_view s = e->StringBytes(buf);
    const size_t byte = static_cast<size_t>(*offset >> 3);
    if (byte < s.size()) {
      bit = (static_cast<unsigned char>(s[byte]) >> (7 - (*offset & 7))) & 1;
    }
  }
  ctx.reply->AddInteger(bit);
}

// Resolves a BITCOUNT/BITPOS range against a string of `len` bytes: negative indexes count from
// the end, then both ends are clamped into the string. Returns the inclusive bit range, or
// nullopt when it is empty.
struct BitRange {
  uint64_t first;
  uint64_t last;
};
std::optional<BitRange> ResolveRange(int64_t start, int64_t end, bool in_bits, size_t len) {
  const int64_t total = static_cast<int64_t>(len) * (in_bits ? 8 : 1);
  if (start < 0) start += total;
  if (end < 0) end += total;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  if (start > end) return std::nullopt;
  const auto first = static_cast<uint64_t>(start);
  const auto last = static_cast<uint64_t>(end);
  if (in_bits) return BitRange{first, last};
  return BitRange{first * 8, last * 8 + 7};
}

// BYTE or BIT; replies a syntax error and returns nullopt for anything else.
std::optional<bool> ParseRangeUnit(CommandContext& ctx, std::string_view arg) {
  if (EqualsIgnoreCase(arg, "bit")) return true;
  if (EqualsIgnoreCase(arg, "byte")) return false;
  ctx.reply->AddError(kErrSyntax);
  return std::nullopt;
}

// A missing key counts 0 before the arguments are even looked at, as in Redis.
void BitCountCommand(CommandContext& ctx) {
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddInteger(0);
    return;
  }
  if (!CheckString(ctx, e)) return;
  char buf[24];
  std::string_view s = e->StringBytes(buf);
  if (ctx.argc() == 2) {
    ctx.reply->AddInteger(static_cast<int64_t>(PopCount(s)));
    return;
  }
  if (ctx.argc() != 4 && ctx.argc() != 5) {
    ctx.reply->AddError(kErrSyntax);
    return;
  }
  std::optional<int64_t> start = ParseInt64(ctx.arg(2));
  std::optional<int64_t> end = start ? ParseInt64(ctx.arg(3)) : std::nullopt;
  if (!end) {
    ctx.reply->AddError(kErrNotInteger);
    return;
  }
  // A reversed negative range is empty whatever the unit, and is answered before the unit is
  // parsed (BITCOUNT k -1 -2 FOO is 0, not a syntax error).
  if (*start < 0 && *end < 0 && *start > *end) {
    ctx.reply->AddInteger(0);
    return;
  }
  bool in_bits = false;
  if (ctx.argc() == 5) {
    std::optional<bool> unit = ParseRangeUnit(ctx, ctx.arg(4));
    if (!unit) return;
    in_bits = *unit;
  }
  std::optional<BitRange> range = ResolveRange(*start, *end, in_bits, s.size());
  ctx.reply->AddInteger(range ? static_cast<int64_t>(CountBitsInRange(s, range->first, range->last))
                              : 0);
}

void BitPosCommand(CommandContext& ctx) {
  std::optional<int64_t> bit = ParseInt64(ctx.arg(2));
  if (!bit) {
    ctx.reply->AddError(kErrNotInteger);
    return;
  }
  if (*bit != 0 && *bit != 1) {
    ctx.reply->AddError("The bit argument must be 1 or 0.");
    return;
  }
  // A missing key is an endless run of zeros.
  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddInteger(*bit ? -1 : 0);
    return;
  }
  if (!CheckString(ctx, e)) return;
  char buf[24];
  std::string_view s = e->StringBytes(buf);
  const size_t argc = ctx.argc();
  int64_t start = 0;
  int64_t end = static_cast<int64_t>(s.size()) - 1;
  bool in_bits = false;
  bool end_given = false;
  if (argc > 6) {
    ctx.reply->AddError(kErrSyntax);
    return;
  }
  if (argc >= 4) {
    std::optional<int64_t> v = ParseInt64(ctx.arg(3));
    if (!v) {
      ctx.reply->AddError(kErrNotInteger);
      return;
    }
    start = *v;
    // The unit is checked before the end index is parsed.
    if (argc == 6) {
      std::optional<bool> unit = ParseRangeUnit(ctx, ctx.arg(5));
      if (!unit) return;
      in_bits = *unit;
    }
    if (argc >= 5) {
      v = ParseInt64(ctx.arg(4));
      if (!v) {
        ctx.reply->AddError(kErrNotInteger);
        return;
      }
      end = *v;
      end_given = true;
    }
  }
  std::optional<BitRange> range = ResolveRange(start, end, in_bits, s.size());
  if (!range) {
    ctx.reply->AddInteger(-1);  // an empty range holds neither a 0 nor a 1
    return;
  }
  int64_t pos = FindFirstBit(s, range->first, range->last, *bit == 1);
  // Looking for a 0 without an explicit end treats the string as padded with zeros, so the answer
  // is the first bit past the range (the end of the string). With an explicit end, it is -1.
  if (pos < 0 && *bit == 0 && !end_given) pos = static_cast<int64_t>(range->last + 1);
  ctx.reply->AddInteger(pos);
}

void BitOpCommand(CommandContext& ctx) {
  std::string_view name = ctx.arg(1);
  BitOp op;
  if (EqualsIgnoreCase(name, "and")) {
    op = BitOp::kAnd;
  } else if (EqualsIgnoreCase(name, "or")) {
    op = BitOp::kOr;
  } else if (EqualsIgnoreCase(name, "xor")) {
    op = BitOp::kXor;
  } else if (EqualsIgnoreCase(name, "not")) {
    op = BitOp::kNot;
  } else {
    ctx.reply->AddError(kErrSyntax);
    return;
  }
  if (op == BitOp::kNot && ctx.argc() != 4) {
    ctx.reply->AddError("BITOP NOT must be called with a single source key.");
    return;
  }
  const size_t num_keys = ctx.argc() - 3;
  // First pass: the lookups proper (statistics, lazy expiry, type check). Expiring one key
  // changes the Db, so the values are collected only afterwards, through Find, which changes
  // nothing and sees exactly the keys that survived.
  for (size_t i = 0; i < num_keys; ++i) {
    if (!CheckString(ctx, ctx.db->LookupRead(ctx.arg(3 + i)))) return;
  }
  struct IntText {
    char buf[24];
  };
  std::vector<IntText> texts(num_keys);
  std::vector<std::string_view> sources(num_keys);
  for (size_t i = 0; i < num_keys; ++i) {
    const Entry* e = ctx.db->Find(ctx.arg(3 + i));
    if (e != nullptr) sources[i] = e->StringBytes(texts[i].buf);
  }
  std::string result = ApplyBitOp(op, sources);
  std::string_view dest = ctx.arg(2);
  const auto len = static_cast<int64_t>(result.size());
  if (result.empty()) {
    // An empty result deletes the destination rather than storing an empty string.
    if (ctx.db->Delete(dest)) ++ctx.ks->dirty;
  } else {
    *string_family::StoreRawString(ctx.db, dest) = std::move(result);
    ++ctx.ks->dirty;
  }
  ctx.reply->AddInteger(len);
}

}  // namespace

void RegisterBitCommands(CommandTable& table) {
  AddCommands(
      table, "bitmap",
      {
          {.name = "setbit",
           .arity = 4,
           .flags = kCmdWrite | kCmdDenyOom,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = SetBitCommand,
           .since = "2.2.0",
           .summary = "Sets or clears the bit at offset in the string value stored at key",
           .complexity = "O(1)",
           .syntax = "key offset value:integer",
           .key_flags = kKeyRW | kKeyAccess | kKeyUpdate},
          {.name = "getbit",
           .arity = 3,
           .flags = kCmdReadOnly | kCmdFast,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = GetBitCommand,
           .since = "2.2.0",
           .summary = "Returns the bit value at offset in the string value stored at key",
           .complexity = "O(1)",
           .syntax = "key offset"},
          {.name = "bitcount",
           .arity = -2,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = BitCountCommand,
           .since = "2.6.0",
           .summary = "Count set bits in a string",
           .complexity = "O(N)",
           .syntax = "key [index: start end [index_unit@7.0.0: BYTE | BIT]]",
           .history = {{"7.0.0", "Added the `BYTE|BIT` option."}}},
          {.name = "bitpos",
           .arity = -3,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = BitPosCommand,
           .since = "2.8.7",
           .summary = "Find first bit set or clear in a string",
           .complexity = "O(N)",
           .syntax = "key bit [index: start [end_index: end [index_unit@7.0.0: BYTE | BIT]]]",
           .history = {{"7.0.0", "Added the `BYTE|BIT` option."}}},
          {.name = "bitop",
           .arity = -4,
           .flags = kCmdWrite | kCmdDenyOom,
           .handler = BitOpCommand,
           .since = "2.6.0",
           .summary = "Perform bitwise operations between strings",
           .complexity = "O(N)",
           .syntax = "operation destkey key [key ...]",
           .key_specs = {{.flags = kKeyOW | kKeyUpdate, .begin_index = 2},
                         {.flags = kKeyRO | kKeyAccess, .begin_index = 3, .last_key = -1}}},
      });
}

}  // namespace keel::engine
