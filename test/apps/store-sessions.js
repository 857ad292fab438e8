// express-session with connect-redis on cohort's store (REDIS_URL), no stickiness needed.
// APP_HOST (optional) names the host in every answer; GET /ping is a fixed-length
// answer that touches no session (ab counts other lengths as failures).
const express = require('express');
const session = require('express-session');
const { RedisStore } = require('connect-redis');
const { createClient } = require('redis');

const client = createClient({ url: process.env.REDIS_URL });
client.connect();
const host = process.env.APP_HOST || null;
const app = express();
app.get('/ping', (req, res) => res.type('text').send('pong\n'));
app.use(session({
  store: new RedisStore({ client }),
  secret: 'test', resave: false, saveUninitialized: false,
}));
app.get('/login', (req, res) => {
  req.session.user = req.query.user;
  req.session.views = 0;
  res.json({ pid: process.pid, host });
});
app.get('/me', (req, res) => {
  if (req.session.user) req.session.views++;
  res.json({ pid: process.pid, host, user: req.session.user || null, views: req.session.views || 0 });
});
app.listen(Number(process.env.PORT));
