-- tools/call of BENCH_CALL_TOOL with the JSON arguments BENCH_CALL_ARGS (legacy-era stateless POST),
-- the same request over and over. The helpdesk scenarios use it on 10k seeded conversations.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
dofile(os.getenv("BENCH_DIR") .. "/tokens.lua")
check_bodies()

function init(args)
   wrk.method = "POST"
   wrk.path = os.getenv("BENCH_PATH")
   wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"' .. os.getenv("BENCH_CALL_TOOL")
      .. '","arguments":' .. os.getenv("BENCH_CALL_ARGS") .. '}}'
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Accept"] = "application/json, text/event-stream"
   wrk.headers["Authorization"] = thread_authorization()
end
