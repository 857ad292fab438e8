// Daemon apps' logs: rotation by size with gzip under a worker that writes a
// lot (no line lost), timestamps, configured paths, `logs --follow` across
// rotations, `flush`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { gunzipSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Cohort, apps, cli, freePort, tempHome, waitUntil } from './harness.mjs';

const logWriter = path.join(apps, 'log-writer.js');

async function daemon(t, extra = {}) {
  const home = tempHome();
  const env = { ...process.env, COHORT_HOME: home, PORT: String(await freePort()), ...extra };
  t.after(async () => {
    await cli(['kill'], { env });
    rmSync(home, { recursive: true, force: true });
  });
  return { home, env, logs: path.join(home, 'logs') };
}

// Rotated files in the order they were rotated: by time, then by the
// sequence number of rotations within one second (none for the first).
function byRotation(a, b) {
  const key = (f) => { const m = f.match(/__([\d_-]+)(?:\.(\d+))?\./); return [m[1], Number(m[2] || 0)]; };
  const [ta, sa] = key(a);
  const [tb, sb] = key(b);
  return ta < tb ? -1 : ta > tb ? 1 : sa - sb;
}

// Every line of a log and its rotated files (oldest first), gzipped or not.
function allLines(dir, stem) {
  const rotated = readdirSync(dir).filter((f) => f.startsWith(`${stem}__`)).sort(byRotation);
  let text = '';
  for (const f of rotated) {
    const bytes = readFileSync(path.join(dir, f));
    text += f.endsWith('.gz') ? gunzipSync(bytes).toString() : bytes.toString();
  }
  text += readFileSync(path.join(dir, `${stem}.log`), 'utf8');
  return { rotated, lines: text.split('\n').filter(Boolean) };
}

// Rotation is done once every rotated file is gzipped (the gzip runs off the daemon's loop).
function tidied(dir) {
  return readdirSync(dir).every((f) => !f.includes('__') || f.endsWith('.log.gz'));
}

// Asks both workers for n lines, and waits until the logs in `dir` have them all.
async function burst(env, tag, n, dir, { stem = 'chat-out', slots = ['0', '1'] } = {}) {
  const r = await cli(['send', 'chat', JSON.stringify({ burst: n, tag })], { env });
  assert.equal(r.code, 0, r.stderr);
  await waitUntil(() => {
    let lines;
    try {
      lines = allLines(dir, stem).lines;
    } catch (e) {
      if (e.code === 'ENOENT') return false;  // gzipped between the listing and the read
      throw e;
    }
    return slots.every((slot) => lines.some((l) => l.includes(`burst ${tag} ${slot} done`)));
  }, { what: `the workers to finish burst ${tag}`, timeoutMs: 30000 });
}

test('rotation by size under a worker writing a lot: files counted, gzipped, no line lost', async (t) => {
  const { env, logs } = await daemon(t);
  const started = await cli(['start', logWriter, '-i', '2', '--name', 'chat', '--time',
    '--log-max-size', '64K', '--log-max-files', '1000', '--log-compress'], { env });
  assert.equal(started.code, 0, started.stderr);
  await burst(env, 'big', 20000, logs);  // 2 x 20,000 lines of ~90 bytes: ~3.5 MB
  await waitUntil(() => tidied(logs), { what: 'every rotated file gzipped' });

  const out = allLines(logs, 'chat-out');
  assert.ok(out.rotated.length >= 30, `${out.rotated.length} rotated files`);
  for (const f of out.rotated) {
    assert.match(f, /^chat-out__\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d(\.\d+)?\.log\.gz$/);
    assert.ok(statSync(path.join(logs, f)).size < 64 * 1024, `${f} is compressed`);
  }
  for (const stem of ['chat-out', 'chat-err']) {
    const { lines } = allLines(logs, stem);
    for (const slot of ['0', '1']) {
      // stdout has 9 of every 10 numbers, stderr the rest: each exactly once, in order.
      const numbers = lines.map((l) => l.match(new RegExp(`\\[chat:${slot}\\] burst big ${slot} (\\d+) `)))
        .filter(Boolean).map((m) => Number(m[1]));
      const want = [...Array(20000).keys()].filter((i) => (stem === 'chat-err') === (i % 10 === 9));
      assert.deepEqual(numbers, want, `${stem} slot ${slot}`);
    }
  }
  const sample = out.lines.find((l) => l.includes('burst big 0 5 '));
  assert.match(sample, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d \[chat:0\] burst big 0 5 x+$/, '--time puts the time first');
});

test('rotation keeps --log-max-files files, the newest', async (t) => {
  const { env, logs } = await daemon(t);
  assert.equal((await cli(['start', logWriter, '-i', '1', '--name', 'chat', '--log-max-size', '32K',
    '--log-max-files', '3'], { env })).code, 0);
  await burst(env, 'k', 5000, logs, { slots: ['0'] });
  await waitUntil(() => readdirSync(logs).filter((f) => f.startsWith('chat-out__')).length === 3,
    { what: 'three rotated stdout files' });
  const { rotated, lines } = allLines(logs, 'chat-out');
  assert.deepEqual(rotated.map((f) => f.endsWith('.gz')), [false, false, false], 'not gzipped without --log-compress');
  assert.ok(lines.length > 3 * 300, `${lines.length} lines kept`);
  const numbers = lines.map((l) => l.match(/burst k 0 (\d+) /)).filter(Boolean).map((m) => Number(m[1]));
  assert.ok(numbers[0] > 1000, 'the oldest lines are gone');
  assert.deepEqual(numbers, [...Array(5000).keys()].filter((i) => i >= numbers[0] && i % 10 !== 9), 'the newest are all there');
});

test('logs --follow streams new lines from every worker and keeps following across rotations', async (t) => {
  const { home, env, logs } = await daemon(t);
  assert.equal((await cli(['start', logWriter, '-i', '2', '--name', 'chat', '--log-max-size', '16K',
    '--log-max-files', '500'], { env })).code, 0);
  const follow = new Cohort(['logs', 'chat', '--out', '--lines', '5'], { home, env });
  t.after(async () => { follow.proc.kill(); await follow.exited; });
  await follow.waitFor(/^==> .*chat-out\.log <==$/);
  assert.equal((await cli(['send', 'chat', '{"say":"hello follower"}'], { env })).code, 0);
  await follow.waitFor(/^\[chat:0\] hello follower$/);
  await follow.waitFor(/^\[chat:1\] hello follower$/);

  const mark = follow.mark();
  await burst(env, 'f', 3000, logs);  // ~30 rotations of chat-out.log
  assert.ok(readdirSync(logs).filter((f) => f.startsWith('chat-out__')).length >= 10, 'it rotated');
  await follow.waitFor(/burst f 0 done/, { after: mark });
  await follow.waitFor(/burst f 1 done/, { after: mark });
  assert.equal((await cli(['send', 'chat', '{"say":"after the rotations"}'], { env })).code, 0);
  await follow.waitFor(/^\[chat:\d\] after the rotations$/, { after: mark });
  const seen = follow.lines.slice(mark);
  for (const slot of ['0', '1']) {
    const n = seen.filter((l) => new RegExp(`^\\[chat:${slot}\\] burst f ${slot} \\d+ `).test(l)).length;
    assert.equal(n, 2700, `every stdout line of slot ${slot} was followed`);
  }
  assert.ok(!seen.some((l) => l.includes('\x1b[')), 'no colors when piped');
});

test('flush empties the logs and their rotated files; configured paths and a combined log', async (t) => {
  const { env, logs } = await daemon(t);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-logs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'cohort.config.yaml'), [
    'apps:',
    '  - name: chat',
    `    script: ${logWriter}`,
    '    instances: 2',
    '    out_file: out/chat.log',     // relative to cwd, the config's directory
    `    error_file: ${dir}/out/chat.err`,
    '    log_file: all.log',
    '    log_max_size: 16K',
    '    log_max_files: 20',
    '    log_date_format: "[at] HH:mm"',
    '',
  ].join('\n'));
  // The directory of a configured file must exist: the error names the file.
  const missing = await cli(['start', path.join(dir, 'cohort.config.yaml')], { env });
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /cannot open the log .*out\/chat\.log/);
  mkdirSync(path.join(dir, 'out'));
  const started = await cli(['start', path.join(dir, 'cohort.config.yaml')], { env });
  assert.equal(started.code, 0, started.stderr);

  await burst(env, 'x', 1000, path.join(dir, 'out'), { stem: 'chat' });
  const outFile = path.join(dir, 'out', 'chat.log');
  assert.match(readFileSync(path.join(dir, 'out', 'chat.err'), 'utf8'), /^at \d\d:\d\d \[chat:\d\] burst x \d \d*9 /m);
  // The combined log rotates too (16K): stderr's lines may all be in a rotated file.
  const combined = allLines(dir, 'all').lines;
  assert.ok(combined.some((l) => / burst x \d \d*9 /.test(l)), 'the combined log has stderr too');
  assert.ok(combined.some((l) => / burst x \d \d*[0-8] /.test(l)), 'the combined log has stdout');
  assert.deepEqual(readdirSync(logs).filter((f) => f.startsWith('chat')), [], 'nothing in the default place');
  const shown = await cli(['logs', 'chat', '--nostream', '--lines', '3'], { env });
  assert.equal(shown.code, 0, shown.stderr);
  assert.ok(shown.stdout.includes(`==> ${outFile} <==`), shown.stdout);
  assert.match(shown.stdout, /burst x \d /);
  assert.ok(readdirSync(path.join(dir, 'out')).some((f) => f.startsWith('chat__')), 'it rotated');

  const flushed = await cli(['flush', 'chat'], { env });
  assert.equal(flushed.code, 0, flushed.stderr);
  assert.match(flushed.stdout, /chat: logs flushed/);
  assert.deepEqual(readdirSync(path.join(dir, 'out')).sort(), ['chat.err', 'chat.log']);
  for (const f of [outFile, path.join(dir, 'all.log')]) assert.equal(statSync(f).size, 0, f);
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('all__')).length, 0);
  const after = await cli(['logs', 'chat', '--nostream'], { env });
  assert.doesNotMatch(after.stdout, /burst/);

  const nope = await cli(['flush', 'nope'], { env });
  assert.equal(nope.code, 1);
  assert.match(nope.stderr, /no app named nope/);
  const unknown = await cli(['logs', 'nope', '--nostream'], { env });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no daemon app named nope/);
});
