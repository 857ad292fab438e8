#include "log_follower.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>

#include "log_rotation.h"

namespace cohort {
namespace {

std::pair<std::string, std::string> SplitPath(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

std::string Key(const RotatedLog& r) { return r.timestamp + "." + std::to_string(r.seq); }

// The rotated files of `path`, oldest first, one entry per key (the plain
// name if both are there: the .gz is being written).
std::vector<RotatedLog> ListRotated(const std::string& path) {
  auto [dir, base] = SplitPath(path);
  std::vector<RotatedLog> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* e = ::readdir(d)) {
      if (auto r = ParseRotatedLogName(base, e->d_name)) out.push_back(std::move(*r));
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end(), [](const RotatedLog& a, const RotatedLog& b) {
    return a < b || (!(b < a) && !a.compressed && b.compressed);
  });
  out.erase(
      std::unique(out.begin(), out.end(), [](const RotatedLog& a, const RotatedLog& b) { return Key(a) == Key(b); }),
      out.end());
  return out;
}

std::set<std::string> Keys(const std::vector<RotatedLog>& rotated) {
  std::set<std::string> keys;
  for (const RotatedLog& r : rotated) keys.insert(Key(r));
  return keys;
}

}  // namespace

LogFollower::LogFollower(std::vector<std::string> paths) {
  inotify_.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  std::set<std::string> dirs;
  for (std::string& p : paths) {
    size_t slash = p.rfind('/');
    dirs.insert(slash == std::string::npos ? "." : slash == 0 ? "/" : p.substr(0, slash));
    File& f = files_.emplace_back();
    f.path = std::move(p);
    f.rotated = Keys(ListRotated(f.path));
    if (OpenFile(f)) f.offset = ::lseek(f.fd.get(), 0, SEEK_END);
  }
  if (inotify_) {
    for (const std::string& d : dirs) {
      ::inotify_add_watch(inotify_.get(), d.c_str(),
                          IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE);
    }
  }
}

bool LogFollower::OpenFile(File& f) {
  f.fd.reset(::open(f.path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!f.fd || ::fstat(f.fd.get(), &st) != 0) {
    f.fd.reset();
    return false;
  }
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  f.offset = 0;
  f.partial.clear();
  return true;
}

std::vector<std::string> LogFollower::Tail(size_t i, int n) {
  File& f = files_.at(i);
  std::vector<std::string> lines;
  if (!f.fd || n <= 0) return lines;
  // Read backwards in blocks until n line ends are found (or the start).
  std::string tail;
  off_t pos = f.offset;
  constexpr off_t kBlock = 64 * 1024;
  while (pos > 0 && std::count(tail.begin(), tail.end(), '\n') <= n) {
    off_t start = std::max<off_t>(0, pos - kBlock);
    std::string block(static_cast<size_t>(pos - start), '\0');
    ssize_t got = ::pread(f.fd.get(), block.data(), block.size(), start);
    if (got <= 0) break;
    block.resize(static_cast<size_t>(got));
    tail.insert(0, block);
    pos = start;
  }
  std::string_view rest(tail);
  if (rest.ends_with('\n')) rest.remove_suffix(1);
  while (!tail.empty()) {
    size_t nl = rest.find('\n');
    lines.emplace_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() > static_cast<size_t>(n)) lines.erase(lines.begin(), lines.end() - n);
  return lines;
}

void LogFollower::ReadNew(size_t i, const LineFn& on_line) {
  File& f = files_[i];
  struct stat st;
  if (::fstat(f.fd.get(), &st) == 0 && st.st_size < f.offset) {
    f.offset = 0;  // emptied (cohort flush): start again from the top
    f.partial.clear();
  }
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::pread(f.fd.get(), buf, sizeof buf, f.offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    f.offset += n;
    std::string_view chunk(buf, static_cast<size_t>(n));
    while (!chunk.empty()) {
      size_t nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        f.partial.append(chunk);
        break;
      }
      if (f.partial.empty()) {
        on_line(i, chunk.substr(0, nl));
      } else {
        f.partial.append(chunk.substr(0, nl));
        on_line(i, f.partial);
        f.partial.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
  }
}

void LogFollower::Poll(const LineFn& on_line) {
  for (size_t i = 0; i < files_.size(); ++i) {
    File& f = files_[i];
    if (f.fd) {
      ReadNew(i, on_line);
      struct stat st;
      bool same = ::stat(f.path.c_str(), &st) == 0 && st.st_dev == f.dev && st.st_ino == f.ino;
      if (same) continue;
      // Rotated or removed: whatever was written before the rename is in the
      // old file (the daemon renames between two lines); read it to the end.
      ReadNew(i, on_line);
      if (!f.partial.empty()) on_line(i, f.partial);
      ReadRotated(i, on_line, Since::kOurs);
      f.fd.reset();
    } else {
      // No file being read (gone, or not there yet): what was rotated since is all newer.
      ReadRotated(i, on_line, Since::kNothing);
    }
    if (!OpenFile(f)) continue;  // not there (yet): read from its start when it comes
    // Rotated between the listing and the open: older than the file just opened.
    ReadRotated(i, on_line, Since::kNothingUntilOurs);
    ReadNew(i, on_line);
  }
}

void LogFollower::ReadRotated(size_t i, const LineFn& on_line, Since since) {
  File& f = files_[i];
  std::vector<RotatedLog> now = ListRotated(f.path);
  auto [dir, base] = SplitPath(f.path);
  std::set<std::string> on_disk = Keys(now);
  std::erase_if(f.rotated, [&](const std::string& k) { return !on_disk.count(k); });  // pruned: names are not reused
  std::vector<RotatedLog> fresh;
  for (const RotatedLog& r : now) {
    if (!f.rotated.count(Key(r))) fresh.push_back(r);
  }
  // Ours (the file of f.fd, if renamed): the plain file with its inode, or
  // (gzipped already) the oldest new one.
  auto is_ours = [&](const RotatedLog& r) {
    struct stat st;
    return !r.compressed && ::stat((dir + "/" + r.name).c_str(), &st) == 0 && st.st_ino == f.ino && st.st_dev == f.dev;
  };
  size_t from = 0;
  if (since == Since::kOurs && !fresh.empty()) {
    auto ours = std::find_if(fresh.begin(), fresh.end(), is_ours);
    from = ours == fresh.end() ? 1 : static_cast<size_t>(ours - fresh.begin()) + 1;
    for (size_t k = 0; k < from; ++k) f.rotated.insert(Key(fresh[k]));
  }
  for (size_t k = from; k < fresh.size(); ++k) {
    if (since == Since::kNothingUntilOurs && is_ours(fresh[k])) return;  // the next Poll reads past it
    f.rotated.insert(Key(fresh[k]));
    ReadWhole(i, dir + "/" + fresh[k].name, fresh[k].compressed, on_line);
  }
}

void LogFollower::ReadWhole(size_t i, const std::string& path, bool compressed, const LineFn& on_line) {
  gzFile in = ::gzopen(path.c_str(), "rb");                                  // reads a plain file as it is
  if (!in && !compressed) in = ::gzopen((path + ".gz").c_str(), "rb");  // gzipped meanwhile
  if (!in) return;  // removed meanwhile (--log-max-files): nothing to read
  std::string partial;
  char buf[64 * 1024];
  int n;
  while ((n = ::gzread(in, buf, sizeof buf)) > 0) {
    partial.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
      on_line(i, std::string_view(partial).substr(start, nl - start));
    }
    partial.erase(0, start);
  }
  ::gzclose(in);
  if (!partial.empty()) on_line(i, partial);
}

void LogFollower::Wait(int timeout_ms) {
  if (!inotify_) {
    ::poll(nullptr, 0, timeout_ms);
    return;
  }
  pollfd p{inotify_.get(), POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) > 0) {
    alignas(inotify_event) char events[16 * 1024];
    while (::read(inotify_.get(), events, sizeof events) > 0) {
    }
  }
}

}  // namespace cohort
