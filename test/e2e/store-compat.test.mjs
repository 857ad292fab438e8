// Compatibility with a real redis-server (Debian's): the same command
// sequences get the same replies, byte for byte, from both. Replies whose
// order Redis leaves unspecified (hash-table order) are compared sorted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cohort, freePort } from './harness.mjs';
import { RawClient, replyLength } from './resp.mjs';
import { SEQUENCES } from './store-compat-sequences.mjs';

const haveRedis = spawnSync('redis-server', ['--version']).status === 0;
let redis, redisPort, store, storePort, dir;

before(async () => {
  if (!haveRedis) return;
  dir = mkdtempSync(path.join(tmpdir(), 'cohort-compat-'));
  redisPort = await freePort();
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    redis.stdout.on('data', (d) => { out += d; if (/Ready to accept connections/.test(out)) resolve(); });
    redis.on('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  store = new Cohort(['store', '--port', '0', '--appendonly', 'no']);
  storePort = Number((await store.waitFor(/ready on 127\.0\.0\.1:(\d+)/)).match(/:(\d+);/)[1]);
});

after(async () => {
  if (!haveRedis) return;
  redis.kill('SIGTERM');
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

// The elements of an aggregate reply, sorted, re-joined under its header.
function sorted(reply) {
  const buf = Buffer.from(reply, 'latin1');
  const headerEnd = buf.indexOf('\r\n') + 2;
  if (!'*~%'.includes(reply[0]) || reply.startsWith('*-1')) return reply;
  const items = [];
  for (let p = headerEnd; p < buf.length;) {
    const len = replyLength(buf, p);
    items.push(buf.toString('latin1', p, p + len));
    p += len;
  }
  return reply.slice(0, headerEnd) + items.sort().join('');
}

for (const [name, steps] of Object.entries(SEQUENCES)) {
  test(`same replies as redis-server: ${name}`, { skip: !haveRedis && 'redis-server is not installed' }, async () => {
    const [a, b] = await Promise.all([RawClient.connect(redisPort), RawClient.connect(storePort)]);
    try {
      for (const c of [a, b]) assert.equal(await c.send(['FLUSHALL']), '+OK\r\n');
      for (const step of steps) {
        const { cmd, unordered, firstLine } = Array.isArray(step) ? { cmd: step } : step;
        let [want, got] = await Promise.all([a.send(cmd), b.send(cmd)]);
        if (unordered) [want, got] = [sorted(want), sorted(got)];
        if (firstLine) [want, got] = [want.split('\r\n')[0], got.split('\r\n')[0]];
        assert.equal(JSON.stringify(got), JSON.stringify(want), `${cmd.join(' ')}`);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
}
