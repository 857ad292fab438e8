// No leaks in the primary: after many connections through it (round-robin
// handoffs) and many control-socket calls, it holds the same fds and its
// memory has not grown. The default suite runs a short version;
// scripts/reliability.sh runs 1,000,000 connections and 10,000 calls
// (COHORT_LEAK_CONNECTIONS, COHORT_LEAK_CALLS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Cohort, ab, controlCall, freePort, memoryKb, openFds, pidsAnswering, underAsan } from './harness.mjs';

const CONNECTIONS = Number(process.env.COHORT_LEAK_CONNECTIONS || 20000);
const CALLS = Number(process.env.COHORT_LEAK_CALLS || 1000);
const WARMUP = Math.min(10000, CONNECTIONS);

// The primary's fds once no connection or control call is in progress.
async function quietFds(pid) {
  let last = openFds(pid), since = Date.now();
  while (Date.now() - since < 300) {
    await new Promise((r) => setTimeout(r, 50));
    const now = openFds(pid);
    if (now.length !== last.length) since = Date.now();
    last = now;
  }
  return last;
}

async function connections(port, n) {
  const r = await ab(`http://127.0.0.1:${port}/`, { concurrency: 50, requests: n, seconds: null }).done;
  assert.equal(r.complete, n, r.output);
  assert.equal(r.failed, 0, r.output);
  return r;
}

test(`${CONNECTIONS.toLocaleString('en')} connections and ${CALLS.toLocaleString('en')} control calls: the primary's fds unchanged, memory grown < 1 MB`, async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'hello.js', '-i', '2', '--name', 'leaks'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const pid = c.proc.pid;
  const socket = path.join(c.home, 'run', 'leaks.sock');
  // Warm up: every code path once, allocator arenas and the log's buffers settled.
  await connections(port, WARMUP);
  for (let i = 0; i < 100; i++) await controlCall(socket, { cmd: 'ls' });
  const fdsBefore = await quietFds(pid);
  const memBefore = memoryKb(pid);

  const started = Date.now();
  const load = await connections(port, CONNECTIONS);
  const fdsAfterConnections = await quietFds(pid);
  const memAfterConnections = memoryKb(pid);
  for (let i = 0; i < CALLS; i++) {
    const r = await controlCall(socket, i % 10 === 9 ? 'not json\n' : { cmd: 'ls' });
    assert.equal(typeof r.ok, 'boolean');
  }
  const fdsAfter = await quietFds(pid);
  const memAfter = memoryKb(pid);
  t.diagnostic(`${CONNECTIONS} connections in ${((Date.now() - started) / 1000).toFixed(0)} s (${load.rps} req/s); ` +
    `fds ${fdsBefore.length} -> ${fdsAfterConnections.length} -> ${fdsAfter.length}; ` +
    `RSS ${memBefore.rss} -> ${memAfterConnections.rss} -> ${memAfter.rss} kB, anonymous ${memBefore.anon} -> ${memAfterConnections.anon} -> ${memAfter.anon} kB`);

  assert.deepEqual(fdsAfterConnections.sort(), fdsBefore.sort(), 'fds after the connections');
  assert.deepEqual(fdsAfter.sort(), fdsBefore.sort(), 'fds after the control calls');
  assert.equal((await pidsAnswering(port, 10)).size, 2);
  if (underAsan) return;
  // RSS, and its anonymous part (heap and stacks, which a leak grows; file
  // pages may be dropped under memory pressure and make RSS shrink).
  for (const [what, from, to] of [['connections', memBefore, memAfterConnections], ['control calls', memAfterConnections, memAfter]]) {
    assert.ok(to.rss - from.rss < 1024, `RSS grew by ${to.rss - from.rss} kB over the ${what}`);
    assert.ok(to.anon - from.anon < 1024, `anonymous memory grew by ${to.anon - from.anon} kB over the ${what}`);
  }
});
