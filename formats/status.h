// Status and Result<T>: Keel's error values. No exceptions on any path Keel writes; every fallible
// function returns one of these. Result<T> uses std::expected's method names so a later move to
// C++23 is mechanical.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace keel {

enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,
  kCorruption,
  kNotFound,
  kIoError,
  kNotSupported,
  kResourceExhausted,
  kInternal,
};

// An OK status costs no allocation; an error carries a message, and optionally the byte offset
// where a decoder found corruption and the errno of a failed system call.
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return Status(StatusCode::kInvalidArgument, std::move(msg));
  }
  static Status Corruption(std::string msg, uint64_t offset) {
    Status s(StatusCode::kCorruption, std::move(msg));
    s.rep_->offset = offset;
    return s;
  }
  static Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
  static Status IoError(std::string msg, int err) {
    Status s(StatusCode::kIoError, std::move(msg));
    s.rep_->err = err;
    return s;
  }
  static Status NotSupported(std::string msg) {
    return Status(StatusCode::kNotSupported, std::move(msg));
  }
  static Status ResourceExhausted(std::string msg) {
    return Status(StatusCode::kResourceExhausted, std::move(msg));
  }
  static Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg)); }

  Status(const Status& o) : rep_(o.rep_ ? std::make_unique<Rep>(*o.rep_) : nullptr) {}
  Status& operator=(const Status& o) {
    if (this != &o) rep_ = o.rep_ ? std::make_unique<Rep>(*o.rep_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  std::string_view message() const { return rep_ ? std::string_view(rep_->msg) : ""; }
  // Byte offset of a Corruption, or UINT64_MAX when none was recorded.
  uint64_t offset() const { return rep_ ? rep_->offset : UINT64_MAX; }
  // errno of an IoError, or 0.
  int sys_errno() const { return rep_ ? rep_->err : 0; }
  bool IsCorruption() const { return code() == StatusCode::kCorruption; }
  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  // "Corruption: <msg> at offset N" style rendering for logs.
  std::string ToString() const;

 private:
  struct Rep {
    StatusCode code;
    std::string msg;
    uint64_t offset = UINT64_MAX;
    int err = 0;
  };
  Status(StatusCode code, std::string msg)
      : rep_(std::make_unique<Rep>(Rep{code, std::move(msg)})) {}
  std::unique_ptr<Rep> rep_;
};

// Holds a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Status& error() const { return std::get<1>(v_); }
  Status status() const { return has_value() ? Status::Ok() : error(); }

 private:
  std::variant<T, Status> v_;
};

// A byte as "0x1f", for the messages of Corruption errors.
std::string ByteHex(uint8_t b);

#define KEEL_CONCAT_INNER_(a, b) a##b
#define KEEL_CONCAT_(a, b) KEEL_CONCAT_INNER_(a, b)

#define KEEL_RETURN_IF_ERROR(expr)          \
  do {                                      \
    ::keel::Status keel_status_ = (expr);   \
    if (!keel_status_.ok()) return keel_status_; \
  } while (0)

#define KEEL_ASSIGN_OR_RETURN(lhs, expr) \
  KEEL_ASSIGN_OR_RETURN_IMPL_(KEEL_CONCAT_(keel_result_, __LINE__), lhs, expr)
#define KEEL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.has_value()) return tmp.error();         \
  lhs = std::move(tmp).value()

}  // namespace keel
