// cohort monit, driven in tmux: the screen shows every worker of the daemon's
// and foreground apps; r reloads and R restarts the selected app (its pids
// change); q quits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Cohort, apps, cli, cohortBin, freePort, tempHome, waitUntil } from './harness.mjs';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

test('monit shows the workers of every app, reloads the selected one on r, restarts it on R, quits on q', { skip: !hasTmux && 'tmux is not installed' }, async (t) => {
  const home = tempHome();
  const env = { ...process.env, COHORT_HOME: home };
  const socket = `cohort-monit-${process.pid}`;
  const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const fg = new Cohort(['run', 'hello.js', '--name', 'fg'], { home, env: { PORT: String(await freePort()) } });
  t.after(async () => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    await cli(['kill'], { env });
    await fg.stop();
    rmSync(home, { recursive: true, force: true });
  });
  const started = await cli(['start', path.join(apps, 'hello.js'), '-i', '2', '--name', 'web'],
    { env: { ...env, PORT: String(await freePort()) } });
  assert.equal(started.code, 0, started.stderr);
  await fg.waitReady(1);
  const pidsOf = async (name) => JSON.parse((await cli(['ls', '--json'], { env })).stdout).apps
    .find((a) => a.name === name).workers.map((w) => String(w.pid));
  const before = await pidsOf('web');
  const fgPids = await pidsOf('fg');

  tmux('new-session', '-d', '-s', 'monit', '-x', '120', '-y', '40', `COHORT_HOME=${home} ${cohortBin} monit`);
  let screen = '';
  const showing = (re) => waitUntil(() => re.test(screen = tmux('capture-pane', '-p', '-t', 'monit')),
    { what: `${re} on the screen` }).catch((e) => { throw new Error(`${e.message}; the screen:\n${screen}`); });
  const row = (name, pid) => new RegExp(`^\\s+${name}\\s+\\d+\\s+${pid}\\s+ready\\s+\\S+\\s+\\d+\\s+[\\d.]+%\\s+[\\d.]+ MB`, 'm');
  for (const pid of before) await showing(row('web', pid));
  await showing(row('fg', fgPids[0]));
  assert.match(screen, /cohort monit: 2 app\(s\), 3 worker\(s\)/);
  assert.match(screen, /web \(daemon\): 2 worker\(s\), cpu [\d.]+%, memory [\d.]+ MB/);
  assert.match(screen, /fg \(foreground\): 1 worker\(s\)/);

  // Select web: "> " marks the selected app's summary line; the arrows move it.
  const order = [...screen.matchAll(/^([> ]) (\S+) \((?:daemon|foreground)\)/gm)];
  const steps = order.findIndex((m) => m[2] === 'web') - order.findIndex((m) => m[1] === '>');
  for (let i = 0; i < Math.abs(steps); i++) tmux('send-keys', '-t', 'monit', steps > 0 ? 'Down' : 'Up');
  await showing(/^> web /m);
  tmux('send-keys', '-t', 'monit', 'r');
  await showing(/^web: reloaded$/m);
  const after = await pidsOf('web');
  assert.equal(after.filter((p) => before.includes(p)).length, 0, 'every web worker was replaced');
  for (const pid of after) await showing(row('web', pid));
  assert.deepEqual(await pidsOf('fg'), fgPids, 'the other app was left alone');

  // R restarts (hard): new pids again.
  tmux('send-keys', '-t', 'monit', 'R');
  await showing(/^web: restarted$/m);
  const restarted = await pidsOf('web');
  assert.equal(restarted.filter((p) => after.includes(p)).length, 0, 'every web worker was restarted');
  for (const pid of restarted) await showing(row('web', pid));

  // A foreground app cannot be restarted from outside: monit says so and goes on.
  const webFirst = order.findIndex((m) => m[2] === 'web') < order.findIndex((m) => m[2] === 'fg');
  tmux('send-keys', '-t', 'monit', webFirst ? 'Down' : 'Up');
  await showing(/^> fg /m);
  tmux('send-keys', '-t', 'monit', 'R');
  await showing(/^restart of fg failed: cohort: fg runs in the foreground \(cohort run\): restart is for daemon apps/m);
  assert.deepEqual(await pidsOf('fg'), fgPids);
  tmux('send-keys', '-t', 'monit', 'q');
  await waitUntil(() => spawnSync('tmux', ['-L', socket, 'has-session', '-t', 'monit']).status !== 0,
    { what: 'monit to quit' });
});

test('monit without a terminal says what to use instead', async (t) => {
  const home = tempHome();
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const r = await cli(['monit'], { env: { ...process.env, COHORT_HOME: home } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /monit needs a terminal \(in scripts, use `cohort ls --json`\)/);
});
