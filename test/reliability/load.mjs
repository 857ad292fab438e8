// Load generators for the reliability suite: one that records when each
// request succeeded or failed (for the longest outage and for failures
// per kill), and wrk (keep-alive) with its error counts parsed.
import { spawn } from 'node:child_process';
import { requestLoop } from '../e2e/request-loop.mjs';

// `concurrency` loops, each making one request at a time on a new
// connection (agent: false). stop() resolves with the counts, every
// response's body if keepBodies, and the longest time with no success.
export function timedLoad(port, { concurrency = 32, keepBodies = false, timeoutMs = 10000 } = {}) {
  const stats = { ok: 0, non2xx: 0, bodies: [], statuses: {} };
  const started = Date.now();
  let lastOk = started, maxGap = 0, maxGapAt = 0;
  const success = () => {
    const now = Date.now();
    if (now - lastOk > maxGap) { maxGap = now - lastOk; maxGapAt = now; }
    lastOk = now;
  };
  const loop = requestLoop(port, {
    concurrency, keepBodies, timeoutMs,
    onResponse: (res, body) => {
      stats.statuses[res.statusCode] = (stats.statuses[res.statusCode] || 0) + 1;
      if (res.statusCode >= 200 && res.statusCode < 300) {
        stats.ok++;
        success();
        if (keepBodies) stats.bodies.push(body);
      } else {
        stats.non2xx++;
      }
    },
  });
  return {
    async stop() {
      const { failed, errors } = await loop.stop();
      success();  // a gap still open at the end counts too
      return { ...stats, failed, errors, seconds: (Date.now() - started) / 1000, maxGapMs: maxGap, maxGapAtMs: maxGapAt - started };
    },
  };
}

// wrk (keep-alive) until stop(); resolves with requests, req/s, its socket
// error counts and non-2xx responses.
export function wrk(port, { threads = 2, connections = 100, maxSeconds = 3600 } = {}) {
  const proc = spawn('wrk', [`-t${threads}`, `-c${connections}`, `-d${maxSeconds}s`, `http://127.0.0.1:${port}/`],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const done = new Promise((resolve) => proc.on('exit', () => {
    const errors = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
    const [connect, read, write, timeout] = errors ? errors.slice(1).map(Number) : [0, 0, 0, 0];
    resolve({
      requests: Number((out.match(/(\d+) requests in/) || [])[1]),
      rps: Number((out.match(/Requests\/sec:\s+([\d.]+)/) || [])[1]),
      errors: { connect, read, write, timeout },
      non2xx: Number((out.match(/Non-2xx or 3xx responses: (\d+)/) || [0, 0])[1]),
      output: out,
    });
  }));
  return { done, stop: () => { proc.kill('SIGINT'); return done; } };
}
