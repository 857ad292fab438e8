// A server whose 'connection' listener throws once per worker; the app
// catches it with an uncaughtException handler and serves on.
const http = require('http');
let thrown = false;
const server = http.createServer((req, res) => res.end(`${process.pid} ${process.env.COHORT_INSTANCE}\n`));
server.on('connection', () => {
  if (!thrown) {
    thrown = true;
    throw new Error('boom in a connection listener');
  }
});
process.on('uncaughtException', (e) => console.log(`caught: ${e.message}`));
server.listen(Number(process.env.PORT));
