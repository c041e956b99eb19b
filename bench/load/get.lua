-- wrk script: GET a path with the API token; counts non-200 answers.
wrk.headers["Authorization"] = "SSWS " .. os.getenv("LK_TOKEN")
wrk.headers["Accept"] = "application/json"
local bad = 0
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
