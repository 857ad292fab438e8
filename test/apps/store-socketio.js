// socket.io with @socket.io/redis-adapter on cohort's store: a message
// emitted on one worker reaches clients connected to the other.
const http = require('http');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const { createClient } = require('redis');

const pub = createClient({ url: process.env.REDIS_URL });
const sub = pub.duplicate();
Promise.all([pub.connect(), sub.connect()]).then(() => {
  const server = http.createServer();
  const io = new Server(server, { adapter: createAdapter(pub, sub) });
  io.on('connection', (socket) => {
    socket.emit('hello', process.pid);
    socket.on('say', (text) => io.emit('chat', { text }));
  });
  server.listen(Number(process.env.PORT));
});
