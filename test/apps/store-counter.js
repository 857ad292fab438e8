// A hit counter in cohort's store via ioredis; answers 503 while the store is away.
const http = require('http');
const Redis = require('ioredis');

const redis = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: () => 20 });
redis.on('error', () => {});
http.createServer(async (req, res) => {
  try {
    const hits = await redis.incr('hits');
    res.end(JSON.stringify({ pid: process.pid, hits }));
  } catch (e) {
    res.statusCode = 503;
    res.end(String(e.message));
  }
}).listen(Number(process.env.PORT));
