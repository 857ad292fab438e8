// Programs that are not Node, in balanced mode (--scheduler rr, --sticky:
// cohort accepts and passes each connection over the worker's channel) and
// with --watchdog and --stop-signal. Driven with the C++ example built on
// libcohort_worker (examples/hello_server.cc) and a Python worker that speaks
// the channel protocol by hand (test/apps/protocol_worker.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cohort, apps, cohortBin, freePort, get, pidsAnswering, reloadUnderLoad, waitUntil } from './harness.mjs';

const hello = path.join(path.dirname(cohortBin), 'hello_server');
const protocolWorker = path.join(apps, 'protocol_worker.py');

async function ls(app) {
  return JSON.parse((await app.cli(['ls', '--json'])).stdout).apps[0];
}

test('the C++ example is built beside cohort', () => {
  assert.ok(existsSync(hello), `${hello} (cmake builds examples/hello_server.cc)`);
});

test('--scheduler rr: the C++ example answers from 2 pids in turn, gets `cohort send` and shows its status', async () => {
  const port = await freePort();
  const app = new Cohort(['run', '-i', '2', '--listen', `127.0.0.1:${port}`, '-s', 'rr', '--name', 'hello', '--', hello]);
  try {
    await app.waitReady(2);
    const pids = [];
    for (let i = 0; i < 6; i++) pids.push((await get(port)).body.trim());
    assert.equal(new Set(pids).size, 2, pids.join(' '));
    for (let i = 2; i < 6; i++) assert.equal(pids[i], pids[i - 2], `round-robin: ${pids.join(' ')}`);
    const sent = await app.cli(['send', 'hello', '{"hello":"all"}']);
    assert.equal(sent.code, 0, sent.stderr);
    await waitUntil(() => app.count(/^\[hello:[01]\] message: \{"hello":"all"\}$/) === 2, { what: 'both workers log it' });
    const one = await app.cli(['send', 'hello', '[1]', '--id', '1']);
    assert.equal(one.code, 0, one.stderr);
    await app.waitFor(/^\[hello:1\] message: \[1\]$/);
    const info = await ls(app);
    assert.deepEqual(info.workers.map((w) => w.status), ['serving (balanced)', 'serving (balanced)']);
    assert.ok(info.connections.confirmed >= 6, JSON.stringify(info.connections));
    // fd 3 is the channel, not a listening socket: cohort accepts.
    assert.deepEqual(info.listeners.map((l) => l.address), [`127.0.0.1:${port}`]);
    const env = readFileSync(`/proc/${info.workers[0].pid}/environ`, 'utf8').split('\0');
    assert.ok(env.includes('COHORT_CHANNEL_FD=3') && env.includes('LISTEN_FDNAMES=cohort'), env.join(' '));
  } finally {
    await app.stop();
  }
});

test('--sticky header:X-User: each user keeps reaching one C++ worker', async () => {
  const port = await freePort();
  const app = new Cohort(['run', '-i', '2', '--listen', `127.0.0.1:${port}`, '--sticky', 'header:X-User',
    '--name', 'hs', '--', hello]);
  try {
    await app.waitReady(2);
    const byUser = new Map();
    for (let round = 0; round < 3; round++) {
      for (let u = 0; u < 12; u++) {
        const pid = (await get(port, { headers: { 'X-User': `user-${u}` } })).body.trim();
        if (!byUser.has(u)) byUser.set(u, pid);
        assert.equal(pid, byUser.get(u), `user-${u} moved in round ${round}`);
      }
    }
    assert.equal(new Set(byUser.values()).size, 2, 'the users are spread over both workers');
  } finally {
    await app.stop();
  }
});

test('--scheduler rr: a rolling reload of the C++ example under ab -r -c200 fails no request', async () => {
  const port = await freePort();
  const app = new Cohort(['run', '-i', '2', '--listen', String(port), '-s', 'rr', '--name', 'hr', '--', hello]);
  try {
    await app.waitReady(2);
    await reloadUnderLoad(app, 'hr', port, { minComplete: 1000 });
    assert.equal(app.count(/leaving \(asked by cohort\)/), 2, 'the old workers left on the channel\'s leave');
  } finally {
    await app.stop();
  }
});

test('connections a worker had not confirmed when it died go to another worker', async () => {
  const port = await freePort();
  const stall = path.join(tmpdir(), `cohort-stall-${process.pid}`);
  writeFileSync(stall, '');
  const app = new Cohort(['run', '-i', '2', '--listen', `127.0.0.1:${port}`, '-s', 'rr', '--name', 'pw',
    '--', 'python3', protocolWorker], { env: { STALL_FILE: stall } });
  try {
    await app.waitReady(2);
    const answers = await Promise.all(Array.from({ length: 10 }, () => get(port)));
    assert.deepEqual(answers.map((a) => a.status), Array(10).fill(200));
    const dying = app.lines.filter((l) => /dying with \d+ unconfirmed connections/.test(l));
    assert.equal(dying.length, 1, app.lines.join('\n'));
    const unconfirmed = Number(dying[0].match(/dying with (\d+)/)[1]);
    const info = await ls(app);
    assert.ok(info.connections.bounced >= unconfirmed, JSON.stringify(info.connections));
    assert.equal(info.connections.dropped, 0);
    // The Python worker answers `cohort send` too.
    await app.cli(['send', 'pw', '{"n":1}']);
    await waitUntil(() => app.count(/^\[pw:[01]\] message: \{"n": 1\}$/) === 2, { what: 'both got the message' });
  } finally {
    rmSync(stall, { force: true });
    await app.stop();
  }
});

test('a worker that writes garbage on its channel is logged, within limits, and nobody is disturbed', async () => {
  const port = await freePort();
  const app = new Cohort(['run', '-i', '2', '--listen', `127.0.0.1:${port}`, '-s', 'rr', '--name', 'pg',
    '--', 'python3', protocolWorker], { env: { GARBAGE: '50' } });
  try {
    await app.waitReady(2);
    assert.equal((await pidsAnswering(port, 10)).size, 2, 'both workers serve, the noisy one too');
    const warned = app.lines.filter((l) => /slot 0: worker \d+ \(pid \d+\): sent a line that is not JSON on its channel: 'this is not json \d+'; ignored/.test(l));
    assert.ok(warned.length >= 10 && warned.length < 20, app.lines.join('\n'));  // a burst, then one a second
    assert.equal(app.count(/slot 1: .*on its channel/), 0);
  } finally {
    await app.stop();
  }
  const [rest] = app.lines.filter((l) => /slot 0: .* sent (\d+) more bad line\(s\) on its channel, not logged/.test(l));
  const logged = app.count(/slot 0: .*is not JSON on its channel/);
  const notLogged = app.lines.reduce((n, l) => n + Number(l.match(/\((\d+) more like it not logged\)/)?.[1] || 0), 0);
  assert.equal(logged + notLogged + Number(rest?.match(/sent (\d+) more/)?.[1] || 0), 50, app.lines.join('\n'));
});

test('--watchdog: a worker that stops pinging over NOTIFY_SOCKET is killed and its slot restarted', async () => {
  const port = await freePort();
  const app = new Cohort(['run', '-i', '2', '--listen', `127.0.0.1:${port}`, '--watchdog', '1', '--name', 'hw',
    '--', hello]);
  try {
    await app.waitReady(2);
    const [w0] = (await ls(app)).workers;
    const env = readFileSync(`/proc/${w0.pid}/environ`, 'utf8').split('\0');
    assert.ok(env.includes('WATCHDOG_USEC=1000000') && env.includes(`WATCHDOG_PID=${w0.pid}`), env.join(' '));
    // Several watchdog periods pass without a kill: the library pings while it waits.
    const quiet = app.mark();
    await new Promise((r) => setTimeout(r, 2500));  // the thing under test is time itself
    assert.equal(app.count(/no WATCHDOG=1/), 0, app.lines.slice(quiet).join('\n'));
    get(port, { path: '/hang' }).catch(() => {});  // one worker hangs serving it
    const line = await app.waitFor(/no WATCHDOG=1 for \d+ ms \(--watchdog 1s\); killing it, the slot restarts/);
    const hung = Number(line.match(/pid (\d+)/)[1]);
    await app.waitFor(new RegExp(`pid ${hung}\\) was killed by SIGKILL; restarting`));
    await app.waitReady(3);
    const info = await ls(app);
    assert.equal(info.workers.length, 2);
    assert.ok(!info.workers.some((w) => w.pid === hung));
    assert.equal(info.workers.reduce((n, w) => n + w.restarts, 0), 1);
    assert.equal((await get(port)).status, 200);
  } finally {
    await app.stop();
  }
});

test('--stop-signal: shared-mode workers are asked to leave with that signal', async () => {
  const port = await freePort();
  const app = new Cohort(['run', '-i', '2', '--listen', `127.0.0.1:${port}`, '--stop-signal', 'QUIT', '--ready', 'notify',
    '--name', 'hq',
    '--', hello]);
  try {
    await app.waitReady(2);
    assert.equal((await get(port)).status, 200);
    const info = await ls(app);
    assert.equal(info.scheduler, 'shared');
    assert.deepEqual(info.workers.map((w) => w.status), ['serving (shared)', 'serving (shared)']);
  } finally {
    const { code } = await app.stop();
    assert.equal(code, 0);
  }
  assert.equal(app.count(/^\[hq:[01]\] leaving \(SIGQUIT\)$/), 2, app.lines.join('\n'));
  assert.equal(app.count(/exited with code 0/), 2);
});
