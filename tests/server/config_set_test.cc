// Tests for CONFIG GET and CONFIG SET (ConfigStore::Get / Set / OnChange): patterns and aliases,
// Redis 7.0.15's reply texts, all-or-nothing multi-pair SET, hooks and rollback.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "server/config.h"
#include "tests/server/config_test_util.h"

namespace keel::server {
namespace {

using testing::FakeDirStore;
using testing::GetOne;
using testing::SetOne;
using testing::SetPairs;

std::set<std::string> Names(const ConfigStore::Pairs& pairs) {
  std::set<std::string> out;
  for (const auto& kv : pairs) out.insert(kv.first);
  return out;
}

// The built-in options plus an alias "idle-timeout" for timeout, to exercise alias handling
// (none of Keel's current options has a Redis alias).
ConfigStore WithAlias() {
  std::vector<OptionDef> options = BuiltinOptions();
  for (OptionDef& d : options) {
    if (d.name == "timeout") d.alias = "idle-timeout";
  }
  return ConfigStore(std::move(options));
}

std::string Failed(std::string_view name, std::string_view why) {
  return "ERR CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " +
         std::string(why);
}

// ---- CONFIG GET ----

// Names CONFIG GET * lists: every option and alias but the hidden ones (Redis's HIDDEN_CONFIG).
size_t VisibleNames() {
  size_t n = 0;
  for (const OptionDef& o : BuiltinOptions()) {
    if (o.flags & kOptionHidden) continue;
    n += o.alias.empty() ? 1 : 2;
  }
  return n;
}

TEST_CASE("GET * lists every option once, with no empty names", "[config_get]") {
  ConfigStore store;
  ConfigStore::Pairs all = store.Get("*");
  CHECK(all.size() == VisibleNames());
  CHECK(Names(all).size() == all.size());
  CHECK(Names(all).count("client-output-buffer-limit") == 1);
  CHECK(Names(all).count("io-backend") == 1);
  // Hidden: only by its exact name, as in Redis.
  CHECK(Names(all).count("rdb-key-save-delay") == 0);
  CHECK(GetOne(store, "rdb-key-save-delay") == "0");
}

TEST_CASE("GET *max* matches anywhere in the name", "[config_get]") {
  ConfigStore store;
  CHECK(Names(store.Get("*max-bulk*")) == std::set<std::string>{"proto-max-bulk-len"});
  CHECK(Names(store.Get("max*")) ==
        std::set<std::string>{"maxclients", "maxmemory", "maxmemory-eviction-tenacity",
                              "maxmemory-policy", "maxmemory-samples"});
  CHECK(Names(store.Get("tcp*")) == std::set<std::string>{"tcp-backlog", "tcp-keepalive"});
  CHECK(Names(store.Get("[pq]ort")) == std::set<std::string>{"port"});
  CHECK(Names(store.Get("?ort")) == std::set<std::string>{"port"});
}

TEST_CASE("an exact GET is case-insensitive and echoes the name as typed", "[config_get]") {
  ConfigStore store;
  ConfigStore::Pairs r = store.Get("PORT");
  REQUIRE(r.size() == 1);
  CHECK(r[0] == std::pair<std::string, std::string>{"PORT", "6379"});
}

TEST_CASE("a GET pattern is case-insensitive and replies with the real name", "[config_get]") {
  ConfigStore store;
  ConfigStore::Pairs r = store.Get("Po*");
  REQUIRE(r.size() == 1);
  CHECK(r[0].first == "port");
}

TEST_CASE("GET of an unknown name or a lone backslash matches nothing", "[config_get]") {
  ConfigStore store;
  CHECK(store.Get("nonexistent").empty());
  CHECK(store.Get("port\\").empty());
  CHECK(store.Get("").empty());
}

TEST_CASE("GET with several arguments never repeats a name", "[config_get]") {
  ConfigStore store;
  std::vector<std::string_view> same = {"port", "PORT"};
  ConfigStore::Pairs r = store.Get(same);
  REQUIRE(r.size() == 1);
  CHECK(r[0].first == "port");
  std::vector<std::string_view> typed_first = {"PORT", "p*rt"};
  r = store.Get(typed_first);
  REQUIRE(r.size() == 1);
  CHECK(r[0].first == "PORT");
  std::vector<std::string_view> three = {"timeout", "hz", "timeout"};
  CHECK(store.Get(three).size() == 2);
  std::vector<std::string_view> overlap = {"*port*", "*por*"};
  CHECK(store.Get(overlap).size() == 1);
}

TEST_CASE("an alias answers GET by itself and under patterns, next to its name", "[config_get]") {
  ConfigStore store = WithAlias();
  CHECK(GetOne(store, "idle-timeout") == "0");
  CHECK(Names(store.Get("*timeout*")) == std::set<std::string>{"timeout", "idle-timeout"});
  CHECK(store.Get("*").size() == VisibleNames() + 1);
}

// ---- CONFIG SET: names ----

TEST_CASE("SET of one option changes its value", "[config_set]") {
  ConfigStore store;
  REQUIRE(SetOne(store, "timeout", "30").ok());
  CHECK(store.config().timeout == 30);
  CHECK(GetOne(store, "timeout") == "30");
}

TEST_CASE("SET of an unknown option", "[config_set]") {
  ConfigStore store;
  CHECK(SetOne(store, "foo", "bar").message() ==
        "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
}

TEST_CASE("SET of an immutable option echoes the name as typed", "[config_set]") {
  ConfigStore store;
  for (const char* name :
       {"databases", "DATABASES", "daemonize", "tcp-backlog", "logfile", "pidfile", "io-backend",
        "enable-protected-configs", "enable-debug-command"}) {
    INFO(name);
    CHECK(SetOne(store, name, "1").message() == Failed(name, "can't set immutable config"));
  }
  CHECK(store.config().databases == 16);
}

TEST_CASE("dir and dbfilename are protected unless enable-protected-configs allows",
          "[config_set]") {
  FakeDirStore f;
  CHECK(SetOne(f.store, "dir", "/fake/x").message() == Failed("dir", "can't set protected config"));
  CHECK(SetOne(f.store, "dbfilename", "x.rdb").message() ==
        Failed("dbfilename", "can't set protected config"));
  CHECK(f.chdir_calls.empty());

  f.store.config().enable_protected_configs = ProtectedAction::kLocal;
  CHECK(SetPairs(f.store, {{"dbfilename", "x.rdb"}}, /*local_client=*/false).message() ==
        Failed("dbfilename", "can't set protected config"));
  REQUIRE(SetPairs(f.store, {{"dbfilename", "x.rdb"}}, /*local_client=*/true).ok());
  CHECK(f.store.config().dbfilename == "x.rdb");

  f.store.config().enable_protected_configs = ProtectedAction::kYes;
  REQUIRE(SetOne(f.store, "dir", "/fake/x").ok());
  CHECK(f.store.config().dir == "/fake/x");
  CHECK(GetOne(f.store, "dir") == "/fake/x");
  CHECK(SetOne(f.store, "dbfilename", "a/b.rdb").message() ==
        Failed("dbfilename", "dbfilename can't be a path, just a filename"));
  CHECK(SetOne(f.store, "dir", "/nonexistent").message() ==
        Failed("dir", "No such file or directory"));
  CHECK(f.store.config().dir == "/fake/x");
}

TEST_CASE("SET of the same option twice is a duplicate, whatever the case", "[config_set]") {
  ConfigStore store;
  CHECK(SetPairs(store, {{"Port", "1"}, {"PORT", "2"}}).message() ==
        Failed("PORT", "duplicate parameter"));
  CHECK(store.config().port == 6379);
}

TEST_CASE("the first problem with a name, in argument order, is reported", "[config_set]") {
  ConfigStore store;
  CHECK(SetPairs(store, {{"foo", "1"}, {"databases", "2"}}).message() ==
        "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  CHECK(SetPairs(store, {{"databases", "2"}, {"foo", "1"}}).message() ==
        Failed("databases", "can't set immutable config"));
  CHECK(SetPairs(store, {{"timeout", "1"}, {"databases", "2"}, {"port", "1"}, {"port", "2"}})
            .message() == Failed("databases", "can't set immutable config"));
  CHECK(SetPairs(store, {{"port", "1"}, {"port", "2"}, {"databases", "2"}}).message() ==
        Failed("port", "duplicate parameter"));
  // A bad name is found before any value is looked at.
  CHECK(SetPairs(store, {{"hz", "abc"}, {"foo", "1"}}).message() ==
        "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
}

TEST_CASE("an option and its alias in one SET are not duplicates; the last wins", "[config_set]") {
  ConfigStore store = WithAlias();
  REQUIRE(SetPairs(store, {{"timeout", "5"}, {"idle-timeout", "6"}}).ok());
  CHECK(store.config().timeout == 6);
  CHECK(SetPairs(store, {{"IDLE-timeout", "1"}, {"idle-timeout", "2"}}).message() ==
        Failed("idle-timeout", "duplicate parameter"));
  // A refused value names the entry used, in its own spelling.
  CHECK(SetOne(store, "IDLE-TIMEOUT", "x").message() ==
        Failed("idle-timeout", "argument couldn't be parsed into an integer"));
}

// ---- CONFIG SET: values ----

TEST_CASE("a refused value names the option in lower case", "[config_set]") {
  ConfigStore store;
  CHECK(SetOne(store, "PORT", "abc").message() ==
        Failed("port", "argument couldn't be parsed into an integer"));
}

TEST_CASE("SET value texts match redis-server 7.0.15", "[config_set]") {
  struct Case {
    const char* name;
    const char* value;
    const char* why;
  };
  const Case cases[] = {
      {"port", "70000", "argument must be between 0 and 65535 inclusive"},
      {"protected-mode", "maybe", "argument must be 'yes' or 'no'"},
      {"loglevel", "foo",
       "argument(s) must be one of the following: debug, verbose, notice, warning"},
      {"timeout", "010", "argument couldn't be parsed into an integer"},
      {"timeout", "+5", "argument couldn't be parsed into an integer"},
      {"timeout", " 5", "argument couldn't be parsed into an integer"},
      {"timeout", "5.0", "argument couldn't be parsed into an integer"},
      {"timeout", "-1", "argument must be between 0 and 2147483647 inclusive"},
      {"tcp-keepalive", "99999999999", "argument must be between 0 and 2147483647 inclusive"},
      {"maxclients", "0", "argument must be between 1 and 4294967295 inclusive"},
      {"maxclients", "99999999999", "argument must be between 1 and 4294967295 inclusive"},
      {"maxclients", "abc", "argument couldn't be parsed into an integer"},
      {"hz", "-1", "argument must be between 0 and 2147483647 inclusive"},
      {"proto-max-bulk-len", "100",
       "argument must be between 1048576 and 9223372036854775807 inclusive"},
      {"proto-max-bulk-len", "",
       "argument must be between 1048576 and 9223372036854775807 inclusive"},
      {"proto-max-bulk-len", "mb",
       "argument must be between 1048576 and 9223372036854775807 inclusive"},
      {"proto-max-bulk-len", "99999999999999999999999",
       "argument must be between 1048576 and 9223372036854775807 inclusive"},
      {"proto-max-bulk-len", "1.5mb", "argument must be a memory value"},
      {"proto-max-bulk-len", "-1", "argument must be a memory value"},
      {"client-query-buffer-limit", "1",
       "argument must be between 1048576 and 9223372036854775807 inclusive"},
      {"appendfsync", "sometimes",
       "argument(s) must be one of the following: everysec, always, no"},
      {"save", "100 1 200", "Invalid save parameters"},
      {"save", "0 1", "Invalid save parameters"},
      {"save", "100 -1", "Invalid save parameters"},
      {"save", "100  1", "Invalid save parameters"},
      {"save", " ", "Invalid save parameters"},
      {"bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "Too many bind addresses specified."},
  };
  for (const Case& c : cases) {
    INFO(c.name << " '" << c.value << "'");
    ConfigStore store;
    const std::string before = GetOne(store, c.name);
    CHECK(SetOne(store, c.name, c.value).message() == Failed(c.name, c.why));
    CHECK(GetOne(store, c.name) == before);
  }
}

TEST_CASE("memory values take units and print in bytes", "[config_set]") {
  ConfigStore store;
  REQUIRE(SetOne(store, "proto-max-bulk-len", "2mb").ok());
  CHECK(GetOne(store, "proto-max-bulk-len") == "2097152");
  REQUIRE(SetOne(store, "proto-max-bulk-len", "2000k").ok());
  CHECK(GetOne(store, "proto-max-bulk-len") == "2000000");
  REQUIRE(SetOne(store, "proto-max-bulk-len", "1Gb").ok());
  CHECK(store.config().proto_max_bulk_len == 1073741824);
  REQUIRE(SetOne(store, "client-query-buffer-limit", "2000000b").ok());
  CHECK(store.config().client_query_buffer_limit == 2000000u);
}

TEST_CASE("yes/no and enum values are case-insensitive and print canonically", "[config_set]") {
  ConfigStore store;
  REQUIRE(SetPairs(store, {{"protected-mode", "NO"},
                           {"loglevel", "WARNING"},
                           {"appendonly", "Yes"},
                           {"appendfsync", "ALWAYS"}})
              .ok());
  CHECK(GetOne(store, "protected-mode") == "no");
  CHECK(GetOne(store, "loglevel") == "warning");
  CHECK(GetOne(store, "appendonly") == "yes");
  CHECK(GetOne(store, "appendfsync") == "always");
}

TEST_CASE("hz is clamped to 1..500 after the bounds check", "[config_set]") {
  ConfigStore store;
  REQUIRE(SetOne(store, "hz", "1000").ok());
  CHECK(GetOne(store, "hz") == "500");
  REQUIRE(SetOne(store, "hz", "0").ok());
  CHECK(GetOne(store, "hz") == "1");
  REQUIRE(SetOne(store, "hz", "2147483647").ok());
  CHECK(store.config().hz == 500);
}

TEST_CASE("SET save replaces the points; \"\" clears them; numbers print normalised",
          "[config_set]") {
  ConfigStore store;
  REQUIRE(SetOne(store, "save", "100 01 200 2").ok());
  CHECK(GetOne(store, "save") == "100 1 200 2");
  REQUIRE(SetOne(store, "save", "100 0").ok());
  CHECK(GetOne(store, "save") == "100 0");
  REQUIRE(SetOne(store, "save", "").ok());
  CHECK(GetOne(store, "save") == "");
}

TEST_CASE("SET bind splits on spaces; \"\" means no address", "[config_set]") {
  ConfigStore store;
  REQUIRE(SetOne(store, "bind", "127.0.0.1 -::1").ok());
  CHECK(store.config().bind == std::vector<std::string>{"127.0.0.1", "-::1"});
  REQUIRE(SetOne(store, "bind", "").ok());
  CHECK(store.config().bind.empty());
  REQUIRE(SetOne(store, "bind", "a  b").ok());
  CHECK(store.config().bind == std::vector<std::string>{"a", "", "b"});
}

TEST_CASE("client-output-buffer-limit: partial class lists and replica as slave", "[config_set]") {
  ConfigStore store;
  REQUIRE(SetOne(store, "client-output-buffer-limit", "pubsub 1mb 2mb 10").ok());
  CHECK(GetOne(store, "client-output-buffer-limit") ==
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2097152 10");
  REQUIRE(SetOne(store, "client-output-buffer-limit", "replica 1 2 3 normal 4k 5kb 6").ok());
  CHECK(GetOne(store, "client-output-buffer-limit") ==
        "normal 4000 5120 6 slave 1 2 3 pubsub 1048576 2097152 10");
  REQUIRE(SetOne(store, "client-output-buffer-limit", "NORMAL 1 2 1 Slave 7 8 9").ok());
  CHECK(store.config().client_output_buffer_limit[kClientClassNormal].hard_bytes == 1u);
  CHECK(store.config().client_output_buffer_limit[kClientClassReplica].soft_seconds == 9);
  REQUIRE(SetOne(store, "client-output-buffer-limit", "").ok());
  CHECK(GetOne(store, "client-output-buffer-limit") ==
        "normal 1 2 1 slave 7 8 9 pubsub 1048576 2097152 10");
}

TEST_CASE("client-output-buffer-limit seconds wrap like Redis's int", "[config_set]") {
  ConfigStore store;
  REQUIRE(SetOne(store, "client-output-buffer-limit", "normal 1 2 99999999999").ok());
  CHECK(store.config().client_output_buffer_limit[kClientClassNormal].soft_seconds == 1215752191);
  // 2^31 wraps to a negative int, which is refused.
  CHECK(SetOne(store, "client-output-buffer-limit", "normal 1 2 2147483648").message() ==
        Failed("client-output-buffer-limit",
               "Error in hard, soft or soft_seconds setting in buffer limit configuration."));
}

TEST_CASE("a bad client-output-buffer-limit entry changes no class", "[config_set]") {
  const std::string defaults =
      "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";
  struct Case {
    const char* value;
    const char* why;
  };
  const Case cases[] = {
      {"pubsub 1 2 3 master 1 2 3",
       "Invalid client class specified in buffer limit configuration."},
      {"pubsub 1 2 3 foo 1 2 3", "Invalid client class specified in buffer limit configuration."},
      {"normal 1 2", "Wrong number of arguments in buffer limit configuration."},
      {"pubsub 1 2 3 normal 1 2 -1",
       "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
      {"pubsub 1 2 3 normal x 2 1",
       "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
      {"normal 1 2 3x",
       "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
  };
  for (const Case& c : cases) {
    INFO(c.value);
    ConfigStore store;
    CHECK(SetOne(store, "client-output-buffer-limit", c.value).message() ==
          Failed("client-output-buffer-limit", c.why));
    CHECK(GetOne(store, "client-output-buffer-limit") == defaults);
  }
}

// ---- CONFIG SET: atomicity, hooks, rollback ----

TEST_CASE("several pairs are set together", "[config_set]") {
  ConfigStore store;
  REQUIRE(SetPairs(store, {{"timeout", "5"}, {"hz", "20"}, {"maxclients", "50"}}).ok());
  CHECK(store.config().timeout == 5);
  CHECK(store.config().hz == 20);
  CHECK(store.config().maxclients == 50);
}

TEST_CASE("one bad value leaves every option of the SET unchanged", "[config_set]") {
  ConfigStore store;
  CHECK(SetPairs(store, {{"timeout", "5"}, {"save", ""}, {"hz", "abc"}}).message() ==
        Failed("hz", "argument couldn't be parsed into an integer"));
  CHECK(store.config().timeout == 0);
  CHECK(GetOne(store, "save") == "3600 1 300 100 60 10000");
  CHECK(store.config().hz == 10);
  // The first bad value in argument order is the one reported.
  CHECK(SetPairs(store, {{"timeout", "abc"}, {"hz", "abc"}}).message() ==
        Failed("timeout", "argument couldn't be parsed into an integer"));
}

TEST_CASE("a bad value after dir changes the directory back", "[config_set]") {
  FakeDirStore f;
  f.store.config().enable_protected_configs = ProtectedAction::kYes;
  CHECK(SetPairs(f.store, {{"dir", "/fake/new"}, {"timeout", "abc"}}).message() ==
        Failed("timeout", "argument couldn't be parsed into an integer"));
  CHECK(f.chdir_calls == std::vector<std::string>{"/fake/new", "/fake/start"});
  CHECK(f.store.config().dir == "/fake/start");
}

TEST_CASE("hooks run once per changed option, with the new configuration", "[config_set]") {
  ConfigStore store = WithAlias();
  std::vector<std::string> calls;
  store.OnChange("timeout", [&calls](const Config& c) {
    calls.push_back("timeout=" + std::to_string(c.timeout));
    return Status::Ok();
  });
  store.OnChange("hz", [&calls](const Config& c) {
    calls.push_back("hz=" + std::to_string(c.hz));
    return Status::Ok();
  });
  REQUIRE(SetPairs(store, {{"hz", "20"}, {"timeout", "5"}, {"idle-timeout", "6"}}).ok());
  CHECK(calls == std::vector<std::string>{"hz=20", "timeout=6"});
  calls.clear();
  // Unchanged values call no hook; neither does hz 900, which clamps to the current 500.
  REQUIRE(SetPairs(store, {{"hz", "20"}, {"timeout", "6"}}).ok());
  CHECK(calls.empty());
  REQUIRE(SetOne(store, "hz", "1000").ok());
  REQUIRE(SetOne(store, "hz", "900").ok());
  CHECK(calls == std::vector<std::string>{"hz=500"});
}

TEST_CASE("a hook registered through an alias fires for the option's name", "[config_set]") {
  ConfigStore store = WithAlias();
  int calls = 0;
  store.OnChange("IDLE-TIMEOUT", [&calls](const Config&) {
    ++calls;
    return Status::Ok();
  });
  REQUIRE(SetOne(store, "timeout", "9").ok());
  CHECK(calls == 1);
}

TEST_CASE("a failing hook rolls the SET back and re-applies the hooks that ran", "[config_set]") {
  ConfigStore store;
  std::vector<std::string> calls;
  store.OnChange("timeout", [&calls](const Config& c) {
    calls.push_back("timeout=" + std::to_string(c.timeout));
    return Status::Ok();
  });
  store.OnChange("maxclients", [&calls](const Config& c) {
    calls.push_back("maxclients=" + std::to_string(c.maxclients));
    if (c.maxclients > 100) return Status::InvalidArgument("too many clients for this test");
    return Status::Ok();
  });
  int hz_calls = 0;
  store.OnChange("hz", [&hz_calls](const Config&) {
    ++hz_calls;
    return Status::Ok();
  });
  Status s = SetPairs(store, {{"timeout", "5"}, {"maxclients", "500"}, {"hz", "20"}});
  CHECK(s.message() == Failed("maxclients", "too many clients for this test"));
  CHECK(store.config().timeout == 0);
  CHECK(store.config().maxclients == 10000);
  CHECK(store.config().hz == 10);
  // timeout's hook saw the new value, then the restored one; the failing hook is not re-run and
  // hz's hook never ran.
  CHECK(calls == std::vector<std::string>{"timeout=5", "maxclients=500", "timeout=0"});
  CHECK(hz_calls == 0);
}

TEST_CASE("a hook failing without a message gives the short error text", "[config_set]") {
  ConfigStore store;
  store.OnChange("port", [](const Config&) { return Status::IoError("", 0); });
  CHECK(SetOne(store, "port", "7000").message() ==
        "ERR CONFIG SET failed (possibly related to argument 'port')");
  CHECK(store.config().port == 6379);
}

TEST_CASE("a failing hook after a dir change restores the directory", "[config_set]") {
  FakeDirStore f;
  f.store.config().enable_protected_configs = ProtectedAction::kYes;
  f.store.OnChange("appendonly", [](const Config&) { return Status::IoError("disk on fire", 5); });
  CHECK(SetPairs(f.store, {{"dir", "/fake/new"}, {"appendonly", "yes"}}).message() ==
        Failed("appendonly", "disk on fire"));
  CHECK(f.chdir_calls == std::vector<std::string>{"/fake/new", "/fake/start"});
  CHECK(f.store.config().dir == "/fake/start");
  CHECK_FALSE(f.store.config().appendonly);
}

TEST_CASE("loading never calls hooks", "[config_set]") {
  ConfigStore store;
  int calls = 0;
  store.OnChange("timeout", [&calls](const Config&) {
    ++calls;
    return Status::Ok();
  });
  REQUIRE(store.LoadString("timeout 5").ok());
  CHECK(store.config().timeout == 5);
  CHECK(calls == 0);
}

TEST_CASE("requirepass is the sensitive option", "[config_set]") {
  ConfigStore store;
  CHECK(store.IsSensitive("requirepass"));
  CHECK(store.IsSensitive("REQUIREPASS"));
  CHECK_FALSE(store.IsSensitive("port"));
  CHECK_FALSE(store.IsSensitive("nonexistent"));
  REQUIRE(SetOne(store, "requirepass", "s3cret with spaces").ok());
  CHECK(store.config().requirepass == "s3cret with spaces");
}

}  // namespace
}  // namespace keel::server
