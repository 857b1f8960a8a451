-- Shared by the bench scenarios: prints one machine-readable summary line at the end of a wrk run.
function done(summary, latency, requests)
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format("BENCH rps=%.1f p50=%.3f p99=%.3f requests=%d non2xx=%d sockerr=%d\n",
      summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
