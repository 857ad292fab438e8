// "type": "module" package: import syntax in a .js file.
import http from 'node:http';
http.createServer((req, res) => res.end(`module ${process.pid}\n`))
  .listen(Number(process.env.PORT || 8080));
