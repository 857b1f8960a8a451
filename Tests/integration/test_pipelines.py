"""The Pipelines toolset (Plugins/Pipelines) against a real daemon, real files, a real SQLite destination and a real
PostgreSQL server (the session's throwaway one): operators set up workspaces, connections, clusters and schedules with
`toolhost pipelines …`; an agent discovers, builds, validates, runs, breaks, explains, retries and schedules a package
through the official MCP client and raw HTTP. Destination rows are checked against an independent computation."""
from __future__ import annotations

import csv
import json
import random
import sqlite3
import time
from collections import defaultdict
from pathlib import Path

import pytest

from toolhost_testlib import TenantSession, create_tenant, module_daemon, rpc_error, token_public_id

READ_ONLY = {
    "list_workspaces", "list_packages", "get_package", "list_connections", "get_connection", "list_clusters", "search_all",
    "list_component_types", "describe_component_type", "list_runs", "get_run", "explain_job_failure", "list_schedules",
    "get_schedule", "validate_package", "discover_schema", "discover_file_schema", "preview_data", "test_connection",
}
WRITES = {
    "create_package", "clone_package", "add_package_components", "update_package_components", "update_package_edges",
    "remove_package_components", "rename_package", "manage_package_variables", "delete_package", "toggle_schedule",
    "run_package", "cancel_job", "retry_job",
}

_counter = [0]


class Pipelines(TenantSession):
    """One growth tenant with its pipelines setup, on a daemon shared by the module."""

    def p(self, name: str, *args: str, check: bool = True, input: str | None = None):
        from toolhost_testlib import cli
        return cli(self.d.data, "pipelines", name, "--tenant", self.tenant, *args, check=check, input=input)

    def token(self, grant: str = "pipelines", name: str = "Pipeline agent", *extra: str) -> str:
        return self.cli("token", "create", "--tenant", self.tenant, "--name", name, "--toolsets", grant, *extra).stdout.strip()

    def one_line(self, *args: str, input: str | None = None) -> str:
        out = self.p(*args, input=input).stdout
        assert out.endswith("\n") and out.count("\n") == 1, repr(out)
        return out.strip()

    def wait_run(self, token: str, run_id: str, timeout: float = 120) -> dict:
        deadline = time.time() + timeout
        while time.time() < deadline:
            run = self.call(token, "get_run", {"run_id": run_id, "log_tail_lines": 200})
            if run["status"] in ("completed", "failed", "cancelled"):
                return run
            time.sleep(0.2)
        raise AssertionError(f"run {run_id} did not finish: {run}")


def _audit(t: Pipelines, kind: str, predicate) -> list[dict]:
    """Audit details of `kind` matching predicate (the trail is written asynchronously: poll)."""
    deadline = time.monotonic() + 30
    while True:
        out = t.cli("audit", "--tenant", t.tenant, "--json", "--kind", kind).stdout
        found = [e["details"] for e in (json.loads(line) for line in out.splitlines() if line.strip()) if predicate(e["details"])]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    yield from module_daemon(tmp_path_factory, "pipelines")


def _tenant(daemon) -> Pipelines:
    _counter[0] += 1
    tenant = f"data{_counter[0]}"
    create_tenant(daemon.data, tenant, plan="growth")
    return Pipelines(daemon, tenant)


def _orders_csv(folder: Path, rows: int, seed: int = 7, keep: bool = True) -> list[dict] | int:
    """orders.csv: order_id, customer_id, status, amount (2 decimals), note (with commas and quotes). Returns the rows,
    or with keep=False only how many are paid: big files are written in chunks without keeping them, so this test
    process stays small (other tests measure child processes' peak RSS, which on Linux starts from the parent's)."""
    rng = random.Random(seed)
    statuses, notes = ["paid", "paid", "refunded", "open"], ["", '"gift, wrapped"', '"said ""hi"""', "plain"]
    records, paid = [], 0
    with open(folder / "orders.csv", "w", newline="") as f:
        f.write("order_id,customer_id,status,amount,note\n")
        for start in range(1, rows + 1, 50_000):
            count = min(50_000, rows + 1 - start)
            customers = [rng.randint(1, 40) for _ in range(count)]
            status = rng.choices(statuses, k=count)
            amounts = [round(rng.uniform(1, 500), 2) for _ in range(count)]
            note = rng.choices(range(4), k=count)
            f.write("".join(f"{start + i},{customers[i]},{status[i]},{amounts[i]},{notes[note[i]]}\n" for i in range(count)))
            paid += status.count("paid")
            if keep:
                records += [{"order_id": start + i, "customer_id": customers[i], "status": status[i], "amount": amounts[i]}
                            for i in range(count)]
    return records if keep else paid


def _customers(pg) -> dict[int, str]:
    countries = ["DE", "FR", "NL", "ES", "IT"]
    customers = {i: countries[i % len(countries)] for i in range(1, 36)}  # 36..40 have no customer row
    pg.psql("DROP TABLE IF EXISTS customers; CREATE TABLE customers (id integer PRIMARY KEY, country text NOT NULL, vip boolean);"
            + "INSERT INTO customers VALUES " + ",".join(f"({i}, '{c}', {str(i % 3 == 0).lower()})" for i, c in customers.items()) + ";")
    return customers


def _expected_revenue(orders: list[dict], customers: dict[int, str]) -> dict[str, tuple[int, float]]:
    out: dict[str, list] = defaultdict(lambda: [0, 0.0])
    for o in orders:
        if o["status"] == "paid" and o["customer_id"] in customers:
            out[customers[o["customer_id"]]][0] += 1
            out[customers[o["customer_id"]]][1] += o["amount"]
    return {k: (v[0], round(v[1], 2)) for k, v in out.items()}


def _sqlite_rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def _revenue_package(conns: dict[str, str], fields: list[dict], name: str = "Paid revenue by country") -> dict:
    return {
        "name": name, "flow_type": "dataflow", "description": "orders.csv → paid → customers (PostgreSQL) → per country → SQLite",
        "components": [
            {"file_source_component": {"name": "orders", "connection_id": conns["files"], "path": "orders.csv", "schema": {"fields": fields}}},
            {"filter_component": {"name": "paid_only", "condition": "status = $wanted_status"}},
            {"database_source_component": {"name": "customers", "connection_id": conns["pg"], "table_name": "customers",
                                           "columns": ["id", "country"]}},
            {"join_component": {"name": "with_country", "left_keys": ["customer_id"], "right_keys": ["id"]}},
            {"aggregate_component": {"name": "per_country", "group_by": ["country"],
                                     "aggregates": [{"name": "orders", "function": "count"},
                                                    {"name": "revenue", "function": "sum", "field": "amount"}]}},
            {"database_destination_component": {"name": "revenue_table", "connection_id": conns["sqlite"], "table_name": "revenue",
                                                "mode": "replace"}},
        ],
        "edges": [
            {"source": "file_source_1", "target": "filter_1"},
            {"source": "filter_1", "target": "join_1", "port": "left"},
            {"source": "database_source_1", "target": "join_1", "port": "right"},
            {"source": "join_1", "target": "aggregate_1"},
            {"source": "aggregate_1", "target": "database_destination_1"},
        ],
        "variables": {"wanted_status": "paid"},
    }


@pytest.fixture
def setup(daemon, postgres_server, tmp_path):
    """A tenant with a workspace, a files connection (orders.csv), a PostgreSQL connection (customers) and a SQLite
    destination connection, a 2-node cluster, and an agent token."""
    t = _tenant(daemon)
    folder = tmp_path / "files"
    folder.mkdir()
    orders = _orders_csv(folder, 3000)
    customers = _customers(postgres_server)
    dest = tmp_path / "warehouse.db"
    sqlite3.connect(dest).close()
    ws = t.one_line("workspace", "create", "Analytics")
    conns = {
        "files": t.one_line("connection", "create", "--name", "Order exports", "--type", "files", "--path", str(folder)),
        "sqlite": t.one_line("connection", "create", "--name", "Warehouse", "--type", "sqlite", "--path", str(dest)),
        "pg": t.one_line("connection", "create", "--name", "CRM Postgres", "--type", "postgres", "--host", postgres_server.host,
                         "--port", str(postgres_server.port), "--database", postgres_server.database, "--user", postgres_server.user,
                         "--password-stdin", input=postgres_server.password + "\n"),
    }
    cluster = t.one_line("cluster", "create", "--name", "default", "--nodes", "2")
    token = t.token()
    return {"t": t, "ws": ws, "conns": conns, "cluster": cluster, "token": token, "folder": folder, "dest": dest,
            "orders": orders, "customers": customers, "pg": postgres_server}


def test_tools_exactly_the_seeds_and_read_only_tokens_see_the_read_only_ones(setup):
    t, token = setup["t"], setup["token"]

    async def names(client):
        tools = (await client.list_tools()).tools
        return {tool.name: bool(tool.annotations and tool.annotations.read_only_hint) for tool in tools}

    listed = t.with_client(token, names)
    assert set(listed) == READ_ONLY | WRITES and len(listed) == 32
    assert {n for n, ro in listed.items() if ro} == READ_ONLY
    for grant, extra in (("pipelines:read", ()), ("pipelines", ("--read-only",))):
        ro_token = t.token(grant, "Auditor", *extra)
        assert set(t.with_client(ro_token, names)) == READ_ONLY
        for tool in ("run_package", "create_package"):
            rpc_error(t.raw(ro_token, tool, {"package_id": "pkg_x"}, id=5), 403, -31003,
                      f"Token does not grant write access to the pipelines server ({tool} changes data)", id=5, layer="scope")
        assert t.call(ro_token, "list_packages", {}) == {"packages": [], "next_cursor": None}


def test_the_whole_story(setup):
    t, token, conns, pg = setup["t"], setup["token"], setup["conns"], setup["pg"]
    seen: list[str] = []  # every tool answer, to grep for the password at the end

    def call(tool, args):
        result = t.call(token, tool, args)
        seen.append(json.dumps(result))
        return result

    # Orientation and connections: identifying fields only, real tests.
    workspaces = call("list_workspaces", {})["workspaces"]
    assert [w["name"] for w in workspaces] == ["Analytics"] and workspaces[0]["package_count"] == 0
    listed = call("list_connections", {})["connections"]
    assert {c["name"]: c["type"] for c in listed} == {"Order exports": "files", "Warehouse": "sqlite", "CRM Postgres": "postgres"}
    assert all(set(c) == {"id", "name", "type", "status"} for c in listed)
    pg_conn = call("get_connection", {"connection_id": conns["pg"]})
    assert pg_conn["host"] == pg.host and pg_conn["port"] == pg.port and pg_conn["database"] == pg.database
    assert pg_conn["suggested_components"] == {"source": "database_source_component", "destination": "database_destination_component"}
    assert "password" not in json.dumps(pg_conn) and "user" not in pg_conn
    for conn in conns.values():
        tested = call("test_connection", {"connection_id": conn})
        assert tested["success"] is True and tested["error_message"] is None, tested

    # Discovery.
    tables = call("discover_schema", {"connection_id": conns["pg"], "search": "cust"})["tables"]
    assert [(x["table_name"], [c["name"] for c in x["columns"]]) for x in tables] == [("customers", ["id", "country", "vip"])]
    sniffed = call("discover_file_schema", {"connection_id": conns["files"], "path": "orders.csv"})
    assert sniffed["field_count"] == 5 and sniffed["column_names"] == ["order_id", "customer_id", "status", "amount", "note"]
    assert [f["type"] for f in sniffed["fields"]][:4] == ["integer", "integer", "string", "number"]
    preview = call("preview_data", {"connection_id": conns["pg"], "table_name": "customers", "where_clause": "country = 'DE'",
                                    "row_count": 3})
    assert preview["row_count"] == 3 and all(r["country"] == "DE" for r in preview["rows"])
    assert [c["name"] for c in preview["columns"]] == ["id", "country", "vip"]

    # Build, validate, run, check the rows against an independent computation.
    spec = _revenue_package(conns, sniffed["fields"])
    created = call("create_package", {**spec, "workspace_id": setup["ws"]})
    pkg = created["package_id"]
    assert created["version"] == 1
    validated = call("validate_package", {"package_id": pkg})
    assert validated["valid"] is True and validated["errors"] == [] and validated["version"] == 1
    run = call("run_package", {"package_id": pkg})
    assert run["status"] in ("queued", "running", "completed")
    done = t.wait_run(token, run["id"])
    assert done["status"] == "completed", done
    expected = _expected_revenue(setup["orders"], setup["customers"])
    got = {c: (n, round(r, 2)) for c, n, r in _sqlite_rows(setup["dest"], "SELECT country, orders, revenue FROM revenue")}
    assert got == expected
    rows = {r["component"]: r["rows"] for r in done["component_rows"]}
    assert rows["orders"] == 3000 and rows["revenue_table"] == len(expected)
    assert rows["paid_only"] == sum(1 for o in setup["orders"] if o["status"] == "paid")

    # Break a component: validation names it, the run fails and leaves the destination as it was, explain names it.
    broken = call("update_package_components", {"package_id": pkg, "components": [
        {"component_name": "paid_only", "updates": {"condition": "statuz = 'paid'"}}]})
    assert broken["version"] == 2
    report = call("validate_package", {"package_id": pkg})
    assert report["valid"] is False and [e["component"] for e in report["errors"]] == ["paid_only"]
    assert "statuz" in report["errors"][0]["message"]
    failed = t.wait_run(token, call("run_package", {"package_id": pkg})["id"])
    assert failed["status"] == "failed" and failed["error_component"] == "paid_only"
    assert {c: (n, round(r, 2)) for c, n, r in _sqlite_rows(setup["dest"], "SELECT country, orders, revenue FROM revenue")} == expected
    explained = call("explain_job_failure", {"run_id": failed["id"]})
    assert explained["failed_component"] == "paid_only" and "statuz" in explained["primary_error"]
    assert "schema" in explained["patterns"] and explained["suggestions"]
    assert len(call("explain_job_failure", {"run_id": failed["id"], "log_tail_lines": 2})["log_tail"]) == 2

    # Revert the bad edit from history (a new version), retry the failed run: a child run, hidden from list_runs by default.
    history = t.p("history", pkg).stdout
    assert "update_package_components" in history and "create_package" in history
    assert "Pipeline agent" in history or "tok_" in history
    t.p("revert", pkg, "1")
    assert call("get_package", {"package_id": pkg})["version"] == 3
    shown = json.loads(t.p("show-version", pkg, "3", "--json").stdout)
    assert shown["change"] == "revert"
    retry = call("retry_job", {"run_id": failed["id"]})
    assert retry["parent_run_id"] == failed["id"] and retry["id"] != failed["id"]
    assert t.wait_run(token, retry["id"])["status"] == "completed"
    assert call("get_run", {"run_id": failed["id"]})["status"] == "failed"  # the original is kept
    default_ids = [r["id"] for r in call("list_runs", {"package_id": pkg})["runs"]]
    assert retry["id"] not in default_ids and failed["id"] in default_ids
    assert retry["id"] in [r["id"] for r in call("list_runs", {"package_id": pkg, "include_retries": True})["runs"]]
    assert [r["id"] for r in call("list_runs", {"status": "failed"})["runs"]] == [failed["id"]]
    operator_view = json.loads(t.p("runs", "--package", pkg, "--json").stdout)["runs"]
    assert {retry["id"], failed["id"]} <= {r["id"] for r in operator_view}  # operators see retries too

    # Schedules: an operator creates a nightly one; archive is refused while it is enabled; when its time comes (moved
    # to now in the host's schedule table, as test_jobs does) it fires a run attributed to it; toggled off.
    sched = t.one_line("schedule", "create", "--package", pkg, "--name", "Nightly", "--cron", "0 3 * * *", "--time-zone", "Europe/Berlin")
    listed = call("list_schedules", {"package_id": pkg})["schedules"]
    assert [(s["id"], s["enabled"], s["time_zone"]) for s in listed] == [(sched, True, "Europe/Berlin")]
    assert listed[0]["next_run_at"].endswith(("T01:00:00Z", "T02:00:00Z")), listed  # 03:00 in Berlin, the host's cron rules
    refusal = t.fail(token, "delete_package", {"package_id": pkg})
    assert "Nightly" in refusal and "toggle_schedule" in refusal
    with sqlite3.connect(Path(t.d.data) / "jobs.db") as jobs:
        moved = jobs.execute("UPDATE schedules SET next_run_ms = ? WHERE tenant = ? AND name = ?",
                             (int(time.time() * 1000) + 300, t.tenant, f"pipelines.{sched}")).rowcount
    assert moved == 1
    deadline = time.time() + 30
    fired = None
    while time.time() < deadline and not fired:
        fired = call("get_schedule", {"schedule_id": sched})["last_run_id"]
        time.sleep(0.2)
    assert fired, "the schedule did not fire"
    assert t.wait_run(token, fired)["status"] == "completed"
    assert call("get_run", {"run_id": fired})["started_by"] == "schedule Nightly"
    assert call("get_schedule", {"schedule_id": sched})["next_run_at"].endswith(("T01:00:00Z", "T02:00:00Z"))
    off = call("toggle_schedule", {"schedule_id": sched, "enabled": False})
    assert off["enabled"] is False and off["next_run_at"] is None
    assert [s["id"] for s in call("list_schedules", {"enabled": False})["schedules"]] == [sched]
    archived = call("delete_package", {"package_id": pkg})
    assert archived["status"] == "archived"
    assert pkg in [p["id"] for p in call("list_packages", {"status": "archived"})["packages"]]
    assert pkg not in [p["id"] for p in call("list_packages", {})["packages"]]
    assert "archived" in t.fail(token, "run_package", {"package_id": pkg})

    # The password appears nowhere an agent or operator can look: results, log tails, the daemon's log, the database file.
    for text in seen + [t.p("connection", "list", "--json").stdout, t.d.stderr, t.d.stdout]:
        assert pg.password not in text
    for db in Path(t.d.data).rglob("*.sqlite*"):
        assert pg.password.encode() not in db.read_bytes()
    for db in Path(t.d.data).rglob("*.db*"):
        assert pg.password.encode() not in db.read_bytes()


def test_wrong_password_is_refused_and_never_echoed(setup):
    t, token, pg = setup["t"], setup["token"], setup["pg"]
    wrong = "Wr0ng-" + pg.password[::-1]
    conn = t.one_line("connection", "create", "--name", "Bad creds", "--type", "postgres", "--host", pg.host, "--port", str(pg.port),
                      "--database", pg.database, "--user", pg.user, "--password-stdin", input=wrong + "\n")
    tested = t.call(token, "test_connection", {"connection_id": conn})
    assert tested["success"] is False and tested["error_message"]
    assert wrong not in json.dumps(tested) and pg.password not in json.dumps(tested)
    assert "password" in tested["error_message"].lower() or "authentication" in tested["error_message"].lower()
    pkg = t.call(token, "create_package", {"name": "bad creds copy", "flow_type": "dataflow", "components": [
        {"database_source_component": {"name": "src", "connection_id": conn, "table_name": "customers"}},
        {"database_destination_component": {"name": "dst", "connection_id": setup["conns"]["sqlite"], "table_name": "copy"}},
    ], "edges": [{"source": "database_source_1", "target": "database_destination_1"}]})["package_id"]
    run = t.wait_run(token, t.call(token, "run_package", {"package_id": pkg})["id"])
    assert run["status"] == "failed"
    explained = t.call(token, "explain_job_failure", {"run_id": run["id"]})
    assert "auth" in explained["patterns"]
    assert wrong not in json.dumps(explained) and wrong not in json.dumps(run) and wrong not in t.d.stderr
    # The CLI never takes a password as an argument (ps would show it).
    refused = t.p("connection", "create", "--name", "x", "--type", "postgres", "--host", "h", "--database", "d", "--user", "u",
                  "--password", "secret", check=False)
    assert refused.returncode == 2 and "--password-stdin" in refused.stderr
    missing = t.p("connection", "create", "--name", "nowhere", "--type", "files", "--path", "/nonexistent/folder", check=False)
    assert missing.returncode == 1 and "/nonexistent/folder is not a folder" in missing.stderr
    assert "nowhere" not in t.p("connection", "list").stdout


def test_edits_are_all_or_nothing_and_versioned(setup):
    t, token, conns = setup["t"], setup["token"], setup["conns"]
    spec = _revenue_package(conns, [{"name": "order_id", "type": "integer"}, {"name": "customer_id", "type": "integer"},
                                    {"name": "status", "type": "string"}, {"name": "amount", "type": "number"}])
    pkg = t.call(token, "create_package", spec)["package_id"]

    def version():
        return t.call(token, "get_package", {"package_id": pkg})["version"]

    full = t.call(token, "get_package", {"package_id": pkg, "include_full_graph": True})
    assert full["graph_summary"] == {"component_count": 6, "edge_count": 5, "variables_count": 1, "component_types": {
        "file_source_component": 1, "filter_component": 1, "database_source_component": 1, "join_component": 1,
        "aggregate_component": 1, "database_destination_component": 1}}
    graph = full["data_flow_json"]
    # One unknown name: nothing written.
    text = t.fail(token, "update_package_components", {"package_id": pkg, "components": [
        {"component_name": "paid_only", "updates": {"condition": "amount > 1"}},
        {"component_name": "no_such", "updates": {"condition": "true"}}]})
    assert '"no_such"' in text and "nothing was changed" in text
    assert version() == 1 and t.call(token, "get_package", {"package_id": pkg, "include_full_graph": True})["data_flow_json"] == graph
    # Deep merge: a nested object merges member by member.
    t.call(token, "update_package_components", {"package_id": pkg, "components": [
        {"component_name": "orders", "updates": {"schema": {"fields": [{"name": "order_id", "type": "integer"}]}, "delimiter": ";"}}]})
    after = t.call(token, "get_package", {"package_id": pkg, "include_full_graph": True})["data_flow_json"]
    orders = after["components"][0]["file_source_component"]
    assert orders["delimiter"] == ";" and orders["schema"] == {"fields": [{"name": "order_id", "type": "integer"}]}
    assert orders["path"] == "orders.csv" and version() == 2
    changed = _audit(t, "pipelines.package_changed", lambda d: d.get("package_id") == pkg and d.get("version") == 2)
    assert changed and changed[0]["by"] == token_public_id(token) and changed[0]["by_name"] == "Pipeline agent", changed
    # Edges: one bad reference rejects them all.
    text = t.fail(token, "update_package_edges", {"package_id": pkg, "edges": [
        {"source": "file_source_1", "target": "filter_1"}, {"source": "filter_1", "target": "ghost_9"}]})
    assert "ghost_9" in text and version() == 2
    # Removing a component drops its edges.
    removed = t.call(token, "remove_package_components", {"package_id": pkg, "component_names": ["paid_only"]})
    assert removed["graph_summary"]["edge_count"] == 3 and removed["version"] == 3
    assert "no_such" in t.fail(token, "remove_package_components", {"package_id": pkg, "component_names": ["orders", "no_such"]})
    assert version() == 3
    # Variables, rename (metadata only), clone.
    v = t.call(token, "manage_package_variables", {"package_id": pkg, "set": {"region": "eu", "limit": 5}, "remove": ["wanted_status"]})
    assert v["variables"] == {"region": "eu", "limit": 5}
    assert "nope" in t.fail(token, "manage_package_variables", {"package_id": pkg, "remove": ["nope"]})
    before = t.call(token, "get_package", {"package_id": pkg, "include_full_graph": True})["data_flow_json"]
    renamed = t.call(token, "rename_package", {"package_id": pkg, "name": "Renamed", "description": "new words"})
    assert renamed["name"] == "Renamed" and renamed["version"] == 5
    assert t.call(token, "get_package", {"package_id": pkg, "include_full_graph": True})["data_flow_json"] == before
    clone = t.call(token, "clone_package", {"package_id": pkg})
    assert clone["package_id"] != pkg and clone["name"] == "Copy of Renamed" and clone["version"] == 1
    history = t.p("history", pkg).stdout
    for change in ("create_package", "update_package_components", "remove_package_components", "manage_package_variables", "rename_package"):
        assert change in history
    # Shapes are checked at create: unknown types, unknown properties, dangling edges.
    bad = t.fail(token, "create_package", {"name": "bad", "flow_type": "dataflow", "components": [
        {"teleport_component": {"name": "x"}}, {"filter_component": {"name": "f", "colour": "red"}}], "edges": []})
    assert "teleport_component" in bad and "colour" in bad
    huge = t.fail(token, "update_package_components", {"package_id": pkg, "components": [
        {"component_name": "orders", "updates": {"path": "x" * 600_000}}]})
    assert "the limit is 512 KiB" in huge and version() == 5


def test_describe_component_type_examples_are_accepted_verbatim(setup):
    t, token = setup["t"], setup["token"]
    types = t.call(token, "list_component_types", {})["component_types"]
    assert {x["category"] for x in types} == {"source", "transformation", "destination"}
    assert len(t.call(token, "list_component_types", {"category": "destination"})["component_types"]) == 2
    for entry in types:
        described = t.call(token, "describe_component_type", {"name": entry["wrapper_key"]})
        assert described["wrapper_example"] and "name" in described["required"]
        created = t.call(token, "create_package", {"name": f"example {entry['name']}", "flow_type": "dataflow",
                                                   "components": [described["wrapper_example"]], "edges": []})
        assert created["graph_summary"]["component_count"] == 1
    assert "list_component_types" in t.fail(token, "describe_component_type", {"name": "warp_drive"})


def test_preview_where_clause_is_one_read_only_fragment(setup):
    t, token, conns = setup["t"], setup["token"], setup["conns"]
    for fragment, word in (("1=1; DROP TABLE customers", ";"), ("1=1 -- x", "--"), ("1=1 /* x */", "/*")):
        text = t.fail(token, "preview_data", {"connection_id": conns["pg"], "table_name": "customers", "where_clause": fragment})
        assert word in text
    with sqlite3.connect(setup["dest"]) as db:
        db.execute("CREATE TABLE IF NOT EXISTS keep (x integer)")
        db.execute("INSERT INTO keep VALUES (1)")
    for fragment in ("x IN (SELECT load_extension('/tmp/evil'))", "x = 1 UNION SELECT 1 FROM pragma_table_info('keep')"):
        t.fail(token, "preview_data", {"connection_id": conns["sqlite"], "table_name": "keep", "where_clause": fragment})
    assert _sqlite_rows(setup["dest"], "SELECT x FROM keep") == [(1,)]
    assert t.call(token, "preview_data", {"connection_id": conns["sqlite"], "table_name": "keep"})["rows"] == [{"x": 1}]
    too_many = t.raw(token, "preview_data", {"connection_id": conns["pg"], "table_name": "customers", "row_count": 201}).json()
    assert "error" in too_many or too_many["result"]["isError"]
    assert t.fail(token, "discover_schema", {"connection_id": conns["files"]}) == "connection not found, or not a database connection"


def test_search_all(setup):
    t, token, conns = setup["t"], setup["token"], setup["conns"]
    t.call(token, "create_package", _revenue_package(conns, [{"name": "order_id", "type": "integer"}], name="Quarterly revenue"))
    found = t.call(token, "search_all", {"query": "revenue"})
    assert [p["name"] for p in found["results"]["packages"]] == ["Quarterly revenue"]
    assert [c["name"] for c in t.call(token, "search_all", {"query": "crm"})["results"]["connections"]] == ["CRM Postgres"]
    only = t.call(token, "search_all", {"query": "analytics default warehouse", "types": ["workspaces"]})
    assert set(only["results"]) == {"workspaces"}
    assert [w["name"] for w in t.call(token, "search_all", {"query": "analyt", "types": ["workspaces"]})["results"]["workspaces"]] == ["Analytics"]
    resp = t.raw(token, "search_all", {"query": "x", "per_type_limit": 51}).json()
    assert "error" in resp or resp["result"]["isError"]


def _copy_package(t, token, conns, table: str, condition: str = "true") -> str:
    return t.call(token, "create_package", {"name": f"copy to {table}", "flow_type": "dataflow", "components": [
        {"file_source_component": {"name": "orders", "connection_id": conns["files"], "path": "orders.csv",
                                   "schema": {"fields": [{"name": "order_id", "type": "integer"}, {"name": "customer_id", "type": "integer"},
                                                         {"name": "status", "type": "string"}, {"name": "amount", "type": "number"},
                                                         {"name": "note", "type": "string"}]}}},
        {"filter_component": {"name": "keep", "condition": condition}},
        {"sort_component": {"name": "by_amount", "keys": [{"field": "amount", "direction": "desc"}]}},
        {"database_destination_component": {"name": "out", "connection_id": conns["sqlite"], "table_name": table, "mode": "append"}},
    ], "edges": [{"source": "file_source_1", "target": "filter_1"}, {"source": "filter_1", "target": "sort_1"},
                 {"source": "sort_1", "target": "database_destination_1"}]})["package_id"]


def test_cancel_rolls_back_and_is_idempotent(setup):
    t, token, conns = setup["t"], setup["token"], setup["conns"]
    _orders_csv(setup["folder"], 400_000, seed=3, keep=False)
    pkg = _copy_package(t, token, conns, "big_copy")
    run = t.call(token, "run_package", {"package_id": pkg})
    deadline = time.time() + 60
    while t.call(token, "get_run", {"run_id": run["id"]})["status"] == "queued" and time.time() < deadline:
        time.sleep(0.05)
    cancelled = t.call(token, "cancel_job", {"run_id": run["id"]})
    final = t.wait_run(token, run["id"])
    if final["status"] == "completed":
        pytest.fail("the run finished before it could be cancelled; make the input bigger")
    assert final["status"] == "cancelled" and cancelled["id"] == run["id"]
    assert _sqlite_rows(setup["dest"], "SELECT name FROM sqlite_master WHERE name = 'big_copy'") in ([], [("big_copy",)])
    if _sqlite_rows(setup["dest"], "SELECT name FROM sqlite_master WHERE name = 'big_copy'"):
        assert _sqlite_rows(setup["dest"], "SELECT count(*) FROM big_copy") == [(0,)]
    again = t.call(token, "cancel_job", {"run_id": run["id"]})
    assert again["status"] == "cancelled"
    child = t.call(token, "retry_job", {"run_id": run["id"]})
    assert child["parent_run_id"] == run["id"]
    t.call(token, "cancel_job", {"run_id": child["id"]})
    t.wait_run(token, child["id"])
    completed = t.wait_run(token, t.call(token, "run_package", {"package_id": _copy_package(t, token, conns, "small", "order_id < 10")})["id"])
    assert completed["status"] == "completed"
    assert t.fail(token, "retry_job", {"run_id": completed["id"]}) == \
        f"Run {completed['id']} is completed; only failed or cancelled runs can be retried"


def test_a_one_node_cluster_runs_one_at_a_time(setup):
    t, token, conns = setup["t"], setup["token"], setup["conns"]
    single = t.one_line("cluster", "create", "--name", "single", "--nodes", "1")
    pkg = _copy_package(t, token, conns, "serial")
    runs = [t.call(token, "run_package", {"package_id": pkg, "cluster_id": single})["id"] for _ in range(3)]
    finished = set()
    deadline = time.time() + 120
    while len(finished) < 3 and time.time() < deadline:
        states = [t.call(token, "get_run", {"run_id": r})["status"] for r in runs]
        assert states.count("running") <= 1, states
        finished = {r for r, s in zip(runs, states) if s in ("completed", "failed", "cancelled")}
        time.sleep(0.05)
    assert [t.call(token, "get_run", {"run_id": r})["status"] for r in runs] == ["completed"] * 3
    assert _sqlite_rows(setup["dest"], "SELECT count(*) FROM serial") == [(9000,)]


def test_an_idle_cluster_terminates_and_a_run_starts_it_again(setup):
    t, token, conns = setup["t"], setup["token"], setup["conns"]
    idle = t.one_line("cluster", "create", "--name", "sleepy", "--nodes", "1", "--terminate-on-idle", "--idle-timeout", "1")
    time.sleep(1.5)
    clusters = {c["id"]: c for c in t.call(token, "list_clusters", {})["clusters"]}
    assert clusters[idle]["status"] == "terminated" and clusters[idle]["terminated_at"]
    assert [c["id"] for c in t.call(token, "list_clusters", {"status": "terminated"})["clusters"]] == [idle]
    pkg = _copy_package(t, token, conns, "wake")
    run = t.wait_run(token, t.call(token, "run_package", {"package_id": pkg, "cluster_id": idle})["id"])
    assert run["status"] == "completed"
    assert any("starting it again" in line for line in run["log_tail"])


def test_a_run_killed_mid_way_runs_again_after_the_restart_and_writes_once(tmp_path):
    """SIGKILL while a run writes: the destination was never committed, so after the restart the run starts again
    (attempt 2) and the table ends up with every row exactly once."""
    from toolhost_testlib import Daemon, relax_abuse_limits
    data = tmp_path / "data"
    data.mkdir()
    relax_abuse_limits(data)
    create_tenant(data, "acme", plan="growth")
    d = Daemon(data=data, logdir=tmp_path / "logs").start()
    t = Pipelines(d, "acme")
    folder = tmp_path / "files"
    folder.mkdir()
    paid = _orders_csv(folder, 600_000, seed=11, keep=False)
    dest = tmp_path / "out.db"
    conns = {"files": t.one_line("connection", "create", "--name", "files", "--type", "files", "--path", str(folder)),
             "sqlite": t.one_line("connection", "create", "--name", "out", "--type", "sqlite", "--path", str(dest))}
    t.one_line("cluster", "create", "--name", "default", "--nodes", "1")
    token = t.token()
    pkg = _copy_package(t, token, conns, "orders_copy", "status = 'paid'")
    run = t.call(token, "run_package", {"package_id": pkg})["id"]
    deadline = time.time() + 60
    while t.call(token, "get_run", {"run_id": run})["status"] != "running" and time.time() < deadline:
        time.sleep(0.02)
    d.kill()
    assert _sqlite_rows(dest, "SELECT count(*) FROM sqlite_master WHERE name = 'orders_copy'") in ([(0,)], [(1,)])
    if _sqlite_rows(dest, "SELECT count(*) FROM sqlite_master WHERE name = 'orders_copy'") == [(1,)]:
        assert _sqlite_rows(dest, "SELECT count(*) FROM orders_copy") == [(0,)]
    d = Daemon(data=data, logdir=tmp_path / "logs").start()
    try:
        t = Pipelines(d, "acme")
        done = t.wait_run(token, run, timeout=180)
        if done["attempt"] == 1:
            pytest.fail(f"the run finished before the SIGKILL; make the input bigger: {done}")
        assert done["status"] == "completed" and done["attempt"] == 2, done
        assert any("interrupted" in line for line in done["log_tail"]), done["log_tail"]
        assert _sqlite_rows(dest, "SELECT count(*), count(DISTINCT order_id) FROM orders_copy") == [(paid, paid)]
    finally:
        assert d.stop() == 0


def test_variables_and_an_upsert_into_postgres(setup):
    """Run variables and dynamic_variables reach expressions; a PostgreSQL upsert run twice leaves one row per key."""
    t, token, conns, pg = setup["t"], setup["token"], setup["conns"], setup["pg"]
    pg.psql("DROP TABLE IF EXISTS order_totals;")
    pkg = t.call(token, "create_package", {"name": "orders to postgres", "flow_type": "dataflow", "variables": {"wanted": "open"}, "components": [
        {"file_source_component": {"name": "orders", "connection_id": conns["files"], "path": "orders.csv",
                                   # Three of the five columns, by header name.
                                   "schema": {"fields": [{"name": "status", "type": "string"}, {"name": "order_id", "type": "integer"},
                                                         {"name": "amount", "type": "number"}]}}},
        {"filter_component": {"name": "wanted", "condition": "status = $wanted"}},
        {"select_component": {"name": "shaped", "fields": [{"name": "order_id", "expression": "order_id"},
                                                           {"name": "gross", "expression": "round(amount * $factor, 2)"},
                                                           {"name": "label", "expression": "upper(status) || '-' || to_string(order_id)"}]}},
        {"database_destination_component": {"name": "totals", "connection_id": conns["pg"], "table_name": "order_totals", "mode": "upsert",
                                            "key_fields": ["order_id"]}},
    ], "edges": [{"source": "file_source_1", "target": "filter_1"}, {"source": "filter_1", "target": "select_1"},
                 {"source": "select_1", "target": "database_destination_1"}]})["package_id"]
    # $factor has no default: validation says so, naming the component.
    report = t.call(token, "validate_package", {"package_id": pkg})
    assert report["valid"] is False and [e["component"] for e in report["errors"]] == ["shaped"] and "factor" in report["errors"][0]["message"]
    t.call(token, "manage_package_variables", {"package_id": pkg, "set": {"factor": 1}})
    for _ in range(2):
        run = t.wait_run(token, t.call(token, "run_package", {"package_id": pkg, "variables": {"factor": 2},
                                                             "dynamic_variables": {"wanted": "lower('PAID')"}})["id"])
        assert run["status"] == "completed", (run["last_error"], run["log_tail"])
        assert run["variables"] == {"factor": 2, "wanted": "paid"}
    paid = [o for o in setup["orders"] if o["status"] == "paid"]
    rows = pg.psql("SELECT count(*), count(DISTINCT order_id), round(sum(gross)::numeric, 2) FROM order_totals")
    assert rows[0][0] == str(len(paid)) and rows[0][1] == str(len(paid)), rows
    assert abs(float(rows[0][2]) - sum(round(o["amount"] * 2, 2) for o in paid)) < 0.05
    assert pg.psql(f"SELECT label FROM order_totals WHERE order_id = {paid[0]['order_id']}") == [[f"PAID-{paid[0]['order_id']}"]]
    text = t.fail(token, "run_package", {"package_id": pkg, "dynamic_variables": {"x": "nope +"}})
    assert text.startswith("dynamic_variables: x = \"nope +\"")


def test_concurrent_edits_of_one_package_are_serialised(setup):
    """Twelve agents edit one package at once: every edit lands as its own version, none is lost."""
    from concurrent.futures import ThreadPoolExecutor
    t, token, conns = setup["t"], setup["token"], setup["conns"]
    pkg = t.call(token, "create_package", _revenue_package(conns, [{"name": "order_id", "type": "integer"}]))["package_id"]

    def edit(i: int) -> int:
        return t.call(token, "manage_package_variables", {"package_id": pkg, "set": {f"v{i}": i}})["version"]

    with ThreadPoolExecutor(max_workers=12) as pool:
        versions = list(pool.map(edit, range(12)))
    assert sorted(versions) == list(range(2, 14))
    final = t.call(token, "get_package", {"package_id": pkg})
    assert final["version"] == 13 and all(final["variables"][f"v{i}"] == i for i in range(12))
    assert json.loads(t.p("history", pkg, "--json").stdout)["versions"][-1]["version"] == 13


def test_a_connection_without_a_password_never_borrows_the_daemons_pgpassword(postgres_server, tmp_path):
    """libpq reads PGPASSWORD for an empty password; a tenant's password-less connection must not get the daemon's."""
    from toolhost_testlib import Daemon, relax_abuse_limits
    data = tmp_path / "data"
    data.mkdir()
    relax_abuse_limits(data)
    create_tenant(data, "acme", plan="growth")
    d = Daemon(data=data, logdir=tmp_path / "logs", env={"PGPASSWORD": postgres_server.password}).start()
    try:
        t = Pipelines(d, "acme")
        conn = t.one_line("connection", "create", "--name", "no password", "--type", "postgres", "--host", postgres_server.host,
                          "--port", str(postgres_server.port), "--database", postgres_server.database, "--user", postgres_server.user)
        tested = t.call(t.token(), "test_connection", {"connection_id": conn})
        assert tested["success"] is False and "password authentication failed" in tested["error_message"], tested
    finally:
        assert d.stop() == 0
