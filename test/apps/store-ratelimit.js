// express-rate-limit with rate-limit-redis (EVALSHA scripts) on cohort's
// store: the limit holds across workers.
const express = require('express');
const { rateLimit } = require('express-rate-limit');
const { RedisStore } = require('rate-limit-redis');
const { createClient } = require('redis');

const client = createClient({ url: process.env.REDIS_URL });
client.connect().then(() => {
  const app = express();
  app.use(rateLimit({
    windowMs: 60_000, limit: 5, standardHeaders: 'draft-7', legacyHeaders: false,
    store: new RedisStore({ sendCommand: (...args) => client.sendCommand(args) }),
  }));
  app.get('/', (req, res) => res.json({ pid: process.pid }));
  app.listen(Number(process.env.PORT));
});
