// The native section of bench/bench.mjs: a C++ worker (examples/hello_server.cc
// on libcohort_worker) under cohort, in shared mode (LISTEN_FDS: each worker
// accepts) and in rr mode (cohort passes each connection), beside Debian's
// nginx with the same number of worker processes answering a static
// response. New connection per request (`ab -r -c200`), interleaved runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ab, freePort, median, sleep, waitServing } from './common.mjs';

function nginxConf(dir, port, workers) {
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, d));
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, `worker_processes ${workers};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} backlog=511;
    location / { default_type text/plain; return 200 "hello\\n"; }
  }
}
`);
  return conf;
}

async function start(kind, { cohortBin, helloBin, workers }) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-bench-native-'));
  const env = { ...process.env, COHORT_HOME: dir };
  const cmd = kind === 'nginx'
    ? ['nginx', ['-p', dir, '-c', nginxConf(dir, port, workers)]]
    : [cohortBin, ['run', '-i', String(workers), '--listen', `127.0.0.1:${port}`, '--quiet', '--name', 'native',
      ...(kind === 'cohort-rr' ? ['-s', 'rr'] : []), '--', helloBin]];
  const p = spawn(cmd[0], cmd[1], { env, stdio: 'ignore', detached: true });
  await waitServing(port);
  return { port, stop: async () => { try { process.kill(-p.pid, 'SIGKILL'); } catch {} await sleep(300); rmSync(dir, { recursive: true, force: true }); } };
}

export async function nativeSection({ cohortBin, helloBin, runs, seconds, workers }) {
  const missing = ['nginx', 'ab'].filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
  if (!existsSync(helloBin)) missing.push(helloBin);
  if (missing.length) {
    console.log(`native    skipped: ${missing.join(', ')} not found (apt-get install nginx-light; build the examples)`);
    return null;
  }
  const kinds = ['nginx', 'cohort-shared', 'cohort-rr'];
  const rows = Object.fromEntries(kinds.map((k) => [k, []]));
  const servers = {};
  for (const k of kinds) {
    servers[k] = await start(k, { cohortBin, helloBin, workers });
    ab(servers[k].port, { seconds: 2 });  // warm-up
  }
  try {
    for (let i = 0; i < runs; i++) {
      for (const k of kinds) {  // one at a time, interleaved, so drift hits all alike
        const r = ab(servers[k].port, { seconds });
        rows[k].push(r.rps);
        console.log(`native    ${k.padEnd(14)} run ${i + 1}/${runs}: ${r.rps.toFixed(0)} req/s${r.failed ? `, ${r.failed} failed` : ''}`);
      }
    }
  } finally {
    for (const k of kinds) await servers[k].stop();
  }
  const nginx = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.match(/nginx\/([\d.]+)/);
  return { rows, workers, nginx: nginx ? nginx[1] : '?' };
}

export function renderNative(sec, about) {
  const { rows, workers, nginx } = sec.rows;
  const base = median(rows.nginx);
  let md = `## Any program: a C++ worker under cohort vs nginx ${nginx}, hello world, new connection per request, \`ab -r -c200\`\n\n${about(sec.run)}`;
  md += `examples/hello_server.cc on libcohort_worker, ${workers} workers: \`shared\` (each worker accepts from the listening socket it got as LISTEN_FDS) and \`rr\` (cohort accepts and passes each connection over the worker's channel); nginx with ${workers} worker processes returning a static 200. The three run at once and are measured alternately.\n\n`;
  md += '| contender | req/s (median) | min–max | × nginx |\n| --- | ---: | ---: | ---: |\n';
  for (const [k, v] of Object.entries(rows)) {
    md += `| ${k} | ${median(v).toFixed(0)} | ${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)} | ${(median(v) / base).toFixed(2)} |\n`;
  }
  return md + '\n';
}
