// A worker that turns hostile on request: `cohort send APP '{"hostile":"MODE"}' --id N`.
// It then writes to its own IPC channel (fd 3) what Node never would:
//   garbage  malformed JSON, NUL and invalid UTF-8 bytes, 100,000-deep
//            nesting, bad cluster messages, a 9 MB line, a line dribbled out
//   acks     handle ACKs/NACKs and newconn replies nobody asked for
//   flood    100,000 user messages and 100,000 malformed lines
//   fds, midline  (descriptors attached where none belong; half a message,
//            then the channel shut down) need sendmsg/shutdown: done by
//            hostile_channel.py, which shares fd 3.
// Writes are synchronous, so none of Node's own messages lands inside them.
// It serves like hello.js otherwise.
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');

function writeAll(data) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  for (let off = 0; off < buf.length;) {
    try {
      off += fs.writeSync(3, buf, off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;  // the channel is non-blocking; the primary drains it
    }
  }
}

const modes = {
  garbage() {
    writeAll('{this is not json\n');
    writeAll(Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a]));
    writeAll(Buffer.concat([Buffer.from('{"cmd":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]));
    writeAll('['.repeat(100000) + ']'.repeat(100000) + '\n');
    writeAll('{"cmd":"NODE_CLUSTER","act":"queryServer","port":"banana","seq":1}\n');
    writeAll('{"cmd":"NODE_CLUSTER","act":"listening","port":1e400,"addressType":{}}\n');
    writeAll('{"cmd":"NODE_CLUSTER","act":"close","key":["not","a","string"]}\n');
    writeAll('{"cmd":"NODE_CLUSTER","act":42}\n');
    writeAll(`{"cmd":"cohort:sticky","key":"${'k'.repeat(10000)}"}\n`);
    writeAll('{"cmd":"cohort:broadcast"}\n');
    writeAll('x'.repeat(9 * 1024 * 1024) + '\n');
    for (const ch of '{"dribbled":true}\n') writeAll(ch);
  },
  acks() {
    writeAll('{"cmd":"NODE_HANDLE_ACK"}\n'.repeat(1000));
    writeAll('{"cmd":"NODE_CLUSTER","ack":987654321,"accepted":true,"seq":1}\n');
    writeAll('{"cmd":"NODE_CLUSTER","ack":-1,"accepted":false,"seq":2}\n');
    writeAll('{"cmd":"NODE_CLUSTER","ack":"seven","accepted":"yes","seq":3}\n');
  },
  flood() {
    const user = `{"flood":"${'y'.repeat(80)}"}\n`.repeat(1000);
    const bad = `{flood ${'z'.repeat(80)}\n`.repeat(1000);
    for (let i = 0; i < 100; i++) writeAll(user);
    for (let i = 0; i < 100; i++) writeAll(bad);
  },
};

process.on('message', (m) => {
  if (!m || typeof m.hostile !== 'string') return;
  if (modes[m.hostile]) {
    modes[m.hostile]();
    console.log(`hostile ${m.hostile}: done`);
    return;
  }
  spawn('python3', [path.join(__dirname, 'hostile_channel.py'), m.hostile], { stdio: ['ignore', 'inherit', 'inherit', 3] });
});
http.createServer((req, res) => {
  res.end(`${process.pid} ${process.env.COHORT_INSTANCE}`.padEnd(32) + '\n');
}).listen(Number(process.env.PORT || 8080));
