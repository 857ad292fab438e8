// A raw RESP client for tests: sends commands, returns each reply's exact
// bytes (so replies can be compared byte for byte with redis-server's).
import net from 'node:net';

// Length of the first complete RESP reply in buf, or -1 if incomplete.
export function replyLength(buf, pos = 0) {
  const lineEnd = buf.indexOf('\r\n', pos);
  if (lineEnd < 0) return -1;
  const type = String.fromCharCode(buf[pos]);
  const head = buf.toString('latin1', pos + 1, lineEnd);
  const after = lineEnd + 2;
  switch (type) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
      return after - pos;
    case '$': case '=': case '!': {
      const n = Number(head);
      if (n < 0) return after - pos;
      return buf.length >= after + n + 2 ? after + n + 2 - pos : -1;
    }
    case '*': case '~': case '>': case '%': case '|': {
      let n = Number(head);
      if (n < 0) return after - pos;
      if (type === '%' || type === '|') n *= 2;
      let p = after;
      for (let i = 0; i < n; i++) {
        const len = replyLength(buf, p);
        if (len < 0) return -1;
        p += len;
      }
      return p - pos;
    }
    default:
      throw new Error(`bad reply type ${JSON.stringify(type)} in ${JSON.stringify(buf.toString('latin1'))}`);
  }
}

export function encode(args) {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) {
    const b = Buffer.from(String(a));
    parts.push(`$${b.length}\r\n`, b, '\r\n');
  }
  return Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
}

export class RawClient {
  static connect(port, host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
      const c = new RawClient();
      c.sock = net.connect(port, host, () => resolve(c));
      c.sock.on('error', reject);
      c.buf = Buffer.alloc(0);
      c.waiting = [];
      c.closed = new Promise((r) => c.sock.on('close', r));
      c.sock.on('data', (d) => {
        c.buf = Buffer.concat([c.buf, d]);
        c.drain();
      });
    });
  }
  drain() {
    while (this.waiting.length) {
      const len = replyLength(this.buf);
      if (len < 0) return;
      const reply = this.buf.toString('latin1', 0, len);
      this.buf = this.buf.subarray(len);
      this.waiting.shift()(reply);
    }
  }
  // Resolves with the next reply's raw text.
  next() {
    return new Promise((resolve) => { this.waiting.push(resolve); this.drain(); });
  }
  send(args) { this.sock.write(encode(args)); return this.next(); }
  write(bytes) { this.sock.write(bytes); }
  close() { this.sock.end(); return this.closed; }
}
