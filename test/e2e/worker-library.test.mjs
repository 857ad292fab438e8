// libcohort_worker as a user gets it: `cmake --install` into a prefix, then
// the example compiled as C++17 with nothing but pkg-config's flags, run
// under cohort in balanced mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cohort, cohortBin, freePort, pidsAnswering, root } from './harness.mjs';

test('the installed header, library and cohort-worker.pc build a worker that serves under cohort', async () => {
  const prefix = mkdtempSync(path.join(tmpdir(), 'cohort-install-'));
  try {
    execFileSync('cmake', ['--install', path.dirname(cohortBin), '--prefix', prefix], { stdio: 'pipe' });
    for (const f of ['include/cohort/worker.h', 'lib/libcohort_worker.a', 'lib/pkgconfig/cohort-worker.pc']) {
      assert.ok(existsSync(path.join(prefix, f)), f);
    }
    const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'cohort-worker'], {
      env: { ...process.env, PKG_CONFIG_PATH: path.join(prefix, 'lib/pkgconfig') },
    }).toString().trim().split(/\s+/);
    assert.ok(flags.includes('-lcohort_worker'), flags.join(' '));
    // A library from the ASan+UBSan build needs its runtime at link time, as
    // any user's program built against such a library would.
    const cache = path.join(path.dirname(cohortBin), 'CMakeCache.txt');
    const sanitized = existsSync(cache) && /^COHORT_SANITIZE:BOOL=ON$/m.test(readFileSync(cache, 'utf8'));
    const bin = path.join(prefix, 'hello');
    execFileSync('c++', ['-std=c++17', '-Wall', '-Wextra', '-Werror', ...(sanitized ? ['-fsanitize=address,undefined'] : []),
      '-o', bin, path.join(root, 'examples/hello_server.cc'), ...flags], { stdio: 'pipe', maxBuffer: 64 << 20 });
    const port = await freePort();
    const app = new Cohort(['run', '-i', '2', '--listen', `127.0.0.1:${port}`, '-s', 'least', '--name', 'lib', '--', bin]);
    try {
      await app.waitReady(2);
      assert.equal((await pidsAnswering(port, 20)).size, 2);
    } finally {
      await app.stop();
    }
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});
