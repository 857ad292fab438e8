-- wrk script: a new connection per request; every 10th request is heavy
-- (/heavy: 20x the CPU work of the others), see test/apps/mixed.js.
wrk.headers["Connection"] = "close"
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", n % 10 == 0 and "/heavy" or "/")
end
