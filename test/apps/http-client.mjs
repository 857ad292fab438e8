// An HTTP client for tests that must run it in another network namespace
// (ip netns exec NS node http-client.mjs ...). Every request uses a fresh
// connection. Times are Date.now() milliseconds, comparable with the test's.
//   get URL [COUNT] [COOKIE]   COUNT sequential GETs; one JSON line each: {status, body, cookies}
//   load URL CONCURRENCY       GETs from CONCURRENCY loops until SIGTERM, then one JSON line:
//                              {answers: [[start, end, status, host]], failures: [{start, end, error}]}
//                              (host: the JSON body's "host" field, if any)
import http from 'node:http';

function request(url, cookie) {
  return new Promise((resolve) => {
    const start = Date.now();
    const req = http.get(url, { agent: false, headers: cookie ? { cookie } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ start, end: Date.now(), status: res.statusCode, body, headers: res.headers }));
      res.on('error', (e) => resolve({ start, end: Date.now(), error: e.message }));
    });
    req.on('error', (e) => resolve({ start, end: Date.now(), error: e.message }));
    req.setTimeout(10000, () => req.destroy(new Error('timed out after 10 s')));
  });
}

function hostOf(body) {
  try { return JSON.parse(body).host ?? null; } catch { return null; }
}

const [mode, url, arg, cookie] = process.argv.slice(2);
if (mode === 'get') {
  for (let i = 0; i < Number(arg || 1); i++) {
    const r = await request(url, cookie);
    const cookies = (r.headers?.['set-cookie'] || []).map((c) => c.split(';')[0]);
    console.log(JSON.stringify({ status: r.status ?? 0, error: r.error, body: r.body, cookies }));
  }
} else if (mode === 'load') {
  let running = true;
  const answers = [];
  const failures = [];
  process.on('SIGTERM', () => { running = false; });
  const loop = async () => {
    while (running) {
      const r = await request(url);
      if (r.error || r.status >= 500) {
        failures.push({ start: r.start, end: r.end, error: r.error || `HTTP ${r.status}` });
      } else {
        answers.push([r.start, r.end, r.status, hostOf(r.body)]);
      }
    }
  };
  console.log('started');
  await Promise.all(Array.from({ length: Number(arg) }, loop));
  console.log(JSON.stringify({ answers, failures }));
} else {
  console.error('usage: http-client.mjs get URL [COUNT] [COOKIE] | load URL CONCURRENCY');
  process.exit(2);
}
