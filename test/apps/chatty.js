// Prints LINES (default 100) lines of 500 characters to stdout on every
// request, then answers with its pid: a worker whose output can fill a pipe.
const http = require('http');
const lines = Number(process.env.LINES || 100);
const text = 'x'.repeat(500);
http.createServer((req, res) => {
  for (let i = 0; i < lines; i++) console.log(`${i} ${text}`);
  res.end(`${process.pid}\n`);
}).listen(Number(process.env.PORT || 8080));
