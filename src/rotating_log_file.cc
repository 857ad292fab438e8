#include "rotating_log_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include "gzip_file.h"

namespace cohort {

// Shared by the file and its in-flight tidy job; only touched on the loop.
struct RotatingLogFile::TidyQueue {
  RotatingLogFile* owner = nullptr;  // null once the file is gone
  std::string dir, base;
  bool compress = false;
  bool running = false;
  int pending_keep = -1;  // a tidy asked for while one runs (-1: none); the smallest keep wins
  std::vector<std::function<void()>> pending_done;  // to call when that pending tidy is over
};

namespace {

// One queue per path for the whole process: a file reopened (an app
// restarted) while its old tidy still runs must not start a second one on
// the same files.
std::map<std::string, std::weak_ptr<RotatingLogFile::TidyQueue>>& Queues() {
  static auto* queues = new std::map<std::string, std::weak_ptr<RotatingLogFile::TidyQueue>>;
  return *queues;
}

int tidies_running = 0;  // loop thread only

struct TidyJob {
  uv_work_t req{};
  std::shared_ptr<void> queue;  // keeps the queue alive until after_work
  std::string dir, base;
  int keep = 0;
  bool compress = false;
  std::vector<std::string> errors;
  std::vector<std::function<void()>> done;
};

}  // namespace

std::vector<std::string> TidyRotatedLogs(const std::string& dir, const std::string& base, int keep, bool compress) {
  std::vector<std::string> errors, names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return {fmt::format("cannot list {}: {}", dir, std::strerror(errno))};
  while (struct dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
  ::closedir(d);
  TidyPlan plan = PlanTidy(base, names, keep, compress);
  for (const std::string& name : plan.compress) {
    if (Status s = GzipFile(dir + "/" + name); !s.ok()) errors.push_back(s.message());
  }
  for (const std::string& name : plan.remove) {
    std::string p = dir + "/" + name;
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) {
      errors.push_back(fmt::format("cannot remove {}: {}", p, std::strerror(errno)));
    }
  }
  return errors;
}

RotatingLogFile::RotatingLogFile(uv_loop_t* loop, std::string path, LogRotation rotation, ErrorFn on_error, Clock clock)
    : loop_(loop),
      path_(std::move(path)),
      rotation_(rotation),
      on_error_(std::move(on_error)),
      clock_(clock ? std::move(clock) : [] { return std::chrono::system_clock::now(); }) {
  size_t slash = path_.rfind('/');
  dir_ = slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash);
  base_ = slash == std::string::npos ? path_ : path_.substr(slash + 1);
  std::erase_if(Queues(), [](const auto& entry) { return entry.second.expired(); });
  std::weak_ptr<TidyQueue>& slot = Queues()[path_];
  tidy_ = slot.lock();
  if (!tidy_) {
    tidy_ = std::make_shared<TidyQueue>();
    slot = tidy_;
  }
  tidy_->owner = this;
  tidy_->dir = dir_;
  tidy_->base = base_;
  tidy_->compress = rotation_.compress;
}

RotatingLogFile::~RotatingLogFile() {
  if (tidy_->owner == this) tidy_->owner = nullptr;
}

Result<std::unique_ptr<RotatingLogFile>> RotatingLogFile::Open(uv_loop_t* loop, std::string path, LogRotation rotation,
                                                               ErrorFn on_error, Clock clock) {
  std::unique_ptr<RotatingLogFile> f(
      new RotatingLogFile(loop, std::move(path), rotation, std::move(on_error), std::move(clock)));
  if (Status s = f->OpenFile(); !s.ok()) return s;
  // Rotated files left from before (or a change of max_files) are tidied now.
  if (f->regular_ && f->rotation_.max_size > 0) f->Tidy(f->rotation_.max_files);
  return f;
}

Status RotatingLogFile::OpenFile() {
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno("cannot open the log " + path_);
  fd_.reset(fd);
  struct stat st;
  regular_ = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  size_ = regular_ ? static_cast<uint64_t>(st.st_size) : 0;
  rotate_at_ = rotation_.max_size;
  return Status::Ok();
}

void RotatingLogFile::Write(std::string_view line) {
  buf_.assign(line);
  buf_.push_back('\n');
  std::string_view left(buf_);
  while (!left.empty()) {
    ssize_t n = ::write(fd_.get(), left.data(), left.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (!write_failing_)
        on_error_(fmt::format("cannot write to {}: {} (lines are dropped until it works again)", path_,
                              std::strerror(errno)));
      write_failing_ = true;
      return;
    }
    left.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
  write_failing_ = false;
  if (regular_ && rotation_.max_size > 0 && size_ >= rotate_at_) Rotate();
}

void RotatingLogFile::Rotate() {
  time_t now = std::chrono::system_clock::to_time_t(clock_());
  struct tm utc;
  ::gmtime_r(&now, &utc);
  std::string second = RotatedLogName(base_, utc, 0);
  std::string target;
  for (int seq = second == last_second_ ? last_seq_ + 1 : 0; seq < 100000; ++seq) {
    std::string candidate = dir_ + "/" + RotatedLogName(base_, utc, seq);
    if (::access((candidate + ".gz").c_str(), F_OK) == 0) continue;  // gzipped already
    if (::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, candidate.c_str(), RENAME_NOREPLACE) == 0) {
      target = candidate;
      last_second_ = second;
      last_seq_ = seq;
      break;
    }
    if (errno != EEXIST) break;
  }
  if (target.empty()) {
    on_error_(fmt::format("cannot rotate {}: {}; trying again after another {} bytes", path_, std::strerror(errno),
                          rotation_.max_size));
    rotate_at_ = size_ + rotation_.max_size;
    return;
  }
  UniqueFd old = std::move(fd_);
  if (Status s = OpenFile(); !s.ok()) {
    // Keep writing to the renamed file rather than lose lines.
    fd_ = std::move(old);
    rotate_at_ = size_ + rotation_.max_size;
    on_error_(s.message());
    return;
  }
  ++rotations_;
  Tidy(rotation_.max_files);
}

void RotatingLogFile::Flush(std::function<void()> done) {
  if (regular_ && ::ftruncate(fd_.get(), 0) != 0) {
    on_error_(fmt::format("cannot empty {}: {}", path_, std::strerror(errno)));
  } else {
    size_ = 0;
    rotate_at_ = rotation_.max_size;
  }
  if (regular_) {
    Tidy(0, std::move(done));
  } else if (done) {
    done();
  }
}

bool RotatingLogFile::tidying() const { return tidy_->running; }

int RotatingLogFile::TidiesRunning() { return tidies_running; }

void RotatingLogFile::Tidy(int keep, std::function<void()> done) {
  tidy_->pending_keep = tidy_->pending_keep < 0 ? keep : std::min(tidy_->pending_keep, keep);
  if (done) tidy_->pending_done.push_back(std::move(done));
  if (!tidy_->running) StartTidy(loop_, tidy_, std::exchange(tidy_->pending_keep, -1));
}

void RotatingLogFile::StartTidy(uv_loop_t* loop, std::shared_ptr<TidyQueue> queue, int keep) {
  auto* job = new TidyJob;
  job->dir = queue->dir;
  job->base = queue->base;
  job->keep = keep;
  job->compress = queue->compress;
  job->done = std::exchange(queue->pending_done, {});
  job->queue = queue;
  job->req.data = job;
  queue->running = true;
  ++tidies_running;
  int rc = uv_queue_work(
      loop, &job->req,
      [](uv_work_t* req) {  // threadpool: files only, nothing of the loop's
        auto* j = static_cast<TidyJob*>(req->data);
        j->errors = TidyRotatedLogs(j->dir, j->base, j->keep, j->compress);
      },
      [](uv_work_t* req, int) {  // back on the loop
        std::unique_ptr<TidyJob> j(static_cast<TidyJob*>(req->data));
        --tidies_running;
        auto q = std::static_pointer_cast<TidyQueue>(j->queue);
        q->running = false;
        if (q->owner) {
          for (const std::string& e : j->errors) q->owner->on_error_(e);
        }
        for (auto& done : j->done) done();
        if (q->pending_keep >= 0) {
          int next = std::exchange(q->pending_keep, -1);
          StartTidy(req->loop, q, next);
        }
      });
  if (rc != 0) {
    --tidies_running;
    queue->running = false;
    for (auto& done : job->done) done();
    delete job;
  }
}

}  // namespace cohort
