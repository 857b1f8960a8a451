-- GET /healthz: the machine's HTTP ceiling.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
wrk.method = "GET"
wrk.path = "/healthz"
