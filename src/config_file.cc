#include "config_file.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>
#include <yaml-cpp/yaml.h>

#include "byte_size.h"
#include "duration.h"
#include "log_date_format.h"
#include "toml_guard.h"

namespace cohort {
namespace {

using nlohmann::json;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

json FromYaml(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& item : n) a.push_back(FromYaml(item));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = FromYaml(kv.second);
      return o;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted: a string
      if (s == "true" || s == "false") return s == "true";
      json number = json::parse(s, nullptr, false);
      if (!number.is_discarded() && number.is_number()) return number;
      return s;
    }
    default:
      return nullptr;
  }
}

json FromToml(const toml::node& n) {
  if (auto* t = n.as_table()) {
    json o = json::object();
    for (const auto& [k, v] : *t) o[std::string(k.str())] = FromToml(v);
    return o;
  }
  if (auto* a = n.as_array()) {
    json arr = json::array();
    for (const auto& v : *a) arr.push_back(FromToml(v));
    return arr;
  }
  // The node's own type first: value<int64_t>() on a float converts it, and
  // toml++ 3.3 does that cast unchecked (undefined for 54e055; found by
  // config_text_fuzz).
  if (const auto* i = n.as_integer()) return i->get();
  if (const auto* d = n.as_floating_point()) return d->get();
  if (const auto* b = n.as_boolean()) return b->get();
  if (const auto* str = n.as_string()) return str->get();
  return nullptr;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Status::Error(fmt::format("cannot read {}", path), ENOENT);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// PM2's ecosystem files are JavaScript: let node evaluate them.
Result<json> EvaluateWithNode(const std::string& path) {
  int fds[2];
  if (::pipe(fds) != 0) return Status::FromErrno("pipe");
  pid_t pid = ::fork();
  if (pid < 0) return Status::FromErrno("fork");
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    const char* script =
        "const m = require(process.argv[1]); Promise.resolve(m && m.default ? m.default : m)"
        ".then((c) => process.stdout.write(JSON.stringify(c)))"
        ".catch((e) => { console.error(e && e.message || e); process.exit(1); })";
    ::execlp("node", "node", "-e", script, path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    return Status::Error(fmt::format("{}: node could not evaluate it (exit {})", path,
                                     WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st)));
  }
  json j = json::parse(out, nullptr, false);
  if (j.is_discarded()) return Status::Error(path + ": it did not export plain data");
  return j;
}

std::vector<std::string> StringList(const json& v, const std::string& where, Status* error) {
  std::vector<std::string> out;
  if (v.is_string()) {
    std::istringstream words(v.get<std::string>());  // PM2 splits a string on spaces
    for (std::string w; words >> w;) out.push_back(w);
  } else if (v.is_array()) {
    for (const json& x : v) {
      if (!x.is_string() && !x.is_number()) {
        *error = Status::Error(where + ": must be a string or a list of strings");
        return {};
      }
      out.push_back(x.is_string() ? x.get<std::string>() : x.dump());
    }
  } else {
    *error = Status::Error(where + ": must be a string or a list of strings");
  }
  return out;
}

Status ReadEnv(const json& v, const std::string& where, std::map<std::string, std::string>* env) {
  if (!v.is_object()) return Status::Error(where + ": must be an object of NAME: value");
  for (const auto& [k, val] : v.items()) {
    if (val.is_string()) {
      (*env)[k] = val.get<std::string>();
    } else if (val.is_number() || val.is_boolean()) {
      (*env)[k] = val.dump();
    } else if (!val.is_null()) {
      return Status::Error(fmt::format("{}.{}: must be a string, number or boolean", where, k));
    }
  }
  return Status::Ok();
}

Result<Millis> Duration(const json& v, const std::string& where) {
  if (v.is_number()) return Millis(v.get<int64_t>());  // PM2: milliseconds
  if (v.is_string()) {
    Result<Millis> d = ParseDuration(v.get<std::string>());
    if (!d.ok()) return Status::Error(where + ": " + d.status().message());
    return d;
  }
  return Status::Error(where + ": must be milliseconds or a duration like \"10s\"");
}

// A number of bytes, or a size like "300M" (byte_size.h).
Result<uint64_t> ByteSize(const json& v, const std::string& where) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (!v.is_string()) return Status::Error(where + ": must be a size like \"300M\" or a number of bytes");
  Result<uint64_t> bytes = ParseByteSize(v.get<std::string>());
  if (!bytes.ok()) return Status::Error(where + ": " + bytes.status().message());
  return bytes;
}

// PM2's log fields (and their short names in PM2's reference), plus
// cohort's rotation settings.
struct LogFields {
  bool time = false;              // `time: true`: PM2's default date format
  bool default_combined = false;  // `log_file: true`: <home>/logs/<name>.log
};

bool IsLogField(const std::string& key) {
  static const std::set<std::string> kLogFields = {
      "out_file", "output",          "error_file",    "error",        "log_file",     "log",
      "log_date_format", "time",     "merge_logs",    "combine_logs", "disable_logs", "log_max_size",
      "log_max_files",   "log_compress"};
  return kLogFields.count(key) > 0;
}

Status MapLogField(const std::string& key, const json& v, const std::string& at, AppConfig* c, LogFields* logs,
                   std::vector<std::string>* warnings) {
  auto path = [&](std::string* to) {
    if (!v.is_string() || v.get<std::string>().empty()) return Status::Error(at + ": must be a file path");
    *to = v.get<std::string>();
    return Status::Ok();
  };
  auto flag = [&](bool* to) {
    if (!v.is_boolean()) return Status::Error(at + ": must be true or false");
    *to = v.get<bool>();
    return Status::Ok();
  };
  if (key == "out_file" || key == "output") return path(&c->out_file);
  if (key == "error_file" || key == "error") return path(&c->error_file);
  if (key == "log_file" || key == "log") {
    if (v.is_boolean()) {
      logs->default_combined = v.get<bool>();
      return Status::Ok();
    }
    return path(&c->log_file);
  }
  if (key == "log_date_format") {
    if (!v.is_string()) return Status::Error(at + ": must be a format like \"YYYY-MM-DD HH:mm:ss\"");
    c->log_date_format = v.get<std::string>();
    return Status::Ok();
  }
  if (key == "time") return flag(&logs->time);
  if (key == "log_compress") return flag(&c->log_rotation.compress);
  if (key == "disable_logs") {
    bool off = false;
    if (Status s = flag(&off); !s.ok()) return s;
    if (off) c->out_file = c->error_file = "/dev/null";
    return Status::Ok();
  }
  if (key == "merge_logs" || key == "combine_logs") {
    bool merged = true;
    if (Status s = flag(&merged); !s.ok()) return s;
    if (!merged) {
      warnings->push_back(at + ": cohort writes one file per app and stream, each line prefixed [app:slot]; "
                          "per-instance files are not made");
    }
    return Status::Ok();
  }
  if (key == "log_max_size") {
    Result<uint64_t> size = ByteSize(v, at);
    if (!size.ok()) return size.status();
    c->log_rotation.max_size = *size;
    return Status::Ok();
  }
  // log_max_files
  if (!v.is_number_integer()) return Status::Error(at + ": must be a number of files");
  c->log_rotation.max_files = v.get<int>();
  return Status::Ok();
}

Result<AppConfig> MapApp(const json& a, const std::string& where, const std::string& base_dir,
                         const std::string& profile, const std::string& home, std::vector<std::string>* warnings) {
  if (!a.is_object()) return Status::Error(where + ": must be an object");
  AppConfig c;
  LogFields logs;
  std::map<std::string, std::string> env;
  Status error;
  static const std::set<std::string> kIgnored = {"exec_mode", "watch", "ignore_watch", "autorestart"};
  static const std::set<std::string> kNotYet = {"cron_restart", "restart_delay", "exp_backoff_restart_delay"};
  for (const auto& [key, v] : a.items()) {
    std::string at = where + "." + key;
    if (key == "name") {
      if (!v.is_string()) return Status::Error(at + ": must be a string");
      c.name = v.get<std::string>();
    } else if (key == "script") {
      if (!v.is_string()) return Status::Error(at + ": must be a string");
      c.script = v.get<std::string>();
    } else if (key == "args") {
      c.args = StringList(v, at, &error);
    } else if (key == "interpreter") {
      if (!v.is_string()) return Status::Error(at + ": must be a string");
      c.interpreter = v.get<std::string>();
    } else if (key == "interpreter_args" || key == "node_args") {
      c.interpreter_args = StringList(v, at, &error);
    } else if (key == "instances") {
      Result<int> n = v.is_number_integer() ? Result<int>(v.get<int>())
                      : v.is_string()       ? ParseInstances(v.get<std::string>())
                                            : Result<int>(Status::Error("must be a number or 'max'"));
      if (n.ok() && *n <= 0) n = ParseInstances(std::to_string(*n));  // 0 and -N as PM2
      if (!n.ok()) return Status::Error(at + ": " + n.status().message());
      c.instances = *n;
    } else if (key == "cwd") {
      if (!v.is_string()) return Status::Error(at + ": must be a string");
      c.cwd = v.get<std::string>();
    } else if (key == "env") {
      error = ReadEnv(v, at, &env);
    } else if (key.rfind("env_", 0) == 0) {
      if (key == "env_" + profile) error = ReadEnv(v, at, &env);  // applied after env below
    } else if (key == "scheduler") {
      if (!v.is_string()) return Status::Error(at + ": must be rr, least or shared");
      c.scheduler = v.get<std::string>();
    } else if (key == "sticky" || key == "trust_proxy") {
      if (!v.is_string()) return Status::Error(at + ": must be a string");
      (key == "sticky" ? c.sticky : c.trust_proxy) = v.get<std::string>();
    } else if (key == "listen") {
      // One address or a list of them.
      if (v.is_string()) {
        c.listen = {v.get<std::string>()};
      } else if (v.is_array() && std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_string(); })) {
        c.listen = v.get<std::vector<std::string>>();
      } else {
        return Status::Error(at + ": must be an address or a list of addresses");
      }
    } else if (key == "ready") {
      if (!v.is_string()) return Status::Error(at + ": must be notify or delay:DURATION");
      c.ready = v.get<std::string>();
    } else if (key == "stop_signal") {
      if (!v.is_string() && !v.is_number_integer()) return Status::Error(at + ": must be a signal name or number");
      c.stop_signal = v.is_string() ? v.get<std::string>() : v.dump();
    } else if (key == "watchdog") {
      // As --watchdog: a number is seconds (systemd's WatchdogSec=).
      Result<Millis> d = v.is_number_integer() ? Result<Millis>(Millis(v.get<int64_t>() * 1000))
                         : v.is_string()       ? ParseWatchdog(v.get<std::string>())
                                               : Result<Millis>(Status::Error("must be seconds or a duration like \"5s\""));
      if (!d.ok()) return Status::Error(at + ": " + d.status().message());
      c.watchdog = *d;
    } else if (key == "store") {
      // true = the built-in store; a string = a redis:// URL.
      if (v.is_boolean()) {
        c.store = v.get<bool>() ? "builtin" : "";
      } else if (v.is_string()) {
        c.store = v.get<std::string>();
      } else {
        return Status::Error(at + ": must be true or a redis:// URL");
      }
    } else if (key == "sticky_ttl" || key == "sticky_timeout") {
      Result<Millis> d = Duration(v, at);
      if (!d.ok()) return d.status();
      (key == "sticky_ttl" ? c.sticky_ttl : c.sticky_timeout) = *d;
    } else if (key == "ready_timeout" || key == "listen_timeout") {
      Result<Millis> d = Duration(v, at);
      if (!d.ok()) return d.status();
      c.ready_timeout = *d;
    } else if (key == "health") {
      if (!v.is_string()) return Status::Error(at + ": must be an address (HOST:PORT or PORT)");
      c.health = v.get<std::string>();
    } else if (key == "drain_delay") {
      Result<Millis> d = Duration(v, at);
      if (!d.ok()) return d.status();
      c.drain_delay = *d;
    } else if (key == "kill_timeout") {
      Result<Millis> d = Duration(v, at);
      if (!d.ok()) return d.status();
      c.kill_timeout = *d;
    } else if (key == "min_uptime") {
      Result<Millis> d = Duration(v, at);
      if (!d.ok()) return d.status();
      c.min_uptime = *d;
    } else if (key == "max_restarts") {
      if (!v.is_number_integer() || v.get<int64_t>() < 0) return Status::Error(at + ": must be a number, 0 or more");
      c.max_restarts = static_cast<int>(std::min<int64_t>(v.get<int64_t>(), 1'000'000'000));
    } else if (key == "max_memory_restart") {
      Result<uint64_t> bytes = ByteSize(v, at);  // PM2: "300M", "1G", or a number of bytes
      if (!bytes.ok()) return bytes.status();
      c.max_memory_restart = *bytes;
    } else if (IsLogField(key)) {
      error = MapLogField(key, v, at, &c, &logs, warnings);
    } else if (kIgnored.count(key)) {
      warnings->push_back(fmt::format("{}: has no meaning under cohort; ignored", at));
    } else if (kNotYet.count(key)) {
      warnings->push_back(fmt::format("{}: not supported yet; ignored", at));
    } else {
      warnings->push_back(fmt::format("{}: unknown field; ignored", at));
    }
    if (!error.ok()) return error;
  }
  // env_<profile> wins over env, as in PM2.
  if (!profile.empty() && a.contains("env_" + profile)) {
    Status s = ReadEnv(a["env_" + profile], where + ".env_" + profile, &env);
    if (!s.ok()) return s;
  }
  c.env.assign(env.begin(), env.end());
  if (c.log_date_format.empty() && logs.time) c.log_date_format = LogDateFormat::kPm2Time;
  if (c.script.empty()) return Status::Error(where + ": script is required");
  namespace fs = std::filesystem;
  if (c.cwd.empty()) c.cwd = base_dir;
  if (fs::path(c.cwd).is_relative()) c.cwd = (fs::path(base_dir) / c.cwd).lexically_normal().string();
  Status valid = ValidateAppConfig(c);
  if (!valid.ok()) return Status::Error(where + ": " + valid.message());
  if (logs.default_combined) {
    if (home.empty()) return Status::Error(where + ".log_file: true needs $COHORT_HOME; give a path");
    c.log_file = home + "/logs/" + c.name + ".log";
  }
  return c;
}

}  // namespace

bool IsConfigFile(const std::string& path) {
  std::string base = std::filesystem::path(path).filename().string();
  for (const char* ext : {".json", ".yaml", ".yml", ".toml"}) {
    if (EndsWith(base, ext)) return true;
  }
  return base.find(".config.") != std::string::npos &&
         (EndsWith(base, ".js") || EndsWith(base, ".cjs") || EndsWith(base, ".mjs"));
}

Result<LoadedConfig> AppsFromDocument(const json& doc, const std::string& file, const std::string& base_dir,
                                      const std::string& profile, const std::string& home) {
  if (!doc.is_object() || !doc.contains("apps")) return Status::Error(file + ": no `apps` list");
  const json& list = doc["apps"];
  if (!list.is_array() && !list.is_object()) return Status::Error(file + ": apps: must be a list");
  LoadedConfig out;
  std::set<std::string> names;
  json items = list.is_array() ? list : json::array({list});
  for (size_t i = 0; i < items.size(); ++i) {
    std::string where = fmt::format("{}: apps[{}]", file, i);
    Result<AppConfig> app = MapApp(items[i], where, base_dir, profile, home, &out.warnings);
    if (!app.ok()) return app.status();
    if (!names.insert(app->name).second) {
      return Status::Error(fmt::format("{}.name: {} is used twice", where, app->name));
    }
    out.apps.push_back(std::move(*app));
  }
  if (out.apps.empty()) return Status::Error(file + ": apps: the list is empty");
  return out;
}

Result<LoadedConfig> LoadConfigFile(const std::string& path, const std::string& profile, const std::string& home) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  std::string base_dir = abs.parent_path().string();
  json doc;
  if (EndsWith(path, ".json")) {
    Result<std::string> text = ReadFile(abs);
    if (!text.ok()) return text.status();
    try {
      doc = json::parse(*text);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1E400
      return Status::Error(fmt::format("{}: {}", path, e.what()));
    }
  } else if (EndsWith(path, ".yaml") || EndsWith(path, ".yml")) {
    try {
      doc = FromYaml(YAML::LoadFile(abs));
    } catch (const YAML::BadFile&) {
      return Status::Error(fmt::format("cannot read {}", path), ENOENT);
    } catch (const YAML::Exception& e) {
      return Status::Error(fmt::format("{}:{}:{}: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
    }
  } else if (EndsWith(path, ".toml")) {
    Result<std::string> text = ReadFile(abs);
    if (!text.ok()) return text.status();
    if (std::optional<TomlHazard> h = FindTomlHazard(*text)) {
      return Status::Error(fmt::format("{}:{}:{}: U+{:04X} cannot be read safely by the TOML library cohort is built "
                                       "with (toml++ 3.3); write it as \\u{:04X} in a \"...\" string, or use a "
                                       "YAML or JSON config", path, h->line, h->column, static_cast<uint32_t>(h->codepoint),
                                       static_cast<uint32_t>(h->codepoint)));
    }
    toml::parse_result r = toml::parse(*text, abs.string());
    if (!r) {
      const auto& err = r.error();
      return Status::Error(fmt::format("{}:{}:{}: {}", path, err.source().begin.line, err.source().begin.column,
                                       err.description()));
    }
    doc = FromToml(r.table());
  } else {
    if (!fs::exists(abs)) return Status::Error(fmt::format("cannot read {}", path), ENOENT);
    Result<json> j = EvaluateWithNode(abs);
    if (!j.ok()) return j.status();
    doc = std::move(*j);
  }
  return AppsFromDocument(doc, path, base_dir, profile, home);
}

}  // namespace cohort
