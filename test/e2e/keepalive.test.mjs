// Keep-alive connections across rolling reloads: a leaving worker's
// connections end with a `Connection: close` response (the drain hook cohort
// preloads into Node workers), not with a reset, and the worker leaves as
// soon as they are done instead of being killed at --kill-timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cohort, freePort } from './harness.mjs';
import { keepAliveLoad } from './keepalive-load.mjs';

test('3 rolling reloads under 20 busy keep-alive connections: no request fails, connections are closed with Connection: close', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'hello.js', '-i', '2', '--name', 'ka', '--kill-timeout', '30s'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const load = keepAliveLoad(port, { connections: 20 });
  for (let i = 0; i < 3; i++) {
    const r = await c.cli(['reload', 'ka']);
    assert.equal(r.code, 0, r.stderr);
  }
  // Every replaced worker leaves by itself, long before the 30 s kill timeout.
  const deadline = Date.now() + 15000;
  while (c.count(/: exited with code 0$/) < 6 && Date.now() < deadline) {
    await c.waitFor(/: exited with code 0$/, { after: c.mark(), timeoutMs: deadline - Date.now() }).catch(() => {});
  }
  const s = await load.stop();
  t.diagnostic(JSON.stringify(s));
  assert.equal(c.count(/: exited with code 0$/), 6, c.lines.join('\n'));
  assert.equal(c.count(/SIGKILL/), 0);
  assert.equal(s.errors, 0, JSON.stringify(s.errorCodes));
  assert.equal(s.non2xx, 0);
  assert.ok(s.responses > 1000, `only ${s.responses} responses`);
  // Each of the 6 replaced workers closed its share of the 20 connections that way.
  assert.ok(s.connectionClose >= 6, `only ${s.connectionClose} Connection: close responses`);
});
