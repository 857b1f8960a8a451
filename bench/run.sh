#!/usr/bin/env bash
# Toolhost benchmark: release daemon on a free loopback port, temp data, wrk scenarios, summary table.
#   BENCH_DURATION (default 5s), BENCH_THREADS (2), BENCH_CONNS ("1 64"), BENCH_SKIP_BUILD=1, BENCH_BIN (binary),
#   BENCH_PIPELINE_ROWS ("100000 1000000": the pipeline line's input sizes).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export BENCH_DIR="$ROOT/bench"
DURATION="${BENCH_DURATION:-5s}"
THREADS="${BENCH_THREADS:-2}"
CONNS="${BENCH_CONNS:-1 64}"
BIN="${BENCH_BIN:-$ROOT/.build/release/toolhost}"

command -v wrk >/dev/null || { echo "bench: wrk is not installed (scripts/install-deps.sh)" >&2; exit 1; }
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    swift build -c release
fi
[ -x "$BIN" ] || { echo "bench: no binary at $BIN" >&2; exit 1; }

WORK="$(mktemp -d -t toolhost-bench.XXXXXX)"
DATA="$WORK/data"
mkdir -p "$DATA"
PID=""
# SIGTERM, wait up to 15 s, then SIGKILL. Sets STOPPED to the exit code ("killed" if SIGTERM was ignored).
# (Not run in a $(…) subshell: only the parent shell can wait for the daemon.)
STOPPED=""
stop_daemon() {
    local pid="$1" i
    STOPPED="gone"
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 150); do
        if ! kill -0 "$pid" 2>/dev/null; then
            STOPPED=0
            wait "$pid" 2>/dev/null || STOPPED=$?
            return 0
        fi
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    STOPPED="killed"
}
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        stop_daemon "$PID"
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
# The abuse guard (layer 4) stays on: its per-request cost does not depend on the limit (per-second
# buckets), so the limit is raised far above what the benchmark sends instead of switching it off.
# One token per wrk thread.
TOKEN_COUNT="${BENCH_TOKEN_COUNT:-$THREADS}"
cat >"$DATA/toolhost.json" <<'JSON'
{"abuse": {"burst_limit": 2000000000, "burst_window_seconds": 60}}
JSON
"$BIN" tenant create bench --plan enterprise --data "$DATA" 2>/dev/null
TOKENS=""
for i in $(seq 1 "$TOKEN_COUNT"); do
    TOKENS="$TOKENS $("$BIN" token create --tenant bench --name "bench$i" --toolsets scheduling,clock,helpdesk --data "$DATA" 2>/dev/null)"
done
# The helpdesk scenarios: 10k conversations in two inboxes; an inbox-limited token per thread too.
"$BIN" helpdesk inbox create billing --tenant bench --data "$DATA" >/dev/null
"$BIN" helpdesk inbox create sales --tenant bench --data "$DATA" >/dev/null
LIMITED=""
for i in $(seq 1 "$TOKEN_COUNT"); do
    LIMITED="$LIMITED $("$BIN" token create --tenant bench --name "billing$i" --toolsets helpdesk --restrict '{"inboxes":["billing"]}' --data "$DATA" 2>/dev/null)"
done
TOKEN="${TOKENS# }"; TOKEN="${TOKEN%% *}"
export BENCH_TOKENS="${TOKENS# }" BENCH_PATH="/bench/mcp"

"$BIN" serve --host 127.0.0.1 --port "$PORT" --data "$DATA" --no-demo >"$WORK/serve.out" 2>"$WORK/serve.err" &
PID=$!
for _ in $(seq 1 300); do
    grep -q "listening on" "$WORK/serve.err" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/serve.err" >&2; echo "bench: daemon exited" >&2; exit 1; }
    sleep 0.1
done
grep -q "listening on" "$WORK/serve.err" || { cat "$WORK/serve.err" >&2; echo "bench: daemon not listening" >&2; exit 1; }
URL="http://127.0.0.1:$PORT"

# One booking to read; check the tool answers with a result (not a JSON-RPC error nor isError).
BOOKING_ID_JSON="$(python3 - "$URL" "$TOKEN" <<'PY'
import json, sys, urllib.request
url, token = sys.argv[1], sys.argv[2]
def call(name, args):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": args}})
    req = urllib.request.Request(url + "/bench/mcp", body.encode(), method="POST", headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream"})
    with urllib.request.urlopen(req, timeout=10) as r:
        doc = json.loads(r.read())
    if "error" in doc or doc["result"].get("isError"):
        sys.exit(f"bench: {name} failed: {doc}")
    return doc["result"]
created = call("create_booking_request", {"title": "Bench read", "start": "2030-06-03T10:00:00Z",
    "end": "2030-06-03T10:30:00Z", "time_zone": "UTC", "attendee_name": "Bench", "attendee_email": "bench@example.com",
    "notes": "read target"})
sc = created["structuredContent"]
bid = sc.get("id", (sc.get("booking") or sc.get("booking_request") or {}).get("id"))
call("get_booking_request", {"id": bid})
print(json.dumps(bid))
PY
)"
export BENCH_BOOKING_ID_JSON="$BOOKING_ID_JSON"

# A feed cursor taken before the seeding, so every poll reads 50 of the 20k seeded events.
FEED_CURSOR_JSON="$(python3 - "$URL" "$TOKEN" <<'PY'
import json, sys, urllib.request
url, token = sys.argv[1], sys.argv[2]
body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "poll_events", "arguments": {}}})
req = urllib.request.Request(url + "/bench/mcp", body.encode(), method="POST", headers={
    "Authorization": "Bearer " + token, "Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
with urllib.request.urlopen(req, timeout=10) as r:
    print(json.dumps(json.loads(r.read())["result"]["structuredContent"]["next_cursor"]))
PY
)"
python3 "$ROOT/Tests/integration/helpdesk_seed.py" "$DATA" bench billing 5000
python3 "$ROOT/Tests/integration/helpdesk_seed.py" "$DATA" bench sales 5000

RESULTS="$WORK/results"
: >"$RESULTS"
run_wrk() { # scenario script conns
    local name="$1" script="$2" conns="$3" out
    local threads="$THREADS"
    [ "$conns" -lt "$threads" ] && threads="$conns"   # wrk needs connections >= threads
    out="$(wrk -t"$threads" -c"$conns" -d"$DURATION" --latency -s "$BENCH_DIR/$script" "$URL" 2>&1)" || {
        echo "$out" >&2; echo "bench: wrk failed for $name" >&2; exit 1; }
    local line
    line="$(grep '^BENCH ' <<<"$out" | tail -1)"
    [ -n "$line" ] || { echo "$out" >&2; echo "bench: no summary for $name" >&2; exit 1; }
    echo "$name $conns ${line#BENCH }" >>"$RESULTS"
    if grep -q "Non-2xx" <<<"$out"; then
        echo "bench: $name c=$conns: $(grep 'Non-2xx' <<<"$out" | sed 's/^ *//')" >&2
    fi
}

for c in $CONNS; do
    run_wrk healthz healthz.lua "$c"
    run_wrk read_tool read_tool.lua "$c"
    run_wrk write_tool write_tool.lua "$c"
    BENCH_CALL_TOOL=list_conversations BENCH_CALL_ARGS='{"limit":25}' run_wrk hd_list tool_call.lua "$c"
    BENCH_CALL_TOOL=list_conversations BENCH_CALL_ARGS='{"limit":25,"status":"open"}' BENCH_TOKENS="${LIMITED# }" \
        run_wrk hd_list_inbox tool_call.lua "$c"
    BENCH_CALL_TOOL=poll_events BENCH_CALL_ARGS="{\"limit\":50,\"cursor\":$FEED_CURSOR_JSON}" run_wrk hd_poll tool_call.lua "$c"
done

# The pipeline line: CSV → filter → aggregate → SQLite as a pipelines run, next to pandas (bench/pipeline.py).
VENV="$ROOT/.venv"
"$ROOT/scripts/venv.sh" "$VENV"
"$VENV/bin/python" -c 'import pandas' 2>/dev/null || "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$BENCH_DIR/requirements.txt"
# shellcheck disable=SC2086
"$VENV/bin/python" "$BENCH_DIR/pipeline.py" "$BIN" "$DATA" "$URL" "$PID" ${BENCH_PIPELINE_ROWS:-100000 1000000} >"$WORK/pipeline.txt"

stop_daemon "$PID"
PID=""
[ "$STOPPED" = 0 ] || echo "bench: WARNING: daemon did not exit 0 on SIGTERM within 15 s (result: $STOPPED)" >&2

echo
echo "Toolhost bench: $(nproc) cores, wrk -t$THREADS (at most one per connection) -d$DURATION, binary $BIN"
echo "all access layers and the audit trail on; one token per wrk thread; rpc err counted only with BENCH_CHECK_BODIES=1"
BENCH_CHECK_BODIES="${BENCH_CHECK_BODIES:-0}" python3 - "$RESULTS" <<'PY'
import os, sys
checked = os.environ.get("BENCH_CHECK_BODIES") == "1"
rows = []
for line in open(sys.argv[1]):
    name, conns, *kv = line.split()
    d = dict(x.split("=") for x in kv)
    rows.append((name, int(conns), float(d["rps"]), float(d["p50"]), float(d["p99"]), int(d["requests"]),
                 int(d["non2xx"]), int(d["sockerr"]), int(d["rpcerr"])))
health = {c: rps for n, c, rps, *_ in rows if n == "healthz"}
print("hd_*: helpdesk on 10k conversations: list_conversations (25 per page, with total), the same through an inbox-limited")
print("      token with a status filter, poll_events (50 events per page)")
print(f"{'scenario':<12} {'conns':>5} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} {'non-2xx':>8} "
      f"{'rpc err':>8} {'sock err':>8} {'% healthz':>9}")
bad = 0
for n, c, rps, p50, p99, reqs, non2xx, sockerr, rpcerr in rows:
    pct = f"{100 * rps / health[c]:.1f}%" if n != "healthz" and health.get(c) else ""
    shown = str(rpcerr) if checked or n == "healthz" else "-"
    print(f"{n:<12} {c:>5} {rps:>10.0f} {p50:>8.3f} {p99:>8.3f} {reqs:>9} {non2xx:>8} {shown:>8} {sockerr:>8} {pct:>9}")
    bad += non2xx + rpcerr
print("non-2xx: wrk's count of non-2xx statuses; rpc err: 200 responses carrying a JSON-RPC error or isError result"
      + ("" if checked else " (- = not checked; BENCH_CHECK_BODIES=1 checks every body, at a cost to wrk)"))
if bad:
    print(f"WARNING: {bad} failed responses")
    sys.exit(1)
PY
cat "$WORK/pipeline.txt"
