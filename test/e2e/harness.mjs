// Shared helpers for the end-to-end tests: start the real cohort binary with
// a private COHORT_HOME, wait for events in its output (never fixed sleeps),
// make HTTP requests, run ab.
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const apps = path.join(root, 'test/apps');
export const cohortBin = process.env.COHORT_BIN || path.join(root, 'build/cohort');

export function tempHome() {
  return mkdtempSync(path.join(tmpdir(), 'cohort-e2e-'));
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// `ip netns exec NS` before a command when `netns` is set (the process keeps its pid).
function inNetns(netns, command, args) {
  return netns ? ['ip', ['netns', 'exec', netns, command, ...args]] : [command, args];
}

// A running `cohort run`: collects output lines; waitFor(regex) resolves on
// the first line (past or future) that matches. With `netns`, it runs in
// that network namespace (the CLI still reaches it: control sockets are files).
export class Cohort {
  constructor(args, { env = {}, home = tempHome(), cwd = apps, netns = null } = {}) {
    this.home = home;
    this.lines = [];
    this.waiters = [];
    this.env = { ...process.env, COHORT_HOME: home, ...env };
    const [command, argv] = inNetns(netns, cohortBin, args);
    this.proc = spawn(command, argv, { cwd, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => resolve({ code, signal }));
    });
    for (const stream of [this.proc.stdout, this.proc.stderr]) {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          this.onLine(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
    }
  }

  onLine(line) {
    this.lines.push(line);
    if (process.env.COHORT_E2E_VERBOSE) console.error(`  | ${line}`);
    this.waiters = this.waiters.filter((w) => {
      if (w.re.test(line)) { w.resolve(line); return false; }
      return true;
    });
  }

  // Resolves with the first matching line; `after` skips lines seen before that index.
  waitFor(re, { timeoutMs = 15000, after = 0 } = {}) {
    const seen = this.lines.slice(after).find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timed out waiting for ${re}; output:\n${this.lines.slice(-40).join('\n')}`));
      }, timeoutMs);
      this.waiters.push({ re, resolve: (l) => { clearTimeout(timer); resolve(l); } });
    });
  }

  count(re) { return this.lines.filter((l) => re.test(l)).length; }
  mark() { return this.lines.length; }

  // Waits until `n` workers are ready (counting "ready" lines from `after`).
  async waitReady(n, opts = {}) {
    const after = opts.after || 0;
    const deadline = Date.now() + (opts.timeoutMs || 20000);
    for (;;) {
      const ready = this.lines.slice(after).filter((l) => /: ready$/.test(l)).length;
      if (ready >= n) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${ready}/${n} workers ready; output:\n${this.lines.slice(-40).join('\n')}`);
      await this.waitFor(/: ready$/, { after: this.mark(), timeoutMs: left }).catch(() => {});
    }
  }

  cli(args) { return cli(args, { env: this.env }); }

  async stop() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    const r = await this.exited;
    rmSync(this.home, { recursive: true, force: true });
    return r;
  }
}

export function cli(args, { env = process.env } = {}) {
  return new Promise((resolve) => {
    execFile(cohortBin, args, { env, timeout: 60000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

export function get(port, { host = '127.0.0.1', path: p = '/', headers = {}, agent = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: p, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('request timed out')));
  });
}

// Distinct pids answering `n` fresh-connection requests (the first number in each body).
export async function pidsAnswering(port, n = 40, opts = {}) {
  const pids = new Set();
  for (let i = 0; i < n; i++) {
    const r = await get(port, opts);
    pids.add(r.body.match(/\d+/)?.[0]);
  }
  return pids;
}

// Runs ab in the background (in network namespace `netns` if set); resolves with its parsed summary.
export function ab(url, { concurrency = 50, requests = 1000000, seconds = 5, keepAlive = false, netns = null } = {}) {
  // -n after -t: ab's -t resets the request cap to 50,000. -l: the test apps
  // answer with their pid, whose length changes when pids wrap (pid_max can
  // be 32768), which ab would count as failed requests.
  // seconds: null makes exactly `requests` requests.
  const args = ['-r', '-l', '-q', '-c', String(concurrency), ...(seconds ? ['-t', String(seconds)] : []),
    '-n', String(requests), '-s', '30'];
  if (keepAlive) args.push('-k');
  args.push(url);
  const proc = spawn(...inNetns(netns, 'ab', args), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const done = new Promise((resolve) => {
    proc.on('exit', (code) => {
      const num = (re) => { const m = out.match(re); return m ? Number(m[1]) : NaN; };
      resolve({
        code,
        complete: num(/Complete requests:\s+(\d+)/),
        failed: num(/Failed requests:\s+(\d+)/),
        non2xx: num(/Non-2xx responses:\s+(\d+)/) || 0,
        rps: num(/Requests per second:\s+([\d.]+)/),
        output: out,
      });
    });
  });
  return { proc, done, stop: () => proc.kill('SIGINT') };
}

// The fds a process holds, by what they point to, leaving out the /proc
// files it opens for a moment (the primary reads each worker's
// /proc/PID/stat once a second).
// A rolling reload of `name` under `ab -c200` for `seconds`: it must succeed,
// fail no request and replace every worker that answered before.
export async function reloadUnderLoad(app, name, port, { seconds = 5, minComplete = 500 } = {}) {
  const before = await pidsAnswering(port, 20);
  const load = ab(`http://127.0.0.1:${port}/`, { concurrency: 200, seconds });
  const reload = await app.cli(['reload', name]);
  assert.equal(reload.code, 0, reload.stderr + reload.stdout);
  const r = await load.done;
  assert.ok(r.complete > minComplete, r.output);
  assert.equal(r.failed, 0, r.output);
  assert.equal(r.non2xx, 0, r.output);
  const after = await pidsAnswering(port, 20);
  assert.equal([...after].filter((p) => before.has(p)).length, 0, 'every worker was replaced');
}

export function openFds(pid) {
  const fds = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target;
    try { target = readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }  // closed meanwhile
    if (!target.startsWith('/proc/')) fds.push(target);
  }
  return fds;
}

// One request on a control socket, on a connection of its own (as each CLI
// command makes); resolves with the parsed reply line.
export function controlCall(socket, request) {
  return new Promise((resolve, reject) => {
    const c = net.connect(socket);
    let buf = '';
    c.setEncoding('utf8');
    c.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) { c.end(); resolve(JSON.parse(buf)); }
    });
    c.on('error', reject);
    c.write(typeof request === 'string' ? request : JSON.stringify(request) + '\n');
  });
}

// A process's resident memory in kB: all of it, and the anonymous part
// (heap and stacks; what a leak grows).
export function memoryKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))[1]);
  return { rss: kb('VmRSS'), anon: kb('RssAnon') };
}

// The sockets a process holds, read from /proc: TCP and UDP ones with their
// local and remote address and whether they listen, unix ones with their
// path. Addresses as text: "127.0.0.1", "::", "::1", other IPv6 ones as 8
// groups.
export function sockets(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target;
    try { target = readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
    const m = target.match(/^socket:\[(\d+)\]$/);
    if (m) inodes.add(m[1]);
  }
  const ip4 = (hex) => hex.match(/../g).reverse().map((b) => parseInt(b, 16)).join('.');
  const ip6 = (hex) => {
    const bytes = hex.match(/.{8}/g).flatMap((word) => word.match(/../g).reverse());
    const groups = [];
    for (let i = 0; i < 16; i += 2) groups.push(parseInt(bytes[i] + bytes[i + 1], 16).toString(16));
    const text = groups.join(':');
    return { '0:0:0:0:0:0:0:0': '::', '0:0:0:0:0:0:0:1': '::1' }[text] || text;
  };
  const out = [];
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6']) {
    const rows = readFileSync(`/proc/${pid}/net/${proto}`, 'utf8').trim().split('\n').slice(1);
    for (const row of rows) {
      const f = row.trim().split(/\s+/);
      if (!inodes.has(f[9])) continue;
      const addr = (field) => {
        const [ip, port] = field.split(':');
        return { address: proto.endsWith('6') ? ip6(ip) : ip4(ip), port: parseInt(port, 16) };
      };
      const local = addr(f[1]);
      out.push({ proto, ...local, remote: addr(f[2]), listening: proto.startsWith('tcp') ? f[3] === '0A' : true });
    }
  }
  for (const row of readFileSync(`/proc/${pid}/net/unix`, 'utf8').trim().split('\n').slice(1)) {
    const f = row.trim().split(/\s+/);
    if (!inodes.has(f[6])) continue;
    out.push({ proto: 'unix', path: f[7] || '', listening: (parseInt(f[3], 16) & 0x10000) !== 0 });
  }
  return out;
}

// Under ASan freed memory waits in a quarantine before it is reused: memory
// figures mean nothing there.
export const underAsan = Boolean(process.env.ASAN_OPTIONS);

export function pidAlive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

export async function waitUntil(fn, { timeoutMs = 10000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  // Polling a cheap check is the only option for "process gone"; interval is short.
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
