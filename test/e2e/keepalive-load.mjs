// A keep-alive load: `connections` clients, each sending its next request as
// soon as the previous response ends, through one keep-alive agent (as a
// browser or an HTTP client library does). Counts how connections end: a
// response saying `Connection: close` is the server closing properly; an
// error (reset, hang-up) on a request is what a client sees when a
// connection is cut under it.
import http from 'node:http';

export function keepAliveLoad(port, { connections = 20, host = '127.0.0.1' } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const stats = { responses: 0, non2xx: 0, connectionClose: 0, errors: 0, errorCodes: {}, sockets: 0 };
  let running = true;
  agent.on('free', () => {});
  const one = () => new Promise((resolve) => {
    const req = http.get({ host, port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => {
        stats.responses++;
        if (res.statusCode < 200 || res.statusCode > 299) stats.non2xx++;
        if (/close/i.test(res.headers.connection || '')) stats.connectionClose++;
        resolve();
      });
    });
    req.on('socket', (s) => { if (!s.counted) { s.counted = true; stats.sockets++; } });
    req.on('error', (e) => {
      stats.errors++;
      stats.errorCodes[e.code || e.message] = (stats.errorCodes[e.code || e.message] || 0) + 1;
      resolve();
    });
    req.setTimeout(10000, () => req.destroy(new Error('request timed out')));
  });
  const loops = Array.from({ length: connections }, async () => { while (running) await one(); });
  return {
    stats,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return stats;
    },
  };
}
