// A worker that starts a program of its own which is a Node cluster primary
// (Node's own primary, not cohort's) with one worker serving INNER_PORT. The
// inner processes inherit the worker's node options (cohort's hooks
// included) as fork() passes them on; they must behave as under plain Node.
const http = require('http');
const { fork } = require('child_process');
const cluster = require('cluster');
if (process.argv[2] === 'inner') {
  if (cluster.isPrimary) {
    cluster.fork();
  } else {
    http.createServer((req, res) => res.end(`inner ${process.pid}\n`))
      .listen(Number(process.env.INNER_PORT), () => console.log('inner worker listening'));
  }
} else {
  http.createServer((req, res) => res.end(`outer ${process.pid}\n`)).listen(Number(process.env.PORT));
  if (process.env.COHORT_INSTANCE === '0') {
    const inner = fork(__filename, ['inner']);
    process.on('SIGTERM', () => { inner.kill(); process.exit(0); });
  }
}
