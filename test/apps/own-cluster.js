// An app that is itself a hand-written cluster primary. Under cohort it runs
// as a worker (cluster.isPrimary is false), so only the else-branch runs.
const cluster = require('node:cluster');
const http = require('node:http');
const os = require('node:os');
if (cluster.isPrimary) {
  for (let i = 0; i < os.availableParallelism(); i++) cluster.fork();
  cluster.on('exit', () => cluster.fork());
} else {
  http.createServer((req, res) => res.end(`own-cluster ${process.pid} worker ${cluster.worker.id}\n`))
    .listen(Number(process.env.PORT || 8080));
}
