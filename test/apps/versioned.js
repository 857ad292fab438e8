// Reads ./version.json (in its working directory) when it starts, so a test
// can "deploy" a new version by rewriting that file and reloading:
// {"version": "v2", "listen": true, "crash": false, "delayMs": 0, "hold": false}
// hold: a timer keeps the process up after its servers close (as a database
// client does) until SIGTERM, which it handles by clearing it.
const fs = require('node:fs');
const http = require('node:http');
const conf = JSON.parse(fs.readFileSync('version.json', 'utf8'));
if (conf.crash) throw new Error(`version ${conf.version} is broken`);
const server = http.createServer((req, res) => {
  // Fixed-length bodies: ab counts a body of another length as a failed request.
  const body = `${process.pid} ${conf.version}`.padEnd(40) + '\n';
  setTimeout(() => res.end(body), Number(req.url.slice(1)) || 0);
});
if (conf.listen !== false) setTimeout(() => server.listen(Number(process.env.PORT)), conf.delayMs || 0);
else setInterval(() => {}, 1000);
if (conf.hold) {
  const held = setInterval(() => {}, 1000);
  process.on('SIGTERM', () => {
    console.log('SIGTERM: closing what held the process');
    clearInterval(held);
  });
}
