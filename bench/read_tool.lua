-- tools/call get_booking_request on one existing booking (legacy-era stateless POST).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
dofile(os.getenv("BENCH_DIR") .. "/tokens.lua")
check_bodies()
local path = os.getenv("BENCH_PATH")
local id_json = os.getenv("BENCH_BOOKING_ID_JSON")
local body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_booking_request","arguments":{"id":'
   .. id_json .. '}}}'
local headers = {
   ["Content-Type"] = "application/json",
   ["Accept"] = "application/json, text/event-stream",
}

function request()
   headers["Authorization"] = next_authorization()
   return wrk.format("POST", path, headers, body)
end
