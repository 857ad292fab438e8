// Several servers in one app: IPv4, IPv6 loopback, a unix socket and port 0.
// Prints "ports <json>" once everything listens, so a test can find port 0.
const http = require('node:http');
const handler = (name) => (req, res) => res.end(`${name} ${process.pid}\n`);
const a = http.createServer(handler('v4')).listen(Number(process.env.PORT), '127.0.0.1');
const b = http.createServer(handler('v6')).listen(Number(process.env.PORT6), '::1');
const c = http.createServer(handler('unix')).listen(process.env.SOCK);
const d = http.createServer(handler('zero')).listen(0, '127.0.0.1');
let pending = 4;
for (const s of [a, b, c, d]) {
  s.on('listening', () => {
    if (--pending === 0) console.log(`ports ${JSON.stringify({ zero: d.address().port })}`);
  });
}
