// RespParser: splits a client's query buffer into commands, as Redis does.
//
// Accepts RESP multibulk requests (`*N\r\n$L\r\n...`) and inline commands
// (`SET k v\r\n`, with sdssplitargs-style quoting). Incremental: when a
// command is incomplete it remembers how far it got, so a huge pipelined
// request arriving in many reads is scanned once. One parser per client; it
// runs on the store's loop thread. Limits and error strings are Redis's
// (`Protocol error: invalid bulk length`, ...) so clients see what they expect.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::store {

struct RespLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;   // proto-max-bulk-len
  int64_t max_multibulk_len = INT32_MAX;        // arguments per command
  size_t max_inline_len = 64 * 1024;            // PROTO_INLINE_MAX_SIZE
  // Before AUTH succeeds Redis accepts only tiny requests.
  bool unauthenticated = false;
};

class RespParser {
 public:
  enum class Outcome { kCommand, kNeedMore, kError };

  explicit RespParser(RespLimits limits = {}) : limits_(limits) {}
  void set_unauthenticated(bool v) { limits_.unauthenticated = v; }

  // Parses the next command from buf[pos...]. On kCommand, args() holds its
  // arguments (views into buf or into the parser, valid until the next call
  // or until buf changes) and pos is advanced past it. An empty inline line
  // yields a command with no arguments, which callers skip. On kNeedMore, buf
  // may grow (appending) and Next is called again with the same pos. On
  // kError, error() is the message (without "-ERR ").
  Outcome Next(std::string_view buf, size_t& pos);

  const std::vector<std::string_view>& args() const { return args_; }
  const std::string& error() const { return error_; }
  // True while part of a command has been consumed but not completed.
  bool in_progress() const { return multibulk_left_ > 0 || bulk_len_ >= 0; }

 private:
  Outcome ParseInline(std::string_view buf, size_t& pos);
  Outcome ParseMultibulk(std::string_view buf, size_t& pos);
  Outcome Fail(std::string message);
  void Reset();

  RespLimits limits_;
  std::vector<std::string_view> args_;
  std::vector<std::string> inline_args_;  // owns unescaped inline arguments
  // Multibulk progress: arguments still expected (0 when not inside one), the
  // declared length of the next bulk (-1 when its header is not read yet), and
  // the offsets (from the command's start) of the arguments already read.
  int64_t multibulk_left_ = 0;
  int64_t bulk_len_ = -1;
  size_t scanned_ = 0;  // bytes of the command already parsed, from its start
  std::vector<std::pair<size_t, size_t>> spans_;
  std::string error_;
};

// Splits an inline command line the way Redis's sdssplitargs does ("a b",
// 'c', \x41 escapes). Returns false on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>& out);

}  // namespace cohort::store
