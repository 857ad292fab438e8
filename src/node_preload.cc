#include "node_preload.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "rendezvous.h"
#include "unique_fd.h"

namespace cohort {

Result<std::string> InstallNodePreload(const std::string& home, std::string_view name, std::string_view source) {
  std::string dir = home + "/lib";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Status::FromErrno("mkdir " + dir);
  std::string path = fmt::format("{}/{}-{:016x}.cjs", dir, name, StickyHash(source));
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) == source.size()) return path;
  std::string tmp = fmt::format("{}.{}.tmp", path, ::getpid());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return Status::FromErrno("create " + tmp);
  if (::write(fd.get(), source.data(), source.size()) != static_cast<ssize_t>(source.size())) {
    Status s = Status::FromErrno("write " + tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::FromErrno("rename " + tmp);
  return path;
}

}  // namespace cohort
