#include "gzip_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>

#include "unique_fd.h"

namespace cohort {

Status GzipFile(const std::string& path) {
  std::string gz = path + ".gz";
  std::string tmp = gz + ".tmp";
  UniqueFd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) return Status::FromErrno("cannot read " + path);
  struct stat st;
  mode_t mode = ::fstat(in.get(), &st) == 0 ? (st.st_mode & 07777) : 0600;  // as private as the log
  ::unlink(tmp.c_str());                                                    // a leftover of an interrupted run
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Status::FromErrno("cannot create " + tmp);
  gzFile out = ::gzdopen(fd, "wb");
  if (!out) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::Error("cannot start gzip of " + path);
  }
  auto fail = [&](Status s) {
    ::gzclose(out);
    ::unlink(tmp.c_str());
    return s;
  };
  char buf[128 * 1024];
  for (;;) {
    ssize_t n = ::read(in.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Status::FromErrno("cannot read " + path));
    if (n == 0) break;
    if (::gzwrite(out, buf, static_cast<unsigned>(n)) != static_cast<int>(n)) {
      int zerr = 0;
      const char* why = ::gzerror(out, &zerr);
      return fail(Status::Error(fmt::format("cannot write {}: {}", tmp, zerr == Z_ERRNO ? std::strerror(errno) : why)));
    }
  }
  if (int rc = ::gzclose(out); rc != Z_OK) {
    ::unlink(tmp.c_str());
    return Status::Error(fmt::format("cannot write {} (zlib error {})", tmp, rc));
  }
  if (::rename(tmp.c_str(), gz.c_str()) != 0) {
    Status s = Status::FromErrno("rename " + tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  if (::unlink(path.c_str()) != 0) return Status::FromErrno("cannot remove " + path);
  return Status::Ok();
}

}  // namespace cohort
