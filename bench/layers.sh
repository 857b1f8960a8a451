#!/usr/bin/env bash
# What the access layers cost: the same benchmark against two release builds of the same source,
# one normal (all four layers + the audit trail) and one built with -DTOOLHOST_BENCH_WITHOUT_LAYERS
# (layer 3 plan checks, layer 4 abuse guard and the audit trail compiled out; layers 1–2 stay,
# since without them there is no caller). Prints both tables and the throughput difference.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release
swift build -c release --scratch-path .build-nolayers -Xswiftc -DTOOLHOST_BENCH_WITHOUT_LAYERS
WITH="$(mktemp)"; WITHOUT="$(mktemp)"
trap 'rm -f "$WITH" "$WITHOUT"' EXIT
BENCH_SKIP_BUILD=1 BENCH_BIN="$PWD/.build/release/toolhost" bench/run.sh | tee "$WITH"
BENCH_SKIP_BUILD=1 BENCH_BIN="$PWD/.build-nolayers/release/toolhost" bench/run.sh | tee "$WITHOUT"
python3 - "$WITH" "$WITHOUT" <<'PY'
import sys
def rows(path):
    out = {}
    for line in open(path):
        parts = line.split()
        if len(parts) > 3 and parts[0] in ("read_tool", "write_tool", "healthz") and parts[1].isdigit():
            out[(parts[0], int(parts[1]))] = float(parts[2])
    return out
with_layers, without = rows(sys.argv[1]), rows(sys.argv[2])
print("\nCost of layers 3–4 and the audit trail (requests/s, with vs without):")
for key in sorted(with_layers):
    if key[0] == "healthz" or key not in without:
        continue
    a, b = with_layers[key], without[key]
    print(f"  {key[0]:<11} c={key[1]:<3} with {a:>9.0f}  without {b:>9.0f}  cost {100 * (b - a) / b:>5.1f}%")
PY
