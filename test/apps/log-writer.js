// A worker for the log tests. Answers GET with what it sees (pid, slot,
// GREETING from its environment). On a message {say: TEXT} prints TEXT; on
// {burst: N, tag} prints N numbered lines "burst TAG SLOT I ..." to stdout
// (and every 10th to stderr), then "burst TAG SLOT done". Logs each SIGUSR1.
const http = require('node:http');
const slot = process.env.COHORT_INSTANCE;
const pad = 'x'.repeat(Number(process.env.LINE_PAD || 60));
process.on('SIGUSR1', () => console.log(`got SIGUSR1 in slot ${slot} pid ${process.pid}`));
process.on('message', (m) => {
  if (m && typeof m.say === 'string') console.log(m.say);
  if (m && m.burst) {
    for (let i = 0; i < m.burst; i++) {
      const line = `burst ${m.tag} ${slot} ${i} ${pad}\n`;
      if (i % 10 === 9) process.stderr.write(line); else process.stdout.write(line);
    }
    console.log(`burst ${m.tag} ${slot} done`);
  }
});
http.createServer((req, res) => res.end(JSON.stringify({
  pid: process.pid, slot, GREETING: process.env.GREETING,
}))).listen(Number(process.env.PORT));
