#include "sticky_cookie_hook.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "rendezvous.h"
#include "unique_fd.h"

namespace cohort {

std::string_view StickyCookieHookSource() {
  return R"JS('use strict';
// Preloaded by cohort into workers of apps run with --sticky cookie:NAME.
// Declares each NAME cookie this worker sets as its own sticky key.
const spec = process.env.COHORT_STICKY || '';
if (spec.startsWith('cookie:') && typeof process.send === 'function') {
  const name = spec.slice('cookie:'.length);
  const http = require('http');
  const declare = (value) => {
    for (const line of Array.isArray(value) ? value : [value]) {
      if (typeof line !== 'string') continue;
      const eq = line.indexOf('=');
      if (eq < 0 || line.slice(0, eq).trim() !== name) continue;
      const end = line.indexOf(';', eq);
      const v = line.slice(eq + 1, end < 0 ? undefined : end).trim();
      if (v) process.send({ cmd: 'cohort:sticky', key: v });
    }
  };
  const fromHeaders = (headers) => {
    if (Array.isArray(headers)) {  // [[k, v], ...] or [k, v, k, v, ...]
      const flat = Array.isArray(headers[0]) ? headers.flat() : headers;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        if (String(flat[i]).toLowerCase() === 'set-cookie') declare(flat[i + 1]);
      }
    } else if (headers && typeof headers === 'object') {
      for (const k of Object.keys(headers)) if (k.toLowerCase() === 'set-cookie') declare(headers[k]);
    }
  };
  const writeHead = http.ServerResponse.prototype.writeHead;
  http.ServerResponse.prototype.writeHead = function (status, reason, headers) {
    try {
      declare(this.getHeader('set-cookie'));
      fromHeaders(typeof reason === 'string' ? headers : reason);
    } catch (e) { /* never break the response */ }
    return writeHead.apply(this, arguments);
  };
}
)JS";
}

Result<std::string> InstallStickyCookieHook(const std::string& home) {
  std::string dir = home + "/lib";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Status::FromErrno("mkdir " + dir);
  std::string_view src = StickyCookieHookSource();
  std::string path = fmt::format("{}/sticky-cookie-{:016x}.cjs", dir, StickyHash(src));
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) == src.size()) return path;
  std::string tmp = fmt::format("{}.{}.tmp", path, ::getpid());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return Status::FromErrno("create " + tmp);
  if (::write(fd.get(), src.data(), src.size()) != static_cast<ssize_t>(src.size())) {
    Status s = Status::FromErrno("write " + tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::FromErrno("rename " + tmp);
  return path;
}

}  // namespace cohort
