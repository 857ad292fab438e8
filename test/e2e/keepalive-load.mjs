// A keep-alive load: `connections` clients, each sending its next request as
// soon as the previous response ends, through one keep-alive agent (as a
// browser or an HTTP client library does). Counts how connections end: a
// response saying `Connection: close` is the server closing properly; an
// error (reset, hang-up) on a request is what a client sees when a
// connection is cut under it.
import http from 'node:http';
import { requestLoop } from './request-loop.mjs';

export function keepAliveLoad(port, { connections = 20, host = '127.0.0.1' } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const stats = { responses: 0, non2xx: 0, connectionClose: 0, errors: 0, errorCodes: {}, sockets: 0 };
  const loop = requestLoop(port, {
    concurrency: connections, agent, host,
    onResponse: (res) => {
      stats.responses++;
      if (res.statusCode < 200 || res.statusCode > 299) stats.non2xx++;
      if (/close/i.test(res.headers.connection || '')) stats.connectionClose++;
    },
    onSocket: (s) => { if (!s.counted) { s.counted = true; stats.sockets++; } },
  });
  return {
    async stop() {
      const { failed, errors } = await loop.stop();
      agent.destroy();
      return Object.assign(stats, { errors: failed, errorCodes: errors });
    },
  };
}
