// Tests for loading the configuration (server/config.h): defaults, redis.conf parsing, includes,
// command-line options, and the fatal error texts redis-server 7.0.15 prints for each mistake.
#include "server/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <climits>
#include <string>

#include "tests/server/config_test_util.h"

namespace keel::server {
namespace {

using testing::AfterBanner;
using testing::AtLine;
using testing::FakeDirStore;
using testing::GetOne;
using testing::LoadArgs;
using testing::TempDir;

TEST_CASE("defaults print as redis-server 7.0 prints them", "[config]") {
  ConfigStore store;
  CHECK(GetOne(store, "port") == "6379");
  CHECK(GetOne(store, "bind") == "* -::*");
  CHECK(GetOne(store, "protected-mode") == "yes");
  CHECK(GetOne(store, "timeout") == "0");
  CHECK(GetOne(store, "tcp-keepalive") == "300");
  CHECK(GetOne(store, "tcp-backlog") == "511");
  CHECK(GetOne(store, "databases") == "16");
  CHECK(GetOne(store, "hz") == "10");
  CHECK(GetOne(store, "maxclients") == "10000");
  CHECK(GetOne(store, "requirepass") == "");
  CHECK(GetOne(store, "logfile") == "");
  CHECK(GetOne(store, "loglevel") == "notice");
  CHECK(GetOne(store, "daemonize") == "no");
  CHECK(GetOne(store, "pidfile") == "");
  CHECK(GetOne(store, "proto-max-bulk-len") == "536870912");
  CHECK(GetOne(store, "client-query-buffer-limit") == "1073741824");
  CHECK(GetOne(store, "client-output-buffer-limit") ==
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  CHECK(GetOne(store, "save") == "3600 1 300 100 60 10000");
  CHECK(GetOne(store, "appendonly") == "no");
  CHECK(GetOne(store, "dbfilename") == "dump.rdb");
  CHECK(GetOne(store, "appendfsync") == "everysec");
  CHECK(GetOne(store, "enable-protected-configs") == "no");
  CHECK(GetOne(store, "enable-debug-command") == "no");
  CHECK(GetOne(store, "io-backend") == "auto");
  char cwd[PATH_MAX];
  REQUIRE(getcwd(cwd, sizeof(cwd)) != nullptr);
  CHECK(GetOne(store, "dir") == cwd);
}

TEST_CASE("comments, blank lines, indentation, CRLF and name case are ignored", "[config]") {
  ConfigStore store;
  Status s = store.LoadString(
      "# a comment\n"
      "\n"
      "   \t\n"
      "   PORT 7000   \r\n"
      "\t# indented comment\n"
      "Hz 20\n"
      "requirepass \"a b\\x41\"\n"
      "dbfilename 'it\\'s.rdb'\n");
  REQUIRE(s.ok());
  CHECK(store.config().port == 7000);
  CHECK(store.config().hz == 20);
  CHECK(store.config().requirepass == "a bA");
  CHECK(store.config().dbfilename == "it's.rdb");
}

TEST_CASE("typed values: units, case-insensitive yes/no and enum names", "[config]") {
  ConfigStore store;
  REQUIRE(store
              .LoadString("proto-max-bulk-len 1GB\nclient-query-buffer-limit 2mb\n"
                          "protected-mode NO\nloglevel WARNING\nappendfsync Always\n"
                          "appendonly yes\nio-backend epoll\nenable-debug-command local\n")
              .ok());
  const Config& c = store.config();
  CHECK(c.proto_max_bulk_len == 1073741824);
  CHECK(c.client_query_buffer_limit == 2097152u);
  CHECK_FALSE(c.protected_mode);
  CHECK(c.loglevel == LogLevel::kWarning);
  CHECK(c.appendfsync == AppendFsync::kAlways);
  CHECK(c.appendonly);
  CHECK(c.io_backend == IoBackend::kEpoll);
  CHECK(c.enable_debug_command == ProtectedAction::kLocal);
  CHECK(GetOne(store, "loglevel") == "warning");
  CHECK(GetOne(store, "appendfsync") == "always");
}

TEST_CASE("an unknown directive names its line", "[config]") {
  ConfigStore store;
  Status s = store.LoadString("port 7107\nfoo bar\n");
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(AfterBanner(s) == AtLine(2, "foo bar", "Bad directive or wrong number of arguments"));
}

TEST_CASE("the banner starts with a blank line and names Keel", "[config]") {
  ConfigStore store;
  Status s = store.LoadString("foo\n");
  CHECK(s.message().substr(0, 35) == "\n*** FATAL CONFIG FILE ERROR (Keel ");
}

TEST_CASE("bad values are reported with Redis's texts and the trimmed line", "[config]") {
  struct Case {
    const char* text;
    const char* line;
    const char* why;
  };
  const Case cases[] = {
      {"port abc", "port abc", "argument couldn't be parsed into an integer"},
      {"port 70000", "port 70000", "argument must be between 0 and 65535 inclusive"},
      {"port 010", "port 010", "argument couldn't be parsed into an integer"},
      {"hz -5", "hz -5", "argument must be between 0 and 2147483647 inclusive"},
      {"databases 0", "databases 0", "argument must be between 1 and 2147483647 inclusive"},
      {"maxclients 0", "maxclients 0", "argument must be between 1 and 4294967295 inclusive"},
      {"tcp-backlog -1", "tcp-backlog -1", "argument must be between 0 and 2147483647 inclusive"},
      {"protected-mode maybe", "protected-mode maybe", "argument must be 'yes' or 'no'"},
      {"loglevel loud", "loglevel loud",
       "argument(s) must be one of the following: debug, verbose, notice, warning"},
      {"appendfsync sometimes", "appendfsync sometimes",
       "argument(s) must be one of the following: everysec, always, no"},
      {"enable-protected-configs x", "enable-protected-configs x",
       "argument(s) must be one of the following: no, yes, local"},
      {"io-backend kqueue", "io-backend kqueue",
       "argument(s) must be one of the following: auto, io_uring, epoll"},
      {"dbfilename a/b", "dbfilename a/b", "dbfilename can't be a path, just a filename"},
      {"dbfilename a\\\\b", "dbfilename a\\\\b", "dbfilename can't be a path, just a filename"},
      {"proto-max-bulk-len 1.5mb", "proto-max-bulk-len 1.5mb", "argument must be a memory value"},
      {"proto-max-bulk-len 100", "proto-max-bulk-len 100",
       "argument must be between 1048576 and 9223372036854775807 inclusive"},
      {"save 1", "save 1", "Invalid save parameters"},
      {"save 0 1", "save 0 1", "Invalid save parameters"},
      {"client-output-buffer-limit normal 1 2", "client-output-buffer-limit normal 1 2",
       "Wrong number of arguments in buffer limit configuration."},
      {"client-output-buffer-limit master 1 2 3", "client-output-buffer-limit master 1 2 3",
       "Invalid client class specified in buffer limit configuration."},
      {"bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
       "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "Too many bind addresses specified."},
      {"port \"\\x4\"", "port \"\\x4\"", "argument couldn't be parsed into an integer"},
      {"  port \"7107  ", "port \"7107", "Unbalanced quotes in configuration line"},
      {"port '7'x", "port '7'x", "Unbalanced quotes in configuration line"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    ConfigStore store;
    CHECK(AfterBanner(store.LoadString(c.text)) == AtLine(1, c.line, c.why));
  }
}

TEST_CASE("single-value options need exactly one argument", "[config]") {
  for (const char* text : {"port", "daemonize", "requirepass a b", "port 7 # not a comment"}) {
    INFO(text);
    ConfigStore store;
    CHECK(AfterBanner(store.LoadString(text)) == AtLine(1, text, "wrong number of arguments"));
  }
}

TEST_CASE("line numbers count comments and blank lines", "[config]") {
  ConfigStore store;
  Status s = store.LoadString("\n\n  # indented comment\nport 70000\n");
  CHECK(AfterBanner(s) ==
        AtLine(4, "port 70000", "argument must be between 0 and 65535 inclusive"));
}

TEST_CASE("hz in a file is clamped to 1..500", "[config]") {
  ConfigStore store;
  REQUIRE(store.LoadString("hz 1000").ok());
  CHECK(GetOne(store, "hz") == "500");
  REQUIRE(store.LoadString("hz 0").ok());
  CHECK(GetOne(store, "hz") == "1");
}

TEST_CASE("save lines in one file add up; the first replaces the defaults", "[config]") {
  ConfigStore store;
  REQUIRE(store.LoadString("save 900 1\nsave 300 10\nsave 60 100\n").ok());
  CHECK(GetOne(store, "save") == "900 1 300 10 60 100");
  // A new load starts over from whatever the previous one left.
  REQUIRE(store.LoadString("save 5 5").ok());
  CHECK(GetOne(store, "save") == "5 5");
}

TEST_CASE("save \"\" and a bare save disable snapshots; later lines still add", "[config]") {
  ConfigStore a;
  REQUIRE(a.LoadString("save \"\"\nsave 900 1\n").ok());
  CHECK(GetOne(a, "save") == "900 1");
  ConfigStore b;
  REQUIRE(b.LoadString("save").ok());
  CHECK(GetOne(b, "save") == "");
  CHECK(b.config().save.empty());
}

TEST_CASE("save points print normalised", "[config]") {
  ConfigStore store;
  REQUIRE(store.LoadString("save 0100 +1 200 2").ok());
  CHECK(GetOne(store, "save") == "100 1 200 2");
}

TEST_CASE("bind takes several addresses; bind \"\" and a bare bind take none", "[config]") {
  ConfigStore store;
  REQUIRE(store.LoadString("bind 127.0.0.1 -::1").ok());
  CHECK(store.config().bind == std::vector<std::string>{"127.0.0.1", "-::1"});
  CHECK(GetOne(store, "bind") == "127.0.0.1 -::1");
  REQUIRE(store.LoadString("bind \"\"").ok());
  CHECK(store.config().bind.empty());
  REQUIRE(store.LoadString("bind 1.2.3.4\nbind").ok());
  CHECK(store.config().bind.empty());
}

TEST_CASE("a bare client-output-buffer-limit changes nothing", "[config]") {
  ConfigStore store;
  REQUIRE(store.LoadString("client-output-buffer-limit").ok());
  CHECK(GetOne(store, "client-output-buffer-limit") ==
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
}

TEST_CASE("dir in a file changes directory at once and reports chdir's error", "[config]") {
  FakeDirStore f;
  REQUIRE(f.store.LoadString("dir /fake/data").ok());
  CHECK(f.chdir_calls == std::vector<std::string>{"/fake/data"});
  CHECK(f.store.config().dir == "/fake/data");
  Status s = f.store.LoadString("port 1\ndir /nonexistent");
  CHECK(AfterBanner(s) == AtLine(2, "dir /nonexistent", "No such file or directory"));
}

TEST_CASE("dir really changes the working directory", "[config]") {
  TempDir tmp;
  char before[PATH_MAX];
  REQUIRE(getcwd(before, sizeof(before)) != nullptr);
  ConfigStore store;
  Status s = store.LoadString("dir " + tmp.path);
  char during[PATH_MAX];
  REQUIRE(getcwd(during, sizeof(during)) != nullptr);
  REQUIRE(chdir(before) == 0);
  REQUIRE(s.ok());
  CHECK(std::string(during) == tmp.path);
  CHECK(store.config().dir == tmp.path);
}

TEST_CASE("a log file that cannot be opened stops the load without a line", "[config]") {
  ConfigStore store;
  Status s = store.LoadString("logfile /nonexistent-keel-dir/x.log");
  CHECK(AfterBanner(s) == "Can't open the log file: No such file or directory");
}

TEST_CASE("include reads another file, whose errors carry its own line numbers", "[config]") {
  TempDir tmp;
  std::string inc = tmp.Write("inc.conf", "timeout 7\n");
  std::string bad = tmp.Write("bad.conf", "# one\nfoo\n");
  ConfigStore store;
  REQUIRE(store.LoadString("port 1\ninclude " + inc + "\nhz 20\n").ok());
  CHECK(store.config().timeout == 7);
  CHECK(store.config().hz == 20);
  Status s = store.LoadString("port 1\nport 2\ninclude " + bad);
  CHECK(AfterBanner(s) == AtLine(2, "foo", "Bad directive or wrong number of arguments"));
}

TEST_CASE("include needs exactly one path", "[config]") {
  for (const char* text : {"include", "include a b"}) {
    ConfigStore store;
    CHECK(AfterBanner(store.LoadString(text)) ==
          AtLine(1, text, "Bad directive or wrong number of arguments"));
  }
}

TEST_CASE("including a missing file is an I/O error naming it", "[config]") {
  ConfigStore store;
  Status s = store.LoadString("include /nonexistent-keel.conf");
  CHECK(s.code() == StatusCode::kIoError);
  CHECK(s.message() ==
        "Fatal error, can't open config file '/nonexistent-keel.conf': No such file or directory");
}

TEST_CASE("an include pattern reads every match in order; no match is fine", "[config]") {
  TempDir tmp;
  tmp.Write("b.conf", "hz 30\n");
  tmp.Write("a.conf", "hz 20\ntimeout 5\n");
  ConfigStore store;
  REQUIRE(store.LoadString("include " + tmp.path + "/*.conf\n").ok());
  CHECK(store.config().hz == 30);
  CHECK(store.config().timeout == 5);
  REQUIRE(store.LoadString("include " + tmp.path + "/nomatch*.conf\n").ok());
}

TEST_CASE("a file including itself fails instead of recursing forever", "[config]") {
  TempDir tmp;
  std::string self = tmp.path + "/self.conf";
  tmp.Write("self.conf", "include " + self + "\n");
  ConfigStore store;
  Status s = store.LoadFile(self);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(AfterBanner(s).find("Too many nested include directives") != std::string::npos);
}

TEST_CASE("LoadFile reports a missing file with its path", "[config]") {
  ConfigStore store;
  Status s = store.LoadFile("/nonexistent-keel-dir/keel.conf");
  CHECK(s.message() ==
        "Fatal error, can't open config file '/nonexistent-keel-dir/keel.conf': No such file or "
        "directory");
}

// ---- Command line ----

TEST_CASE("options override the file and may carry several values", "[config][args]") {
  TempDir tmp;
  std::string file = tmp.Write("keel.conf", "port 7000\nbind 10.0.0.1\n");
  ConfigStore store;
  REQUIRE(LoadArgs(store, file, {"--port", "7001", "--bind", "127.0.0.1", "::1"}).ok());
  CHECK(store.config().port == 7001);
  CHECK(store.config().bind == std::vector<std::string>{"127.0.0.1", "::1"});
  CHECK(store.config_file() == file);
}

TEST_CASE("a relative config file is remembered as an absolute path", "[config][args]") {
  TempDir tmp;
  tmp.Write("rel.conf", "port 7000\n");
  char before[PATH_MAX];
  REQUIRE(getcwd(before, sizeof(before)) != nullptr);
  REQUIRE(chdir(tmp.path.c_str()) == 0);
  ConfigStore store;
  Status s = LoadArgs(store, "rel.conf", {});
  REQUIRE(chdir(before) == 0);
  REQUIRE(s.ok());
  CHECK(store.config_file() == tmp.path + "/rel.conf");
}

TEST_CASE("a missing config file is reported with its absolute path", "[config][args]") {
  ConfigStore store;
  Status s = LoadArgs(store, "/nonexistent-keel-dir/a.conf", {"--port", "1"});
  CHECK(s.code() == StatusCode::kIoError);
  CHECK(s.message() ==
        "Fatal error, can't open config file '/nonexistent-keel-dir/a.conf': No such file or "
        "directory");
}

TEST_CASE("--save with an empty value, last, or before another option disables saving",
          "[config][args]") {
  for (auto args : {std::initializer_list<const char*>{"--save", ""},
                    std::initializer_list<const char*>{"--port", "0", "--save"},
                    std::initializer_list<const char*>{"--save", "--port", "0"}}) {
    ConfigStore store;
    REQUIRE(LoadArgs(store, "", args).ok());
    CHECK(store.config().save.empty());
  }
  ConfigStore store;
  REQUIRE(LoadArgs(store, "", {"--save", "--port", "7002", "--hz", "21"}).ok());
  CHECK(store.config().port == 7002);
  CHECK(store.config().hz == 21);
}

TEST_CASE("an option and its value may come as one word", "[config][args]") {
  ConfigStore store;
  REQUIRE(LoadArgs(store, "", {"--port 7003", "--save 5 5", "10", "10"}).ok());
  CHECK(store.config().port == 7003);
  CHECK(GetOne(store, "save") == "5 5 10 10");
}

TEST_CASE("option values keep quotes, backslashes and spaces", "[config][args]") {
  ConfigStore store;
  REQUIRE(LoadArgs(store, "", {"--requirepass", "a \"b\"\\c\n\x01"}).ok());
  CHECK(store.config().requirepass == "a \"b\"\\c\n\x01");
}

TEST_CASE("option errors are numbered as lines after the file, like redis-server",
          "[config][args]") {
  // No file: the options start at line 2.
  ConfigStore a;
  CHECK(AfterBanner(LoadArgs(a, "", {"--port", "7107", "--foo", "bar"})) ==
        AtLine(3, "foo \"bar\"", "Bad directive or wrong number of arguments"));
  // A one-line file: its line, an empty line, then the options.
  TempDir tmp;
  std::string file = tmp.Write("ok.conf", "port 7107\n");
  ConfigStore b;
  CHECK(AfterBanner(LoadArgs(b, file, {"--hz", "abc"})) ==
        AtLine(3, "hz \"abc\"", "argument couldn't be parsed into an integer"));
  ConfigStore c;
  CHECK(AfterBanner(LoadArgs(c, file, {"--port", "1", "2"})) ==
        AtLine(3, "port \"1\" \"2\"", "wrong number of arguments"));
}

TEST_CASE("a --word right after a bare option name is taken as its value", "[config][args]") {
  ConfigStore store;
  CHECK(AfterBanner(LoadArgs(store, "", {"--port", "0", "--hz", "--loglevel"})) ==
        AtLine(3, "hz \"--loglevel\"", "argument couldn't be parsed into an integer"));
}

TEST_CASE("a stray word after the file becomes a directive of its own", "[config][args]") {
  TempDir tmp;
  std::string file = tmp.Write("a.conf", "port 0\nsave 900 1\nsave 300 10\nsave 60 100\n");
  ConfigStore store;
  CHECK(AfterBanner(LoadArgs(store, file, {"b"})) ==
        AtLine(6, "\"b\"", "Bad directive or wrong number of arguments"));
}

TEST_CASE("no file and no options load nothing", "[config][args]") {
  ConfigStore store;
  REQUIRE(LoadArgs(store, "", {}).ok());
  CHECK(store.config().port == 6379);
  CHECK(store.config_file().empty());
}

TEST_CASE("a lone '-' reads more configuration from stdin, before the options", "[config][args]") {
  TempDir tmp;
  std::string input = tmp.Write("stdin.conf", "port 7004\nhz 40\n");
  int saved = dup(STDIN_FILENO);
  REQUIRE(saved >= 0);
  int fd = open(input.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(dup2(fd, STDIN_FILENO) == STDIN_FILENO);
  close(fd);
  ConfigStore store;
  Status s = LoadArgs(store, "", {"--hz", "41", "-"});
  dup2(saved, STDIN_FILENO);
  close(saved);
  REQUIRE(s.ok());
  CHECK(store.config().port == 7004);
  CHECK(store.config().hz == 41);
}

TEST_CASE("a '-' in the middle of the options is a value, not stdin", "[config][args]") {
  ConfigStore store;
  CHECK(AfterBanner(LoadArgs(store, "", {"--port", "1", "-", "--hz", "5"})) ==
        AtLine(2, "port \"1\" \"-\"", "wrong number of arguments"));
}

}  // namespace
}  // namespace keel::server
