// Any program, not just Node: --listen hands sockets over systemd-style
// (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES) and --ready notify waits for
// sd_notify's READY=1. Driven with a Python standard-library server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cohort, apps, freePort, get, pidsAnswering, reloadUnderLoad, root } from './harness.mjs';

const server = path.join(root, 'examples/python_server.py');

test('--listen: a Python server gets the socket as LISTEN_FDS in 2 workers, and nothing else', async () => {
  const port = await freePort();
  // --ready notify: "ready" then means the program runs (not a child between fork and exec).
  const app = new Cohort(['run', '-i', '2', '--listen', `127.0.0.1:${port}`, '--ready', 'notify', '--name', 'py',
    '--', 'python3', server]);
  try {
    await app.waitReady(2);
    const [app0] = JSON.parse((await app.cli(['ls', '--json'])).stdout).apps;
    // Before any request (a connection being served is a socket fd too):
    // stdin/stdout/stderr and the listening socket at 3, nothing of the primary's.
    for (const w of app0.workers) {
      const fds = readdirSync(`/proc/${w.pid}/fd`).map(Number).sort((a, b) => a - b);
      assert.deepEqual(fds.slice(0, 4), [0, 1, 2, 3]);
      assert.match(readlinkSync(`/proc/${w.pid}/fd/3`), /^socket:/);
      for (const fd of fds.slice(4)) assert.doesNotMatch(readlinkSync(`/proc/${w.pid}/fd/${fd}`), /^socket:|pipe:/, `fd ${fd}`);
    }
    assert.equal((await pidsAnswering(port, 40)).size, 2);
    for (const w of app0.workers) {
      // LISTEN_PID is the worker's own pid, set in the child after fork.
      let env;
      for (let i = 0; i < 40 && !env; i++) {
        const r = await get(port, { path: '/env' });
        const [listenPid, fds, names] = r.body.split(' ');
        if (Number(listenPid) === w.pid) env = { fds, names };
      }
      assert.deepEqual(env, { fds: '1', names: 'listen0' });
    }
    assert.match((await app.cli(['ls'])).stdout, new RegExp(`listening on 127\\.0\\.0\\.1:${port}`));
  } finally {
    await app.stop();
  }
});

test('--ready notify: a rolling reload under ab -c200 waits for READY=1 and fails no request', async () => {
  const port = await freePort();
  const app = new Cohort(['run', '-i', '2', '--listen', String(port), '--ready', 'notify', '--name', 'pyn',
    '--', 'python3', server], { env: { STARTUP_DELAY: '1' } });
  try {
    await app.waitReady(2);
    await reloadUnderLoad(app, 'pyn', port, { seconds: 8 });
    const [info] = JSON.parse((await app.cli(['ls', '--json'])).stdout).apps;
    assert.deepEqual(info.workers.map((w) => w.status), ['serving', 'serving']);  // sd_notify STATUS=
  } finally {
    await app.stop();
  }
});

test('--ready notify: a reload whose new worker never sends READY=1 aborts; the old workers serve on', async () => {
  const port = await freePort();
  const marker = path.join(tmpdir(), `cohort-never-ready-${process.pid}`);
  const app = new Cohort(['run', '-i', '2', '--listen', String(port), '--ready', 'notify', '--ready-timeout', '1500ms',
    '--name', 'pyx', '--', 'python3', path.join(apps, 'listen_notify.py')], { env: { NEVER_READY_FILE: marker } });
  try {
    await app.waitReady(2);
    const before = await pidsAnswering(port, 20);
    writeFileSync(marker, '');
    const reload = await app.cli(['reload', 'pyx']);
    assert.notEqual(reload.code, 0);
    assert.match(reload.stderr + reload.stdout, /did not become ready within 1500 ms/);
    rmSync(marker, { force: true });
    const after = await pidsAnswering(port, 20);
    assert.deepEqual([...after].sort(), [...before].sort());
  } finally {
    rmSync(marker, { force: true });
    await app.stop();
  }
});

test('--listen and --ready errors are clear and start nothing', async () => {
  for (const [args, re] of [
    [['--listen', 'nonsense'], /--listen nonsense: bad port/],
    [['--listen', '8080', '--scheduler', 'shared', '--sticky', 'ip'], /cannot be used with --scheduler shared/],
    [['--listen', '8080', '--stop-signal', 'SIGNOPE'], /--stop-signal: unknown signal 'SIGNOPE'/],
    [['--listen', '8080', '--watchdog', 'often'], /--watchdog: /],
    [['--watchdog', '2'], /--watchdog applies to --listen programs/],
    [['--listen', '8080', '--ready', 'soon'], /--ready soon: use notify or delay/],
    [['--ready', 'notify'], /--ready applies to --listen programs/],
  ]) {
    const app = new Cohort(['run', ...args, '--', 'python3', server]);
    const { code } = await app.exited;
    assert.equal(code, 2, app.lines.join('\n'));
    assert.ok(app.lines.some((l) => re.test(l)), `${re}: ${app.lines.join('\n')}`);
    await app.stop();
  }
});
