// The server log. Lines are assembled in a stack buffer and written with one write(2), so lines
// from a fork child and its parent never interleave mid-line and no stdio buffer can be duplicated
// by fork(); see log.h for the threading contract.
#include "server/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace keel::server {
namespace {

std::atomic<uint8_t> g_level{static_cast<uint8_t>(LogLevel::kNotice)};
std::atomic<pid_t> g_main_pid{0};
std::atomic<char> g_role{'M'};
std::atomic<bool> g_tz_known{false};
std::atomic<int64_t> g_utc_offset{0};
// Written only by SetLogFile on the main thread before logging from other threads starts.
std::string g_logfile;

constexpr size_t kMaxMessage = 1024;  // Redis's LOG_MAX_LEN, terminator included.
constexpr char kLevelChars[] = ".-*#";
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Days since 1970-01-01 to a proleptic Gregorian date (the classic era-based algorithm). Used
// instead of localtime_r because that takes glibc's time-zone lock, which a fork child may find
// held forever by a thread that no longer exists.
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day) {
  days += 719468;  // shift the epoch to 0000-03-01
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);                 // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                                     // March = 0
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int64_t>(yoe) + era * 400 + (*month <= 2 ? 1 : 0);
}

int64_t UtcOffset() {
  if (!g_tz_known.load(std::memory_order_acquire)) RefreshLogTimezone();
  return g_utc_offset.load(std::memory_order_relaxed);
}

// Formats into buf (at least 32 bytes); returns the length.
size_t FormatTime(char* buf, size_t cap, const timeval& tv, int64_t utc_offset) {
  int64_t t = static_cast<int64_t>(tv.tv_sec) + utc_offset;
  int64_t days = t / 86400;
  int64_t secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    days -= 1;
  }
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  int n = std::snprintf(buf, cap, "%02u %s %04lld %02d:%02d:%02d.%03d", day, kMonths[month - 1],
                        static_cast<long long>(year), static_cast<int>(secs / 3600),
                        static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60),
                        static_cast<int>(tv.tv_usec / 1000));
  return n < 0 ? 0 : (static_cast<size_t>(n) < cap ? static_cast<size_t>(n) : cap - 1);
}

size_t FormatLine(char* buf, size_t cap, pid_t pid, char role, const timeval& tv,
                  int64_t utc_offset, LogLevel level, std::string_view message) {
  char when[64];
  FormatTime(when, sizeof(when), tv, utc_offset);
  int n = std::snprintf(buf, cap, "%d:%c %s %c %.*s\n", static_cast<int>(pid), role, when,
                        kLevelChars[static_cast<int>(level)], static_cast<int>(message.size()),
                        message.data());
  if (n < 0) return 0;
  return static_cast<size_t>(n) < cap ? static_cast<size_t>(n) : cap - 1;
}

void WriteAll(int fd, const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // Nowhere to report a failing log; Redis ignores it too.
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
}

void Emit(const char* data, size_t len) {
  int saved_errno = errno;  // Callers often log strerror(errno) and then look at errno again.
  if (g_logfile.empty()) {
    WriteAll(STDOUT_FILENO, data, len);
  } else {
    int fd = open(g_logfile.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd >= 0) {
      WriteAll(fd, data, len);
      close(fd);
    }
  }
  errno = saved_errno;
}

char CurrentRole() {
  pid_t main_pid = g_main_pid.load(std::memory_order_relaxed);
  if (main_pid == 0 || main_pid != getpid()) return 'C';
  return g_role.load(std::memory_order_relaxed);
}

}  // namespace

void SetLogLevel(LogLevel level) {
  g_level.store(static_cast<uint8_t>(level), std::memory_order_relaxed);
}

LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

Status SetLogFile(std::string path) {
  if (!path.empty()) {
    int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
      int err = errno;
      return Status::IoError(std::strerror(err), err);
    }
    close(fd);
  }
  g_logfile = std::move(path);
  return Status::Ok();
}

void MarkLogMainProcess() { g_main_pid.store(getpid(), std::memory_order_relaxed); }

void SetLogRole(char role) { g_role.store(role, std::memory_order_relaxed); }

void RefreshLogTimezone() {
  time_t now = time(nullptr);
  struct tm local;
  if (localtime_r(&now, &local) != nullptr) {
    g_utc_offset.store(local.tm_gmtoff, std::memory_order_relaxed);
  }
  g_tz_known.store(true, std::memory_order_release);
}

void Log(LogLevel level, const char* fmt, ...) {
  if (!LogEnabled(level)) return;
  char message[kMaxMessage];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);
  if (n < 0) return;
  size_t len =
      static_cast<size_t>(n) < sizeof(message) ? static_cast<size_t>(n) : sizeof(message) - 1;
  timeval tv;
  gettimeofday(&tv, nullptr);
  char line[kMaxMessage + 128];
  size_t line_len = FormatLine(line, sizeof(line), getpid(), CurrentRole(), tv, UtcOffset(), level,
                               std::string_view(message, len));
  Emit(line, line_len);
}

void LogRaw(LogLevel level, std::string_view text) {
  if (!LogEnabled(level)) return;
  Emit(text.data(), text.size());
}

std::string FormatLogTime(const timeval& tv, int64_t utc_offset_seconds) {
  char buf[64];
  size_t n = FormatTime(buf, sizeof(buf), tv, utc_offset_seconds);
  return std::string(buf, n);
}

std::string FormatLogLine(pid_t pid, char role, const timeval& tv, int64_t utc_offset_seconds,
                          LogLevel level, std::string_view message) {
  std::string out(message.size() + 128, '\0');
  size_t n = FormatLine(out.data(), out.size(), pid, role, tv, utc_offset_seconds, level, message);
  out.resize(n);
  return out;
}

}  // namespace keel::server
