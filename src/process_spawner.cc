#include "process_spawner.h"

#include <fcntl.h>
#include <signal.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

#include "unique_fd.h"

namespace cohort {
namespace {

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Only async-signal-safe calls from here on: the child of a fork.
[[noreturn]] void ChildFail(int error_pipe, int err) {
  ssize_t ignored = ::write(error_pipe, &err, sizeof err);
  (void)ignored;
  ::_exit(127);
}

void WriteDecimal(char* out, long v) {  // enough room guaranteed by the caller
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  while (n > 0) *out++ = tmp[--n];
  *out = '\0';
}

[[noreturn]] void ChildMain(const SpawnSpec& spec, const std::string& path, char** argv,
                            char** envp, char* const* own_pid_entries, pid_t parent, int error_pipe,
                            int devnull) {
  if (spec.new_process_group) ::setpgid(0, 0);
  if (spec.parent_death_signal != 0) {
    ::prctl(PR_SET_PDEATHSIG, spec.parent_death_signal);
    if (::getppid() != parent) ::_exit(1);  // the parent died before prctl
  }
  // Move every source fd above the highest target first, so dup2 into
  // 0..2+n cannot clobber a source that is still needed.
  int targets = 3 + static_cast<int>(spec.extra_fds.size());
  int sources[3 + 64];
  if (targets > 3 + 64) ChildFail(error_pipe, EMFILE);
  int std_fds[3] = {spec.stdin_fd, spec.stdout_fd, spec.stderr_fd};
  for (int i = 0; i < targets; ++i) {
    int src = i < 3 ? std_fds[i] : spec.extra_fds[i - 3];
    if (src < 0) src = devnull;
    int moved = ::fcntl(src, F_DUPFD_CLOEXEC, targets);
    if (moved < 0) ChildFail(error_pipe, errno);
    sources[i] = moved;
  }
  for (int i = 0; i < targets; ++i) {
    if (::dup2(sources[i], i) < 0) ChildFail(error_pipe, errno);  // dup2 clears CLOEXEC
  }
  // Nothing else crosses exec: not even fds the primary inherited without
  // CLOEXEC from whoever started it.
  if (::close_range(static_cast<unsigned>(targets), ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    long max = ::sysconf(_SC_OPEN_MAX);
    for (int fd = targets; fd < (max > 0 && max < 65536 ? max : 65536); ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) ChildFail(error_pipe, errno);
  sigset_t all;
  sigemptyset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  }
  for (char* const* e = own_pid_entries; *e; ++e) WriteDecimal(std::strchr(*e, '=') + 1, ::getpid());
  ::execve(path.c_str(), argv, envp);
  ChildFail(error_pipe, errno);
}

}  // namespace

Result<std::string> ResolveExecutable(const std::string& file, const std::vector<std::string>& env) {
  if (file.empty()) return Status::Error("no program to run");
  if (file.find('/') != std::string::npos) {
    if (IsExecutableFile(file)) return file;
    return Status::Error(fmt::format("{} is not an executable file", file), ENOENT);
  }
  std::string path_var;
  for (const auto& e : env) {
    if (e.rfind("PATH=", 0) == 0) path_var = e.substr(5);
  }
  if (path_var.empty()) {
    const char* p = ::getenv("PATH");
    path_var = p ? p : "/usr/local/bin:/usr/bin:/bin";
  }
  size_t start = 0;
  while (start <= path_var.size()) {
    size_t end = path_var.find(':', start);
    if (end == std::string::npos) end = path_var.size();
    std::string dir = path_var.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + file;
    if (IsExecutableFile(candidate)) return candidate;
    start = end + 1;
  }
  return Status::Error(fmt::format("{} was not found in PATH ({})", file, path_var), ENOENT);
}

Result<pid_t> Spawn(const SpawnSpec& spec) {
  Result<std::string> path = ResolveExecutable(spec.file, spec.env);
  if (!path.ok()) return path.status();

  std::vector<std::string> env = spec.env;
  size_t own_pid_first = env.size();
  for (const std::string& name : spec.own_pid_env) env.push_back(name + "=" + std::string(20, '0'));
  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> own_pid_entries;  // rewritten in place by the child: no allocation after fork
  for (size_t i = own_pid_first; i < env.size(); ++i) own_pid_entries.push_back(env[i].data());
  own_pid_entries.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::FromErrno("pipe2");
  UniqueFd err_read(pipe_fds[0]), err_write(pipe_fds[1]);
  UniqueFd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devnull) return Status::FromErrno("open /dev/null");

  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return Status::FromErrno("fork");
  if (pid == 0) {
    ChildMain(spec, *path, argv.data(), envp.data(), own_pid_entries.data(), parent, err_write.get(),
              devnull.get());
  }
  err_write.reset();
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_read.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == sizeof child_errno) {
    // exec failed: the child has exited (127); reap it here so nobody else sees it.
    int st;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return Status::FromErrno(fmt::format("cannot run {}", *path), child_errno);
  }
  return pid;
}

}  // namespace cohort
