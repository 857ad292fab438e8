#include "app_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

namespace cohort {

int CpuCount() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

Result<int> ParseInstances(const std::string& text) {
  if (text == "max") return CpuCount();
  int n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size()) {
    return Status::Error(fmt::format("instances must be a number or 'max', not '{}'", text));
  }
  if (n == 0) return CpuCount();
  if (n < 0) return std::max(1, CpuCount() + n);
  if (n > 1024) return Status::Error(fmt::format("instances must be at most 1024, not {}", n));
  return n;
}

static bool IsNodeScript(const std::string& path) {
  for (const char* ext : {".js", ".mjs", ".cjs", ".ts"}) {
    std::string e(ext);
    if (path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0) return true;
  }
  return false;
}

Status ValidateAppConfig(AppConfig& c) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (c.cwd.empty()) c.cwd = fs::current_path(ec).string();
  fs::path cwd = fs::absolute(c.cwd, ec);
  if (!fs::is_directory(cwd, ec)) return Status::Error(fmt::format("--cwd {}: no such directory", c.cwd));
  c.cwd = cwd.lexically_normal().string();
  if (c.script.empty()) return Status::Error("no script given");
  fs::path script = fs::path(c.script).is_absolute() ? fs::path(c.script) : cwd / c.script;
  script = script.lexically_normal();
  struct stat st;
  if (::stat(script.c_str(), &st) != 0) {
    return Status::Error(fmt::format("script not found: {}", script.string()), ENOENT);
  }
  if (S_ISDIR(st.st_mode)) {
    return Status::Error(fmt::format("script is a directory: {}", script.string()), EISDIR);
  }
  c.script = script.string();
  if (c.interpreter.empty()) c.interpreter = IsNodeScript(c.script) || !(st.st_mode & 0111) ? "node" : "none";
  if (c.name.empty()) c.name = script.stem().string();
  if (c.instances < 1) return Status::Error("instances must be at least 1");
  if (c.scheduler != "rr" && c.scheduler != "least" && c.scheduler != "shared") {
    return Status::Error(fmt::format("unknown scheduler '{}' (use rr, least or shared)", c.scheduler));
  }
  for (const auto& [k, v] : c.env) {
    if (k.empty() || k.find('=') != std::string::npos) {
      return Status::Error(fmt::format("--env {}={}: the name must be non-empty and without '='", k, v));
    }
  }
  if (c.ready_timeout.count() <= 0) return Status::Error("--ready-timeout must be positive");
  if (c.kill_timeout.count() <= 0) return Status::Error("--kill-timeout must be positive");
  return Status::Ok();
}

std::vector<std::string> WorkerArgv(const AppConfig& c) {
  std::vector<std::string> argv;
  if (c.interpreter != "none") {
    argv.push_back(c.interpreter);
    argv.insert(argv.end(), c.interpreter_args.begin(), c.interpreter_args.end());
  }
  argv.push_back(c.script);
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  return argv;
}

}  // namespace cohort
