"""HTTP/1.1 message framing per RFC 9112 (issue 10, item 11), at the socket level against the real daemon.

- HTTP/1.0 with Transfer-Encoding is faulty framing (§6.1): 400, then the connection is closed.
- The chunk-size line limit holds however the bytes arrive, including all in one packet.
- Blank lines before the request line (§2.2) count towards the header size limit (16 KiB): 431.
- X-Forwarded-For from a trusted proxy is believed only when its hops are IP addresses.
"""
from __future__ import annotations

import json
import socket

from toolhost_testlib import raw_http, rpc_error, rpc_result, tenant_with_token


def exchange(port: int, payload: bytes, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes, bool]:
    """Sends `payload` in one write; returns the first response's status, headers and body, and whether the
    server then closed the connection."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(payload)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            assert chunk, f"closed before a response: {data!r}"
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = s.recv(65536)
            assert chunk, "closed inside the body"
            body += chunk
        rest = body[length:]
        body = body[:length]
        try:
            closed = not rest and s.recv(65536) == b""
        except socket.timeout:
            closed = False
        except ConnectionResetError:
            closed = True
        return int(lines[0].split(" ")[1]), headers, body, closed
    finally:
        s.close()


def test_http10_with_transfer_encoding_is_400_and_closes(shared):
    port = shared.d.port
    status, headers, body, closed = exchange(port, (
        b"POST /healthz HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2\r\n{}\r\n0\r\n\r\n"), timeout=3)
    assert status == 400, body
    assert body == b"Transfer-Encoding is not allowed in HTTP/1.0"
    assert headers.get("connection") == "close"
    assert closed, "the connection must be closed after the answer"


def test_chunk_size_line_limit_holds_when_it_arrives_in_one_packet(shared):
    port = shared.d.port
    line = b"2;" + b"x" * 4000
    status, _, body, closed = exchange(port, (
        f"POST /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        + line + b"\r\n{}\r\n0\r\n\r\n"), timeout=3)
    assert (status, body, closed) == (400, b"Chunk size line too long", True)
    # Chunk extensions of ordinary length are still accepted.
    status, _, _, _ = exchange(port, (
        f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        .encode() + b"2;name=value\r\n{}\r\n0\r\n\r\n"))
    assert status == 200


def test_leading_blank_lines_count_towards_the_header_limit(shared):
    port = shared.d.port
    request = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
    status, _, body, closed = exchange(port, b"\r\n" * 9000 + request, timeout=3)
    assert (status, closed) == (431, True), body
    # A stream of nothing but blank lines is cut as soon as it passes the limit, not at the timeout.
    status, _, _, _ = exchange(port, b"\r\n" * 8193, timeout=3)
    assert status == 431
    # A few blank lines before the request line are still ignored (RFC 9112 §2.2).
    status, _, body, _ = exchange(port, b"\r\n\r\n" + request)
    assert (status, json.loads(body)) == (200, {"status": "ok"})


def test_x_forwarded_for_hops_must_be_addresses(start_daemon, data_dir):
    """Behind a trusted proxy the lockout key is the forwarded client; junk in X-Forwarded-For is not an address,
    so those failures count against the peer (the proxy's address) instead of a made-up key."""
    (data_dir / "toolhost.json").write_text(json.dumps({"abuse": {
        "failed_auth_limit": 2, "lockout_window_seconds": 3600, "burst_limit": 1000, "burst_window_seconds": 60}}))
    token = tenant_with_token(data_dir, "px", "clock")
    d = start_daemon(data=data_dir, env={"TOOLHOST_TRUSTED_PROXIES": "127.0.0.1"})

    def tools_list(token: str, forwarded: str | None, id: int):
        headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
        return d.legacy("/px/mcp", "tools/list", token=token, id=id, headers=headers)

    for i, junk in enumerate(["not-an-address", "198.51.100.1, <script>", "1.2.3.4:8080"]):
        r = tools_list("thp_000000000000_" + "x" * 43, junk, i)
        assert r.status in (401, 429), r
    # The three failures were the proxy's (127.0.0.1): it is locked out now ...
    rpc_error(tools_list(token, None, 10), 429, -31029, "Too many failed authentication attempts from your IP",
              id=10, layer="abuse")
    # ... while a client the proxy names by a real address is not (written in any form of it).
    rpc_result(tools_list(token, "203.0.113.7", 11), id=11)
    rpc_result(tools_list(token, "2001:db8:0:0::7", 12), id=12)
    # Odd or oversized values are refused quietly, never a crash.
    assert raw_http(d.port, "GET", "/healthz", headers={"X-Forwarded-For": "x" * 8000 + ", \u00ff"}).status == 200
