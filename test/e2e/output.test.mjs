// Output: a terminal (or pipe) that stops reading never stops the primary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Cohort, apps, freePort, get } from './harness.mjs';

test('stdout nobody reads: requests are still served; lines over the bound are dropped and counted', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', path.join(apps, 'chatty.js'), '-i', '2', '--name', 'chatty'], { env: { PORT: String(port) } });
  t.after(() => { c.proc.stdout.resume(); return c.stop(); });
  await c.waitReady(2);  // events come on stderr, which is read
  c.proc.stdout.pause();  // workers' lines go to stdout: let its pipe fill
  // 100 requests make 50 KB of output each: 5 MB into a 64 KB pipe. A primary
  // blocked on that write would stop handing connections after the first few.
  for (let i = 0; i < 100; i++) {
    const r = await get(port);
    assert.equal(r.status, 200, `request ${i}`);
  }
  assert.equal((await c.cli(['ls', '--json'])).code, 0, 'the primary answers its control socket');
  const mark = c.mark();
  c.proc.stdout.resume();
  const notice = await c.waitFor(/cohort: dropped \d+ lines of output while the terminal was not reading/, { after: mark });
  assert.ok(Number(notice.match(/dropped (\d+)/)[1]) > 0);
  // What was not dropped arrived whole, in order per worker.
  const lines = c.lines.filter((l) => /^\[chatty:\d\] \d+ x{500}$/.test(l));
  assert.ok(lines.length > 1000, `${lines.length} worker lines arrived`);
});
