// The primary users write by hand with Node's cluster module: fork N workers,
// respawn the ones that die, and on SIGUSR2 restart them one at a time,
// waiting for each new worker's 'listening' before disconnecting an old one.
// NODE_CLUSTER_SCHED_POLICY=rr (Node's round-robin) or none (shared socket).
const cluster = require('node:cluster');
const path = require('node:path');

const n = Number(process.env.WORKERS || require('node:os').availableParallelism());
cluster.setupPrimary({ exec: path.resolve(process.argv[2]) });
for (let i = 0; i < n; i++) cluster.fork();
cluster.on('exit', (worker) => {
  if (!worker.exitedAfterDisconnect) cluster.fork();
});
let reloading = false;
process.on('SIGUSR2', async () => {
  if (reloading) return;
  reloading = true;
  for (const old of Object.values(cluster.workers)) {
    const fresh = cluster.fork();
    await new Promise((resolve) => fresh.once('listening', resolve));
    old.disconnect();
  }
  reloading = false;
  console.log('reloaded');
});
