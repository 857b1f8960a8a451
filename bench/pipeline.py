"""The pipeline line of `make bench`: N CSV rows → filter → group-by aggregate → SQLite, run by the daemon as a
pipelines run, next to the same computation in pandas, in the same run on the same machine.

    python bench/pipeline.py BIN DATA URL PID [ROWS…]      (called by bench/run.sh; ROWS default 100000 1000000)

Prints rows/s and the daemon's peak RSS during each run (sampled from /proc every 10 ms; the growth over its RSS
just before the run is what the run cost), and pandas' time and peak RSS (measured in a child process of its own).
Both results are checked to be equal."""
from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

REGIONS = ["north", "south", "east", "west", "central", "coast", "hills", "islands"]
STATUSES = ["paid", "paid", "paid", "refunded", "open"]


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(42)
    with open(path, "w") as f:
        f.write("order_id,region,status,amount,quantity,customer\n")
        chunk = []
        for i in range(1, rows + 1):
            chunk.append(f"{i},{rng.choice(REGIONS)},{rng.choice(STATUSES)},{rng.randint(100, 99999) / 100:.2f},{rng.randint(1, 20)},"
                         f"cust{rng.randint(1, 50000)}\n")
            if len(chunk) == 100_000:
                f.write("".join(chunk))
                chunk = []
        f.write("".join(chunk))


def cli(bin_: str, data: str, *args: str, input: str | None = None) -> str:
    return subprocess.run([bin_, *args, "--data", data], check=True, capture_output=True, text=True, input=input).stdout.strip()


def call(url: str, token: str, name: str, args: dict) -> dict:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": args}})
    req = urllib.request.Request(url + "/bench/mcp", body.encode(), method="POST", headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
    with urllib.request.urlopen(req, timeout=60) as r:
        doc = json.loads(r.read())
    if "error" in doc or doc["result"].get("isError"):
        sys.exit(f"bench: {name} failed: {doc}")
    return doc["result"]["structuredContent"]


def rss_kib(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class PeakRSS(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, rss_kib(pid), True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.01)


PANDAS = r"""
import resource, sqlite3, sys, time
import pandas as pd
path, out = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
df = pd.read_csv(path, dtype={"order_id": "int64", "region": "string", "status": "string", "amount": "float64", "quantity": "int64",
                              "customer": "string"})
paid = df[df["status"] == "paid"]
agg = paid.groupby("region", sort=False).agg(orders=("order_id", "count"), revenue=("amount", "sum"), avg_quantity=("quantity", "mean")).reset_index()
with sqlite3.connect(out) as db:
    agg.to_sql("revenue", db, if_exists="replace", index=False)
elapsed = time.perf_counter() - t0
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main() -> None:
    bin_, data, url, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    sizes = [int(x) for x in sys.argv[5:]] or [100_000, 1_000_000]
    work = Path(data).parent / "pipeline-bench"
    files = work / "files"
    files.mkdir(parents=True, exist_ok=True)
    token = cli(bin_, data, "token", "create", "--tenant", "bench", "--name", "pipeline bench", "--toolsets", "pipelines")
    conn_files = cli(bin_, data, "pipelines", "connection", "create", "--tenant", "bench", "--name", "bench files", "--type", "files",
                     "--path", str(files))
    out_db = work / "toolhost.db"
    sqlite3.connect(out_db).close()
    conn_db = cli(bin_, data, "pipelines", "connection", "create", "--tenant", "bench", "--name", "bench out", "--type", "sqlite",
                  "--path", str(out_db))
    cli(bin_, data, "pipelines", "cluster", "create", "--tenant", "bench", "--name", "bench", "--nodes", "1")
    fields = [{"name": "order_id", "type": "integer"}, {"name": "region", "type": "string"}, {"name": "status", "type": "string"},
              {"name": "amount", "type": "number"}, {"name": "quantity", "type": "integer"}, {"name": "customer", "type": "string"}]
    lines = []
    for rows in sizes:
        csv_path = files / f"orders_{rows}.csv"
        write_csv(csv_path, rows)
        pkg = call(url, token, "create_package", {"name": f"bench {rows}", "flow_type": "dataflow", "components": [
            {"file_source_component": {"name": "orders", "connection_id": conn_files, "path": csv_path.name, "schema": {"fields": fields}}},
            {"filter_component": {"name": "paid", "condition": "status = 'paid'"}},
            {"aggregate_component": {"name": "per_region", "group_by": ["region"], "aggregates": [
                {"name": "orders", "function": "count", "field": "order_id"}, {"name": "revenue", "function": "sum", "field": "amount"},
                {"name": "avg_quantity", "function": "avg", "field": "quantity"}]}},
            {"database_destination_component": {"name": "out", "connection_id": conn_db, "table_name": f"revenue_{rows}", "mode": "replace"}},
        ], "edges": [{"source": "file_source_1", "target": "filter_1"}, {"source": "filter_1", "target": "aggregate_1"},
                     {"source": "aggregate_1", "target": "database_destination_1"}]})["package_id"]
        before = rss_kib(pid)
        sampler = PeakRSS(pid)
        sampler.start()
        t0 = time.perf_counter()
        run = call(url, token, "run_package", {"package_id": pkg})
        while run["status"] not in ("completed", "failed", "cancelled"):
            time.sleep(0.005)
            run = call(url, token, "get_run", {"run_id": run["id"]})
        wall = time.perf_counter() - t0
        sampler.running = False
        sampler.join()
        if run["status"] != "completed":
            sys.exit(f"bench: the pipeline run failed: {run}")
        engine = run["runtime_in_seconds"]
        pandas_out = work / f"pandas_{rows}.db"
        p = subprocess.run([sys.executable, "-c", PANDAS, str(csv_path), str(pandas_out)], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"bench: pandas failed (pip install -r bench/requirements.txt): {p.stderr[-2000:]}")
        pandas_s, pandas_kib = p.stdout.split()
        pandas_s, pandas_kib = float(pandas_s), int(pandas_kib)
        ours = {r[0]: r[1:] for r in sqlite3.connect(out_db).execute(f"SELECT region, orders, revenue, avg_quantity FROM revenue_{rows}")}
        theirs = {r[0]: r[1:] for r in sqlite3.connect(pandas_out).execute("SELECT region, orders, revenue, avg_quantity FROM revenue")}
        same = ours.keys() == theirs.keys() and all(ours[k][0] == theirs[k][0] and abs(ours[k][1] - theirs[k][1]) < 1e-6 * max(1, abs(theirs[k][1]))
                                                    and abs(ours[k][2] - theirs[k][2]) < 1e-9 for k in ours)
        if not same:
            sys.exit(f"bench: results differ:\n toolhost {ours}\n pandas   {theirs}")
        lines.append((rows, engine, wall, (sampler.peak - before) / 1024, sampler.peak / 1024, pandas_s, pandas_kib / 1024))
        os.remove(csv_path)
    print()
    print("pipeline: CSV → filter (status = 'paid') → group by region (count, sum, avg) → SQLite; results equal to pandas'")
    print(f"{'rows':>9} {'toolhost s':>10} {'rows/s':>11} {'wall s':>7} {'RSS +MiB':>9} {'RSS MiB':>8} {'pandas s':>9} {'rows/s':>11} "
          f"{'pandas MiB':>10} {'speed×':>7}")
    for rows, engine, wall, grew, peak, pandas_s, pandas_mib in lines:
        print(f"{rows:>9} {engine:>10.3f} {rows / engine:>11.0f} {wall:>7.3f} {grew:>9.1f} {peak:>8.1f} {pandas_s:>9.3f} "
              f"{rows / pandas_s:>11.0f} {pandas_mib:>10.1f} {pandas_s / engine:>7.2f}")
    print("toolhost s: the run's runtime (started → completed, from get_run); wall s: run_package → get_run says completed;")
    print("RSS +MiB: the daemon's peak RSS during the run minus its RSS just before; speed×: pandas time / toolhost time")


if __name__ == "__main__":
    main()
