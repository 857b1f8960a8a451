-- tools/call get_booking_request on one existing booking (legacy-era stateless POST).
call_tool = "get_booking_request"
call_args = '{"id":' .. os.getenv("BENCH_BOOKING_ID_JSON") .. '}'
dofile(os.getenv("BENCH_DIR") .. "/tool_call.lua")
