// LogFollower: what `cohort logs` reads. The last lines of some log files,
// then what is appended to them, as `tail -F` does it: by name, so a file
// that was rotated is read to its end and the new one from its start, and a
// file emptied by `cohort flush` is read again from its top. Unlike tail -F,
// files rotated in between two looks (a fast writer) are read too, from
// their rotated names (log_rotation.h), gzipped or not. inotify on the
// files' directories says when to look; a 1 s timeout covers file systems
// without it. Single-threaded; blocking (it is the CLI's whole job).
#pragma once

#include <sys/types.h>

#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "unique_fd.h"

namespace cohort {

class LogFollower {
 public:
  using LineFn = std::function<void(size_t file, std::string_view line)>;
  explicit LogFollower(std::vector<std::string> paths);

  // The last `n` lines of file `i` (those written so far); following starts
  // right after them.
  std::vector<std::string> Tail(size_t i, int n);
  // Reads what is new in every file, now, without waiting.
  void Poll(const LineFn& on_line);
  // Blocks until a file may have changed (or timeout_ms passed).
  void Wait(int timeout_ms);

 private:
  struct File {
    std::string path;
    UniqueFd fd;
    dev_t dev = 0;
    ino_t ino = 0;
    off_t offset = 0;               // read so far
    std::string partial;            // an unterminated last line
    std::set<std::string> rotated;  // rotated files read, or there before we started ("timestamp.seq")
  };
  bool OpenFile(File& f);
  void ReadNew(size_t i, const LineFn& on_line);
  // Files rotated since the last look that are not read yet, in order: all
  // of them (kNothing: no file was being read), those after the one being
  // read (kOurs: it was rotated), or those before the file just opened
  // (kNothingUntilOurs: rotated between the listing and the open).
  enum class Since { kNothing, kOurs, kNothingUntilOurs };
  void ReadRotated(size_t i, const LineFn& on_line, Since since);
  void ReadWhole(size_t i, const std::string& path, bool compressed, const LineFn& on_line);
  std::vector<File> files_;
  UniqueFd inotify_;
};

}  // namespace cohort
