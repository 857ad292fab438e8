#include "cohort_home.h"

#include <dirent.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

namespace cohort {
namespace {

// Creates `dir` (mode 0700) if missing, then checks it is ours and private
// (tightening it if it was only readable by others). A directory others may
// write to (COHORT_HOME=/tmp, say) is refused, not chmod-ed: it is shared,
// and closing it would break everyone else's use of it.
Status EnsurePrivateDir(const std::string& dir) {
  bool created = ::mkdir(dir.c_str(), 0700) == 0;
  if (!created && errno != EEXIST) return Status::FromErrno("cannot create " + dir);
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) return Status::FromErrno("cannot use " + dir);
  if (!S_ISDIR(st.st_mode)) return Status::Error(fmt::format("{} is not a directory", dir), ENOTDIR);
  if (st.st_uid != ::geteuid()) {
    return Status::Error(fmt::format("{} belongs to uid {}, not to you (uid {}); set COHORT_HOME to a directory of yours",
                                     dir, st.st_uid, ::geteuid()),
                         EPERM);
  }
  if ((st.st_mode & (S_ISVTX | S_IWGRP | S_IWOTH)) != 0 && !created) {
    return Status::Error(fmt::format("{} is shared with other users (mode {:o}); cohort keeps its sockets and logs "
                                     "in a private directory: set COHORT_HOME to one",
                                     dir, st.st_mode & 07777),
                         EPERM);
  }
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    return Status::FromErrno("cannot make " + dir + " private (chmod 0700)");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> CohortHome() {
  std::string home;
  if (const char* h = ::getenv("COHORT_HOME"); h && *h) {
    home = h;
  } else {
    const char* user_home = ::getenv("HOME");
    if (!user_home || !*user_home) {
      struct passwd* pw = ::getpwuid(::geteuid());
      user_home = pw ? pw->pw_dir : nullptr;
    }
    if (!user_home) return Status::Error("neither COHORT_HOME nor HOME is set");
    home = std::string(user_home) + "/.cohort";
  }
  while (home.size() > 1 && home.back() == '/') home.pop_back();
  Status s = EnsurePrivateDir(home);
  if (!s.ok()) return s;
  return home;
}

Result<std::string> EnsureRunDir(const std::string& home) {
  std::string dir = home + "/run";
  Status s = EnsurePrivateDir(dir);
  if (!s.ok()) return s;
  return dir;
}

Status ValidateAppName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && name[0] != '.' && name[0] != '-' &&
            std::all_of(name.begin(), name.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
            });
  if (ok && (name == "all" || name == "daemon")) {
    return Status::Error(fmt::format("the app name '{}' is reserved; choose another with --name", name), EINVAL);
  }
  if (ok) return Status::Ok();
  return Status::Error(fmt::format("invalid app name '{}': use 1-64 letters, digits, '.', '_' or '-' "
                                   "(not starting with '.' or '-'); set one with --name",
                                   name),
                       EINVAL);
}

Result<std::string> AppSocketPath(const std::string& home, const std::string& name) {
  Status s = ValidateAppName(name);
  if (!s.ok()) return s;
  std::string path = fmt::format("{}/run/{}.sock", home, name);
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Status::Error(fmt::format("control socket path {} is longer than {} bytes; use a shorter COHORT_HOME",
                                     path, sizeof(sockaddr_un{}.sun_path) - 1),
                         ENAMETOOLONG);
  }
  return path;
}

std::string DaemonSocketPath(const std::string& home) { return home + "/run/daemon.sock"; }

std::vector<std::string> ListAppSockets(const std::string& home) {
  std::vector<std::string> out;
  std::string dir = home + "/run";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 5 && n.compare(n.size() - 5, 5, ".sock") == 0) out.push_back(dir + "/" + n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace cohort
