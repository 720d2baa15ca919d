// Argument parsing and replies shared by HSCAN, SSCAN and ZSCAN (see collection_scan.h).
#include "engine/collection_scan.h"

#include <cstdio>

#include "engine/db.h"
#include "engine/glob.h"
#include "engine/key_family.h"
#include "engine/parse.h"

namespace keel::engine {

std::optional<CollectionScanOptions> ParseCollectionScan(CommandContext& ctx, ObjType type,
                                                         const Entry** entry) {
  std::optional<uint64_t> cursor = key_family::ParseScanCursor(ctx.arg(2));
  if (!cursor) {
    ctx.reply->AddError("invalid cursor");
    return std::nullopt;
  }
  const Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply->AddArrayHeader(2);
    ctx.reply->AddBulk("0");
    ctx.reply->AddArrayHeader(0);
    return std::nullopt;
  }
  if (e->type() != type) {
    ctx.reply->AddError(kErrWrongType);
    return std::nullopt;
  }
  CollectionScanOptions o;
  o.cursor = *cursor;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    std::string_view opt = ctx.arg(i);
    const bool has_value = i + 1 < ctx.argc();
    if (has_value && EqualsIgnoreCase(opt, "count")) {
      std::optional<int64_t> v = ParseInt64(ctx.arg(i + 1));
      if (!v) {
        ctx.reply->AddError(kErrNotInteger);
        return std::nullopt;
      }
      if (*v < 1) {
        ctx.reply->AddError(kErrSyntax);
        return std::nullopt;
      }
      o.count = *v;
    } else if (has_value && EqualsIgnoreCase(opt, "match")) {
      o.pattern = ctx.arg(i + 1);
      o.use_pattern = o.pattern != "*";
    } else {
      ctx.reply->AddError(kErrSyntax);
      return std::nullopt;
    }
  }
  *entry = e;
  return o;
}

void AddCollectionScanReply(CommandContext& ctx, const CollectionScanOptions& options,
                            uint64_t next_cursor, const std::vector<std::string>& items,
                            size_t stride) {
  size_t kept = 0;
  for (size_t i = 0; i < items.size(); i += stride) {
    if (!options.use_pattern || GlobMatch(options.pattern, items[i])) kept++;
  }
  ctx.reply->AddArrayHeader(2);
  char buf[24];
  int n = std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(next_cursor));
  ctx.reply->AddBulk(std::string_view(buf, static_cast<size_t>(n)));
  ctx.reply->AddArrayHeader(kept * stride);
  for (size_t i = 0; i < items.size(); i += stride) {
    if (options.use_pattern && !GlobMatch(options.pattern, items[i])) continue;
    for (size_t j = 0; j < stride; j++) ctx.reply->AddBulk(items[i + j]);
  }
}

}  // namespace keel::engine
