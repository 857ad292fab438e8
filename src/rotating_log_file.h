// RotatingLogFile: one append-only log on disk (an app's stdout, say),
// written line by line on the loop thread and rotated by size
// (log_rotation.h). Each line is one write(2) of the line and its '\n', so
// readers never see half a line and a crash loses nothing written.
//
// Rotation never blocks the loop for long and never loses a line: between
// two lines, the file is renamed and a new one opened (two syscalls); the
// gzip and the removal of old files run on a libuv threadpool thread, one
// tidy at a time per file (a rotation during a tidy reruns it afterwards).
// Files that are not regular (/dev/null, a pipe) are written, never rotated.
// Owns the fd; an in-flight tidy outlives the object harmlessly.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "log_rotation.h"
#include "status.h"
#include "unique_fd.h"

namespace cohort {

class RotatingLogFile {
 public:
  using ErrorFn = std::function<void(const std::string& message)>;
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Opens (creating, mode 0600) `path` for appending. on_error hears about
  // failed writes, rotations and tidies (the daemon logs them).
  static Result<std::unique_ptr<RotatingLogFile>> Open(uv_loop_t* loop, std::string path, LogRotation rotation,
                                                       ErrorFn on_error, Clock clock = nullptr);
  ~RotatingLogFile();

  void Write(std::string_view line);
  // Empties the file and removes its rotated files (the removal off the
  // loop); `done` runs once they are gone.
  void Flush(std::function<void()> done = nullptr);

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  // Rotations and tidies done so far (for tests: a tidy is asynchronous).
  int rotations() const { return rotations_; }
  bool tidying() const;
  // Tidies queued or running in the whole process (the daemon waits for
  // them before it exits).
  static int TidiesRunning();

  struct TidyQueue;  // per path, shared with in-flight tidies (defined in the .cc)

 private:
  RotatingLogFile(uv_loop_t* loop, std::string path, LogRotation rotation, ErrorFn on_error, Clock clock);
  Status OpenFile();
  void Rotate();
  void Tidy(int keep, std::function<void()> done = nullptr);
  static void StartTidy(uv_loop_t* loop, std::shared_ptr<TidyQueue> queue, int keep);

  uv_loop_t* loop_;
  std::string path_;
  std::string dir_, base_;  // path_ split at its last '/'
  LogRotation rotation_;
  ErrorFn on_error_;
  Clock clock_;
  UniqueFd fd_;
  bool regular_ = false;    // only regular files are rotated
  uint64_t size_ = 0;       // of the live file, as written through this object
  uint64_t rotate_at_ = 0;  // the next size that triggers a rotation (after a failed one: later)
  int rotations_ = 0;
  // The last rotated name's second and sequence number: names within one
  // second keep increasing even when the older ones were pruned meanwhile.
  std::string last_second_;
  int last_seq_ = -1;
  bool write_failing_ = false;  // report a failing disk once, not per line
  std::string buf_;
  std::shared_ptr<TidyQueue> tidy_;
};

// The blocking part of a tidy (runs on a threadpool thread): lists the
// directory, gzips and removes as PlanTidy says. Returns the errors.
std::vector<std::string> TidyRotatedLogs(const std::string& dir, const std::string& base, int keep, bool compress);

}  // namespace cohort
