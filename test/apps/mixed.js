// A mixed workload: GET /heavy does HEAVY_FACTOR (default 20) times the CPU
// work of any other request (LOOPS iterations, default 2e5). PORT.
const http = require('http');
const loops = Number(process.env.LOOPS || 2e5);
const factor = Number(process.env.HEAVY_FACTOR || 20);
http.createServer((req, res) => {
  const n = req.url.startsWith('/heavy') ? loops * factor : loops;
  for (let i = 0; i < n; i++) {}
  res.end(`handled by ${process.pid}\n`);
}).listen(Number(process.env.PORT || 8080));
