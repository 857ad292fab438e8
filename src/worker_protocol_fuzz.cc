// libFuzzer target: bytes on a worker channel, split into lines and parsed as
// either side would (the primary parses what workers send, libcohort_worker
// what the primary sends). Nothing may crash, hang or leak, and every line
// the builders make from what was parsed must parse back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "line_splitter.h"
#include "worker_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cohort::channel;
  cohort::LineSplitter splitter(kMaxLine, [](std::string_view line) {
    cohort::Result<FromWorker> w = ParseFromWorker(line);
    if (w.ok() && w->type == FromWorker::Type::kMessage) {
      cohort::Result<FromWorker> back = ParseFromWorker(DataLine(w->type, w->data));
      if (!back.ok() || back->type != w->type) std::abort();
    }
    if (w.ok() && w->type == FromWorker::Type::kStatus) {
      cohort::Result<FromWorker> back = ParseFromWorker(StatusLine(w->text));
      if (!back.ok()) std::abort();
    }
    cohort::Result<FromPrimary> p = ParseFromPrimary(line);
    if (p.ok() && p->type == FromPrimary::Type::kConnection) {
      cohort::Result<FromPrimary> back = ParseFromPrimary(ConnectionLine(p->id, p->listener, p->peer));
      if (!back.ok() || back->id != p->id || !(back->peer == p->peer)) std::abort();
    }
  });
  std::string_view all(reinterpret_cast<const char*>(data), size);
  size_t cut = size ? data[0] % (size + 1) : 0;
  splitter.Feed(all.substr(0, cut));
  splitter.Feed(all.substr(cut));
  return 0;
}
