"""Content blocks are checked before a result leaves the host (issue 9, item 4).

A toolset used to be able to send `{"type":"text","text":{…}}` and other malformed blocks to the
client, where the official Python client fails on them. Each block's type and required fields are
now checked like structuredContent is: a malformed one is the toolset's failure (-32603, details
in the log). The fixture `content_blocks.c` answers with canned results."""
from __future__ import annotations

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from toolhost_testlib import daemon_with_fixtures, rpc_error, rpc_result, run

PATH = "/blocks-t/mcp"

MALFORMED = {
    "text_object": 'content[0]: a text block needs "text" (a string)',
    "no_type": 'content[0]: "type" must be a string',
    "not_object": "content[0]: a content block must be an object, not string",
    "unknown_type": 'content[0]: unknown content type "video"',
    "image_no_mime": 'content[0]: an image block needs "mimeType" (a string)',
    "image_not_base64": "content[0]: the data of an image block is not base64",
    "link_no_name": 'content[0]: a resource_link block needs "name" (a string)',
    "resource_text_and_blob": 'content[0]: resource.resource needs exactly one of "text" or "blob"',
    "bad_priority": "content[0]: annotations.priority must be a number from 0 to 1",
}


@pytest.fixture(scope="module")
def blocks(tmp_path_factory):
    d, token = daemon_with_fixtures(tmp_path_factory.mktemp("blocks"), ["content_blocks"], "blocks-t", "blocks")
    yield d, token
    assert d.stop() == 0, d.stderr[-3000:]


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_content_is_a_toolset_failure(blocks, case):
    d, token = blocks
    err = rpc_error(d.call_tool(PATH, token, "emit", {"case": case}), 500, -32603)
    assert "the blocks toolset failed while running emit" in err["message"], err
    assert "returned malformed content: " + MALFORMED[case] in d.stderr, d.stderr[-2000:]


def test_every_block_type_passes_and_the_official_client_reads_it(blocks):
    d, token = blocks
    result = rpc_result(d.call_tool(PATH, token, "emit", {"case": "mixed_ok"}))
    assert [b["type"] for b in result["content"]] == ["text", "image", "audio", "resource_link", "resource", "resource"]

    async def call(c):
        return await c.call_tool("emit", {"case": "mixed_ok"})

    async def session():
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as h:
            async with Client(streamable_http_client(d.url(PATH), http_client=h)) as c:
                return await call(c)

    got = run(session())
    assert [b.type for b in got.content] == ["text", "image", "audio", "resource_link", "resource", "resource"]
    assert got.content[0].text == "every block type" and not got.is_error
