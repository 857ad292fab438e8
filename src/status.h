// Status and Result<T>: how modules report failures to each other.
//
// An error carries a message meant for the user ("cannot listen on
// 0.0.0.0:8080: address already in use") and, when it came from a syscall,
// the errno. OK costs nothing. No exceptions cross module boundaries.
#pragma once

#include <cerrno>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace cohort {

class Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status Error(std::string message, int sys_errno = 0) {
    return Status(std::move(message), sys_errno);
  }
  // "<what>: <strerror(errno)> (<ENAME>)", e.g. "bind 0.0.0.0:80: Permission denied (EACCES)".
  static Status FromErrno(const std::string& what, int sys_errno = errno);

  bool ok() const { return !message_.has_value(); }
  const std::string& message() const;
  int sys_errno() const { return sys_errno_; }

 private:
  Status(std::string message, int sys_errno) : message_(std::move(message)), sys_errno_(sys_errno) {}
  std::optional<std::string> message_;
  int sys_errno_ = 0;
};

// Symbolic name of an errno value ("EADDRINUSE"), or "E<number>".
std::string ErrnoName(int sys_errno);

// A value or the Status explaining why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status error) : v_(std::move(error)) {}  // NOLINT: must not be OK

  bool ok() const { return std::holds_alternative<T>(v_); }
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace cohort
