-- One token per wrk thread (from the space-separated BENCH_TOKENS), chosen once: the request can
-- then be built once and reused, so wrk spends its CPU sending requests rather than in Lua.
local tokens = {}
for t in string.gmatch(os.getenv("BENCH_TOKENS") or "", "%S+") do
   table.insert(tokens, "Bearer " .. t)
end
assert(#tokens > 0, "BENCH_TOKENS is empty")
function thread_authorization()
   return tokens[(tid % #tokens) + 1]
end
