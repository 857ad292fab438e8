// UniqueFd: sole owner of a file descriptor; closes it on destruction.
// fd leaks are this domain's classic bug, so every fd cohort opens lives in one.
#pragma once

#include <unistd.h>

#include <utility>

namespace cohort {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);  // close() is never retried on Linux, even on EINTR.
    fd_ = fd;
  }

 private:
  int fd_ = -1;  // -1 when empty.
};

}  // namespace cohort
