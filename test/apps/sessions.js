// An app with in-memory sessions, the kind that breaks behind a plain
// balancer: GET /login?user=NAME creates a session in this worker's memory
// and sets the cookie sid; GET /me answers who the session belongs to (null
// if this worker does not know it). With DECLARE=1 the worker tells cohort
// that the new session is its own (cohort:sticky). Every answer says which
// slot answered. PORT (default 8080).
const http = require('http');
const crypto = require('crypto');
const sessions = new Map();
const slot = process.env.COHORT_INSTANCE;

function cookie(req, name) {
  for (const part of (req.headers.cookie || '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === name) return v;
  }
  return undefined;
}

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const reply = (obj, headers = {}) => {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ slot, pid: process.pid, ...obj }));
  };
  if (url.pathname === '/login') {
    const sid = crypto.randomBytes(12).toString('hex');
    sessions.set(sid, { user: url.searchParams.get('user') });
    if (process.env.DECLARE === '1') process.send({ cmd: 'cohort:sticky', key: sid });
    return reply({ sid }, { 'set-cookie': `sid=${sid}; Path=/; HttpOnly` });
  }
  if (url.pathname === '/me') {
    const sid = cookie(req, 'sid') || url.searchParams.get('sid');
    return reply({ user: sessions.get(sid)?.user ?? null });
  }
  reply({});
}).listen(Number(process.env.PORT || 8080));
