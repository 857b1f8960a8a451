"""Unauthenticated work must not take what authenticated tool calls need (issue 10 items 1 and 6, docs/BEHAVIOUR.md
"OAuth" and "Processes and files"): the OAuth pages run on a small thread budget of their own, sign-ins (scrypt) and
client metadata fetches are limited per address, fetches never hold a page thread while the network is silent, and
every logged value from outside is escaped."""
from __future__ import annotations

import json
import re
import socket
import statistics
import threading
import time
import urllib.parse

import httpx2
import pytest

from test_oauth import REDIRECT, authorize_url, hidden_fields, make_user, pkce_pair, register
from toolhost_testlib import LOG_LINE_RE, create_tenant, create_token, relax_abuse_limits, rpc_result

FORGED = "2026-01-01T00:00:00.000Z ERROR [forged] x"


@pytest.fixture
def preauth(start_daemon, data_dir):
    relax_abuse_limits(data_dir)
    cfg = json.loads((data_dir / "toolhost.json").read_text())
    cfg["oauth"] = {"allow_loopback_client_metadata": True}
    (data_dir / "toolhost.json").write_text(json.dumps(cfg))
    create_tenant(data_dir, "acme")
    make_user(data_dir)
    token = create_token(data_dir, "acme", "clock")
    d = start_daemon(data=data_dir, env={"TOOLHOST_TRUSTED_PROXIES": "127.0.0.1"})
    return d, token


# ---------------------------------------------------------------------------------------------------------------------
# item 6: log injection
# ---------------------------------------------------------------------------------------------------------------------

def _assert_log_clean(d):
    raw = d.stderr_path.read_bytes()
    assert b"\x00" not in raw, "a NUL byte reached the log"
    lines = raw.decode().splitlines()
    assert not [l for l in lines if l.startswith(FORGED[:24])], "a forged line reached the log"
    assert all(LOG_LINE_RE.match(l) for l in lines if l and not l.startswith(" ")), [l for l in lines if not LOG_LINE_RE.match(l)]
    return raw.decode()


def test_client_name_and_client_id_cannot_forge_log_lines(preauth):
    d, _ = preauth
    r = httpx2.post(d.url("/oauth/register"), json={"client_name": "Evil\n" + FORGED + "\x00\r\u2028end",
                                                    "redirect_uris": [REDIRECT]})
    assert r.status_code == 201, r.text
    # A URL client_id with a newline is logged when its document cannot be used.
    _, challenge = pkce_pair()
    bad = "http://127.0.0.1:9/x.json\n" + FORGED + "\x00"
    httpx2.get(authorize_url(d, {"client_id": bad}, challenge))
    time.sleep(0.3)
    text = _assert_log_clean(d)
    assert "Evil\\n" + FORGED + "\\x00\\r\\u{2028}end" in text, text[-2000:]
