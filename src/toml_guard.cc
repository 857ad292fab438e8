#include "toml_guard.h"

namespace cohort {
namespace {

bool Mishandled(char32_t c) {
  return (c >= 0xA1 && c <= 0x499) || (c >= 0x2C5E && c <= 0x3057 && c != 0x3000) || (c >= 0xFB26 && c <= 0xFEFE);
}

}  // namespace

std::optional<TomlHazard> FindTomlHazard(std::string_view text) {
  int line = 1, column = 1;
  for (size_t i = 0; i < text.size(); ++column) {
    auto b = static_cast<unsigned char>(text[i]);
    if (b == '\n') {
      ++line;
      column = 0;
    }
    // Every code point in the ranges is 2 or 3 bytes long; anything else
    // (ASCII, 4-byte, or not UTF-8, which toml++ reports itself) is skipped.
    size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
    if ((len == 2 || len == 3) && i + len <= text.size()) {
      char32_t c = len == 2 ? (b & 0x1F) : (b & 0x0F);
      bool valid = true;
      for (size_t k = 1; k < len; ++k) {
        auto cont = static_cast<unsigned char>(text[i + k]);
        valid = valid && (cont >> 6) == 0x2;
        c = (c << 6) | (cont & 0x3F);
      }
      if (valid && Mishandled(c)) return TomlHazard{line, column, c};
      if (!valid) len = 1;
    }
    i += len;
  }
  return std::nullopt;
}

}  // namespace cohort
