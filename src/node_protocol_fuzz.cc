// libFuzzer target: bytes a worker writes on its IPC channel, split into
// lines and parsed as Node cluster messages. Nothing may crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "line_splitter.h"
#include "listen_socket.h"
#include "node_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cohort;
  LineSplitter splitter(4096, [](std::string_view line) {
    Result<WorkerMessage> m = ParseWorkerLine(line);
    if (!m.ok()) return;
    if (m->kind == WorkerMessage::Kind::kCluster) {
      (void)ServerKey(m->body);
      Result<ListenSpec> spec = ListenSpecFromQuery(m->body);
      if (spec.ok()) (void)spec->Describe();
    }
    if (m->kind == WorkerMessage::Kind::kUser) (void)ToLine(m->body);
  });
  // Feed in two pieces to exercise lines split across reads.
  std::string_view all(reinterpret_cast<const char*>(data), size);
  size_t cut = size ? data[0] % (size + 1) : 0;
  splitter.Feed(all.substr(0, cut));
  splitter.Feed(all.substr(cut));
  return 0;
}
