// Compressing a finished log file with zlib (Debian's libz), for log
// rotation. Blocking: runs on a libuv threadpool thread, never on the loop.
#pragma once

#include <string>

#include "status.h"

namespace cohort {

// Writes `path`.gz through `path`.gz.tmp (renamed once complete, so a crash
// never leaves a truncated .gz under the final name), then removes `path`.
Status GzipFile(const std::string& path);

}  // namespace cohort
