// Per-app limits: max_memory_restart (rolling replacement of a worker over
// the limit) and the crash-loop limit (max_restarts, min_uptime: errored).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cohort, ab, apps, cli, freePort, get, pidAlive, tempHome, waitUntil } from './harness.mjs';

async function lsApp(cohortOrEnv, name) {
  const r = cohortOrEnv instanceof Cohort ? await cohortOrEnv.cli(['ls', '--json']) : await cli(['ls', '--json'], { env: cohortOrEnv });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).apps.find((a) => a.name === name);
}

test('max_memory_restart: a worker over the limit is replaced, the log says why, no request fails', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'hello.js', '-i', '2', '--max-memory-restart', '150M'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const before = await lsApp(c, 'hello');
  assert.equal(before.limits.max_memory_restart, 150 * 2 ** 20);
  const load = ab(`http://127.0.0.1:${port}/`, { concurrency: 10, seconds: 30 });
  const grown = Number((await get(port, { path: '/grow?mb=200' })).body.match(/\d+/)[0]);
  const slot = before.workers.find((w) => w.pid === grown).slot;
  await c.waitFor(new RegExp(`slot ${slot}: worker \\d+ \\(pid ${grown}\\): resident memory [\\d.]+ MB is over max_memory_restart 150\\.0 MB; replacing it`));
  await waitUntil(() => !pidAlive(grown), { what: `the grown worker (pid ${grown}) to leave` });
  load.stop();
  const result = await load.done;
  assert.ok(result.complete > 0, result.output);
  assert.equal(result.failed, 0, result.output);
  const after = await lsApp(c, 'hello');
  const replaced = after.workers.find((w) => w.slot === slot);
  const other = after.workers.find((w) => w.slot !== slot);
  assert.notEqual(replaced.pid, grown);
  assert.equal(replaced.memory_restarts, 1);
  assert.equal(replaced.restarts, 1);
  assert.equal(other.pid, before.workers.find((w) => w.slot !== slot).pid, 'the other worker was left alone');
  assert.equal(other.memory_restarts, 0);
});

test('crash loop: after --max-restarts unstable restarts the app is errored; reload brings it back', async (t) => {
  const port = await freePort();
  const home = tempHome();
  const crashFile = path.join(home, 'crash');
  const c = new Cohort(['run', 'hello.js', '-i', '2', '--max-restarts', '3'],
    { home, env: { PORT: String(port), CRASH_FILE: crashFile } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const { workers } = await lsApp(c, 'hello');
  writeFileSync(crashFile, '');  // from now on every new worker exits at once
  for (const w of workers) process.kill(w.pid, 'SIGKILL');
  await c.waitFor(/every slot is errored/);
  const app = await lsApp(c, 'hello');
  assert.equal(app.status, 'errored');
  assert.match(app.error, /crash loop: 3 unstable restart\(s\) in a row \(each worker lived less than 1000 ms\); last: worker \d+ \(pid \d+\) exited with code 3/);
  assert.deepEqual(app.errored_slots.map((s) => s.slot).sort(), [0, 1]);
  assert.deepEqual(app.workers, []);
  assert.deepEqual(app.waiting_slots, [], 'no restart is pending');
  assert.ok(c.count(/exists: exiting at once/) >= 6, 'three restarts per slot at least');
  assert.match((await c.cli(['ls'])).stdout, /hello\s+-\s+-\s+errored/);

  unlinkSync(crashFile);
  const reloaded = await c.cli(['reload', 'hello']);
  assert.equal(reloaded.code, 0, reloaded.stderr);
  const back = await lsApp(c, 'hello');
  assert.equal(back.status, 'running');
  assert.deepEqual(back.workers.map((w) => w.state), ['ready', 'ready']);
  assert.deepEqual(back.errored_slots, []);
  assert.equal((await get(port)).status, 200);
});

test('crash loop in the daemon: the app is errored, its port closed, and reload starts it again', async (t) => {
  const port = await freePort();
  const home = tempHome();
  const crashFile = path.join(home, 'crash');
  const env = { ...process.env, COHORT_HOME: home, PORT: String(port), CRASH_FILE: crashFile };
  t.after(async () => {
    await cli(['kill'], { env });
    rmSync(home, { recursive: true, force: true });
  });
  const started = await cli(['start', path.join(apps, 'hello.js'), '-i', '2', '--name', 'loop', '--max-restarts', '2',
    '--min-uptime', '5s', '--max-memory-restart', '1G'], { env });
  assert.equal(started.code, 0, started.stderr);
  let app;
  await waitUntil(async () => (app = await lsApp(env, 'loop')).workers.every((w) => w.rss_bytes > 0),
    { what: 'a usage sample of every worker' });
  assert.deepEqual(app.limits, { max_memory_restart: 2 ** 30, max_restarts: 2, min_uptime_ms: 5000 });
  assert.ok(app.workers.every((w) => typeof w.cpu_percent === 'number' && w.cpu_seconds > 0));
  writeFileSync(crashFile, '');
  for (const w of app.workers) process.kill(w.pid, 'SIGKILL');
  await waitUntil(async () => (await lsApp(env, 'loop')).status === 'errored', { what: 'the app to be errored' });
  app = await lsApp(env, 'loop');
  assert.match(app.error, /crash loop: 2 unstable restart\(s\) in a row \(each worker lived less than 5000 ms\)/);
  await assert.rejects(get(port), /ECONNREFUSED/);
  const logs = await cli(['logs', 'loop', '--nostream', '--lines', '100'], { env });
  assert.match(logs.stdout, /not restarting it again \(errored\)/);

  unlinkSync(crashFile);
  const reloaded = await cli(['reload', 'loop'], { env });
  assert.equal(reloaded.code, 0, reloaded.stderr);
  app = await lsApp(env, 'loop');
  assert.equal(app.status, 'running');
  assert.deepEqual(app.workers.map((w) => w.state), ['ready', 'ready']);
  assert.equal((await get(port)).status, 200);
});
