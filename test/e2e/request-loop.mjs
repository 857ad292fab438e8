// The loop under the test loads: `concurrency` clients, each sending its
// next GET / as soon as the previous request ended, until stop(). Through
// `agent` (false: a new connection per request). Each response, read to
// its end, goes to onResponse(res, body) (body only with keepBodies); each
// failed request (reset, hang-up, timeout) is counted by its code in
// `errors` and in `failed`, which stop() resolves with.
import http from 'node:http';

export function requestLoop(port, { concurrency, agent = false, host = '127.0.0.1', keepBodies = false, timeoutMs = 10000,
  onResponse = () => {}, onSocket = () => {} } = {}) {
  const counts = { failed: 0, errors: {} };
  let running = true;
  const one = () => new Promise((resolve) => {
    const req = http.get({ host, port, path: '/', agent }, (res) => {
      let body = '';
      if (keepBodies) {
        res.setEncoding('utf8');
        res.on('data', (d) => { body += d; });
      } else {
        res.resume();
      }
      res.on('end', () => {
        onResponse(res, body);
        resolve();
      });
      res.on('error', () => {});
    });
    req.on('socket', onSocket);
    req.on('error', (e) => {
      counts.failed++;
      const code = e.code || e.message;
      counts.errors[code] = (counts.errors[code] || 0) + 1;
      resolve();
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('request timed out')));
  });
  const loops = Array.from({ length: concurrency }, async () => { while (running) await one(); });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return counts;
    },
  };
}
