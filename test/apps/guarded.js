// An app for the handoff tests. With LIMIT_SLOT0=1, slot 0's server takes
// one connection at a time (maxConnections = 1) and holds its requests until
// told to let go; every slot closes its server and listens again when told to.
//   messages: {"release": true}  answer the held requests
//             {"relisten": true} close the server, listen again, log "listening again"
const http = require('http');
const port = Number(process.env.PORT || 8080);
const slot = process.env.COHORT_INSTANCE;
const limited = slot === '0' && process.env.LIMIT_SLOT0 === '1';
const held = [];
const server = http.createServer((req, res) => {
  const answer = () => res.end(`${process.pid} ${slot}\n`);
  if (limited) held.push(answer);
  else answer();
});
if (limited) server.maxConnections = 1;
server.listen(port);
process.on('message', (m) => {
  if (m && m.release) held.splice(0).forEach((answer) => answer());
  if (m && m.relisten) {
    server.close();
    server.listen(port, () => console.log('listening again'));
  }
});
