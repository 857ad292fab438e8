// The store section of bench/bench.mjs: cohort's built-in store against
// Debian's redis-server, same flags, same redis-benchmark runs interleaved,
// plus memory per key after loading 1,000,000 small keys.
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { cpuSeconds, freePort, median, sleep } from './common.mjs';

const TESTS = 'set,get,incr,lpush,hset';

function waitPort(port) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 10000;
    const attempt = () => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(); });
      s.on('error', () => (Date.now() > deadline ? reject(new Error(`port ${port} never opened`)) : setTimeout(attempt, 20)));
    };
    attempt();
  });
}

// Both servers get the same persistence settings: none, or an AOF fsynced every second.
async function startServer(kind, cohortBin, aof) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-bench-store-'));
  const p = kind === 'redis-server'
    ? spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir,
      '--appendonly', aof ? 'yes' : 'no', '--appendfsync', 'everysec'], { stdio: 'ignore' })
    : spawn(cohortBin, ['store', '--port', String(port), '--dir', dir, '--appendonly', aof ? 'yes' : 'no',
      '--appendfsync', 'everysec'], { stdio: 'ignore' });
  await waitPort(port);
  return { port, pid: p.pid, stop: () => { p.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); } };
}

// One redis-benchmark run per test, so that the server's CPU time can be
// taken around each: { TEST: { rps, cpuUs } } (server CPU µs per request).
function benchmark(server, pipeline, requests) {
  const rows = {};
  for (const t of TESTS.split(',')) {
    const cpu0 = cpuSeconds(server.pid);
    const out = execFileSync('redis-benchmark', ['-p', String(server.port), '-c', '50', '-n', String(requests), '-P', String(pipeline),
      '-r', '100000', '-t', t, '--csv'], { encoding: 'utf8' });
    const cpuUs = ((cpuSeconds(server.pid) - cpu0) * 1e6) / requests;
    const [test, rps] = out.trim().split('\n')[1].split(',').map((f) => f.replace(/"/g, ''));
    rows[test.split(' ')[0]] = { rps: Number(rps), cpuUs };
  }
  return rows;
}

function commandsProcessed(server) {
  const info = execFileSync('redis-cli', ['-p', String(server.port), 'info', 'stats'], { encoding: 'utf8' });
  return Number(info.match(/total_commands_processed:(\d+)/)[1]);
}

// The same with redis-benchmark --threads N. In that mode its own figure is
// rounded to its 250 ms completion check (2.5 s or 2.75 s for a run), so the
// rate is taken on the server: the commands it processed in a window of
// `seconds` while the benchmark runs, and its CPU time over the same window.
async function benchmarkThreaded(server, threads, seconds) {
  const rows = {};
  for (const t of TESTS.split(',')) {
    const bench = spawn('redis-benchmark', ['-p', String(server.port), '-c', '50', '-n', '1000000000', '-r', '100000', '-t', t,
      '--threads', String(threads), '-q'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => bench.on('exit', resolve));
    try {
      await sleep(1000);  // its clients connected and running
      const n0 = commandsProcessed(server), cpu0 = cpuSeconds(server.pid), t0 = performance.now();
      await sleep(seconds * 1000);
      const n1 = commandsProcessed(server), cpu1 = cpuSeconds(server.pid), t1 = performance.now();
      rows[t.toUpperCase()] = { rps: (n1 - n0) / ((t1 - t0) / 1000), cpuUs: ((cpu1 - cpu0) * 1e6) / (n1 - n0) };
    } finally {
      bench.kill('SIGKILL');
      await exited;
    }
  }
  return rows;
}

function rssKb(pid) { return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]); }

// RSS growth per key after a redis-cli --pipe mass insert of `n` keys "key:<12 digits>" = "xxx".
function bytesPerKey(server, n) {
  const file = path.join(os.tmpdir(), `cohort-bench-mass-${n}.resp`);
  const parts = [];
  for (let i = 0; i < n; i++) {
    const k = `key:${String(i).padStart(12, '0')}`;
    parts.push(`*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$3\r\nxxx\r\n`);
  }
  writeFileSync(file, parts.join(''));
  const before = rssKb(server.pid);
  const r = spawnSync('sh', ['-c', `redis-cli -p ${server.port} --pipe < ${file}`], { encoding: 'utf8' });
  rmSync(file, { force: true });
  if (!/errors: 0/.test(r.stdout)) throw new Error(`mass insert failed: ${r.stdout} ${r.stderr}`);
  return ((rssKb(server.pid) - before) * 1024) / n;
}

export async function storeSection({ cohortBin, runs, quick }) {
  const requests = quick ? 50000 : 200000;
  const rows = {};
  const add = (mode, kind, values) => {
    for (const [test, { rps, cpuUs }] of Object.entries(values)) {
      const key = `${test}|${mode}`;
      rows[key] ??= { 'redis-server': [], cohort: [], cpu: { 'redis-server': [], cohort: [] } };
      rows[key][kind].push(rps);
      rows[key].cpu[kind].push(cpuUs);
    }
  };
  // With one client thread, -P 1 is bound by redis-benchmark itself; with
  // two, client and server share the cores and the server's cost shows.
  const modes = [['-P 1', 1, false, 1], ['-P 16', 16, false, 1], ['-P 1, AOF everysec', 1, true, 1],
    ['-P 1, 2 client threads', 1, false, 2]];
  for (const [mode, pipeline, aof, threads] of modes) {
    for (let run = 0; run < runs; run++) {
      for (const kind of ['redis-server', 'cohort']) {  // interleaved, so drift hits both
        const s = await startServer(kind, cohortBin, aof);
        try {
          benchmark(s, pipeline, Math.min(20000, requests));  // warm-up
          add(mode, kind, threads > 1 ? await benchmarkThreaded(s, threads, quick ? 2 : 4)
            : benchmark(s, pipeline, pipeline > 1 ? requests * 8 : requests));
        } finally {
          s.stop();
        }
      }
      console.log(`store     ${mode.padEnd(20)} run ${run + 1}/${runs}`);
    }
  }
  const memory = {};
  for (const kind of ['redis-server', 'cohort']) {
    const s = await startServer(kind, cohortBin, false);
    try {
      memory[kind] = bytesPerKey(s, quick ? 200000 : 1000000);
    } finally {
      s.stop();
    }
    console.log(`store     memory ${kind.padEnd(13)} ${memory[kind].toFixed(1)} bytes/key`);
  }
  const version = (spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.match(/v=(\S+)/) || [])[1];
  return { rows, memory, version, keys: quick ? 200000 : 1000000 };
}


export function renderStore(sec, about) {
  const { rows, memory, version, keys } = sec.rows;
  let md = `## Store: cohort store vs redis-server ${version}, \`redis-benchmark -c50 -r 100000\`\n\n${about(sec.run)}`;
  md += 'Both servers start with the same flags (no persistence, or an append-only file fsynced every second) and are benchmarked alternately, one at a time.\n\n';
  md += 'Server CPU is the server process\'s user + system time during the run divided by its requests (median): with `-P 1` both servers wait on the one-threaded `redis-benchmark` on the other core, so req/s are close and CPU per request tells which does less work. With two client threads (`--threads 2`) the client and the server share both cores, and the server that needs less CPU per request serves more; those rows are taken on the server (commands processed in a window of 4 s, 2 s with --quick, while the benchmark runs: redis-benchmark rounds its own figure to 250 ms in that mode).\n\n';
  md += '| test | mode | redis-server req/s | min–max | cohort store req/s | min–max | × redis-server | server CPU µs/req redis-server | cohort |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n';
  for (const [key, byKind] of Object.entries(rows)) {
    const [test, mode] = key.split('|');
    const r = median(byKind['redis-server']), c = median(byKind.cohort);
    const range = (v) => `${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)}`;
    const cpu = (kind) => (byKind.cpu ? median(byKind.cpu[kind]).toFixed(2) : '');
    md += `| ${test} | ${mode} | ${r.toFixed(0)} | ${range(byKind['redis-server'])} | ${c.toFixed(0)} | ${range(byKind.cohort)} | ${(c / r).toFixed(2)} | ${cpu('redis-server')} | ${cpu('cohort')} |\n`;
  }
  md += `\nMemory: RSS growth per key after \`redis-cli --pipe\` loads ${keys.toLocaleString('en')} keys of 16 bytes with 3-byte values: redis-server ${memory['redis-server'].toFixed(1)} bytes/key, cohort store ${memory.cohort.toFixed(1)} bytes/key (${(memory.cohort / memory['redis-server']).toFixed(2)}×).\n\n`;
  return md;
}
