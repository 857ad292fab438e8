// Rolling reloads under load, many of them in a row: with a new connection
// per request (ab -r -c200) none may fail; with keep-alive connections
// (wrk -c100) the leaving workers close them with `Connection: close` (the
// drain hook), so none may be reset either. COHORT_RELOADS sets how many
// (default 100; --quick: 10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cohort, ab, freePort } from '../e2e/harness.mjs';
import { wrk } from './load.mjs';

const RELOADS = Number(process.env.COHORT_RELOADS || (process.env.COHORT_RELIABILITY_QUICK ? 10 : 100));

async function reloadUnderLoad(t, name, startLoad) {
  const port = await freePort();
  const c = new Cohort(['run', 'hello.js', '-i', '2', '--name', name], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  const load = startLoad(port);
  const started = Date.now();
  for (let i = 0; i < RELOADS; i++) {
    const r = await c.cli(['reload', name]);
    assert.equal(r.code, 0, `reload ${i + 1}: ${r.stderr}`);
  }
  const seconds = (Date.now() - started) / 1000;
  const result = await load.stop();
  // Every worker of every reload was replaced and left by itself.
  assert.equal(c.count(/: replaced, asking it to leave$/), 2 * RELOADS);
  assert.equal(c.count(/SIGKILL/), 0, 'a leaving worker had to be killed');
  return { result, seconds };
}

test(`${RELOADS} rolling reloads under ab -r -c200 (a new connection per request): 0 failed, 0 non-2xx`, async (t) => {
  const { result, seconds } = await reloadUnderLoad(t, 'rl-ab', (port) => {
    const run = ab(`http://127.0.0.1:${port}/`, { concurrency: 200, seconds: 3600, requests: 1e7 });
    return { stop: () => { run.stop(); return run.done; } };
  });
  t.diagnostic(`${RELOADS} reloads in ${seconds.toFixed(0)} s; ${result.complete} requests (${result.rps} req/s), ` +
    `${result.failed} failed, ${result.non2xx} non-2xx`);
  assert.ok(result.complete > RELOADS * 100, result.output);
  assert.equal(result.failed, 0, result.output);
  assert.equal(result.non2xx, 0, result.output);
});

test(`${RELOADS} rolling reloads under wrk -c100 (keep-alive): no socket error, 0 non-2xx`, async (t) => {
  const { result, seconds } = await reloadUnderLoad(t, 'rl-wrk', (port) => wrk(port, { connections: 100 }));
  const e = result.errors;
  t.diagnostic(`${RELOADS} reloads in ${seconds.toFixed(0)} s; ${result.requests} requests (${result.rps} req/s), ` +
    `socket errors: connect ${e.connect}, read ${e.read}, write ${e.write}, timeout ${e.timeout}; ${result.non2xx} non-2xx`);
  assert.ok(result.requests > RELOADS * 100, result.output);
  assert.deepEqual(e, { connect: 0, read: 0, write: 0, timeout: 0 }, result.output);
  assert.equal(result.non2xx, 0, result.output);
});
