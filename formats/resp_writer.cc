// RESP2 reply encoding. Kept allocation-free apart from growth of the output buffer.
#include "formats/resp_writer.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace keel::formats {

size_t FormatInt64(int64_t v, char* buf) {
  char tmp[24];
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  size_t len = 0;
  if (v < 0) buf[len++] = '-';
  while (n > 0) buf[len++] = tmp[--n];
  return len;
}

void ReplyWriter::AddHeader(char prefix, uint64_t n) {
  char buf[32];
  buf[0] = prefix;
  size_t len = 1 + FormatInt64(static_cast<int64_t>(n), buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
  out_->append(buf, len);
}

void ReplyWriter::AddSimple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyWriter::AddError(std::string_view msg) {
  ++errors_;
  if (msg.empty() || msg[0] != '-') out_->append("-ERR ", 5);
  // Newlines would break the protocol; Redis replaces them with spaces.
  size_t start = out_->size();
  out_->append(msg);
  for (size_t i = start; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n", 2);
}

void ReplyWriter::AddInteger(int64_t v) {
  char buf[32];
  buf[0] = ':';
  size_t len = 1 + FormatInt64(v, buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
  out_->append(buf, len);
}

void ReplyWriter::AddBulk(std::string_view s) {
  char buf[32];
  buf[0] = '$';
  size_t len = 1 + FormatInt64(static_cast<int64_t>(s.size()), buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
  size_t old = out_->size();
  out_->resize(old + len + s.size() + 2);
  char* p = out_->data() + old;
  std::memcpy(p, buf, len);
  if (!s.empty()) std::memcpy(p + len, s.data(), s.size());
  p[len + s.size()] = '\r';
  p[len + s.size() + 1] = '\n';
}

void ReplyWriter::AddBulkInteger(int64_t v) {
  char buf[24];
  AddBulk(std::string_view(buf, FormatInt64(v, buf)));
}

void ReplyWriter::AddDouble(double d) {
  if (std::isinf(d)) {
    AddBulk(d > 0 ? "inf" : "-inf");
    return;
  }
  char buf[128];
  int len = std::snprintf(buf, sizeof(buf), "%.17g", d);
  AddBulk(std::string_view(buf, static_cast<size_t>(len)));
}

// The header is written with a fixed width so it can be patched in place: "*" + 20 digits
// would waste bytes, so the placeholder is replaced by moving the tail once the count is known.
size_t ReplyWriter::AddDeferredArrayHeader() {
  size_t handle = out_->size();
  out_->append("*\r\n", 3);  // placeholder, rewritten by SetDeferredArrayLength
  return handle;
}

void ReplyWriter::SetDeferredArrayLength(size_t handle, uint64_t n) {
  char buf[32];
  size_t len = FormatInt64(static_cast<int64_t>(n), buf);
  out_->insert(handle + 1, buf, len);
}

}  // namespace keel::formats
