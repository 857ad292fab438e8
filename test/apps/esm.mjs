// An ES module app (.mjs): works under cohort unchanged.
import http from 'node:http';
http.createServer((req, res) => res.end(`esm ${process.pid} ${process.env.COHORT_INSTANCE}\n`))
  .listen(Number(process.env.PORT || 8080));
