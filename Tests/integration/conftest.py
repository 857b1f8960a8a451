"""Fixtures for the Toolhost integration suite.

The binary is TOOLHOST_BIN (default .build/debug/toolhost); its toolsets are the libToolhost*.so built beside it.
A module-scoped `daemon` is shared by the tests of one module that do not interfere with each other; tests that
restart, kill or reconfigure a daemon start their own with `start_daemon`.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from toolhost_testlib import (  # noqa: E402
    BIN,
    Daemon,
    cli,
    create_tenant,
    create_token,
    relax_abuse_limits,
    require_binary,
    tenant_with_token,
)


def pytest_report_header(config):
    return f"toolhost binary: {BIN}"


@pytest.fixture(scope="session")
def toolhost_bin() -> Path:
    require_binary()
    return BIN


@pytest.fixture
def data_dir(tmp_path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def start_daemon(tmp_path, toolhost_bin):
    """Factory: start_daemon(data=None, plugins=None, demo=False, env=None) → a listening Daemon.
    Every daemon still running at teardown gets SIGTERM and must exit 0."""
    started: list[Daemon] = []

    def factory(data: Path | None = None, plugins: Path | None = None, demo: bool = False,
                env: dict | None = None) -> Daemon:
        if data is None:
            data = tmp_path / f"data{len(started)}"
            data.mkdir()
        d = Daemon(data=data, plugins=plugins, demo=demo, env=dict(env or {}), logdir=tmp_path / "logs")
        d.start()
        started.append(d)
        return d

    factory.started = started
    yield factory
    problems = []
    for d in started:
        if d.proc is not None and d.proc.poll() is None:
            rc = d.stop()
            if rc != 0:
                problems.append(f"daemon on port {d.port} exited {rc} on SIGTERM\n{d.stderr[-3000:]}")
    assert not problems, "\n".join(problems)


class Shared:
    """A daemon shared by one test module, with tenant `acme` and a token for scheduling + clock."""

    def __init__(self, daemon: Daemon, tenant: str, token: str):
        self.d = daemon
        self.tenant = tenant
        self.token = token
        self.data = daemon.data
        self._n = 0

    @property
    def path(self) -> str:
        return f"/{self.tenant}/mcp"

    def new_tenant(self, prefix: str, toolsets: str = "scheduling,clock") -> tuple[str, str]:
        """A fresh tenant (unique name) with a token for `toolsets`."""
        self._n += 1
        name = f"{prefix}-{self._n}"
        return name, tenant_with_token(self.data, name, toolsets)

    def token_for(self, tenant: str, toolsets: str, **kw) -> str:
        return create_token(self.data, tenant, toolsets, **kw)

    def cli(self, *args, **kw):
        return cli(self.data, *args, **kw)


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Shared:
    require_binary()
    root = tmp_path_factory.mktemp("shared")
    data = root / "data"
    data.mkdir()
    relax_abuse_limits(data)
    token = tenant_with_token(data, "acme", "scheduling,clock")
    d = Daemon(data=data, logdir=root / "logs")
    d.start()
    yield Shared(d, "acme", token)
    rc = d.stop()
    assert rc == 0, f"shared daemon exited {rc} on SIGTERM\n{d.stderr[-3000:]}"


def _daemons_of(item) -> list[Daemon]:
    found: list[Daemon] = []
    for value in getattr(item, "funcargs", {}).values():
        if isinstance(value, Daemon):
            found.append(value)
        elif isinstance(value, Shared):
            found.append(value.d)
        elif isinstance(value, tuple):
            found.extend(v for v in value if isinstance(v, Daemon))
        elif callable(value) and hasattr(value, "started"):
            found.extend(value.started)
    return found


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, attach the tail of each involved daemon's stderr (its log) to the report."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for i, d in enumerate(_daemons_of(item)):
            tail = "\n".join(d.stderr.splitlines()[-40:])
            report.sections.append((f"toolhost serve log #{i} (port {d.port}, last 40 lines)", tail))


__all__ = ["create_tenant"]


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server (postgres_server.PostgresServer), started once per session."""
    from postgres_server import PostgresServer

    with PostgresServer() as server:
        yield server
