// describe, signal, reload/restart --update-env, startup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { Cohort, apps, cli, cohortBin, freePort, get, tempHome, waitUntil } from './harness.mjs';

const logWriter = path.join(apps, 'log-writer.js');

async function daemon(t, extra = {}) {
  const home = tempHome();
  const port = await freePort();
  const env = { ...process.env, COHORT_HOME: home, PORT: String(port), ...extra };
  t.after(async () => {
    await cli(['kill'], { env });
    rmSync(home, { recursive: true, force: true });
  });
  return { home, env, port, out: path.join(home, 'logs', 'chat-out.log') };
}

const count = (file, re) => readFileSync(file, 'utf8').split('\n').filter((l) => re.test(l)).length;

test('describe: a human view and --json of one app', async (t) => {
  const { home, env } = await daemon(t, { SECRET_TOKEN: 'hunter2' });
  assert.equal((await cli(['start', logWriter, '-i', '2', '--name', 'chat', '--env', 'GREETING=hello',
    '--log-max-size', '1M', '--log-compress', '--time'], { env })).code, 0);

  const human = await cli(['describe', 'chat'], { env });
  assert.equal(human.code, 0, human.stderr);
  for (const want of [/^chat \(daemon, running\)$/m, new RegExp(`script +${logWriter}`), /interpreter +node/,
    /env +GREETING=hello/, /environment +\d+ variables captured/, /workers +2 of 2 \(restarts 0\)/,
    new RegExp(`logs +out ${home}/logs/chat-out\\.log`), /rotated at 1.0 MB, 5 kept, gzipped/,
    /timestamps YYYY-MM-DDTHH:mm:ss/, /listening +\*:\d+/, /^ +SLOT +PID +STATE/m]) {
    assert.match(human.stdout, want);
  }
  assert.doesNotMatch(human.stdout, /hunter2|SECRET_TOKEN/, 'the captured environment is not shown');

  const r = await cli(['describe', 'chat', '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const app = JSON.parse(r.stdout);
  assert.equal(app.name, 'chat');
  assert.equal(app.status, 'running');
  assert.equal(app.workers.length, 2);
  assert.equal(app.config.script, logWriter);
  assert.deepEqual(app.config.env, { GREETING: 'hello' });
  assert.ok(app.config.environment_keys.includes('SECRET_TOKEN'), 'names of the captured environment');
  assert.ok(!JSON.stringify(app).includes('hunter2'), 'but never its values');
  assert.equal(app.logs.out, `${home}/logs/chat-out.log`);
  assert.equal(app.logs.compress, true);

  const missing = await cli(['describe', 'nope'], { env });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no app named nope/);
});

test('signal reaches every worker, or one slot with --id; bad names and slots are errors', async (t) => {
  const { env, out } = await daemon(t);
  assert.equal((await cli(['start', logWriter, '-i', '2', '--name', 'chat'], { env })).code, 0);
  const all = await cli(['signal', 'SIGUSR1', 'chat'], { env });
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /chat: sent SIGUSR1 to 2 worker\(s\)/);
  await waitUntil(() => count(out, /got SIGUSR1 in slot [01]/) === 2, { what: 'both workers to log SIGUSR1' });
  for (const name of ['usr1', '10']) {
    const one = await cli(['signal', name, 'chat', '--id', '1'], { env });
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /to 1 worker\(s\) in slot 1/);
  }
  await waitUntil(() => count(out, /got SIGUSR1 in slot 1/) === 3, { what: 'slot 1 to log two more' });
  assert.equal(count(out, /got SIGUSR1 in slot 0/), 1, 'slot 0 got only the first');

  for (const [args, message] of [[['SIGNOPE', 'chat'], /unknown signal 'SIGNOPE'/],
    [['USR1', 'chat', '--id', '5'], /no slot 5 \(the app has slots 0\.\.1\)/],
    [['USR1', 'nope'], /no app named nope/]]) {
    const r = await cli(['signal', ...args], { env });
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, message);
  }
});

test('signal and describe reach a foreground app through its own control socket', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', logWriter, '-i', '2', '--name', 'fg'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const r = await c.cli(['signal', 'USR1', 'fg', '--id', '0']);
  assert.equal(r.code, 0, r.stderr);
  await c.waitFor(/^\[fg:0\] got SIGUSR1 in slot 0/);
  const d = await c.cli(['describe', 'fg']);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /^fg \(foreground `cohort run`, running\)$/m);
  assert.match(d.stdout, /logs +on the terminal that runs it/);
  assert.equal(c.count(/got SIGUSR1 in slot 1/), 0);
});

test('reload --update-env gives the workers the caller\'s environment; a plain reload keeps theirs', async (t) => {
  const { env, port, home } = await daemon(t, { GREETING: 'first' });
  assert.equal((await cli(['start', logWriter, '-i', '2', '--name', 'chat'], { env })).code, 0);
  const greetings = async () => new Set(await Promise.all([0, 1, 2, 3].map(async () => JSON.parse((await get(port)).body).GREETING)));

  const plain = await cli(['reload', 'chat'], { env: { ...env, GREETING: 'second' } });
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(await greetings(), new Set(['first']));

  const updated = await cli(['reload', 'chat', '--update-env'], { env: { ...env, GREETING: 'second' } });
  assert.equal(updated.code, 0, updated.stderr);
  assert.deepEqual(await greetings(), new Set(['second']));
  const state = JSON.parse(readFileSync(path.join(home, 'state.json'), 'utf8'));
  assert.ok(state.apps[0].config.environment.includes('GREETING=second'), 'kept in state.json');

  assert.equal((await cli(['restart', 'chat'], { env: { ...env, GREETING: 'third' } })).code, 0);
  assert.deepEqual(await greetings(), new Set(['second']), 'a restart keeps what the last update gave');
  assert.equal((await cli(['restart', 'chat', '--update-env'], { env: { ...env, GREETING: 'third' } })).code, 0);
  assert.deepEqual(await greetings(), new Set(['third']));
});

test('startup prints a systemd unit that runs the daemon and resurrect, and systemd accepts it', async (t) => {
  const home = tempHome();
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const env = { ...process.env, COHORT_HOME: home };
  const r = await cli(['startup'], { env });
  assert.equal(r.code, 0, r.stderr);
  const bin = realpathSync(cohortBin);
  for (const want of ['[Unit]', '[Service]', 'Type=notify', `Environment=COHORT_HOME=${home}`, `ExecStart=${bin} daemon`,
    `ExecStartPost=-${bin} resurrect`, `ExecStop=${bin} kill`, '[Install]']) {
    assert.ok(r.stdout.split('\n').includes(want), `${want} in\n${r.stdout}`);
  }
  assert.ok(r.stdout.split('\n').some((l) => l.startsWith('Environment=PATH=')), 'the daemon finds node as you do');
  assert.match(r.stdout, /^#   systemctl (--user )?enable cohort(-\w+)?\.service$/m, 'it says how to install it');
  const user = os.userInfo().username;
  if (process.getuid() === 0) assert.match(r.stdout, new RegExp(`^User=${user}$`, 'm'));

  const analyze = spawnSync('systemd-analyze', ['--version']);
  if (analyze.status !== 0) { t.diagnostic('systemd-analyze not installed: unit not verified'); return; }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, process.getuid() === 0 ? `cohort-${user}.service` : 'cohort.service');
  writeFileSync(file, r.stdout);
  const verify = spawnSync('systemd-analyze', [...(process.getuid() === 0 ? [] : ['--user']), 'verify', file],
    { encoding: 'utf8' });
  const about = `${verify.stdout}${verify.stderr}`.split('\n').filter((l) => l.includes(path.basename(file)));
  assert.deepEqual(about, [], 'systemd-analyze has nothing to say about the unit');
  // And it does complain about a broken one: the check can fail.
  writeFileSync(file, r.stdout.replace('Type=notify', 'Type=nonsense'));
  const broken = spawnSync('systemd-analyze', [...(process.getuid() === 0 ? [] : ['--user']), 'verify', file],
    { encoding: 'utf8' });
  assert.match(`${broken.stdout}${broken.stderr}`, /Failed to parse service type/);
});
