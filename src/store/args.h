// Argument parsing with Redis's rules and its exact error strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cohort::store {

// Redis's error replies, word for word (clients and tests match on them).
inline constexpr std::string_view kErrNotInt = "ERR value is not an integer or out of range";
inline constexpr std::string_view kErrNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kErrSyntax = "ERR syntax error";
inline constexpr std::string_view kErrWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kErrNoKey = "ERR no such key";
inline constexpr std::string_view kErrOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kErrIndex = "ERR index out of range";
inline constexpr std::string_view kErrNoAuth = "NOAUTH Authentication required.";

// string2ll: optional '-', digits, no leading zeros (except "0"), no spaces.
std::optional<int64_t> ParseInt64(std::string_view s);
// strtod over the whole string, no spaces, "inf"/"-inf" allowed, nan refused.
std::optional<double> ParseDouble(std::string_view s);
std::optional<long double> ParseLongDouble(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);
// Redis's stringmatchlen glob (*, ?, [a-z], [^x], \x), optionally case-insensitive.
bool GlobMatch(std::string_view pattern, std::string_view s, bool nocase = false);

}  // namespace cohort::store
