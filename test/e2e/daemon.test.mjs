// The background daemon and its PM2-style commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { copyFileSync, rmSync } from 'node:fs';
import { apps, cli, cohortBin, freePort, get, pidsAnswering, ab, pidAlive, tempHome, waitUntil } from './harness.mjs';

function daemonEnv(extra = {}) {
  const home = tempHome();
  return { home, env: { ...process.env, COHORT_HOME: home, ...extra } };
}
const run = (args, env) => cli(args, { env });
async function cleanup(home, env) {
  await run(['kill'], env);
  rmSync(home, { recursive: true, force: true });
}
async function lsJson(env) {
  const r = await run(['ls', '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).apps;
}
function cohortProcesses(home) {
  const r = spawnSync('pgrep', ['-f', home], { encoding: 'utf8' });
  return r.stdout.trim().split('\n').filter(Boolean);
}

test('start, ls, reload under load, logs, scale, stop, delete, kill', async (t) => {
  const port = await freePort();
  const { home, env } = daemonEnv({ PORT: String(port) });
  t.after(() => cleanup(home, env));
  const hello = path.join(apps, 'hello.js');
  const started = await run(['start', hello, '-i', '2', '--name', 'web'], env);
  assert.equal(started.code, 0, started.stderr);
  assert.match(started.stdout, /web: started 2 worker/);
  let [app] = await lsJson(env);
  assert.equal(app.name, 'web');
  assert.equal(app.status, 'running');
  assert.deepEqual(app.workers.map((w) => w.state), ['ready', 'ready']);
  const daemonPid = app.primary_pid;
  assert.equal((await pidsAnswering(port, 20)).size, 2);

  const again = await run(['start', hello, '--name', 'web'], env);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /web is already running/);

  const load = ab(`http://127.0.0.1:${port}/`, { concurrency: 100, seconds: 30 });
  const reloaded = await run(['reload', 'web'], env);
  load.stop();
  const result = await load.done;
  assert.equal(reloaded.code, 0, reloaded.stderr);
  assert.equal(result.failed, 0, result.output);

  await run(['send', 'web', '{"echo":"to the log"}'], env);
  await waitUntil(async () => /got message \{"echo":"to the log"\}/.test((await run(['logs', 'web', '--nostream'], env)).stdout),
    { what: 'the message in the logs' });
  const logs = await run(['logs', 'web', '--nostream', '--lines', '200'], env);
  assert.match(logs.stdout, /web-out\.log/);
  assert.match(logs.stdout, /rolling reload finished/);

  assert.equal((await run(['scale', 'web', '3'], env)).code, 0);
  await waitUntil(async () => (await lsJson(env))[0].workers.filter((w) => w.state === 'ready').length === 3,
    { what: '3 ready workers' });
  assert.equal((await run(['scale', 'web', '1'], env)).code, 0);
  await waitUntil(async () => (await lsJson(env))[0].workers.length === 1, { what: 'one worker left' });

  assert.equal((await run(['stop', 'web'], env)).code, 0);
  [app] = await lsJson(env);
  assert.equal(app.status, 'stopped');
  await assert.rejects(get(port), /ECONNREFUSED/);

  assert.equal((await run(['delete', 'web'], env)).code, 0);
  assert.deepEqual(await lsJson(env), []);
  assert.equal((await run(['kill'], env)).code, 0);
  assert.equal(pidAlive(daemonPid), false);
  assert.deepEqual(cohortProcesses(home), []);
});

test('save, kill, resurrect: the same apps, instance counts and environment answer again', async (t) => {
  const port1 = await freePort();
  const port2 = await freePort();
  const { home, env } = daemonEnv();
  t.after(() => cleanup(home, env));
  const envEcho = path.join(apps, 'env-echo.js');
  assert.equal((await run(['start', envEcho, '-i', '2', '--name', 'one'], { ...env, PORT: String(port1), GREETING: 'from the shell' })).code, 0);
  assert.equal((await run(['start', envEcho, '-i', '1', '--name', 'two', '--env', 'GREETING=flag'], { ...env, PORT: String(port2) })).code, 0);
  assert.equal(JSON.parse((await get(port1)).body).GREETING, 'from the shell', 'the caller\'s environment is captured');
  assert.equal((await run(['save'], env)).code, 0);
  assert.equal((await run(['kill'], env)).code, 0);
  await assert.rejects(get(port1), /ECONNREFUSED/);

  const r = await run(['resurrect'], env);
  assert.equal(r.code, 0, r.stderr);
  const apps2 = await lsJson(env);
  assert.deepEqual(apps2.map((a) => [a.name, a.workers.length]).sort(), [['one', 2], ['two', 1]]);
  await waitUntil(async () => (await lsJson(env)).every((a) => a.workers.every((w) => w.state === 'ready')),
    { what: 'every worker ready' });
  assert.equal(JSON.parse((await get(port1)).body).GREETING, 'from the shell');
  assert.equal(JSON.parse((await get(port2)).body).GREETING, 'flag');
  assert.equal((await pidsAnswering(port1, 20)).size, 2);
});

test('a daemon killed with SIGKILL leaves no worker running, and resurrect brings the apps back', async (t) => {
  const port = await freePort();
  const { home, env } = daemonEnv({ PORT: String(port) });
  t.after(() => cleanup(home, env));
  assert.equal((await run(['start', path.join(apps, 'hello.js'), '-i', '2', '--name', 'crashy'], env)).code, 0);
  const [app] = await lsJson(env);
  const pids = app.workers.map((w) => w.pid);
  process.kill(app.primary_pid, 'SIGKILL');
  await waitUntil(() => pids.every((p) => !pidAlive(p)), { what: 'workers to exit' });
  // No save was made: the state kept as it changed is enough.
  const r = await run(['resurrect'], env);
  assert.equal(r.code, 0, r.stderr);
  await waitUntil(async () => (await lsJson(env))[0].workers.filter((w) => w.state === 'ready').length === 2,
    { what: 'both workers ready' });
  assert.equal((await pidsAnswering(port, 20)).size, 2);
});

test('a start that cannot work reports why and the app shows as errored; resurrect tries it again', async (t) => {
  const port = await freePort();
  const { home, env } = daemonEnv({ PORT: String(port) });
  t.after(() => cleanup(home, env));
  const script = path.join(home, 'app.js');
  copyFileSync(path.join(apps, 'syntax-error.js'), script);
  const r = await run(['start', script, '-i', '2', '--name', 'broken'], env);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /broken: could not start: slot \d: worker \d+ \(pid \d+\) exited with code 1 before it was ready/);
  const [app] = await lsJson(env);
  assert.equal(app.status, 'errored');
  assert.match(app.error, /exited with code 1/);
  const missing = await run(['start', 'nope.js'], env);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /script not found/);
  // The cause goes away (here: the script is fixed) and the machine reboots.
  copyFileSync(path.join(apps, 'hello.js'), script);
  assert.equal((await run(['kill'], env)).code, 0);
  const again = await run(['resurrect'], env);
  assert.equal(again.code, 0, again.stderr);
  await waitUntil(async () => (await lsJson(env))[0].workers.filter((w) => w.state === 'ready').length === 2,
    { what: 'both workers ready' });
  assert.equal((await lsJson(env))[0].status, 'running');
  assert.equal((await pidsAnswering(port, 20)).size, 2);
});

test('another user can neither list nor control the daemon\'s apps', async (t) => {
  if (process.getuid() !== 0) { t.skip('needs root to run the CLI as another user'); return; }
  const port = await freePort();
  const { home, env } = daemonEnv({ PORT: String(port) });
  t.after(() => cleanup(home, env));
  assert.equal((await run(['start', path.join(apps, 'hello.js'), '--name', 'mine'], env)).code, 0);
  for (const args of [['ls'], ['stop', 'mine'], ['logs', 'mine', '--nostream'], ['kill']]) {
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', cohortBin, ...args],
      { env: { ...env, HOME: '/tmp' }, encoding: 'utf8' });
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, /belongs to uid 0, not to you/);
  }
  assert.equal((await get(port)).status, 200);
});
