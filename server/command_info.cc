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

// Redis's command flag names, in the order COMMAND INFO lists them.
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
    {engine::kCmdFast, "fast"},
    {engine::kCmdNoAuth, "no_auth"},
    {engine::kCmdMayReplicate, "may_replicate"},
    {engine::kCmdNoMulti, "no_multi"},
    {engine::kCmdAllowBusy, "allow_busy"},
};

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

// One begin_search/find_keys spec covering first_key..last_key by key_step, as Redis derives for
// its legacy key range. Keel's specs do not record how keys are used, so the flags follow the
// command's write/readonly flag.
void WriteKeySpecs(const CommandSpec& c, formats::ReplyWriter& r) {
  if (c.first_key <= 0) {
    r.AddSetHeader(0);
    return;
  }
  r.AddSetHeader(1);
  r.AddMapHeader(3);
  r.AddBulk("flags");
  r.AddSetHeader(2);
  bool write = (c.flags & engine::kCmdWrite) != 0;
  r.AddSimple(write ? "RW" : "RO");
  r.AddSimple(write ? "update" : "access");
  r.AddBulk("begin_search");
  r.AddMapHeader(2);
  r.AddBulk("type");
  r.AddBulk("index");
  r.AddBulk("spec");
  r.AddMapHeader(1);
  r.AddBulk("index");
  r.AddInteger(c.first_key);
  r.AddBulk("find_keys");
  r.AddMapHeader(2);
  r.AddBulk("type");
  r.AddBulk("range");
  r.AddBulk("spec");
  r.AddMapHeader(3);
  r.AddBulk("lastkey");
  // In a range spec a non-negative last key is relative to the first.
  r.AddInteger(c.last_key < 0 ? c.last_key : c.last_key - c.first_key);
  r.AddBulk("keystep");
  r.AddInteger(c.key_step);
  r.AddBulk("limit");
  r.AddInteger(0);
}

void WriteInfo(const CommandSpec& c, formats::ReplyWriter& r) {
  r.AddArrayHeader(10);
  r.AddBulk(c.FullName());
  r.AddInteger(c.arity);
  size_t nflags = 0;
  for (const FlagName& f : kFlagNames) nflags += (c.flags & f.flag) ? 1 : 0;
  r.AddSetHeader(nflags);
  for (const FlagName& f : kFlagNames) {
    if (c.flags & f.flag) r.AddSimple(f.name);
  }
  r.AddInteger(c.first_key);
  r.AddInteger(c.last_key);
  r.AddInteger(c.key_step);
  std::vector<std::string_view> cats = CommandAclCategories(c);
  r.AddSetHeader(cats.size());
  for (std::string_view cat : cats) r.AddSimple("@" + std::string(cat));
  r.AddSetHeader(0);  // tips: Keel has no cluster routing hints to give
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
