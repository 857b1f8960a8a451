-- tools/call create_booking_request, a unique 30-minute slot per request (thread id + counter → time).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
dofile(os.getenv("BENCH_DIR") .. "/tokens.lua")
check_bodies()
local path = os.getenv("BENCH_PATH")
local base = tonumber(os.getenv("BENCH_BASE_EPOCH") or "1924992000") -- 2031-01-01T00:00:00Z

local counter = 0
local headers = {
   ["Content-Type"] = "application/json",
   ["Accept"] = "application/json, text/event-stream",
}

function init(args)
   headers["Authorization"] = thread_authorization()
end

function request()
   counter = counter + 1
   local slot = tid * 1000000 + counter
   local t0 = base + slot * 1800
   local s = os.date("!%Y-%m-%dT%H:%M:%SZ", t0)
   local e = os.date("!%Y-%m-%dT%H:%M:%SZ", t0 + 1800)
   local body = '{"jsonrpc":"2.0","id":' .. counter .. ',"method":"tools/call","params":{"name":"create_booking_request",'
      .. '"arguments":{"title":"Bench ' .. tid .. '-' .. counter .. '","start":"' .. s .. '","end":"' .. e
      .. '","time_zone":"UTC","attendee_name":"Bench","attendee_email":"bench@example.com","notes":"wrk"}}}'
   return wrk.format("POST", path, headers, body)
end
