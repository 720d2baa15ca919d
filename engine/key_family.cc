// Helpers shared by the generic key, expiry and database command families; see key_family.h.
#include "engine/key_family.h"

#include <climits>
#include <utility>

#include "engine/keyspace.h"
#include "engine/parse.h"

namespace keel::engine::key_family {

Entry* LookupReadNoTouch(CommandContext& ctx, std::string_view key) {
  Db* db = ctx.db;
  Entry* e = db->Find(key);
  if (e != nullptr && db->IsExpired(e)) {
    db->ExpireIfNeeded(key);  // reclaims it (unless expiry is paused), touching nothing else
    e = nullptr;
  }
  KeyspaceStats& stats = ctx.ks->stats();
  if (e == nullptr) {
    stats.keyspace_misses++;
  } else {
    stats.keyspace_hits++;
  }
  return e;
}

std::optional<int> ParseIntOrReply(CommandContext& ctx, std::string_view arg,
                                   std::string_view error) {
  std::optional<int64_t> v = ParseInt64(arg);
  if (!v) {
    ctx.reply->AddError(error.empty() ? kErrNotInteger : error);
    return std::nullopt;
  }
  if (*v < INT_MIN || *v > INT_MAX) {
    ctx.reply->AddError(error.empty()
                            ? "value is out of range, value must between -2147483648 and 2147483647"
                            : error);
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

}  // namespace keel::engine::key_family
