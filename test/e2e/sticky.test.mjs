// Sticky balancing: the same user reaches the same worker, by client
// address, cookie, header or query parameter, across fresh connections,
// reloads and keys that workers declare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { Cohort, apps, cli, freePort, get } from './harness.mjs';
import path from 'node:path';

async function startSticky(t, args, { app = 'sessions.js', workers = 2, env = {} } = {}) {
  const port = await freePort();
  const c = new Cohort(['run', app, '-i', String(workers), ...args], { env: { PORT: String(port), ...env } });
  t.after(() => c.stop());
  await c.waitReady(workers);
  return { c, port };
}

// For each of `users` users, `each` requests on fresh connections; returns
// user -> set of slots that answered.
async function slotsPerUser(port, requestFor, { users = 40, each = 5 } = {}) {
  const seen = new Map();
  for (let u = 0; u < users; u++) {
    const slots = new Set();
    for (let i = 0; i < each; i++) slots.add(JSON.parse((await get(port, requestFor(u))).body).slot);
    seen.set(u, slots);
  }
  return seen;
}

function assertStickyAndSpread(seen, workers = 2) {
  const perSlot = new Map();
  for (const [user, slots] of seen) {
    assert.equal(slots.size, 1, `user ${user} reached slots ${[...slots]}`);
    const s = [...slots][0];
    perSlot.set(s, (perSlot.get(s) || 0) + 1);
  }
  assert.equal(perSlot.size, workers, `users reached only slots ${[...perSlot.keys()]}`);
  for (const [slot, n] of perSlot) assert.ok(n >= seen.size / workers / 2, `slot ${slot} has only ${n} users`);
}

test('--sticky header: each user stays on one worker, users spread over both', async (t) => {
  const { port } = await startSticky(t, ['--sticky', 'header:X-User-Id']);
  assertStickyAndSpread(await slotsPerUser(port, (u) => ({ headers: { 'x-user-id': `user-${u}` } })));
  // Without the header, connections are spread round-robin.
  const slots = new Set();
  for (let i = 0; i < 4; i++) slots.add(JSON.parse((await get(port)).body).slot);
  assert.equal(slots.size, 2);
});

test('--sticky cookie: keyed by one cookie among others', async (t) => {
  const { port } = await startSticky(t, ['--sticky', 'cookie:connect.sid']);
  assertStickyAndSpread(await slotsPerUser(port, (u) => ({
    headers: { cookie: `theme=dark; connect.sid=s%3Auser${u}.sig; lang=en` },
  })));
});

test('--sticky query: keyed by a query parameter (engine.io style sid)', async (t) => {
  const { port } = await startSticky(t, ['--sticky', 'query:sid']);
  assertStickyAndSpread(await slotsPerUser(port, (u) => ({ path: `/?EIO=4&transport=polling&sid=S${u}x` })));
});

function curlFrom(address, port, headers = []) {
  return new Promise((resolve, reject) => {
    const args = ['-s', '--interface', address, ...headers.flatMap((h) => ['-H', h]), `http://127.0.0.1:${port}/`];
    execFile('curl', args, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout))));
  });
}

test('--sticky ip: 40 loopback source addresses, each stays on one worker', async (t) => {
  const { port } = await startSticky(t, ['--sticky', 'ip']);
  const seen = new Map();
  for (let u = 0; u < 40; u++) {
    const slots = new Set();
    for (let i = 0; i < 5; i++) slots.add((await curlFrom(`127.0.0.${u + 2}`, port)).slot);
    seen.set(u, slots);
  }
  assertStickyAndSpread(seen);
});

test('--trust-proxy: behind a trusted proxy, X-Forwarded-For is the client', async (t) => {
  const { port } = await startSticky(t, ['--sticky', 'ip', '--trust-proxy', '127.0.0.1']);
  // One proxy address, 40 clients behind it.
  const seen = new Map();
  for (let u = 0; u < 40; u++) {
    const slots = new Set();
    for (let i = 0; i < 5; i++) {
      slots.add((await curlFrom('127.0.0.1', port, [`X-Forwarded-For: 198.51.100.${u + 1}`])).slot);
    }
    seen.set(u, slots);
  }
  assertStickyAndSpread(seen);
  // An untrusted peer's X-Forwarded-For is ignored: all its "clients" are one.
  const fromUntrusted = new Set();
  for (let u = 0; u < 10; u++) {
    fromUntrusted.add((await curlFrom('127.0.0.9', port, [`X-Forwarded-For: 198.51.100.${u + 1}`])).slot);
  }
  assert.equal(fromUntrusted.size, 1);
});

test('--trust-proxy: a PROXY protocol header names the client and never reaches the app', async (t) => {
  const { port } = await startSticky(t, ['--sticky', 'ip', '--trust-proxy', 'loopback']);
  const viaProxy = (client) => new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.end(`PROXY TCP4 ${client} 127.0.0.1 40000 ${port}\r\nGET / HTTP/1.0\r\nHost: x\r\n\r\n`);
    });
    let data = '';
    s.on('data', (d) => (data += d));
    s.on('end', () => {
      const body = data.slice(data.indexOf('\r\n\r\n') + 4);
      if (!/^HTTP\/1.1 200/.test(data)) reject(new Error(`unexpected answer: ${data}`));
      else resolve(JSON.parse(body).slot);
    });
    s.on('error', reject);
  });
  const seen = new Map();
  for (let u = 0; u < 40; u++) {
    const slots = new Set();
    for (let i = 0; i < 3; i++) slots.add(await viaProxy(`203.0.113.${u + 1}`));
    seen.set(u, slots);
  }
  assertStickyAndSpread(seen);
});

test('a rolling reload keeps every user on the same slot', async (t) => {
  const { c, port } = await startSticky(t, ['--sticky', 'header:X-User-Id']);
  const req = (u) => ({ headers: { 'x-user-id': `u${u}` } });
  const before = await slotsPerUser(port, req, { users: 20, each: 1 });
  const pidsBefore = new Set((await Promise.all([0, 1, 2, 3].map((u) => get(port, req(u))))).map((r) => JSON.parse(r.body).pid));
  const r = await c.cli(['reload', 'sessions']);
  assert.equal(r.code, 0, r.stderr);
  const after = await slotsPerUser(port, req, { users: 20, each: 2 });
  for (const [u, slots] of after) assert.deepEqual([...slots], [...before.get(u)], `user ${u} moved`);
  const pidsAfter = new Set((await Promise.all([0, 1, 2, 3].map((u) => get(port, req(u))))).map((r) => JSON.parse(r.body).pid));
  for (const pid of pidsAfter) assert.ok(!pidsBefore.has(pid), 'the workers were replaced');
});

// 20 users log in (fresh connection each), then fetch /me 5 times each.
async function sessionsFound(port) {
  let found = 0, total = 0;
  for (let u = 0; u < 20; u++) {
    const login = await get(port, { path: `/login?user=u${u}` });
    const cookie = login.headers['set-cookie'][0].split(';')[0];
    for (let i = 0; i < 5; i++) {
      const me = JSON.parse((await get(port, { path: '/me', headers: { cookie } })).body);
      total++;
      if (me.user === `u${u}`) found++;
    }
  }
  return found / total;
}

test('declared keys: every follow-up finds its in-memory session; without sticky about half do not', async (t) => {
  const sticky = await startSticky(t, ['--sticky', 'cookie:sid'], { env: { DECLARE: '1' } });
  assert.equal(await sessionsFound(sticky.port), 1);
  const plain = await startSticky(t, [], { env: { DECLARE: '1' } });
  const ratio = await sessionsFound(plain.port);
  assert.ok(ratio < 0.8, `without --sticky ${ratio * 100}% found their session; the test would prove nothing`);
});

test('slow and silent clients do not hold up others', async (t) => {
  const { c, port } = await startSticky(t, ['--sticky', 'header:X-User-Id', '--sticky-timeout', '60s']);
  const slow = [];
  t.after(() => slow.forEach((s) => s.destroy()));
  for (let i = 0; i < 30; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    slow.push(s);
  }
  // Ten more that send one byte at a time, never finishing their head.
  const trickle = slow.slice(0, 10);
  await Promise.all(trickle.map((s) => new Promise((r) => s.once('connect', r))));
  trickle.forEach((s) => s.write('G'));
  const timer = setInterval(() => trickle.forEach((s) => s.write('E')), 200);
  t.after(() => clearInterval(timer));
  for (let u = 0; u < 20; u++) {
    const r = await get(port, { headers: { 'x-user-id': `u${u}` } });
    assert.equal(r.status, 200);
  }
  // The slow ones were still waiting all along.
  const ls = JSON.parse((await c.cli(['ls', '--json'])).stdout);
  assert.equal(ls.apps[0].sticky.waiting, 30);
  assert.equal(ls.apps[0].sticky.keyed, 20);
});

test('bad --sticky and --trust-proxy values are refused with the reason', async () => {
  for (const [args, re] of [
    [['--sticky', 'path:/x'], /unknown sticky mode 'path:\/x'/],
    [['--sticky', 'cookie:'], /name is missing/],
    [['--sticky', 'ip', '--scheduler', 'shared'], /cannot be used with --scheduler shared/],
    [['--trust-proxy', '10.0.0.0/40'], /prefix length/],
  ]) {
    const r = await cli(['run', path.join(apps, 'sessions.js'), ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}`);
    assert.match(r.stderr, re);
  }
});

// Logs in, then asks /me `n` times on fresh connections; the share that
// found the logged-in user.
async function expressLoggedIn(port, n = 100) {
  const login = await get(port, { path: '/login?user=ann' });
  const cookie = login.headers['set-cookie'][0].split(';')[0];
  let found = 0;
  for (let i = 0; i < n; i++) {
    if (JSON.parse((await get(port, { path: '/me', headers: { cookie } })).body).user === 'ann') found++;
  }
  return found / n;
}

test('express-session with its MemoryStore keeps a login across 100 requests with --sticky cookie:connect.sid', async (t) => {
  const sticky = await startSticky(t, ['--sticky', 'cookie:connect.sid'], { app: 'express-sessions.js' });
  assert.equal(await expressLoggedIn(sticky.port), 1);
  const ls = JSON.parse((await sticky.c.cli(['ls', '--json'])).stdout);
  assert.equal(ls.apps[0].sticky.declared_keys, 1, 'the worker declared the session cookie');
  // The same app without stickiness loses the login on the other worker.
  const plain = await startSticky(t, [], { app: 'express-sessions.js' });
  const ratio = await expressLoggedIn(plain.port);
  assert.ok(ratio < 0.8, `without --sticky ${ratio * 100}% of requests were logged in`);
});

// One socket.io client: connects, waits for the WebSocket upgrade, then
// exchanges 3 messages. Resolves with the slots that answered; rejects on
// any error (e.g. "Session ID unknown" when a request reached another worker).
async function socketioSession(port) {
  const { io } = await import('socket.io-client');
  const sock = io(`http://127.0.0.1:${port}`, { reconnection: false, forceNew: true, timeout: 5000 });
  try {
    await new Promise((resolve, reject) => {
      sock.on('connect', resolve);
      sock.on('connect_error', reject);
    });
    const engine = sock.io.engine;
    if (engine.transport.name !== 'websocket') {
      await new Promise((resolve, reject) => {
        engine.once('upgrade', resolve);
        engine.once('upgradeError', reject);
        sock.on('disconnect', (why) => reject(new Error(`disconnected: ${why}`)));
      });
    }
    const slots = new Set();
    for (let n = 0; n < 3; n++) {
      const r = await sock.timeout(5000).emitWithAck('hello', n);
      assert.equal(r.n, n);
      assert.equal(r.transport, 'websocket');
      slots.add(r.slot);
    }
    return slots;
  } finally {
    sock.close();
  }
}

test('socket.io with polling then upgrade: 20 clients connect and talk with --sticky query:sid + declared ids', async (t) => {
  const { port } = await startSticky(t, ['--sticky', 'query:sid'], { app: 'socketio.js', env: { DECLARE: '1' } });
  const all = new Set();
  for (let i = 0; i < 20; i++) {
    const slots = await socketioSession(port);
    assert.equal(slots.size, 1);
    all.add([...slots][0]);
  }
  assert.equal(all.size, 2, 'clients were spread over both workers');
});

test('socket.io: 20 clients connect and talk with --sticky ip; without stickiness they fail', async (t) => {
  const sticky = await startSticky(t, ['--sticky', 'ip'], { app: 'socketio.js' });
  for (let i = 0; i < 20; i++) assert.equal((await socketioSession(sticky.port)).size, 1);
  const plain = await startSticky(t, [], { app: 'socketio.js' });
  let failed = 0;
  for (let i = 0; i < 20; i++) await socketioSession(plain.port).catch(() => failed++);
  assert.ok(failed >= 5, `only ${failed} of 20 clients failed without stickiness`);
});
