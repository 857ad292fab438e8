#include "drain_hook.h"

namespace cohort {

std::string_view DrainHookSource() {
  return R"JS('use strict';
// Preloaded by cohort into Node workers: when cohort asks this worker to
// leave, keep-alive connections are closed after a response that says
// "Connection: close", not cut.
const cluster = require('cluster');
if (cluster.isWorker) {
  const http = require('http');
  const https = require('https');
  // Clients between two requests get this long to send the next one.
  const idleGraceMs = 1000;
  let leaving = false;
  // Runs before cluster's own handler, which closes the servers.
  process.prependListener('internalMessage', (m) => {
    if (m && m.cmd === 'NODE_CLUSTER' && m.act === 'disconnect') leaving = true;
  });
  for (const Server of new Set([http.Server, https.Server])) {
    const closeIdle = Server.prototype.closeIdleConnections;
    if (typeof closeIdle !== 'function') continue;
    // server.close() calls this: while leaving, later.
    Server.prototype.closeIdleConnections = function () {
      if (!leaving) return closeIdle.apply(this, arguments);
      setTimeout(() => closeIdle.call(this), idleGraceMs).unref();
    };
  }
  const writeHead = http.ServerResponse.prototype.writeHead;
  http.ServerResponse.prototype.writeHead = function () {
    if (leaving) this.shouldKeepAlive = false;
    return writeHead.apply(this, arguments);
  };
}
)JS";
}

}  // namespace cohort
