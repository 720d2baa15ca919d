// RESP2 request parser: turns a client's query bytes into command arguments, incrementally and
// without copying multibulk arguments. Accepts and rejects exactly what Redis 7.0's
// processInlineBuffer/processMultibulkBuffer do, with the same error texts; see
// docs/formats/resp.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keel::formats {

// Redis's PROTO_INLINE_MAX_SIZE: the most unconsumed bytes a client may send without ending an
// inline request or a multibulk/bulk count line.
inline constexpr size_t kProtoInlineMaxSize = 64 * 1024;
// Before AUTH, Redis limits a request to this many arguments of at most this many bytes each
// (CVE-2021-32675).
inline constexpr int64_t kUnauthenticatedMaxArgs = 10;
inline constexpr int64_t kUnauthenticatedMaxBulkLen = 16384;

struct RequestLimits {
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  bool authenticated = true;  // false: Redis's unauthenticated limits apply
};

// One parser per connection; not thread-safe. The caller owns the buffer and passes it on every
// call; the parser keeps only offsets relative to the start of the request being parsed, so the
// caller may move unconsumed bytes between calls.
class RequestParser {
 public:
  enum class Outcome { kCommand, kNeedMore, kError };

  explicit RequestParser(RequestLimits limits = {});

  // New limits apply from the next check on; typically set after AUTH succeeds.
  void set_limits(const RequestLimits& l) { limits_ = l; }
  const RequestLimits& limits() const { return limits_; }

  // Parses one request from buf starting at *pos (the first unconsumed byte).
  // kCommand: args() holds the arguments (at least one) and *pos has moved past the request.
  //   Multibulk arguments are views into buf; inline arguments (unescaped) live in parser storage.
  //   Both stay valid until the next call to Parse or Reset.
  // kNeedMore: *pos is at the start of the incomplete request (past any empty requests that were
  //   skipped). The parser remembers how far it scanned, so the next call does not rescan. The
  //   caller may move the unconsumed bytes (e.g. compact its buffer so they start at 0) and append
  //   more, passing the new *pos; the bytes from *pos on must be the same ones plus new ones.
  // kError: error() is the reply text without "-ERR ", e.g. "Protocol error: invalid bulk length";
  //   it never contains '\r' or '\n'. The server replies "-ERR " + error() and closes the
  //   connection. The error is sticky: later calls return kError until Reset().
  // Empty requests (an empty or blank inline line, "*0", "*-10") are skipped silently, as Redis
  // does. Like Redis, the 64 KiB "too big" checks look at how many unconsumed bytes are buffered
  // when no line end has been found, so they depend on how the bytes arrive.
  Outcome Parse(std::string_view buf, size_t* pos);

  std::span<const std::string_view> args() const { return args_; }
  std::string_view error() const { return error_; }

  // After kNeedMore inside a bulk payload: bytes still missing for it, including its trailing
  // two-byte terminator; 0 when unknown (the length line is not complete yet). Lets the caller
  // reserve room once for a large value instead of growing its buffer repeatedly.
  size_t pending_bulk_bytes() const { return pending_bulk_bytes_; }

  // Forgets any partial request and a sticky error (for a reused connection object).
  void Reset();

 private:
  enum class State : uint8_t { kStart, kInline, kCount, kBulkHeader, kBulkPayload, kFailed };

  // `req` is the buffer from the request start on. Each returns kCommand with *consumed set when
  // the request is complete (args_ may then be empty: an empty request).
  Outcome ParseInline(std::string_view req, size_t* consumed);
  Outcome ParseMultibulk(std::string_view req, size_t* consumed);
  size_t FindLineEnd(std::string_view req, char terminator);
  void StartLine(size_t offset);
  bool SplitInlineArgs(std::string_view line);
  Outcome Fail(std::string_view msg);

  RequestLimits limits_;
  State state_ = State::kStart;
  // Offsets below are relative to the start of the current request.
  size_t line_start_ = 0;      // start of the line (or bulk payload) being read
  size_t scan_ = 0;            // where the search for the line end resumes
  bool line_blocked_ = false;  // a NUL precedes any line end: the line can never end
  int64_t args_left_ = 0;      // multibulk arguments not read yet
  int64_t bulk_len_ = 0;       // length of the bulk payload being read
  size_t pending_bulk_bytes_ = 0;
  std::vector<std::pair<size_t, size_t>> spans_;  // (offset, length) of each multibulk argument
  std::vector<std::string_view> args_;
  std::string inline_storage_;  // unescaped inline arguments, back to back
  std::string error_;
};

// Parses a decimal integer the way Redis's string2ll does: no sign but '-', no leading zeros, no
// spaces, at most 20 characters, within int64_t. Returns false when s is not such a number.
bool ParseRedisInt64(std::string_view s, int64_t* value);

}  // namespace keel::formats
