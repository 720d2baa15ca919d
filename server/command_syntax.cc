// ParseCommandSyntax: reads a command's annotated syntax string (grammar at
// engine::SpecInit::syntax) into Redis 7.0's argument trees, in two passes: a lexer builds the raw
// tree of words and bracketed groups, then the converter gives it Redis's meaning (tokens and their
// values, repetition, oneof and block, names and types).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>
#include <utility>

#include "server/command_reply.h"

namespace keel::server {

namespace {

// ---- The raw syntax tree: words and bracketed groups, before any meaning is given to them.

struct Node {
  std::string word;  // a word as written, annotations included ("key", "NX", "EX@2.6.12", "...")
  bool is_group = false;
  bool optional = false;                // "[...]"; otherwise "<...>"
  std::string label;                    // "[label: ...]", as written ("condition@7.0.0")
  std::vector<std::vector<Node>> alts;  // the '|'-separated alternatives of a group
};

// Syntax strings are written by Keel's own command families, but a runaway nesting depth is still
// refused rather than allowed to exhaust the stack.
constexpr int kMaxDepth = 16;

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

class SyntaxLexer {
 public:
  explicit SyntaxLexer(std::string_view s) : s_(s) {}

  Result<std::vector<Node>> ParseAll() {
    std::vector<std::vector<Node>> alts;
    KEEL_RETURN_IF_ERROR(ParseAlts('\0', 0, &alts));
    if (alts.size() == 1) return std::move(alts[0]);
    // "a | b c": an unbracketed choice spans the whole string.
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

  void SkipSpaces() {
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
  }

  std::string_view ReadWord() {
    size_t start = pos_;
    while (pos_ < s_.size() && !IsSpace(s_[pos_]) &&
           std::string_view("[]<>|").find(s_[pos_]) == std::string_view::npos) {
      ++pos_;
    }
    return s_.substr(start, pos_ - start);
  }

  // A group may open with "label:" naming it.
  void ReadLabel(std::string* label) {
    SkipSpaces();
    size_t start = pos_;
    std::string_view word = ReadWord();
    if (word.size() > 1 && word.back() == ':') {
      *label = std::string(word.substr(0, word.size() - 1));
    } else {
      pos_ = start;
    }
  }

  // Parses '|'-separated sequences up to `close` (']' or '>', or '\0' for the end of input).
  Status ParseAlts(char close, int depth, std::vector<std::vector<Node>>* alts) {
    if (depth > kMaxDepth) return Error("brackets nested too deeply");
    alts->emplace_back();
    for (;;) {
      SkipSpaces();
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
        ReadLabel(&node.label);
        KEEL_RETURN_IF_ERROR(ParseAlts(c == '[' ? ']' : '>', depth + 1, &node.alts));
      } else if (c == '"') {  // a quoted literal token, e.g. MIGRATE's ""
        size_t end = s_.find('"', pos_ + 1);
        if (end == std::string_view::npos) return Error("unterminated quote");
        node.word = std::string(s_.substr(pos_, end + 1 - pos_));
        pos_ = end + 1;
      } else {
        node.word = std::string(ReadWord());
        if (node.word.back() == ':') return Error("a label must open a group");
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

// ---- Annotations: "name:type", "name#1", "word@since", "word@since-deprecated".

struct Annotated {
  std::string name;  // the word without its annotations
  std::optional<ArgType> type;
  int key_spec_index = -1;
  std::string since;
  std::string deprecated_since;
};

bool IsVersion(std::string_view v) {
  return !v.empty() && v.find_first_not_of("0123456789.") == std::string_view::npos;
}

// A key spec index: a small non-negative number.
std::optional<int> ParseIndex(std::string_view v) {
  int n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n < 0) return std::nullopt;
  return n;
}

std::optional<ArgType> TypeByName(std::string_view name) {
  for (ArgType t : {ArgType::kString, ArgType::kInteger, ArgType::kDouble, ArgType::kKey,
                    ArgType::kPattern, ArgType::kUnixTime}) {
    if (ArgTypeName(t) == name) return t;
  }
  return std::nullopt;
}

Result<Annotated> ParseAnnotations(std::string_view word) {
  Annotated out;
  if (word.starts_with('"')) {  // a quoted token is taken as written
    out.name = std::string(word);
    return out;
  }
  const std::string_view written = word;
  auto error = [written](std::string_view what) {
    return Status::InvalidArgument(std::string(what) + " in \"" + std::string(written) + "\"");
  };
  if (size_t at = word.rfind('@'); at != std::string_view::npos) {
    std::string_view versions = word.substr(at + 1);
    word = word.substr(0, at);
    size_t dash = versions.find('-');
    out.since = std::string(versions.substr(0, dash));
    if (dash != std::string_view::npos) out.deprecated_since = versions.substr(dash + 1);
    if ((!out.since.empty() && !IsVersion(out.since)) ||
        (dash != std::string_view::npos && !IsVersion(out.deprecated_since)) ||
        (out.since.empty() && out.deprecated_since.empty())) {
      return error("bad version annotation");
    }
  }
  if (size_t hash = word.rfind('#'); hash != std::string_view::npos) {
    std::optional<int> index = ParseIndex(word.substr(hash + 1));
    if (!index) return error("bad key spec annotation");
    out.key_spec_index = *index;
    word = word.substr(0, hash);
  }
  // "ip:port" keeps its colon: only a type's name after the last one is an annotation.
  if (size_t colon = word.rfind(':'); colon != std::string_view::npos) {
    if (std::optional<ArgType> t = TypeByName(word.substr(colon + 1))) {
      out.type = t;
      word = word.substr(0, colon);
    }
  }
  if (word.empty()) return error("annotation without a name");
  out.name = std::string(word);
  return out;
}

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

void ApplyVersions(const Annotated& a, CommandArg* arg) {
  arg->since = a.since;
  arg->deprecated_since = a.deprecated_since;
}

CommandArg PureToken(const Annotated& word) {
  CommandArg arg;
  arg.type = ArgType::kPureToken;
  std::string token = word.name;
  if (token.size() >= 2 && token.front() == '"' && token.back() == '"') {
    token = token.substr(1, token.size() - 2);
  }
  arg.name = token.empty() ? "empty_string" : Lower(token);
  arg.token = std::move(token);
  ApplyVersions(word, &arg);
  return arg;
}

// An unlabelled oneof or block is named the way Redis's JSON most often names one: after its
// members ("nx_xx"), or, when a token introduces it, after the token ("limit", "filterby").
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

// Makes `token` the keyword before `arg`. The token's versions become the argument's unless it
// has its own, and an unlabelled compound takes the token's name.
void GiveToken(CommandArg* arg, const CommandArg& token, bool labelled) {
  bool compound = arg->type == ArgType::kOneOf || arg->type == ArgType::kBlock;
  if (compound && !labelled) arg->name = Lower(*token.token);
  arg->token = token.token;
  if (arg->since.empty()) arg->since = token.since;
  if (arg->deprecated_since.empty()) arg->deprecated_since = token.deprecated_since;
}

struct Unit {
  enum Kind { kToken, kName, kOptionalGroup, kRequiredGroup, kRepeated } kind;
  CommandArg arg;
  const Node* node = nullptr;  // the node it came from; null once repetitions are folded in
  bool labelled = false;       // a group named by a label keeps that name
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
    const CommandArg& token = units[i].arg;
    if (j == i + 1) {
      out.push_back(std::move(units[i].arg));
    } else if (j == i + 2) {
      out.push_back(std::move(units[i + 1].arg));
      GiveToken(&out.back(), token, units[i + 1].labelled);
    } else {
      std::vector<CommandArg> members;
      for (size_t k = i + 1; k < j; ++k) members.push_back(std::move(units[k].arg));
      out.push_back(Compound(ArgType::kBlock, std::move(members)));
      GiveToken(&out.back(), token, false);
    }
    i = j;
  }
  return out;
}

// Whether `copy` (inside "[... ...]") repeats `original`: the same words and groups, annotations
// aside, so "client-id:integer [client-id ...]" need not annotate twice.
bool SameShape(const Node& original, const Node& copy);

std::string_view BareWord(std::string_view word) {
  if (word.starts_with('"')) return word;
  return word.substr(0, std::min({word.find('@'), word.find('#'), word.find(':')}));
}

bool SameShape(const Node& original, const Node& copy) {
  if (original.is_group != copy.is_group) return false;
  if (!original.is_group) return BareWord(original.word) == BareWord(copy.word);
  if (original.optional != copy.optional || BareWord(original.label) != BareWord(copy.label) ||
      original.alts.size() != copy.alts.size()) {
    return false;
  }
  for (size_t i = 0; i < original.alts.size(); ++i) {
    if (original.alts[i].size() != copy.alts[i].size()) return false;
    for (size_t j = 0; j < original.alts[i].size(); ++j) {
      if (!SameShape(original.alts[i][j], copy.alts[i][j])) return false;
    }
  }
  return true;
}

bool IsRepetition(const Node& n) {
  return n.is_group && n.optional && n.label.empty() && n.alts.size() == 1 && !n.alts[0].empty() &&
         !n.alts[0].back().is_group && n.alts[0].back().word == "...";
}

Result<CommandArg> ConvertGroup(const Node& group);

// Folds "[x y ...]" into the units it repeats, which must read exactly "x y".
Status FoldRepetition(const Node& n, std::vector<Unit>* units) {
  const std::vector<Node>& body = n.alts[0];
  size_t k = body.size() - 1;
  if (units->size() < k)
    return Status::InvalidArgument("'[... ...]' repeats more than precedes it");
  for (size_t j = 0; j < k; ++j) {
    const Unit& u = (*units)[units->size() - k + j];
    if (u.node == nullptr || !SameShape(*u.node, body[j])) {
      return Status::InvalidArgument("'[... ...]' does not repeat the items before it");
    }
  }
  std::vector<Unit> repeated(std::make_move_iterator(units->end() - static_cast<std::ptrdiff_t>(k)),
                             std::make_move_iterator(units->end()));
  units->resize(units->size() - k);
  bool with_token = repeated.front().kind == Unit::kToken && k > 1;
  bool labelled = k == 1 && repeated.front().labelled;
  std::vector<CommandArg> args = AttachTokens(repeated);
  CommandArg arg =
      args.size() == 1 ? std::move(args[0]) : Compound(ArgType::kBlock, std::move(args));
  arg.multiple = true;
  arg.multiple_token = with_token && arg.token.has_value();
  units->push_back(Unit{Unit::kRepeated, std::move(arg), nullptr, labelled});
  return Status::Ok();
}

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
      KEEL_RETURN_IF_ERROR(FoldRepetition(n, &units));
      continue;
    }
    Unit u{Unit::kName, {}, &n};
    if (n.is_group) {
      u.kind = n.optional ? Unit::kOptionalGroup : Unit::kRequiredGroup;
      u.labelled = !n.label.empty();
      KEEL_ASSIGN_OR_RETURN(u.arg, ConvertGroup(n));
    } else {
      KEEL_ASSIGN_OR_RETURN(Annotated word, ParseAnnotations(n.word));
      if (IsTokenWord(word.name) || word.name.starts_with('"')) {
        if (word.type || word.key_spec_index >= 0) {
          return Status::InvalidArgument("a token has no type or key spec: " + n.word);
        }
        u.kind = Unit::kToken;
        u.arg = PureToken(word);
      } else {
        u.arg.name = word.name;
        u.arg.type = word.type.value_or(TypeForName(word.name));
        u.arg.key_spec_index = word.key_spec_index;
        ApplyVersions(word, &u.arg);
      }
    }
    units.push_back(std::move(u));
  }
  return AttachTokens(units);
}

// The redis-cli spelling of a token before a choice, "[TYPE NORMAL | MASTER | REPLICA | PUBSUB]",
// leaves the choice unbracketed. A first alternative that opens with two tokens is read that way
// (TYPE then one of NORMAL, MASTER, PUBSUB), as a choice whose first option is itself two bare
// keywords does not occur in Redis's syntax.
bool LeadingTokenOwnsChoice(const Node& group) {
  const std::vector<Node>& first = group.alts[0];
  return group.alts.size() > 1 && first.size() >= 2 && !first[0].is_group &&
         IsTokenWord(BareWord(first[0].word)) && !first[1].is_group &&
         IsTokenWord(BareWord(first[1].word));
}

// "[a | b c]" is an optional oneof of `a` and the block `b c`; "<x y>" is a required block. A
// labelled group is always one oneof or block, named by its label.
Result<CommandArg> ConvertGroup(const Node& group) {
  bool leading_token = LeadingTokenOwnsChoice(group);
  bool labelled = !group.label.empty();
  std::vector<CommandArg> choices;
  for (size_t i = 0; i < group.alts.size(); ++i) {
    std::span<const Node> alt(group.alts[i]);
    if (i == 0 && leading_token) alt = alt.subspan(1);
    KEEL_ASSIGN_OR_RETURN(std::vector<CommandArg> args, ConvertSeq(alt));
    if (labelled && group.alts.size() == 1) {
      choices = std::move(args);  // the members of the labelled block
    } else {
      choices.push_back(args.size() == 1 ? std::move(args[0])
                                         : Compound(ArgType::kBlock, std::move(args)));
    }
  }
  CommandArg arg;
  if (labelled && group.alts.size() == 1 && choices.size() == 1 &&
      choices[0].type == ArgType::kPureToken) {
    // "[change@3.0.2: CH]": a label around a lone token renames the token (ZADD's CH is
    // "change" in Redis's JSON), rather than wrapping it in a block.
    KEEL_ASSIGN_OR_RETURN(Annotated label, ParseAnnotations(group.label));
    arg = std::move(choices[0]);
    arg.name = label.name;
    ApplyVersions(label, &arg);
  } else if (labelled) {
    arg = Compound(group.alts.size() == 1 ? ArgType::kBlock : ArgType::kOneOf, std::move(choices));
    KEEL_ASSIGN_OR_RETURN(Annotated label, ParseAnnotations(group.label));
    if (label.type || label.key_spec_index >= 0) {
      return Status::InvalidArgument("a label has no type or key spec: " + group.label);
    }
    arg.name = label.name;
    ApplyVersions(label, &arg);
  } else {
    arg =
        choices.size() == 1 ? std::move(choices[0]) : Compound(ArgType::kOneOf, std::move(choices));
  }
  if (leading_token) {
    KEEL_ASSIGN_OR_RETURN(Annotated token, ParseAnnotations(group.alts[0][0].word));
    GiveToken(&arg, PureToken(token), labelled);
  }
  if (group.optional) arg.optional = true;
  return arg;
}

}  // namespace

Result<std::vector<CommandArg>> ParseCommandSyntax(std::string_view syntax) {
  KEEL_ASSIGN_OR_RETURN(std::vector<Node> seq, SyntaxLexer(syntax).ParseAll());
  Result<std::vector<CommandArg>> args = ConvertSeq(seq);
  if (!args.has_value()) {
    return Status::InvalidArgument("command syntax \"" + std::string(syntax) +
                                   "\": " + std::string(args.error().message()));
  }
  return args;
}

}  // namespace keel::server
