// The server log: Redis's line format "<pid>:<role> <dd Mon yyyy HH:MM:SS.mmm> <level> <message>",
// level filtering, and output to stdout or to the `logfile` path.
//
// Each line is written with a single write(2) and no stdio buffering; a log file is opened in
// append mode for every line and closed again, as Redis does, so a rotated file (logrotate's
// rename) is picked up by the next line without SIGHUP handling, and nothing is left half-written
// in a buffer that a fork child could duplicate. The local time is computed without libc's
// time-zone lock, so a fork child of a multi-threaded process can log safely.
//
// Threads: SetLog* run on the main thread before other threads start logging (the log file name is
// not synchronised); Log() itself may run in any thread or fork child.
#pragma once

#include <sys/time.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "formats/status.h"

namespace keel::server {

enum class LogLevel : uint8_t { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

// Lines below `level` are dropped. Default: kNotice.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
inline bool LogEnabled(LogLevel level) { return level >= GetLogLevel(); }

// "" logs to stdout (the default). Otherwise the file is created if needed and opened in append
// mode for each line; an error means it cannot be opened now (the text is strerror's).
Status SetLogFile(std::string path);

// Marks the calling process as the main one (call after daemonizing). Lines written by any other
// process, i.e. a fork child, carry role 'C'; before the first call every line carries 'C', as
// redis-server's startup lines do.
void MarkLogMainProcess();
// Role character of the main process: 'M' (default) for a primary, 'S' for a replica.
void SetLogRole(char role);

// Recomputes the UTC offset used for timestamps (the server cron calls it, so daylight-saving
// changes show up, as Redis refreshes it in serverCron). Done automatically on first use.
void RefreshLogTimezone();

// printf-style; the formatted message is cut at 1023 bytes, as Redis's LOG_MAX_LEN does.
void Log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// Writes `text` as it is (no prefix, no newline added), for multi-line output such as a banner;
// still subject to the level filter.
void LogRaw(LogLevel level, std::string_view text);

// Formats a timestamp as the log prints it: "21 Nov 2026 11:29:05.391", for the wall-clock time
// `tv` in a zone `utc_offset_seconds` east of UTC. Exposed for tests.
std::string FormatLogTime(const timeval& tv, int64_t utc_offset_seconds);

// One complete line including the trailing '\n'. Exposed for tests.
std::string FormatLogLine(pid_t pid, char role, const timeval& tv, int64_t utc_offset_seconds,
                          LogLevel level, std::string_view message);

}  // namespace keel::server
