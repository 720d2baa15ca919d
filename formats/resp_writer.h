// RESP2 reply encoder: appends replies to a caller-owned byte buffer. Pure code, no I/O.
// Errors follow Redis's convention: a message without a leading '-' gets "-ERR " prepended, so
// AddError("syntax error") emits "-ERR syntax error\r\n" and AddError("-WRONGTYPE ...") is verbatim.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace keel::formats {

class ReplyWriter {
 public:
  // `*out` must outlive the writer.
  explicit ReplyWriter(std::string* out) : out_(out) {}

  void AddSimple(std::string_view s);          // +s
  void AddOk() { out_->append("+OK\r\n", 5); }
  void AddError(std::string_view msg);         // -ERR msg, or -CODE msg when msg starts with '-'
  void AddInteger(int64_t v);                  // :v
  void AddBulk(std::string_view s);            // $len s
  void AddNullBulk() { out_->append("$-1\r\n", 5); }
  void AddNullArray() { out_->append("*-1\r\n", 5); }
  void AddArrayHeader(uint64_t n) { AddHeader('*', n); }
  void AddMapHeader(uint64_t n) { AddHeader('*', n * 2); }  // RESP2: a flat array of pairs
  void AddSetHeader(uint64_t n) { AddHeader('*', n); }      // RESP2: an array
  void AddBulkInteger(int64_t v);              // an integer as a bulk string
  // A double as a bulk string, formatted as Redis does for RESP2 ("%.17g", "inf", "-inf").
  void AddDouble(double d);
  // Raw protocol bytes, for callers that preformat (e.g. shared replies).
  void AddRaw(std::string_view raw) { out_->append(raw); }
  // Reserves room for a length-prefixed array whose count is only known later; returns a handle
  // for SetDeferredArrayLength.
  size_t AddDeferredArrayHeader();
  void SetDeferredArrayLength(size_t handle, uint64_t n);

  uint64_t errors() const { return errors_; }
  std::string* buffer() { return out_; }
  void set_buffer(std::string* out) { out_ = out; }

 private:
  void AddHeader(char prefix, uint64_t n);
  std::string* out_;
  uint64_t errors_ = 0;
};

// Formats v in decimal into buf (at least 21 bytes); returns the length.
size_t FormatInt64(int64_t v, char* buf);

}  // namespace keel::formats
