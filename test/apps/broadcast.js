// Workers relay through the primary: slot 0 broadcasts once it gets {"go":1};
// every worker prints what it receives.
const http = require('node:http');
process.on('message', (m) => {
  console.log(`slot ${process.env.COHORT_INSTANCE} got ${JSON.stringify(m)}`);
  if (m && m.go && process.env.COHORT_INSTANCE === '0') {
    process.send({ cmd: 'cohort:broadcast', data: { from: 0, hello: 'peers' } });
  }
});
http.createServer((req, res) => res.end('ok\n')).listen(Number(process.env.PORT || 8080));
