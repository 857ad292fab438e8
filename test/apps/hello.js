// Hello world that reports who answered; used by the end-to-end tests.
// PORT (default 8080), HOST (optional), optional LISTEN_DELAY_MS before listening,
// FAIL_TO_LISTEN=1 never listens, CRASH_RATE (0..1) exits on that fraction of requests,
// CRASH_AFTER_MS=T exits (code 3) at a random time between T and 2T after starting,
// CRASH_FILE=PATH exits (code 3) at once while PATH exists; GET /grow?mb=N keeps N MB more alive.
const http = require('http');
if (process.env.CRASH_FILE && require('fs').existsSync(process.env.CRASH_FILE)) {
  console.error(`${process.env.CRASH_FILE} exists: exiting at once`);
  process.exit(3);
}
const kept = [];
const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || undefined;
const crashRate = Number(process.env.CRASH_RATE || 0);
const version = process.env.APP_VERSION || 'v1';
const server = http.createServer((req, res) => {
  // Fixed-length bodies: ab counts a body of another length as a failed request.
  const body = `${process.pid} ${process.env.COHORT_INSTANCE} ${version}`.padEnd(32) + '\n';
  const grow = req.url.match(/^\/grow\?mb=(\d+)$/);
  if (grow) kept.push(Buffer.alloc(Number(grow[1]) << 20, 1));  // filled: resident, not just reserved
  if (crashRate > 0 && Math.random() < crashRate) {
    res.end(body, () => process.exit(3));
    return;
  }
  res.end(body);
});
process.on('message', (m) => {
  console.log(`got message ${JSON.stringify(m)}`);
  if (m && m.echo) process.send({ echo: m.echo, pid: process.pid, slot: process.env.COHORT_INSTANCE });
});
if (process.env.CRASH_AFTER_MS) {
  const t = Number(process.env.CRASH_AFTER_MS);
  setTimeout(() => process.exit(3), t + Math.random() * t);
}
if (process.env.FAIL_TO_LISTEN !== '1') {
  setTimeout(() => server.listen(port, host), Number(process.env.LISTEN_DELAY_MS || 0));
} else {
  setInterval(() => {}, 1000);
}
