// A hostile worker: writes garbage and an oversized line on its IPC channel
// (the fd Node set up for it), then serves normally.
const fs = require('node:fs');
const http = require('node:http');
const fd = 3;  // cohort gives Node workers their channel as fd 3
function writeAll(text) {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;  // the channel is non-blocking; the primary drains it
    }
  }
}
if (process.env.COHORT_INSTANCE === '0') {
  writeAll('{this is not json\n');
  writeAll('{"cmd":"NODE_CLUSTER","act":"queryServer","port":"banana","seq":999}\n');
  writeAll('x'.repeat(9 * 1024 * 1024) + '\n');
  writeAll('{"cmd":"NODE_CLUSTER","ack":123456,"accepted":true,"seq":1}\n');
}
http.createServer((req, res) => res.end(`${process.pid} ${process.env.COHORT_INSTANCE}\n`))
  .listen(Number(process.env.PORT || 8080));
