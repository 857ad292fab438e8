// libFuzzer target: the bytes a client of --health or --metrics sends, in the
// pieces reads could cut them into, through the request-head parser; a
// response is built for what it accepts or refuses.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http_request.h"

namespace {

void Check(std::string_view bytes, size_t max_head) {
  using namespace cohort;
  HttpHead h = ParseHttpRequestHead(bytes, max_head);
  switch (h.outcome) {
    case HttpHead::Outcome::kOk:
      if (h.request.method.empty() || h.request.target.empty()) __builtin_trap();
      (void)FormatHttpResponse(PlainResponse(200, h.request.path()), h.request.method == "HEAD");
      break;
    case HttpHead::Outcome::kBad:
      if (HttpReason(h.status).empty() || h.error.empty()) __builtin_trap();
      (void)FormatHttpResponse(PlainResponse(h.status, h.error), false);
      break;
    case HttpHead::Outcome::kNeedMore:
      if (bytes.size() > max_head) __builtin_trap();
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (size_t n = 0; n <= size; n += 1 + n / 2) Check(bytes.substr(0, n), 64);
  Check(bytes, 8192);
  return 0;
}
