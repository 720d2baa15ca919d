// COMMAND, COMMAND INFO, COMMAND LIST and COMMAND COUNT: the command table's metadata in Redis
// 7.0's reply shapes, plus the ACL categories Redis derives for each command.
#include <cstdint>
#include <iterator>

#include "engine/glob.h"
#include "engine/parse.h"
#include "server/command_reply.h"

namespace keel::server {

namespace {

using engine::CommandSpec;

// Redis's command flag names, in the order COMMAND INFO lists them. may_replicate is left out:
// Redis keeps it internal.
struct FlagName {
  uint32_t flag;
  std::string_view name;
};
constexpr FlagName kFlagNames[] = {
    {engine::kCmdWrite, "write"},
    {engine::kCmdReadOnly, "readonly"},
    {engine::kCmdDenyOom, "denyoom"},
    {engine::kCmdAdmin, "admin"},
    {engine::kCmdPubSub, "pubsub"},
    {engine::kCmdNoScript, "noscript"},
    {engine::kCmdBlocking, "blocking"},
    {engine::kCmdLoading, "loading"},
    {engine::kCmdStale, "stale"},
    {engine::kCmdSkipMonitor, "skip_monitor"},
    {engine::kCmdSkipSlowlog, "skip_slowlog"},
    {engine::kCmdAsking, "asking"},
    {engine::kCmdFast, "fast"},
    {engine::kCmdNoAuth, "no_auth"},
    {engine::kCmdNoMandatoryKeys, "no_mandatory_keys"},
    {engine::kCmdNoAsyncLoading, "no_async_loading"},
    {engine::kCmdNoMulti, "no_multi"},
    {engine::kCmdMovableKeys, "movablekeys"},
    {engine::kCmdAllowBusy, "allow_busy"},
};

// Key spec flag names, in the order COMMAND INFO lists them.
constexpr FlagName kKeySpecFlagNames[] = {
    {engine::kKeyRO, "RO"},
    {engine::kKeyRW, "RW"},
    {engine::kKeyOW, "OW"},
    {engine::kKeyRM, "RM"},
    {engine::kKeyAccess, "access"},
    {engine::kKeyUpdate, "update"},
    {engine::kKeyInsert, "insert"},
    {engine::kKeyDelete, "delete"},
    {engine::kKeyNotKey, "not_key"},
    {engine::kKeyIncomplete, "incomplete"},
    {engine::kKeyVariableFlags, "variable_flags"},
};

// A set of simple strings, one per bit of `flags` that `names` knows.
template <size_t N>
void WriteFlagSet(uint32_t flags, const FlagName (&names)[N], formats::ReplyWriter& r) {
  size_t n = 0;
  for (const FlagName& f : names) n += (flags & f.flag) ? 1 : 0;
  r.AddSetHeader(n);
  for (const FlagName& f : names) {
    if (flags & f.flag) r.AddSimple(f.name);
  }
}

// ACL categories as bits, in Redis's order (the order COMMAND INFO lists them in).
constexpr std::string_view kCategoryNames[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting",
};
enum Category : uint32_t {
  kKeyspace = 1u << 0,
  kRead = 1u << 1,
  kWrite = 1u << 2,
  kSet = 1u << 3,
  kSortedSet = 1u << 4,
  kList = 1u << 5,
  kHash = 1u << 6,
  kString = 1u << 7,
  kBitmap = 1u << 8,
  kHyperLogLog = 1u << 9,
  kGeo = 1u << 10,
  kStream = 1u << 11,
  kPubSub = 1u << 12,
  kAdmin = 1u << 13,
  kFast = 1u << 14,
  kSlow = 1u << 15,
  kBlocking = 1u << 16,
  kDangerous = 1u << 17,
  kConnection = 1u << 18,
  kTransaction = 1u << 19,
  kScripting = 1u << 20,
};

// The category each documentation group implies. Server, pub/sub and cluster commands get theirs
// from flags alone.
uint32_t GroupCategory(std::string_view group) {
  struct Entry {
    std::string_view group;
    uint32_t category;
  };
  static constexpr Entry kGroups[] = {
      {"generic", kKeyspace},
      {"string", kString},
      {"bitmap", kBitmap},
      {"list", kList},
      {"hash", kHash},
      {"set", kSet},
      {"sorted-set", kSortedSet},
      {"hyperloglog", kHyperLogLog},
      {"geo", kGeo},
      {"stream", kStream},
      {"scripting", kScripting},
      {"transactions", kTransaction},
      {"connection", kConnection},
  };
  for (const Entry& e : kGroups) {
    if (e.group == group) return e.category;
  }
  return 0;
}

// Categories Redis assigns by hand rather than by flag or group. They apply to the command and
// all its subcommands; `replaces_group` drops the group's category.
struct CategoryOverride {
  std::string_view name;
  uint32_t add;
  bool replaces_group;
};
constexpr CategoryOverride kOverrides[] = {
    {"keys", kDangerous, false},
    {"flushdb", kKeyspace | kDangerous, false},
    {"flushall", kKeyspace | kDangerous, false},
    {"swapdb", kKeyspace | kDangerous, false},
    {"dbsize", kKeyspace, false},
    {"restore", kDangerous, false},
    {"migrate", kDangerous, false},
    {"info", kDangerous, false},
    {"lastsave", kAdmin | kDangerous, false},
    {"role", kAdmin | kDangerous, false},
    {"restore-asking", kKeyspace | kDangerous, false},
    {"asking", kConnection, false},
    {"readonly", kConnection, false},
    {"readwrite", kConnection, false},
    {"command", kConnection, false},
    {"wait", kConnection, true},
    {"sort", kSet | kSortedSet | kList | kDangerous, true},
    {"sort_ro", kSet | kSortedSet | kList | kDangerous, true},
};

uint32_t CategoryBits(const CommandSpec& cmd) {
  const CommandSpec* top = &cmd;
  while (top->parent != nullptr) top = top->parent;
  const CategoryOverride* over = nullptr;
  for (const CategoryOverride& o : kOverrides) {
    if (o.name == top->name) over = &o;
  }
  uint32_t cats = 0;
  // A container (CONFIG, CLIENT, OBJECT) carries no group category of its own; its subcommands do.
  if (cmd.subcommands.empty() && (over == nullptr || !over->replaces_group)) {
    std::string_view group = cmd.group;
    if (group.empty() && cmd.parent != nullptr) group = cmd.parent->group;
    cats |= GroupCategory(group);
  }
  if (over != nullptr) cats |= over->add;
  // Redis's implicit categories. Scripts that only read are not @read: @read promises no writes,
  // which a script cannot promise for what it calls.
  if (cmd.flags & engine::kCmdWrite) cats |= kWrite;
  if ((cmd.flags & engine::kCmdReadOnly) && !(cats & kScripting)) cats |= kRead;
  if (cmd.flags & engine::kCmdAdmin) cats |= kAdmin | kDangerous;
  if (cmd.flags & engine::kCmdPubSub) cats |= kPubSub;
  if (cmd.flags & engine::kCmdFast) cats |= kFast;
  if (cmd.flags & engine::kCmdBlocking) cats |= kBlocking;
  if (!(cats & kFast)) cats |= kSlow;
  return cats;
}

uint32_t CategoryByName(std::string_view name) {
  for (size_t i = 0; i < std::size(kCategoryNames); ++i) {
    if (engine::EqualsIgnoreCase(name, kCategoryNames[i])) return 1u << i;
  }
  return 0;
}

void WriteBeginSearch(const engine::KeySpec& k, formats::ReplyWriter& r) {
  r.AddMapHeader(2);
  r.AddBulk("type");
  if (!k.keyword.empty()) {
    r.AddBulk("keyword");
    r.AddBulk("spec");
    r.AddMapHeader(2);
    r.AddBulk("keyword");
    r.AddBulk(k.keyword);
    r.AddBulk("startfrom");
    r.AddInteger(k.startfrom);
  } else if (k.begin_index > 0) {
    r.AddBulk("index");
    r.AddBulk("spec");
    r.AddMapHeader(1);
    r.AddBulk("index");
    r.AddInteger(k.begin_index);
  } else {
    r.AddBulk("unknown");
    r.AddBulk("spec");
    r.AddMapHeader(0);
  }
}

void WriteFindKeys(const engine::KeySpec& k, formats::ReplyWriter& r) {
  r.AddMapHeader(2);
  r.AddBulk("type");
  switch (k.find) {
    case engine::KeySpec::kRange:
      r.AddBulk("range");
      r.AddBulk("spec");
      r.AddMapHeader(3);
      r.AddBulk("lastkey");
      r.AddInteger(k.last_key);
      r.AddBulk("keystep");
      r.AddInteger(k.key_step);
      r.AddBulk("limit");
      r.AddInteger(k.limit);
      return;
    case engine::KeySpec::kKeynum:
      r.AddBulk("keynum");
      r.AddBulk("spec");
      r.AddMapHeader(3);
      r.AddBulk("keynumidx");
      r.AddInteger(k.keynum_index);
      r.AddBulk("firstkey");
      r.AddInteger(k.first_key);
      r.AddBulk("keystep");
      r.AddInteger(k.key_step);
      return;
    case engine::KeySpec::kUnknown:
      r.AddBulk("unknown");
      r.AddBulk("spec");
      r.AddMapHeader(0);
      return;
  }
}

void WriteKeySpecs(const CommandSpec& c, formats::ReplyWriter& r) {
  r.AddSetHeader(c.key_specs.size());
  for (const engine::KeySpec& k : c.key_specs) {
    r.AddMapHeader(3 + int{!k.notes.empty()});
    if (!k.notes.empty()) {
      r.AddBulk("notes");
      r.AddBulk(k.notes);
    }
    r.AddBulk("flags");
    WriteFlagSet(k.flags, kKeySpecFlagNames, r);
    r.AddBulk("begin_search");
    WriteBeginSearch(k, r);
    r.AddBulk("find_keys");
    WriteFindKeys(k, r);
  }
}

void WriteInfo(const CommandSpec& c, formats::ReplyWriter& r) {
  r.AddArrayHeader(10);
  r.AddBulk(c.FullName());
  r.AddInteger(c.arity);
  WriteFlagSet(c.flags, kFlagNames, r);
  r.AddInteger(c.first_key);
  r.AddInteger(c.last_key);
  r.AddInteger(c.key_step);
  std::vector<std::string_view> cats = CommandAclCategories(c);
  r.AddSetHeader(cats.size());
  for (std::string_view cat : cats) r.AddSimple("@" + std::string(cat));
  r.AddSetHeader(c.tips.size());
  for (const std::string& tip : c.tips) r.AddBulk(tip);
  WriteKeySpecs(c, r);
  r.AddArrayHeader(c.subcommands.size());
  for (const CommandSpec& sub : c.subcommands) WriteInfo(sub, r);
}

struct ListFilter {
  enum Kind { kNone, kModule, kAclCat, kPattern } kind = kNone;
  std::string_view arg;
  uint32_t category = 0;

  bool Matches(const CommandSpec& c) const {
    switch (kind) {
      case kNone:
        return true;
      case kModule:
        return false;  // Keel loads no modules
      case kAclCat:
        return category != 0 && (CategoryBits(c) & category) != 0;
      case kPattern:
        return engine::GlobMatch(arg, c.FullName(), /*nocase=*/true);
    }
    return false;
  }
};

void CollectList(const CommandSpec& c, const ListFilter& filter, std::vector<std::string>* out) {
  if (filter.Matches(c)) out->push_back(c.FullName());
  for (const CommandSpec& sub : c.subcommands) CollectList(sub, filter, out);
}

}  // namespace

const CommandSpec* FindCommandByFullName(const engine::CommandTable& t, std::string_view name) {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return t.Find(name);
  const CommandSpec* parent = t.Find(name.substr(0, bar));
  return parent == nullptr ? nullptr : parent->FindSubcommand(name.substr(bar + 1));
}

std::vector<std::string_view> CommandAclCategories(const CommandSpec& cmd) {
  uint32_t bits = CategoryBits(cmd);
  std::vector<std::string_view> out;
  for (size_t i = 0; i < std::size(kCategoryNames); ++i) {
    if (bits & (1u << i)) out.push_back(kCategoryNames[i]);
  }
  return out;
}

void ReplyCommandInfo(const engine::CommandTable& t, std::span<const std::string_view> names,
                      formats::ReplyWriter& r) {
  if (names.empty()) {
    r.AddArrayHeader(t.size());
    for (const auto& c : t.commands()) WriteInfo(*c, r);
    return;
  }
  r.AddArrayHeader(names.size());
  for (std::string_view name : names) {
    const CommandSpec* c = FindCommandByFullName(t, name);
    if (c == nullptr) {
      r.AddNullBulk();  // Redis 7.0's RESP2 null for an unknown command
    } else {
      WriteInfo(*c, r);
    }
  }
}

void ReplyCommandList(const engine::CommandTable& t, std::span<const std::string_view> args,
                      formats::ReplyWriter& r) {
  ListFilter filter;
  if (!args.empty()) {
    // Redis accepts FILTERBY only as the last three arguments, so it appears at most once.
    if (args.size() != 3 || !engine::EqualsIgnoreCase(args[0], "filterby")) {
      r.AddError(engine::kErrSyntax);
      return;
    }
    if (engine::EqualsIgnoreCase(args[1], "module")) {
      filter.kind = ListFilter::kModule;
    } else if (engine::EqualsIgnoreCase(args[1], "aclcat")) {
      filter.kind = ListFilter::kAclCat;
      filter.category = CategoryByName(args[2]);  // unknown: matches nothing, as in Redis
    } else if (engine::EqualsIgnoreCase(args[1], "pattern")) {
      filter.kind = ListFilter::kPattern;
    } else {
      r.AddError(engine::kErrSyntax);
      return;
    }
    filter.arg = args[2];
  }
  std::vector<std::string> names;
  for (const auto& c : t.commands()) CollectList(*c, filter, &names);
  r.AddArrayHeader(names.size());
  for (const std::string& name : names) r.AddBulk(name);
}

void ReplyCommandCount(const engine::CommandTable& t, formats::ReplyWriter& r) {
  r.AddInteger(static_cast<int64_t>(t.size()));
}

}  // namespace keel::server
