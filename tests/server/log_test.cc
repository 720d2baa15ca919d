// Tests for the server log (server/log.h): Redis's line format, level filtering, the log file
// (reopened per line), roles of the main process and of a fork child, and truncation.
#include "server/log.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace keel::server {
namespace {

timeval At(time_t sec, suseconds_t usec = 0) {
  timeval tv;
  tv.tv_sec = sec;
  tv.tv_usec = usec;
  return tv;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

// A fresh log file in a temp directory; logging goes back to stdout at notice level afterwards,
// so tests do not leak state into each other.
struct TempLog {
  std::string dir;
  std::string path;
  TempLog() {
    char tmpl[] = "/tmp/keel_log_test_XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    path = dir + "/keel.log";
    REQUIRE(SetLogFile(path).ok());
    MarkLogMainProcess();
    SetLogLevel(LogLevel::kDebug);
  }
  ~TempLog() {
    Status ignored = SetLogFile("");
    SetLogLevel(LogLevel::kNotice);
    SetLogRole('M');
    std::remove(path.c_str());
    std::remove((path + ".1").c_str());
    rmdir(dir.c_str());
  }
};

TEST_CASE("timestamps print as 'dd Mon yyyy HH:MM:SS.mmm'", "[log]") {
  CHECK(FormatLogTime(At(0), 0) == "01 Jan 1970 00:00:00.000");
  CHECK(FormatLogTime(At(1795001345, 391000), 0) == "18 Nov 2026 11:29:05.391");
  CHECK(FormatLogTime(At(951782400), 0) == "29 Feb 2000 00:00:00.000");
  CHECK(FormatLogTime(At(1709164800), 0) == "29 Feb 2024 00:00:00.000");
  CHECK(FormatLogTime(At(4102444799, 999999), 0) == "31 Dec 2099 23:59:59.999");
}

TEST_CASE("timestamps are shifted by the UTC offset, across a day boundary", "[log]") {
  CHECK(FormatLogTime(At(0), -3600) == "31 Dec 1969 23:00:00.000");
  CHECK(FormatLogTime(At(1795001345), 2 * 3600) == "18 Nov 2026 13:29:05.000");
  CHECK(FormatLogTime(At(951782400 - 1), 3600) == "29 Feb 2000 00:59:59.000");
}

TEST_CASE("a line is pid:role, time, level character and message", "[log]") {
  const timeval tv = At(1795001345, 391000);
  CHECK(FormatLogLine(6882, 'M', tv, 0, LogLevel::kWarning, "hello") ==
        "6882:M 18 Nov 2026 11:29:05.391 # hello\n");
  CHECK(FormatLogLine(1, 'C', tv, 0, LogLevel::kNotice, "x") ==
        "1:C 18 Nov 2026 11:29:05.391 * x\n");
  CHECK(FormatLogLine(1, 'M', tv, 0, LogLevel::kVerbose, "x").find(" - x\n") != std::string::npos);
  CHECK(FormatLogLine(1, 'M', tv, 0, LogLevel::kDebug, "x").find(" . x\n") != std::string::npos);
}

TEST_CASE("lines below the level are dropped, the rest appended to the log file", "[log]") {
  TempLog log;
  SetLogLevel(LogLevel::kVerbose);
  CHECK_FALSE(LogEnabled(LogLevel::kDebug));
  CHECK(LogEnabled(LogLevel::kWarning));
  Log(LogLevel::kDebug, "dropped %d", 1);
  Log(LogLevel::kVerbose, "verbose %d", 2);
  Log(LogLevel::kNotice, "notice %s", "three");
  Log(LogLevel::kWarning, "warning %.1f", 4.0);
  std::vector<std::string> lines = Lines(ReadFile(log.path));
  REQUIRE(lines.size() == 3);
  const std::string pid = std::to_string(getpid());
  const std::regex shape(pid + R"(:M \d\d [A-Z][a-z][a-z] \d{4} \d\d:\d\d:\d\d\.\d{3} . .*)");
  for (const std::string& line : lines) CHECK(std::regex_match(line, shape));
  CHECK(lines[0].substr(lines[0].size() - 11) == "- verbose 2");
  CHECK(lines[1].substr(lines[1].size() - 14) == "* notice three");
  CHECK(lines[2].substr(lines[2].size() - 13) == "# warning 4.0");
}

TEST_CASE("the warning level keeps only warnings", "[log]") {
  TempLog log;
  SetLogLevel(LogLevel::kWarning);
  Log(LogLevel::kNotice, "no");
  Log(LogLevel::kWarning, "yes");
  std::vector<std::string> lines = Lines(ReadFile(log.path));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("# yes") != std::string::npos);
}

TEST_CASE("a fork child logs with role C, the main process with its role", "[log]") {
  TempLog log;
  SetLogRole('S');
  Log(LogLevel::kNotice, "from parent");
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    Log(LogLevel::kNotice, "from child");
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  std::vector<std::string> lines = Lines(ReadFile(log.path));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind(std::to_string(getpid()) + ":S ", 0) == 0);
  CHECK(lines[1].rfind(std::to_string(child) + ":C ", 0) == 0);
  CHECK(lines[1].find("* from child") != std::string::npos);
}

TEST_CASE("messages are cut at 1023 bytes like Redis's LOG_MAX_LEN", "[log]") {
  TempLog log;
  std::string big(5000, 'x');
  Log(LogLevel::kNotice, "%s", big.c_str());
  std::vector<std::string> lines = Lines(ReadFile(log.path));
  REQUIRE(lines.size() == 1);
  size_t start = lines[0].find("* ") + 2;
  CHECK(lines[0].size() - start == 1023);
}

TEST_CASE("LogRaw writes text verbatim, without prefix or newline, still filtered", "[log]") {
  TempLog log;
  SetLogLevel(LogLevel::kNotice);
  LogRaw(LogLevel::kNotice, "line one\nline two");
  LogRaw(LogLevel::kVerbose, "hidden");
  LogRaw(LogLevel::kWarning, "!");
  CHECK(ReadFile(log.path) == "line one\nline two!");
}

TEST_CASE("the log file is reopened per line, so a rotated file is replaced", "[log]") {
  TempLog log;
  Log(LogLevel::kNotice, "before rotation");
  REQUIRE(std::rename(log.path.c_str(), (log.path + ".1").c_str()) == 0);
  Log(LogLevel::kNotice, "after rotation");
  CHECK(ReadFile(log.path + ".1").find("before rotation") != std::string::npos);
  std::string now = ReadFile(log.path);
  CHECK(now.find("after rotation") != std::string::npos);
  CHECK(now.find("before rotation") == std::string::npos);
}

TEST_CASE("a log file that cannot be opened is refused and the old one kept", "[log]") {
  TempLog log;
  Status s = SetLogFile("/nonexistent-keel-dir/keel.log");
  CHECK(s.code() == StatusCode::kIoError);
  CHECK(s.message() == "No such file or directory");
  Log(LogLevel::kNotice, "still here");
  CHECK(ReadFile(log.path).find("still here") != std::string::npos);
}

TEST_CASE("logging does not clobber errno, even when the log file cannot be opened", "[log]") {
  TempLog log;
  // Make the per-line open fail (ENOENT) so that errno would change if Log did not restore it.
  REQUIRE(std::remove(log.path.c_str()) == 0);
  REQUIRE(rmdir(log.dir.c_str()) == 0);
  errno = EACCES;
  Log(LogLevel::kNotice, "x");
  CHECK(errno == EACCES);
}

}  // namespace
}  // namespace keel::server
