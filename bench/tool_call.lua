-- tools/call of one tool with fixed JSON arguments (legacy-era stateless POST), the same request over
-- and over: call_tool / call_args when a scenario script sets them before dofile (read_tool.lua),
-- else BENCH_CALL_TOOL / BENCH_CALL_ARGS (the helpdesk scenarios on 10k seeded conversations).
-- No request() function: wrk sends the request built in init() over and over.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
dofile(os.getenv("BENCH_DIR") .. "/tokens.lua")
check_bodies()

local tool = call_tool or os.getenv("BENCH_CALL_TOOL")
local args = call_args or os.getenv("BENCH_CALL_ARGS")

function init(_)
   wrk.method = "POST"
   wrk.path = os.getenv("BENCH_PATH")
   wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"' .. tool .. '","arguments":' .. args .. '}}'
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Accept"] = "application/json, text/event-stream"
   wrk.headers["Authorization"] = thread_authorization()
end
