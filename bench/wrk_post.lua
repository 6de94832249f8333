-- wrk script: POST one JSON body, rotating bearer tokens; prints a JSON summary line.
-- usage: wrk -t1 -c16 -d10s -s bench/wrk_post.lua URL -- BODY_FILE [TOKENS_FILE]
-- A line of TOKENS_FILE is a token, then optional extra headers as Name:value words
-- (e.g. "eyJ... X-Thread-Id:bench-3"); "-" is no token.

local requests = {}
local next_index = 1

local function read_file(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end

function init(args)
  local body = read_file(args[1])
  local tokens = {}
  if args[2] and args[2] ~= "" then
    for line in read_file(args[2]):gmatch("[^\r\n]+") do
      tokens[#tokens + 1] = line
    end
  end
  if #tokens == 0 then
    tokens[1] = ""
  end
  for i, line in ipairs(tokens) do
    local headers = { ["Content-Type"] = "application/json" }
    local first = true
    for word in line:gmatch("%S+") do
      if first then
        if word ~= "-" then
          headers["Authorization"] = "Bearer " .. word
        end
        first = false
      else
        local name, value = word:match("^([^:]+):(.*)$")
        headers[name] = value
      end
    end
    requests[i] = wrk.format("POST", nil, headers, body)
  end
end

function request()
  local built = requests[next_index]
  next_index = next_index % #requests + 1
  return built
end

function done(summary, latency, _)
  local errors = summary.errors
  local failed = errors.connect + errors.read + errors.write + errors.timeout + errors.status
  io.write(string.format(
    'WRK_JSON {"requests": %d, "errors": %d, "duration_s": %.6f, "p50_ms": %.4f, '
      .. '"p90_ms": %.4f, "p99_ms": %.4f, "status_errors": %d, "timeouts": %d}\n',
    summary.requests, failed, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    errors.status, errors.timeout))
end
