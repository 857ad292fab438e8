// --health: the endpoint load balancers check (200 while a worker is ready,
// 503 while drained or stopping), cohort drain/undrain, the stop's
// --drain-delay, and that bad clients of the endpoint hurt nobody.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { Cohort, apps, cli, freePort, get, tempHome, waitUntil } from './harness.mjs';

async function health(port) {
  const r = await get(port, { path: '/health' });
  return { status: r.status, body: JSON.parse(r.body) };
}

// Sends raw bytes to the endpoint; resolves with everything it answers before closing.
function rawExchange(port, bytes) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d) => (out += d));
    s.on('end', () => { s.end(); resolve(out); });
    s.on('error', reject);
  });
}

// Without a --drain-delay of its own, no delay: every stop would wait the default 3 s.
async function startHello(t, extra = ['--drain-delay', '0'], name = 'hl') {
  const port = await freePort();
  const hport = await freePort();
  const c = new Cohort(['run', path.join(apps, 'hello.js'), '-i', '2', '--name', name,
    '--health', `127.0.0.1:${hport}`, ...extra], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  return { c, port, hport };
}

test('health is 200 with the ready workers; drain makes it 503 while the app serves on; undrain brings it back', async (t) => {
  const { c, port, hport } = await startHello(t);
  assert.deepEqual(await health(hport), {
    status: 200, body: { status: 'ready', app: 'hl', ready_workers: 2, workers: 2 },
  });

  const d = await c.cli(['drain', 'hl']);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /hl: drained/);
  assert.deepEqual(await health(hport), {
    status: 503, body: { status: 'drained', app: 'hl', ready_workers: 2, workers: 2 },
  });
  assert.equal((await get(port)).status, 200, 'a drained app still serves');
  const ls = JSON.parse((await c.cli(['ls', '--json'])).stdout).apps[0];
  assert.equal(ls.health.address, `127.0.0.1:${hport}`);
  assert.equal(ls.health.drained, true);
  assert.equal(ls.health.status, 503);
  assert.ok(ls.health.answered >= 2, JSON.stringify(ls.health));
  assert.match((await c.cli(['ls'])).stdout, new RegExp(`hl: health on 127\\.0\\.0\\.1:${hport} answers 503 \\(drained\\)`));

  // Draining survives a reload: the new workers are as out of rotation as the old.
  assert.equal((await c.cli(['reload', 'hl'])).code, 0);
  assert.equal((await health(hport)).status, 503);

  const u = await c.cli(['undrain', 'hl']);
  assert.equal(u.code, 0, u.stderr);
  assert.equal((await health(hport)).status, 200);
  const head = await rawExchange(hport, 'HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(head.endsWith('\r\n\r\n'), 'HEAD has no body');
});

test('garbage, oversized heads and unknown paths get their error; the endpoint and the app carry on', async (t) => {
  const { port, hport } = await startHello(t);
  const tls = await rawExchange(hport, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00]));
  assert.match(tls, /^HTTP\/1\.1 400 Bad Request\r\n/);
  const big = await rawExchange(hport, `GET /health HTTP/1.1\r\nX-Pad: ${'a'.repeat(20000)}\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 431 /);
  assert.equal((await get(hport, { path: '/metrics' })).status, 404);
  const post = await rawExchange(hport, 'POST /health HTTP/1.1\r\nContent-Length: 0\r\n\r\n');
  assert.match(post, /^HTTP\/1\.1 405 /);
  // A client that opens a connection and says nothing does not hold up the checks.
  const idle = net.connect(hport, '127.0.0.1');
  t.after(() => idle.destroy());
  await new Promise((r) => idle.on('connect', r));
  assert.equal((await health(hport)).status, 200);
  assert.equal((await get(port)).status, 200);
});

test('a graceful stop turns health 503 first and serves on for --drain-delay before closing', async (t) => {
  const { c, port, hport } = await startHello(t, ['--drain-delay', '1500ms']);
  const stopAt = Date.now();
  c.proc.kill('SIGTERM');
  await waitUntil(async () => (await health(hport).catch(() => ({ status: 0 }))).status === 503,
    { what: 'health 503 after SIGTERM', timeoutMs: 5000 });
  assert.equal((await health(hport)).body.status, 'stopping');
  // Late requests, as a proxy sends until its checks notice, are still served.
  const late = await get(port);
  assert.equal(late.status, 200);
  await c.waitFor(/serving on for 1500ms so the proxies notice/);
  const { code } = await c.exited;
  assert.equal(code, 0);
  assert.ok(Date.now() - stopAt >= 1500, `exited ${Date.now() - stopAt} ms after SIGTERM, before the drain delay`);
  await assert.rejects(get(hport), /ECONNREFUSED/, 'the endpoint closes with the app');
});

test('a second signal during the drain delay stops at once', async (t) => {
  const { c, hport } = await startHello(t, ['--drain-delay', '20s']);
  const stopAt = Date.now();
  c.proc.kill('SIGTERM');
  await c.waitFor(/serving on for 20000ms/);
  assert.equal((await health(hport)).status, 503);
  // A second signal within 500 ms counts as the same stop (timeout, systemd); a later one kills.
  await waitUntil(() => Date.now() - stopAt > 600, { what: 'the first signal to be half a second old' });
  c.proc.kill('SIGTERM');
  const { code, signal } = await c.exited;
  assert.equal(code ?? signal, 128 + 15);
  assert.ok(Date.now() - stopAt < 10000, `took ${Date.now() - stopAt} ms with a 20 s drain delay`);
});

test('a stop after a drain waits only what is left of the drain delay', async (t) => {
  const { c, hport } = await startHello(t, ['--drain-delay', '1s']);
  assert.equal((await c.cli(['drain', 'hl', '--wait', '1s'])).code, 0);
  assert.equal((await health(hport)).status, 503);
  const mark = c.mark();
  c.proc.kill('SIGTERM');
  await c.exited;
  assert.equal(c.lines.slice(mark).filter((l) => /serving on for/.test(l)).length, 0,
    `drained for the whole delay already:\n${c.lines.slice(mark).join('\n')}`);
});

test('a busy or malformed --health address fails the start with a message naming it', async (t) => {
  const { hport } = await startHello(t);
  const port = await freePort();
  const busy = new Cohort(['run', path.join(apps, 'hello.js'), '--name', 'busy', '--health', `127.0.0.1:${hport}`],
    { env: { PORT: String(port) } });
  const { code } = await busy.exited;
  await busy.stop();
  assert.equal(code, 1);
  assert.ok(busy.lines.some((l) => l.includes(`--health 127.0.0.1:${hport}: cannot listen on 127.0.0.1:${hport}`) &&
    /in use/.test(l)),
    busy.lines.join('\n'));
  const bad = await cli(['run', path.join(apps, 'hello.js'), '--health', 'unix:/tmp/h.sock']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--health unix:\/tmp\/h.sock: must be a TCP address/);
});

test('drain of an app without --health says so; cohort drain needs a running app', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', path.join(apps, 'hello.js'), '--name', 'nohealth'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(1);
  const r = await c.cli(['drain', 'nohealth']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /nohealth has no health endpoint .*--health HOST:PORT/);
  const none = await c.cli(['drain', 'nothere']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no running app named nothere/);
});

test('daemon apps from a config file: health and drain_delay fields, cohort drain all', async (t) => {
  const home = tempHome();
  const env = { ...process.env, COHORT_HOME: home };
  t.after(async () => { await cli(['kill'], { env }); });
  const port = await freePort();
  const hport = await freePort();
  const file = path.join(home, 'cohort.config.json');
  writeFileSync(file, JSON.stringify({ apps: [{
    name: 'dh', script: path.join(apps, 'hello.js'), instances: 2, env: { PORT: String(port) },
    health: `127.0.0.1:${hport}`, drain_delay: '500ms',
  }] }));
  const s = await cli(['start', file], { env });
  assert.equal(s.code, 0, s.stderr);
  await waitUntil(async () => (await health(hport).catch(() => ({ status: 0 }))).status === 200,
    { what: 'daemon app healthy' });
  const d = await cli(['drain', 'all'], { env });
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /dh: drained/);
  assert.equal((await health(hport)).status, 503);
  assert.equal((await get(port)).status, 200);
  assert.equal((await cli(['undrain', 'dh'], { env })).code, 0);
  assert.equal((await health(hport)).status, 200);
  const stop = await cli(['stop', 'dh'], { env });
  assert.equal(stop.code, 0, stop.stderr);
  await assert.rejects(get(hport), /ECONNREFUSED/);
});
