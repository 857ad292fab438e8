// Answers with what the worker was given: environment, argv, cwd.
const http = require('node:http');
const cluster = require('node:cluster');
http.createServer((req, res) => res.end(JSON.stringify({
  GREETING: process.env.GREETING,
  NODE_ENV: process.env.NODE_ENV,
  COHORT_INSTANCE: process.env.COHORT_INSTANCE,
  NODE_APP_INSTANCE: process.env.NODE_APP_INSTANCE,
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  isWorker: cluster.isWorker,
}))).listen(Number(process.env.PORT));
