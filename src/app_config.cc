#include "app_config.h"

#include "duration.h"
#include "exit_status.h"
#include "listen_socket.h"
#include "process_spawner.h"
#include "store_url.h"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <map>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "ip_address.h"
#include "sticky_key.h"

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

namespace {

// --ready, --watchdog, --stop-signal: for --listen programs only (a Node
// worker is ready when it listens and leaves on Node's disconnect).
Status ValidateProgramOptions(AppConfig& c) {
  if (c.listen.empty()) {
    if (!c.ready.empty()) {
      return Status::Error("--ready applies to --listen programs (Node apps are ready when they listen)");
    }
    if (c.watchdog.count() != 0) return Status::Error("--watchdog applies to --listen programs (sd_notify WATCHDOG=1)");
    if (!c.stop_signal.empty()) {
      return Status::Error("--stop-signal applies to --listen programs (Node workers leave on cluster's disconnect)");
    }
    return Status::Ok();
  }
  if (c.ready.starts_with("delay:")) {
    Result<Millis> d = ParseDuration(c.ready.substr(6));
    if (!d.ok()) return Status::Error("--ready " + c.ready + ": " + d.status().message());
  } else if (!c.ready.empty() && c.ready != "notify") {
    return Status::Error(fmt::format("--ready {}: use notify or delay:DURATION (e.g. delay:500ms)", c.ready));
  }
  if (c.watchdog.count() < 0) return Status::Error("--watchdog must not be negative");
  Result<int> sig = ParseSignal(c.stop_signal.empty() ? "SIGTERM" : c.stop_signal);
  if (!sig.ok()) return Status::Error("--stop-signal: " + sig.status().message());
  c.stop_signal = SignalName(*sig);
  return Status::Ok();
}

}  // namespace

bool IsBalancedProgram(const AppConfig& c) { return !c.listen.empty() && c.scheduler != "shared"; }

Result<Millis> ParseWatchdog(const std::string& text) {
  int seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return Millis(seconds * 1000LL);
  return ParseDuration(text);
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
    // A bare command name (`-- python3 app.py`) is looked up in PATH.
    Result<std::string> found = c.script.find('/') == std::string::npos
                                    ? ResolveExecutable(c.script, c.environment)
                                    : Result<std::string>(Status::Error("not a command"));
    if (!found.ok() || ::stat(found->c_str(), &st) != 0) {
      return Status::Error(fmt::format("script not found: {}", script.string()), ENOENT);
    }
    script = *found;
  }
  if (S_ISDIR(st.st_mode)) {
    return Status::Error(fmt::format("script is a directory: {}", script.string()), EISDIR);
  }
  c.script = script.string();
  if (c.interpreter.empty()) c.interpreter = IsNodeScript(c.script) || !(st.st_mode & 0111) ? "node" : "none";
  if (c.name.empty()) c.name = script.stem().string();
  if (c.instances < 1) return Status::Error("instances must be at least 1");
  bool balanced_by_sticky = !c.sticky.empty() || !c.trust_proxy.empty();
  if (c.scheduler.empty()) c.scheduler = c.listen.empty() || balanced_by_sticky ? "rr" : "shared";
  if (c.scheduler != "rr" && c.scheduler != "least" && c.scheduler != "shared") {
    return Status::Error(fmt::format("unknown scheduler '{}' (use rr, least or shared)", c.scheduler));
  }
  if (!c.sticky.empty()) {
    Result<StickySpec> spec = ParseStickySpec(c.sticky);
    if (!spec.ok()) return Status::Error("--sticky: " + spec.status().message());
    if (c.scheduler == "shared") {
      return Status::Error("--sticky needs cohort to place connections; it cannot be used with --scheduler shared");
    }
  }
  if (!c.trust_proxy.empty()) {
    Result<AddressSet> set = AddressSet::Parse(c.trust_proxy);
    if (!set.ok()) return Status::Error("--trust-proxy: " + set.status().message());
    if (c.scheduler == "shared") {
      return Status::Error("--trust-proxy needs cohort to place connections; it cannot be used with --scheduler shared");
    }
  }
  if (!c.store.empty() && c.store != "builtin") {
    Result<StoreUrl> url = ParseStoreUrl(c.store);
    if (!url.ok()) {
      return Status::Error(fmt::format("--store: {} (give no value for the built-in store, or a redis:// URL)",
                                       url.status().message()));
    }
  }
  for (const std::string& l : c.listen) {
    Result<ListenSpec> spec = ParseListenAddress(l);
    if (!spec.ok()) return spec.status();
  }
  if (Status s = ValidateProgramOptions(c); !s.ok()) return s;
  if (c.sticky_ttl.count() < 0) return Status::Error("--sticky-ttl must not be negative");
  if (c.sticky_timeout.count() <= 0) return Status::Error("--sticky-timeout must be positive");
  for (const auto& [k, v] : c.env) {
    if (k.empty() || k.find('=') != std::string::npos) {
      return Status::Error(fmt::format("--env {}={}: the name must be non-empty and without '='", k, v));
    }
  }
  if (!c.health.empty()) {
    Result<ListenSpec> spec = ParseTcpListenAddress(c.health, "--health");
    if (!spec.ok()) return spec.status();
  }
  if (!c.drain_delay) c.drain_delay = Millis(c.health.empty() ? 0 : 3000);
  if (c.drain_delay->count() < 0) return Status::Error("--drain-delay must not be negative");
  if (c.ready_timeout.count() <= 0) return Status::Error("--ready-timeout must be positive");
  for (std::string* file : {&c.out_file, &c.error_file, &c.log_file}) {
    if (!file->empty()) *file = (cwd / *file).lexically_normal().string();
  }
  if (c.log_rotation.max_size != 0 && c.log_rotation.max_size < 1024) {
    return Status::Error("--log-max-size must be 0 (never rotate) or at least 1K");
  }
  if (c.log_rotation.max_files < 1 || c.log_rotation.max_files > 1000) {
    return Status::Error("--log-max-files must be between 1 and 1000");
  }
  if (c.kill_timeout.count() <= 0) return Status::Error("--kill-timeout must be positive");
  if (c.max_restarts < 0) return Status::Error("--max-restarts must not be negative");
  if (c.min_uptime.count() < 0) return Status::Error("--min-uptime must not be negative");
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

nlohmann::json AppConfigToJson(const AppConfig& c) {
  nlohmann::json env = nlohmann::json::object();
  for (const auto& [k, v] : c.env) env[k] = v;
  return {{"name", c.name},
          {"script", c.script},
          {"interpreter", c.interpreter},
          {"interpreter_args", c.interpreter_args},
          {"args", c.args},
          {"cwd", c.cwd},
          {"env", env},
          {"environment", c.environment},
          {"instances", c.instances},
          {"scheduler", c.scheduler},
          {"sticky", c.sticky},
          {"trust_proxy", c.trust_proxy},
          {"sticky_ttl_ms", c.sticky_ttl.count()},
          {"sticky_timeout_ms", c.sticky_timeout.count()},
          {"store", c.store},
          {"listen", c.listen},
          {"ready", c.ready},
          {"watchdog_ms", c.watchdog.count()},
          {"stop_signal", c.stop_signal},
          {"ready_timeout_ms", c.ready_timeout.count()},
          {"kill_timeout_ms", c.kill_timeout.count()},
          {"max_memory_restart", c.max_memory_restart},
          {"max_restarts", c.max_restarts},
          {"min_uptime_ms", c.min_uptime.count()},
          {"out_file", c.out_file},
          {"error_file", c.error_file},
          {"log_file", c.log_file},
          {"log_date_format", c.log_date_format},
          {"log_max_size", c.log_rotation.max_size},
          {"log_max_files", c.log_rotation.max_files},
          {"log_compress", c.log_rotation.compress},
          {"health", c.health},
          {"drain_delay_ms", c.drain_delay ? nlohmann::json(c.drain_delay->count()) : nlohmann::json()}};
}

nlohmann::json ConfigForDescribe(const AppConfig& c) {
  nlohmann::json j = AppConfigToJson(c);
  nlohmann::json keys = nlohmann::json::array();
  for (const std::string& e : c.environment) keys.push_back(e.substr(0, e.find('=')));
  j.erase("environment");
  j["environment_keys"] = keys;
  return j;
}

namespace {

template <typename T>
Status Read(const nlohmann::json& j, const char* field, T* out) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return Status::Ok();
  try {
    *out = it->get<T>();
  } catch (const nlohmann::json::exception&) {
    return Status::Error(fmt::format("field '{}' has the wrong type ({})", field, it->type_name()));
  }
  return Status::Ok();
}

}  // namespace

Result<AppConfig> AppConfigFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::Error("an app config must be a JSON object");
  AppConfig c;
  std::map<std::string, std::string> env;
  int64_t ready_ms = c.ready_timeout.count(), kill_ms = c.kill_timeout.count();
  int64_t ttl_ms = c.sticky_ttl.count(), peek_ms = c.sticky_timeout.count();
  int64_t min_uptime_ms = c.min_uptime.count();
  int64_t watchdog_ms = c.watchdog.count();
  for (Status s : {Read(j, "name", &c.name), Read(j, "script", &c.script),
                   Read(j, "interpreter", &c.interpreter), Read(j, "interpreter_args", &c.interpreter_args),
                   Read(j, "args", &c.args), Read(j, "cwd", &c.cwd), Read(j, "env", &env),
                   Read(j, "environment", &c.environment), Read(j, "instances", &c.instances),
                   Read(j, "scheduler", &c.scheduler), Read(j, "ready_timeout_ms", &ready_ms),
                   Read(j, "kill_timeout_ms", &kill_ms), Read(j, "sticky", &c.sticky),
                   Read(j, "trust_proxy", &c.trust_proxy), Read(j, "sticky_ttl_ms", &ttl_ms),
                   Read(j, "sticky_timeout_ms", &peek_ms), Read(j, "store", &c.store), Read(j, "listen", &c.listen),
                   Read(j, "ready", &c.ready), Read(j, "max_memory_restart", &c.max_memory_restart),
                   Read(j, "max_restarts", &c.max_restarts), Read(j, "min_uptime_ms", &min_uptime_ms),
                   Read(j, "watchdog_ms", &watchdog_ms), Read(j, "stop_signal", &c.stop_signal),
                   Read(j, "out_file", &c.out_file),
                   Read(j, "error_file", &c.error_file), Read(j, "log_file", &c.log_file),
                   Read(j, "log_date_format", &c.log_date_format), Read(j, "log_max_size", &c.log_rotation.max_size),
                   Read(j, "log_max_files", &c.log_rotation.max_files),
                   Read(j, "log_compress", &c.log_rotation.compress), Read(j, "health", &c.health)}) {
    if (!s.ok()) return s;
  }
  if (auto d = j.find("drain_delay_ms"); d != j.end() && !d->is_null()) {
    if (!d->is_number_integer()) return Status::Error(fmt::format("field 'drain_delay_ms' has the wrong type ({})", d->type_name()));
    c.drain_delay = Millis(d->get<int64_t>());
  }
  c.env.assign(env.begin(), env.end());
  c.ready_timeout = Millis(ready_ms);
  c.kill_timeout = Millis(kill_ms);
  c.sticky_ttl = Millis(ttl_ms);
  c.sticky_timeout = Millis(peek_ms);
  c.min_uptime = Millis(min_uptime_ms);
  c.watchdog = Millis(watchdog_ms);
  return c;
}

}  // namespace cohort
