// Pieces every bench section uses: ports, waiting for a server, ab, medians.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
export const freePort = () => new Promise((res) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
export function sh(cmd, a) { try { return execFileSync(cmd, a, { encoding: 'utf8' }).trim(); } catch { return 'n/a'; } }

function httpOk(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode === 200)); });
    req.on('error', () => resolve(false));
    req.setTimeout(5000, () => { req.destroy(); resolve(false); });
  });
}
export async function waitServing(port) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) { if (await httpOk(port)) return; await sleep(50); }
  throw new Error(`nothing answered on ${port}`);
}

// What ab printed, as numbers. ab counts a body whose length differs from the
// first one's as a failed request ("Length"); the seed app answers with its
// pid, whose length changes when pids pass a power of ten (as after a
// reload), so only connect, receive and exception failures count as failed.
export function parseAb(out) {
  const num = (re) => { const m = out.match(re); return m ? Number(m[1]) : NaN; };
  const total = num(/Failed requests:\s+(\d+)/);
  const length = num(/Length: (\d+)/) || 0;
  return { rps: num(/Requests per second:\s+([\d.]+)/), complete: num(/Complete requests:\s+(\d+)/),
    failed: total - length, lengthDiffers: length, non2xx: num(/Non-2xx responses:\s+(\d+)/) || 0 };
}

// ab with -r (go on after resets) and a large -n (ab -t alone stops at 50,000).
export function ab(port, { seconds, concurrency = 200 }) {
  return parseAb(sh('ab', ['-r', '-q', '-s', '30', '-c', String(concurrency), '-t', String(seconds), '-n', '50000000', `http://127.0.0.1:${port}/`]));
}

// CPU seconds (user + system) a process has used so far, all its threads.
export function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;  // clock ticks (USER_HZ = 100 on Linux)
}
