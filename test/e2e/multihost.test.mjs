// Several hosts behind HAProxy with a real Redis, each "machine" a network
// namespace this test creates (a bridge in a switch namespace, one veth per
// machine; nothing but loopback and these addresses): two hosts running
// cohort (2 workers each, --health, sessions in Redis), Debian's haproxy with
// the config `cohort haproxy-config` writes, Debian's redis-server, and a
// client. It checks that sessions survive requests spread over both hosts and
// every worker, that the cross-host rolling deploy (drain, reload, undrain,
// host by host) and a graceful stop fail no request under ab -c100, and that
// when a whole host dies only the requests in flight on it fail.
//
// Needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN): skipped elsewhere, and in
// the sanitizer pass (it is mostly waiting on HAProxy's checks; health.test.mjs
// runs the same cohort code under the sanitizers).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Cohort, ab, apps, cli, waitUntil } from './harness.mjs';

const PREFIX = 'cohortmh';
const ns = (role) => `${PREFIX}${process.pid}-${role}`;
const SUBNET = '10.77.0';
const machines = { lb: `${SUBNET}.10`, a: `${SUBNET}.11`, b: `${SUBNET}.12`, redis: `${SUBNET}.13`, client: `${SUBNET}.14` };
const APP_PORT = 8080;
const HEALTH_PORT = 9000;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
}

function whySkip() {
  if (process.env.COHORT_SANITIZE) {
    return 'runs in the normal pass only (its time goes to waiting on HAProxy; health.test.mjs covers the code under sanitizers)';
  }
  for (const tool of ['ip', 'haproxy', 'redis-server', 'ab']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (scripts/setup.sh installs it)`;
  }
  const probe = ns('probe');
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.status !== 0) {
    return `cannot create network namespaces here (ip netns add: ${(r.stderr || r.error?.message || '').trim()}); needs root or CAP_NET_ADMIN`;
  }
  spawnSync('ip', ['netns', 'del', probe]);
  return false;
}

// Namespaces of this run and of earlier runs whose process is gone.
function ourNamespaces({ stale }) {
  let names = [];
  try { names = readdirSync('/run/netns'); } catch { return []; }
  return names.filter((n) => {
    const m = n.match(new RegExp(`^${PREFIX}(\\d+)-`));
    if (!m) return false;
    if (Number(m[1]) === process.pid) return true;
    if (!stale) return false;
    try { process.kill(Number(m[1]), 0); return false; } catch { return true; }
  });
}

function killEverythingIn(name) {
  const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout?.split(/\s+/).filter(Boolean) || [];
  for (const pid of pids) { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone already */ } }
  return pids.map(Number);
}

const tempDirs = [];
function cleanup({ stale = false } = {}) {
  for (const name of ourNamespaces({ stale })) {
    killEverythingIn(name);
    spawnSync('ip', ['netns', 'del', name]);
  }
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

function createNetwork() {
  cleanup({ stale: true });
  const sw = ns('sw');
  run('ip', ['netns', 'add', sw]);
  run('ip', ['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
  run('ip', ['-n', sw, 'link', 'set', 'br0', 'up']);
  for (const [role, addr] of Object.entries(machines)) {
    const name = ns(role);
    run('ip', ['netns', 'add', name]);
    run('ip', ['-n', sw, 'link', 'add', `v${role}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name]);
    run('ip', ['-n', sw, 'link', 'set', `v${role}`, 'master', 'br0', 'up']);
    run('ip', ['-n', name, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
    run('ip', ['-n', name, 'link', 'set', 'eth0', 'up']);
    run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  }
}

// A long-running program in a machine's namespace; its output is kept for errors.
function startIn(role, cmd, args, opts = {}) {
  const proc = spawn('ip', ['netns', 'exec', ns(role), cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  proc.output = '';
  proc.stdout.on('data', (d) => (proc.output += d));
  proc.stderr.on('data', (d) => (proc.output += d));
  proc.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return proc;
}

function client(args) {
  const r = spawnSync('ip', ['netns', 'exec', ns('client'), process.execPath, path.join(apps, 'http-client.mjs'), ...args],
    { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`http-client ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

// HAProxy's view of a server ("UP", "DOWN", "UP 1/2", ...), from its stats socket.
function haproxyStats(socket) {
  return new Promise((resolve, reject) => {
    const s = net.connect(socket, () => s.write('show stat\n'));
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('end', () => {
      const [header, ...rows] = out.trim().split('\n');
      const cols = header.replace(/^# /, '').split(',');
      resolve(rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v]))));
    });
    s.on('error', reject);
  });
}

async function waitServer(socket, server, status) {
  await waitUntil(async () => {
    const row = (await haproxyStats(socket)).find((r) => r.pxname === 'cohort' && r.svname === server);
    return row?.status === status;
  }, { timeoutMs: 10000, what: `HAProxy to see ${server} ${status}` });
}

function startHost(role, dir) {
  const c = new Cohort(['run', 'store-sessions.js', '-i', '2', '--name', 'web',
    '--store', `redis://${machines.redis}:6379`, '--health', `${machines[role]}:${HEALTH_PORT}`,
    '--drain-delay', '1500ms', '-e', `APP_HOST=${role}`], {
    netns: ns(role), home: path.join(dir, `home-${role}`), env: { PORT: String(APP_PORT) },
  });
  return c;
}

async function lsApp(host) {
  const r = await host.cli(['ls', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).apps.find((a) => a.name === 'web');
}

const skip = whySkip();
after(() => cleanup());
// Also when the run is cut short; a run killed outright is cleaned up by the next one.
process.on('exit', () => cleanup());
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => process.exit(128 + os.constants.signals[sig]));

test('two hosts behind HAProxy with Redis: sessions everywhere, rolling deploy and graceful stop with 0 failed, a dead host costs only its in-flight requests', { skip, timeout: 120000 }, async () => {
  createNetwork();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-multihost-'));
  tempDirs.push(dir);
  const stats = path.join(dir, 'haproxy.sock');
  const cfg = path.join(dir, 'haproxy.cfg');

  const redis = startIn('redis', 'redis-server', ['--bind', machines.redis, '--port', '6379', '--save', '',
    '--appendonly', 'no', '--protected-mode', 'no']);
  const gen = await cli(['haproxy-config', '--host', `${machines.a}:${APP_PORT},name=a`, '--host', `${machines.b}:${APP_PORT},name=b`,
    '--health-port', String(HEALTH_PORT), '--bind', `${machines.lb}:80`, '--check-interval', '300ms',
    '--stats-socket', stats, '-o', cfg]);
  assert.equal(gen.code, 0, gen.stderr);
  await waitUntil(() => /Ready to accept connections/.test(redis.output), { what: `redis-server to start: ${redis.output}` });
  const hosts = { a: startHost('a', dir), b: startHost('b', dir) };
  await Promise.all(Object.values(hosts).map((h) => h.waitReady(2)));
  const haproxy = startIn('lb', 'haproxy', ['-db', '-f', cfg]);
  await waitUntil(async () => haproxyStats(stats).then(() => true, () => false), { what: `haproxy to start: ${haproxy.output}` });
  await waitServer(stats, 'a', 'UP');
  await waitServer(stats, 'b', 'UP');
  const url = (p) => `http://${machines.lb}${p}`;

  // Sessions: one login, then requests carrying only the session cookie (not
  // HAProxy's SERVERID) are spread over both hosts and all four workers.
  const [login] = client(['get', url('/login?user=ada')]);
  assert.equal(login.status, 200, JSON.stringify(login));
  const sid = login.cookies.find((c) => c.startsWith('connect.sid='));
  const serverid = login.cookies.find((c) => c.startsWith('SERVERID='));
  assert.ok(sid && serverid, `login set ${login.cookies}`);
  const spread = client(['get', url('/me'), '24', sid]).map((r) => JSON.parse(r.body));
  assert.deepEqual(spread.map((b) => [b.user, b.views]), spread.map((_, i) => ['ada', i + 1]),
    'every request saw the session and its last write');
  const workers = new Set([...(await lsApp(hosts.a)).workers, ...(await lsApp(hosts.b)).workers].map((w) => w.pid));
  assert.deepEqual(new Set(spread.map((b) => b.pid)), workers, 'all four workers answered');
  // With HAProxy's cookie too, the user stays on the host it names.
  const pinned = client(['get', url('/me'), '6', `${sid}; ${serverid}`]).map((r) => JSON.parse(r.body));
  assert.deepEqual(new Set(pinned.map((b) => b.host)), new Set([serverid.split('=')[1]]));
  const onB = client(['get', url('/me'), '6', `${sid}; SERVERID=b`]).map((r) => JSON.parse(r.body));
  assert.deepEqual(new Set(onB.map((b) => b.host)), new Set(['b']));

  // Rolling deploy across hosts under ab -c100: drain a host (HAProxy sees its
  // health 503 and takes it out), reload it, undrain it, then the next; then a
  // graceful stop of host a, whose --drain-delay outlasts HAProxy's checks.
  const load = ab(url('/ping'), { concurrency: 100, seconds: 120, netns: ns('client') });
  for (const role of ['a', 'b']) {
    const host = hosts[role];
    assert.equal((await host.cli(['drain', 'web'])).code, 0);
    await waitServer(stats, role, 'DOWN');
    const r = await host.cli(['reload', 'web']);
    assert.equal(r.code, 0, r.stderr);
    const fresh = (await lsApp(host)).workers.filter((w) => w.state !== 'draining');  // old ones may still be leaving
    assert.deepEqual(fresh.map((w) => w.connections), [0, 0], `while drained, ${role}'s new workers got nothing`);
    assert.equal((await host.cli(['undrain', 'web'])).code, 0);
    await waitServer(stats, role, 'UP');
    const ids = new Set(fresh.map((w) => w.id));
    await waitUntil(async () => (await lsApp(host)).workers.filter((w) => ids.has(w.id)).every((w) => w.connections > 0),
      { what: `traffic back on host ${role}` });
  }
  hosts.a.proc.kill('SIGTERM');
  await waitServer(stats, 'a', 'DOWN');
  assert.equal((await hosts.a.exited).code, 0);
  assert.ok(hosts.a.lines.some((l) => /serving on for 1500ms/.test(l)), hosts.a.lines.join('\n'));
  hosts.a = startHost('a', dir);
  await hosts.a.waitReady(2);
  await waitServer(stats, 'a', 'UP');
  load.stop();
  const deploy = await load.done;
  assert.ok(deploy.complete > 500, deploy.output);
  assert.equal(deploy.failed, 0, deploy.output);
  assert.equal(deploy.non2xx, 0, deploy.output);
  const [still] = client(['get', url('/me'), '1', `${sid}; ${serverid}`]);
  assert.equal(JSON.parse(still.body).user, 'ada', 'the session outlived every worker');

  // Kill host b whole (every process in its namespace) under load: requests in
  // flight on it fail; every later one is routed to a.
  const loader = startIn('client', process.execPath, [path.join(apps, 'http-client.mjs'), 'load', url('/me'), '20']);
  await waitUntil(() => loader.output.startsWith('started'), { what: 'the load client' });
  await waitUntil(async () => (await lsApp(hosts.b)).workers.every((w) => w.connections > 0), { what: 'load on b' });
  const killedAt = Date.now();
  killEverythingIn(ns('b'));
  await waitUntil(() => spawnSync('ip', ['netns', 'pids', ns('b')], { encoding: 'utf8' }).stdout.trim() === '',
    { what: 'host b gone' });
  const goneAt = Date.now();
  await waitServer(stats, 'b', 'DOWN');
  // Load goes on after b is out: another 200 connections on a.
  const handed = (await lsApp(hosts.a)).connections.handed;
  await waitUntil(async () => (await lsApp(hosts.a)).connections.handed > handed + 200, { what: 'load on a alone' });
  loader.kill('SIGTERM');
  await loader.exited;
  const { answers, failures } = JSON.parse(loader.output.trim().split('\n').pop());
  for (const f of failures) {
    assert.ok(f.start < goneAt, `a request that started after host b was gone failed: ${JSON.stringify(f)}`);
  }
  assert.ok(failures.length <= 20, `${failures.length} failures with 20 requests in flight at most`);
  const later = answers.filter(([start]) => start > goneAt);
  assert.ok(later.length > 100, `${later.length} answers after the kill`);
  assert.deepEqual(new Set(later.map((a) => a[3])), new Set(['a']), 'after the kill, host a answers everything');
  const [rescued] = client(['get', url('/me'), '1', `${sid}; SERVERID=b`]);
  assert.equal(rescued.status, 200, JSON.stringify(rescued));
  assert.deepEqual([JSON.parse(rescued.body).host, JSON.parse(rescued.body).user], ['a', 'ada'],
    'a user pinned to the dead host is still logged in, on the other');
  const inFlight = answers.filter(([start, end]) => start < killedAt && end > killedAt).length + failures.length;
  console.log(`# deploy: ${deploy.complete} requests, 0 failed; kill: ${failures.length} failed of ${inFlight} in flight`);

  haproxy.kill('SIGKILL');
  redis.kill('SIGKILL');
  await hosts.a.stop();
});
