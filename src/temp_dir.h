// TempDir: a fresh directory under /tmp for one test, removed with
// everything in it when the test ends. Tests only.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace cohort {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "cohort-test") {
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // "" if it could not be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace cohort
