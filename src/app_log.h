// AppLog: a daemon app's log files: its stdout, its stderr, and optionally
// both in one more file (PM2's log_file), each a RotatingLogFile; it is the
// LogSink the app's Logger writes to. cohort's own events about the app go
// with its stdout, where `cohort logs` shows them. Out and err may name the
// same file (PM2 users do that): it is opened once. Loop thread only.
#pragma once

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app_config.h"
#include "logger.h"
#include "rotating_log_file.h"

namespace cohort {

struct AppLogPaths {
  std::string out, err;
  std::string combined;  // "" = none
};
// Where `config`'s logs go: its configured files, else
// <home>/logs/<name>-out.log and <name>-err.log.
AppLogPaths LogPathsFor(const AppConfig& config, const std::string& home);
// Every path of `paths`, without repeats.
std::vector<std::string> DistinctPaths(const AppLogPaths& paths);

class AppLog : public LogSink {
 public:
  // Creates <home>/logs (0700) if needed; errors name the file.
  static Result<std::unique_ptr<AppLog>> Open(uv_loop_t* loop, const AppConfig& config, const std::string& home,
                                              RotatingLogFile::ErrorFn on_error);
  void Write(LogStream stream, std::string_view line) override;
  // Empties every file and removes their rotated files; then calls done.
  void Flush(std::function<void()> done);
  const AppLogPaths& paths() const { return paths_; }
  // {"out", "err", "combined"?, "max_size", "max_files", "compress", "date_format"?}
  static nlohmann::json Describe(const AppConfig& config, const AppLogPaths& paths);

 private:
  AppLog() = default;
  AppLogPaths paths_;
  std::map<std::string, std::unique_ptr<RotatingLogFile>> files_;  // by path
  std::vector<RotatingLogFile*> out_, err_;                        // where each stream goes
};

}  // namespace cohort
