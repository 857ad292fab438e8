// Crashed workers come back in their slot; a start that cannot work says why
// and exits instead of looping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { Cohort, apps, cli, freePort, get, pidsAnswering, ab, pidAlive } from './harness.mjs';

test('a worker killed with SIGKILL is respawned in the same slot', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'hello.js', '-i', '2', '--name', 'respawn'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const ls = JSON.parse((await c.cli(['ls', '--json'])).stdout).apps[0];
  const victim = ls.workers.find((w) => w.slot === 1);
  const mark = c.mark();
  process.kill(victim.pid, 'SIGKILL');
  await c.waitFor(/slot 1: worker \d+ \(pid \d+\) was killed by SIGKILL; restarting/, { after: mark });
  await c.waitFor(/slot 1: worker \d+ \(pid \d+\): ready/, { after: mark });
  const now = JSON.parse((await c.cli(['ls', '--json'])).stdout).apps[0];
  const slot1 = now.workers.find((w) => w.slot === 1);
  assert.notEqual(slot1.pid, victim.pid);
  assert.equal(slot1.restarts, 1);
  assert.equal((await pidsAnswering(port, 20)).size, 2);
});

test('random crashes under load: respawned, service continuous, failures bounded by the crashes', async (t) => {
  const port = await freePort();
  // Each worker exits on its own 1.5-3 s after it starts.
  const c = new Cohort(['run', 'hello.js', '-i', '2', '--name', 'chaos'],
    { env: { PORT: String(port), CRASH_AFTER_MS: '1500' } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const load = ab(`http://127.0.0.1:${port}/`, { concurrency: 20, seconds: 8 });
  const result = await load.done;
  const crashes = c.count(/exited with code 3; restarting/);
  assert.ok(crashes >= 4, `expected several crashes, saw ${crashes}`);
  assert.ok(result.complete > 2000, result.output);
  // A worker exiting mid-request can take at most its in-flight requests with it.
  assert.ok(result.failed <= crashes * 20, `failed ${result.failed} for ${crashes} crashes\n${result.output}`);
  assert.equal((await pidsAnswering(port, 10)).size >= 1, true);
});

test('a missing script is a clear error naming the path', async () => {
  const r = await cli(['run', 'no-such-app.js']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /script not found: .*no-such-app\.js/);
});

test('a script that cannot start on any slot: exit 1 with the reason, no respawn loop', async (t) => {
  const c = new Cohort(['run', 'syntax-error.js', '-i', '2']);
  t.after(() => c.stop());
  const { code } = await c.exited;
  assert.equal(code, 1);
  assert.ok(c.count(/SyntaxError/) >= 1, 'the worker\'s own error is shown');
  assert.ok(c.count(/could not start: slot \d: worker \d+ \(pid \d+\) exited with code 1 before it was ready/) === 1,
    c.lines.join('\n'));
});

test('a busy port: EADDRINUSE is named and the run exits 1', async (t) => {
  const port = await freePort();
  const blocker = net.createServer().listen(port);
  await new Promise((r) => blocker.once('listening', r));
  t.after(() => blocker.close());
  const c = new Cohort(['run', 'hello.js', '-i', '2'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  const { code } = await c.exited;
  assert.equal(code, 1);
  assert.ok(c.count(new RegExp(`cannot listen on .*:${port}: Address already in use \\(EADDRINUSE\\)`)) >= 1,
    c.lines.join('\n'));
});

test('a missing interpreter is named', async (t) => {
  const c = new Cohort(['run', 'hello.js', '--interpreter', 'no-such-node']);
  t.after(() => c.stop());
  const { code } = await c.exited;
  assert.equal(code, 1);
  assert.ok(c.count(/no-such-node was not found in PATH/) >= 1, c.lines.join('\n'));
});

test('bad options are rejected before anything starts', async () => {
  const hello = path.join(apps, 'hello.js');
  for (const [args, re] of [
    [['run', hello, '-i', 'lots'], /instances must be a number or 'max'/],
    [['run', hello, '-s', 'random'], /unknown scheduler 'random'/],
    [['run', hello, '--ready-timeout', '10 parsecs'], /--ready-timeout: invalid duration/],
    [['run', hello, '--env', 'NOVALUE'], /--env NOVALUE: expected KEY=VALUE/],
    [['run', hello, '--name', '../evil'], /invalid app name/],
    [['run', hello, '--cwd', '/no/such/dir'], /--cwd \/no\/such\/dir: no such directory/],
  ]) {
    const r = await cli(args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
  }
});

test('two primaries cannot share a name', async (t) => {
  const port = await freePort();
  const a = new Cohort(['run', 'hello.js', '--name', 'dup'], { env: { PORT: String(port) } });
  t.after(() => a.stop());
  await a.waitReady(1);
  const b = new Cohort(['run', 'hello.js', '--name', 'dup'], { home: a.home, env: { PORT: String(port + 1) } });
  const { code } = await b.exited;
  assert.equal(code, 1);
  assert.ok(b.count(/already running .*dup\.sock \(use --name/) === 1, b.lines.join('\n'));
  assert.equal((await get(port)).status, 200, 'the first one is untouched');
  assert.ok(pidAlive(a.proc.pid));
});
