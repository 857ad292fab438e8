#include "store/reply.h"

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace cohort::store {

void Reply::Header(char type, int64_t n) {
  char buf[32];
  buf[0] = type;
  auto end = fmt::format_to(buf + 1, "{}\r\n", n);
  out_->append(buf, end);
}

void Reply::Simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n");
}

void Reply::Error(std::string_view message) {
  out_->push_back('-');
  // Errors are one line; newlines would break the protocol (Redis replaces them too).
  for (char c : message) out_->push_back(c == '\r' || c == '\n' ? ' ' : c);
  out_->append("\r\n");
}

void Reply::Int(int64_t n) { Header(':', n); }

void Reply::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n");
}

void Reply::Null() { out_->append(protocol_ >= 3 ? "_\r\n" : "$-1\r\n"); }
void Reply::NullArray() { out_->append(protocol_ >= 3 ? "_\r\n" : "*-1\r\n"); }

void Reply::Double(double d) {
  if (protocol_ >= 3) {
    out_->push_back(',');
    out_->append(FormatDouble(d));
    out_->append("\r\n");
  } else {
    Bulk(FormatDouble(d));
  }
}

void Reply::Bool(bool b) {
  if (protocol_ >= 3) {
    out_->append(b ? "#t\r\n" : "#f\r\n");
  } else {
    Int(b ? 1 : 0);
  }
}

void Reply::Array(int64_t n) { Header('*', n); }
void Reply::Map(int64_t n) { protocol_ >= 3 ? Header('%', n) : Header('*', 2 * n); }
void Reply::Set(int64_t n) { Header(protocol_ >= 3 ? '~' : '*', n); }
void Reply::Push(int64_t n) { Header(protocol_ >= 3 ? '>' : '*', n); }

void Reply::Verbatim(std::string_view s) {
  if (protocol_ < 3) return Bulk(s);
  Header('=', static_cast<int64_t>(s.size() + 4));
  out_->append("txt:");
  out_->append(s);
  out_->append("\r\n");
}

void Reply::EndDeferredArray(size_t mark, int64_t n) {
  out_->insert(mark, fmt::format("*{}\r\n", n));
}

void Reply::EndDeferredMap(size_t mark, int64_t pairs) {
  out_->insert(mark, protocol_ >= 3 ? fmt::format("%{}\r\n", pairs) : fmt::format("*{}\r\n", 2 * pairs));
}

std::string FormatDouble(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (std::isnan(d)) return "nan";
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%.17g", d);
  return std::string(buf, static_cast<size_t>(n));
}

std::string FormatLongDouble(long double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[5600];
  int n = std::snprintf(buf, sizeof buf, "%.17Lf", d);
  std::string s(buf, static_cast<size_t>(n));
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

}  // namespace cohort::store
