"""The example toolsets in examples/, each built as a separate project the way a third party builds one, loaded
by the daemon from a plugins folder, and used through the official Python MCP client.

examples/c-notes is built with its own Makefile (only the two headers come from this repository);
examples/swift-notes with `swift build` on its own Package.swift, which depends on this package by path for the
ToolsetKit product. If the ToolsetKit product, its re-exports, the header or toolhost_json.h stop working for an
outside project, these tests fail.

The Swift example is built once per test session into .build-examples/swift-notes (not .build: it is a separate
package with its own build plan). The folder is kept between sessions, so the second `make test` stage and later
runs only rebuild what changed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.parse
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from toolhost_testlib import REPO, Daemon, create_tenant, create_token, run

EXAMPLES = REPO / "examples"
SWIFT = os.environ.get("SWIFT", "swift")
SWIFT_SCRATCH = REPO / ".build-examples" / "swift-notes"
TOOLSETS = ["c_notes", "swift_notes"]
BUILD_TIMEOUT = 1200  # a cold build of the Swift example compiles ToolsetKit and its dependencies


@pytest.fixture(scope="session")
def c_notes_library(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("c-notes-build")
    proc = subprocess.run(["make", "-C", str(EXAMPLES / "c-notes"), f"BUILD_DIR={out}", "EXTRA_CFLAGS=-Werror"],
                          capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert proc.returncode == 0, f"make in examples/c-notes failed:\n{proc.stdout}\n{proc.stderr}"
    library = out / "libc_notes.so"
    assert library.is_file(), proc.stdout
    return library


@pytest.fixture(scope="session")
def swift_notes_library() -> Path:
    started = time.monotonic()
    # The cached build manifest would miss source files added to the Toolhost package since the last
    # build (SwiftPM does not rescan a path dependency's folders): plan afresh every session.
    proc = subprocess.run([SWIFT, "build", "--package-path", str(EXAMPLES / "swift-notes"),
                           "--scratch-path", str(SWIFT_SCRATCH), "--disable-build-manifest-caching"],
                          capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert proc.returncode == 0, f"swift build of examples/swift-notes failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
    print(f"examples/swift-notes built in {time.monotonic() - started:.1f}s")
    library = SWIFT_SCRATCH / "debug" / "libSwiftNotes.so"
    assert library.is_file(), proc.stdout[-2000:]
    return library


class NotesHost:
    def __init__(self, daemon: Daemon, tokens: dict[str, str]):
        self.d = daemon
        self.tokens = tokens  # tenant -> token for both example toolsets

    async def _with_client(self, tenant: str, toolset: str, fn):
        headers = {"Authorization": f"Bearer {self.tokens[tenant]}"}
        async with httpx2.AsyncClient(headers=headers, timeout=30) as h:
            async with Client(streamable_http_client(self.d.url(f"/{tenant}/mcp/{toolset}"), http_client=h)) as c:
                return await fn(c)

    def call(self, tenant: str, toolset: str, tool: str, arguments: dict):
        async def body(c):
            return await c.call_tool(tool, arguments)
        return run(self._with_client(tenant, toolset, body))

    def tool_names(self, tenant: str, toolset: str) -> set[str]:
        async def body(c):
            return {t.name for t in (await c.list_tools()).tools}
        return run(self._with_client(tenant, toolset, body))


@pytest.fixture(scope="module")
def notes_host(tmp_path_factory, c_notes_library, swift_notes_library) -> NotesHost:
    root = tmp_path_factory.mktemp("examples")
    plugins = root / "plugins"
    plugins.mkdir()
    shutil.copy2(c_notes_library, plugins / c_notes_library.name)
    shutil.copy2(swift_notes_library, plugins / swift_notes_library.name)
    data = root / "data"
    data.mkdir()
    tokens = {}
    for tenant in ("acme", "globex"):
        create_tenant(data, tenant, plugins=plugins)
        tokens[tenant] = create_token(data, tenant, ",".join(TOOLSETS), plugins=plugins)
    d = Daemon(data=data, plugins=plugins, logdir=root / "logs").start()
    yield NotesHost(d, tokens)
    rc = d.stop()
    assert rc == 0, f"daemon exited {rc} on SIGTERM\n{d.stderr[-3000:]}"


def text_of(result) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


@pytest.mark.parametrize("toolset", TOOLSETS)
def test_example_offers_its_tools(notes_host, toolset):
    # The Swift example also shows a background job and a signed download link.
    extra = {"count_words", "word_count", "share_note"} if toolset == "swift_notes" else set()
    assert notes_host.tool_names("acme", toolset) == {"add_note", "get_note", "list_notes"} | extra


def test_swift_example_counts_words_in_a_background_job(notes_host):
    for title, body in (("one two", "three four five"), ("six", "")):
        assert not notes_host.call("globex", "swift_notes", "add_note", {"title": title, "body": body}).is_error
    early = notes_host.call("globex", "swift_notes", "word_count", {})
    assert early.is_error and "No count has finished yet" in text_of(early)
    started = notes_host.call("globex", "swift_notes", "count_words", {})
    assert not started.is_error, text_of(started)
    job = started.structured_content["job_id"]
    deadline = time.monotonic() + 10
    while True:
        got = notes_host.call("globex", "swift_notes", "word_count", {})
        if not got.is_error:
            break
        assert time.monotonic() < deadline, "the word count job did not finish"
        time.sleep(0.1)
    assert got.structured_content == {"job_id": job, "notes": 2, "words": 6}


# Quotes, backslashes, control characters, accents, CJK, an astral emoji and U+2028 all have to survive
# the host → toolhost_json.h / ToolsetKit → SQLite → JSON writer → host → client path byte for byte.
TITLE = 'Grüße "quoted" 😀'
BODY = "Line one\nline\ttwo \\ back\\slash — 世界 𝄞 \u2028 bell:\x07 end"


@pytest.mark.parametrize("toolset", TOOLSETS)
def test_a_note_written_is_read_back_exactly(notes_host, toolset):
    before = int(time.time() * 1000)
    added = notes_host.call("acme", toolset, "add_note", {"title": TITLE, "body": BODY})
    assert not added.is_error, text_of(added)
    note_id = added.structured_content["id"]
    assert isinstance(note_id, int) and note_id >= 1
    assert added.structured_content == {"id": note_id, "title": TITLE}

    got = notes_host.call("acme", toolset, "get_note", {"id": note_id})
    assert not got.is_error, text_of(got)
    note = got.structured_content
    assert (note["id"], note["title"], note["body"]) == (note_id, TITLE, BODY)
    assert before - 1000 <= note["created_ms"] <= int(time.time() * 1000) + 1000

    listed = notes_host.call("acme", toolset, "list_notes", {})
    assert not listed.is_error, text_of(listed)
    assert {"id": note_id, "title": TITLE} in listed.structured_content["notes"]


@pytest.mark.parametrize("toolset", TOOLSETS)
def test_an_unknown_note_is_an_error_the_model_can_read(notes_host, toolset):
    missing = notes_host.call("acme", toolset, "get_note", {"id": 987654})
    assert missing.is_error
    assert "No note 987654" in text_of(missing)


@pytest.mark.parametrize("toolset", TOOLSETS)
def test_each_tenant_has_its_own_notes(notes_host, toolset):
    title = f"only acme sees this ({toolset})"
    added = notes_host.call("acme", toolset, "add_note", {"title": title, "body": "-"})
    assert not added.is_error, text_of(added)
    acme_titles = [n["title"] for n in notes_host.call("acme", toolset, "list_notes", {}).structured_content["notes"]]
    globex_titles = [n["title"] for n in notes_host.call("globex", toolset, "list_notes", {}).structured_content["notes"]]
    assert title in acme_titles
    assert title not in globex_titles


def test_c_example_exports_only_the_entry_symbol(c_notes_library):
    proc = subprocess.run(["nm", "-D", "--defined-only", str(c_notes_library)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    exported = {line.split()[-1] for line in proc.stdout.splitlines() if line.split()[1:2] == ["T"]}
    assert exported == {"toolhost_plugin_entry"}


def test_swift_example_shares_a_note_through_a_single_use_link(notes_host):
    added = notes_host.call("acme", "swift_notes", "add_note", {"title": TITLE, "body": BODY})
    shared = notes_host.call("acme", "swift_notes", "share_note", {"id": added.structured_content["id"]})
    assert not shared.is_error, text_of(shared)
    url = urllib.parse.urlsplit(shared.structured_content["url"])
    assert url.path.startswith("/acme/x/swift_notes/export"), url
    target = url.path + "?" + url.query
    first = notes_host.d.request("GET", target)
    assert first.status == 200, first
    assert first.body.decode() == TITLE + "\n\n" + BODY
    assert "attachment" in first.header("Content-Disposition") and first.header("X-Content-Type-Options") == "nosniff"
    assert notes_host.d.request("GET", target).status == 410  # single use
