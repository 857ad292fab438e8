#include "status.h"

#include <cstring>

#include <fmt/format.h>

namespace cohort {

const std::string& Status::message() const {
  static const std::string kOkMessage = "OK";
  return message_ ? *message_ : kOkMessage;
}

std::string ErrnoName(int e) {
  switch (e) {
#define COHORT_ERRNO(name) \
  case name:               \
    return #name;
    COHORT_ERRNO(EADDRINUSE)
    COHORT_ERRNO(EADDRNOTAVAIL)
    COHORT_ERRNO(EACCES)
    COHORT_ERRNO(EPERM)
    COHORT_ERRNO(ENOENT)
    COHORT_ERRNO(EEXIST)
    COHORT_ERRNO(EINVAL)
    COHORT_ERRNO(EMFILE)
    COHORT_ERRNO(ENFILE)
    COHORT_ERRNO(ENOMEM)
    COHORT_ERRNO(EAGAIN)
    COHORT_ERRNO(ECONNREFUSED)
    COHORT_ERRNO(ECONNRESET)
    COHORT_ERRNO(EPIPE)
    COHORT_ERRNO(ENOTDIR)
    COHORT_ERRNO(EISDIR)
    COHORT_ERRNO(ENAMETOOLONG)
    COHORT_ERRNO(EAFNOSUPPORT)
    COHORT_ERRNO(ENOTSUP)
    COHORT_ERRNO(ENOEXEC)
    COHORT_ERRNO(ENOTSOCK)
    COHORT_ERRNO(ETIMEDOUT)
    COHORT_ERRNO(ESRCH)
    COHORT_ERRNO(EBADF)
#undef COHORT_ERRNO
    default:
      return fmt::format("E{}", e);
  }
}

Status Status::FromErrno(const std::string& what, int e) {
  return Status(fmt::format("{}: {} ({})", what, std::strerror(e), ErrnoName(e)), e);
}

}  // namespace cohort
