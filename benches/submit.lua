-- wrk script: each request submits a complete 40-item form to a different
-- personal link. TOKENS names a file with one token per line; BODY a file
-- with the form body; WRK_THREADS the thread count (disjoint tokens).
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  tokens = {}
  for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
  body = io.open(os.getenv("BODY")):read("*a")
  step = tonumber(os.getenv("WRK_THREADS"))
  index = tid
  failures = 0
  -- OKLOG: a file prefix; each thread writes one line per stored submission.
  local prefix = os.getenv("OKLOG")
  if prefix then oklog = io.open(prefix .. tid, "w") end
end

function request()
  local t = tokens[(index % #tokens) + 1]
  index = index + step
  return wrk.format("POST", "/s/" .. t, { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
  elseif oklog and string.find(body, "Tack f", 1, true) then
    oklog:write("1\n")
    oklog:flush()
  end
end

-- p99.9 and the slowest request, beside wrk's own percentiles.
function done(summary, latency, requests)
  io.write(string.format("p99.9 %.2f ms, max %.2f ms\n", latency:percentile(99.9) / 1000, latency.max / 1000))
end
