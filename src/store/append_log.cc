#include "store/append_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "store/args.h"
#include "store/reply.h"
#include "store/resp_parser.h"

namespace cohort::store {
namespace {

void AppendCommand(std::string& out, std::span<const std::string_view> args) {
  out += fmt::format("*{}\r\n", args.size());
  for (std::string_view a : args) {
    out += fmt::format("${}\r\n", a.size());
    out.append(a);
    out.append("\r\n");
  }
}

void AppendCommand(std::string& out, std::initializer_list<std::string_view> args) {
  AppendCommand(out, std::span<const std::string_view>(args.begin(), args.size()));
}

}  // namespace

AppendLog::AppendLog(Store& store, std::string path) : store_(store), path_(std::move(path)) {
  sync_thread_ = std::thread([this] { SyncLoop(); });
}

AppendLog::~AppendLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  sync_thread_.join();
  if (child_ > 0) {
    kill(child_, SIGKILL);
    waitpid(child_, nullptr, 0);
    unlink(temp_path_.c_str());
  }
}

Result<LoadReport> AppendLog::Load() {
  LoadReport report;
  UniqueFd in(open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  std::string data;
  if (in) {
    char buf[1 << 16];
    ssize_t n;
    while ((n = read(in.get(), buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
    if (n < 0) return Status::FromErrno("read " + path_);
  } else if (errno != ENOENT) {
    return Status::FromErrno("open " + path_);
  }
  Client loader(0);
  loader.authenticated = true;
  store_.loading = true;
  RespParser parser;
  size_t pos = 0, good = 0;  // good: end of the last fully applied command or transaction
  std::vector<std::vector<std::string>> multi;
  bool in_multi = false;
  Status error;
  while (pos < data.size()) {
    RespParser::Outcome o = parser.Next(data, pos);
    if (o == RespParser::Outcome::kNeedMore) break;  // torn tail
    if (o == RespParser::Outcome::kError || parser.args().empty()) {
      error = Status::Error(fmt::format("{}: bad command at byte {} ({}); the file is damaged before its end, "
                                        "so it was not loaded. Move it away to start empty, or repair it.",
                                        path_, good, parser.error().empty() ? "empty command" : parser.error()));
      break;
    }
    std::vector<std::string_view> args = parser.args();
    if (args.size() == 1 && EqualsIgnoreCase(args[0], "MULTI")) {
      in_multi = true;
      multi.clear();
      continue;
    }
    auto run = [&](std::span<const std::string_view> a) {
      loader.out.clear();
      store_.ExecuteDirect(loader, a, false);
      ++report.commands;
      if (!loader.out.empty() && loader.out[0] == '-') {
        // A command that fails on replay was also refused when first run; Redis logs and goes on.
      }
    };
    if (in_multi) {
      if (args.size() == 1 && EqualsIgnoreCase(args[0], "EXEC")) {
        for (const auto& cmd : multi) {
          std::vector<std::string_view> v(cmd.begin(), cmd.end());
          run(v);
        }
        in_multi = false;
        good = pos;
      } else {
        multi.emplace_back(args.begin(), args.end());
      }
      continue;
    }
    run(args);
    good = pos;
  }
  store_.loading = false;
  if (!error.ok()) return error;
  report.truncated_bytes = data.size() - good;
  fd_.reset(open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd_) return Status::FromErrno("open " + path_);
  if (report.truncated_bytes > 0) {
    if (ftruncate(fd_.get(), static_cast<off_t>(good)) != 0) return Status::FromErrno("truncate " + path_);
    fdatasync(fd_.get());
  }
  size_ = base_size_ = good;
  selected_db_ = loader.db;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sync_fd_ = fd_.get();
  }
  return report;
}

void AppendLog::Append(int db, std::span<const std::string_view> args) {
  if (db != selected_db_) {
    std::string n = std::to_string(db);
    AppendCommand(buffer_, {"SELECT", n});
    selected_db_ = db;
  }
  size_t before = buffer_.size();
  AppendCommand(buffer_, args);
  if (child_ > 0) {
    if (db != rewrite_selected_db_) {
      std::string n = std::to_string(db);
      AppendCommand(rewrite_buffer_, {"SELECT", n});
      rewrite_selected_db_ = db;
    }
    rewrite_buffer_.append(buffer_, before, std::string::npos);
  }
}

Status AppendLog::WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("write " + path_);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status AppendLog::Flush() {
  if (buffer_.empty() || !fd_) return Status::Ok();
  Status s = WriteAll(fd_.get(), buffer_);
  if (!s.ok()) {
    last_write_status_ = "err";
    return s;
  }
  size_ += buffer_.size();
  buffer_.clear();
  const std::string& policy = store_.config().appendfsync;
  if (policy == "always") {
    if (fdatasync(fd_.get()) != 0) return Status::FromErrno("fdatasync " + path_);
  } else if (policy == "everysec") {
    sync_pending_ = true;
  }
  last_write_status_ = "ok";
  return Status::Ok();
}

void AppendLog::SyncLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::seconds(1));
    if (stop_) break;
    if (sync_pending_.exchange(false) && sync_fd_ >= 0) {
      int fd = sync_fd_;
      lock.unlock();
      fdatasync(fd);
      lock.lock();
    }
  }
}

Status AppendLog::WriteSnapshot(Store& store, int fd) {
  std::string out;
  auto flush = [&]() -> bool {
    std::string_view d = out;
    while (!d.empty()) {
      ssize_t n = write(fd, d.data(), d.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      d.remove_prefix(static_cast<size_t>(n));
    }
    out.clear();
    return true;
  };
  int64_t now = store.now();
  for (int i = 0; i < store.db_count(); ++i) {
    Database& db = store.db(i);
    if (db.size() == 0) continue;
    std::string n = std::to_string(i);
    AppendCommand(out, {"SELECT", n});
    bool ok = true;
    db.keys().ForEach([&](const Entry* e) {
      if (!ok || db.IsExpired(e, now)) return;
      std::string_view key = e->key();
      std::vector<std::string> cmd;
      auto emit = [&] {
        std::vector<std::string_view> v(cmd.begin(), cmd.end());
        AppendCommand(out, v);
        cmd.clear();
      };
      auto start = [&](std::string_view name) {
        cmd.emplace_back(name);
        cmd.emplace_back(key);
      };
      switch (e->type) {
        case Type::kString:
          start("SET");
          cmd.emplace_back(e->string_value());
          emit();
          break;
        case Type::kList:
          for (const auto& item : *e->v.list) {
            if (cmd.empty()) start("RPUSH");
            cmd.push_back(item);
            if (cmd.size() >= 66) emit();
          }
          if (!cmd.empty()) emit();
          break;
        case Type::kHash:
        case Type::kSet:
          e->v.fields->ForEach([&](const FieldNode* f) {
            if (cmd.empty()) start(e->type == Type::kHash ? "HSET" : "SADD");
            cmd.push_back(f->field);
            if (e->type == Type::kHash) cmd.push_back(f->value);
            if (cmd.size() >= 130) emit();
          });
          if (!cmd.empty()) emit();
          break;
        case Type::kZSet:
          for (const auto& [score, member] : e->v.zset->tree()) {
            if (cmd.empty()) start("ZADD");
            cmd.push_back(FormatDouble(score));
            cmd.emplace_back(member);
            if (cmd.size() >= 130) emit();
          }
          if (!cmd.empty()) emit();
          break;
      }
      if (e->expire_at != 0) {
        std::string at = std::to_string(e->expire_at);
        AppendCommand(out, {"PEXPIREAT", key, at});
      }
      if (out.size() > (1 << 20)) ok = flush();
    });
    if (!ok) return Status::FromErrno("write snapshot");
  }
  if (!flush()) return Status::FromErrno("write snapshot");
  return Status::Ok();
}

Status AppendLog::StartRewrite() {
  if (child_ > 0) return Status::Error("Background append only file rewriting already in progress");
  if (Status s = Flush(); !s.ok()) return s;
  temp_path_ = fmt::format("{}.rewrite-{}", path_, getpid());
  pid_t pid = fork();
  if (pid < 0) return Status::FromErrno("fork");
  if (pid == 0) {
    int fd = open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) _exit(1);
    Status s = WriteSnapshot(store_, fd);
    if (!s.ok() || fsync(fd) != 0) _exit(1);
    _exit(0);
  }
  child_ = pid;
  rewrite_buffer_.clear();
  rewrite_selected_db_ = -1;
  return Status::Ok();
}

void AppendLog::PollRewrite() {
  if (child_ <= 0) return;
  int status = 0;
  pid_t r = waitpid(child_, &status, WNOHANG);
  if (r == 0) return;
  child_ = -1;
  if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    last_rewrite_status_ = "err";
    unlink(temp_path_.c_str());
    return;
  }
  if (Status s = Flush(); !s.ok()) {
    last_rewrite_status_ = "err";
    unlink(temp_path_.c_str());
    return;
  }
  UniqueFd fd(open(temp_path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  struct stat st {};
  if (!fd || !WriteAll(fd.get(), rewrite_buffer_).ok() || fdatasync(fd.get()) != 0 || fstat(fd.get(), &st) != 0 ||
      rename(temp_path_.c_str(), path_.c_str()) != 0) {
    last_rewrite_status_ = "err";
    unlink(temp_path_.c_str());
    return;
  }
  // The rewritten file ends with the side buffer's SELECT state, if any.
  if (rewrite_selected_db_ != -1) selected_db_ = rewrite_selected_db_;
  else selected_db_ = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fd_ = std::move(fd);
    sync_fd_ = fd_.get();
  }
  rewrite_buffer_.clear();
  size_ = base_size_ = static_cast<uint64_t>(st.st_size);
  last_rewrite_status_ = "ok";
  last_rewrite_unix_ = store_.now() / 1000;
}

void AppendLog::MaybeAutoRewrite(uint64_t min_size) {
  if (child_ > 0 || size_ < min_size) return;
  if (base_size_ != 0 && size_ < base_size_ * 2) return;
  (void)StartRewrite();
}

std::string AppendLog::InfoFields() const {
  return fmt::format(
      "aof_enabled:1\r\naof_rewrite_in_progress:{}\r\naof_last_bgrewrite_status:{}\r\naof_last_write_status:{}\r\n"
      "aof_current_size:{}\r\naof_base_size:{}\r\naof_fsync_policy:{}\r\n",
      child_ > 0 ? 1 : 0, last_rewrite_status_, last_write_status_, size_, base_size_, store_.config().appendfsync);
}

}  // namespace cohort::store
