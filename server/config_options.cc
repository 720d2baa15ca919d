// The option table: every configuration directive keel-server understands, with its Redis 7.0 name,
// flags, bounds and error texts. Adding an option means adding a Config field and one line here
// (and a paragraph in docs/configuration.md).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "engine/parse.h"
#include "server/config.h"
#include "server/config_parse.h"

namespace keel::server {
namespace {

using Args = std::vector<std::string>;

Status Refuse(std::string why) { return Status::InvalidArgument(std::move(why)); }

Status OutOfRange(int64_t min, int64_t max) {
  return Refuse("argument must be between " + std::to_string(min) + " and " + std::to_string(max) +
                " inclusive");
}

// ---- Generic types ----

template <typename T>
OptionDef IntegerOption(std::string_view name, uint32_t flags, T Config::*field, int64_t min,
                        int64_t max) {
  OptionDef d{name, "", OptionType::kInteger, flags, nullptr, nullptr};
  d.set = [field, min, max](Config& c, const Args& args, SetContext&) {
    // Redis's string2ll: no blanks, no '+', no leading zeros.
    std::optional<int64_t> v = engine::ParseInt64(args[0]);
    if (!v) return Refuse("argument couldn't be parsed into an integer");
    if (*v < min || *v > max) return OutOfRange(min, max);
    c.*field = static_cast<T>(*v);
    return Status::Ok();
  };
  d.get = [field](const Config& c) { return std::to_string(c.*field); };
  return d;
}

template <typename T>
OptionDef MemoryOption(std::string_view name, uint32_t flags, T Config::*field, uint64_t min,
                       uint64_t max) {
  OptionDef d{name, "", OptionType::kMemory, flags, nullptr, nullptr};
  d.set = [field, min, max](Config& c, const Args& args, SetContext&) {
    std::optional<uint64_t> v = ParseMemory(args[0]);
    if (!v) return Refuse("argument must be a memory value");
    if (*v < min || *v > max) {
      return OutOfRange(static_cast<int64_t>(min), static_cast<int64_t>(max));
    }
    c.*field = static_cast<T>(*v);
    return Status::Ok();
  };
  d.get = [field](const Config& c) { return std::to_string(c.*field); };
  return d;
}

OptionDef BoolOption(std::string_view name, uint32_t flags, bool Config::*field) {
  OptionDef d{name, "", OptionType::kBool, flags, nullptr, nullptr};
  d.set = [field](Config& c, const Args& args, SetContext&) {
    if (engine::EqualsIgnoreCase(args[0], "yes")) {
      c.*field = true;
    } else if (engine::EqualsIgnoreCase(args[0], "no")) {
      c.*field = false;
    } else {
      return Refuse("argument must be 'yes' or 'no'");
    }
    return Status::Ok();
  };
  d.get = [field](const Config& c) { return std::string(c.*field ? "yes" : "no"); };
  return d;
}

template <typename E>
using EnumNames = std::vector<std::pair<std::string_view, E>>;

template <typename E>
OptionDef EnumOption(std::string_view name, uint32_t flags, E Config::*field, EnumNames<E> names) {
  OptionDef d{name, "", OptionType::kEnum, flags, nullptr, nullptr};
  d.set = [field, names](Config& c, const Args& args, SetContext&) {
    for (const auto& [text, value] : names) {
      if (engine::EqualsIgnoreCase(args[0], text)) {
        c.*field = value;
        return Status::Ok();
      }
    }
    std::string why = "argument(s) must be one of the following: ";
    for (size_t i = 0; i < names.size(); ++i) {
      if (i > 0) why += ", ";
      why += names[i].first;
    }
    return Refuse(std::move(why));
  };
  d.get = [field, names](const Config& c) {
    for (const auto& [text, value] : names) {
      if (value == c.*field) return std::string(text);
    }
    return std::string("unknown");
  };
  return d;
}

// An integer or memory option stored in a member of a Config sub-struct (EncodingLimits,
// EvictionConfig).
template <typename S, typename T>
OptionDef NestedOption(std::string_view name, std::string_view alias, OptionType type,
                       S Config::*group, T S::*field, int64_t min, int64_t max) {
  OptionDef d{name, alias, type, 0, nullptr, nullptr};
  d.set = [group, field, type, min, max](Config& c, const Args& args, SetContext&) {
    int64_t v;
    if (type == OptionType::kMemory) {
      std::optional<uint64_t> m = ParseMemory(args[0]);
      if (!m) return Refuse("argument must be a memory value");
      if (*m > static_cast<uint64_t>(max)) return OutOfRange(min, max);
      v = static_cast<int64_t>(*m);
    } else {
      std::optional<int64_t> i = engine::ParseInt64(args[0]);
      if (!i) return Refuse("argument couldn't be parsed into an integer");
      v = *i;
    }
    if (v < min || v > max) return OutOfRange(min, max);
    (c.*group).*field = static_cast<T>(v);
    return Status::Ok();
  };
  d.get = [group, field](const Config& c) { return std::to_string((c.*group).*field); };
  return d;
}

// `valid` returns the refusal text, or nullptr when the value is acceptable.
OptionDef StringOption(std::string_view name, uint32_t flags, std::string Config::*field,
                       const char* (*valid)(const std::string&) = nullptr) {
  OptionDef d{name, "", OptionType::kString, flags, nullptr, nullptr};
  d.set = [field, valid](Config& c, const Args& args, SetContext&) {
    if (valid != nullptr) {
      if (const char* why = valid(args[0])) return Refuse(why);
    }
    c.*field = args[0];
    return Status::Ok();
  };
  d.get = [field](const Config& c) { return c.*field; };
  return d;
}

// ---- Options with their own syntax ----

const char* ValidDbFilename(const std::string& v) {
  if (v.find('/') != std::string::npos || v.find('\\') != std::string::npos) {
    return "dbfilename can't be a path, just a filename";
  }
  return nullptr;
}

const char* ValidAofFilename(const std::string& v) {
  if (v.empty() || v.find('/') != std::string::npos || v.find('\\') != std::string::npos) {
    return "appendfilename can't be a path, just a filename";
  }
  return nullptr;
}

const char* ValidAofDirname(const std::string& v) {
  if (v.empty() || v.find('/') != std::string::npos || v.find('\\') != std::string::npos) {
    return "appenddirname can't be a path, just a dirname";
  }
  return nullptr;
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += ' ';
    out += words[i];
  }
  return out;
}

OptionDef BindOption() {
  OptionDef d{"bind", "", OptionType::kSpecial, kOptionMultiArg, nullptr, nullptr};
  d.set = [](Config& c, const Args& args, SetContext&) {
    static constexpr size_t kMaxBindAddresses = 16;  // Redis's CONFIG_BINDADDR_MAX
    if (args.size() > kMaxBindAddresses) return Refuse("Too many bind addresses specified.");
    // A single empty word means "no addresses" (bind "" in a file).
    if (args.size() == 1 && args[0].empty()) {
      c.bind.clear();
    } else {
      c.bind = args;
    }
    return Status::Ok();
  };
  d.get = [](const Config& c) { return JoinWords(c.bind); };
  return d;
}

OptionDef SaveOption() {
  OptionDef d{"save", "", OptionType::kSpecial, kOptionMultiArg, nullptr, nullptr};
  d.set = [](Config& c, const Args& args, SetContext& ctx) {
    size_t argc = args.size();
    if (argc == 1 && args[0].empty()) argc = 0;  // save "" disables snapshots
    if (argc % 2 != 0) return Refuse("Invalid save parameters");
    std::vector<SavePoint> points;
    for (size_t j = 0; j < argc; j += 2) {
      std::optional<int64_t> seconds = ParseLooseInt(args[j]);
      std::optional<int64_t> changes = ParseLooseInt(args[j + 1]);
      if (!seconds || !changes || *seconds < 1 || *changes < 0) {
        return Refuse("Invalid save parameters");
      }
      points.push_back({*seconds, *changes});
    }
    // In a file, successive `save` lines add points (the first one replaces the defaults);
    // CONFIG SET replaces the whole list.
    if (ctx.loading && ctx.save_seen) {
      c.save.insert(c.save.end(), points.begin(), points.end());
    } else {
      c.save = std::move(points);
    }
    if (ctx.loading) ctx.save_seen = true;
    return Status::Ok();
  };
  d.get = [](const Config& c) {
    std::string out;
    for (const SavePoint& p : c.save) {
      if (!out.empty()) out += ' ';
      out += std::to_string(p.seconds) + " " + std::to_string(p.changes);
    }
    return out;
  };
  return d;
}

OptionDef ClientOutputBufferLimitOption() {
  OptionDef d{
      "client-output-buffer-limit", "", OptionType::kSpecial, kOptionMultiArg, nullptr, nullptr};
  d.set = [](Config& c, const Args& args, SetContext&) {
    if (args.size() % 4 != 0) {
      return Refuse("Wrong number of arguments in buffer limit configuration.");
    }
    // Validate every class before changing any, so a bad entry leaves all limits untouched.
    std::array<ClientOutputLimit, 3> limits = c.client_output_buffer_limit;
    for (size_t j = 0; j < args.size(); j += 4) {
      size_t cls;
      if (engine::EqualsIgnoreCase(args[j], "normal")) {
        cls = kClientClassNormal;
      } else if (engine::EqualsIgnoreCase(args[j], "slave") ||
                 engine::EqualsIgnoreCase(args[j], "replica")) {
        cls = kClientClassReplica;
      } else if (engine::EqualsIgnoreCase(args[j], "pubsub")) {
        cls = kClientClassPubsub;
      } else {
        // "master" is a client type too, but has no output limits.
        return Refuse("Invalid client class specified in buffer limit configuration.");
      }
      std::optional<uint64_t> hard = ParseMemory(args[j + 1]);
      std::optional<uint64_t> soft = ParseMemory(args[j + 2]);
      std::optional<int64_t> secs = ParseLooseInt(args[j + 3]);
      // Redis keeps the seconds in an int: larger values wrap, and a wrapped negative is refused.
      int64_t wrapped = secs ? static_cast<int32_t>(static_cast<uint64_t>(*secs)) : -1;
      if (!hard || !soft || !secs || wrapped < 0) {
        return Refuse("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
      }
      limits[cls] = {*hard, *soft, wrapped};
    }
    c.client_output_buffer_limit = limits;
    return Status::Ok();
  };
  d.get = [](const Config& c) {
    static constexpr const char* kNames[] = {"normal", "slave", "pubsub"};
    std::string out;
    for (size_t i = 0; i < c.client_output_buffer_limit.size(); ++i) {
      const ClientOutputLimit& l = c.client_output_buffer_limit[i];
      if (i > 0) out += ' ';
      out += std::string(kNames[i]) + " " + std::to_string(l.hard_bytes) + " " +
             std::to_string(l.soft_bytes) + " " + std::to_string(l.soft_seconds);
    }
    return out;
  };
  return d;
}

OptionDef DirOption() {
  OptionDef d{"dir", "", OptionType::kSpecial, kOptionProtected, nullptr, nullptr};
  // Like Redis, setting dir changes the working directory at once (while reading the file too,
  // so later relative paths such as includes resolve against it), and reports the result.
  d.set = [](Config& c, const Args& args, SetContext& ctx) {
    Result<std::string> now =
        ctx.change_dir ? (*ctx.change_dir)(args[0]) : ChangeWorkingDirectory(args[0]);
    if (!now.has_value()) return Refuse(std::string(now.error().message()));
    c.dir = std::move(now).value();
    return Status::Ok();
  };
  d.get = [](const Config& c) { return c.dir; };
  return d;
}

OptionDef ClampedHz() {
  OptionDef d = IntegerOption("hz", 0, &Config::hz, 0, INT_MAX);
  // Redis accepts any non-negative hz and clamps it to [1, 500] when applying it.
  d.set = [inner = d.set](Config& c, const Args& args, SetContext& ctx) {
    KEEL_RETURN_IF_ERROR(inner(c, args, ctx));
    c.hz = std::clamp<int64_t>(c.hz, 1, 500);
    return Status::Ok();
  };
  return d;
}

std::vector<OptionDef> MakeOptions() {
  const EnumNames<ProtectedAction> kProtected = {{"no", ProtectedAction::kNo},
                                                 {"yes", ProtectedAction::kYes},
                                                 {"local", ProtectedAction::kLocal}};
  constexpr uint64_t kMb = 1024 * 1024;
  std::vector<OptionDef> o;
  // Network.
  o.push_back(IntegerOption("port", 0, &Config::port, 0, 65535));
  o.push_back(BindOption());
  o.push_back(BoolOption("protected-mode", 0, &Config::protected_mode));
  o.push_back(IntegerOption("tcp-backlog", kOptionImmutable, &Config::tcp_backlog, 0, INT_MAX));
  o.push_back(IntegerOption("tcp-keepalive", 0, &Config::tcp_keepalive, 0, INT_MAX));
  o.push_back(IntegerOption("timeout", 0, &Config::timeout, 0, INT_MAX));
  // Process.
  o.push_back(BoolOption("daemonize", kOptionImmutable, &Config::daemonize));
  o.push_back(StringOption("pidfile", kOptionImmutable, &Config::pidfile));
  o.push_back(EnumOption<LogLevel>("loglevel", 0, &Config::loglevel,
                                   {{"debug", LogLevel::kDebug},
                                    {"verbose", LogLevel::kVerbose},
                                    {"notice", LogLevel::kNotice},
                                    {"warning", LogLevel::kWarning}}));
  o.push_back(StringOption("logfile", kOptionImmutable, &Config::logfile));
  o.push_back(IntegerOption("databases", kOptionImmutable, &Config::databases, 1, INT_MAX));
  o.push_back(ClampedHz());
  o.push_back(EnumOption<IoBackend>("io-backend", kOptionImmutable, &Config::io_backend,
                                    {{"auto", IoBackend::kAuto},
                                     {"io_uring", IoBackend::kIoUring},
                                     {"epoll", IoBackend::kEpoll}}));
  o.push_back(EnumOption("enable-protected-configs", kOptionImmutable,
                         &Config::enable_protected_configs, kProtected));
  o.push_back(EnumOption("enable-debug-command", kOptionImmutable, &Config::enable_debug_command,
                         kProtected));
  // Clients and security.
  o.push_back(StringOption("requirepass", kOptionSensitive, &Config::requirepass));
  o.push_back(IntegerOption("maxclients", 0, &Config::maxclients, 1, UINT_MAX));
  o.push_back(MemoryOption("proto-max-bulk-len", 0, &Config::proto_max_bulk_len, kMb, LONG_MAX));
  o.push_back(MemoryOption("client-query-buffer-limit", 0, &Config::client_query_buffer_limit, kMb,
                           LONG_MAX));
  o.push_back(ClientOutputBufferLimitOption());
  // Data types.
  using engine::EncodingLimits;
  constexpr auto kInt = OptionType::kInteger;
  constexpr auto kMem = OptionType::kMemory;
  o.push_back(NestedOption("list-max-listpack-size", "list-max-ziplist-size", kInt,
                           &Config::encoding, &EncodingLimits::list_max_listpack_size, INT_MIN,
                           INT_MAX));
  o.push_back(NestedOption("list-compress-depth", "", kInt, &Config::encoding,
                           &EncodingLimits::list_compress_depth, 0, INT_MAX));
  o.push_back(NestedOption("hash-max-listpack-entries", "hash-max-ziplist-entries", kInt,
                           &Config::encoding, &EncodingLimits::hash_max_listpack_entries, 0,
                           LONG_MAX));
  o.push_back(NestedOption("hash-max-listpack-value", "hash-max-ziplist-value", kMem,
                           &Config::encoding, &EncodingLimits::hash_max_listpack_value, 0,
                           LONG_MAX));
  o.push_back(NestedOption("set-max-intset-entries", "", kInt, &Config::encoding,
                           &EncodingLimits::set_max_intset_entries, 0, LONG_MAX));
  o.push_back(NestedOption("zset-max-listpack-entries", "zset-max-ziplist-entries", kInt,
                           &Config::encoding, &EncodingLimits::zset_max_listpack_entries, 0,
                           LONG_MAX));
  o.push_back(NestedOption("zset-max-listpack-value", "zset-max-ziplist-value", kMem,
                           &Config::encoding, &EncodingLimits::zset_max_listpack_value, 0,
                           LONG_MAX));
  // Memory and eviction.
  using engine::EvictionConfig;
  using engine::MaxmemoryPolicy;
  {
    OptionDef d{"maxmemory", "", kMem, 0, nullptr, nullptr};
    d.set = [](Config& c, const Args& args, SetContext&) {
      std::optional<uint64_t> m = ParseMemory(args[0]);
      if (!m) return Refuse("argument must be a memory value");
      c.eviction.maxmemory = *m;
      return Status::Ok();
    };
    d.get = [](const Config& c) { return std::to_string(c.eviction.maxmemory); };
    o.push_back(std::move(d));
  }
  {
    const EnumNames<MaxmemoryPolicy> kPolicies = {
        {"volatile-lru", MaxmemoryPolicy::kVolatileLru},
        {"volatile-lfu", MaxmemoryPolicy::kVolatileLfu},
        {"volatile-random", MaxmemoryPolicy::kVolatileRandom},
        {"volatile-ttl", MaxmemoryPolicy::kVolatileTtl},
        {"allkeys-lru", MaxmemoryPolicy::kAllKeysLru},
        {"allkeys-lfu", MaxmemoryPolicy::kAllKeysLfu},
        {"allkeys-random", MaxmemoryPolicy::kAllKeysRandom},
        {"noeviction", MaxmemoryPolicy::kNoEviction}};
    OptionDef d{"maxmemory-policy", "", OptionType::kEnum, 0, nullptr, nullptr};
    d.set = [kPolicies](Config& c, const Args& args, SetContext&) {
      for (const auto& [text, value] : kPolicies) {
        if (engine::EqualsIgnoreCase(args[0], text)) {
          c.eviction.policy = value;
          return Status::Ok();
        }
      }
      std::string why = "argument(s) must be one of the following: ";
      for (size_t i = 0; i < kPolicies.size(); ++i) {
        if (i > 0) why += ", ";
        why += kPolicies[i].first;
      }
      return Refuse(std::move(why));
    };
    d.get = [kPolicies](const Config& c) {
      for (const auto& [text, value] : kPolicies) {
        if (value == c.eviction.policy) return std::string(text);
      }
      return std::string("unknown");
    };
    o.push_back(std::move(d));
  }
  o.push_back(NestedOption("maxmemory-samples", "", kInt, &Config::eviction,
                           &EvictionConfig::samples, 1, INT_MAX));
  o.push_back(NestedOption("maxmemory-eviction-tenacity", "", kInt, &Config::eviction,
                           &EvictionConfig::tenacity, 0, 100));
  o.push_back(NestedOption("lfu-log-factor", "", kInt, &Config::eviction,
                           &EvictionConfig::lfu_log_factor, 0, INT_MAX));
  o.push_back(NestedOption("lfu-decay-time", "", kInt, &Config::eviction,
                           &EvictionConfig::lfu_decay_time, 0, INT_MAX));
  // Slow log.
  o.push_back(IntegerOption("slowlog-log-slower-than", 0, &Config::slowlog_log_slower_than, -1,
                            LLONG_MAX));
  o.push_back(IntegerOption("slowlog-max-len", 0, &Config::slowlog_max_len, 0, LONG_MAX));
  // Persistence.
  o.push_back(DirOption());
  o.push_back(SaveOption());
  o.push_back(StringOption("dbfilename", kOptionProtected, &Config::dbfilename, ValidDbFilename));
  o.push_back(BoolOption("rdbcompression", 0, &Config::rdbcompression));
  o.push_back(BoolOption("rdbchecksum", kOptionImmutable, &Config::rdbchecksum));
  o.push_back(BoolOption("stop-writes-on-bgsave-error", 0, &Config::stop_writes_on_bgsave_error));
  o.push_back(IntegerOption("rdb-zstd-level", 0, &Config::rdb_zstd_level, 0, 22));
  // Hidden, as in Redis: tests use it to slow a background save down.
  o.push_back(
      IntegerOption("rdb-key-save-delay", kOptionHidden, &Config::rdb_key_save_delay, 0, INT_MAX));
  o.push_back(BoolOption("appendonly", 0, &Config::appendonly));
  o.push_back(EnumOption<AppendFsync>("appendfsync", 0, &Config::appendfsync,
                                      {{"everysec", AppendFsync::kEverysec},
                                       {"always", AppendFsync::kAlways},
                                       {"no", AppendFsync::kNo}}));
  o.push_back(StringOption("appendfilename", kOptionImmutable, &Config::appendfilename,
                           ValidAofFilename));
  o.push_back(StringOption("appenddirname", kOptionImmutable, &Config::appenddirname,
                           ValidAofDirname));
  o.push_back(BoolOption("no-appendfsync-on-rewrite", 0, &Config::no_appendfsync_on_rewrite));
  o.push_back(IntegerOption("auto-aof-rewrite-percentage", 0, &Config::auto_aof_rewrite_percentage,
                            0, INT_MAX));
  o.push_back(MemoryOption("auto-aof-rewrite-min-size", 0, &Config::auto_aof_rewrite_min_size, 0,
                           LLONG_MAX));
  o.push_back(BoolOption("aof-load-truncated", 0, &Config::aof_load_truncated));
  o.push_back(BoolOption("aof-use-rdb-preamble", 0, &Config::aof_use_rdb_preamble));
  o.push_back(BoolOption("aof-rewrite-incremental-fsync", 0,
                         &Config::aof_rewrite_incremental_fsync));
  o.push_back(BoolOption("aof-timestamp-enabled", 0, &Config::aof_timestamp_enabled));
  return o;
}

}  // namespace

const std::vector<OptionDef>& BuiltinOptions() {
  static const std::vector<OptionDef> options = MakeOptions();
  return options;
}

Result<std::string> ChangeWorkingDirectory(const std::string& path) {
  if (chdir(path.c_str()) != 0) {
    int err = errno;
    return Status::IoError(std::strerror(err), err);
  }
  char buf[PATH_MAX];
  if (getcwd(buf, sizeof(buf)) == nullptr) return std::string();
  return std::string(buf);
}

}  // namespace keel::server
