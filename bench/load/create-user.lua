-- wrk script: POST /api/v1/users?activate=false with a unique login per request (no password).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  thread_id = id
  prefix = os.getenv("LK_PREFIX") or "load"
end

function request()
  counter = counter + 1
  local login = string.format("%s-%d-%d@example.com", prefix, thread_id, counter)
  local body = string.format('{"profile":{"firstName":"Load","lastName":"User%d","email":"%s","login":"%s"}}', counter, login, login)
  return wrk.format("POST", "/api/v1/users?activate=false", {
    ["Authorization"] = "SSWS " .. os.getenv("LK_TOKEN"),
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }, body)
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
