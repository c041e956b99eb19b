-- One IDX password sign-in per three requests, as the Sign-In Widget makes them:
-- introspect (new transaction) -> identify (username) -> challenge/answer (password) -> a session.
-- Each wrk thread drives one connection (run with -t equal to -c) and signs in its own user, signin-<n>@example.com.
local password = os.getenv("LK_SIGNIN_PASSWORD")
local threads = {}
local step, handle = 0, nil
successes, failures = 0, 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("user", "signin-" .. #threads .. "@example.com")
end

function init(args)
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/ion+json; okta-version=1.0.0"
end

function request()
  if step == 0 then
    return wrk.format("POST", "/idp/idx/introspect", nil, "{}")
  elseif step == 1 then
    return wrk.format("POST", "/idp/idx/identify", nil, '{"identifier":"' .. user .. '","stateHandle":"' .. handle .. '"}')
  end
  return wrk.format("POST", "/idp/idx/challenge/answer", nil, '{"credentials":{"passcode":"' .. password .. '"},"stateHandle":"' .. handle .. '"}')
end

function response(status, headers, body)
  if step == 2 then
    if status == 200 and body:find('"success"', 1, true) then successes = successes + 1 else failures = failures + 1 end
    step = 0
    return
  end
  handle = status == 200 and body:match('"stateHandle"%s*:%s*"([^"]+)"') or nil
  if handle then step = step + 1 else failures = failures + 1; step = 0 end
end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, t in ipairs(threads) do ok = ok + t:get("successes"); bad = bad + t:get("failures") end
  io.write(string.format("sign-ins: %d in %.1f s = %.1f/s (failed flows: %d); request p50 %.1f ms, p99 %.1f ms\n",
    ok, summary.duration / 1e6, ok / (summary.duration / 1e6), bad, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
