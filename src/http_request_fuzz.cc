// libFuzzer target: the metrics endpoint's HTTP request heads, in pieces.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (size_t n = 0; n <= size; n += 1 + n / 2) (void)cohort::ParseRequestHead(bytes.substr(0, n), 64);
  (void)cohort::ParseRequestHead(bytes);
  return 0;
}
