// A socket.io server (default transports: HTTP long-polling first, then the
// upgrade to WebSocket), which needs every request of one client to reach
// one worker. With DECLARE=1 each new engine.io session id is declared to
// cohort as this worker's sticky key (for --sticky query:sid). PORT.
const http = require('http');
const { Server } = require('socket.io');
const server = http.createServer();
const io = new Server(server);
if (process.env.DECLARE === '1') {
  const generateId = io.engine.generateId.bind(io.engine);
  io.engine.generateId = async (req) => {
    const id = await generateId(req);
    process.send({ cmd: 'cohort:sticky', key: id });
    return id;
  };
}
io.on('connection', (socket) => {
  socket.on('hello', (n, ack) => ack({ slot: process.env.COHORT_INSTANCE, n, transport: socket.conn.transport.name }));
});
server.listen(Number(process.env.PORT || 8080));
