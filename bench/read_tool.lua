-- tools/call get_booking_request on one existing booking (legacy-era stateless POST).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
check_bodies()
local token = os.getenv("BENCH_TOKEN")
local id = os.getenv("BENCH_BOOKING_ID")
local id_json = os.getenv("BENCH_BOOKING_ID_JSON") or ('"' .. id .. '"')
wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH")
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_booking_request","arguments":{"id":'
   .. id_json .. '}}}'
