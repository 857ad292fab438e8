// Logs a digest of every message it receives (`digest <n> <sha256 of m.s>`)
// and serves `<pid> <slot>`: for checking that messages of any size arrive
// whole while connections are handed on the same channel.
const http = require('http');
const crypto = require('crypto');
process.on('message', (m) => {
  console.log(`digest ${m.n} ${crypto.createHash('sha256').update(m.s).digest('hex')}`);
});
http.createServer((req, res) => res.end(`${process.pid} ${process.env.COHORT_INSTANCE}\n`))
  .listen(Number(process.env.PORT));
