#include "startup_command.h"

#include <fmt/format.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "cohort_home.h"
#include "control_commands.h"
#include "status.h"
#include "systemd_unit.h"

namespace cohort {
namespace {

struct Target {
  StartupSpec spec;
  std::string user_home;
};

Result<Target> Resolve(const StartupOptions& o) {
  Target t;
  t.spec.system = o.system || !o.user.empty() || ::geteuid() == 0;
  struct passwd* me = ::getpwuid(::geteuid());
  if (!me) return Status::Error("cannot find out who you are (getpwuid)");
  struct passwd* pw = o.user.empty() ? me : ::getpwnam(o.user.c_str());
  if (!pw) return Status::Error(fmt::format("--user {}: no such user", o.user));
  t.spec.user = pw->pw_name;
  t.user_home = pw->pw_dir;
  bool myself = pw->pw_uid == me->pw_uid;
  if (myself) {
    Result<std::string> home = CohortHome();
    if (!home.ok()) return home.status();
    t.spec.home = *home;
  } else {
    // Root setting up another user's daemon: their default home, or the one given.
    const char* env = ::getenv("COHORT_HOME");
    t.spec.home = env && *env ? env : t.user_home + "/.cohort";
  }
  std::error_code ec;
  t.spec.cohort_bin = std::filesystem::canonical("/proc/self/exe", ec).string();
  if (ec) return Status::Error("cannot find the cohort binary (/proc/self/exe): " + ec.message());
  const char* path = ::getenv("PATH");
  t.spec.path_env = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  return t;
}

// The commands that install the unit, as the user would type them.
std::vector<std::vector<std::string>> InstallCommands(const Target& t) {
  std::string unit = SystemdUnitName(t.spec);
  if (t.spec.system) return {{"systemctl", "daemon-reload"}, {"systemctl", "enable", unit}};
  return {{"systemctl", "--user", "daemon-reload"},
          {"systemctl", "--user", "enable", unit},
          {"loginctl", "enable-linger", t.spec.user}};  // the user manager runs from boot, not from login
}

std::string Shell(const std::vector<std::string>& argv) { return fmt::format("{}", fmt::join(argv, " ")); }

Status Run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return Status::FromErrno("fork");
  if (pid == 0) {
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return Status::Ok();
  return Status::Error(fmt::format("`{}` failed ({})", Shell(argv),
                                   WIFEXITED(st) && WEXITSTATUS(st) == 127 ? "not found"
                                   : WIFEXITED(st)                         ? fmt::format("exit {}", WEXITSTATUS(st))
                                                                           : "killed"));
}

std::string Header(const Target& t, const std::string& path) {
  std::string h = fmt::format(
      "# cohort startup: a systemd {} unit for the cohort daemon of {} (COHORT_HOME={}).\n"
      "# At boot it starts the daemon, then `cohort resurrect` brings back the apps of `cohort save`.\n"
      "# To install it (`cohort startup --install{}` does all this{}):\n"
      "#   mkdir -p {} && cohort startup > {}\n",
      t.spec.system ? "system" : "user", t.spec.user, t.spec.home, t.spec.system && ::geteuid() != 0 ? " --system" : "",
      t.spec.system && ::geteuid() != 0 ? ", as root" : "", std::filesystem::path(path).parent_path().string(), path);
  for (const auto& cmd : InstallCommands(t)) h += "#   " + Shell(cmd) + "\n";
  if (t.spec.system && ::geteuid() != 0) {
    h += fmt::format(
        "# As root, with your PATH (node must be found): sudo env PATH=$PATH {} startup --install --user {}\n",
        t.spec.cohort_bin, t.spec.user);
  }
  return h + "\n";
}

int Install(const Target& t, const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  {
    std::ofstream f(path, std::ios::trunc);
    f << SystemdUnit(t.spec);
    f.flush();
    if (!f)
      return Fail(fmt::format("cannot write {}{}", path, ::geteuid() != 0 && t.spec.system ? " (run it as root)" : ""));
  }
  fmt::print("wrote {}\n", path);
  for (const auto& cmd : InstallCommands(t)) {
    if (Status s = Run(cmd); !s.ok()) {
      std::string rest;
      for (const auto& c : InstallCommands(t)) rest += "\n  " + Shell(c);
      return Fail(fmt::format("{}; once systemd runs, finish with:{}", s.message(), rest));
    }
  }
  std::string ctl = t.spec.system ? "systemctl" : "systemctl --user";
  fmt::print("enabled {}: the daemon starts at boot with the apps of `cohort save`\n", SystemdUnitName(t.spec));
  fmt::print("to hand the running daemon to systemd now: cohort save && cohort kill && {} start {}\n", ctl,
             SystemdUnitName(t.spec));
  return 0;
}

int Uninstall(const Target& t, const std::string& path) {
  std::vector<std::string> disable =
      t.spec.system ? std::vector<std::string>{"systemctl", "disable", SystemdUnitName(t.spec)}
                    : std::vector<std::string>{"systemctl", "--user", "disable", SystemdUnitName(t.spec)};
  Status disabled = Run(disable);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Fail(Status::FromErrno("cannot remove " + path).message());
  fmt::print("removed {}\n", path);
  if (!disabled.ok()) return Fail(disabled.message());
  return 0;
}

}  // namespace

int StartupCommand(const StartupOptions& o) {
  Result<Target> t = Resolve(o);
  if (!t.ok()) return Fail(t.status().message());
  std::string path = SystemdUnitPath(t->spec, t->user_home);
  if (o.install && o.uninstall) return Fail("--install and --uninstall contradict each other");
  if (o.install) return Install(*t, path);
  if (o.uninstall) return Uninstall(*t, path);
  fmt::print("{}{}", Header(*t, path), SystemdUnit(t->spec));
  return 0;
}

}  // namespace cohort
