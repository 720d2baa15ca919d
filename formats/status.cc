// Rendering of Status values for logs and user-facing messages.
#include "formats/status.h"

#include <cstdio>
#include <cstring>

namespace keel {

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out;
  switch (rep_->code) {
    case StatusCode::kOk: out = "OK"; break;
    case StatusCode::kInvalidArgument: out = "Invalid argument: "; break;
    case StatusCode::kCorruption: out = "Corruption: "; break;
    case StatusCode::kNotFound: out = "Not found: "; break;
    case StatusCode::kIoError: out = "I/O error: "; break;
    case StatusCode::kNotSupported: out = "Not supported: "; break;
    case StatusCode::kResourceExhausted: out = "Resource exhausted: "; break;
    case StatusCode::kInternal: out = "Internal error: "; break;
  }
  out += rep_->msg;
  if (rep_->offset != UINT64_MAX) out += " at offset " + std::to_string(rep_->offset);
  if (rep_->err != 0) {
    out += ": ";
    out += std::strerror(rep_->err);
  }
  return out;
}

std::string ByteHex(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02x", b);
  return buf;
}

}  // namespace keel
