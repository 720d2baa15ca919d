// COMMAND DOCS: turns each CommandSpec::syntax string (Redis's documentation syntax) into Redis
// 7.0's argument trees and writes the docs map. redis-cli 7.0 builds its help and its input hints
// from this reply alone, so its field types are load-bearing (see WriteArg).
#include <cctype>
#include <iterator>
#include <utility>

#include "server/command_reply.h"

namespace keel::server {

namespace {

using engine::CommandSpec;

// ---- The raw syntax tree: words and bracketed groups, before any meaning is given to them.

struct Node {
  std::string word;  // a word ("key", "NX", "..."), when !is_group
  bool is_group = false;
  bool optional = false;                // "[...]"; otherwise "<...>"
  std::vector<std::vector<Node>> alts;  // the '|'-separated alternatives of a group
  bool operator==(const Node&) const = default;
};

// Syntax strings are written by Keel's own command families, but a runaway nesting depth is still
// refused rather than allowed to exhaust the stack.
constexpr int kMaxDepth = 16;

class SyntaxLexer {
 public:
  explicit SyntaxLexer(std::string_view s) : s_(s) {}

  Result<std::vector<Node>> ParseAll() {
    std::vector<std::vector<Node>> alts;
    KEEL_RETURN_IF_ERROR(ParseAlts('\0', 0, &alts));
    if (alts.size() == 1) return std::move(alts[0]);
    // "ip:port | [ID client-id] ...": an unbracketed choice spans the whole string.
    Node whole;
    whole.is_group = true;
    whole.alts = std::move(alts);
    return std::vector<Node>{std::move(whole)};
  }

 private:
  Status Error(std::string_view what) const {
    return Status::InvalidArgument("command syntax \"" + std::string(s_) + "\": " +
                                   std::string(what) + " at offset " + std::to_string(pos_));
  }

  // Parses '|'-separated sequences up to `close` (']' or '>', or '\0' for the end of input).
  Status ParseAlts(char close, int depth, std::vector<std::vector<Node>>* alts) {
    if (depth > kMaxDepth) return Error("brackets nested too deeply");
    alts->emplace_back();
    for (;;) {
      while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      if (pos_ == s_.size()) {
        if (close != '\0') return Error(std::string("missing '") + close + "'");
        break;
      }
      char c = s_[pos_];
      if (c == ']' || c == '>') {
        if (c != close) return Error(std::string("unexpected '") + c + "'");
        ++pos_;
        break;
      }
      if (c == '|') {
        if (alts->back().empty()) return Error("empty alternative before '|'");
        ++pos_;
        alts->emplace_back();
        continue;
      }
      Node node;
      if (c == '[' || c == '<') {
        ++pos_;
        node.is_group = true;
        node.optional = c == '[';
        KEEL_RETURN_IF_ERROR(ParseAlts(c == '[' ? ']' : '>', depth + 1, &node.alts));
      } else if (c == '"') {  // a quoted literal token, e.g. MIGRATE's ""
        size_t end = s_.find('"', pos_ + 1);
        if (end == std::string_view::npos) return Error("unterminated quote");
        node.word = std::string(s_.substr(pos_, end + 1 - pos_));
        pos_ = end + 1;
      } else {
        size_t start = pos_;
        while (pos_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[pos_])) &&
               std::string_view("[]<>|").find(s_[pos_]) == std::string_view::npos) {
          ++pos_;
        }
        node.word = std::string(s_.substr(start, pos_ - start));
      }
      alts->back().push_back(std::move(node));
    }
    if (alts->back().empty() && (alts->size() > 1 || close != '\0')) {
      return Error("empty group or alternative");
    }
    return Status::Ok();
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// ---- Giving the raw tree Redis's meaning.

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Tokens are the literal keywords a client types; Redis's syntax writes them in capitals (or as
// symbols such as "*" and "~"), and argument names always contain a lowercase letter.
bool IsTokenWord(std::string_view w) {
  if (w.empty() || w == "...") return false;
  for (char c : w) {
    if (c >= 'a' && c <= 'z') return false;
  }
  return true;
}

// The type Redis's JSON files give an argument of this name, in the cases Keel's commands use.
ArgType TypeForName(std::string_view name) {
  static constexpr std::string_view kKeys[] = {"key", "source", "destination"};
  static constexpr std::string_view kIntegers[] = {
      "count",          "offset",    "numkeys",       "start",     "end",
      "stop",           "index",     "index1",        "index2",    "db",
      "destination-db", "cursor",    "bit",           "seconds",   "milliseconds",
      "increment",      "decrement", "ttl",           "protover",  "rank",
      "num-matches",    "len",       "min-match-len", "frequency", "limit",
      "numreplicas"};
  static constexpr std::string_view kDoubles[] = {"score", "longitude", "latitude", "radius"};
  for (std::string_view k : kKeys) {
    if (name == k) return ArgType::kKey;
  }
  // "newkey", "destkey", "key1": Redis names every other key argument after the word "key".
  if (name.ends_with("key")) return ArgType::kKey;
  if (name.starts_with("key") && name.size() > 3 &&
      name.find_first_not_of("0123456789", 3) == std::string_view::npos) {
    return ArgType::kKey;
  }
  if (name == "pattern") return ArgType::kPattern;
  if (name.starts_with("unix-time")) return ArgType::kUnixTime;
  for (std::string_view k : kIntegers) {
    if (name == k) return ArgType::kInteger;
  }
  for (std::string_view k : kDoubles) {
    if (name == k) return ArgType::kDouble;
  }
  return ArgType::kString;
}

CommandArg PureToken(std::string_view word) {
  CommandArg arg;
  arg.type = ArgType::kPureToken;
  std::string token(word);
  if (token.size() >= 2 && token.front() == '"' && token.back() == '"') {
    token = token.substr(1, token.size() - 2);
  }
  arg.name = token.empty() ? "empty_string" : Lower(token);
  arg.token = std::move(token);
  return arg;
}

// A oneof or block has no name in the syntax; Redis's JSON often names a group after its members
// ("username_password", "parameter_value"), so Keel does the same everywhere, and names a group
// introduced by a token after the token ("limit", "filterby").
std::string CompoundName(const std::vector<CommandArg>& members) {
  std::string name;
  for (const CommandArg& m : members) {
    if (!name.empty()) name += '_';
    name += m.token && !m.token->empty() ? Lower(*m.token) : m.name;
  }
  return name;
}

CommandArg Compound(ArgType type, std::vector<CommandArg> members) {
  CommandArg arg;
  arg.type = type;
  arg.name = CompoundName(members);
  arg.args = std::move(members);
  return arg;
}

void GiveToken(CommandArg* arg, const std::string& token) {
  if (arg->type == ArgType::kOneOf || arg->type == ArgType::kBlock) arg->name = Lower(token);
  arg->token = token;
}

struct Unit {
  enum Kind { kToken, kName, kOptionalGroup, kRequiredGroup, kRepeated } kind;
  CommandArg arg;
  const Node* node = nullptr;  // the node it came from; null once repetitions are folded in
};

// A unit that may be the value of a preceding token: "EX seconds", "TYPE <NORMAL | MASTER>",
// "KEYS key [key ...]". An optional group ends the token's values.
bool TakesToken(const Unit& u) {
  return (u.kind == Unit::kName || u.kind == Unit::kRequiredGroup || u.kind == Unit::kRepeated) &&
         !u.arg.token;
}

// Folds each token together with the values that follow it.
std::vector<CommandArg> AttachTokens(std::vector<Unit>& units) {
  std::vector<CommandArg> out;
  for (size_t i = 0; i < units.size();) {
    if (units[i].kind != Unit::kToken) {
      out.push_back(std::move(units[i].arg));
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < units.size() && TakesToken(units[j])) ++j;
    std::string token = *units[i].arg.token;
    if (j == i + 1) {
      out.push_back(std::move(units[i].arg));
    } else if (j == i + 2) {
      out.push_back(std::move(units[i + 1].arg));
      GiveToken(&out.back(), token);
    } else {
      std::vector<CommandArg> members;
      for (size_t k = i + 1; k < j; ++k) members.push_back(std::move(units[k].arg));
      out.push_back(Compound(ArgType::kBlock, std::move(members)));
      GiveToken(&out.back(), token);
    }
    i = j;
  }
  return out;
}

bool IsRepetition(const Node& n) {
  return n.is_group && n.optional && n.alts.size() == 1 && !n.alts[0].empty() &&
         !n.alts[0].back().is_group && n.alts[0].back().word == "...";
}

Result<CommandArg> ConvertGroup(const Node& group);

// Converts one sequence ("key value [NX | XX]") into arguments.
Result<std::vector<CommandArg>> ConvertSeq(std::span<const Node> seq) {
  std::vector<Unit> units;
  for (const Node& n : seq) {
    if (!n.is_group && n.word == "...") {  // "arg ...": the previous item repeats
      if (units.empty()) return Status::InvalidArgument("'...' with nothing before it to repeat");
      units.back().arg.multiple = true;
      units.back().kind = Unit::kRepeated;
      units.back().node = nullptr;
      continue;
    }
    if (IsRepetition(n)) {
      // "[x y ...]" repeats the K items just before it, which must read exactly "x y".
      const std::vector<Node>& body = n.alts[0];
      size_t k = body.size() - 1;
      if (units.size() < k) {
        return Status::InvalidArgument("'[... ...]' repeats more than precedes it");
      }
      for (size_t j = 0; j < k; ++j) {
        const Unit& u = units[units.size() - k + j];
        if (u.node == nullptr || !(*u.node == body[j])) {
          return Status::InvalidArgument("'[... ...]' does not repeat the items before it");
        }
      }
      std::vector<Unit> repeated(
          std::make_move_iterator(units.end() - static_cast<std::ptrdiff_t>(k)),
          std::make_move_iterator(units.end()));
      units.resize(units.size() - k);
      bool with_token = repeated.front().kind == Unit::kToken && k > 1;
      std::vector<CommandArg> args = AttachTokens(repeated);
      CommandArg arg =
          args.size() == 1 ? std::move(args[0]) : Compound(ArgType::kBlock, std::move(args));
      arg.multiple = true;
      arg.multiple_token = with_token && arg.token.has_value();
      units.push_back(Unit{Unit::kRepeated, std::move(arg), nullptr});
      continue;
    }
    Unit u{Unit::kName, {}, &n};
    if (n.is_group) {
      u.kind = n.optional ? Unit::kOptionalGroup : Unit::kRequiredGroup;
      KEEL_ASSIGN_OR_RETURN(u.arg, ConvertGroup(n));
    } else if (IsTokenWord(n.word)) {
      u.kind = Unit::kToken;
      u.arg = PureToken(n.word);
    } else {
      u.arg.name = n.word;
      u.arg.type = TypeForName(n.word);
    }
    units.push_back(std::move(u));
  }
  return AttachTokens(units);
}

// The redis-cli spelling of a token before a choice, "[TYPE NORMAL | MASTER | PUBSUB]", leaves
// the choice unbracketed. A first alternative that opens with two tokens is read that way (TYPE
// then one of NORMAL, MASTER, PUBSUB), as a choice whose first option is itself two bare keywords
// does not occur in Redis's syntax.
bool LeadingTokenOwnsChoice(const Node& group) {
  const std::vector<Node>& first = group.alts[0];
  return group.alts.size() > 1 && first.size() >= 2 && !first[0].is_group &&
         IsTokenWord(first[0].word) && !first[1].is_group && IsTokenWord(first[1].word);
}

// "[a | b c]" is an optional oneof of `a` and the block `b c`; "<x y>" is a required block.
Result<CommandArg> ConvertGroup(const Node& group) {
  bool leading_token = LeadingTokenOwnsChoice(group);
  std::vector<CommandArg> choices;
  for (size_t i = 0; i < group.alts.size(); ++i) {
    std::span<const Node> alt(group.alts[i]);
    if (i == 0 && leading_token) alt = alt.subspan(1);
    KEEL_ASSIGN_OR_RETURN(std::vector<CommandArg> args, ConvertSeq(alt));
    choices.push_back(args.size() == 1 ? std::move(args[0])
                                       : Compound(ArgType::kBlock, std::move(args)));
  }
  CommandArg arg =
      choices.size() == 1 ? std::move(choices[0]) : Compound(ArgType::kOneOf, std::move(choices));
  if (leading_token) GiveToken(&arg, group.alts[0][0].word);
  if (group.optional) arg.optional = true;
  return arg;
}

// ---- The DOCS reply.

// redis-cli asserts on these types: names, types and tokens are bulk strings and flags are simple
// strings; a missing "type" or "name" crashes it, so both are always sent.
void WriteArg(const CommandArg& a, bool has_key_spec, formats::ReplyWriter& r) {
  bool key_index = a.type == ArgType::kKey && has_key_spec;
  bool compound = a.type == ArgType::kOneOf || a.type == ArgType::kBlock;
  int nflags = int{a.optional} + int{a.multiple} + int{a.multiple_token};
  r.AddMapHeader(2 + int{key_index} + int{a.token.has_value()} + int{nflags > 0} + int{compound});
  r.AddBulk("name");
  r.AddBulk(a.name);
  r.AddBulk("type");
  r.AddBulk(ArgTypeName(a.type));
  if (key_index) {
    // Keel describes a command's keys with one range spec, so every key argument points at it.
    r.AddBulk("key_spec_index");
    r.AddInteger(0);
  }
  if (a.token) {
    r.AddBulk("token");
    r.AddBulk(*a.token);
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
    for (const CommandArg& sub : a.args) WriteArg(sub, has_key_spec, r);
  }
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

  r.AddMapHeader(3 + int{!c.complexity.empty()} + int{has_args} + int{!c.subcommands.empty()});
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
  if (has_args) {
    r.AddBulk("arguments");
    r.AddArrayHeader(args->size());
    for (const CommandArg& a : *args) WriteArg(a, c.first_key > 0, r);
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

Result<std::vector<CommandArg>> ParseCommandSyntax(std::string_view syntax) {
  KEEL_ASSIGN_OR_RETURN(std::vector<Node> seq, SyntaxLexer(syntax).ParseAll());
  Result<std::vector<CommandArg>> args = ConvertSeq(seq);
  if (!args.has_value()) {
    return Status::InvalidArgument("command syntax \"" + std::string(syntax) +
                                   "\": " + std::string(args.error().message()));
  }
  return args;
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
