#include "line_splitter.h"

namespace cohort {

void LineSplitter::Feed(std::string_view bytes) {
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    std::string_view chunk = nl == std::string_view::npos ? bytes : bytes.substr(0, nl);
    if (skipping_) {
      if (nl == std::string_view::npos) return;
      skipping_ = false;
    } else if (buf_.size() + chunk.size() > max_line_) {
      size_t seen = buf_.size() + chunk.size();
      buf_.clear();
      skipping_ = nl == std::string_view::npos;
      if (on_oversized_) on_oversized_(seen);
      if (skipping_) return;
    } else if (nl == std::string_view::npos) {
      buf_.append(chunk);
      return;
    } else if (buf_.empty()) {
      on_line_(chunk);  // Common case: whole line in one read, no copy.
    } else {
      buf_.append(chunk);
      std::string line;
      line.swap(buf_);
      on_line_(line);
    }
    bytes.remove_prefix(nl + 1);
  }
}

std::string LineSplitter::TakePartial() {
  std::string rest;
  rest.swap(buf_);
  skipping_ = false;
  return rest;
}

}  // namespace cohort
