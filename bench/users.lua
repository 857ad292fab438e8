-- wrk script: every request on a new connection, from one of 1000 users,
-- who carries its id as a header, a cookie and a query parameter (so every
-- sticky mode finds a key and users spread over the workers).
request = function()
  local u = math.random(1000)
  return wrk.format("GET", "/?sid=s" .. u, { ["Connection"] = "close", ["X-User-Id"] = "user" .. u, ["Cookie"] = "theme=dark; sid=s" .. u })
end
