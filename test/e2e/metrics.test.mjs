// --metrics: the Prometheus endpoint of `cohort run` and of the daemon, read
// with curl and checked against the text exposition format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Cohort, apps, cli, freePort, get, tempHome, waitUntil } from './harness.mjs';

function curl(url, extra = []) {
  return new Promise((resolve) => {
    execFile('curl', ['-s', '-i', '--max-time', '10', ...extra, url], (error, stdout) => {
      const [head, ...body] = stdout.split('\r\n\r\n');
      resolve({ code: error ? error.code : 0, status: Number(head.split(' ')[1]), head, body: body.join('\r\n\r\n') });
    });
  });
}

// A parser for the text format (version 0.0.4): checks every line and
// returns {families: {name: type}, samples: [{name, labels, value}]}.
function parseExposition(text) {
  assert.ok(text.endsWith('\n'), 'the document ends with a newline');
  const families = {};
  const samples = [];
  const seen = new Set();
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  for (const line of text.slice(0, -1).split('\n')) {
    let m;
    if ((m = line.match(new RegExp(`^# HELP (${name}) (.*)$`)))) continue;
    if ((m = line.match(new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`)))) {
      assert.equal(families[m[1]], undefined, `TYPE of ${m[1]} given twice`);
      families[m[1]] = m[2];
      continue;
    }
    m = line.match(new RegExp(`^(${name})(?:\\{(.*)\\})? (\\S+)$`));
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const labels = {};
    if (m[2]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
      let lm;
      let end = 0;
      while ((lm = re.exec(m[2]))) { labels[lm[1]] = lm[2]; end = re.lastIndex; }
      assert.equal(end, m[2].length, `bad labels in ${line}`);
    }
    assert.ok(families[m[1]], `${m[1]} has no TYPE before its samples`);
    if (families[m[1]] === 'counter') assert.match(m[1], /_total$/);
    const value = Number(m[3]);
    assert.ok(!Number.isNaN(value) || m[3] === 'NaN', `bad value in ${line}`);
    const key = `${m[1]}${JSON.stringify(labels)}`;
    assert.ok(!seen.has(key), `series ${key} twice`);
    seen.add(key);
    samples.push({ name: m[1], labels, value });
  }
  return { families, samples };
}

const find = (doc, name, labels = {}) => doc.samples.filter((s) => s.name === name &&
  Object.entries(labels).every(([k, v]) => s.labels[k] === String(v)));

async function scrape(port) {
  const r = await curl(`http://127.0.0.1:${port}/metrics`);
  assert.equal(r.status, 200, r.head);
  assert.match(r.head, /Content-Type: text\/plain; version=0\.0\.4/);
  return parseExposition(r.body);
}

test('cohort run --metrics: per worker memory, cpu, connections and restarts; reloads; workers by state', async (t) => {
  const port = await freePort();
  const mport = await freePort();
  const c = new Cohort(['run', 'hello.js', '-i', '2', '--name', 'web', '--metrics', `127.0.0.1:${mport}`],
    { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(2);
  await c.waitFor(new RegExp(`metrics on http://127\\.0\\.0\\.1:${mport}/metrics`));
  for (let i = 0; i < 20; i++) await get(port);
  const ls = JSON.parse((await c.cli(['ls', '--json'])).stdout).apps[0];
  let doc;
  await waitUntil(async () => find(doc = await scrape(mport), 'cohort_worker_resident_memory_bytes').length === 2,
    { what: 'a memory sample of both workers' });
  for (const w of ls.workers) {
    const labels = { app: 'web', slot: w.slot, pid: w.pid };
    assert.ok(find(doc, 'cohort_worker_resident_memory_bytes', labels)[0].value > 10e6);
    assert.ok(find(doc, 'cohort_worker_cpu_seconds_total', labels)[0].value > 0);
    assert.equal(find(doc, 'cohort_worker_restarts_total', { app: 'web', slot: w.slot })[0].value, 0);
  }
  const handed = find(doc, 'cohort_worker_connections_handed_total', { app: 'web' }).reduce((n, s) => n + s.value, 0);
  assert.ok(handed >= 20, `handed ${handed}`);
  assert.equal(find(doc, 'cohort_connections_handed_total', { app: 'web' })[0].value, handed);
  assert.equal(find(doc, 'cohort_workers', { app: 'web', state: 'ready' })[0].value, 2);
  assert.equal(find(doc, 'cohort_connections_queued', { app: 'web' })[0].value, 0);
  assert.equal(find(doc, 'cohort_app_status', { app: 'web', status: 'running' })[0].value, 1);
  assert.equal(doc.families.process_resident_memory_bytes, 'gauge');
  assert.ok(find(doc, 'process_resident_memory_bytes')[0].value > 1e6);

  assert.equal((await c.cli(['reload', 'web'])).code, 0);
  const serving = JSON.parse((await c.cli(['ls', '--json'])).stdout).apps[0].workers.find((w) => w.state === 'ready');
  process.kill(serving.pid, 'SIGKILL');  // not a worker the reload retired: that one is leaving anyway
  await waitUntil(async () => {
    doc = await scrape(mport);
    return find(doc, 'cohort_worker_restarts_total', { app: 'web' }).some((s) => s.value === 1) &&
      find(doc, 'cohort_workers', { app: 'web', state: 'ready' })[0].value === 2;
  }, { what: 'the restart in the metrics' });
  assert.equal(find(doc, 'cohort_reloads_total', { app: 'web', outcome: 'succeeded' })[0].value, 1);
  assert.equal(find(doc, 'cohort_reloads_total', { app: 'web', outcome: 'failed' })[0].value, 0);
});

test('the metrics endpoint answers 404, 405 and 400 to the rest and the app does not notice', async (t) => {
  const port = await freePort();
  const mport = await freePort();
  const c = new Cohort(['run', 'hello.js', '--metrics', String(mport)], { env: { PORT: String(port) } });
  t.after(() => c.stop());
  await c.waitReady(1);
  await c.waitFor(/metrics on/);
  assert.equal((await curl(`http://127.0.0.1:${mport}/`)).status, 404);
  assert.equal((await curl(`http://127.0.0.1:${mport}/metrics`, ['-X', 'POST'])).status, 405);
  const garbage = await new Promise((resolve, reject) => {
    const s = net.connect(mport, '127.0.0.1', () => s.write('\x16\x03\x01\x00\xa5 not http at all\r\n\r\n'));
    let got = '';
    s.on('data', (d) => (got += d));
    s.on('end', () => resolve(got));
    s.on('error', reject);
  });
  assert.match(garbage, /^HTTP\/1\.1 400 Bad Request\r\n/);
  const huge = await curl(`http://127.0.0.1:${mport}/metrics`, ['-H', `X-Big: ${'x'.repeat(9000)}`]);
  assert.equal(huge.status, 431);
  // Slow and silent clients do not hold the endpoint up.
  const idle = Array.from({ length: 10 }, () => net.connect(mport, '127.0.0.1'));
  t.after(() => idle.forEach((s) => s.destroy()));
  parseExposition((await curl(`http://127.0.0.1:${mport}/metrics`)).body);
  assert.equal((await get(port)).status, 200);
});

test('--metrics refuses an address other than loopback unless it says public:', async (t) => {
  const home = tempHome();
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const env = { ...process.env, COHORT_HOME: home };
  const port = await freePort();
  const r = await cli(['run', path.join(apps, 'hello.js'), '--metrics', `0.0.0.0:${port}`], { env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`--metrics 0\\.0\\.0\\.0:${port}: 0\\.0\\.0\\.0 is not a loopback address.*public:0\\.0\\.0\\.0:${port}`));
  const bad = await cli(['start', path.join(apps, 'hello.js'), '--metrics', 'nine'], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--metrics nine: expected PORT/);
});

test('the daemon serves every app\'s metrics: start --metrics, or COHORT_METRICS when it starts', async (t) => {
  const home = tempHome();
  const mport = await freePort();
  const env = { ...process.env, COHORT_HOME: home, COHORT_METRICS: `127.0.0.1:${mport}` };
  t.after(async () => {
    await cli(['kill'], { env });
    rmSync(home, { recursive: true, force: true });
  });
  const one = await cli(['start', path.join(apps, 'hello.js'), '-i', '2', '--name', 'one'],
    { env: { ...env, PORT: String(await freePort()) } });
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, new RegExp(`daemon metrics on http://127\\.0\\.0\\.1:${mport}/metrics`));
  const mport2 = await freePort();
  const two = await cli(['start', path.join(apps, 'hello.js'), '--name', 'two', '--metrics', `localhost:${mport2}`],
    { env: { ...env, PORT: String(await freePort()) } });
  assert.equal(two.code, 0, two.stderr);
  await assert.rejects(get(mport, { path: '/metrics' }), /ECONNREFUSED/, 'the endpoint moved');
  const doc = await scrape(mport2);
  assert.equal(find(doc, 'cohort_workers', { app: 'one', state: 'ready' })[0].value, 2);
  assert.equal(find(doc, 'cohort_workers', { app: 'two', state: 'ready' })[0].value, 1);
  assert.equal((await cli(['stop', 'two'], { env })).code, 0);
  const after = await scrape(mport2);
  assert.equal(find(after, 'cohort_app_status', { app: 'two', status: 'stopped' })[0].value, 1);
});

test('the daemon\'s metrics address comes back with its apps: kill, then resurrect', async (t) => {
  const home = tempHome();
  const env = { ...process.env, COHORT_HOME: home };
  delete env.COHORT_METRICS;
  t.after(async () => {
    await cli(['kill'], { env });
    rmSync(home, { recursive: true, force: true });
  });
  const mport = await freePort();
  const start = await cli(['start', path.join(apps, 'hello.js'), '--name', 'web', '--metrics', `127.0.0.1:${mport}`],
    { env: { ...env, PORT: String(await freePort()) } });
  assert.equal(start.code, 0, start.stderr);
  assert.equal((await cli(['kill'], { env })).code, 0);
  await assert.rejects(get(mport, { path: '/metrics' }), /ECONNREFUSED/, 'the endpoint went with the daemon');
  const back = await cli(['resurrect'], { env });
  assert.equal(back.code, 0, back.stderr);
  const doc = await scrape(mport);
  assert.equal(find(doc, 'cohort_workers', { app: 'web', state: 'ready' })[0].value, 1);
});
