// The CLI controls a running primary through its socket; other users cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Cohort, cli, cohortBin, freePort, pidsAnswering, waitUntil } from './harness.mjs';

test('ls shows apps and workers, as a table and as JSON', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'hello.js', '-i', '2', '--name', 'lsapp'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  await pidsAnswering(port, 10);
  const j = JSON.parse((await c.cli(['ls', '--json'])).stdout);
  assert.equal(j.apps.length, 1);
  const app = j.apps[0];
  assert.equal(app.name, 'lsapp');
  assert.equal(app.primary_pid, c.proc.pid);
  assert.deepEqual(app.workers.map((w) => w.slot).sort(), [0, 1]);
  for (const w of app.workers) {
    assert.equal(w.state, 'ready');
    assert.ok(w.pid > 0 && w.uptime_ms >= 0 && w.restarts === 0);
  }
  assert.ok(app.connections.confirmed >= 10);
  assert.equal(app.listeners[0].address, `*:${port}`);
  // cpu and memory come from a sample taken about once a second.
  let sampled;
  await waitUntil(async () => {
    sampled = JSON.parse((await c.cli(['ls', '--json'])).stdout).apps[0].workers;
    return sampled.every((w) => w.rss_bytes !== null);
  }, { what: 'a usage sample of every worker' });
  for (const w of sampled) {
    const resident = Number(readFileSync(`/proc/${w.pid}/statm`, 'utf8').split(' ')[1]) * 4096;
    assert.ok(Math.abs(w.rss_bytes - resident) < resident * 0.25, `rss ${w.rss_bytes} vs statm ${resident}`);
    assert.ok(w.cpu_seconds > 0 && w.cpu_seconds < 60, `cpu_seconds ${w.cpu_seconds}`);
    assert.ok(w.cpu_percent >= 0 && w.cpu_percent <= 200, `cpu_percent ${w.cpu_percent}`);
  }
  const table = await c.cli(['ls']);
  assert.match(table.stdout, /NAME\s+SLOT\s+PID\s+STATUS\s+UPTIME\s+RESTARTS\s+CPU\s+MEMORY/);
  assert.match(table.stdout, /lsapp\s+0\s+\d+\s+ready\s+\S+\s+0\s+\d+\.\d%\s+\d+\.\d MB/);
});

test('unknown app names get a clear error', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'hello.js', '--name', 'known'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(1);
  for (const args of [['reload', 'nope'], ['send', 'nope', '{}'], ['scale', 'nope', '2'], ['stop', 'nope']]) {
    const r = await c.cli(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, /no running app named nope/);
  }
});

test('scale up and down at run time', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'hello.js', '-i', '1', '--name', 'sc'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(1);
  assert.equal((await c.cli(['scale', 'sc', '3'])).code, 0);
  await c.waitReady(3);
  assert.equal((await pidsAnswering(port, 30)).size, 3);
  const mark = c.mark();
  assert.equal((await c.cli(['scale', 'sc', '-1'])).code, 0);
  await c.waitFor(/slot 2: worker \d+ \(pid \d+\): exited with code 0/, { after: mark });
  const ls = JSON.parse((await c.cli(['ls', '--json'])).stdout).apps[0];
  assert.equal(ls.instances, 2);
  assert.deepEqual(ls.workers.map((w) => w.slot).sort(), [0, 1]);
  const bad = await c.cli(['scale', 'sc', 'many']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /instances must be a number or 'max'/);
});

test('cohort stop stops the app gracefully', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'hello.js', '-i', '2', '--name', 'stopme'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const r = await c.cli(['stop', 'stopme']);
  assert.equal(r.code, 0, r.stderr);
  const { code } = await c.exited;
  assert.equal(code, 0);
});

test('a user other than the owner can neither list nor control the app', async (t) => {
  if (process.getuid() !== 0) { t.skip('needs root to run the CLI as another user'); return; }
  const setpriv = spawnSync('setpriv', ['--version']);
  if (setpriv.error) { t.skip('setpriv (util-linux) is not installed'); return; }
  const port = await freePort();
  const c = new Cohort(['run', 'hello.js', '--name', 'private'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(1);
  // Let "nobody" reach the binary; the COHORT_HOME stays the owner's (0700).
  const asNobody = (args) => spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', cohortBin, ...args],
    { env: { ...c.env, HOME: '/tmp' }, encoding: 'utf8' });
  for (const args of [['stop', 'private'], ['reload', 'private'], ['send', 'private', '{}']]) {
    const r = asNobody(args);
    assert.notEqual(r.status, 0, `${args.join(' ')} as nobody: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /belongs to uid 0, not to you|permission denied|Permission denied/);
  }
  // Even with the directories opened up, the socket itself refuses (SO_PEERCRED).
  chmodSync(c.home, 0o755);
  chmodSync(path.join(c.home, 'run'), 0o755);
  chmodSync(path.join(c.home, 'run', 'private.sock'), 0o777);
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'node', '-e', `
    const s = require('net').connect(${JSON.stringify(path.join(c.home, 'run', 'private.sock'))});
    s.on('error', (e) => { console.log('error ' + e.code); });
    s.on('data', (d) => { process.stdout.write(d); s.end(); });`], { encoding: 'utf8' });
  assert.match(r.stdout, /permission denied: uid 65534/);
  assert.equal((await pidsAnswering(port, 3)).size, 1, 'still running');
  assert.ok(execFileSync('kill', ['-0', String(c.proc.pid)]) !== undefined);
});
