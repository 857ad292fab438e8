// The built-in store (`cohort store`, `cohort run --store`) driven by real
// Redis clients: redis-cli, ioredis, node-redis (RESP3), connect-redis with
// express-session across workers, socket.io's redis adapter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { Cohort, apps, cli, freePort, get, tempHome, waitUntil } from './harness.mjs';
import { RawClient } from './resp.mjs';

function tempDir() { return mkdtempSync(path.join(tmpdir(), 'cohort-store-')); }

// Starts `cohort store` on a free port; resolves { store, port, dir }.
async function startStore(extra = [], dir = tempDir()) {
  const store = new Cohort(['store', '--port', '0', '--dir', dir, ...extra]);
  const line = await store.waitFor(/ready on 127\.0\.0\.1:(\d+)/);
  const port = Number(line.match(/127\.0\.0\.1:(\d+)/)[1]);
  return { store, port, dir };
}

function redisCli(port, args, input) {
  return new Promise((resolve) => {
    const p = execFile('redis-cli', ['-p', String(port), ...args], (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
    if (input !== undefined) p.stdin.end(input);
  });
}

test('redis-cli: commands, pipe mode and errors', async () => {
  const { store, port, dir } = await startStore();
  try {
    assert.equal((await redisCli(port, ['SET', 'greeting', 'hello world'])).stdout, 'OK\n');
    assert.equal((await redisCli(port, ['GET', 'greeting'])).stdout, 'hello world\n');
    assert.equal((await redisCli(port, ['INCRBY', 'n', '5'])).stdout, '5\n');
    assert.match((await redisCli(port, ['LPUSH', 'greeting', 'x'])).stdout, /WRONGTYPE/);
    // --pipe sends a raw mass-insert stream and counts the replies.
    const lines = Array.from({ length: 1000 }, (_, i) => `SET key:${i} ${i}\r\n`).join('');
    const piped = await redisCli(port, ['--pipe'], lines);
    assert.match(piped.stdout, /errors: 0, replies: 1000/);
    assert.equal((await redisCli(port, ['DBSIZE'])).stdout, '1002\n');
    assert.match((await redisCli(port, ['INFO', 'keyspace'])).stdout, /db0:keys=1002,expires=0/);
  } finally {
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ioredis: strings, hashes, pipelines, transactions, pub/sub, blocking pops', async () => {
  const { store, port, dir } = await startStore();
  const r = new Redis(port);
  const sub = new Redis(port);
  try {
    await r.set('a', '1', 'EX', 100);
    assert.equal(await r.get('a'), '1');
    assert.ok((await r.ttl('a')) > 98);
    await r.hset('user:1', { name: 'ada', visits: 1 });
    assert.equal(await r.hincrby('user:1', 'visits', 2), 3);
    assert.deepEqual(await r.hgetall('user:1'), { name: 'ada', visits: '3' });
    const results = await r.pipeline().incr('c').incr('c').get('c').exec();
    assert.deepEqual(results.map(([, v]) => v), [1, 2, '2']);
    const tx = await r.multi().set('t', 'x').get('t').exec();
    assert.deepEqual(tx.map(([, v]) => v), ['OK', 'x']);
    await r.zadd('board', 10, 'ann', 20, 'bob', 15, 'cy');
    assert.deepEqual(await r.zrevrange('board', 0, 1, 'WITHSCORES'), ['bob', '20', 'cy', '15']);

    const got = new Promise((resolve) => sub.on('message', (ch, msg) => resolve([ch, msg])));
    await sub.subscribe('news');
    assert.equal(await r.publish('news', 'hi'), 1);
    assert.deepEqual(await got, ['news', 'hi']);

    const blocked = new Redis(port);
    const popped = blocked.blpop('jobs', 5);
    await waitUntil(async () => /blocked_clients:1/.test(await r.info('clients')), { what: 'BLPOP to block' });
    await r.rpush('jobs', 'job-1');
    assert.deepEqual(await popped, ['jobs', 'job-1']);
    blocked.disconnect();

    const keys = [];
    for await (const batch of r.scanStream({ match: 'user:*', count: 10 })) keys.push(...batch);
    assert.deepEqual(keys, ['user:1']);
  } finally {
    r.disconnect();
    sub.disconnect();
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('node-redis over RESP3 (HELLO 3) and RESP2', async () => {
  const { store, port, dir } = await startStore();
  try {
    for (const RESP of [3, 2]) {
      const c = createClient({ url: `redis://127.0.0.1:${port}`, RESP });
      await c.connect();
      await c.hSet(`h${RESP}`, { a: '1', b: '2' });
      assert.deepEqual({ ...(await c.hGetAll(`h${RESP}`)) }, { a: '1', b: '2' });
      await c.zAdd(`z${RESP}`, [{ score: 1.5, value: 'm' }]);
      assert.equal(await c.zScore(`z${RESP}`, 'm'), 1.5);
      assert.equal(await c.set(`k${RESP}`, 'v', { NX: true, PX: 1000 }), 'OK');
      assert.equal(await c.get(`missing${RESP}`), null);
      const sub = c.duplicate();
      await sub.connect();
      let onMessage;
      const message = new Promise((resolve) => { onMessage = resolve; });
      await sub.subscribe('ch', onMessage); // resolves once the store confirmed
      await c.publish('ch', `resp${RESP}`);
      assert.equal(await message, `resp${RESP}`);
      await sub.quit();
      await c.quit();
    }
    // The store saw the RESP3 handshake.
    const raw = await RawClient.connect(port);
    assert.match(await raw.send(['HELLO', '3']), /^%7\r\n\$6\r\nserver\r\n/);
    await raw.close();
  } finally {
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('garbage on the wire closes that client only', async () => {
  const { store, port, dir } = await startStore();
  try {
    const good = await RawClient.connect(port);
    assert.equal(await good.send(['SET', 'k', 'v']), '+OK\r\n');
    for (const garbage of ['*x\r\n', '*1\r\n:5\r\n', '*1\r\n$-2\r\n', 'GET "unbalanced\r\n']) {
      const bad = await RawClient.connect(port);
      bad.write(garbage);
      assert.match(await bad.next(), /^-ERR Protocol error: /);
      await bad.closed; // the store hung up on it
    }
    const huge = await RawClient.connect(port);
    huge.write('x'.repeat(70 * 1024));
    assert.equal(await huge.next(), '-ERR Protocol error: too big inline request\r\n');
    await huge.closed;
    assert.equal(await good.send(['GET', 'k']), '$1\r\nv\r\n');
    await good.close();
  } finally {
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--requirepass: nothing works before AUTH', async () => {
  const { store, port, dir } = await startStore(['--requirepass', 's3cret']);
  try {
    const c = await RawClient.connect(port);
    assert.equal(await c.send(['GET', 'k']), '-NOAUTH Authentication required.\r\n');
    assert.equal(await c.send(['AUTH', 'nope']), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.equal(await c.send(['AUTH', 's3cret']), '+OK\r\n');
    assert.equal(await c.send(['GET', 'k']), '$-1\r\n');
    await c.close();
    const r = new Redis({ port, password: 's3cret' });
    assert.equal(await r.ping(), 'PONG');
    r.disconnect();
  } finally {
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kill -9 with appendfsync always loses no acknowledged write', async () => {
  const dir = tempDir();
  const first = await startStore(['--appendfsync', 'always'], dir);
  const r = new Redis(first.port);
  const acknowledged = [];
  // 2,000 writes from 20 concurrent clients' worth of pipelining; record each ack.
  await Promise.all(Array.from({ length: 20 }, async (_, c) => {
    for (let i = 0; i < 100; i++) {
      const key = `w:${c}:${i}`;
      await r.set(key, `${c}-${i}`);
      acknowledged.push(key);
    }
  }));
  first.store.proc.kill('SIGKILL');
  await first.store.exited;
  r.disconnect();
  assert.equal(acknowledged.length, 2000);
  const second = await startStore(['--appendfsync', 'always'], dir);
  const r2 = new Redis(second.port);
  try {
    const values = await r2.mget(acknowledged);
    const missing = acknowledged.filter((k, i) => values[i] !== k.slice(2).replace(':', '-'));
    assert.deepEqual(missing, []);
  } finally {
    r2.disconnect();
    await second.store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run --store: express-session with connect-redis keeps a login across 2 workers without stickiness', async () => {
  const port = await freePort();
  const app = new Cohort(['run', 'store-sessions.js', '-i', '2', '--store'], { env: { PORT: String(port) } });
  try {
    await app.waitReady(2);
    const login = await get(port, { path: '/login?user=ada' });
    const cookie = login.headers['set-cookie'][0].split(';')[0];
    const pids = new Set();
    let ok = 0;
    for (let i = 0; i < 100; i++) {
      const r = await get(port, { path: '/me', headers: { cookie } });
      const body = JSON.parse(r.body);
      pids.add(body.pid);
      if (body.user === 'ada' && body.views === i + 1) ok++;
    }
    assert.equal(pids.size, 2, 'requests reached both workers');
    assert.equal(ok, 100);
    const ls = await app.cli(['ls']);
    assert.match(ls.stdout, /store pid \d+ on 127\.0\.0\.1:\d+/);
  } finally {
    await app.stop();
  }
});

test('run --store: socket.io with the redis adapter reaches clients on the other worker', async () => {
  const { io } = await import('socket.io-client');
  const port = await freePort();
  const app = new Cohort(['run', 'store-socketio.js', '-i', '2', '--store'], { env: { PORT: String(port) } });
  const clients = [];
  try {
    await app.waitReady(2);
    // Websocket-only clients need no stickiness; connect until both workers have one.
    const byPid = new Map();
    for (let i = 0; i < 40 && byPid.size < 2; i++) {
      const s = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true });
      clients.push(s);
      const pid = await new Promise((resolve) => s.on('hello', resolve));
      if (!byPid.has(pid)) byPid.set(pid, s);
    }
    assert.equal(byPid.size, 2);
    const [a, b] = [...byPid.values()];
    const received = new Promise((resolve) => b.on('chat', resolve));
    a.emit('say', 'across workers');
    assert.deepEqual(await received, { text: 'across workers' });
  } finally {
    for (const s of clients) s.close();
    await app.stop();
  }
});

test('run --store: rate-limit-redis (Lua scripts) enforces one limit across workers', async () => {
  const port = await freePort();
  const app = new Cohort(['run', 'store-ratelimit.js', '-i', '2', '--store'], { env: { PORT: String(port) } });
  try {
    await app.waitReady(2);
    const statuses = [];
    const pids = new Set();
    for (let i = 0; i < 8; i++) {
      const r = await get(port);
      statuses.push(r.status);
      if (r.status === 200) pids.add(JSON.parse(r.body).pid);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    assert.equal(pids.size, 2, 'the allowed requests were served by both workers');
  } finally {
    await app.stop();
  }
});

test('the store restarts after kill -9 under run --store and keeps its data', async () => {
  const port = await freePort();
  const app = new Cohort(['run', 'store-counter.js', '-i', '2', '--store'], { env: { PORT: String(port) } });
  try {
    await app.waitReady(2);
    for (let i = 1; i <= 5; i++) assert.equal(JSON.parse((await get(port)).body).hits, i);
    const pid = Number((await app.waitFor(/store \(pid (\d+)\) ready/)).match(/pid (\d+)/)[1]);
    const mark = app.mark();
    process.kill(pid, 'SIGKILL');
    await app.waitFor(/store \(pid \d+\) ready/, { after: mark });
    // ioredis reconnects by itself; the count goes on.
    let hits = 0;
    for (let i = 0; i < 50 && hits === 0; i++) {
      const r = await get(port);
      if (r.status === 200) hits = JSON.parse(r.body).hits;
    }
    assert.equal(hits, 6);
  } finally {
    await app.stop();
  }
});

test('cohort start --store: the daemon runs the store too; data survives restart and kill/resurrect', async (t) => {
  const port = await freePort();
  const home = tempHome();
  const env = { ...process.env, COHORT_HOME: home, PORT: String(port) };
  t.after(async () => {
    await cli(['kill'], { env });
    rmSync(home, { recursive: true, force: true });
  });
  const started = await cli(['start', path.join(apps, 'store-counter.js'), '-i', '2', '--store', '--name', 'ctr'], { env });
  assert.equal(started.code, 0, started.stderr);
  assert.equal(JSON.parse((await get(port)).body).hits, 1);
  const [app] = JSON.parse((await cli(['ls', '--json'], { env })).stdout).apps;
  assert.ok(app.store.pid > 0 && app.store.port > 0, JSON.stringify(app.store));
  assert.equal((await cli(['restart', 'ctr'], { env })).code, 0);
  assert.equal(JSON.parse((await get(port)).body).hits, 2);
  assert.equal((await cli(['kill'], { env })).code, 0);
  assert.equal((await cli(['resurrect'], { env })).code, 0);
  let hits = 0;
  await waitUntil(async () => {
    const r = await get(port).catch(() => null);
    if (r?.status === 200) hits = JSON.parse(r.body).hits;
    return hits > 0;
  }, { what: 'the resurrected app to answer' });
  assert.equal(hits, 3);
});

test('run --store redis://URL: workers use that store; one that is down is an error before any worker starts', async () => {
  const down = new Cohort(['run', 'store-counter.js', '--store', 'redis://127.0.0.1:1'], { env: { PORT: String(await freePort()) } });
  const { code } = await down.exited;
  assert.equal(code, 1);
  assert.ok(down.lines.some((l) => /cannot reach the store redis:\/\/127\.0\.0\.1:1: connect 127\.0\.0\.1:1: Connection refused/.test(l)), down.lines.join('\n'));
  assert.equal(down.count(/started$/), 0);
  await down.stop();

  const external = await startStore();
  const port = await freePort();
  const app = new Cohort(['run', 'store-counter.js', '-i', '2', '--store', `redis://127.0.0.1:${external.port}`], { env: { PORT: String(port) } });
  try {
    await app.waitReady(2);
    assert.equal(JSON.parse((await get(port)).body).hits, 1);
    const r = await RawClient.connect(external.port);
    assert.equal(await r.send(['GET', 'hits']), '$1\r\n1\r\n');
    await r.close();
  } finally {
    await app.stop();
    await external.store.stop();
    rmSync(external.dir, { recursive: true, force: true });
  }
});

test('redis-benchmark runs against the store', async () => {
  const { store, port, dir } = await startStore(['--appendonly', 'no']);
  try {
    const r = spawnSync('redis-benchmark', ['-p', String(port), '-n', '2000', '-c', '10', '-t', 'set,get,incr,lpush,hset', '-q'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const t of ['SET', 'GET', 'INCR', 'LPUSH', 'HSET']) assert.match(r.stdout.replace(/\r/g, '\n'), new RegExp(`${t}: [\\d.]+ requests per second`));
  } finally {
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
