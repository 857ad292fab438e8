// A hostile worker (test/apps/hostile.js, writing on its own IPC channel):
// garbage, huge lines, stray descriptors, unsolicited acks, floods, a
// channel shut mid-message, while ab keeps both workers busy. The primary and the other worker go on serving;
// the primary leaks no descriptor; the bad worker is logged, and replaced if
// its channel is gone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cohort, ab, freePort, openFds, pidAlive, pidsAnswering } from './harness.mjs';

let c, port, baseline;
const fds = () => openFds(c.proc.pid);
const app = async () => JSON.parse((await c.cli(['ls', '--json'])).stdout).apps[0];

// The primary's fds once nothing is in progress: a connection in flight or
// a control call just answered holds one for a moment.
async function quietFds() {
  let last = fds(), since = Date.now();
  while (Date.now() - since < 300) {
    await new Promise((r) => setTimeout(r, 50));
    const now = fds();
    if (now.length !== last.length) since = Date.now();
    last = now;
  }
  return last;
}

before(async () => {
  port = await freePort();
  c = new Cohort(['run', 'hostile.js', '-i', '2', '--name', 'hostile'], { env: { PORT: String(port) } });
  await c.waitReady(2);
  await pidsAnswering(port, 10);
  baseline = await quietFds();
});
after(() => c.stop());

async function assertNoFdLeak() {
  const now = await quietFds();
  assert.equal(now.length, baseline.length, `fds at start: ${baseline.join(' ')}\nnow: ${now.join(' ')}`);
}

// Until both slots have a ready worker (a hostile one may have been replaced).
async function settled() {
  const deadline = Date.now() + 20000;
  for (;;) {
    const a = await app();
    if (a.workers.length === 2 && a.workers.every((w) => w.state === 'ready')) return a;
    if (Date.now() > deadline) throw new Error(`workers did not settle: ${JSON.stringify(a.workers)}`);
    await c.waitFor(/: ready$/, { after: c.mark(), timeoutMs: 500 }).catch(() => {});
  }
}

// Turns slot 0 hostile while ab runs; returns ab's result.
async function episode(mode, { done = new RegExp(`hostile ${mode}: done`) } = {}) {
  const mark = c.mark();
  const load = ab(`http://127.0.0.1:${port}/`, { concurrency: 10, seconds: 2 });
  const sent = await c.cli(['send', 'hostile', JSON.stringify({ hostile: mode }), '--id', '0']);
  assert.equal(sent.code, 0, sent.stderr);
  await c.waitFor(done, { after: mark, timeoutMs: 20000 });
  const result = await load.done;
  assert.ok(pidAlive(c.proc.pid), 'the primary is alive');
  await settled();
  assert.ok(result.complete > 100, result.output);
  return { mark, result };
}

test('garbage, invalid UTF-8, 100,000-deep nesting, a 9 MB line: logged, nobody else notices', async () => {
  const { mark, result } = await episode('garbage');
  assert.equal(result.failed, 0, result.output);
  assert.equal(result.non2xx, 0);
  await c.waitFor(/slot 0: worker \d+ sent malformed JSON/, { after: mark });
  await c.waitFor(/slot 0: worker \d+ sent a message over \d+ bytes/, { after: mark });
  assert.equal((await pidsAnswering(port, 20)).size, 2, 'both workers still serve');
  await assertNoFdLeak();
});

test('descriptors where none belong (plain lines, 200 on one line, bogus NODE_HANDLEs) are closed', async () => {
  const { mark, result } = await episode('fds');
  // The primary acknowledges a NODE_HANDLE as Node does; the worker's Node,
  // which sent none, dies of an internal assertion. Only its requests fail.
  const replaced = c.lines.slice(mark).filter((l) => /slot 0: worker \d+ \(pid \d+\) exited/.test(l)).length;
  assert.ok(result.failed <= replaced * 10, `${result.failed} failed, slot 0 replaced ${replaced} time(s)\n${result.output}`);
  assert.equal((await pidsAnswering(port, 20)).size, 2);
  await assertNoFdLeak();
});

test('unsolicited handle ACKs/NACKs and newconn replies for unknown connections change nothing', async () => {
  const { result } = await episode('acks');
  assert.equal(result.failed, 0, result.output);
  assert.equal((await pidsAnswering(port, 20)).size, 2);
  await assertNoFdLeak();
});

test('a flood of 100,000 messages and 100,000 malformed lines: the other worker keeps answering', async () => {
  const { mark, result } = await episode('flood');
  // The log gets a burst and then a line a second saying how many were not logged.
  const logged = c.lines.slice(mark).filter((l) => /slot 0: worker \d+ sent/.test(l));
  assert.ok(logged.length >= 10 && logged.length <= 20, logged.join('\n'));
  assert.ok(logged.some((l) => /more like it not logged/.test(l)) || logged.length === 10, logged.join('\n'));
  assert.equal(result.failed, 0, result.output);
  assert.equal((await pidsAnswering(port, 20)).size, 2);
  await assertNoFdLeak();
});

test('a channel shut mid-message: that worker is replaced, the other one serves on', async () => {
  const before = (await app()).workers.find((w) => w.slot === 0);
  const { mark, result } = await episode('midline', { done: /slot 0: worker \d+ \(pid \d+\): ready/ });
  // Only requests inside the replaced worker can fail.
  assert.ok(result.failed <= 10, result.output);
  const now = (await app()).workers.find((w) => w.slot === 0);
  assert.notEqual(now.pid, before.pid);
  assert.ok(c.lines.slice(mark).some((l) => /slot 0: worker \d+ \(pid \d+\).*(exited|killed)/.test(l)), c.lines.slice(mark).join('\n'));
  assert.equal((await pidsAnswering(port, 20)).size, 2);
  await assertNoFdLeak();
});
