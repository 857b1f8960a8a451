-- Round-robin over the space-separated tokens in BENCH_TOKENS (one Authorization header per request).
local tokens = {}
for t in string.gmatch(os.getenv("BENCH_TOKENS") or "", "%S+") do
   table.insert(tokens, "Bearer " .. t)
end
assert(#tokens > 0, "BENCH_TOKENS is empty")
local turn = 0
function next_authorization()
   turn = turn + 1
   return tokens[(turn % #tokens) + 1]
end
