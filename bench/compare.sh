#!/usr/bin/env bash
# Interleaved A/B of two (or more) toolhost release binaries on this machine: every daemon is up
# at once, and short wrk runs of one scenario alternate between them, so that drift in a noisy
# VM hits both sides alike. Prints req/s and the daemon's user/sys CPU per request (from /proc).
#   bench/compare.sh [ROUNDS] [DURATION] NAME=BINARY NAME=BINARY …
#   e.g. bench/compare.sh 8 3s before=../old/.build/release/toolhost after=.build/release/toolhost
# BENCH_SCENARIO (read_tool.lua), BENCH_CONNS (64). Plugins are loaded from each binary's folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-8}"; DURATION="${2:-3s}"; shift 2 || true
[ "$#" -ge 2 ] || { echo "usage: bench/compare.sh ROUNDS DURATION NAME=BINARY NAME=BINARY …" >&2; exit 2; }
SPECS=("$@")
SCENARIO="${BENCH_SCENARIO:-read_tool.lua}"
CONNS="${BENCH_CONNS:-64}"
export BENCH_DIR="$PWD/bench"
TICKS="$(getconf CLK_TCK)"
declare -A PORT TOKENS BOOKING PIDOF
PIDS=(); DIRS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "${DIRS[@]}"; }
trap cleanup EXIT

for spec in "${SPECS[@]}"; do
    name="${spec%%=*}"; bin="${spec#*=}"
    [ -x "$bin" ] || { echo "compare: no binary at $bin" >&2; exit 1; }
    dir="$(mktemp -d -t toolhost-compare.XXXXXX)"; DIRS+=("$dir"); mkdir -p "$dir/data"
    echo '{"abuse": {"burst_limit": 2000000000, "burst_window_seconds": 60}}' >"$dir/data/toolhost.json"
    "$bin" tenant create bench --data "$dir/data" 2>/dev/null
    t1="$("$bin" token create --tenant bench --name b1 --toolsets scheduling,clock --data "$dir/data" 2>/dev/null)"
    t2="$("$bin" token create --tenant bench --name b2 --toolsets scheduling,clock --data "$dir/data" 2>/dev/null)"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    "$bin" serve --host 127.0.0.1 --port "$port" --data "$dir/data" --no-demo >/dev/null 2>"$dir/serve.err" &
    PIDS+=($!); PIDOF[$name]=$!
    for _ in $(seq 1 100); do grep -q "listening on" "$dir/serve.err" && break; sleep 0.1; done
    BOOKING[$name]="$(python3 - "$port" "$t1" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
h = {"Authorization": "Bearer " + sys.argv[2], "Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
args = {"title": "compare", "start": "2030-01-02T09:00:00+01:00", "end": "2030-01-02T09:30:00+01:00",
        "time_zone": "Europe/Berlin", "attendee_name": "A", "attendee_email": "a@example.com"}
c.request("POST", "/bench/mcp", json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
          "params": {"name": "create_booking_request", "arguments": args}}), h)
print(json.dumps(json.loads(c.getresponse().read())["result"]["structuredContent"]["id"]))
PY
)"
    PORT[$name]="$port"; TOKENS[$name]="$t1 $t2"
done

cpu() { awk '{print $14, $15}' "/proc/$1/stat"; }
echo "round  name=req/s (user µs, sys µs per request)   [$SCENARIO, c=$CONNS, $DURATION each]"
for round in $(seq 1 "$ROUNDS"); do
    line="$round"
    for spec in "${SPECS[@]}"; do
        name="${spec%%=*}"; pid="${PIDOF[$name]}"
        read -r u0 s0 <<<"$(cpu "$pid")"
        out="$(BENCH_TOKENS="${TOKENS[$name]}" BENCH_PATH=/bench/mcp BENCH_BOOKING_ID_JSON="${BOOKING[$name]}" \
               wrk -t2 -c"$CONNS" -d"$DURATION" -s "$BENCH_DIR/$SCENARIO" "http://127.0.0.1:${PORT[$name]}" 2>&1 | grep '^BENCH')"
        read -r u1 s1 <<<"$(cpu "$pid")"
        requests="$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$out")"
        rps="$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$out")"
        user=$(( (u1 - u0) * 1000000 / TICKS / (requests > 0 ? requests : 1) ))
        sys=$(( (s1 - s0) * 1000000 / TICKS / (requests > 0 ? requests : 1) ))
        line="$line  $name=$rps ($user, $sys)"
    done
    echo "$line"
done
