// Command table bookkeeping: case-insensitive lookup and subcommand wiring.
#include "engine/command.h"

#include <cassert>

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
}  // namespace

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
  spec.handler = s.handler;
  spec.group = group;
  spec.since = s.since;
  spec.summary = s.summary;
  spec.complexity = s.complexity;
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

}  // namespace keel::engine
