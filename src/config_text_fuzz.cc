// libFuzzer target: a config file's text as `cohort start FILE` reads it, in
// each of the formats parsed in-process (JSON, YAML, TOML; the first byte
// picks one), through LoadConfigFile. Errors are fine; crashes, hangs and
// exceptions escaping are not.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* kExtensions[] = {".json", ".yaml", ".toml"};
  const char* ext = kExtensions[data[0] % 3];
  static const std::string dir = [] {
    char tmpl[] = "/tmp/cohort-config-fuzz-XXXXXX";
    return std::string(::mkdtemp(tmpl));
  }();
  std::string path = dir + "/cohort.config" + ext;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data + 1, 1, size - 1, f);
  std::fclose(f);
  auto loaded = cohort::LoadConfigFile(path, "production");
  (void)loaded;
  return 0;
}
