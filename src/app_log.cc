#include "app_log.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>

namespace cohort {

AppLogPaths LogPathsFor(const AppConfig& config, const std::string& home) {
  std::string dir = home + "/logs/";
  return {.out = config.out_file.empty() ? dir + config.name + "-out.log" : config.out_file,
          .err = config.error_file.empty() ? dir + config.name + "-err.log" : config.error_file,
          .combined = config.log_file};
}

std::vector<std::string> DistinctPaths(const AppLogPaths& paths) {
  std::vector<std::string> out;
  for (const std::string& p : {paths.out, paths.err, paths.combined}) {
    if (!p.empty() && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  return out;
}

Result<std::unique_ptr<AppLog>> AppLog::Open(uv_loop_t* loop, const AppConfig& config, const std::string& home,
                                             RotatingLogFile::ErrorFn on_error) {
  std::unique_ptr<AppLog> log(new AppLog);
  log->paths_ = LogPathsFor(config, home);
  std::string dir = home + "/logs";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Status::FromErrno("cannot create " + dir);
  for (const std::string& path : DistinctPaths(log->paths_)) {
    auto file = RotatingLogFile::Open(loop, path, config.log_rotation, on_error);
    if (!file.ok()) return file.status();
    log->files_[path] = std::move(*file);
  }
  auto route = [&](const std::string& path, std::vector<RotatingLogFile*>* to) {
    RotatingLogFile* f = log->files_.at(path).get();
    if (std::find(to->begin(), to->end(), f) == to->end()) to->push_back(f);
  };
  route(log->paths_.out, &log->out_);
  route(log->paths_.err, &log->err_);
  if (!log->paths_.combined.empty()) {
    route(log->paths_.combined, &log->out_);
    route(log->paths_.combined, &log->err_);
  }
  return log;
}

void AppLog::Write(LogStream stream, std::string_view line) {
  for (RotatingLogFile* f : stream == LogStream::kErr ? err_ : out_) f->Write(line);
}

void AppLog::Flush(std::function<void()> done) {
  auto left = std::make_shared<size_t>(files_.size());
  auto one_done = [left, done] {
    if (--*left == 0 && done) done();
  };
  for (auto& [path, file] : files_) file->Flush(one_done);
}

nlohmann::json AppLog::Describe(const AppConfig& config, const AppLogPaths& paths) {
  nlohmann::json j = {{"out", paths.out},
                      {"err", paths.err},
                      {"max_size", config.log_rotation.max_size},
                      {"max_files", config.log_rotation.max_files},
                      {"compress", config.log_rotation.compress}};
  if (!paths.combined.empty()) j["combined"] = paths.combined;
  if (!config.log_date_format.empty()) j["date_format"] = config.log_date_format;
  return j;
}

}  // namespace cohort
