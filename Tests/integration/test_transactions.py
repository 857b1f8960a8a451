"""Header section 5: a call must return its connection in autocommit mode.

A plugin that returns with a transaction open used to leave the pooled connection inside it:
every later write on that connection was acknowledged but never committed, and the other
connections waited for its lock until "database is locked". The host now rolls the transaction
back after every tool call and operator command, logs it naming plugin, toolset and tool, and
fails that call. The fixture `open_transaction.c` breaks the rule on purpose."""
from __future__ import annotations

import time

import pytest

from toolhost_testlib import cli, daemon_with_fixtures, rpc_error, rpc_result

PATH = "/txn-t/mcp"


@pytest.fixture
def txn(tmp_path):
    # One worker thread: every call then runs on the same pooled connection, the worst case.
    d, token = daemon_with_fixtures(tmp_path, ["open_transaction"], "txn-t", "txn", env={"TOOLHOST_TOOL_THREADS": "1"})
    yield d, token, d.data, d.plugins
    if d.proc is not None and d.proc.poll() is None:
        assert d.stop() == 0, d.stderr[-3000:]


def _count(d, token) -> int:
    return rpc_result(d.call_tool(PATH, token, "count", {}))["structuredContent"]["count"]


def test_a_call_that_leaves_a_transaction_open_fails_and_later_writes_survive(txn):
    d, token, data, plugins = txn
    refused = rpc_error(d.call_tool(PATH, token, "leave_open", {}), 500, -32603)
    assert "the txn toolset failed while running leave_open" in refused["message"], refused
    log = d.stderr
    assert "plugin open_transaction, toolset txn, tool leave_open returned with a database transaction still open" in log, log[-2000:]
    assert "rolled back; its writes are lost" in log, log[-2000:]

    started = time.monotonic()
    for _ in range(5):
        rpc_result(d.call_tool(PATH, token, "add", {}))
    assert time.monotonic() - started < 4, "writes waited for a lock the open transaction held"
    assert _count(d, token) == 5  # the rolled-back row is gone, the five acknowledged ones are there

    # Acknowledged means committed: they survive a restart.
    assert d.stop() == 0, d.stderr[-3000:]
    d.start()
    assert _count(d, token) == 5


def test_an_operator_command_that_leaves_a_transaction_open_fails(txn):
    d, token, data, plugins = txn
    proc = cli(data, "txn", "leave-open", "--tenant", "txn-t", plugins=plugins, check=False)
    assert proc.returncode == 1, proc
    assert "operator command txn leave-open returned with a database transaction still open" in proc.stderr, proc.stderr
    rpc_result(d.call_tool(PATH, token, "add", {}))
    assert _count(d, token) == 1
