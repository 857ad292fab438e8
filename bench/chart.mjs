// The benchmark chart: bench/results.svg, drawn by gnuplot (Debian's
// gnuplot-nox) from bench/results.json. One panel per throughput workload,
// a bar per contender (median req/s, min–max whiskers) labelled with its
// ratio to Node's round-robin cluster. bench.mjs calls renderChart after
// each run; `node bench/chart.mjs` redraws it from the committed JSON.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './common.mjs';

const PANELS = [
  { section: 'cpu', title: 'CPU-bound app, new connection per request (ab -c200)' },
  { section: 'hello', title: 'Hello world, new connection per request (ab -c200)' },
  { section: 'keepalive', title: 'Hello world, keep-alive (wrk -c100)' },
  { section: 'mixed', title: 'Mixed: 10% of requests 20x heavier (wrk -c50)' },
  { section: 'sticky', title: 'Sticky sessions, 1000 users (wrk -c100)' },
];
const BASELINE = 'node-rr';
const colorOf = (name) => (name.startsWith('cohort') ? '#1f6fb2' : name === BASELINE ? '#7f7f7f' : '#c8c8c8');
const quote = (s) => `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

// The gnuplot program for the sections present; data inline as datablocks.
export function chartScript(sections) {
  const panels = PANELS.filter((p) => sections[p.section]?.rows?.[BASELINE]);
  const rowHeight = 24, head = 90;
  const heights = panels.map((p) => head + rowHeight * Object.keys(sections[p.section].rows).length);
  const total = heights.reduce((a, b) => a + b, 0) + 60;
  const dates = [...new Set(panels.map((p) => sections[p.section].run.date.slice(0, 10)))].sort();
  const machine = panels.length ? sections[panels[0].section].run.machine : '';
  let gp = `set terminal svg size 900,${total} dynamic font "sans,11" background "#ffffff"\n` +
    'set multiplot\nset style fill solid 0.9 border -1\nset grid xtics lc rgb "#e0e0e0"\n' +
    'set format x "%.0f"\nset xtics nomirror\nset ytics nomirror scale 0\nset border 3\nunset key\n' +
    'set lmargin at screen 0.2\nset rmargin at screen 0.8\n';
  let top = 1 - 50 / total;
  gp += `set label 1 ${quote('req/s, median of the runs (whiskers: min–max); in brackets: × Node cluster round-robin')} at screen 0.5, screen ${1 - 14 / total} center font "sans,10"\n`;
  gp += `set label 2 ${quote(`${machine}; run ${dates.join(', ')}`)} at screen 0.5, screen ${1 - 30 / total} center font "sans,10"\n`;
  panels.forEach((p, i) => {
    const rows = Object.entries(sections[p.section].rows);
    const base = median(sections[p.section].rows[BASELINE].values);
    const data = rows.map(([name, r], k) => {
      const m = median(r.values);
      const y = rows.length - k;
      const color = parseInt(colorOf(name).slice(1), 16);
      return `${y} ${m} ${Math.min(...r.values)} ${Math.max(...r.values)} ${color} ${quote(name)} ${quote(`${Math.round(m)}  (${(m / base).toFixed(2)}×)`)}`;
    });
    const xmax = Math.max(...rows.map(([, r]) => Math.max(...r.values))) * 1.3;
    const bottom = top - heights[i] / total;
    gp += `$d${i} << EOD\n${data.join('\n')}\nEOD\n` +
      `set tmargin at screen ${top - 36 / total}\nset bmargin at screen ${bottom + 34 / total}\n` +
      `set title ${quote(p.title)} font "sans,12"\nset xrange [0:${xmax}]\nset yrange [0.4:${rows.length + 0.6}]\n` +
      `plot $d${i} using 2:1:(0):2:($1-0.35):($1+0.35):5:ytic(6) with boxxyerror lc rgb variable, ` +
      `'' using 2:1:3:4 with xerrorbars pt -1 lc rgb "#333333", ` +
      `'' using 4:1:7 with labels left offset 1,0 font "sans,10"\n`;
    top = bottom;
  });
  return gp + 'unset multiplot\n';
}

// Writes the chart for `sections` to `out`; returns null, or why it could not.
export function renderChart(sections, out) {
  const r = spawnSync('gnuplot', [], { input: chartScript(sections), encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.error) return `gnuplot: ${r.error.code === 'ENOENT' ? 'not installed (apt-get install gnuplot-nox)' : r.error.message}`;
  if (r.status !== 0) return `gnuplot failed: ${r.stderr.trim()}`;
  writeFileSync(out, r.stdout);
  return null;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = path.dirname(fileURLToPath(import.meta.url));
  const { sections } = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8'));
  const why = renderChart(sections, path.join(dir, 'results.svg'));
  if (why) { console.error(why); process.exit(1); }
  console.log('wrote bench/results.svg');
}
