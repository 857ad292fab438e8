// libFuzzer target: durations, memory sizes and instance counts as users type them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app_config.h"
#include "byte_size.h"
#include "duration.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto d = cohort::ParseDuration(text);
  if (d.ok()) (void)cohort::FormatDuration(*d);
  (void)cohort::ParseInstances(text);
  auto bytes = cohort::ParseByteSize(text);
  if (bytes.ok()) (void)cohort::FormatBytes(*bytes);
  return 0;
}
