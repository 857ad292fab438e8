// The handoff hook (src/handoff_hook.h): handed connections reach a Node
// worker's server in one step and are confirmed with one line; whatever the
// hook does not take (a refusal, another message, a Node it does not know)
// goes Node's own way and still works.
import { test } from 'node:test';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { Cohort, freePort, get, waitUntil } from './harness.mjs';

async function app(c) {
  const r = await c.cli(['ls', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).apps[0];
}
const hooked = (a) => a.workers.reduce((n, w) => n + w.hook_confirmed, 0);
// Two workers of test/apps/<script> on a free port, ready; stopped after the test.
async function start(t, script, name, { env = {}, args = [] } = {}) {
  const port = await freePort();
  const c = new Cohort(['run', script, '-i', '2', '--name', name, ...args], { env: { PORT: String(port), ...env } });
  t.after(() => c.stop());
  await c.waitReady(2);
  return { c, port };
}

test('every connection is confirmed by the hook, on every worker; user messages on the same channels still arrive', async (t) => {
  const { c, port } = await start(t, 'hello.js', 'web', { args: ['-v'] });
  for (const r of await Promise.all(Array.from({ length: 200 }, () => get(port)))) assert.equal(r.status, 200);
  let a = await app(c);
  assert.equal(a.connections.confirmed, 200);
  for (const w of a.workers) assert.ok(w.hook_confirmed > 0, `worker ${w.id}: ${JSON.stringify(w)}`);
  assert.equal(hooked(a), 200, 'no connection took the slow path');
  assert.equal(c.count(/takes connections through the handoff hook/), 2);
  // A message and a connection in one read go Node's way together.
  const requests = Array.from({ length: 200 }, () => get(port));
  const sends = Array.from({ length: 20 }, (_, i) => c.cli(['send', 'web', JSON.stringify({ n: i })]));
  for (const r of await Promise.all(requests)) assert.equal(r.status, 200);
  for (const r of await Promise.all(sends)) assert.equal(r.code, 0, r.stderr);
  await waitUntil(() => c.count(/got message \{"n":\d+\}/) === 40, { what: '20 messages on each of 2 workers' });
  a = await app(c);
  assert.equal(a.connections.confirmed, 400);
  assert.equal(a.connections.bounced, 0);
});

test('messages of every size around the hook\'s read size, multi-byte characters split anywhere, arrive whole among connections', async (t) => {
  const { c, port } = await start(t, 'digest.js', 'sizes');
  const sizes = [1, 200, 230, 255, 256, 257, 511, 512, 513, 4000, 30000];  // characters; the CLI takes ~100 KB
  const chars = [...'aé€😀'];  // 1 to 4 bytes in UTF-8
  const text = (n) => Array.from({ length: n }, (_, i) => chars[i % 4]).join('');
  const load = Array.from({ length: 100 }, () => get(port));
  for (const [n, size] of sizes.entries()) {
    const r = await c.cli(['send', 'sizes', JSON.stringify({ n, s: text(size) })]);
    assert.equal(r.code, 0, r.stderr);
  }
  for (const r of await Promise.all(load)) assert.equal(r.status, 200);
  await waitUntil(() => c.count(/digest \d+ /) === 2 * sizes.length, { what: 'every message on both workers' });
  for (const [n, size] of sizes.entries()) {
    const want = crypto.createHash('sha256').update(text(size)).digest('hex');
    assert.equal(c.count(new RegExp(`digest ${n} ${want}$`)), 2, `message ${n} (${size} characters)`);
  }
  for (let i = 0; i < 20; i++) assert.equal((await get(port)).status, 200);
  assert.equal((await app(c)).connections.bounced, 0);
});

test('a worker at maxConnections refuses through Node\'s path and the connection is served by another', async (t) => {
  const { c, port } = await start(t, 'guarded.js', 'guarded', { env: { LIMIT_SLOT0: '1' } });
  // Slot 0 holds the one connection it may have; round-robin gives it every
  // other one of these, and it refuses them.
  // (Round-robin also passes by a worker slow to confirm, so on a loaded
  // machine it may take more than one wave for slot 0 to get a second.)
  const requests = [];
  for (let wave = 0; wave < 20 && (await app(c)).connections.bounced === 0; wave++) {
    requests.push(...Array.from({ length: 10 }, () => get(port)));
    await waitUntil(async () => (await app(c)).connections.handed >= requests.length, { what: 'the wave handed out' });
  }
  await waitUntil(async () => (await app(c)).connections.bounced >= 1, { what: 'refusals by the full worker' });
  const early = await app(c);
  const full = early.workers.find((w) => w.slot === 0);
  assert.equal(full.connections, 1, `the full worker confirmed only its one: ${JSON.stringify(full)}`);
  assert.equal((await c.cli(['send', 'guarded', '{"release":true}'])).code, 0);
  const answers = await Promise.all(requests);
  for (const r of answers) assert.equal(r.status, 200);
  const bySlot = answers.map((r) => r.body.trim().split(' ')[1]);
  assert.equal(bySlot.filter((s) => s === '0').length, 1, `answered by slots ${bySlot}`);
  const a = await app(c);
  assert.equal(a.connections.dropped, 0);
  assert.equal(a.connections.confirmed, requests.length);
});

test('a server that closes and listens again keeps taking connections through the hook', async (t) => {
  const { c, port } = await start(t, 'guarded.js', 'relisten');
  for (let i = 0; i < 10; i++) assert.equal((await get(port)).status, 200);
  const mark = c.mark();
  assert.equal((await c.cli(['send', 'relisten', '{"relisten":true}'])).code, 0);
  await waitUntil(() => c.lines.slice(mark).filter((l) => /listening again/.test(l)).length === 2,
    { what: 'both workers listening again' });
  const before = hooked(await app(c));
  for (let i = 0; i < 20; i++) assert.equal((await get(port)).status, 200);
  const a = await app(c);
  assert.equal(hooked(a) - before, 20, JSON.stringify(a.workers));
  for (const w of a.workers) assert.ok(w.hook_confirmed > 0);
});

test('a Node the hook stands aside for (--pending-deprecation) is served through Node\'s own path', async (t) => {
  const { c, port } = await start(t, 'hello.js', 'plain', { args: ['--node-args=--pending-deprecation'] });
  const pids = new Set();
  for (let i = 0; i < 20; i++) {
    const r = await get(port);
    assert.equal(r.status, 200);
    pids.add(r.body.split(' ')[0]);
  }
  assert.equal(pids.size, 2);
  const a = await app(c);
  assert.equal(a.connections.confirmed, 20);
  assert.equal(hooked(a), 0);
  assert.equal(c.count(/DeprecationWarning/), 0, 'the hook must not make Node warn');
});

test('a Node cluster of the app\'s own, started from a worker, is left to Node\'s protocol', async (t) => {
  const inner = await freePort();
  const { c, port } = await start(t, 'nested-cluster.js', 'nested', { env: { INNER_PORT: String(inner) } });
  await c.waitFor(/inner worker listening/);
  // Node's primary hands its worker one connection at a time and waits for
  // Node's own replies: had the hook answered in its stead, the second hangs.
  for (let i = 0; i < 10; i++) {
    const r = await get(inner);
    assert.equal(r.status, 200);
    assert.match(r.body, /^inner \d+/);
  }
  assert.match((await get(port)).body, /^outer \d+/);
});

test('an exception from the app\'s connection listener reaches its uncaughtException handler and handoffs go on', async (t) => {
  const { c, port } = await start(t, 'throwing.js', 'throwing');
  for (let i = 0; i < 20; i++) assert.equal((await get(port)).status, 200);
  await waitUntil(() => c.count(/caught: boom in a connection listener/) === 2, { what: 'one exception per worker' });
  const a = await app(c);
  assert.equal(a.connections.confirmed, 20);
  assert.equal(hooked(a), 20);
  assert.equal(a.workers.reduce((n, w) => n + w.restarts, 0), 0);
});
