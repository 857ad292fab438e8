// Hello world that reports who answered; used by the end-to-end tests.
// PORT (default 8080), HOST (optional), optional LISTEN_DELAY_MS before listening,
// FAIL_TO_LISTEN=1 never listens, CRASH_RATE (0..1) exits on that fraction of requests,
// CRASH_AFTER_MS=T exits (code 3) at a random time between T and 2T after starting.
const http = require('http');
const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || undefined;
const crashRate = Number(process.env.CRASH_RATE || 0);
const version = process.env.APP_VERSION || 'v1';
const server = http.createServer((req, res) => {
  // Fixed-length bodies: ab counts a body of another length as a failed request.
  const body = `${process.pid} ${process.env.COHORT_INSTANCE} ${version}`.padEnd(32) + '\n';
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
