#include "worker/inherited.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace cohort {
namespace {

constexpr int kListenFdsStart = 3;  // SD_LISTEN_FDS_START

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

Result<long> Number(const char* name, const char* text) {
  long n = 0;
  std::string_view s(text);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || n < 0) {
    return Status::Error(std::string(name) + "=" + text + ": not a number");
  }
  return n;
}

Status TakeSocket(int fd, const char* what) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
    return Status::Error(std::string(what) + ": fd " + std::to_string(fd) + " is not an open socket");
  }
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);  // not for programs this worker runs
  return Status::Ok();
}

std::vector<std::string> SplitNames(const char* text) {
  std::vector<std::string> names;
  if (!text) return names;
  std::string_view s(text);
  for (;;) {
    size_t colon = s.find(':');
    names.emplace_back(s.substr(0, colon));
    if (colon == std::string_view::npos) break;
    s.remove_prefix(colon + 1);
  }
  return names;
}

}  // namespace

Result<InheritedFds> InheritedFromEnvironment() {
  InheritedFds out;
  const char* channel = Env("COHORT_CHANNEL_FD");
  const char* count = Env("LISTEN_FDS");
  if (!channel && !count) {
    return Status::Error("neither COHORT_CHANNEL_FD nor LISTEN_FDS is set: run this program with cohort run --listen ADDR");
  }
  const char* listen_pid = Env("LISTEN_PID");
  Result<long> pid = listen_pid ? Number("LISTEN_PID", listen_pid) : Result<long>(0L);
  if (!pid.ok()) return pid.status();
  if (*pid != ::getpid()) {
    return Status::Error("LISTEN_PID=" + std::string(listen_pid ? listen_pid : "") + " is not this process (" +
                         std::to_string(::getpid()) + "): the fds were meant for another");
  }
  if (channel) {
    Result<long> fd = Number("COHORT_CHANNEL_FD", channel);
    if (!fd.ok()) return fd.status();
    if (Status s = TakeSocket(static_cast<int>(*fd), "COHORT_CHANNEL_FD"); !s.ok()) return s;
    out.channel.reset(static_cast<int>(*fd));
  } else {
    Result<long> n = Number("LISTEN_FDS", count);
    if (!n.ok()) return n.status();
    if (*n == 0 || *n > 1024) return Status::Error("LISTEN_FDS=" + std::string(count) + ": no sockets");
    out.names = SplitNames(Env("LISTEN_FDNAMES"));
    if (out.names.size() != static_cast<size_t>(*n)) out.names.clear();
    for (int i = 0; i < *n; ++i) {  // all checked before any is taken (and closed on an error)
      if (Status s = TakeSocket(kListenFdsStart + i, "LISTEN_FDS"); !s.ok()) return s;
    }
    for (int i = 0; i < *n; ++i) {
      if (out.names.size() < static_cast<size_t>(*n)) out.names.push_back("listen" + std::to_string(i));
      // Shared by every worker of the app (one open file description): one of
      // them winning a connection must leave the others' accept() returning EAGAIN.
      int flags = ::fcntl(kListenFdsStart + i, F_GETFL);
      ::fcntl(kListenFdsStart + i, F_SETFL, flags | O_NONBLOCK);
      out.listening.emplace_back(kListenFdsStart + i);
    }
  }
  if (const char* path = Env("NOTIFY_SOCKET")) {
    Result<NotifyTarget> t = NotifyTarget::Connect(path);
    if (!t.ok()) return t.status();
    out.notify = std::move(*t);
  }
  if (const char* usec = Env("WATCHDOG_USEC")) {
    const char* for_pid = Env("WATCHDOG_PID");
    Result<long> who = for_pid ? Number("WATCHDOG_PID", for_pid) : Result<long>(static_cast<long>(::getpid()));
    Result<long> us = Number("WATCHDOG_USEC", usec);
    if (!us.ok()) return us.status();
    if (who.ok() && *who == ::getpid()) out.watchdog = std::chrono::microseconds(*us);
  }
  return out;
}

}  // namespace cohort
