// express + express-session with its default MemoryStore: sessions live in
// one worker's memory. GET /login?user=NAME logs in; GET /me says who is
// logged in (null if this worker does not know the session). PORT.
const express = require('express');
const session = require('express-session');
const app = express();
app.use(session({ secret: 'test secret', resave: false, saveUninitialized: false }));
app.get('/login', (req, res) => {
  req.session.user = req.query.user;
  res.json({ slot: process.env.COHORT_INSTANCE, user: req.session.user });
});
app.get('/me', (req, res) => {
  res.json({ slot: process.env.COHORT_INSTANCE, user: req.session.user ?? null });
});
app.listen(Number(process.env.PORT || 8080));
