#include "sticky_cookie_hook.h"

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

}  // namespace cohort
