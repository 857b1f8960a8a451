"""ABI 1.2 jobs and schedules (header section 8), driven through the C fixture `jobs.c`, which uses
nothing but the two public headers: durable queue, at-least-once delivery after SIGKILL, retries,
delays, idempotency keys, cooperative cancellation, drains on SIGTERM, holds for disabled toolsets,
cron schedules with one catch-up run, attribution in `toolhost jobs` and the audit trail.
"""
from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from toolhost_testlib import BIN, Daemon, cli, compile_fixture, rpc_result, tenant_with_token, token_public_id

FAST = {"TOOLHOST_JOB_HELD_RECHECK_SECONDS": "0.5"}


@pytest.fixture
def setup(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    compile_fixture("jobs", plugins)
    data = tmp_path / "data"
    data.mkdir()
    token = tenant_with_token(data, "acme", "jobs,jobs2", plugins=plugins)
    started = []

    def start(env=None, port=None):
        d = Daemon(data=data, plugins=plugins, logdir=tmp_path / "logs", env={**FAST, **(env or {})}).start(port=port)
        started.append(d)
        return d

    yield start, data, plugins, token
    for d in started:
        if d.proc and d.proc.poll() is None:
            d.stop()


def tool(d, token, tool_name, **args):
    result = rpc_result(d.call_tool("/acme/mcp/jobs", token, tool_name, args))
    return result["structuredContent"], result.get("isError", False)


def enqueue(d, token, kind, **args):
    out, error = tool(d, token, "enqueue", kind=kind, **args)
    assert not error, out
    return out["job_id"]


def runs(d, token, job_id=None):
    rows = tool(d, token, "runs")[0]["runs"]
    return [r for r in rows if job_id is None or r["job_id"] == job_id]


def wait_for(predicate, timeout=8.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def show(data, plugins, job_id):
    return json.loads(cli(data, "jobs", "show", job_id, "--tenant", "acme", "--json", plugins=plugins).stdout)


def events_of(data, plugins, event):
    out = cli(data, "audit", "--tenant", "acme", "--kind", event, "--json", plugins=plugins).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# -- running, retries, delays, idempotency -------------------------------------------------------------

def test_a_job_runs_once_and_is_attributed_to_the_token(setup):
    start, data, plugins, token = setup
    d = start()
    job = enqueue(d, token, "record", payload={"n": 1, "text": "grüße"})
    assert job.startswith("job_")
    done = wait_for(lambda: [r for r in runs(d, token, job) if r["event"] == "done"], what="the job to run")
    assert done[0]["attempt"] == 1 and json.loads(done[0]["payload"]) == {"n": 1, "text": "grüße"}
    assert done[0]["started_by"] == token_public_id(token)
    shown = wait_for(lambda: (s := show(data, plugins, job))["state"] == "succeeded" and s, what="state succeeded")
    assert shown["output"] == {"attempt": 1} and shown["started_by"] == token_public_id(token)
    time.sleep(0.5)  # audit entries reach audit.db in batches
    assert [e["token_id"] for e in events_of(data, plugins, "job.enqueued")] == [token_public_id(token)]
    assert [e["tool"] for e in events_of(data, plugins, "job.succeeded")] == ["record"]


def test_a_failed_attempt_runs_again_with_the_next_attempt_number(setup):
    start, data, plugins, token = setup
    d = start()
    job = enqueue(d, token, "fail_once")
    wait_for(lambda: [r for r in runs(d, token, job) if r["event"] == "done"], what="the second attempt")
    assert [(r["attempt"], r["event"]) for r in runs(d, token, job)] == [(1, "failed"), (2, "done")]
    shown = wait_for(lambda: (s := show(data, plugins, job))["state"] == "succeeded" and s)
    assert shown["attempt"] == 2 and shown["last_error"] is None


def test_a_delayed_job_waits_for_its_time(setup):
    start, data, plugins, token = setup
    d = start()
    job = enqueue(d, token, "record", delay_ms=2000)
    time.sleep(1.0)
    assert runs(d, token, job) == [] and show(data, plugins, job)["state"] == "queued"
    wait_for(lambda: runs(d, token, job), timeout=6, what="the delayed job")


def test_an_idempotency_key_queues_one_job(setup):
    start, data, plugins, token = setup
    d = start()
    first = enqueue(d, token, "record", key="invoice-42")
    second = enqueue(d, token, "record", key="invoice-42")
    assert first == second
    wait_for(lambda: runs(d, token, first))
    time.sleep(1.2)
    assert len(runs(d, token)) == 1


def test_unknown_kind_and_bad_payload_are_refused(setup):
    start, data, plugins, token = setup
    d = start()
    out, error = tool(d, token, "enqueue", kind="nope")
    assert error and out["status"] == "not_found"


def test_a_job_can_enqueue_a_job_attributed_to_itself(setup):
    start, data, plugins, token = setup
    d = start()
    parent = enqueue(d, token, "chain")
    child = wait_for(lambda: [r for r in runs(d, token) if r["kind"] == "record"], what="the child job")
    assert child[0]["started_by"] == f"job:{parent}"


# -- durability -----------------------------------------------------------------------------------------

def test_an_acknowledged_job_runs_even_if_the_daemon_is_killed_right_after(setup):
    start, data, plugins, token = setup
    d = start()
    job = enqueue(d, token, "record", delay_ms=800)
    d.kill()
    d = start()
    wait_for(lambda: runs(d, token, job), what="the job after the restart")


def test_a_job_running_at_sigkill_is_delivered_again_with_the_next_attempt(setup):
    start, data, plugins, token = setup
    d = start()
    job = enqueue(d, token, "slow", payload={"ms": 60000})
    wait_for(lambda: runs(d, token, job), what="the slow job to start")
    d.kill()
    d = start()
    again = wait_for(lambda: [r for r in runs(d, token, job) if r["attempt"] == 2], what="the second delivery")
    assert again[0]["event"] == "started"
    assert "1 job(s) were running when the daemon last stopped" in d.stderr
    cli(data, "jobs", "cancel", job, "--tenant", "acme", plugins=plugins)
    wait_for(lambda: show(data, plugins, job)["state"] == "cancelled", what="cancelled")


# -- cancellation and shutdown ------------------------------------------------------------------------

def test_a_cancelled_queued_job_never_starts(setup):
    start, data, plugins, token = setup
    d = start()
    job = enqueue(d, token, "record", delay_ms=1500)
    proc = cli(data, "jobs", "cancel", job, "--tenant", "acme", "--json", plugins=plugins)
    assert "it will not run" in proc.stderr and json.loads(proc.stdout) == {"id": job, "outcome": "cancelled"}
    time.sleep(2.5)
    assert runs(d, token, job) == [] and show(data, plugins, job)["state"] == "cancelled"
    again = cli(data, "jobs", "cancel", job, "--tenant", "acme", plugins=plugins, check=False)
    assert again.returncode == 1 and "has already ended (cancelled)" in again.stderr


def test_a_running_job_sees_the_cancellation_and_ends_cancelled(setup):
    start, data, plugins, token = setup
    d = start()
    job = enqueue(d, token, "slow", payload={"ms": 60000})
    wait_for(lambda: runs(d, token, job), what="the slow job to start")
    out, error = tool(d, token, "cancel", job_id=job)  # the plugin's own cancel_job
    assert not error, out
    wait_for(lambda: [r for r in runs(d, token, job) if r["event"] == "stopped"], timeout=5, what="the job to stop")
    shown = wait_for(lambda: (s := show(data, plugins, job))["state"] == "cancelled" and s)
    assert shown["attempt"] == 1


def test_sigterm_lets_a_short_job_finish(setup):
    start, data, plugins, token = setup
    d = start()
    job = enqueue(d, token, "slow", payload={"ms": 1500})
    wait_for(lambda: runs(d, token, job), what="the slow job to start")
    assert d.stop() == 0
    d = start()
    assert [r["event"] for r in runs(d, token, job)] == ["started", "done"]
    assert show(data, plugins, job)["state"] == "succeeded"


def test_sigterm_stops_a_long_job_after_the_drain_time_and_it_runs_again_uncounted(setup):
    start, data, plugins, token = setup
    d = start(env={"TOOLHOST_JOB_DRAIN_SECONDS": "0.3"})
    job = enqueue(d, token, "slow", payload={"ms": 60000})
    wait_for(lambda: runs(d, token, job), what="the slow job to start")
    began = time.monotonic()
    assert d.stop() == 0
    assert time.monotonic() - began < 8
    assert [r["event"] for r in runs_from_file(data, job)] == ["started", "stopped"]
    shown = show(data, plugins, job)
    assert shown["state"] == "queued" and shown["attempt"] == 0, shown


def runs_from_file(data: Path, job_id: str):
    with sqlite3.connect(data / "tenants" / "acme" / "jobs.db") as db:
        return [{"event": e} for (e,) in db.execute("SELECT event FROM job_runs WHERE job_id = ? ORDER BY id", (job_id,))]


# -- holds ---------------------------------------------------------------------------------------------

def test_a_job_of_a_disabled_toolset_is_held_with_the_reason_and_runs_when_enabled(setup):
    start, data, plugins, token = setup
    d = start()
    cli(data, "tenant", "disable", "acme", "jobs2", plugins=plugins)
    job = enqueue(d, token, "gated")
    held = wait_for(lambda: (s := show(data, plugins, job))["state"] == "held" and s, what="held")
    assert held["held_reason"] == "toolset jobs2 is disabled for tenant acme"
    listing = cli(data, "jobs", "list", "--tenant", "acme", plugins=plugins).stdout
    assert "toolset jobs2 is disabled for tenant acme" in listing
    cli(data, "tenant", "enable", "acme", "jobs2", plugins=plugins)
    wait_for(lambda: show(data, plugins, job)["state"] == "succeeded", what="the job after enabling")
    assert show(data, plugins, job)["attempt"] == 1


# -- only the serving daemon runs jobs ------------------------------------------------------------------

def test_jobs_enqueued_over_stdio_run_only_in_the_daemon(setup):
    start, data, plugins, token = setup
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "enqueue", "arguments": {"kind": "record"}}},
    ]
    proc = subprocess.Popen([str(BIN), "stdio", "--tenant", "acme", "--data", str(data), "--plugins", str(plugins)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**__import__("os").environ, "TOOLHOST_TOKEN": token})
    for message in messages:
        proc.stdin.write(json.dumps(message) + "\n")
        proc.stdin.flush()
    lines = [json.loads(proc.stdout.readline()) for _ in range(2)]
    job = lines[1]["result"]["structuredContent"]["job_id"]
    time.sleep(1.5)
    assert show(data, plugins, job)["state"] == "queued", "a stdio process must not run jobs"
    proc.stdin.close()
    proc.wait(timeout=10)
    d = start()
    wait_for(lambda: runs(d, token, job), what="the daemon to run it")


# -- schedules ------------------------------------------------------------------------------------------

def schedules(data, plugins):
    return json.loads(cli(data, "jobs", "schedules", "--tenant", "acme", "--json", plugins=plugins).stdout)


def set_next_run(data, name, ms):
    with sqlite3.connect(data / "jobs.db") as db:
        db.execute("UPDATE schedules SET next_run_ms = ? WHERE name = ?", (ms, name))


def test_a_schedule_fires_its_job_attributed_to_the_schedule(setup):
    start, data, plugins, token = setup
    d = start()
    out, error = tool(d, token, "schedule", name="nightly", cron="0 3 * * *", time_zone="Europe/Berlin", kind="record")
    assert not error, out
    listed = schedules(data, plugins)
    assert [(s["name"], s["cron"], s["time_zone"]) for s in listed] == [("nightly", "0 3 * * *", "Europe/Berlin")]
    assert listed[0]["next_run"].endswith(("T01:00:00Z", "T02:00:00Z")), listed  # 03:00 in Berlin
    set_next_run(data, "nightly", int(time.time() * 1000) + 300)  # as if 03:00 were now
    fired = wait_for(lambda: runs(d, token), what="the schedule to fire")
    assert fired[0]["started_by"] == "schedule:nightly" and json.loads(fired[0]["payload"]) == {"from": "schedule"}
    after = schedules(data, plugins)[0]
    assert after["last_run"] is not None and after["next_run"].endswith(("T01:00:00Z", "T02:00:00Z"))


def test_runs_missed_while_down_are_caught_up_by_one_run(setup):
    start, data, plugins, token = setup
    d = start()
    tool(d, token, "schedule", name="every-minute", cron="* * * * *", kind="record")
    assert d.stop() == 0
    set_next_run(data, "every-minute", int(time.time() * 1000) - 3 * 3600 * 1000)  # 180 runs missed
    d = start()
    wait_for(lambda: runs(d, token), what="the catch-up run")
    time.sleep(1.5)
    assert len(runs(d, token)) == 1, runs(d, token)
    assert schedules(data, plugins)[0]["next_run"] > time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def test_bad_schedules_are_refused_and_a_schedule_can_be_deleted(setup):
    start, data, plugins, token = setup
    d = start()
    for args in ({"cron": "61 * * * *", "kind": "record"}, {"cron": "* * * *", "kind": "record"},
                 {"cron": "* * * * *", "time_zone": "Mars/Olympus", "kind": "record"}, {"cron": "* * * * *", "kind": "nope"}):
        out, error = tool(d, token, "schedule", name="bad", **args)
        assert error and out["status"] == "invalid_argument", (args, out)
    assert 'cron minute "61" is not within 0–59' in d.stderr
    assert 'unknown time zone "Mars/Olympus"' in d.stderr
    tool(d, token, "schedule", name="gone", cron="* * * * *", kind="record")
    assert tool(d, token, "unschedule", name="gone")[0]["status"] == "ok"
    assert tool(d, token, "unschedule", name="gone")[0]["status"] == "not_found"
    assert schedules(data, plugins) == []


@pytest.mark.parametrize("cron,zone,after,expected", [
    # Berlin springs forward on 2026-03-29 at 02:00 → 03:00: 02:30 does not exist; fires at the gap's end.
    ("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"),
    # Berlin falls back on 2026-10-25 at 03:00 → 02:00: 02:30 happens twice; fires at the first.
    ("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"),
    ("30 2 * * *", "Europe/Berlin", "2026-10-25T00:31:00Z", "2026-10-26T01:30:00Z"),
    ("0 9 * * mon-fri", "UTC", "2026-12-04T09:00:00Z", "2026-12-07T09:00:00Z"),
    ("0 0 13 * fri", "UTC", "2026-12-01T00:00:00Z", "2026-12-04T00:00:00Z"),  # either day field (Vixie)
    ("*/15 * * * *", None, "2026-12-01T10:07:30Z", "2026-12-01T10:15:00Z"),
])
def test_cron_next_through_the_host(setup, cron, zone, after, expected):
    start, data, plugins, token = setup
    d = start()
    import datetime
    to_ms = lambda text: int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    args = {"cron": cron, "after_ms": to_ms(after)}
    if zone:
        args["time_zone"] = zone
    out, error = tool(d, token, "cron_next", **args)
    assert not error and out["next_ms"] == to_ms(expected), (out, expected)


def test_february_30th_never_fires(setup):
    start, data, plugins, token = setup
    d = start()
    out, error = tool(d, token, "cron_next", cron="0 0 30 2 *", after_ms=0)
    assert error and out["status"] == "not_found"


# -- compatibility ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("fixture,version,toolsets", [("echo", "1.0", "echo"), ("operator_group", "1.1", "opgroup")])
def test_plugins_built_against_older_headers_load_and_work(tmp_path, monkeypatch, fixture, version, toolsets):
    monkeypatch.setenv("TOOLHOST_FIXTURE_GROUP", "widgets")  # operator_group's group (the CLI and the daemon inherit it)
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    compile_fixture(fixture, plugins, header_version=version)
    data = tmp_path / "data"
    data.mkdir()
    report = json.loads(cli(data, "plugins", "--json", plugins=plugins).stdout)
    assert [p["abi"] for p in report["plugins"]] == [version], report
    token = tenant_with_token(data, "acme", toolsets, plugins=plugins)
    d = Daemon(data=data, plugins=plugins, logdir=tmp_path / "logs").start()
    try:
        names = [t["name"] for t in rpc_result(d.legacy("/acme/mcp", "tools/list", token=token))["tools"]]
        assert names, names
        if fixture == "echo":
            r = rpc_result(d.call_tool("/acme/mcp/echo", token, "echo", {"text": "hi"}))
            assert r["structuredContent"] == {"text": "hi"}
        else:
            out = cli(data, "widgets", "hello", "--tenant", "acme", plugins=plugins).stdout
            assert out == "hello from the fixture\n"
    finally:
        assert d.stop() == 0
