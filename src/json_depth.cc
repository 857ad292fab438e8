#include "json_depth.h"

#include <algorithm>

namespace cohort {

using nlohmann::json;

json ParseJsonWithinDepth(std::string_view text, bool* too_deep) {
  if (too_deep) *too_deep = false;
  // Fewer brackets than the limit cannot nest past it: no per-value callback
  // on the common path (a busy worker's channel is mostly short lines).
  auto opens = std::count_if(text.begin(), text.end(), [](char c) { return c == '[' || c == '{'; });
  if (opens <= kMaxJsonDepth) return json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  bool deep = false;
  // The callback sees how many containers enclose each event; dropping what
  // is too deep keeps the tree shallow while the parser goes on to the end.
  json::parser_callback_t limit = [&deep](int enclosing, json::parse_event_t event, json&) {
    bool opens = event == json::parse_event_t::object_start || event == json::parse_event_t::array_start;
    if (opens && enclosing >= kMaxJsonDepth) deep = true;
    return !deep;
  };
  json v = json::parse(text.begin(), text.end(), limit, /*allow_exceptions=*/false);
  if (too_deep) *too_deep = deep;
  return deep ? json(json::value_t::discarded) : v;
}

}  // namespace cohort
