// What cohort exposes: only the sockets the user asked for listen, nothing
// of the primary's leaks into a worker, and the files and sockets in
// $COHORT_HOME are the owner's alone. (Another user's CLI being refused by
// the control socket: control.test.mjs and daemon.test.mjs; the store's
// --requirepass: store.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { Cohort, freePort, get, sockets } from './harness.mjs';

const mode = (p) => (statSync(p).mode & 0o777).toString(8);
const describe = (list) => list.map((s) => (s.proto === 'unix' ? `unix ${s.path}` : `${s.proto} ${s.address} ${s.port}`)).sort();

test('run --store: the primary listens on the app\'s port and its control socket, the store on loopback and its unix socket, a worker on nothing', async (t) => {
  const port = await freePort();
  const c = new Cohort(['run', 'store-counter.js', '-i', '2', '--store', '--name', 'sec'], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  assert.equal((await get(port)).status, 200);
  const app = JSON.parse((await c.cli(['ls', '--json'])).stdout).apps[0];
  const home = c.home;

  const primary = sockets(c.proc.pid).filter((s) => s.listening);
  assert.deepEqual(describe(primary), [`tcp6 :: ${port}`, `unix ${home}/run/sec.sock`].sort(),
    JSON.stringify(primary));
  const store = sockets(app.store.pid).filter((s) => s.listening);
  assert.deepEqual(describe(store), [`tcp 127.0.0.1 ${app.store.port}`, `unix ${home}/store/sec/store.sock`].sort(),
    JSON.stringify(store));
  for (const w of app.workers) {
    // A round-robin worker gets connections one by one; a listening socket
    // of the primary's in it would take connections past the balancer.
    const ws = sockets(w.pid);
    assert.deepEqual(ws.filter((s) => s.listening), [], `worker ${w.pid}: ${JSON.stringify(ws)}`);
    assert.ok(!ws.some((s) => s.proto === 'unix' && s.path.endsWith('.sock')), `worker ${w.pid} holds a control or store socket`);
  }

  // Owner only, all the way down.
  assert.equal(mode(home), '700');
  for (const dir of ['run', 'store', 'store/sec']) assert.equal(mode(path.join(home, dir)), '700', dir);
  assert.equal(mode(path.join(home, 'store/sec/appendonly.aof')), '600');
  assert.equal(mode(path.join(home, 'store/sec/store.sock')), '600');

  if (process.getuid() !== 0) { t.diagnostic('not root: the check as another user is skipped'); return; }
  if (spawnSync('setpriv', ['--version']).error) { t.diagnostic('no setpriv: the check as another user is skipped'); return; }
  // As "nobody": the store's unix socket and its data cannot be reached.
  const asNobody = (js) => spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', js],
    { encoding: 'utf8' });
  const sock = asNobody(`require('net').connect(${JSON.stringify(app.store.socket)})
    .on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => console.log(e.code));`);
  assert.equal(sock.stdout.trim(), 'EACCES', sock.stderr);
  const data = asNobody(`try { require('fs').readFileSync(${JSON.stringify(path.join(home, 'store/sec/appendonly.aof'))}); console.log('read'); }
    catch (e) { console.log(e.code); }`);
  assert.equal(data.stdout.trim(), 'EACCES', data.stderr);
});
