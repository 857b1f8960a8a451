"""Plugins: tool name collisions on the combined endpoint and refused (bad) plugin files.

Fixture plugins are compiled from Tests/fixtures/plugins/*.c at test time into a temporary plugins folder that
also holds copies of the real libToolhost*.so.
"""
from __future__ import annotations

import json
import os
import re

import pytest

from toolhost_testlib import (
    SCHEDULING_TOOLS,
    cli,
    compile_fixture,
    create_booking_http,
    get_booking_http,
    plugins_dir_with_real,
    rpc_error,
    rpc_result,
    tenant_with_token,
)

BAD = {
    # file in the plugins folder → key words its refusal line must contain (any one of each tuple)
    "wrong_major.so": [("ABI major", "abi_major")],
    "newer_minor.so": [("minor",)],
    "no_entry.so": [("toolhost_plugin_entry",)],
    "unresolved.so": [("undefined symbol",)],
    # host.db assigns "scheduling" to the scheduling plugin (the deployer ran it before the impostor
    # arrived): the impostor is refused by a line naming both files, whatever the file names.
    "zz_duplicate_scheduling.so": [("is assigned to plugin scheduling",), ("libToolhostScheduling.so",)],
    "init_fails.so": [("database unavailable",)],
    "garbage.so": [],
}
SOURCES = {"zz_duplicate_scheduling.so": "duplicate_scheduling"}


# -- collisions -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def echo_daemon(tmp_path_factory):
    from toolhost_testlib import Daemon

    root = tmp_path_factory.mktemp("echo")
    plugins = plugins_dir_with_real(root / "plugins")
    compile_fixture("echo", plugins)
    data = root / "data"
    data.mkdir()
    token = tenant_with_token(data, "echo-t", "scheduling,echo,echo2", plugins=plugins)
    d = Daemon(data=data, plugins=plugins, logdir=root / "logs")
    d.start()
    yield d, token
    assert d.stop() == 0, d.stderr[-3000:]


def _names(d, path, token):
    return [t["name"] for t in rpc_result(d.legacy(path, "tools/list", token=token), id=1)["tools"]]


def test_colliding_tool_names_are_qualified_on_combined_endpoint(echo_daemon):
    d, token = echo_daemon
    names = _names(d, "/echo-t/mcp", token)
    assert "echo.echo" in names, names
    assert "echo2.echo" in names, names
    assert "echo" not in names, names
    assert "ping_tool" in names, names  # defined once: stays bare
    assert set(SCHEDULING_TOOLS) <= set(names), names
    assert len(names) == len(set(names)), names


def test_bare_colliding_name_is_refused_naming_qualified_names(echo_daemon):
    d, token = echo_daemon
    r = d.legacy("/echo-t/mcp", "tools/call", {"name": "echo", "arguments": {}}, token=token, id=3)
    err = rpc_error(r, r.status, -32602, id=3)
    assert "echo.echo" in err["message"] and "echo2.echo" in err["message"], err


@pytest.mark.parametrize("qualified", ["echo.echo", "echo2.echo", "echo.ping_tool", "scheduling.list_booking_requests"])
def test_qualified_names_are_accepted_on_combined_endpoint(echo_daemon, qualified):
    d, token = echo_daemon
    r = d.legacy("/echo-t/mcp", "tools/call", {"name": qualified, "arguments": {"text": "hi"}}, token=token, id=4)
    assert r.status == 200, r
    body = r.json()
    assert "result" in body, body  # routed to the tool (the result itself may be isError for these arguments)


@pytest.mark.parametrize("name,expected", [("echo.echo", "hi"), ("echo2.echo", "echo2: hi")])
def test_qualified_names_route_to_the_right_toolset(echo_daemon, name, expected):
    d, token = echo_daemon
    r = rpc_result(d.legacy("/echo-t/mcp", "tools/call", {"name": name, "arguments": {"text": "hi"}}, token=token))
    assert r.get("isError") in (None, False), r
    assert r["structuredContent"] == {"text": expected}, r


def test_single_toolset_endpoint_uses_bare_names(echo_daemon):
    d, token = echo_daemon
    names = _names(d, "/echo-t/mcp/echo", token)
    assert sorted(names) == ["echo", "ping_tool"], names
    assert _names(d, "/echo-t/mcp/echo2", token) == ["echo"]
    r = rpc_result(d.legacy("/echo-t/mcp/echo2", "tools/call", {"name": "echo", "arguments": {"text": "hi"}},
                            token=token))
    assert r["structuredContent"] == {"text": "echo2: hi"}, r


def test_collision_disappears_when_only_one_toolset_is_visible(echo_daemon, tmp_path):
    d, _ = echo_daemon
    token = cli(d.data, "token", "create", "--tenant", "echo-t", "--name", "echo-only", "--toolsets", "echo",
                plugins=d.plugins).stdout.strip()
    names = _names(d, "/echo-t/mcp", token)
    assert "echo" in names and "echo.echo" not in names, names


# -- refused plugins --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bad_plugins(tmp_path_factory):
    """A plugins folder with the real plugins and every bad one. Data folders used with it must have
    "scheduling" assigned to the real plugin first (`_assign_scheduling`)."""
    root = tmp_path_factory.mktemp("bad")
    plugins = plugins_dir_with_real(root / "plugins")
    for name in BAD:
        if name == "garbage.so":
            (plugins / name).write_bytes(os.urandom(4096))
        else:
            compile_fixture(SOURCES.get(name, name[:-3]), plugins, out_name=name)
    return plugins


def _assign_scheduling(data, plugins):
    cli(data, "plugins", "assign", "--toolset", "scheduling", "--plugin", "scheduling", plugins=plugins)


@pytest.fixture(scope="module")
def bad_daemon(bad_plugins, tmp_path_factory):
    from toolhost_testlib import Daemon

    root = tmp_path_factory.mktemp("baddaemon")
    data = root / "data"
    data.mkdir()
    _assign_scheduling(data, bad_plugins)
    token = tenant_with_token(data, "bad-t", "scheduling", plugins=bad_plugins)
    d = Daemon(data=data, plugins=bad_plugins, logdir=root / "logs")
    d.start()
    yield d, token
    assert d.stop() == 0, d.stderr[-3000:]


@pytest.mark.parametrize("fname", sorted(BAD))
def test_bad_plugin_refused_with_one_clear_log_line(bad_daemon, fname):
    d, _ = bad_daemon
    lines = [ln for ln in d.stderr.splitlines() if fname in ln]
    assert len(lines) == 1, f"expected one log line naming {fname}, got {lines}\n--- stderr ---\n{d.stderr}"
    line = lines[0].replace(fname, "<file>")  # key words must not be satisfied by the file name itself
    for alternatives in BAD[fname]:
        assert any(k.lower() in line.lower() for k in alternatives), f"{fname}: {line!r} lacks {alternatives}"


def test_daemon_with_bad_plugins_still_serves_scheduling(bad_daemon):
    d, token = bad_daemon
    bid = create_booking_http(d, "/bad-t/mcp", token)
    got = get_booking_http(d, "/bad-t/mcp", token, bid)
    assert got.get("isError") in (None, False), got
    names = [t["name"] for t in rpc_result(d.legacy("/bad-t/mcp/scheduling", "tools/list", token=token))["tools"]]
    assert sorted(names) == sorted(SCHEDULING_TOOLS), names


def test_log_lines_have_the_documented_format(bad_daemon):
    d, _ = bad_daemon
    pattern = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [A-Z]+ +\[[^\]]+\] \S")
    lines = [ln for ln in d.stderr.splitlines() if ln.strip()]
    assert lines
    bad = [ln for ln in lines if not pattern.match(ln)]
    assert not bad, bad


def test_plugins_command_lists_loaded_and_refused(bad_plugins, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    _assign_scheduling(data, bad_plugins)
    proc = cli(data, "plugins", plugins=bad_plugins, check=False)
    assert proc.returncode == 1, proc
    out = proc.stdout
    for fname in BAD:
        assert fname in out, f"{fname} not listed:\n{out}"
    for tool in SCHEDULING_TOOLS:
        assert tool in out, out
    assert "scheduling" in out and "clock" in out


def test_plugins_command_json(bad_plugins, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    _assign_scheduling(data, bad_plugins)
    doc = json.loads(cli(data, "plugins", "--json", plugins=bad_plugins, check=False).stdout)
    text = json.dumps(doc)
    for fname in BAD:
        assert fname in text, fname
    for tool in SCHEDULING_TOOLS:
        assert tool in text
    assert "libToolhostScheduling.so" in text


