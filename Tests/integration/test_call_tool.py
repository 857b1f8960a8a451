"""ABI 1.2 section 12: a job calling another plugin's tool (host->call_tool) for the token that started it, driven
through the C fixture `jobs.c` beside the real Clock plugin: the answer is exactly what a client would get, every
access layer applies, and the host refuses the call outside a job or into the job's own plugin."""
from __future__ import annotations

import json

import pytest

from test_jobs import enqueue, runs, tool, wait_for
from toolhost_testlib import Daemon, cli, compile_fixture, create_token, plugins_dir_with_real, tenant_with_token, token_public_id

TH_INVALID_ARGUMENT = 2


@pytest.fixture
def env(tmp_path):
    plugins = plugins_dir_with_real(tmp_path / "plugins")
    compile_fixture("jobs", plugins)
    data = tmp_path / "data"
    data.mkdir()
    both = tenant_with_token(data, "acme", "jobs,clock", plugins=plugins)
    jobs_only = create_token(data, "acme", "jobs", plugins=plugins)
    d = Daemon(data=data, plugins=plugins, logdir=tmp_path / "logs").start()
    yield d, both, jobs_only
    d.stop()


def called(d, token, target, args=None):
    """Runs a `call` job for `target` and returns (status, answer) as the job recorded them."""
    job = enqueue(d, token, "call", payload={"tool": target, "args": args or {}})
    row = wait_for(lambda: runs(d, token, job), what=f"the call job for {target}")[0]
    status = int(row["event"].split()[1])
    return status, (json.loads(row["payload"]) if row["payload"] else None)


def test_a_job_gets_the_tools_answer_as_its_token(env):
    d, both, _ = env
    status, answer = called(d, both, "clock.days_between", {"start_date": "2030-01-01", "end_date": "2030-01-31"})
    assert status == 0 and answer["result"]["structuredContent"] == {"days": 30}, answer


def test_a_job_enqueued_by_a_job_calls_as_the_token_that_started_the_first(env):
    d, both, _ = env
    parent = enqueue(d, both, "chain_call", payload={"tool": "clock.days_between", "args": {"start_date": "2030-01-01", "end_date": "2030-01-03"}})
    child = wait_for(lambda: [r for r in runs(d, both) if r["kind"] == "call"], what="the child call job")[0]
    assert child["started_by"] == f"job:{parent}"
    assert child["event"] == "status 0" and json.loads(child["payload"])["result"]["structuredContent"] == {"days": 2}, child


def test_a_tool_the_token_may_not_use_is_refused_with_the_scope_layers_error(env):
    d, _, jobs_only = env
    status, answer = called(d, jobs_only, "clock.current_time")
    assert status == 0 and "result" not in answer, answer
    error = answer["error"]
    assert error["code"] == -31003 and error["message"] == "Token does not grant access to the clock server"
    assert error["data"]["layer"] == "scope"


def test_bad_arguments_and_unknown_tools_come_back_as_the_clients_errors(env):
    d, both, _ = env
    _, answer = called(d, both, "clock.days_between", {"start_date": "soon"})
    assert answer["result"]["isError"] is True and "Invalid arguments for tool" in answer["result"]["content"][0]["text"], answer
    _, answer = called(d, both, "clock.no_such_tool")
    assert answer["error"]["code"] == -32602, answer


def test_a_token_revoked_after_enqueueing_gets_its_jobs_calls_refused(env):
    """The token is read again when the job calls, not when it was queued."""
    d, both, jobs_only = env
    job = enqueue(d, both, "call", payload={"tool": "clock.current_time", "args": {}}, delay_ms=1500)
    cli(d.data, "token", "revoke", token_public_id(both), plugins=d.plugins)
    row = wait_for(lambda: runs(d, jobs_only, job), what="the delayed call job")[0]
    answer = json.loads(row["payload"])
    assert answer["error"]["message"] == "Token has been revoked" and answer["error"]["data"]["layer"] == "token", answer


def test_call_tool_is_refused_outside_a_job_and_into_the_jobs_own_plugin(env):
    d, both, _ = env
    out, error = tool(d, both, "call_now", tool="clock.current_time")
    assert error and out["status"] == "invalid_argument", out
    status, answer = called(d, both, "jobs.runs")
    assert status == TH_INVALID_ARGUMENT and answer is None
    assert "call_tool: only a job may call other toolsets" in d.stderr
    assert "belongs to this plugin's toolset jobs" in d.stderr
