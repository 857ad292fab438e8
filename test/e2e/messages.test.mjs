// Messages reach workers' process.on('message'). (Hostile workers:
// hostile.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cohort, freePort, pidsAnswering } from './harness.mjs';

test('cohort send reaches every worker, --id exactly one', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'hello.js', '-i', '3', '--name', 'msg'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(3);
  let mark = c.mark();
  const all = await c.cli(['send', 'msg', '{"hello":"all"}']);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /sent to 3 worker/);
  for (const slot of [0, 1, 2]) await c.waitFor(new RegExp(`^\\[msg:${slot}\\] got message \\{"hello":"all"\\}`), { after: mark });

  mark = c.mark();
  const one = await c.cli(['send', 'msg', '{"only":"one"}', '--id', '1']);
  assert.equal(one.code, 0, one.stderr);
  await c.waitFor(/^\[msg:1\] got message \{"only":"one"\}/, { after: mark });
  // Make sure the others would have had time: a later message to all arrives after it.
  await c.cli(['send', 'msg', '"fence"']);
  for (const slot of [0, 2]) await c.waitFor(new RegExp(`^\\[msg:${slot}\\] got message "fence"`), { after: mark });
  assert.equal(c.lines.slice(mark).filter((l) => /got message \{"only":"one"\}/.test(l)).length, 1);

  const bad = await c.cli(['send', 'msg', '{"x":1}', '--id', '7']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /no slot 7/);
  const reserved = await c.cli(['send', 'msg', '{"cmd":"NODE_CLUSTER","act":"disconnect"}']);
  assert.notEqual(reserved.code, 0);
  assert.match(reserved.stderr, /reserved/);
  assert.equal((await pidsAnswering(port, 12)).size, 3, 'nobody was disconnected');
});

test('cohort:broadcast from one worker reaches the others', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'broadcast.js', '-i', '3', '--name', 'bc'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(3);
  const mark = c.mark();
  await c.cli(['send', 'bc', '{"go":1}', '--id', '0']);
  for (const slot of [1, 2]) {
    await c.waitFor(new RegExp(`^\\[bc:${slot}\\] slot ${slot} got \\{"from":0,"hello":"peers"\\}`), { after: mark });
  }
  assert.equal(c.lines.slice(mark).filter((l) => /slot 0 got \{"from"/.test(l)).length, 0, 'not echoed to the sender');
});
