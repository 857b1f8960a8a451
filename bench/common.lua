-- Shared by the bench scenarios. Prints one machine-readable summary line at the end of a wrk run.
-- Tool scenarios call check_bodies(): every 200 response is also checked for a JSON-RPC error or an
-- isError result (those would count as 2xx in wrk's own statistics), summed over threads as "rpcerr".
local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

-- Only with BENCH_CHECK_BODIES=1: wrk's response() hook copies every body into Lua, which costs
-- wrk more CPU than the server spends on the request (both share the same 2 cores).
function check_bodies()
   bad = 0
   if os.getenv("BENCH_CHECK_BODIES") ~= "1" then return end
   response = function(status, headers, body)
      if status == 200 and (string.find(body, '"isError":true', 1, true) or string.find(body, '"error":{', 1, true)) then
         bad = bad + 1
      end
   end
end

function done(summary, latency, requests)
   local secs = summary.duration / 1e6
   local e = summary.errors
   local rpcerr = 0
   for _, t in ipairs(threads) do
      rpcerr = rpcerr + (tonumber(t:get("bad")) or 0)
   end
   io.write(string.format("BENCH rps=%.1f p50=%.3f p99=%.3f requests=%d non2xx=%d sockerr=%d rpcerr=%d\n",
      summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      summary.requests, e.status, e.connect + e.read + e.write + e.timeout, rpcerr))
end
