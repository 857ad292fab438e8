// libFuzzer target: the first bytes of a connection, as the StickyPeeker
// sees them: PROXY header first, then every sticky mode and
// X-Forwarded-For over the rest, at every cut point a peek could see.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proxy_protocol.h"
#include "sticky_key.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cohort;
  static const StickySpec kSpecs[] = {*ParseStickySpec("cookie:sid"), *ParseStickySpec("header:X-User"),
                                      *ParseStickySpec("query:sid"), *ParseStickySpec("ip")};
  static const AddressSet kTrusted = *AddressSet::Parse("10.0.0.0/8,::1");
  std::string_view all(reinterpret_cast<const char*>(data), size);
  size_t cut = size ? data[0] % (size + 1) : 0;
  for (std::string_view bytes : {all.substr(0, cut), all}) {
    ProxyHeader h = ParseProxyHeader(bytes);
    if (h.outcome == ProxyHeader::Outcome::kOk) {
      if (h.length > bytes.size()) __builtin_trap();
      bytes.remove_prefix(h.length);
      if (h.source) (void)h.source->ToString();
    }
    for (const StickySpec& s : kSpecs) {
      KeyScan k = ScanStickyField(s, bytes);
      if (k.outcome == KeyScan::Outcome::kFound && k.key.empty()) __builtin_trap();
    }
    (void)ScanForwardedFor(bytes, kTrusted);
  }
  return 0;
}
