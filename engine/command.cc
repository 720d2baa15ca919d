// Command table bookkeeping: case-insensitive lookup, subcommand wiring, and completing each
// command's key metadata (legacy range <-> key specs) the way Redis 7.0 derives it.
#include "engine/command.h"

#include <algorithm>
#include <cctype>
#include <cassert>
#include <climits>

namespace keel::engine {

namespace {
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

void LinkChildren(CommandSpec* spec) {
  for (CommandSpec& sub : spec->subcommands) {
    sub.parent = spec;
    LinkChildren(&sub);
  }
}

bool IsPlainRange(const KeySpec& k) {
  return k.keyword.empty() && k.begin_index > 0 && k.find == KeySpec::kRange;
}

// The absolute position of a range spec's last key; negative ones count from the end.
int AbsoluteLastKey(const KeySpec& k) {
  return k.last_key >= 0 ? k.begin_index + k.last_key : k.last_key;
}

// The one range spec that says what a legacy range says.
KeySpec RangeSpec(uint32_t flags, int first_key, int last_key, int key_step) {
  KeySpec k;
  k.flags = flags;
  k.begin_index = first_key;
  k.last_key = last_key < 0 ? last_key : last_key - first_key;
  k.key_step = key_step;
  return k;
}

// Fills in whichever of the legacy range and the key specs the registration left out.
void CompleteKeyMetadata(CommandSpec* spec) {
  if (spec->key_specs.empty()) {
    if (spec->first_key > 0) {
      spec->key_specs.push_back(RangeSpec(DefaultKeySpecFlags(spec->flags), spec->first_key,
                                          spec->last_key, spec->key_step));
    }
  } else {
    LegacyKeyRange range = DeriveLegacyKeyRange(spec->key_specs);
    assert((spec->first_key == 0 ||
            (spec->first_key == range.first_key && spec->last_key == range.last_key &&
             spec->key_step == range.key_step)) &&
           "a legacy key range given with key specs must be the one they imply");
    spec->first_key = range.first_key;
    spec->last_key = range.last_key;
    spec->key_step = range.key_step;
    if (range.movable) spec->flags |= kCmdMovableKeys;
  }
  for (CommandSpec& sub : spec->subcommands) CompleteKeyMetadata(&sub);
}

std::vector<std::string> SplitWords(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t end = s.find(' ', i);
    if (end == std::string_view::npos) end = s.size();
    if (end > i) out.emplace_back(s.substr(i, end - i));
    i = end + 1;
  }
  return out;
}
}  // namespace

LegacyKeyRange DeriveLegacyKeyRange(const std::vector<KeySpec>& specs) {
  LegacyKeyRange out;
  if (specs.size() == 1 && IsPlainRange(specs[0])) {
    const KeySpec& k = specs[0];
    out.first_key = k.begin_index;
    out.last_key = AbsoluteLastKey(k);
    out.key_step = k.key_step;
    out.movable = (k.flags & kKeyIncomplete) != 0;
    return out;
  }
  // Several specs: the legacy range can only be one run of keys with step 1, so it covers the
  // plain ranges that continue one another and everything else makes the keys movable.
  int first = INT_MAX;
  int last = 0;
  for (const KeySpec& k : specs) {
    if (!IsPlainRange(k) || k.key_step != 1 || (last != 0 && last != k.begin_index - 1)) {
      out.movable = true;
      continue;
    }
    if (k.flags & kKeyIncomplete) out.movable = true;
    first = std::min(first, k.begin_index);
    // Compared unsigned, a last key counted from the end lies beyond every absolute one.
    int abs_last = AbsoluteLastKey(k);
    if (static_cast<unsigned>(abs_last) > static_cast<unsigned>(last)) last = abs_last;
  }
  if (first == INT_MAX) return out;
  out.first_key = first;
  out.last_key = last;
  out.key_step = 1;
  return out;
}

uint32_t DefaultKeySpecFlags(uint32_t command_flags) {
  return (command_flags & kCmdWrite) ? (kKeyRW | kKeyUpdate) : (kKeyRO | kKeyAccess);
}

std::string CommandSpec::FullName() const {
  return parent ? parent->FullName() + "|" + name : name;
}

const CommandSpec* CommandSpec::FindSubcommand(std::string_view sub) const {
  std::string lower = Lower(sub);
  for (const CommandSpec& s : subcommands) {
    if (s.name == lower) return &s;
  }
  return nullptr;
}

void CommandTable::Add(CommandSpec spec) {
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  CompleteKeyMetadata(owned.get());
  LinkChildren(owned.get());
  [[maybe_unused]] bool inserted = by_name_.emplace(owned->name, owned.get()).second;
  assert(inserted && "command registered twice");
  commands_.push_back(std::move(owned));
}

CommandSpec MakeSpec(const char* group, const SpecInit& s) {
  CommandSpec spec;
  spec.name = s.name;
  spec.arity = s.arity;
  spec.flags = s.flags;
  spec.first_key = s.first_key;
  spec.last_key = s.last_key;
  spec.key_step = s.key_step;
  spec.key_specs = s.key_specs;
  if (s.key_flags != 0) {
    assert(s.key_specs.empty() && s.first_key > 0 && "key_flags apply to the legacy range's spec");
    spec.key_specs.push_back(RangeSpec(s.key_flags, s.first_key, s.last_key, s.key_step));
  }
  spec.tips = SplitWords(s.tips);
  spec.handler = s.handler;
  spec.group = group;
  spec.since = s.since;
  spec.summary = s.summary;
  spec.complexity = s.complexity;
  spec.doc_flags = s.doc_flags;
  spec.deprecated_since = s.deprecated_since;
  spec.replaced_by = s.replaced_by;
  spec.history = s.history;
  spec.syntax = s.syntax;
  return spec;
}

void AddCommands(CommandTable& table, const char* group, std::initializer_list<SpecInit> specs) {
  for (const SpecInit& s : specs) table.Add(MakeSpec(group, s));
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  char buf[64];
  if (name.size() >= sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    buf[i] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  auto it = by_name_.find(std::string_view(buf, name.size()));
  return it == by_name_.end() ? nullptr : it->second;
}

namespace {

std::string UpperCommandName(std::string_view name) {
  std::string upper(name);
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return upper;
}

}  // namespace

void AddSubcommandSyntaxError(CommandContext& ctx) {
  ctx.reply->AddError("unknown subcommand or wrong number of arguments for '" +
                      std::string(ctx.arg(1).substr(0, 128)) + "'. Try " +
                      UpperCommandName(ctx.arg(0)) + " HELP.");
}

void AddHelpReply(CommandContext& ctx, std::span<const char* const> lines) {
  formats::ReplyWriter& r = *ctx.reply;
  r.AddArrayHeader(lines.size() + 3);
  r.AddSimple(UpperCommandName(ctx.arg(0)) +
              " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (const char* line : lines) r.AddSimple(line);
  r.AddSimple("HELP");
  r.AddSimple("    Prints this help.");
}

}  // namespace keel::engine
