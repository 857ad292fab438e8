// libFuzzer target: an `apps` document as a config file would give it, mapped
// to app configs. Errors are fine; crashes and hangs are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json doc = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return 0;
  auto r = cohort::AppsFromDocument(doc, "fuzz.json", "/tmp", "production");
  (void)r;
  return 0;
}
