// A guard in front of Debian 12's toml++ 3.3.0, which reaches an
// "unreachable" branch (undefined behaviour; UBSan reports it, an optimised
// build may do anything) when it asks whether certain non-ASCII characters
// are whitespace: U+00A1-U+0499, U+2C5E-U+3057 (but U+3000) and
// U+FB26-U+FEFE, in places it may ask (toml++ issues #190 and #295, fixed
// upstream after 3.3.0). Found by config_text_fuzz. Config files with one of
// them are refused with its position, before toml++ sees them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cohort {

struct TomlHazard {
  int line;    // 1-based
  int column;  // 1-based, in characters
  char32_t codepoint;
};

// The first character of `text` (UTF-8) that toml++ 3.3.0 cannot classify.
std::optional<TomlHazard> FindTomlHazard(std::string_view text);

}  // namespace cohort
