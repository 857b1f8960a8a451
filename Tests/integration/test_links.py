"""ABI 1.2 HTTP handlers, signed links and files (header section 11), driven through the C fixture
`files.c`, which uses nothing but the two public headers: the host signs links to a plugin's
handlers, checks signature, expiry, revocation and single use before the plugin runs, streams the
plugin's files itself (Range, HEAD, safe headers), confines files to the (tenant, plugin) folder,
rotates keys, and audits every use.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from toolhost_testlib import Daemon, cli, compile_fixture, raw_http, rpc_result, tenant_with_token, token_public_id


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("links")
    plugins = root / "plugins"
    plugins.mkdir()
    compile_fixture("files", plugins)
    data = root / "data"
    data.mkdir()
    token = tenant_with_token(data, "acme", "files", plugins=plugins)
    other = tenant_with_token(data, "other", "files", plugins=plugins)
    d = Daemon(data=data, plugins=plugins, logdir=root / "logs").start()
    yield d, data, plugins, token, other
    if d.proc and d.proc.poll() is None:
        d.stop()


def tool(d, token, tool_name, tenant="acme", **args):
    result = rpc_result(d.call_tool(f"/{tenant}/mcp/files", token, tool_name, args))
    return result["structuredContent"]


def share(d, token, path, tenant="acme", **args):
    out = tool(d, token, "share", tenant=tenant, path=path, **args)
    assert out["status"] == "ok", out
    return out["url"], out["link_id"]


def get(d, url, method="GET", headers=None):
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return raw_http(d.port, method, target, headers=headers)


def put(d, token, name, tenant="acme", **content):
    return tool(d, token, "put_file", tenant=tenant, name=name, **content)


def expected_bytes(size):
    return bytes(i % 251 for i in range(size))


def test_download_matches_and_carries_safe_headers(env):
    d, data, _, token, _ = env
    put(d, token, "report.bin", size=300_000)
    url, link_id = share(d, token, "download/report.bin", claims={"type": "application/pdf", "name": "Bericht März \"final\".pdf"})
    assert url.startswith(f"http://127.0.0.1:{d.port}/acme/x/files/download/report.bin?"), url
    r = get(d, url)
    assert r.status == 200, r
    assert r.body == expected_bytes(300_000)
    assert r.header("content-length") == "300000"
    assert r.header("content-type") == "application/pdf"
    assert r.header("accept-ranges") == "bytes"
    assert r.header("x-content-type-options") == "nosniff"
    assert r.header("content-security-policy") == "sandbox; default-src 'none'"
    assert r.header("cache-control") == "no-store"
    assert r.header("referrer-policy") == "no-referrer"
    disposition = r.header("content-disposition")
    assert disposition == "attachment; filename=\"Bericht M_rz _final_.pdf\"; filename*=UTF-8''Bericht%20M%C3%A4rz%20%22final%22.pdf", disposition
    # The files folder is the pair's own, private.
    folder = data / "tenants" / "acme" / "files" / "files"
    assert (folder / "report.bin").is_file()
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert oct((data / "links.db").stat().st_mode & 0o777) == "0o600"


def test_range_requests(env):
    d, _, _, token, _ = env
    put(d, token, "ranges.bin", size=1000)
    url, _ = share(d, token, "download/ranges.bin")
    whole = expected_bytes(1000)
    r = get(d, url, headers={"Range": "bytes=10-19"})
    assert r.status == 206, r
    assert r.body == whole[10:20]
    assert r.header("content-range") == "bytes 10-19/1000"
    assert r.header("content-length") == "10"
    r = get(d, url, headers={"Range": "bytes=-100"})
    assert r.status == 206 and r.body == whole[-100:] and r.header("content-range") == "bytes 900-999/1000", r
    r = get(d, url, headers={"Range": "bytes=990-"})
    assert r.status == 206 and r.body == whole[990:], r
    r = get(d, url, headers={"Range": "bytes=5000-6000"})
    assert r.status == 416 and r.header("content-range") == "bytes */1000", r
    # Several ranges: ignored (documented), the whole file.
    r = get(d, url, headers={"Range": "bytes=0-1,5-6"})
    assert r.status == 200 and r.body == whole, r
    # HEAD: the headers of the answer, no body.
    r = get(d, url, method="HEAD")
    assert r.status == 200 and r.body == b"" and r.header("content-length") == "1000", r


def test_keep_alive_after_a_streamed_file(env):
    d, _, _, token, _ = env
    import socket
    put(d, token, "ka.bin", size=200_000)
    url, _ = share(d, token, "download/ka.bin")
    parts = urlsplit(url)
    target = f"{parts.path}?{parts.query}"
    with socket.create_connection(("127.0.0.1", d.port), timeout=10) as s:
        request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        s.sendall(request + request.replace(b"\r\n\r\n", b"\r\nRange: bytes=0-4\r\n\r\n"))
        received = b""
        while received.count(b"HTTP/1.1 ") < 2 or not received.endswith(expected_bytes(5)):
            chunk = s.recv(65536)
            assert chunk, received[:200]
            received += chunk
    first_end = received.index(b"\r\n\r\n") + 4
    assert received[first_end:first_end + 200_000] == expected_bytes(200_000)
    assert received[first_end + 200_000:].startswith(b"HTTP/1.1 206")


def test_single_use_link_serves_once(env):
    d, _, _, token, _ = env
    put(d, token, "once.txt", text="just once")
    url, _ = share(d, token, "download/once.txt", single_use=True)
    assert "&u=1" in url
    assert get(d, url, method="HEAD").status == 200  # HEAD never consumes
    r = get(d, url)
    assert r.status == 200 and r.body == b"just once", r
    r = get(d, url)
    assert r.status == 410, r
    assert b"once" not in r.body and b"lnk_" not in r.body


def test_expired_link_is_gone(env):
    d, _, _, token, _ = env
    put(d, token, "short.txt", text="short")
    url, _ = share(d, token, "download/short.txt", expires_in=1)
    time.sleep(2.1)
    assert get(d, url).status == 410


def test_tampered_or_moved_links_are_not_found(env):
    d, _, _, token, other = env
    put(d, token, "secret.txt", text="acme only")
    url, _ = share(d, token, "download/secret.txt")
    sig = url.rsplit("s=", 1)[1]
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    assert get(d, url.rsplit("s=", 1)[0] + "s=" + flipped).status == 404
    assert get(d, url.replace("e=", "e=9")).status == 404  # a longer life is not for the asking
    assert get(d, url.replace("/download/secret.txt", "/download/other.txt")).status == 404
    # The other tenant's path with acme's valid signature: 404, and the other tenant's file is never read.
    put(d, other, "secret.txt", tenant="other", text="other's")
    assert get(d, url.replace("/acme/", "/other/")).status == 404
    # No parameters, an unknown plugin, a path no handler covers: 404 too.
    assert get(d, url.split("?")[0]).status == 404
    assert get(d, url.replace("/x/files/", "/x/nofiles/")).status == 404
    assert get(d, url).status == 200


def test_small_body_handler_sees_verified_claims(env):
    d, _, _, token, _ = env
    url, link_id = share(d, token, "claims/a/b", claims={"invoice": 7})
    r = get(d, url + "&extra=1")
    assert r.status == 200, r
    assert r.header("content-type") == "application/json"
    assert r.header("x-content-type-options") == "nosniff"
    body = r.json()
    assert body == {"claims": {"invoice": 7}, "path": "a/b", "query": "extra=1", "link_id": link_id,
                    "created_by": token_public_id(token), "method": "GET", "tenant": "acme", "has_db": True}


def test_revoked_link_is_gone(env):
    d, data, plugins, token, _ = env
    put(d, token, "rev.txt", text="revoke me")
    url, link_id = share(d, token, "download/rev.txt")
    assert get(d, url).status == 200
    assert tool(d, token, "revoke", link_id=link_id)["status"] == "ok"
    assert get(d, url).status == 410
    assert tool(d, token, "revoke", link_id="lnk_000000000000000000000000")["status"] == "not_found"
    # Operators revoke from the CLI; listing shows it.
    url2, link2 = share(d, token, "download/rev.txt")
    cli(data, "links", "revoke", link2, "--tenant", "acme", plugins=plugins)
    assert get(d, url2).status == 410
    listed = json.loads(cli(data, "links", "list", "--tenant", "acme", "--json", plugins=plugins).stdout)
    mine = {row["id"]: row for row in listed}
    assert mine[link_id]["revoked"] and mine[link2]["revoked"] and mine[link2]["created_by"] == token_public_id(token)
    assert all("url" not in row and "signature" not in row for row in listed)  # a listing never hands out a usable link
    assert cli(data, "links", "revoke", link2, "--tenant", "other", plugins=plugins, check=False).returncode != 0


def test_sign_link_refusals(env):
    d, _, _, token, _ = env
    assert tool(d, token, "share", path="nohandler/x")["status"] == "not_found"
    assert tool(d, token, "share", path="download/../etc")["status"] == "invalid_argument"
    assert tool(d, token, "share", path="download/x", expires_in=31 * 86400)["status"] == "invalid_argument"
    assert tool(d, token, "share", path="download/x", claims=[1])["status"] == "invalid_argument"
    assert tool(d, token, "base_url")["url"] == f"http://127.0.0.1:{d.port}"


def test_files_outside_the_folder_are_refused(env):
    d, _, _, token, _ = env
    url, _ = share(d, token, "download/x", claims={"file_path": "/etc/hostname"})
    r = get(d, url)
    assert r.status == 500 and b"hostname" not in r.body, r
    assert "refuses to serve" in d.stderr
    assert tool(d, token, "symlink", name="escape", target="/etc/hostname")["status"] == "ok"
    url, _ = share(d, token, "download/escape")
    assert get(d, url).status == 500
    # The other tenant's folder, by path: refused as well.
    url, _ = share(d, token, "download/x", claims={"file_path": "../../../other/files/files/secret.txt"})
    assert get(d, url).status == 500


def test_method_and_audit(env):
    d, data, plugins, token, _ = env
    put(d, token, "audited.txt", text="audit me")
    url, link_id = share(d, token, "download/audited.txt", single_use=True)
    assert raw_http(d.port, "POST", urlsplit(url).path + "?" + urlsplit(url).query, body=b"x").status == 405
    assert get(d, url).status == 200
    assert get(d, url).status == 410
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        out = cli(data, "audit", "--tenant", "acme", "--kind", "link.used", "--json", plugins=plugins).stdout
        rows = [json.loads(line) for line in out.splitlines() if line.strip()] if not out.lstrip().startswith("[") else json.loads(out)
        mine = [r for r in rows if r["details"].get("link_id") == link_id]
        if len(mine) == 2:
            break
        time.sleep(0.3)
    assert len(mine) == 2, rows
    statuses = sorted(r["details"]["status"] for r in mine)
    assert statuses == [200, 410]
    served = next(r for r in mine if r["details"]["status"] == 200)
    assert served["details"]["bytes"] == len("audit me")
    assert served["details"]["created_by"] == token_public_id(token)
    assert served["token_id"] == token_public_id(token)


def test_key_rotation(env):
    d, data, plugins, token, _ = env
    put(d, token, "rot.txt", text="rotate")
    old_url, _ = share(d, token, "download/rot.txt")
    cli(data, "links", "rotate-key", plugins=plugins)
    new_url, _ = share(d, token, "download/rot.txt")
    key = lambda u: u.split("k=")[1].split("&")[0]
    assert key(old_url) != key(new_url)
    assert get(d, old_url).status == 200  # old keys verify until retired
    assert get(d, new_url).status == 200
    cli(data, "links", "rotate-key", "--retire", plugins=plugins)
    assert get(d, old_url).status == 404
    assert get(d, new_url).status == 404
    fresh, _ = share(d, token, "download/rot.txt")
    assert get(d, fresh).status == 200


def test_large_file_is_streamed_not_buffered(env):
    d, _, _, token, _ = env
    size = 8 * 1024 * 1024
    put(d, token, "big.bin", size=size)
    url, _ = share(d, token, "download/big.bin")

    def rss_kb():
        for line in Path(f"/proc/{d.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    get(d, url)  # warm up buffers and threads
    before = rss_kb()
    r = get(d, url)
    after = rss_kb()
    assert r.status == 200 and len(r.body) == size and r.body[:1000] == expected_bytes(1000)
    assert after - before < 4 * 1024, f"RSS grew by {after - before} kB for an {size // 1024} kB download"


def test_public_url_makes_absolute_links(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    compile_fixture("files", plugins)
    data = tmp_path / "data"
    data.mkdir()
    token = tenant_with_token(data, "acme", "files", plugins=plugins)
    d = Daemon(data=data, plugins=plugins, logdir=tmp_path / "logs", env={"TOOLHOST_PUBLIC_URL": "https://files.example.com/"}).start()
    try:
        assert tool(d, token, "base_url")["url"] == "https://files.example.com"
        put(d, token, "p.txt", text="public")
        url, _ = share(d, token, "download/p.txt")
        assert url.startswith("https://files.example.com/acme/x/files/download/p.txt?l=lnk_"), url
        r = get(d, url)  # the same path and query, asked of this daemon directly
        assert r.status == 200 and r.body == b"public", r
    finally:
        d.stop()
