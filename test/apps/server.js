// The seed app: an unmodified single-process Node server with CPU work.
const http = require('http');
const port = Number(process.env.PORT || 8080);
const loops = Number(process.env.LOOPS || 1e7);
http.createServer((req, res) => {
  for (let i = 0; i < loops; i++) {}          // CPU work
  res.end(`handled by ${process.pid}`);
}).listen(port);
