// ConfigStore: reading redis.conf-format text and command lines into a Config, and CONFIG GET/SET.
// Startup errors and CONFIG SET replies reproduce redis-server 7.0's texts, since operators and
// client test suites match on them.
#include "server/config.h"

#include <fcntl.h>
#include <glob.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine/glob.h"
#include "engine/parse.h"
#include "server/config_parse.h"
#include "server/version.h"

namespace keel::server {

// Per-load state: `save` lines accumulate within one load, and includes may not nest forever
// (Redis recurses until it crashes on a file that includes itself).
struct ConfigStore::LoadState {
  SetContext ctx;
  int depth = 0;
};

namespace {

constexpr int kMaxIncludeDepth = 16;

std::string FatalBanner() {
  return std::string("\n*** FATAL CONFIG FILE ERROR (Keel ") + kKeelVersion + ") ***\n";
}

Status FatalAtLine(size_t line_number, std::string_view line, std::string_view why) {
  return Status::InvalidArgument(FatalBanner() + "Reading the configuration file, at line " +
                                 std::to_string(line_number) + "\n>>> '" + std::string(line) +
                                 "'\n" + std::string(why));
}

Status CannotOpen(const std::string& path, int err) {
  return Status::IoError(
      "Fatal error, can't open config file '" + path + "': " + std::strerror(err), err);
}

// Reads a whole file. Redis reads with fopen(3), so errors are those of open(2).
Status ReadWholeFile(const std::string& path, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return CannotOpen(path, errno);
  char buf[16384];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      return CannotOpen(path, err);
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return Status::Ok();
}

void ReadStdin(std::string* out) {
  char buf[16384];
  while (true) {
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    out->append(buf, static_cast<size_t>(n));
  }
}

std::string_view Trim(std::string_view s) {
  static constexpr std::string_view kBlanks = " \t\r\n";
  size_t b = s.find_first_not_of(kBlanks);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kBlanks);
  return s.substr(b, e - b + 1);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Redis's getAbsolutePath: relative paths are resolved against the working directory, with leading
// "../" components folded into it.
std::string AbsolutePath(std::string_view path) {
  std::string rel(Trim(path));
  if (!rel.empty() && rel[0] == '/') return rel;
  char buf[PATH_MAX];
  if (getcwd(buf, sizeof(buf)) == nullptr) return rel;
  std::string cwd(buf);
  if (cwd.empty() || cwd.back() != '/') cwd += '/';
  while (rel.size() >= 3 && rel.compare(0, 3, "../") == 0) {
    rel.erase(0, 3);
    if (cwd.size() > 1) {
      size_t slash = cwd.find_last_of('/', cwd.size() - 2);
      cwd.erase(slash + 1);
    }
  }
  return cwd + rel;
}

bool HasGlobChars(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

}  // namespace

ConfigStore::ConfigStore() : ConfigStore(BuiltinOptions()) {
  char buf[PATH_MAX];
  if (getcwd(buf, sizeof(buf)) != nullptr) config_.dir = buf;
}

ConfigStore::ConfigStore(std::vector<OptionDef> options) : options_(std::move(options)) {
  for (size_t i = 0; i < options_.size(); ++i) {
    entries_.push_back({options_[i].name, i});
    if (!options_[i].alias.empty()) entries_.push_back({options_[i].alias, i});
  }
  hooks_.resize(options_.size());
}

const ConfigStore::Entry* ConfigStore::FindEntry(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (engine::EqualsIgnoreCase(e.key, name)) return &e;
  }
  return nullptr;
}

const OptionDef* ConfigStore::Find(std::string_view name) const {
  const Entry* e = FindEntry(name);
  return e ? &options_[e->option] : nullptr;
}

bool ConfigStore::IsSensitive(std::string_view name) const {
  const OptionDef* d = Find(name);
  return d != nullptr && (d->flags & kOptionSensitive) != 0;
}

void ConfigStore::OnChange(std::string_view name, Hook hook) {
  const Entry* e = FindEntry(name);
  if (e == nullptr) {
    std::fprintf(stderr, "ConfigStore::OnChange: no option named '%.*s'\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  hooks_[e->option].push_back(std::move(hook));
}

// ---- Loading ----

Status ConfigStore::LoadText(std::string_view text, LoadState& state) {
  size_t line_number = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = Trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_number;
    if (line.empty() || line[0] == '#') continue;

    std::optional<std::vector<std::string>> words = SplitConfigLine(line);
    if (!words) return FatalAtLine(line_number, line, "Unbalanced quotes in configuration line");
    if (words->empty()) continue;
    std::string name = Lower((*words)[0]);

    if (const Entry* e = FindEntry(name)) {
      const OptionDef& def = options_[e->option];
      if ((def.flags & kOptionMultiArg) == 0 && words->size() != 2) {
        return FatalAtLine(line_number, line, "wrong number of arguments");
      }
      std::vector<std::string> args(words->begin() + 1, words->end());
      // A multi-word option given as one quoted word (`save "3600 1"`, `--save "3600 1"`) is
      // split on spaces, as Redis 7.0 does for compatibility with older files.
      if ((def.flags & kOptionMultiArg) != 0 && args.size() == 1 &&
          args[0].find(' ') != std::string::npos) {
        args = SplitOnSpaces(args[0]);
      }
      Status s = def.set(config_, args, state.ctx);
      if (!s.ok()) return FatalAtLine(line_number, line, s.message());
    } else if (name == "include" && words->size() == 2) {
      if (state.depth >= kMaxIncludeDepth) {
        return FatalAtLine(line_number, line,
                           "Too many nested include directives (a file may be including itself)");
      }
      // Errors inside the included file carry that file's line numbers already.
      KEEL_RETURN_IF_ERROR(Include((*words)[1], state));
    } else {
      return FatalAtLine(line_number, line, "Bad directive or wrong number of arguments");
    }
  }
  return Status::Ok();
}

Status ConfigStore::Include(const std::string& pattern, LoadState& state) {
  std::string text;
  if (HasGlobChars(pattern)) {
    // A pattern that matches nothing is not an error, so an empty conf.d/ can be included.
    glob_t g;
    if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      Status s;
      for (size_t i = 0; i < g.gl_pathc && s.ok(); ++i) s = ReadWholeFile(g.gl_pathv[i], &text);
      globfree(&g);
      KEEL_RETURN_IF_ERROR(s);
    } else {
      return Status::Ok();
    }
  } else {
    KEEL_RETURN_IF_ERROR(ReadWholeFile(pattern, &text));
  }
  ++state.depth;
  Status s = LoadText(text, state);
  --state.depth;
  return s;
}

Status ConfigStore::FinishLoad() {
  // Like Redis, refuse to start with a log file that cannot be opened: later the server would have
  // nowhere to report problems.
  if (!config_.logfile.empty()) {
    int fd = open(config_.logfile.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
      return Status::InvalidArgument(FatalBanner() +
                                     "Can't open the log file: " + std::strerror(errno));
    }
    close(fd);
  }
  return Status::Ok();
}

Status ConfigStore::LoadString(std::string_view text) {
  LoadState state;
  state.ctx.loading = true;
  state.ctx.change_dir = &change_dir_;
  KEEL_RETURN_IF_ERROR(LoadText(text, state));
  return FinishLoad();
}

Status ConfigStore::LoadFile(const std::string& path) {
  std::string text;
  KEEL_RETURN_IF_ERROR(ReadWholeFile(path, &text));
  return LoadString(text);
}

Status ConfigStore::Load(const std::string& config_file, int argc, const char* const* argv) {
  if (config_file.empty() && argc <= 0) return Status::Ok();
  // Rebuild the options as configuration lines, following redis-server's main(): "--name" starts a
  // line, every other word is appended quoted, and a "--word" right after a name that has no value
  // yet is itself taken as the value (so `--hz --loglevel` sets hz to "--loglevel" and fails).
  std::string options;
  bool from_stdin = false;
  bool name_has_value = true;
  for (int j = 0; j < argc; ++j) {
    std::string_view arg = argv[j];
    bool first = j == 0 && config_file.empty();
    if (arg == "-" && (first || j == argc - 1)) {
      from_stdin = true;
    } else if (name_has_value && arg.size() >= 2 && arg[0] == '-' && arg[1] == '-') {
      if (!options.empty()) options += '\n';
      options.append(arg.substr(2));
      options += ' ';
      std::optional<std::vector<std::string>> words = SplitConfigLine(arg);
      if (words && words->size() == 1) {
        // A bare "--name": its value follows. `--save` with nothing after it (or followed by
        // another option) means save "", for scripts that build the command line from a list.
        name_has_value = false;
        bool is_save = engine::EqualsIgnoreCase(arg, "--save");
        bool next_is_option = j + 1 < argc && argv[j + 1][0] == '-' && argv[j + 1][1] == '-';
        if (is_save && (j == argc - 1 || next_is_option)) {
          options += "\"\"";
          name_has_value = j != argc - 1;
        }
      } else {
        // "--port 6380" as one word already carries its value.
        name_has_value = true;
      }
    } else {
      options += QuoteConfigWord(arg);
      options += ' ';
      name_has_value = true;
    }
  }

  std::string text;
  if (!config_file.empty()) {
    config_file_ = AbsolutePath(config_file);
    KEEL_RETURN_IF_ERROR(ReadWholeFile(config_file_, &text));
  }
  if (from_stdin) {
    Log(LogLevel::kWarning, "Reading config from stdin");
    ReadStdin(&text);
  }
  text += '\n';
  text += options;
  return LoadString(text);
}

// ---- CONFIG GET ----

ConfigStore::Pairs ConfigStore::Get(std::string_view pattern) const {
  return Get(std::span<const std::string_view>(&pattern, 1));
}

ConfigStore::Pairs ConfigStore::Get(std::span<const std::string_view> patterns) const {
  Pairs out;
  auto seen = [&out](std::string_view key) {
    for (const auto& kv : out) {
      if (engine::EqualsIgnoreCase(kv.first, key)) return true;
    }
    return false;
  };
  for (std::string_view pattern : patterns) {
    if (!HasGlobChars(pattern)) {
      const Entry* e = FindEntry(pattern);
      if (e != nullptr && !seen(pattern)) {
        out.emplace_back(std::string(pattern), options_[e->option].get(config_));
      }
      continue;
    }
    for (const Entry& e : entries_) {
      if (options_[e.option].flags & kOptionHidden) continue;  // Redis's HIDDEN_CONFIG
      if (seen(e.key) || !engine::GlobMatch(pattern, e.key, /*nocase=*/true)) continue;
      out.emplace_back(std::string(e.key), options_[e.option].get(config_));
    }
  }
  return out;
}

// ---- CONFIG SET ----

namespace {

Status SetFailed(std::string_view name, std::string_view why) {
  std::string msg =
      "ERR CONFIG SET failed (possibly related to argument '" + std::string(name) + "')";
  if (!why.empty()) msg += " - " + std::string(why);
  return Status::InvalidArgument(std::move(msg));
}

}  // namespace

void ConfigStore::RestoreAfterFailedSet(const Config& old) {
  std::string dir_now = config_.dir;
  config_ = old;
  // The directory is the one value that lives outside Config; put the process back too.
  if (dir_now != old.dir) {
    Result<std::string> r = change_dir_(old.dir);
    if (!r.has_value()) {
      Log(LogLevel::kWarning,
          "Failed restoring failed CONFIG SET command. Error setting dir to '%s': %.*s",
          old.dir.c_str(), static_cast<int>(r.error().message().size()),
          r.error().message().data());
    }
  }
}

Status ConfigStore::Set(std::span<const std::pair<std::string_view, std::string_view>> pairs,
                        bool local_client) {
  // Phase 1: names. The first problem in argument order is the one reported.
  std::vector<const Entry*> targets;
  for (const auto& [name, value] : pairs) {
    const Entry* e = FindEntry(name);
    if (e == nullptr) {
      return Status::InvalidArgument(
          "ERR Unknown option or number of arguments for CONFIG SET - '" + std::string(name) + "'");
    }
    const OptionDef& def = options_[e->option];
    if ((def.flags & kOptionImmutable) != 0) return SetFailed(name, "can't set immutable config");
    if ((def.flags & kOptionProtected) != 0 &&
        !ProtectedActionAllowed(config_.enable_protected_configs, local_client)) {
      return SetFailed(name, "can't set protected config");
    }
    // An option and its alias are distinct entries here, as in Redis 7.0: setting both is allowed
    // and the later one wins.
    for (const Entry* t : targets) {
      if (t == e) return SetFailed(name, "duplicate parameter");
    }
    targets.push_back(e);
  }

  // Phase 2: values, into the live config, with a copy to go back to.
  const Config old = config_;
  SetContext ctx;
  ctx.change_dir = &change_dir_;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const OptionDef& def = options_[targets[i]->option];
    std::vector<std::string> args;
    if ((def.flags & kOptionMultiArg) != 0) {
      args = SplitOnSpaces(pairs[i].second);
    } else {
      args.emplace_back(pairs[i].second);
    }
    Status s = def.set(config_, args, ctx);
    if (!s.ok()) {
      RestoreAfterFailedSet(old);
      return SetFailed(targets[i]->key, s.message());
    }
  }

  // Phase 3: hooks, once per option whose printed value changed.
  std::vector<const Entry*> changed;
  for (const Entry* e : targets) {
    bool listed = false;
    for (const Entry* c : changed) listed = listed || c->option == e->option;
    const OptionDef& def = options_[e->option];
    if (!listed && def.get(old) != def.get(config_)) changed.push_back(e);
  }
  for (size_t i = 0; i < changed.size(); ++i) {
    const std::vector<Hook>& hooks = hooks_[changed[i]->option];
    for (size_t h = 0; h < hooks.size(); ++h) {
      Status s = hooks[h](config_);
      if (s.ok()) continue;
      Log(LogLevel::kWarning,
          "Failed applying new configuration. Possibly related to new %.*s setting. Restoring "
          "previous settings.",
          static_cast<int>(changed[i]->key.size()), changed[i]->key.data());
      RestoreAfterFailedSet(old);
      // The failing hook is expected to have left things as they were; the ones that succeeded
      // before it are told about the restored values.
      for (size_t j = 0; j <= i; ++j) {
        const std::vector<Hook>& again = hooks_[changed[j]->option];
        size_t end = j == i ? h : again.size();
        for (size_t k = 0; k < end; ++k) {
          Status r = again[k](config_);
          if (!r.ok()) {
            Log(LogLevel::kWarning, "Failed applying restored failed CONFIG SET command: %.*s",
                static_cast<int>(r.message().size()), r.message().data());
          }
        }
      }
      return SetFailed(changed[i]->key, s.message());
    }
  }
  return Status::Ok();
}

}  // namespace keel::server
