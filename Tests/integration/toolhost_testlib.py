"""Helpers shared by the Toolhost integration tests: the binary, its CLI, a daemon, raw HTTP, JSON-RPC envelopes.

Everything here follows docs/BEHAVIOUR.md; the tests assert that contract exactly.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("TOOLHOST_BIN") or REPO / ".build" / "debug" / "toolhost").resolve()
BUILD_DIR = BIN.parent
FIXTURES = Path(os.environ.get("TOOLHOST_FIXTURES") or REPO / "Tests" / "fixtures" / "plugins").resolve()
ABI_INCLUDE = REPO / "Sources" / "PluginABI" / "include"

MODERN = "2026-07-28"
LEGACY = "2025-11-25"
LEGACY_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26")

TOKEN_RE = re.compile(r"^thp_([0-9a-f]{12})_[0-9A-Za-z]{43}$")
TOKEN_ANYWHERE_RE = re.compile(r"thp_[0-9a-f]{12}_[0-9A-Za-z]{43}")
LOG_LINE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARN|WARNING|ERROR|NOTICE|TRACE)\s+\[[^\]]+\] .+")

SCHEDULING_TOOLS = (
    "create_booking_request",
    "list_booking_requests",
    "get_booking_request",
    "cancel_booking_request",
    "confirm_booking_request",
)

CLI_TIMEOUT = 60


def require_binary() -> None:
    if not BIN.is_file():
        raise AssertionError(
            f"toolhost binary not found at {BIN} (build with `swift build`, or set TOOLHOST_BIN)"
        )


def real_plugins() -> list[Path]:
    """The toolset libraries built next to the binary (libToolhost*.so)."""
    return sorted(BUILD_DIR.glob("libToolhost*.so"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------

def cli(data: Path | str, *args: str, plugins: Path | str | None = None, env: dict[str, str] | None = None,
        check: bool = True, input: str | None = None, timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess:
    """Runs `toolhost ARGS… --data DATA [--plugins P]`; with check=True asserts exit code 0."""
    require_binary()
    argv = [str(BIN), *args, "--data", str(data)]
    if plugins is not None:
        argv += ["--plugins", str(plugins)]
    full_env = dict(os.environ)
    full_env.pop("TOOLHOST_TOKEN", None)
    if env:
        full_env.update(env)
    proc = subprocess.run(argv, capture_output=True, text=True, env=full_env, input=input,
                          stdin=None if input is not None else subprocess.DEVNULL, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv)} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    return proc


def create_tenant(data: Path, name: str, *, plan: str | None = None, plugins: Path | None = None) -> None:
    args = ["tenant", "create", name]
    if plan:
        args += ["--plan", plan]
    cli(data, *args, plugins=plugins)


def create_token(data: Path, tenant: str, toolsets: str | list[str], *, name: str = "test",
                 expires: str | None = None, plugins: Path | None = None) -> str:
    """`TOKEN=$(toolhost token create …)`: stdout is the token alone, on one line."""
    if not isinstance(toolsets, str):
        toolsets = ",".join(toolsets)
    args = ["token", "create", "--tenant", tenant, "--name", name, "--toolsets", toolsets]
    if expires:
        args += ["--expires", expires]
    proc = cli(data, *args, plugins=plugins)
    assert proc.stdout.endswith("\n") and proc.stdout.count("\n") == 1, f"stdout is not one line: {proc.stdout!r}"
    token = proc.stdout.strip()
    assert TOKEN_RE.match(token), f"not a token: {token!r}"
    return token


def token_public_id(token: str) -> str:
    m = TOKEN_RE.match(token)
    assert m, token
    return f"tok_{m.group(1)}"


def relax_abuse_limits(data: Path) -> None:
    """Writes <data>/toolhost.json with abuse limits no test module reaches by accident (the dedicated abuse tests
    use their own small limits): a shared daemon sees many failed authentications and requests per token."""
    cfg = data / "toolhost.json"
    doc = json.loads(cfg.read_text()) if cfg.exists() else {}
    doc["abuse"] = {"burst_limit": 100000, "burst_window_seconds": 60, "failed_auth_limit": 100000,
                    "lockout_window_seconds": 3600}
    # The OAuth tests sign in from 127.0.0.1 many times a minute; only test_preauth.py tests the per-address rate.
    doc.setdefault("pre_auth", {})["sign_ins_per_minute"] = 100000
    cfg.write_text(json.dumps(doc))


def tenant_with_token(data: Path, tenant: str, toolsets: str | list[str] = "scheduling,clock", *,
                      plugins: Path | None = None, name: str = "test") -> str:
    create_tenant(data, tenant, plugins=plugins)
    return create_token(data, tenant, toolsets, name=name, plugins=plugins)


# --------------------------------------------------------------------------------------------------
# Daemon
# --------------------------------------------------------------------------------------------------

@dataclass
class Daemon:
    data: Path
    plugins: Path | None = None
    demo: bool = False
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen | None = None
    logdir: Path | None = None
    _starts: int = 0

    def start(self, timeout: float = 60.0, port: int | None = None) -> "Daemon":
        """Starts the daemon on `port` (default: a free one) and waits until it listens."""
        require_binary()
        self.port = port or free_port()
        self._starts += 1
        logdir = self.logdir or self.data.parent
        logdir.mkdir(parents=True, exist_ok=True)
        self.stdout_path = logdir / f"{self.data.name}-serve{self._starts}.stdout"
        self.stderr_path = logdir / f"{self.data.name}-serve{self._starts}.stderr"
        argv = [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data", str(self.data)]
        if self.plugins is not None:
            argv += ["--plugins", str(self.plugins)]
        if not self.demo:
            argv.append("--no-demo")
        env = dict(os.environ)
        for k in ("TOOLHOST_TOKEN", "TOOLHOST_PORT", "TOOLHOST_HOST", "TOOLHOST_DATA", "TOOLHOST_PLUGINS",
                  "TOOLHOST_NO_DEMO", "TOOLHOST_ALLOWED_HOSTS", "TOOLHOST_ALLOWED_ORIGINS"):
            env.pop(k, None)
        env.update(self.env)
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "listening on" in self.stderr:
                return self
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"toolhost serve exited {self.proc.returncode} before listening\n"
                    f"stdout:\n{self.stdout}\nstderr:\n{self.stderr}"
                )
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"toolhost serve did not log 'listening on' within {timeout}s\nstderr:\n{self.stderr}")

    @property
    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def stdout(self) -> str:
        try:
            return self.stdout_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, wait, and return the exit code (the caller asserts it is 0)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"toolhost serve ignored SIGTERM for {timeout}s\nstderr:\n{self.stderr[-4000:]}")
        self._close_files()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self._close_files()

    def _close_files(self) -> None:
        for f in (getattr(self, "_out", None), getattr(self, "_err", None)):
            if f is not None and not f.closed:
                f.close()

    # -- HTTP shortcuts -------------------------------------------------------------------------
    def request(self, method: str, path: str, body: bytes | str | dict | list | None = None,
                headers: dict[str, str] | None = None, **kw) -> "Response":
        return raw_http(self.port, method, path, body, headers, **kw)

    def legacy(self, path: str, method: str, params: dict | None = None, *, token: str | None, id: Any = 1,
               version: str | None = LEGACY, session: str | None = None,
               headers: dict[str, str] | None = None) -> "Response":
        body = {"jsonrpc": "2.0", "method": method}
        if id is not None:
            body["id"] = id
        if params is not None:
            body["params"] = params
        h = mcp_headers(token)
        if version:
            h["MCP-Protocol-Version"] = version
        if session:
            h["Mcp-Session-Id"] = session
        h.update(headers or {})
        return self.request("POST", path, body, h)

    def modern(self, path: str, method: str, params: dict | None = None, *, token: str | None, id: Any = 1,
               version: str = MODERN, headers: dict[str, str] | None = None, meta: dict | None = None) -> "Response":
        body, h = modern_envelope(method, params, id=id, version=version, meta=meta)
        h.update(mcp_headers(token))
        h.update(headers or {})
        return self.request("POST", path, body, h)

    def call_tool(self, path: str, token: str, name: str, arguments: dict, *, id: Any = 1) -> "Response":
        return self.legacy(path, "tools/call", {"name": name, "arguments": arguments}, token=token, id=id)


def mcp_headers(token: str | None) -> dict[str, str]:
    h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    return h


def modern_envelope(method: str, params: dict | None = None, *, id: Any = 1, version: str = MODERN,
                    meta: dict | None = None) -> tuple[dict, dict[str, str]]:
    p = dict(params or {})
    m = {
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    if meta is not None:
        m = meta
    p["_meta"] = m
    body = {"jsonrpc": "2.0", "id": id, "method": method, "params": p}
    h = {"MCP-Protocol-Version": version, "Mcp-Method": method}
    if method == "tools/call":
        h["Mcp-Name"] = p["name"]
    return body, h


# --------------------------------------------------------------------------------------------------
# Raw HTTP (socket level, so oversized bodies/headers and early closes are observable)
# --------------------------------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise AssertionError(f"HTTP {self.status} body is not JSON: {self.body[:500]!r}") from e

    def __repr__(self) -> str:
        return f"<HTTP {self.status} {self.headers} {self.body[:800]!r}>"


def raw_http(port: int, method: str, path: str, body: bytes | str | dict | list | None = None,
             headers: dict[str, str] | None = None, *, timeout: float = 30.0, host_header: str | None = None) -> Response:
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    hdrs = {"Host": host_header or f"127.0.0.1:{port}", "Connection": "close"}
    hdrs.update(headers or {})
    if body is not None:
        hdrs["Content-Length"] = str(len(body))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            sock.sendall(head.encode("latin-1"))
            if body:
                view = memoryview(body)
                for i in range(0, len(body), 65536):
                    sock.sendall(view[i:i + 65536])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (413/431) and close before reading everything
        resp = http.client.HTTPResponse(sock, method=method)
        resp.begin()
        data = resp.read()
        headers_out: dict[str, str] = {}
        for k, v in resp.getheaders():
            k = k.lower()
            headers_out[k] = f"{headers_out[k]}, {v}" if k in headers_out else v
        return Response(resp.status, headers_out, data)
    finally:
        sock.close()


def rpc_error(resp: Response, status: int, code: int, message: str | None = None, *, id: Any = ...,
              layer: str | None = None) -> dict:
    """Asserts a JSON-RPC error response and returns its `error` object."""
    assert resp.status == status, resp
    assert (resp.header("content-type") or "").startswith("application/json"), resp
    body = resp.json()
    assert body.get("jsonrpc") == "2.0", body
    assert "result" not in body, body
    err = body["error"]
    assert err["code"] == code, body
    if message is not None:
        assert err["message"] == message, body
    if id is not ...:
        assert "id" in body and body["id"] == id, body
    if layer is not None:
        assert isinstance(err.get("data"), dict) and err["data"].get("layer") == layer, body
    return err


def rpc_result(resp: Response, *, id: Any = ...) -> dict:
    assert resp.status == 200, resp
    assert (resp.header("content-type") or "").startswith("application/json"), resp
    body = resp.json()
    assert "error" not in body, body
    if id is not ...:
        assert body["id"] == id, body
    return body["result"]


# --------------------------------------------------------------------------------------------------
# Scheduling arguments and results
# --------------------------------------------------------------------------------------------------

_slot = [0]


def booking_args(*, day: int | None = None, hour: int | None = None, time_zone: str = "Europe/Berlin",
                 title: str = "Intro call", **over: Any) -> dict:
    """A create_booking_request argument set with a unique future slot unless day/hour are given."""
    _slot[0] += 1
    n = _slot[0] + (os.getpid() % 50) * 1000
    if day is None:
        day = 1 + (n // 8) % 28
    if hour is None:
        hour = 9 + n % 8
    month = 1 + (n // (8 * 28)) % 12
    args = {
        "title": title,
        "start": f"2030-{month:02d}-{day:02d}T{hour:02d}:00:00+01:00",
        "end": f"2030-{month:02d}-{day:02d}T{hour:02d}:30:00+01:00",
        "time_zone": time_zone,
        "attendee_name": "Ada Lovelace",
        "attendee_email": "ada@example.com",
        "notes": "Integration test booking",
    }
    args.update(over)
    return args


def booking_id(structured: Any) -> str:
    """The booking id in a create/get result's structuredContent ({"id"} or {"booking": {"id"}})."""
    assert isinstance(structured, dict), structured
    if "id" in structured:
        return str(structured["id"])
    for key in ("booking", "booking_request", "request"):
        if isinstance(structured.get(key), dict) and "id" in structured[key]:
            return str(structured[key]["id"])
    raise AssertionError(f"no booking id in structuredContent: {structured}")


def booking_list(structured: Any) -> list:
    """The list in a list_booking_requests result's structuredContent."""
    assert isinstance(structured, dict), structured
    for key in ("booking_requests", "bookings", "requests", "items"):
        if isinstance(structured.get(key), list):
            return structured[key]
    lists = [v for v in structured.values() if isinstance(v, list)]
    assert len(lists) == 1, f"no single list in structuredContent: {structured}"
    return lists[0]


def result_text(result: dict) -> str:
    return "\n".join(c.get("text", "") for c in result.get("content", []) if c.get("type") == "text")


def create_booking_http(d: Daemon, path: str, token: str, **kw) -> str:
    r = rpc_result(d.call_tool(path, token, "create_booking_request", booking_args(**kw)))
    assert r.get("isError") in (None, False), r
    return booking_id(r["structuredContent"])


def get_booking_http(d: Daemon, path: str, token: str, bid: str) -> dict:
    return rpc_result(d.call_tool(path, token, "get_booking_request", {"id": bid}))


# --------------------------------------------------------------------------------------------------
# Fixture plugins
# --------------------------------------------------------------------------------------------------

def compile_fixture(name: str, outdir: Path, out_name: str | None = None, defines: dict[str, str] | None = None,
                    header_version: str | None = None) -> Path:
    """Compiles Tests/fixtures/plugins/NAME.c into OUTDIR; `defines` become -DKEY=VALUE (C string
    values are quoted here: {"PLUGIN_NAME": "notes"} → -DPLUGIN_NAME="notes"). `header_version`
    ("1.0", "1.1") builds against a frozen copy of that release's toolhost_plugin.h instead."""
    src = FIXTURES / f"{name}.c"
    if not src.is_file():
        raise AssertionError(f"fixture plugin source missing: {src}")
    out = outdir / (out_name or f"{name}.so")
    flags = [f"-D{key}={json.dumps(value)}" for key, value in (defines or {}).items()]
    includes = ["-I", str(FIXTURES.parent / "headers" / header_version)] if header_version else []
    proc = subprocess.run(["cc", "-shared", "-fPIC", *includes, "-I", str(ABI_INCLUDE), *flags, "-o", str(out), str(src)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"cc {src} failed:\n{proc.stderr}"
    return out


def daemon_with_fixtures(root: Path, fixtures: list[str], tenant: str, toolsets: str,
                         env: dict[str, str] | None = None) -> tuple["Daemon", str]:
    """A started daemon whose plugins folder holds only the given C fixtures (compiled), with a
    tenant and a token for `toolsets`. The caller stops it."""
    plugins = root / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    for name in fixtures:
        compile_fixture(name, plugins)
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    token = tenant_with_token(data, tenant, toolsets, plugins=plugins)
    return Daemon(data=data, plugins=plugins, logdir=root / "logs", env=env or {}).start(), token


class TenantSession:
    """One tenant on a running daemon as a toolset's tests drive it: operator commands through the CLI, tools/call
    over raw HTTP (legacy era, stateless), and the results a user would look at."""

    def __init__(self, d: "Daemon", tenant: str):
        self.d = d
        self.tenant = tenant
        self.path = f"/{tenant}/mcp"

    def cli(self, *args: str, check: bool = True):
        return cli(self.d.data, *args, check=check)

    def command(self, group: str, name: str, *args: str, check: bool = True):
        """`toolhost GROUP NAME --tenant T ARGS…`"""
        return self.cli(group, name, "--tenant", self.tenant, *args, check=check)

    def command_json(self, group: str, name: str, *args: str):
        return json.loads(self.command(group, name, *args, "--json").stdout)

    def raw(self, token: str, tool: str, arguments: dict, *, id: Any = 1) -> "Response":
        return self.d.call_tool(self.path, token, tool, arguments, id=id)

    def call(self, token: str, tool: str, arguments: dict | None = None) -> dict:
        """A successful call's structuredContent."""
        result = rpc_result(self.raw(token, tool, arguments or {}))
        assert not result.get("isError"), result
        return result["structuredContent"]

    def fail(self, token: str, tool: str, arguments: dict) -> str:
        """A call that must end in isError; its text."""
        result = rpc_result(self.raw(token, tool, arguments))
        assert result.get("isError") is True, result
        return result["content"][0]["text"]

    def with_client(self, token: str, fn):
        """`await fn(client)` with the official MCP client connected to this tenant's endpoint as `token`."""
        import httpx2
        from mcp import Client
        from mcp.client.streamable_http import streamable_http_client

        async def session():
            async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as h:
                async with Client(streamable_http_client(self.d.url(self.path), http_client=h)) as c:
                    return await fn(c)
        return asyncio.run(session())


def module_daemon(tmp_path_factory, name: str, *, fixtures: list[str] | None = None, tenant: str | None = None,
                  prepare=None):
    """For a module-scoped fixture: `yield from module_daemon(tmp_path_factory, "scopes", fixtures=["scoped"],
    tenant="acme", prepare=make_user)`. Starts a daemon on a fresh data folder with relaxed abuse limits (the real
    plugins, or only the compiled C `fixtures`), optionally a tenant and `prepare(data)`; yields it, then checks that
    it exits 0 on SIGTERM."""
    require_binary()
    root = tmp_path_factory.mktemp(name)
    plugins = None
    if fixtures:
        plugins = root / "plugins"
        plugins.mkdir()
        for fixture in fixtures:
            compile_fixture(fixture, plugins)
    data = root / "data"
    data.mkdir()
    relax_abuse_limits(data)
    if tenant:
        create_tenant(data, tenant, plugins=plugins)
    if prepare:
        prepare(data)
    d = Daemon(data=data, plugins=plugins, logdir=root / "logs")
    d.start()
    yield d
    rc = d.stop()
    assert rc == 0, f"daemon exited {rc} on SIGTERM\n{d.stderr[-3000:]}"


def plugins_dir_with_real(outdir: Path) -> Path:
    """A plugins folder holding copies of the real libToolhost*.so."""
    outdir.mkdir(parents=True, exist_ok=True)
    libs = real_plugins()
    assert libs, f"no libToolhost*.so next to {BIN}"
    for lib in libs:
        shutil.copy2(lib, outdir / lib.name)
    return outdir


def run(coro):
    return asyncio.run(coro)
