"""The Files toolset (Plugins/Files) against a real daemon: operators upload files and mark them agent-shareable
(`toolhost files …`); agents list the shareable ones and fetch signed share links (list_shared_files,
get_share_link) through the official MCP client and raw JSON-RPC; the links download through the host's streaming
(Range, expiry, single use, revocation, unsharing), are audited, and a 200 MB file passes without the daemon's memory
growing with it. docs/FILES.md is the user's guide, docs/BEHAVIOUR.md "Files" the contract."""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import subprocess
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from toolhost_testlib import BIN, TenantSession, cli, create_tenant, create_token, module_daemon, raw_http, rpc_error, rpc_result

TOOLS = {"list_shared_files", "get_share_link"}
MAX_LINK_SECONDS = 3600


def prepare(data: Path) -> None:
    # The deployer's maximum link life, read by the plugin at start-up (<data>/plugins.json).
    (data / "plugins.json").write_text(json.dumps({"files": {"max_link_seconds": MAX_LINK_SECONDS}}))
    create_tenant(data, "acme", plan="growth")


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    yield from module_daemon(tmp_path_factory, "files", prepare=prepare)


@pytest.fixture(scope="module")
def token(daemon) -> str:
    return create_token(daemon.data, "acme", "files", name="Files bot")


@pytest.fixture
def sample(tmp_path):
    """Writes a file of `size` pseudo-random bytes named `name` into tmp; returns (path, bytes)."""
    def make(name: str, size: int = 1000, content: bytes | None = None) -> tuple[Path, bytes]:
        body = content if content is not None else os.urandom(size)
        path = tmp_path / name
        path.write_bytes(body)
        return path, body
    return make


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------

def files(d, command: str, *args: str, tenant: str = "acme", check: bool = True):
    return TenantSession(d, tenant).command("files", command, *args, check=check)


def files_json(d, command: str, *args: str, tenant: str = "acme"):
    return TenantSession(d, tenant).command_json("files", command, *args)


def upload(d, path: Path, *extra: str, tenant: str = "acme") -> str:
    out = files(d, "upload", str(path), *extra, tenant=tenant).stdout
    assert out.endswith("\n") and out.count("\n") == 1, repr(out)
    return out.strip()


def raw_call(d, token: str, tool: str, arguments: dict, tenant: str = "acme"):
    return TenantSession(d, tenant).raw(token, tool, arguments)


def call(d, token: str, tool: str, arguments: dict | None = None) -> dict:
    return TenantSession(d, "acme").call(token, tool, arguments)


def fail(d, token: str, tool: str, arguments: dict) -> str:
    return TenantSession(d, "acme").fail(token, tool, arguments)


def listed_ids(d, token: str, **filters) -> list[str]:
    return [f["id"] for f in call(d, token, "list_shared_files", {"limit": 200, **filters})["files"]]


def get(d, url: str, method: str = "GET", headers: dict | None = None):
    parts = urlsplit(url)
    return raw_http(d.port, method, f"{parts.path}?{parts.query}", headers=headers)


def link(d, token: str, file_id: str, **args) -> dict:
    return call(d, token, "get_share_link", {"file_id": file_id, **args})


def audit(d, kind: str) -> list[dict]:
    out = cli(d.data, "audit", "--tenant", "acme", "--kind", kind, "--json").stdout
    return json.loads(out) if out.lstrip().startswith("[") else [json.loads(line) for line in out.splitlines() if line.strip()]


# --------------------------------------------------------------------------------------------------
# The surface
# --------------------------------------------------------------------------------------------------

def test_the_toolset_has_exactly_two_tools_with_annotations_and_output_schemas(daemon, token):
    async def body(c):
        return (await c.list_tools()).tools

    tools = TenantSession(daemon, "acme").with_client(token, body)
    assert {t.name for t in tools} == TOOLS
    by_name = {t.name: t for t in tools}
    assert by_name["list_shared_files"].annotations.read_only_hint is True
    assert by_name["get_share_link"].annotations.read_only_hint is False  # it mints a link
    for tool in tools:
        assert tool.annotations.destructive_hint is not True, tool.name
        assert tool.output_schema is not None and tool.output_schema["type"] == "object", tool.name
        assert "file_id" in tool.input_schema["properties"] or tool.name == "list_shared_files"


def test_upload_prints_the_id_alone_and_copies_the_bytes(daemon, sample):
    path, body = sample("Quarterly report.pdf", 5000)
    file_id = upload(daemon, path, "--folder", "/reports//2026/")
    assert file_id.startswith("fl_") and len(file_id) == 19, file_id
    row = next(f for f in files_json(daemon, "list")["files"] if f["id"] == file_id)
    assert row["name"] == "Quarterly report.pdf" and row["folder"] == "reports/2026"
    assert row["size"] == 5000 and row["type"] == "application/pdf" and row["shareable"] is False
    assert row["sha256"] == hashlib.sha256(body).hexdigest()
    assert row["uploaded_by"].startswith("cli:")
    # Stored under its id, never its name; no temporary file left behind.
    folder = daemon.data / "tenants" / "acme" / "files" / "files"
    assert (folder / file_id).read_bytes() == body
    assert not any(p.name.endswith(".part") for p in folder.iterdir())
    # A directory or a missing file is refused, and nothing is stored.
    assert files(daemon, "upload", str(path.parent), check=False).returncode != 0
    assert files(daemon, "upload", str(path) + ".missing", check=False).returncode != 0


def test_only_shareable_files_are_listed_with_filters_and_pages(daemon, token, sample):
    shared = [upload(daemon, sample(f"photo{i}.png", 100)[0], "--folder", "gallery/2026", "--shareable") for i in range(3)]
    private = upload(daemon, sample("payroll.csv", 100)[0], "--folder", "gallery")
    notes = upload(daemon, sample("notes_50%.txt", 10)[0], "--shareable")
    everything = listed_ids(daemon, token)
    assert set(shared) | {notes} <= set(everything) and private not in everything
    assert listed_ids(daemon, token, folder="gallery") == list(reversed(shared))  # newest first, subfolders included
    assert listed_ids(daemon, token, folder="gallery/2026/") == list(reversed(shared))
    assert listed_ids(daemon, token, type="image") == list(reversed(shared))
    assert listed_ids(daemon, token, type="text/plain") == [notes]
    assert listed_ids(daemon, token, name="PHOTO1") == [shared[1]]
    assert listed_ids(daemon, token, name="_50%") == [notes]  # LIKE wildcards match themselves
    assert listed_ids(daemon, token, name="payroll") == []
    item = call(daemon, token, "list_shared_files", {"name": "notes_50"})["files"][0]
    assert set(item) == {"id", "name", "folder", "size", "type", "sha256", "updated_at"}
    # Pages of two through the gallery, then the cursor refused with other filters.
    page = call(daemon, token, "list_shared_files", {"folder": "gallery", "limit": 2})
    assert [f["id"] for f in page["files"]] == [shared[2], shared[1]] and page["next_cursor"]
    rest = call(daemon, token, "list_shared_files", {"folder": "gallery", "limit": 2, "cursor": page["next_cursor"]})
    assert [f["id"] for f in rest["files"]] == [shared[0]] and rest["next_cursor"] is None
    text = fail(daemon, token, "list_shared_files", {"folder": "other", "cursor": page["next_cursor"]})
    assert "cursor" in text and "same filters" in text
    # Unsharing and sharing again take effect in the listing at once.
    files(daemon, "unshare", shared[0])
    assert shared[0] not in listed_ids(daemon, token, folder="gallery")
    files(daemon, "share", private)
    assert private in listed_ids(daemon, token, folder="gallery")


def test_a_private_file_is_answered_exactly_like_an_unknown_one(daemon, token, sample):
    private = upload(daemon, sample("secret.txt", 20)[0])
    unknown = "fl_" + "0" * 16
    private_text = fail(daemon, token, "get_share_link", {"file_id": private})
    unknown_text = fail(daemon, token, "get_share_link", {"file_id": unknown})
    assert private_text.replace(private, "ID") == unknown_text.replace(unknown, "ID"), (private_text, unknown_text)
    assert private not in json.dumps(call(daemon, token, "list_shared_files", {"limit": 200}))
    # The raw results match too, apart from the id.
    raw = lambda file_id: json.dumps(rpc_result(raw_call(daemon, token, "get_share_link", {"file_id": file_id})))
    assert raw(private).replace(private, "ID") == raw(unknown).replace(unknown, "ID")


# --------------------------------------------------------------------------------------------------
# Links
# --------------------------------------------------------------------------------------------------

def test_get_share_link_downloads_the_exact_bytes_and_returns_a_resource_link(daemon, token, sample):
    path, body = sample("Bericht März.pdf", 300_000)
    file_id = upload(daemon, path, "--shareable")
    result = rpc_result(raw_call(daemon, token, "get_share_link", {"file_id": file_id}))
    out = result["structuredContent"]
    assert out["url"].startswith(f"http://127.0.0.1:{daemon.port}/acme/x/files/download/{file_id}?"), out
    assert out["link_id"].startswith("lnk_") and out["single_use"] is False
    assert out["file"]["id"] == file_id and out["file"]["sha256"] == hashlib.sha256(body).hexdigest()
    # Default life: one hour (the configured maximum here is also one hour).
    assert out["expires_at"].endswith("Z")
    blocks = result["content"]
    assert blocks[0]["type"] == "text" and out["url"] in blocks[0]["text"]
    assert blocks[1] == {"type": "resource_link", "uri": out["url"], "name": "Bericht März.pdf", "mimeType": "application/pdf",
                         "size": 300_000}
    r = get(daemon, out["url"])
    assert r.status == 200, r
    assert r.body == body and hashlib.sha256(r.body).hexdigest() == out["file"]["sha256"]
    assert r.header("content-type") == "application/pdf"
    assert r.header("content-disposition").startswith("attachment;") and "Bericht%20M%C3%A4rz.pdf" in r.header("content-disposition")
    assert r.header("x-content-type-options") == "nosniff"
    # The official client accepts the resource_link block.

    async def body_fn(c):
        return await c.call_tool("get_share_link", {"file_id": file_id, "single_use": True})

    called = TenantSession(daemon, "acme").with_client(token, body_fn)
    assert not called.is_error
    link_block = next(c for c in called.content if c.type == "resource_link")
    assert str(link_block.uri) == called.structured_content["url"] and link_block.size == 300_000


def test_range_request_answers_the_slice(daemon, token, sample):
    path, body = sample("ranges.bin", 10_000)
    url = link(daemon, token, upload(daemon, path, "--shareable"))["url"]
    r = get(daemon, url, headers={"Range": "bytes=100-199"})
    assert r.status == 206, r
    assert r.body == body[100:200] and r.header("content-range") == "bytes 100-199/10000"
    r = get(daemon, url, headers={"Range": "bytes=-10"})
    assert r.status == 206 and r.body == body[-10:], r
    r = get(daemon, url, method="HEAD")
    assert r.status == 200 and r.body == b"" and r.header("content-length") == "10000", r


def test_links_expire_and_the_maximum_is_enforced(daemon, token, sample):
    file_id = upload(daemon, sample("short.txt", content=b"short-lived")[0], "--shareable")
    out = link(daemon, token, file_id, expires_in_seconds=2)
    assert get(daemon, out["url"]).status == 200
    time.sleep(3)
    assert get(daemon, out["url"]).status == 410
    text = fail(daemon, token, "get_share_link", {"file_id": file_id, "expires_in_seconds": MAX_LINK_SECONDS + 1})
    assert text == (f"\"expires_in_seconds\" is {MAX_LINK_SECONDS + 1}; this workspace allows links of at most "
                    f"{MAX_LINK_SECONDS} seconds (1 hour). Ask for {MAX_LINK_SECONDS} or less."), text
    assert get(daemon, link(daemon, token, file_id, expires_in_seconds=MAX_LINK_SECONDS)["url"]).status == 200


def test_a_single_use_link_downloads_once(daemon, token, sample):
    file_id = upload(daemon, sample("once.txt", content=b"just once")[0], "--shareable")
    out = link(daemon, token, file_id, single_use=True)
    assert out["single_use"] is True
    assert out["link_id"] in [l["id"] for l in files_json(daemon, "links", file_id)["links"]]
    r = get(daemon, out["url"])
    assert r.status == 200 and r.body == b"just once", r
    assert get(daemon, out["url"]).status == 410
    assert files_json(daemon, "links", file_id)["links"] == []  # used up: no longer outstanding


def test_revoked_links_are_gone_at_once(daemon, token, sample):
    file_id = upload(daemon, sample("revoke.txt", content=b"revoke me")[0], "--shareable")
    first, second = link(daemon, token, file_id), link(daemon, token, file_id)
    assert get(daemon, first["url"]).status == 200
    assert {first["link_id"], second["link_id"]} == {l["id"] for l in files_json(daemon, "links", file_id)["links"]}
    files(daemon, "revoke-link", first["link_id"])
    assert get(daemon, first["url"]).status == 410
    assert [l["id"] for l in files_json(daemon, "links", file_id)["links"]] == [second["link_id"]]
    cli(daemon.data, "links", "revoke", second["link_id"], "--tenant", "acme")  # the host's own command works too
    assert get(daemon, second["url"]).status == 410
    assert files(daemon, "revoke-link", "lnk_nope", check=False).returncode != 0


def test_unsharing_stops_downloads_and_revokes_links(daemon, token, sample):
    file_id = upload(daemon, sample("withdrawn.txt", content=b"withdrawn")[0], "--shareable")
    out = link(daemon, token, file_id)
    assert get(daemon, out["url"]).status == 200
    unshared = files_json(daemon, "unshare", file_id)
    assert unshared["revoked_links"] == [out["link_id"]] and unshared["file"]["shareable"] is False
    r = get(daemon, out["url"])
    assert r.status == 410 and b"withdrawn" not in r.body, r
    assert files_json(daemon, "links", file_id)["links"] == []
    # Sharing again does not bring the old link back; a new one works.
    files(daemon, "share", file_id)
    assert get(daemon, out["url"]).status == 410
    assert get(daemon, link(daemon, token, file_id)["url"]).status == 200


def test_the_handler_rechecks_the_file_on_every_request(daemon, token, sample):
    """Even a link the host still honours (its revocation is the plugin's to ask for) is refused once the file is
    no longer shareable: the download handler re-reads the file's row on every request."""
    file_id = upload(daemon, sample("rechecked.txt", content=b"rechecked")[0], "--shareable")
    out = link(daemon, token, file_id)
    db = daemon.data / "tenants" / "acme" / "files.db"  # the plugin's database for this tenant
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE files SET shareable = 0 WHERE id = ?", (file_id,))
    assert get(daemon, out["url"]).status == 410
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE files SET shareable = 1 WHERE id = ?", (file_id,))
    assert get(daemon, out["url"]).status == 200


def test_delete_removes_bytes_record_and_links(daemon, token, sample):
    file_id = upload(daemon, sample("gone.txt", content=b"gone")[0], "--shareable")
    out = link(daemon, token, file_id)
    deleted = files_json(daemon, "delete", file_id)
    assert deleted["revoked_links"] == [out["link_id"]]
    assert not (daemon.data / "tenants" / "acme" / "files" / "files" / file_id).exists()
    assert get(daemon, out["url"]).status == 410
    assert file_id not in [f["id"] for f in files_json(daemon, "list")["files"]]
    text = fail(daemon, token, "get_share_link", {"file_id": file_id})
    assert text.startswith(f"No shared file \"{file_id}\"")
    assert files(daemon, "delete", file_id, check=False).returncode != 0


def test_downloads_and_human_changes_are_audited(daemon, token, sample):
    file_id = upload(daemon, sample("audited.txt", content=b"audit me")[0], "--shareable")
    out = link(daemon, token, file_id, single_use=True)
    assert get(daemon, out["url"]).status == 200
    assert get(daemon, out["url"]).status == 410
    files(daemon, "unshare", file_id)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        used = [r for r in audit(daemon, "link.used") if r["details"].get("link_id") == out["link_id"]]
        if len(used) == 2:
            break
        time.sleep(0.3)
    assert sorted(r["details"]["status"] for r in used) == [200, 410], used
    served = next(r for r in used if r["details"]["status"] == 200)
    assert served["details"]["bytes"] == len(b"audit me")
    uploaded = [r for r in audit(daemon, "files.uploaded") if r["details"].get("file_id") == file_id]
    assert len(uploaded) == 1 and uploaded[0]["details"]["sha256"] == hashlib.sha256(b"audit me").hexdigest()
    assert any(r["details"].get("file_id") == file_id for r in audit(daemon, "files.unshared"))


# --------------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------------

def test_the_toolset_needs_the_growth_plan(daemon):
    create_tenant(daemon.data, "cheap", plan="starter")
    cheap = create_token(daemon.data, "cheap", "files")
    err = rpc_error(raw_call(daemon, cheap, "list_shared_files", {}, tenant="cheap"), 403, -31003)
    assert err["data"]["layer"] == "plan" and err["data"]["required_plan"] == "growth", err


def test_a_read_only_grant_sees_only_the_listing(daemon, sample):
    reader = create_token(daemon.data, "acme", "files:read", name="reader")

    async def body(c):
        return (await c.list_tools()).tools

    assert {t.name for t in TenantSession(daemon, "acme").with_client(reader, body)} == {"list_shared_files"}
    file_id = upload(daemon, sample("ro.txt", content=b"ro")[0], "--shareable")
    assert file_id in listed_ids(daemon, reader)
    rpc_error(raw_call(daemon, reader, "get_share_link", {"file_id": file_id}), 403, -31003)


# --------------------------------------------------------------------------------------------------
# Size
# --------------------------------------------------------------------------------------------------

def _vm(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def test_a_200_mb_file_uploads_and_downloads_with_bounded_daemon_memory(daemon, token, tmp_path):
    size = 200 * 1024 * 1024
    block = os.urandom(1024 * 1024)
    path = tmp_path / "big.bin"
    expected = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(size // len(block)):
            out.write(block)
            expected.update(block)
    peak_before = _vm(daemon.proc.pid, "VmHWM")
    # The upload runs in the CLI process: its own peak (wait4's rusage of that one child; RUSAGE_CHILDREN would be
    # the largest of every child this test process ever waited for, a compiler included) stays far below the file's
    # size because it copies in chunks.
    upload_process = subprocess.Popen([str(BIN), "files", "upload", "--tenant", "acme", str(path), "--shareable", "--data",
                                       str(daemon.data)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = upload_process.stdout.read(), upload_process.stderr.read()
    _, status, usage = os.wait4(upload_process.pid, 0)
    upload_process.returncode = os.waitstatus_to_exitcode(status)
    upload_process.stdout.close()
    upload_process.stderr.close()
    assert upload_process.returncode == 0, err
    file_id = out.decode().strip()
    cli_peak_mb = usage.ru_maxrss / 1024
    path.unlink()
    url = link(daemon, token, file_id)["url"]
    parts = urlsplit(url)
    conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=120)
    conn.request("GET", f"{parts.path}?{parts.query}")
    response = conn.getresponse()
    assert response.status == 200, response.status
    received, digest = 0, hashlib.sha256()
    while chunk := response.read(1024 * 1024):
        received += len(chunk)
        digest.update(chunk)
    conn.close()
    peak_after = _vm(daemon.proc.pid, "VmHWM")
    assert received == size
    assert digest.hexdigest() == expected.hexdigest()
    listed = next(f for f in call(daemon, token, "list_shared_files", {"limit": 200})["files"] if f["id"] == file_id)
    assert listed["size"] == size and listed["sha256"] == expected.hexdigest()
    growth_mb = (peak_after - peak_before) / 1024
    print(f"daemon VmHWM {peak_before} kB before, {peak_after} kB after a {size >> 20} MB upload and download: "
          f"+{growth_mb:.1f} MB; CLI peak RSS {cli_peak_mb:.1f} MB")
    assert cli_peak_mb < 150, f"the upload's CLI process peaked at {cli_peak_mb:.1f} MB for a {size >> 20} MB file"
    assert growth_mb < 100, f"daemon peak RSS grew by {growth_mb:.1f} MB for a {size >> 20} MB download"
    files(daemon, "delete", file_id)


def test_a_file_has_at_most_500_unexpired_links(daemon, token, sample):
    """An agent minting links in a loop fills the file's quota, not the host's link table."""
    path, _ = sample("many-links.txt")
    file_id = upload(daemon, path, "--shareable")
    for _ in range(500):
        link(daemon, token, file_id, expires_in_seconds=60)
    refused = fail(daemon, token, "get_share_link", {"file_id": file_id})
    assert refused.startswith(f"{file_id} already has 500 unexpired share links, the limit; no new link was made."), refused
    assert len(files_json(daemon, "links", file_id)["links"]) == 500
