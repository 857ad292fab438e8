// AppendLog: the store's durability, an append-only file of RESP commands.
//
// Every write the store propagates is appended to a buffer; Flush() (called
// by the server once per loop iteration, before any reply is sent) writes it
// and, with appendfsync always, fdatasyncs it, so nothing acknowledged is
// lost. With everysec a helper thread fdatasyncs once a second; with no the
// kernel decides. Load() replays the file at start; a torn last command (a
// crash mid-write) or an unfinished MULTI block is cut off and reported,
// never loaded as garbage. Rewrite() compacts the file in a forked child
// while new writes keep going to the old file and to a side buffer that is
// appended to the new file before it replaces the old one.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "status.h"
#include "store/store.h"
#include "unique_fd.h"

namespace cohort::store {

struct LoadReport {
  uint64_t commands = 0;
  uint64_t truncated_bytes = 0;  // torn tail cut off
};

class AppendLog {
 public:
  // `path` is the log file; fsync policy is read from store.config().appendfsync on each flush.
  AppendLog(Store& store, std::string path);
  ~AppendLog();
  AppendLog(const AppendLog&) = delete;
  AppendLog& operator=(const AppendLog&) = delete;

  // Replays the file into the store (creating it if missing) and opens it for appending.
  Result<LoadReport> Load();
  // Queues one command (SELECT is added when the database changes).
  void Append(int db, std::span<const std::string_view> args);
  // Writes queued commands; fsyncs per policy. Error if the disk refuses.
  Status Flush();

  // Starts a background rewrite (fork). Error if one runs already.
  Status StartRewrite();
  // Checks the rewrite child; when it has finished, installs the new file.
  void PollRewrite();
  bool rewriting() const { return child_ > 0; }
  // Starts a rewrite if the file doubled since the last one and is > min_size.
  void MaybeAutoRewrite(uint64_t min_size = 64ULL << 20);

  uint64_t size() const { return size_; }
  std::string InfoFields() const;
  int64_t last_rewrite_unix() const { return last_rewrite_unix_; }

  // Writes the store's whole content as commands to fd (used by the rewrite child and tests).
  static Status WriteSnapshot(Store& store, int fd);

 private:
  void SyncLoop();
  Status WriteAll(int fd, std::string_view data);

  Store& store_;
  std::string path_;
  UniqueFd fd_;
  std::string buffer_;          // appended, not yet written
  std::string rewrite_buffer_;  // written since the rewrite child was forked
  int selected_db_ = -1;
  int rewrite_selected_db_ = -1;
  uint64_t size_ = 0, base_size_ = 0;
  pid_t child_ = -1;
  std::string temp_path_;
  int64_t last_rewrite_unix_ = 0;
  std::string last_rewrite_status_ = "ok";
  std::string last_write_status_ = "ok";

  // everysec: the loop marks dirty; the thread fdatasyncs.
  std::thread sync_thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  int sync_fd_ = -1;  // guarded by mu_
  std::atomic<bool> sync_pending_{false};
};

}  // namespace cohort::store
