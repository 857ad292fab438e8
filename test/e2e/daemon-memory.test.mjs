// The daemon's own memory: small with 3 apps x 2 workers, and no growth over
// 1,000 CLI calls (PM2's daemon takes 66 MB and its users report growth).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { apps, cli, controlCall as call, freePort, memoryKb as status, tempHome, underAsan } from './harness.mjs';

test('the daemon with 3 apps x 2 workers stays small and does not grow over 1,000 CLI calls', async (t) => {
  const home = tempHome();
  const env = { ...process.env, COHORT_HOME: home };
  t.after(async () => {
    await cli(['kill'], { env });
    rmSync(home, { recursive: true, force: true });
  });
  for (const name of ['a', 'b', 'c']) {
    const r = await cli(['start', path.join(apps, 'hello.js'), '-i', '2', '--name', name],
      { env: { ...env, PORT: String(await freePort()) } });
    assert.equal(r.code, 0, r.stderr);
  }
  const socket = path.join(home, 'run/daemon.sock');
  const { pid } = await call(socket, { cmd: 'ping' });
  // What the CLI sends, read-only and erroneous requests alike.
  const requests = [{ cmd: 'ls' }, { cmd: 'ping' }, { cmd: 'send', app: 'a', data: { hello: 1 } },
    { cmd: 'scale', app: 'b', instances: 2 }, { cmd: 'reload', app: 'nope' }, { cmd: 'frobnicate' }, 'not json\n'];
  const calls = async (n) => {
    for (let i = 0; i < n; i++) {
      const r = await call(socket, requests[i % requests.length]);
      assert.equal(typeof r.ok, 'boolean');
    }
  };
  await calls(300);  // warm up: code paths touched once, allocator arenas settled
  for (let i = 0; i < 20; i++) assert.equal((await cli(['ls'], { env })).code, 0);
  const before = status(pid);
  await calls(980);
  for (let i = 0; i < 20; i++) assert.equal((await cli(['ls'], { env })).code, 0);
  const after = status(pid);
  // Under ASan (besides its quarantine) the allocator grows by ~150 kB over
  // these calls, where glibc's grows by 0.
  if (underAsan) return;
  // Less than 100 bytes a call: a leak of any per-request object would show.
  assert.ok(after.anon - before.anon < 100, `anonymous memory grew from ${before.anon} to ${after.anon} kB`);
  assert.ok(after.rss < 8 * 1024, `the daemon's RSS is ${after.rss} kB`);
});
