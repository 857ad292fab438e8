// Stopping: graceful on SIGTERM/SIGINT (in-flight requests finish, exit 0, no
// orphan); workers do not outlive a killed primary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Cohort, apps, freePort, get, pidAlive, waitUntil } from './harness.mjs';

async function workerPids(c) {
  return JSON.parse((await c.cli(['ls', '--json'])).stdout).apps[0].workers.map((w) => w.pid);
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal}: in-flight requests finish, every worker exits, exit code 0`, async (t) => {
    const port = await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-sig-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'version.json'), JSON.stringify({ version: 'slow' }));
    const c = new Cohort(['run', path.join(apps, 'versioned.js'), '-i', '2', '--name', `sig-${signal}`, '--cwd', dir],
      { env: { PORT: String(port) } });
    t.after(() => c.stop());
    await c.waitReady(2);
    const pids = await workerPids(c);
    const slow = get(port, { path: '/800' });  // answered after 800 ms
    await new Promise((r) => setTimeout(r, 100));  // let the request reach a worker
    c.proc.kill(signal);
    const response = await slow;
    assert.equal(response.status, 200);
    assert.match(response.body, /slow/);
    const { code } = await c.exited;
    assert.equal(code, 0);
    for (const pid of pids) assert.equal(pidAlive(pid), false, `worker ${pid} survived`);
  });
}

test('a leaving worker held up by an open handle gets SIGTERM once its requests are done, not a kill at --kill-timeout', async (t) => {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-sig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'version.json'), JSON.stringify({ version: 'held', hold: true }));
  const c = new Cohort(['run', path.join(apps, 'versioned.js'), '-i', '2', '--name', 'held', '--cwd', dir,
    '--kill-timeout', '60s'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const slow = get(port, { path: '/800' });
  await new Promise((r) => setTimeout(r, 100));  // let the request reach a worker
  c.proc.kill('SIGTERM');
  const response = await slow;
  assert.equal(response.status, 200, 'the request in flight is answered before the worker is asked to exit');
  const { code } = await c.exited;
  assert.equal(code, 0);
  assert.equal(c.count(/done serving but still running; sending SIGTERM/), 2, c.lines.join('\n'));
  assert.equal(c.count(/SIGTERM: closing what held the process/), 2, c.lines.join('\n'));
  assert.equal(c.count(/killing it/), 0, c.lines.join('\n'));
  assert.equal(c.count(/exited with code 0/), 2, c.lines.join('\n'));
});

test('SIGKILL of the primary: the workers exit on their own', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'hello.js', '-i', '2', '--name', 'orphans'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const pids = await workerPids(c);
  c.proc.kill('SIGKILL');
  await c.exited;
  await waitUntil(() => pids.every((p) => !pidAlive(p)), { what: 'workers to exit', timeoutMs: 5000 });
});

test('a second signal kills workers that do not leave', async (t) => {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-sig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'version.json'), JSON.stringify({ version: 'stuck' }));
  const c = new Cohort(['run', path.join(apps, 'versioned.js'), '-i', '1', '--name', 'twice', '--cwd', dir,
    '--kill-timeout', '60s'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(1);
  const pids = await workerPids(c);
  get(port, { path: '/30000' }).catch(() => {});  // keeps the worker busy for 30 s
  await new Promise((r) => setTimeout(r, 100));
  c.proc.kill('SIGINT');
  await c.waitFor(/SIGINT: stopping gracefully/);
  await new Promise((r) => setTimeout(r, 600));  // a human's second Ctrl-C, not a duplicate delivery
  c.proc.kill('SIGINT');
  const { code } = await c.exited;
  assert.equal(code, 130);
  assert.equal(pidAlive(pids[0]), false);
});
