// MonitView: what `cohort monit` shows, as lines of text: per app a summary
// (status, workers, cpu, memory, reloads, connections) and one row per
// worker (the `ls` columns), a header and a key help line with the last
// action's outcome. It keeps the selected app across refreshes. Pure: the
// ncurses loop (monit_command.cc) only draws these lines; unit-tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cohort {

class MonitView {
 public:
  struct Line {
    std::string text;
    bool selected = false;  // the selected app's summary: drawn highlighted
    bool heading = false;   // column names and app summaries: drawn bold
  };

  // New figures (the `ls` answer of every primary); the selection follows
  // the app it was on, or the first one if that app is gone.
  void SetApps(nlohmann::json apps);
  void Move(int delta);  // to the previous (-1) or next (+1) app
  std::optional<std::string> selected() const;
  // At most `height` lines, each at most `width` characters; the selected
  // app stays in view. `status`: the last action's outcome; `clock`: when the
  // figures were read ("12:04:05").
  std::vector<Line> Render(int width, int height, const std::string& status, const std::string& clock) const;

 private:
  nlohmann::json apps_ = nlohmann::json::array();
  size_t selected_ = 0;
};

}  // namespace cohort
