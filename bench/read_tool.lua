-- tools/call get_booking_request on one existing booking (legacy-era stateless POST).
-- No request() function: wrk sends the request built in init() over and over.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
dofile(os.getenv("BENCH_DIR") .. "/tokens.lua")
check_bodies()

function init(args)
   wrk.method = "POST"
   wrk.path = os.getenv("BENCH_PATH")
   wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_booking_request","arguments":{"id":'
      .. os.getenv("BENCH_BOOKING_ID_JSON") .. '}}}'
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Accept"] = "application/json, text/event-stream"
   wrk.headers["Authorization"] = thread_authorization()
end
