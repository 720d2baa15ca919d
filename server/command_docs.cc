// COMMAND DOCS: each command's documentation as Redis 7.0 sends it, with the argument trees parsed
// from CommandSpec::syntax (see command_syntax.cc). redis-cli 7.0 builds its help and its input
// hints from this reply alone, so its field types are load-bearing (see WriteArg).
#include <algorithm>

#include "server/command_reply.h"

namespace keel::server {

namespace {

using engine::CommandSpec;

// Numbers the key arguments of one command: the i-th key argument belongs to key spec i (the last
// spec for any beyond), unless its syntax names the spec ("newkey#1").
struct KeyArgCounter {
  int specs = 0;
  int next = 0;

  int IndexFor(const CommandArg& a) {
    int by_position = std::min(next++, specs - 1);
    return a.key_spec_index >= 0 ? a.key_spec_index : by_position;
  }
};

// redis-cli asserts on these types: names, types and tokens are bulk strings and flags are simple
// strings; a missing "type" or "name" crashes it, so both are always sent. The fields are in
// Redis's order.
void WriteArg(const CommandArg& a, KeyArgCounter& keys, formats::ReplyWriter& r) {
  // A key has a spec; so has another argument that names keys when its syntax says which
  // ("pattern#1": SORT's BY and GET).
  bool key_index = keys.specs > 0 && (a.type == ArgType::kKey || a.key_spec_index >= 0);
  bool compound = a.type == ArgType::kOneOf || a.type == ArgType::kBlock;
  int nflags = int{a.optional} + int{a.multiple} + int{a.multiple_token};
  r.AddMapHeader(2 + int{key_index} + int{a.token.has_value()} + int{!a.since.empty()} +
                 int{!a.deprecated_since.empty()} + int{nflags > 0} + int{compound});
  r.AddBulk("name");
  r.AddBulk(a.name);
  r.AddBulk("type");
  r.AddBulk(ArgTypeName(a.type));
  if (key_index) {
    r.AddBulk("key_spec_index");
    r.AddInteger(a.type == ArgType::kKey ? keys.IndexFor(a) : a.key_spec_index);
  }
  if (a.token) {
    r.AddBulk("token");
    r.AddBulk(*a.token);
  }
  if (!a.since.empty()) {
    r.AddBulk("since");
    r.AddBulk(a.since);
  }
  if (!a.deprecated_since.empty()) {
    r.AddBulk("deprecated_since");
    r.AddBulk(a.deprecated_since);
  }
  if (nflags > 0) {
    r.AddBulk("flags");
    r.AddSetHeader(nflags);
    if (a.optional) r.AddSimple("optional");
    if (a.multiple) r.AddSimple("multiple");
    if (a.multiple_token) r.AddSimple("multiple_token");
  }
  if (compound) {
    r.AddBulk("arguments");
    r.AddArrayHeader(a.args.size());
    for (const CommandArg& sub : a.args) WriteArg(sub, keys, r);
  }
}

void WriteDocFlags(uint32_t flags, formats::ReplyWriter& r) {
  bool deprecated = (flags & engine::kDocDeprecated) != 0;
  bool syscmd = (flags & engine::kDocSysCmd) != 0;
  r.AddSetHeader(int{deprecated} + int{syscmd});
  if (deprecated) r.AddSimple("deprecated");
  if (syscmd) r.AddSimple("syscmd");
}

void WriteDocs(const CommandSpec& c, formats::ReplyWriter& r) {
  // A syntax string that does not parse loses its arguments rather than the whole reply; the
  // table test in tests/server/command_reply_test.cc keeps every registered string parseable.
  Result<std::vector<CommandArg>> args = ParseCommandSyntax(c.syntax);
  bool has_args = args.has_value() && !args->empty();
  std::string_view group = c.group;
  if (group.empty() && c.parent != nullptr) group = c.parent->group;
  // redis-cli files every command under its group and reads the field unconditionally.
  if (group.empty()) group = "generic";

  r.AddMapHeader(3 + int{!c.complexity.empty()} + int{c.doc_flags != 0} +
                 int{!c.deprecated_since.empty()} + int{!c.replaced_by.empty()} +
                 int{!c.history.empty()} + int{has_args} + int{!c.subcommands.empty()});
  r.AddBulk("summary");
  r.AddBulk(c.summary);
  r.AddBulk("since");
  r.AddBulk(c.since);
  r.AddBulk("group");
  r.AddBulk(group);
  if (!c.complexity.empty()) {
    r.AddBulk("complexity");
    r.AddBulk(c.complexity);
  }
  if (c.doc_flags != 0) {
    r.AddBulk("doc_flags");
    WriteDocFlags(c.doc_flags, r);
  }
  if (!c.deprecated_since.empty()) {
    r.AddBulk("deprecated_since");
    r.AddBulk(c.deprecated_since);
  }
  if (!c.replaced_by.empty()) {
    r.AddBulk("replaced_by");
    r.AddBulk(c.replaced_by);
  }
  if (!c.history.empty()) {
    r.AddBulk("history");
    r.AddArrayHeader(c.history.size());
    for (const engine::HistoryEntry& h : c.history) {
      r.AddArrayHeader(2);
      r.AddBulk(h.version);
      r.AddBulk(h.change);
    }
  }
  if (has_args) {
    r.AddBulk("arguments");
    r.AddArrayHeader(args->size());
    KeyArgCounter keys{static_cast<int>(c.key_specs.size())};
    for (const CommandArg& a : *args) WriteArg(a, keys, r);
  }
  if (!c.subcommands.empty()) {
    // redis-cli takes a subcommand's name from after the '|' of its full name.
    r.AddBulk("subcommands");
    r.AddMapHeader(c.subcommands.size());
    for (const CommandSpec& sub : c.subcommands) {
      r.AddBulk(sub.FullName());
      WriteDocs(sub, r);
    }
  }
}

}  // namespace

std::string_view ArgTypeName(ArgType type) {
  switch (type) {
    case ArgType::kString:
      return "string";
    case ArgType::kInteger:
      return "integer";
    case ArgType::kDouble:
      return "double";
    case ArgType::kKey:
      return "key";
    case ArgType::kPattern:
      return "pattern";
    case ArgType::kUnixTime:
      return "unix-time";
    case ArgType::kPureToken:
      return "pure-token";
    case ArgType::kOneOf:
      return "oneof";
    case ArgType::kBlock:
      return "block";
  }
  return "string";
}

void ReplyCommandDocs(const engine::CommandTable& t, std::span<const std::string_view> names,
                      formats::ReplyWriter& r) {
  std::vector<const CommandSpec*> found;
  if (names.empty()) {
    for (const auto& c : t.commands()) found.push_back(c.get());
  } else {
    for (std::string_view name : names) {
      if (const CommandSpec* c = FindCommandByFullName(t, name)) found.push_back(c);
    }
  }
  r.AddMapHeader(found.size());
  for (const CommandSpec* c : found) {
    r.AddBulk(c->FullName());
    WriteDocs(*c, r);
  }
}

}  // namespace keel::server
