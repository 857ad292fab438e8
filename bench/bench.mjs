// Side-by-side benchmark: one node process, Node's cluster module (round-robin
// and shared socket), PM2 and cohort (every scheduler), same app, same load,
// one session. Writes bench/results.md, results.json and results.svg (see README.md, Status).
//   node bench/bench.mjs [--quick] [--runs N] [--seconds S] [--workers N] [--only cpu,hello,...]
//   (sections: cpu, hello, keepalive, sticky, mixed, memory, daemons, reload, store, native)
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { storeSection, renderStore } from './store.mjs';
import { nativeSection, renderNative } from './native.mjs';
import { renderChart } from './chart.mjs';
import { ab as abRun, cpuSeconds, freePort, median, parseAb, sh, sleep, waitServing } from './common.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const SECTIONS = 'cpu,hello,keepalive,sticky,mixed,memory,daemons,reload,store,native';
const USAGE = `usage: node bench/bench.mjs [--quick] [--runs N] [--seconds S] [--workers N] [--only SECTION,...]
  sections: ${SECTIONS}
  writes bench/results.md, bench/results.json and bench/results.svg`;
{
  const withValue = new Set(['--runs', '--seconds', '--workers', '--only']);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--help' || args[i] === '-h') { console.log(USAGE); process.exit(0); }
    if (args[i] === '--quick') continue;
    if (withValue.has(args[i]) && i + 1 < args.length) { i++; continue; }
    console.error(`bench: ${withValue.has(args[i]) ? `${args[i]} needs a value` : `unknown option ${args[i]}`}\n${USAGE}`);
    process.exit(2);
  }
}
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const quick = args.includes('--quick');
const RUNS = Number(opt('--runs', quick ? 1 : 3));
const SECS = Number(opt('--seconds', quick ? 4 : 10));
const WORKERS = Number(opt('--workers', os.availableParallelism()));
const ONLY = new Set(opt('--only', SECTIONS).split(','));
for (const o of ONLY) if (!SECTIONS.split(',').includes(o)) { console.error(`bench: unknown section ${o}\n${USAGE}`); process.exit(2); }
const COHORT = process.env.COHORT_BIN || path.join(root, 'build/cohort');
const PM2 = path.join(root, 'node_modules/.bin/pm2');
const APP = path.join(root, 'test/apps/server.js');
const started = [];

function run(cmd, a, env) {
  const p = spawn(cmd, a, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  p.stderr.on('data', () => {});
  started.push(p);
  return p;
}
function killTree(p) { try { process.kill(-p.pid, 'SIGKILL'); } catch {} }

// Each contender: start(port, env, app) -> { primaryPid(), reload(), stop() }
const contenders = {
  single: async (port, env, app = APP) => {
    const p = run('node', [app], { ...env, PORT: port });
    return { primaryPid: () => null, rootPid: () => p.pid, reload: null, stop: async () => killTree(p) };
  },
  'node-rr': (port, env, app) => nodeCluster(port, env, 'rr', app),
  'node-shared': (port, env, app) => nodeCluster(port, env, 'none', app),
  pm2: async (port, env, app = APP) => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'bench-pm2-'));
    const e = { ...process.env, ...env, PORT: String(port), PM2_HOME: home };
    execFileSync(PM2, ['start', app, '-i', String(WORKERS), '--name', 'bench'], { env: e, stdio: 'ignore' });
    return {
      primaryPid: () => Number(readFileSync(path.join(home, 'pm2.pid'), 'utf8')),
      rootPid: () => Number(readFileSync(path.join(home, 'pm2.pid'), 'utf8')),
      reload: async () => execFileSync(PM2, ['reload', 'bench'], { env: e, stdio: 'ignore' }),
      stop: async () => { try { execFileSync(PM2, ['kill'], { env: e, stdio: 'ignore' }); } catch {} rmSync(home, { recursive: true, force: true }); },
    };
  },
  'cohort-rr': (port, env, app) => cohort(port, env, ['-s', 'rr'], app),
  'cohort-least': (port, env, app) => cohort(port, env, ['-s', 'least'], app),
  'cohort-shared': (port, env, app) => cohort(port, env, ['-s', 'shared'], app),
  'cohort-sticky-header': (port, env, app) => cohort(port, env, ['--sticky', 'header:X-User-Id'], app),
  'cohort-sticky-cookie': (port, env, app) => cohort(port, env, ['--sticky', 'cookie:sid'], app),
  'cohort-sticky-query': (port, env, app) => cohort(port, env, ['--sticky', 'query:sid'], app),
};
const CLUSTERS = ['single', 'node-rr', 'node-shared', 'pm2', 'cohort-rr', 'cohort-least', 'cohort-shared'];
async function nodeCluster(port, env, policy, app = APP) {
  const p = run('node', [path.join(root, 'bench/node-cluster.js'), app],
    { ...env, PORT: port, WORKERS: WORKERS, NODE_CLUSTER_SCHED_POLICY: policy });
  return { primaryPid: () => p.pid, rootPid: () => p.pid, reload: async () => { p.kill('SIGUSR2'); await sleep(3000); }, stop: async () => killTree(p) };
}
async function cohort(port, env, options, app = APP) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'bench-cohort-'));
  const p = run(COHORT, ['run', app, '-i', String(WORKERS), ...options, '--name', 'bench', '--quiet'],
    { ...env, PORT: port, COHORT_HOME: home });
  return {
    primaryPid: () => p.pid,
    rootPid: () => p.pid,
    reload: async () => execFileSync(COHORT, ['reload', 'bench'], { env: { ...process.env, COHORT_HOME: home }, stdio: 'ignore' }),
    stop: async () => { killTree(p); rmSync(home, { recursive: true, force: true }); },
  };
}

const ab = (port, o = {}) => abRun(port, { seconds: SECS, ...o });
function abAsync(port, seconds) {
  return new Promise((resolve) => {
    const p = spawn('ab', ['-r', '-q', '-s', '30', '-c', '200', '-t', String(seconds), '-n', '50000000', `http://127.0.0.1:${port}/`]);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', () => {
      if (!/Complete requests/.test(out)) console.error(`ab did not finish normally:\n${out}`);
      resolve(parseAb(out));
    });
  });
}
function wrk(port, { seconds = SECS, connections = 100, script = null } = {}) {
  const a = ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency'];
  if (script) a.push('-s', path.join(root, 'bench', script));
  const out = sh('wrk', [...a, `http://127.0.0.1:${port}/`]);
  const m = out.match(/Requests\/sec:\s+([\d.]+)/);
  const errs = out.match(/Socket errors: (.*)/);
  const ms = (p) => { const x = out.match(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm')); return x ? Number(x[1]) * { us: 1e-3, ms: 1, s: 1e3 }[x[2]] : NaN; };
  return { rps: m ? Number(m[1]) : NaN, errors: errs ? errs[1] : '', complete: Number((out.match(/(\d+) requests in/) || [])[1]),
    p50: ms(50), p99: ms(99) };
}
// CPU seconds of a process and all its descendants (a cluster's primary and workers).
function treeCpuSeconds(pid) {
  let kids = [];
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      kids.push(...readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    }
  } catch { return 0; }
  let sum = 0;
  try { sum = cpuSeconds(pid); } catch {}
  for (const k of kids) sum += treeCpuSeconds(k);
  return sum;
}
function memory(pid) {
  const s = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm')) || [])[1]);
  return { rss: kb('Rss') / 1024, pss: kb('Pss') / 1024, uss: (kb('Private_Clean') + kb('Private_Dirty')) / 1024 };
}
// A daemon with 3 apps x 2 workers (the seed app, light), after 21,000
// connections over the three and 100 listings by its CLI: its memory, and
// how much it grew over the listings.
const DAEMON_CALLS = 100;
async function daemonMemory(kind) {
  const home = mkdtempSync(path.join(os.tmpdir(), `bench-${kind}-`));
  const env = { ...process.env, LOOPS: '0', ...(kind === 'pm2' ? { PM2_HOME: home } : { COHORT_HOME: home }) };
  const cliBin = kind === 'pm2' ? PM2 : COHORT;
  const list = kind === 'pm2' ? ['jlist'] : ['ls', '--json'];
  try {
    const ports = [await freePort(), await freePort(), await freePort()];
    ports.forEach((port, i) => execFileSync(cliBin, ['start', APP, '-i', '2', '--name', `app${i}`],
      { env: { ...env, PORT: String(port) }, stdio: 'ignore' }));
    for (const port of ports) await waitServing(port);
    for (const port of ports) execFileSync('ab', ['-q', '-c', '50', '-n', '7000', `http://127.0.0.1:${port}/`], { stdio: 'ignore' });
    const pid = kind === 'pm2' ? Number(readFileSync(path.join(home, 'pm2.pid'), 'utf8'))
      : JSON.parse(execFileSync(COHORT, ['ls', '--json'], { env, encoding: 'utf8' })).apps[0].primary_pid;
    const before = memory(pid);
    const t0 = Date.now();
    for (let i = 0; i < DAEMON_CALLS; i++) execFileSync(cliBin, list, { env, stdio: 'ignore' });
    const after = memory(pid);
    return { ...after, growth: after.rss - before.rss, callMs: (Date.now() - t0) / DAEMON_CALLS };
  } finally {
    try { execFileSync(cliBin, ['kill'], { env, stdio: 'ignore' }); } catch {}
    rmSync(home, { recursive: true, force: true });
  }
}


async function withContender(name, env, fn, app = APP) {
  const port = await freePort();
  const c = await contenders[name](port, env, app);
  try {
    await waitServing(port);
    return await fn(port, c);
  } finally {
    await c.stop();
    await sleep(300);
  }
}

const results = {};  // workload -> contender -> {values[], extra}
async function throughput(workload, env, measure, { names = CLUSTERS, app = APP } = {}) {
  results[workload] = {};
  for (const name of names) {
    const values = [], p50 = [], p99 = [], cpuUs = [], serverUs = [];
    let extra = '';
    await withContender(name, env, async (port, c) => {
      measure(port, 2);  // warm-up
      for (let i = 0; i < RUNS; i++) {
        const pid = c.primaryPid();
        const cpu0 = pid ? cpuSeconds(pid) : 0;
        const tree0 = treeCpuSeconds(c.rootPid());
        const r = measure(port, SECS);
        values.push(r.rps);
        if (r.p99 >= 0) p50.push(r.p50), p99.push(r.p99);
        extra = '';
        if (workload === 'hello' && r.complete) {
          // Every process of the contender (primary and workers) per request.
          serverUs.push((treeCpuSeconds(c.rootPid()) - tree0) / r.complete * 1e6);
          extra = `server CPU ${serverUs.at(-1).toFixed(0)} µs/req`;
        }
        if (name.startsWith('cohort') && workload !== 'cpu' && r.complete) {
          cpuUs.push((cpuSeconds(pid) - cpu0) / r.complete * 1e6);
          extra += `${extra ? ', ' : ''}primary CPU ${cpuUs.at(-1).toFixed(1)} µs/conn`;
        }
        if (r.failed) extra += ` failed ${r.failed}`;
        if (r.errors) extra += ` ${r.errors}`;
      }
    }, app);
    results[workload][name] = { values, extra, ...(p99.length ? { p50, p99 } : {}), ...(cpuUs.length ? { cpuUs } : {}),
      ...(serverUs.length ? { serverUs } : {}) };
    const lat = p99.length ? ` p50 ${median(p50).toFixed(1)} ms p99 ${median(p99).toFixed(1)} ms` : '';
    console.log(`${workload.padEnd(9)} ${name.padEnd(20)} ${values.map((v) => v.toFixed(0)).join(' / ')} req/s${lat} ${extra}`);
  }
}

async function main() {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.on(sig, () => { started.forEach(killTree); process.exit(code); });
  }
  if (ONLY.has('cpu')) await throughput('cpu', { LOOPS: '1e7' }, (port, s) => ab(port, { seconds: s }));
  if (ONLY.has('hello')) await throughput('hello', { LOOPS: '0' }, (port, s) => ab(port, { seconds: s }));
  if (ONLY.has('keepalive')) await throughput('keepalive', { LOOPS: '0' }, (port, s) => wrk(port, { seconds: s }));
  if (ONLY.has('sticky')) {
    await throughput('sticky', { LOOPS: '0' }, (port, s) => wrk(port, { seconds: s, script: 'users.lua' }),
      { names: ['single', 'node-rr', 'cohort-rr', 'cohort-sticky-header', 'cohort-sticky-cookie', 'cohort-sticky-query'] });
  }
  if (ONLY.has('mixed')) {
    await throughput('mixed', {}, (port, s) => wrk(port, { seconds: s, connections: 50, script: 'mixed.lua' }),
      { names: ['node-rr', 'pm2', 'cohort-rr', 'cohort-least', 'cohort-shared'], app: path.join(root, 'test/apps/mixed.js') });
  }
  const mem = {};
  if (ONLY.has('memory')) {
    for (const name of ['node-rr', 'pm2', 'cohort-rr']) {
      await withContender(name, { LOOPS: '0' }, async (port, c) => {
        ab(port, { seconds: 30, concurrency: 50 }).complete;
        execFileSync('ab', ['-q', '-c', '50', '-n', '20000', `http://127.0.0.1:${port}/`], { stdio: 'ignore' });
        mem[name] = memory(c.primaryPid());
      });
      console.log(`memory    ${name.padEnd(14)} RSS ${mem[name].rss.toFixed(1)} MB, PSS ${mem[name].pss.toFixed(1)} MB, USS ${mem[name].uss.toFixed(1)} MB`);
    }
  }
  const daemons = {};
  if (ONLY.has('daemons')) {
    for (const kind of ['pm2', 'cohort']) {
      daemons[kind] = await daemonMemory(kind);
      const d = daemons[kind];
      console.log(`daemons   ${kind.padEnd(14)} RSS ${d.rss.toFixed(1)} MB, PSS ${d.pss.toFixed(1)} MB, USS ${d.uss.toFixed(1)} MB, ` +
        `+${d.growth.toFixed(2)} MB over ${DAEMON_CALLS} CLI calls (${d.callMs.toFixed(0)} ms each)`);
    }
  }
  const reload = {};
  if (ONLY.has('reload')) {
    for (const name of ['node-rr', 'pm2', 'cohort-rr', 'cohort-shared']) {
      await withContender(name, { LOOPS: '0' }, async (port, c) => {
        const load = abAsync(port, 12);
        await sleep(1500);
        await c.reload();
        await sleep(1500);
        await c.reload();
        reload[name] = await load;
      });
      console.log(`reload    ${name.padEnd(14)} ${reload[name].complete} requests, ${reload[name].failed} failed, ${reload[name].non2xx} non-2xx`);
    }
  }
  if (ONLY.has('store')) results.store = await storeSection({ cohortBin: COHORT, runs: RUNS, quick });
  if (ONLY.has('native')) {
    const helloBin = path.join(path.dirname(COHORT), 'hello_server');
    const n = await nativeSection({ cohortBin: COHORT, helloBin, runs: RUNS, seconds: SECS, workers: WORKERS });
    if (n) results.native = n;
  }
  writeReport(mem, reload, daemons);
}

// Results live in bench/results.json by workload; a run with --only replaces
// just its workloads, and bench/results.md is rendered from all of them.
function writeReport(mem, reload, daemons) {
  const jsonPath = path.join(root, 'bench/results.json');
  const saved = existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : { sections: {} };
  const cpuModel = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || [])[1];
  const run = {
    date: new Date().toISOString(), command: `node bench/bench.mjs${args.length ? ' ' + args.join(' ') : ''}`,
    machine: `${cpuModel}, ${os.availableParallelism()} cores, Linux ${os.release()}`,
    versions: `node ${process.version}, ${sh(COHORT, ['version'])}, PM2 ${JSON.parse(readFileSync(path.join(root, 'node_modules/pm2/package.json'), 'utf8')).version}` +
      // Not `pm2 --version`: that starts a PM2 daemon in ~/.pm2. wrk -v prints its version and exits 1.
      `, ab ${(sh('ab', ['-V']).match(/Version ([\d.]+)/) || [])[1] || '?'}` +
      `, wrk ${(((r) => (r.stdout || '') + (r.stderr || ''))(spawnSync('wrk', ['-v'], { encoding: 'utf8' })).match(/^wrk \S*?(\d+\.[\d.]+)/) || [0, '?'])[1]}`,
    workers: WORKERS, runs: RUNS, seconds: SECS,
  };
  for (const [w, byName] of Object.entries(results)) saved.sections[w] = { run, rows: byName };
  if (Object.keys(mem).length) saved.sections.memory = { run, rows: mem };
  if (Object.keys(reload).length) saved.sections.reload = { run, rows: reload };
  if (Object.keys(daemons).length) saved.sections.daemons = { run, rows: daemons };
  writeFileSync(jsonPath, JSON.stringify(saved, null, 1) + '\n');
  writeFileSync(path.join(root, 'bench/results.md'), render(saved.sections));
  const chartError = renderChart(saved.sections, path.join(root, 'bench/results.svg'));
  console.log(`\nwrote bench/results.md${chartError ? '' : ', bench/results.svg'} and bench/results.json`);
  if (chartError) console.error(`no chart: ${chartError}`);
}

function render(sections) {
  let md = '# Benchmark results\n\nRendered by `node bench/bench.mjs` from bench/results.json. The machine has few cores shared by the load generator and the servers, so absolute figures are low; compare contenders within a table (same run).\n\n';
  const titles = {
    cpu: 'CPU-bound seed app (1e7-iteration loop per request), `ab -r -c200`, new connection per request',
    hello: 'Hello world, new connection per request, `ab -r -c200`',
    keepalive: 'Hello world, keep-alive, `wrk -t2 -c100`',
  };
  const about = (r) => `Run ${r.date} (\`${r.command}\`): ${r.machine}; ${r.versions}. ${r.workers} workers; median of ${r.runs} run(s) of ${r.seconds} s after a warm-up, with min–max.\n\n`;
  for (const w of ['cpu', 'hello', 'keepalive']) {
    const sec = sections[w];
    if (!sec) continue;
    const byName = sec.rows;
    const single = median(byName.single.values);
    const rr = median(byName['node-rr'].values);
    md += `## ${titles[w]}\n\n${about(sec.run)}| contender | req/s (median) | min–max | × single | × Node RR | notes |\n| --- | ---: | ---: | ---: | ---: | --- |\n`;
    for (const [name, { values, extra }] of Object.entries(byName)) {
      const m = median(values);
      md += `| ${name} | ${m.toFixed(0)} | ${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)} | ${(m / single).toFixed(2)} | ${(m / rr).toFixed(2)} | ${extra.trim()} |\n`;
    }
    md += '\n';
  }
  if (sections.sticky) {
    const sec = sections.sticky;
    const rows = sec.rows;
    const rr = median(rows['cohort-rr'].values), rrCpu = median(rows['cohort-rr'].cpuUs || [NaN]);
    md += `## Sticky balancing: hello world, new connection per request, 1000 users (\`wrk -t2 -c100 -s bench/users.lua\`)\n\n${about(sec.run)}` +
      'Every request carries its user as a header, a cookie and a query parameter; each sticky mode keys on one of them. "Peek cost" is the primary\'s CPU per connection above round-robin\'s: reading and parsing the request head.\n\n' +
      '| contender | req/s (median) | min–max | × cohort rr | × single | primary CPU µs/conn | peek cost µs/conn |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n';
    for (const [name, r] of Object.entries(rows)) {
      const m = median(r.values), cpu = r.cpuUs ? median(r.cpuUs) : NaN;
      const peek = name.startsWith('cohort-sticky') ? (cpu - rrCpu).toFixed(1) : '';
      md += `| ${name} | ${m.toFixed(0)} | ${Math.min(...r.values).toFixed(0)}–${Math.max(...r.values).toFixed(0)} | ${(m / rr).toFixed(2)} | ${(m / median(rows.single.values)).toFixed(2)} | ${Number.isNaN(cpu) ? '' : cpu.toFixed(1)} | ${peek} |\n`;
    }
    md += '\n';
  }
  if (sections.mixed) {
    const sec = sections.mixed;
    const rows = sec.rows;
    const rrP99 = median(rows['cohort-rr'].p99);
    md += `## Mixed workload: 10% of requests 20× heavier, new connection per request (\`wrk -t2 -c50 -s bench/mixed.lua\`)\n\n${about(sec.run)}` +
      '| contender | req/s (median) | p50 ms | p99 ms | p99 × cohort rr |\n| --- | ---: | ---: | ---: | ---: |\n';
    for (const [name, r] of Object.entries(rows)) {
      md += `| ${name} | ${median(r.values).toFixed(0)} | ${median(r.p50).toFixed(1)} | ${median(r.p99).toFixed(1)} | ${(median(r.p99) / rrP99).toFixed(2)} |\n`;
    }
    md += '\n';
  }
  if (sections.memory) {
    md += `## Memory of the primary / daemon after 20,000 connections\n\n${about(sections.memory.run)}| process | RSS MB | PSS MB | USS MB |\n| --- | ---: | ---: | ---: |\n`;
    const label = { 'node-rr': 'Node cluster primary', pm2: 'PM2 daemon (God)', 'cohort-rr': 'cohort primary' };
    for (const [n, m] of Object.entries(sections.memory.rows)) md += `| ${label[n]} | ${m.rss.toFixed(1)} | ${m.pss.toFixed(1)} | ${m.uss.toFixed(1)} |\n`;
    md += '\nRSS counts the pages of shared libraries (libc) that the process touched; USS is what the process alone costs.\n\n';
  }
  if (sections.daemons) {
    md += `## Memory of the daemons with 3 apps × 2 workers, after 21,000 connections and ${DAEMON_CALLS} CLI listings\n\n${about(sections.daemons.run)}` +
      '| daemon | RSS MB | PSS MB | USS MB | RSS growth over the listings MB | one listing ms |\n| --- | ---: | ---: | ---: | ---: | ---: |\n';
    const label = { pm2: 'PM2 daemon (God), `pm2 jlist`', cohort: 'cohort daemon, `cohort ls --json`' };
    for (const [n, m] of Object.entries(sections.daemons.rows)) {
      md += `| ${label[n]} | ${m.rss.toFixed(1)} | ${m.pss.toFixed(1)} | ${m.uss.toFixed(1)} | ${m.growth.toFixed(2)} | ${m.callMs.toFixed(0)} |\n`;
    }
    md += '\n`test/e2e/daemon-memory.test.mjs` checks the cohort daemon stays under 8 MB and that its anonymous memory does not grow over 1,000 control requests.\n\n';
  }
  if (sections.store) md += renderStore(sections.store, about);
  if (sections.native) md += renderNative(sections.native, about);
  if (sections.reload) {
    md += `## Two rolling reloads under \`ab -r -c200\` (hello world, 12 s)\n\n${about(sections.reload.run)}| contender | requests | failed | non-2xx |\n| --- | ---: | ---: | ---: |\n`;
    for (const [n, r] of Object.entries(sections.reload.rows)) md += `| ${n} | ${r.complete} | ${r.failed} | ${r.non2xx} |\n`;
    md += '\n"failed" is what ab counts as connect, receive and exception failures (refused or reset connections, timeouts); not the bodies of another length that ab also reports (the app answers with its pid).\n';
    md += '\n';
  }
  md += 'Handoff cost ("primary CPU µs/conn"): the cohort primary\'s CPU time (utime+stime from /proc/PID/stat) during the hello-world runs, divided by the requests completed (one connection each). "server CPU µs/req": the same for every process of the contender (primary, workers, PM2\'s daemon), so the difference to `single` is what clustering costs per request, wherever it is spent (with round-robin, mostly in the workers: Node\'s handling of each received handle). `ab` itself needs about as much CPU per request on the same cores.\n';
  return md;
}

main().catch((e) => { console.error(e); started.forEach(killTree); process.exit(1); }).finally(() => started.forEach(killTree));
