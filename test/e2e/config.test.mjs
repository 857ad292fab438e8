// `cohort start FILE`: PM2 ecosystem files and cohort.config.{json,yaml,toml}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { apps, cli, freePort, get, tempHome, waitUntil } from './harness.mjs';

function setup(t) {
  const home = tempHome();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-eco-'));
  const env = { ...process.env, COHORT_HOME: home };
  t.after(async () => {
    await cli(['kill'], { env });
    rmSync(home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  // The app as PM2's documentation names it: ./app.js next to the config.
  writeFileSync(path.join(dir, 'app.js'), `require(${JSON.stringify(path.join(apps, 'env-echo.js'))});\n`);
  return { dir, env };
}

test('an ecosystem.config.js in the shape of PM2\'s documentation starts the same apps', async (t) => {
  const { dir, env } = setup(t);
  const port = await freePort();
  const file = path.join(dir, 'ecosystem.config.js');
  writeFileSync(file, `module.exports = {
  apps : [{
    name: "app",
    script: "./app.js",
    instances: 2,
    exec_mode: "cluster",
    env: { NODE_ENV: "development", PORT: ${port} },
    env_production: { NODE_ENV: "production" }
  }]
}
`);
  const r = await cli(['start', file, '--env', 'production'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: .*apps\[0\]\.exec_mode: has no meaning under cohort/);
  const info = JSON.parse((await get(port)).body);
  assert.equal(info.cwd, dir, 'cwd defaults to the config file\'s directory');
  assert.equal(info.NODE_ENV, 'production', 'env_production is applied over env with --env production');
  const ls = JSON.parse((await cli(['ls', '--json'], { env })).stdout).apps;
  assert.deepEqual(ls.map((a) => [a.name, a.instances]), [['app', 2]]);
});

test('yaml and toml configs; a bad one names the file and line, and nothing running is touched', async (t) => {
  const { dir, env } = setup(t);
  const p1 = await freePort();
  const p2 = await freePort();
  writeFileSync(path.join(dir, 'cohort.config.yaml'),
    `apps:\n  - name: y\n    script: app.js\n    instances: 2\n    env:\n      PORT: "${p1}"\n      GREETING: from-yaml\n`);
  writeFileSync(path.join(dir, 'cohort.config.toml'),
    `[[apps]]\nname = "t"\nscript = "app.js"\n[apps.env]\nPORT = "${p2}"\nGREETING = "from-toml"\n`);
  for (const f of ['cohort.config.yaml', 'cohort.config.toml']) {
    const r = await cli(['start', path.join(dir, f)], { env });
    assert.equal(r.code, 0, `${f}: ${r.stderr}`);
  }
  assert.equal(JSON.parse((await get(p1)).body).GREETING, 'from-yaml');
  assert.equal(JSON.parse((await get(p2)).body).GREETING, 'from-toml');

  writeFileSync(path.join(dir, 'broken.yaml'), 'apps:\n  - name: z\n   script: [oops\n');
  const bad = await cli(['start', path.join(dir, 'broken.yaml')], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /broken\.yaml:\d+:\d+:/);
  writeFileSync(path.join(dir, 'wrong.json'), JSON.stringify({ apps: [{ script: 'app.js', instances: 'lots' }] }));
  const wrong = await cli(['start', path.join(dir, 'wrong.json')], { env });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /wrong\.json: apps\[0\]\.instances: instances must be a number or 'max'/);
  const ls = JSON.parse((await cli(['ls', '--json'], { env })).stdout).apps;
  assert.deepEqual(ls.map((a) => a.name).sort(), ['t', 'y']);
  assert.equal((await get(p1)).status, 200);
});

test('the ecosystem.config.js of PM2\'s documentation ("Javascript format"), copied as it is, starts the same apps', async (t) => {
  const { dir, env } = setup(t);
  const workerPort = await freePort();
  const apiPort = await freePort();
  // The apps it names, as small servers that say what they were given.
  for (const [file, port] of [['worker.js', 'WORKER_PORT'], ['api.js', 'API_PORT']]) {
    writeFileSync(path.join(dir, file),
      `process.env.PORT = process.env.${port};\nrequire(${JSON.stringify(path.join(apps, 'env-echo.js'))});\n`);
  }
  // From pm2.keymetrics.io/docs/usage/application-declaration/, unchanged.
  writeFileSync(path.join(dir, 'ecosystem.config.js'), `module.exports = {
  apps : [{
    name        : "worker",
    script      : "./worker.js",
    watch       : true,
    env: {
      "NODE_ENV": "development",
    },
    env_production : {
       "NODE_ENV": "production"
    }
  },{
    name       : "api-app",
    script     : "./api.js",
    instances  : 4,
    exec_mode  : "cluster"
  }]
}
`);
  const r = await cli(['start', path.join(dir, 'ecosystem.config.js'), '--env', 'production'],
    { env: { ...env, WORKER_PORT: String(workerPort), API_PORT: String(apiPort) } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /apps\[0\]\.watch: has no meaning under cohort/);
  assert.match(r.stderr, /apps\[1\]\.exec_mode: has no meaning under cohort/);
  const ls = JSON.parse((await cli(['ls', '--json'], { env })).stdout).apps;
  assert.deepEqual(ls.map((a) => [a.name, a.instances, a.workers.length]).sort(), [['api-app', 4, 4], ['worker', 1, 1]]);
  const worker = JSON.parse((await get(workerPort)).body);
  assert.equal(worker.NODE_ENV, 'production');
  assert.equal(worker.cwd, dir);
  const slots = new Set();
  for (let i = 0; i < 8; i++) slots.add(JSON.parse((await get(apiPort)).body).COHORT_INSTANCE);
  assert.deepEqual([...slots].sort(), ['0', '1', '2', '3']);
});
