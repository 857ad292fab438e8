// Rolling reloads replace every worker without failing a request, and a
// broken new version leaves the old workers serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Cohort, apps, freePort, get, pidsAnswering, ab } from './harness.mjs';

function deployDir(t) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-deploy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    deploy: (conf) => writeFileSync(path.join(dir, 'version.json'), JSON.stringify(conf)),
  };
}

async function reloadedBySignal(c, after) {
  c.proc.kill('SIGUSR2');
  await c.waitFor(/rolling reload finished|reload aborted/, { after, timeoutMs: 30000 });
}

test('4 rolling reloads under ab -c200 (3 by SIGUSR2, 1 by cohort reload): 0 failed, every pid replaced', async (t) => {
  const port = await freePort();
  const { dir, deploy } = deployDir(t);
  deploy({ version: 'v1' });
  const c = new Cohort(['run', path.join(apps, 'versioned.js'), '-i', '2', '--name', 'rl', '--cwd', dir],
    { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const before = await pidsAnswering(port, 20);
  assert.equal(before.size, 2);

  const load = ab(`http://127.0.0.1:${port}/`, { concurrency: 200, seconds: 60 });
  await c.waitFor(/./, { after: c.mark() }).catch(() => {});  // any line: ab has started hitting
  for (let i = 2; i <= 4; i++) {
    deploy({ version: `v${i}` });
    await reloadedBySignal(c, c.mark());
  }
  deploy({ version: 'v5' });
  const r = await c.cli(['reload', 'rl']);
  assert.equal(r.code, 0, r.stderr);
  load.stop();
  const result = await load.done;
  assert.ok(result.complete > 1000, `ab completed ${result.complete} requests:\n${result.output}`);
  assert.equal(result.failed, 0, result.output);
  assert.equal(result.non2xx, 0, result.output);
  assert.equal(c.count(/reload aborted/), 0);

  const after = new Set();
  const versions = new Set();
  for (let i = 0; i < 20; i++) {
    const [pid, version] = (await get(port)).body.trim().split(' ');
    after.add(pid);
    versions.add(version);
  }
  assert.equal(after.size, 2);
  for (const pid of before) assert.ok(!after.has(pid), `old worker ${pid} still answers`);
  assert.deepEqual([...versions], ['v5'], 'the new code on disk was picked up');
});

test('a new version that never listens: reload fails, the old workers keep serving, 0 failed', async (t) => {
  const port = await freePort();
  const { dir, deploy } = deployDir(t);
  deploy({ version: 'good' });
  const c = new Cohort(['run', path.join(apps, 'versioned.js'), '-i', '2', '--name', 'bad-deploy', '--cwd', dir,
    '--ready-timeout', '1500ms'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const before = await pidsAnswering(port, 20);

  deploy({ version: 'mute', listen: false });
  const load = ab(`http://127.0.0.1:${port}/`, { concurrency: 200, seconds: 30 });
  const r = await c.cli(['reload', 'bad-deploy']);
  load.stop();
  const result = await load.done;
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /slot 0: new worker .* did not become ready within 1500 ms/);
  assert.equal(result.failed, 0, result.output);
  assert.equal(result.non2xx, 0, result.output);
  const after = await pidsAnswering(port, 20);
  assert.deepEqual([...after].sort(), [...before].sort(), 'the same old workers serve');
  for (let i = 0; i < 5; i++) assert.match((await get(port)).body, /good/);

  deploy({ version: 'crashy', crash: true });
  const r2 = await c.cli(['reload', 'bad-deploy']);
  assert.notEqual(r2.code, 0);
  assert.match(r2.stderr, /exited with code 1 before it was ready/);
  assert.deepEqual([...(await pidsAnswering(port, 20))].sort(), [...before].sort());
});

test('a reload requested during a reload is queued and runs after it', async (t) => {
  const port = await freePort();
  const { dir, deploy } = deployDir(t);
  deploy({ version: 'v1', delayMs: 300 });  // slow starts keep the first reload busy
  const c = new Cohort(['run', path.join(apps, 'versioned.js'), '-i', '2', '--name', 'queue', '--cwd', dir],
    { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const mark = c.mark();
  c.proc.kill('SIGUSR2');
  await c.waitFor(/rolling reload of 2 slot\(s\) started/, { after: mark });
  deploy({ version: 'v2', delayMs: 300 });
  c.proc.kill('SIGUSR2');
  await c.waitFor(/queued to run after it/, { after: mark });
  await c.waitFor(/starting the queued reload/, { after: mark, timeoutMs: 20000 });
  const second = c.mark();
  await c.waitFor(/rolling reload finished/, { after: second, timeoutMs: 20000 });
  assert.equal(c.lines.slice(mark).filter((l) => /rolling reload finished/.test(l)).length, 2);
  for (let i = 0; i < 6; i++) assert.match((await get(port)).body, /v2/);
});

test('a single-worker app is reloaded without refusing a connection', async (t) => {
  const port = await freePort();
  const { dir, deploy } = deployDir(t);
  deploy({ version: 'one' });
  const c = new Cohort(['run', path.join(apps, 'versioned.js'), '-i', '1', '--name', 'solo', '--cwd', dir],
    { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(1);
  const load = ab(`http://127.0.0.1:${port}/`, { concurrency: 50, seconds: 30 });
  for (let i = 0; i < 3; i++) {
    deploy({ version: `one-${i}` });
    const r = await c.cli(['reload', 'solo']);
    assert.equal(r.code, 0, r.stderr);
  }
  load.stop();
  const result = await load.done;
  assert.equal(result.failed, 0, result.output);
  assert.ok(result.complete > 100, result.output);
});
