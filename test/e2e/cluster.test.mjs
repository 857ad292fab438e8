// cohort runs unmodified Node apps on N workers: every kind of listen() works
// as it does under Node's cluster module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { Cohort, apps, freePort, get, pidsAnswering } from './harness.mjs';

test('answers from N distinct worker pids with slots 0..N-1', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'hello.js', '-i', '3'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(3);
  const seen = new Map();
  for (let i = 0; i < 30; i++) {
    const [pid, slot] = (await get(port)).body.trim().split(' ');
    seen.set(pid, slot);
  }
  assert.equal(seen.size, 3);
  assert.deepEqual([...seen.values()].sort(), ['0', '1', '2']);
});

test('-i max starts one worker per CPU', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'hello.js', '-i', 'max'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  const cpus = os.availableParallelism();
  await c.waitReady(cpus);
  const r = await c.cli(['ls', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).apps[0].workers.length, cpus);
  assert.equal((await pidsAnswering(port, 10 * cpus)).size, cpus);
});

test('NODE_APP_INSTANCE, --env, script arguments and --cwd reach the workers', async (t) => {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-cwd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = path.join(apps, 'env-echo.js');
  const c = new Cohort(['run', script, '-i', '2', '--cwd', dir, '--env', 'GREETING=hi there', '--', '--flag', 'value'],
    { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const info = JSON.parse((await get(port)).body);
  assert.equal(info.GREETING, 'hi there');
  assert.deepEqual(info.argv, ['--flag', 'value']);
  assert.equal(info.cwd, dir);
  assert.equal(info.NODE_APP_INSTANCE, info.COHORT_INSTANCE);
  assert.match(info.COHORT_INSTANCE, /^[01]$/);
  assert.equal(info.isWorker, true);
});

test('an ES module app (.mjs) runs unchanged', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'esm.mjs', '-i', '2'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  assert.match((await get(port)).body, /^esm \d+ [01]/);
  assert.equal((await pidsAnswering(port, 20)).size, 2);
});

test('a "type": "module" package runs unchanged', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'esm-module/index.js', '-i', '2', '--name', 'mod'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  assert.match((await get(port)).body, /^module \d+/);
});

test('an app that is itself a hand-written cluster primary runs as a worker', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'own-cluster.js', '-i', '2'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  assert.match((await get(port)).body, /^own-cluster \d+ worker \d+/);
  assert.equal((await pidsAnswering(port, 20)).size, 2);
  const r = JSON.parse((await c.cli(['ls', '--json'])).stdout);
  assert.equal(r.apps[0].workers.length, 2, 'the app must not fork workers of its own');
});

function getUnix(socketPath) {
  return new Promise((resolve, reject) => {
    http.get({ socketPath, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

test('several servers per app: IPv4, IPv6, a unix socket and port 0', async (t) => {
  const port = await freePort();
  const port6 = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-sock-'));
  const sock = path.join(dir, 'app.sock');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const c = new Cohort(['run', 'multi.js', '-i', '2'],
    { env: { PORT: String(port), PORT6: String(port6), SOCK: sock } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const portsLine = await c.waitFor(/ports \{/);
  const zero = JSON.parse(portsLine.slice(portsLine.indexOf('{'))).zero;
  assert.ok(zero > 0);
  const pids = { v4: new Set(), v6: new Set(), unix: new Set(), zero: new Set() };
  for (let i = 0; i < 16; i++) {
    pids.v4.add((await get(port)).body.split(' ')[1]);
    pids.v6.add((await get(port6, { host: '::1' })).body.split(' ')[1]);
    pids.unix.add((await getUnix(sock)).split(' ')[1]);
    pids.zero.add((await get(zero)).body.split(' ')[1]);
  }
  for (const [name, set] of Object.entries(pids)) assert.equal(set.size, 2, `${name} served by both workers`);
  await c.stop();
  assert.throws(() => rmSync(sock), /ENOENT/, 'the unix socket is removed when cohort stops');
});

test('--scheduler shared and least also balance over every worker', async (t) => {
  for (const scheduler of ['shared', 'least']) {
    const port = await freePort();
    const c = new Cohort(['run', 'hello.js', '-i', '2', '-s', scheduler, '--name', `s-${scheduler}`],
      { env: { PORT: String(port) } });
    try {
      await c.waitReady(2);
      const pids = new Set();
      // The kernel spreads accepts unevenly under light load: keep asking until both answered.
      for (let i = 0; i < 400 && pids.size < 2; i++) pids.add((await get(port)).body.split(' ')[0]);
      assert.equal(pids.size, 2, `${scheduler}: both workers answered`);
    } finally {
      await c.stop();
    }
  }
});
