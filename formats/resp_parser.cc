// RESP2 request parsing: multibulk ("*N" then N "$len" payloads) and inline (a text line split
// like a shell would) requests, with Redis 7.0's limits and error texts. The hot path is memchr
// over header lines plus bookkeeping in reused vectors: no allocation per request once warm.
#include "formats/resp_parser.h"

#include "formats/split_args.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace keel::formats {
namespace {

constexpr size_t kNotFound = std::string_view::npos;

}  // namespace

bool ParseRedisInt64(std::string_view s, int64_t* value) {
  // Redis rejects 21+ characters outright (LONG_STR_SIZE), even "000...1"-like forms that a
  // lenient parser would accept, and accepts "0" but not "-0", "00" or "+1".
  if (s.empty() || s.size() >= 21) return false;
  if (s.size() == 1 && s[0] == '0') {
    *value = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *value = static_cast<int64_t>(0 - v);  // modular conversion: 2^63 becomes INT64_MIN
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *value = static_cast<int64_t>(v);
  }
  return true;
}

RequestParser::RequestParser(RequestLimits limits) : limits_(limits) {
  spans_.reserve(16);
  args_.reserve(16);
}

void RequestParser::Reset() {
  state_ = State::kStart;
  StartLine(0);
  args_left_ = 0;
  bulk_len_ = 0;
  pending_bulk_bytes_ = 0;
  spans_.clear();
  args_.clear();
  inline_storage_.clear();
  error_.clear();
}

void RequestParser::StartLine(size_t offset) {
  line_start_ = offset;
  scan_ = offset;
  line_blocked_ = false;
}

RequestParser::Outcome RequestParser::Fail(std::string_view msg) {
  error_.assign(msg);
  state_ = State::kFailed;
  return Outcome::kError;
}

RequestParser::Outcome RequestParser::Parse(std::string_view buf, size_t* pos) {
  args_.clear();
  pending_bulk_bytes_ = 0;
  if (state_ == State::kFailed) return Outcome::kError;
  while (*pos < buf.size()) {
    std::string_view req = buf.substr(*pos);
    if (state_ == State::kStart) {
      // Redis decides the request type from the first byte alone.
      state_ = req[0] == '*' ? State::kCount : State::kInline;
      StartLine(0);
    }
    size_t consumed = 0;
    Outcome outcome =
        state_ == State::kInline ? ParseInline(req, &consumed) : ParseMultibulk(req, &consumed);
    if (outcome != Outcome::kCommand) return outcome;
    *pos += consumed;
    state_ = State::kStart;
    if (!args_.empty()) return Outcome::kCommand;
    // An empty request: Redis resets the client and goes on with the next one.
  }
  return Outcome::kNeedMore;
}

// Finds the line terminator from scan_ on, remembering how far it looked. Redis searches with
// strchr over its NUL-terminated query buffer, so a NUL byte before the terminator hides it for
// good: such a line never ends, and only the 64 KiB check can end the request (fault case N6).
size_t RequestParser::FindLineEnd(std::string_view req, char terminator) {
  if (line_blocked_ || scan_ > req.size()) return kNotFound;
  const char* base = req.data();
  const void* hit = std::memchr(base + scan_, terminator, req.size() - scan_);
  size_t end =
      hit != nullptr ? static_cast<size_t>(static_cast<const char*>(hit) - base) : req.size();
  if (end > scan_ && std::memchr(base + scan_, '\0', end - scan_) != nullptr) {
    line_blocked_ = true;
    return kNotFound;
  }
  scan_ = end;
  return hit != nullptr ? end : kNotFound;
}

RequestParser::Outcome RequestParser::ParseInline(std::string_view req, size_t* consumed) {
  size_t newline = FindLineEnd(req, '\n');
  if (newline == kNotFound) {
    if (req.size() > kProtoInlineMaxSize) return Fail("Protocol error: too big inline request");
    return Outcome::kNeedMore;
  }
  size_t len = newline;
  if (len > 0 && req[len - 1] == '\r') --len;
  if (!SplitInlineArgs(req.substr(0, len))) {
    return Fail("Protocol error: unbalanced quotes in request");
  }
  *consumed = newline + 1;
  return Outcome::kCommand;
}

// The unescaped text is never longer than the line, so sizing the storage once keeps the argument
// views stable while they are written.
bool RequestParser::SplitInlineArgs(std::string_view line) {
  inline_storage_.resize(line.size());
  return SplitArgs(line, inline_storage_.data(), &args_);
}

RequestParser::Outcome RequestParser::ParseMultibulk(std::string_view req, size_t* consumed) {
  if (state_ == State::kCount) {
    size_t cr = FindLineEnd(req, '\r');
    if (cr == kNotFound) {
      if (req.size() > kProtoInlineMaxSize) {
        return Fail("Protocol error: too big mbulk count string");
      }
      return Outcome::kNeedMore;
    }
    // Redis wants one byte after the '\r' but never checks that it is '\n'.
    if (cr + 1 >= req.size()) return Outcome::kNeedMore;
    int64_t count = 0;
    if (!ParseRedisInt64(req.substr(1, cr - 1), &count) || count > INT_MAX) {
      return Fail("Protocol error: invalid multibulk length");
    }
    if (count > kUnauthenticatedMaxArgs && !limits_.authenticated) {
      return Fail("Protocol error: unauthenticated multibulk length");
    }
    if (count <= 0) {
      *consumed = cr + 2;
      return Outcome::kCommand;  // an empty request
    }
    args_left_ = count;
    spans_.clear();
    // The count is untrusted; grow with the data actually received beyond a modest start.
    spans_.reserve(static_cast<size_t>(std::min<int64_t>(count, 1024)));
    StartLine(cr + 2);
    state_ = State::kBulkHeader;
  }
  while (args_left_ > 0) {
    if (state_ == State::kBulkHeader) {
      size_t cr = FindLineEnd(req, '\r');
      if (cr == kNotFound) {
        if (req.size() - line_start_ > kProtoInlineMaxSize) {
          return Fail("Protocol error: too big bulk count string");
        }
        return Outcome::kNeedMore;
      }
      if (cr + 1 >= req.size()) return Outcome::kNeedMore;
      char first = req[line_start_];
      if (first != '$') {
        // The reply must stay one line, so a line break shows as a space, as in Redis's reply.
        if (first == '\r' || first == '\n') first = ' ';
        std::string msg = "Protocol error: expected '$', got '";
        msg.push_back(first);
        msg.push_back('\'');
        return Fail(msg);
      }
      int64_t len = 0;
      if (!ParseRedisInt64(req.substr(line_start_ + 1, cr - line_start_ - 1), &len) || len < 0 ||
          len > limits_.proto_max_bulk_len) {
        return Fail("Protocol error: invalid bulk length");
      }
      if (len > kUnauthenticatedMaxBulkLen && !limits_.authenticated) {
        return Fail("Protocol error: unauthenticated bulk length");
      }
      bulk_len_ = len;
      StartLine(cr + 2);
      state_ = State::kBulkPayload;
    }
    // Redis skips the two bytes after the payload without looking at them (fault case N4: a
    // wrong length surfaces as "expected '$'" on the next header instead).
    size_t end = line_start_ + static_cast<size_t>(bulk_len_) + 2;
    if (req.size() < end) {
      pending_bulk_bytes_ = end - req.size();
      return Outcome::kNeedMore;
    }
    spans_.emplace_back(line_start_, static_cast<size_t>(bulk_len_));
    --args_left_;
    StartLine(end);
    state_ = State::kBulkHeader;
  }
  for (const auto& [offset, len] : spans_) args_.emplace_back(req.data() + offset, len);
  *consumed = line_start_;
  return Outcome::kCommand;
}

}  // namespace keel::formats
