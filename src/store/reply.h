// Reply: encodes replies into a client's output buffer in RESP2 or RESP3.
//
// Commands write through this one type and never format protocol bytes
// themselves, so the RESP2 fallbacks (maps as flat arrays, doubles as bulk
// strings, null as $-1 or *-1) live in one place. Runs on the store's loop.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cohort::store {

class Reply {
 public:
  explicit Reply(std::string& out, int protocol = 2) : out_(&out), protocol_(protocol) {}

  int protocol() const { return protocol_; }
  void set_protocol(int p) { protocol_ = p; }
  std::string& buffer() { return *out_; }
  void Retarget(std::string& out) { out_ = &out; }

  void Simple(std::string_view s);
  void Ok() { out_->append("+OK\r\n"); }
  // `message` starts with the error code: "ERR ...", "WRONGTYPE ...".
  void Error(std::string_view message);
  void Int(int64_t n);
  void Bulk(std::string_view s);
  void Null();       // missing bulk: $-1 / _
  void NullArray();  // missing aggregate: *-1 / _
  void Double(double d);
  void Bool(bool b);
  void Array(int64_t n);
  void Map(int64_t n);  // n pairs
  void Set(int64_t n);
  void Push(int64_t n);
  void Verbatim(std::string_view s);  // txt verbatim in RESP3, bulk in RESP2

  // For replies whose length is known only after writing the elements.
  size_t BeginDeferred() { return out_->size(); }
  void EndDeferredArray(size_t mark, int64_t n);
  void EndDeferredMap(size_t mark, int64_t pairs);

 private:
  void Header(char type, int64_t n);
  std::string* out_;
  int protocol_;
};

// Redis's text form of a double in replies ("%.17g", "inf", "-inf", "nan").
std::string FormatDouble(double d);
// The shorter form INCRBYFLOAT and HINCRBYFLOAT store ("%.17Lf" trimmed).
std::string FormatLongDouble(long double d);

}  // namespace cohort::store
