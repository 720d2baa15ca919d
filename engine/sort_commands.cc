// SORT and SORT_RO (Redis's sort.c): the elements of a list, set or sorted set, sorted by their
// own value or by external keys (BY pattern, with "->field" for hashes), numerically or ALPHA,
// a LIMIT window, values fetched through GET patterns, optionally stored as a list (STORE).
//
// The details follow Redis 7.0 so results match it byte for byte: patterns are C strings (the
// first '*' and "->" are searched for before any NUL byte), numeric scores are strtod's (an empty
// string is 0; trailing bytes, overflow and NaN are errors), equal scores fall back to comparing
// the elements byte-wise, ALPHA compares with strcoll (the server sets LC_COLLATE from the
// environment, as Redis does) except under STORE, where it is byte-wise, and the sort is stable,
// as glibc's qsort is for Redis. A sorted set is converted to its skiplist encoding first, as
// Redis does destructively.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/commands.h"
#include "engine/db.h"
#include "engine/hash_object.h"
#include "engine/keyspace.h"
#include "engine/list_object.h"
#include "engine/parse.h"
#include "engine/set_object.h"
#include "engine/zset_object.h"

namespace keel::engine {

namespace {

// The bytes of `s` up to its first NUL: what Redis's strchr/strstr on an sds see.
std::string_view CString(std::string_view s) {
  size_t nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

// Redis's lookupKeyByPattern: "#" is the element itself; otherwise the first '*' is replaced by
// the element, and "->field" after it names a hash field. Returns nothing when the pattern has no
// '*', the key is missing or of the wrong type, or the field is missing.
std::optional<std::string> LookupByPattern(Db* db, std::string_view pattern,
                                           std::string_view element) {
  const std::string_view c_pattern = CString(pattern);
  if (c_pattern == "#") return std::string(element);
  const size_t star = c_pattern.find('*');
  if (star == std::string_view::npos) return std::nullopt;

  size_t field_len = 0;
  std::string_view field;
  if (size_t arrow = c_pattern.find("->", star + 1);
      arrow != std::string_view::npos && arrow + 2 < c_pattern.size()) {
    field_len = pattern.size() - arrow - 2;
    field = pattern.substr(arrow + 2);
  }
  const size_t postfix_len = pattern.size() - (star + 1) - (field_len ? field_len + 2 : 0);
  std::string key;
  key.reserve(star + element.size() + postfix_len);
  key.append(pattern.substr(0, star));
  key.append(element);
  key.append(pattern.substr(star + 1, postfix_len));

  Entry* e = db->LookupRead(key);
  if (e == nullptr) return std::nullopt;
  char buf[24];
  if (field_len != 0) {
    if (e->type() != ObjType::kHash) return std::nullopt;
    std::optional<std::string_view> v = e->As<HashObject>()->Get(field, buf);
    if (!v) return std::nullopt;
    return std::string(*v);
  }
  if (e->type() != ObjType::kString) return std::nullopt;
  return std::string(e->StringBytes(buf));
}

struct SortItem {
  explicit SortItem(std::string e) : element(std::move(e)) {}
  std::string element;
  double score = 0;
  std::optional<std::string> by;  // ALPHA with BY: the value compared (absent sorts first)
};

// Redis's compareStringObjects: byte-wise, then by length.
int CompareBytes(std::string_view a, std::string_view b) {
  int cmp = a.compare(b);
  return cmp < 0 ? -1 : (cmp > 0 ? 1 : 0);
}

struct SortOptions {
  bool desc = false;
  bool alpha = false;
  bool store = false;
  bool by_pattern = false;
};

// Redis's sortCompare.
int Compare(const SortItem& a, const SortItem& b, const SortOptions& o) {
  int cmp;
  if (!o.alpha) {
    if (a.score > b.score) {
      cmp = 1;
    } else if (a.score < b.score) {
      cmp = -1;
    } else {
      cmp = CompareBytes(a.element, b.element);
    }
  } else if (o.by_pattern) {
    if (!a.by || !b.by) {
      cmp = a.by.has_value() == b.by.has_value() ? 0 : (!a.by ? -1 : 1);
    } else if (o.store) {
      cmp = CompareBytes(*a.by, *b.by);
    } else {
      cmp = std::strcoll(a.by->c_str(), b.by->c_str());
    }
  } else if (o.store) {
    cmp = CompareBytes(a.element, b.element);
  } else {
    cmp = std::strcoll(a.element.c_str(), b.element.c_str());
  }
  return o.desc ? -cmp : cmp;
}

// Redis's numeric sort key: strtod over the C string, which must be consumed whole.
bool NumericScore(const std::string& s, double* out) {
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(s.c_str(), &end);
  return end[0] == '\0' && errno != ERANGE && !std::isnan(*out);
}

struct SortArgs {
  SortOptions opts;
  bool dontsort = false;
  int64_t limit_start = 0;
  int64_t limit_count = -1;
  std::optional<std::string_view> by;
  std::vector<std::string_view> gets;
  std::optional<std::string_view> store;
};

bool ParseSortArgs(CommandContext& ctx, bool readonly, SortArgs* a) {
  for (size_t j = 2; j < ctx.argc(); j++) {
    const std::string_view opt = ctx.arg(j);
    const size_t left = ctx.argc() - j - 1;
    if (EqualsIgnoreCase(opt, "asc")) {
      a->opts.desc = false;
    } else if (EqualsIgnoreCase(opt, "desc")) {
      a->opts.desc = true;
    } else if (EqualsIgnoreCase(opt, "alpha")) {
      a->opts.alpha = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      std::optional<int64_t> start = ParseInt64(ctx.arg(j + 1));
      std::optional<int64_t> count = start ? ParseInt64(ctx.arg(j + 2)) : std::nullopt;
      if (!count) {
        ctx.reply->AddError(kErrNotInteger);
        return false;
      }
      a->limit_start = *start;
      a->limit_count = *count;
      j += 2;
    } else if (EqualsIgnoreCase(opt, "store") && left >= 1 && !readonly) {
      a->store = ctx.arg(j + 1);
      j++;
    } else if (EqualsIgnoreCase(opt, "by") && left >= 1) {
      a->by = ctx.arg(j + 1);
      // A pattern without '*' names no key per element: nothing to sort by.
      a->dontsort = CString(*a->by).find('*') == std::string_view::npos;
      j++;
    } else if (EqualsIgnoreCase(opt, "get") && left >= 1) {
      a->gets.push_back(ctx.arg(j + 1));
      j++;
    } else {
      ctx.reply->AddError(kErrSyntax);
      return false;
    }
  }
  a->opts.store = a->store.has_value();
  return true;
}

// Loads the elements of `obj` into `items`. With `dontsort`, lists and sorted sets keep their
// order (reversed by DESC) and only the LIMIT window [*start, *end] is loaded, which then becomes
// [0, n-1].
void LoadElements(Entry* e, bool dontsort, bool desc, int64_t* start, int64_t* end,
                  std::vector<SortItem>* items) {
  char buf[24];
  switch (e->type()) {
    case ObjType::kList: {
      ListObject* list = e->As<ListObject>();
      const auto len = static_cast<int64_t>(list->Size());
      if (dontsort) {
        if (*end < *start) return;
        const int64_t first = desc ? len - *start - 1 : *start;
        auto it = list->IteratorAt(
            first, desc ? ListObject::Direction::kBackward : ListObject::Direction::kForward);
        ListValue v;
        const int64_t want = *end - *start + 1;
        while (static_cast<int64_t>(items->size()) < want && it.Next(&v)) {
          items->emplace_back(std::string(v.Bytes(buf)));
        }
        *end -= *start;
        *start = 0;
        return;
      }
      items->reserve(static_cast<size_t>(len));
      list->ForEach([&](const ListValue& v) { items->emplace_back(std::string(v.Bytes(buf))); });
      return;
    }
    case ObjType::kSet:
      items->reserve(e->As<SetObject>()->Size());
      e->As<SetObject>()->ForEach([&](const SetMember& m) {
        items->emplace_back(m.ToString());
        return true;
      });
      return;
    case ObjType::kZSet: {
      ZSetObject* zset = e->As<ZSetObject>();
      const auto len = static_cast<int64_t>(zset->Size());
      if (dontsort) {
        const int64_t want = *end - *start + 1;
        if (want > 0) {
          ZSetCursor c = zset->AtRank(static_cast<size_t>(desc ? len - 1 - *start : *start));
          for (int64_t i = 0; i < want && c.valid(); i++) {
            items->emplace_back(std::string(c.Member(buf)));
            if (desc) {
              c.Prev();
            } else {
              c.Next();
            }
          }
        }
        *end -= *start;
        *start = 0;
        return;
      }
      items->reserve(static_cast<size_t>(len));
      for (ZSetCursor c = zset->Begin(); c.valid(); c.Next()) {
        items->emplace_back(std::string(c.Member(buf)));
      }
      return;
    }
    default:
      return;
  }
}

// Sets each item's sort key (BY value or the element); false when a numeric key is not a number.
bool LoadSortKeys(Db* db, const SortArgs& a, std::vector<SortItem>* items) {
  bool ok = true;
  for (SortItem& item : *items) {
    std::optional<std::string> by;
    if (a.by) {
      by = LookupByPattern(db, *a.by, item.element);
      if (!by) continue;
    }
    if (a.opts.alpha) {
      if (a.by) item.by = std::move(by);
    } else if (!NumericScore(by ? *by : item.element, &item.score)) {
      ok = false;
    }
  }
  return ok;
}

void SortGeneric(CommandContext& ctx, bool readonly) {
  SortArgs a;
  if (!ParseSortArgs(ctx, readonly, &a)) return;

  Entry* e = ctx.db->LookupRead(ctx.arg(1));
  if (e != nullptr && e->type() != ObjType::kList && e->type() != ObjType::kSet &&
      e->type() != ObjType::kZSet) {
    ctx.reply->AddError(kErrWrongType);
    return;
  }
  // An unsorted set would come out in table order: under STORE it is sorted ALPHA instead, so the
  // stored list does not depend on the set's internals.
  if (a.dontsort && e != nullptr && e->type() == ObjType::kSet && a.store) {
    a.dontsort = false;
    a.opts.alpha = true;
    a.by.reset();
  }
  a.opts.by_pattern = a.by.has_value();
  if (e != nullptr && e->type() == ObjType::kZSet) e->As<ZSetObject>()->ConvertToSkiplist();

  const int64_t len = e == nullptr ? 0 : static_cast<int64_t>(e->object()->Size());
  // LIMIT's window, clamped as Redis does; the arithmetic saturates instead of overflowing.
  int64_t start = a.limit_start < 0 ? 0 : a.limit_start;
  int64_t end;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  } else if (a.limit_count < 0 || a.limit_count >= len - start) {
    end = len - 1;
  } else {
    end = start + a.limit_count - 1;
  }

  std::vector<SortItem> items;
  if (e != nullptr) LoadElements(e, a.dontsort, a.opts.desc, &start, &end, &items);
  e = nullptr;  // pattern lookups below may reclaim expired keys

  bool numbers_ok = true;
  if (!a.dontsort) {
    numbers_ok = LoadSortKeys(ctx.db, a, &items);
    std::stable_sort(items.begin(), items.end(), [&](const SortItem& x, const SortItem& y) {
      return Compare(x, y, a.opts) < 0;
    });
  }

  const int64_t rows = end - start + 1;
  const int64_t output_len = a.gets.empty() ? rows : static_cast<int64_t>(a.gets.size()) * rows;
  if (!numbers_ok) {
    ctx.reply->AddError("One or more scores can't be converted into double");
    return;
  }
  if (!a.store) {
    ctx.reply->AddArrayHeader(static_cast<uint64_t>(output_len));
    for (int64_t j = start; j <= end; j++) {
      const std::string& element = items[static_cast<size_t>(j)].element;
      if (a.gets.empty()) ctx.reply->AddBulk(element);
      for (std::string_view pattern : a.gets) {
        std::optional<std::string> v = LookupByPattern(ctx.db, pattern, element);
        if (v) {
          ctx.reply->AddBulk(*v);
        } else {
          ctx.reply->AddNullBulk();
        }
      }
    }
    return;
  }

  auto list = std::make_unique<ListObject>(ctx.ks->limits);
  for (int64_t j = start; j <= end; j++) {
    const std::string& element = items[static_cast<size_t>(j)].element;
    if (a.gets.empty()) list->Push(ListObject::End::kTail, element);
    for (std::string_view pattern : a.gets) {
      std::optional<std::string> v = LookupByPattern(ctx.db, pattern, element);
      list->Push(ListObject::End::kTail, v ? std::string_view(*v) : std::string_view());
    }
  }
  if (output_len > 0) {
    ctx.db->LookupWrite(*a.store);
    ctx.db->SetObject(*a.store, ObjType::kList, std::move(list));
    ctx.ks->dirty += static_cast<uint64_t>(output_len);
  } else if (ctx.db->Delete(*a.store)) {
    ctx.ks->dirty++;
  }
  ctx.reply->AddInteger(output_len);
}

void SortCommand(CommandContext& ctx) { SortGeneric(ctx, false); }
void SortRoCommand(CommandContext& ctx) { SortGeneric(ctx, true); }

const char* const kComplexity =
    "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
    "number of returned elements. When the elements are not sorted, complexity is O(N).";

KeySpec SortedKeySpec() {
  return {.flags = kKeyRO | kKeyAccess, .begin_index = 1, .last_key = 0, .key_step = 1};
}

KeySpec PatternKeySpec() {
  return {.notes = "For the optional BY/GET keyword. It is marked 'unknown' because the key names "
                   "derive from the content of the key we sort",
          .flags = kKeyRO | kKeyAccess,
          .find = KeySpec::kUnknown};
}

}  // namespace

void RegisterSortCommands(CommandTable& table) {
  AddCommands(
      table, "generic",
      {
          {.name = "sort",
           .arity = -2,
           .flags = kCmdWrite | kCmdDenyOom,
           .handler = SortCommand,
           .since = "1.0.0",
           .summary = "Sort the elements in a list, set or sorted set",
           .complexity = kComplexity,
           .syntax = "key [BY pattern#1] [LIMIT <offset_count: offset count>] "
                     "[GET pattern#1 [GET pattern ...]] [order: ASC | DESC] [sorting: ALPHA] "
                     "[STORE destination#2]",
           .key_specs = {SortedKeySpec(), PatternKeySpec(),
                         {.notes = "For the optional STORE keyword. It is marked 'unknown' because "
                                   "the keyword can appear anywhere in the argument array",
                          .flags = kKeyOW | kKeyUpdate,
                          .find = KeySpec::kUnknown}}},
          {.name = "sort_ro",
           .arity = -2,
           .flags = kCmdReadOnly,
           .handler = SortRoCommand,
           .since = "7.0.0",
           .summary = "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
           .complexity = kComplexity,
           .syntax = "key [BY pattern#1] [LIMIT <offset_count: offset count>] "
                     "[GET pattern#1 [GET pattern ...]] [order: ASC | DESC] [sorting: ALPHA]",
           .key_specs = {SortedKeySpec(), PatternKeySpec()}},
      });
}

}  // namespace keel::engine
