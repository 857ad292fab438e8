// libFuzzer target: the RESP request parser never crashes, never reads out of
// bounds, always makes progress, and gives the same commands however the
// input is split into reads.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "store/resp_parser.h"

using cohort::store::RespParser;

namespace {
std::vector<std::vector<std::string>> ParseAll(std::string_view data, size_t split, bool* failed) {
  RespParser p;
  std::vector<std::vector<std::string>> out;
  std::string buf(data.substr(0, split));
  size_t pos = 0;
  bool fed_all = split >= data.size();
  while (true) {
    size_t before = pos;
    auto o = p.Next(buf, pos);
    if (o == RespParser::Outcome::kError) {
      *failed = true;
      return out;
    }
    if (o == RespParser::Outcome::kNeedMore) {
      if (pos != before) std::abort();
      if (fed_all) return out;
      buf.append(data.substr(split));
      fed_all = true;
      continue;
    }
    if (pos <= before) std::abort();  // progress
    out.emplace_back(p.args().begin(), p.args().end());
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  bool failed_whole = false, failed_split = false;
  auto whole = ParseAll(input, size, &failed_whole);
  auto split = ParseAll(input, size / 2, &failed_split);
  if (failed_whole != failed_split || whole != split) std::abort();
  return 0;
}
