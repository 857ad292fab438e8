// cohort haproxy-config writes configs that Debian's HAProxy 2.6 accepts
// (haproxy -c), in every stickiness and forwarding mode; the HAProxy and
// nginx examples in docs/multi-host.md are checked the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli, cohortBin, root } from './harness.mjs';

const haveHaproxy = spawnSync('haproxy', ['-v']).status === 0;
const haveNginx = spawnSync('nginx', ['-v']).status === 0;

function tempDir(t) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-haproxy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function haproxyCheck(file) {
  const r = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
  return { code: r.status, output: r.stdout + r.stderr };
}

// The fenced blocks of a markdown file with the given info string.
function fencedBlocks(file, lang) {
  const text = readFileSync(file, 'utf8');
  const re = new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g');
  return [...text.matchAll(re)].map((m) => m[1]);
}

const variants = [
  ['cookie stickiness, X-Forwarded-For', ['--host', '10.0.0.1:8080', '--host', '10.0.0.2:8080', '--health-port', '9000'],
    [/cookie SERVERID insert indirect nocache/, /server host1 10\.0\.0\.1:8080 check port 9000 cookie host1/,
      /option forwardfor/, /http-reuse never/]],
  ['source stickiness, PROXY v2, own health addresses and names',
    ['--host', '10.0.0.1:8080,health=127.0.0.1:9001,name=a', '--host', '[2001:db8::2]:8080,health=9002,name=b',
      '--sticky', 'source', '--proxy-protocol', '--bind', ':8000', '--check-interval', '500ms', '--fall', '3'],
    [/balance source/, /server a 10\.0\.0\.1:8080 check addr 127\.0\.0\.1 port 9001 send-proxy-v2/,
      /server b \[2001:db8::2\]:8080 check port 9002 send-proxy-v2/, /inter 500ms fall 3 rise 2/]],
  ['no stickiness, stats socket, own cookie and backend names',
    ['--host', '192.0.2.1:80', '--health-port', '9000', '--sticky', 'none', '--stats-socket', '/tmp/cohort-hap.sock',
      '--backend', 'web'],
    [/backend web\n/, /stats socket \/tmp\/cohort-hap\.sock/, /balance roundrobin/]],
];

for (const [name, args, expect] of variants) {
  test(`haproxy-config: ${name}: haproxy -c accepts it`, { skip: !haveHaproxy && 'haproxy is not installed (scripts/setup.sh installs it)' }, async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'haproxy.cfg');
    const r = await cli(['haproxy-config', ...args, '-o', file]);
    assert.equal(r.code, 0, r.stderr);
    const config = readFileSync(file, 'utf8');
    for (const re of expect) assert.match(config, re);
    assert.match(config, /option httpchk GET \/health\n    http-check expect status 200\n/);
    const check = haproxyCheck(file);
    assert.equal(check.code, 0, `${check.output}\n${config}`);
    assert.match(check.output, /Configuration file is valid/);
  });
}

test('haproxy-config prints to stdout and refuses bad hosts and options with the reason', async () => {
  const ok = await cli(['haproxy-config', '--host', '10.0.0.1:8080,health=9000']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^# HAProxy 2\.6 configuration for 1 host\(s\)/);
  assert.match(ok.stdout, /#   cohort haproxy-config --host 10\.0\.0\.1:8080,health=9000\n/);
  for (const [args, re] of [
    [['--host', '10.0.0.1:8080'], /--host 10\.0\.0\.1:8080: no health port/],
    [['--host', '10.0.0.1', '--health-port', '9000'], /--host 10\.0\.0\.1: expected ADDR:PORT/],
    [['--host', '10.0.0.1:80', '--health-port', '9000', '--sticky', 'ip'], /--sticky ip: use cookie, source or none/],
    [['--host', '10.0.0.1:80,name=x', '--host', '10.0.0.2:80,name=x', '--health-port', '9000'], /two hosts are named x/],
    [['--host', '10.0.0.1:80', '--health-port', '9000', '--check-interval', 'soon'], /--check-interval/],
  ]) {
    const r = await cli(['haproxy-config', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, re);
  }
  const none = await cli(['haproxy-config']);
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /--host is required/);
});

test('docs/multi-host.md: its HAProxy config passes haproxy -c', { skip: !haveHaproxy && 'haproxy is not installed' }, (t) => {
  const blocks = fencedBlocks(path.join(root, 'docs/multi-host.md'), 'haproxy');
  assert.ok(blocks.length >= 1, 'the doc has an HAProxy config');
  const dir = tempDir(t);
  const generated = spawnSync(cohortBin, ['haproxy-config', '--host', '10.0.0.1:8080', '--host', '10.0.0.2:8080',
    '--health-port', '9000', '--stats-socket', '/run/haproxy/cohort.sock'], { encoding: 'utf8' });
  assert.equal(blocks[0], generated.stdout, 'the doc shows what the command it gives prints');
  blocks.forEach((block, i) => {
    const file = path.join(dir, `doc-${i}.cfg`);
    writeFileSync(file, block);
    const check = haproxyCheck(file);
    assert.equal(check.code, 0, `${check.output}\n${block}`);
  });
});

test('docs/multi-host.md: its nginx configs pass nginx -t', { skip: !haveNginx && 'nginx is not installed' }, (t) => {
  const blocks = fencedBlocks(path.join(root, 'docs/multi-host.md'), 'nginx');
  assert.ok(blocks.length >= 1, 'the doc has an nginx config');
  const dir = tempDir(t);
  blocks.forEach((block, i) => {
    const file = path.join(dir, `nginx-${i}.conf`);
    // The doc's blocks are `http {}` contents; nginx -t wants a whole file.
    writeFileSync(file, `pid ${dir}/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\naccess_log off;\n${block}\n}\n`);
    const r = spawnSync('nginx', ['-t', '-q', '-e', 'stderr', '-p', dir, '-c', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stderr}\n${block}`);
  });
});
