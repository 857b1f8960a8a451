#!/usr/bin/env python3
"""Renders the OAuth sign-in and consent pages to PNGs in docs/ (headless Chromium).

Starts the built daemon on a free port with a throwaway data folder, registers a client, follows
the authorization request like a browser would (saving each page's HTML; the pages have no
external assets, so the saved file renders exactly as served), and screenshots each page at a
phone width and a desktop width.

    .venv/bin/python scripts/screenshots.py [path/to/toolhost]
"""
from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".build/debug/toolhost"
REDIRECT = "http://127.0.0.1:53682/callback"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(data: Path, *args: str, input: str | None = None) -> str:
    return subprocess.run([str(BIN), *args, "--data", str(data)], check=True, capture_output=True, text=True, input=input).stdout


def hidden_fields(page: str) -> dict[str, str]:
    return {m.group(1): html.unescape(m.group(2)) for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)}


def shoot(chromium: str, page: Path, out: Path, width: int, height: int) -> None:
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--window-size={width},{height}", f"--screenshot={out}", page.as_uri()],
                   check=True, capture_output=True, timeout=60)
    print(f"wrote {out.relative_to(ROOT)}")


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("screenshots: install Debian's chromium first (apt-get install chromium)")
    work = Path(tempfile.mkdtemp(prefix="toolhost-shots."))
    data = work / "data"
    data.mkdir()
    cli(data, "tenant", "create", "acme")
    cli(data, "user", "create", "--tenant", "acme", "--email", "owner@acme.example", input="correct horse battery staple\n")
    port = free_port()
    daemon = subprocess.Popen([str(BIN), "serve", "--port", str(port), "--data", str(data), "--no-demo"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in daemon.stderr:
            if "listening on" in line:
                break
        base = f"http://127.0.0.1:{port}"
        client = httpx2.post(base + "/oauth/register", json={
            "client_name": "Claude Code", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"]}).json()
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        url = base + "/oauth/authorize?" + urllib.parse.urlencode({
            "response_type": "code", "client_id": client["client_id"], "redirect_uri": REDIRECT, "state": "s",
            "code_challenge": challenge, "code_challenge_method": "S256", "resource": base + "/acme/mcp"})
        with httpx2.Client() as browser:
            signin = browser.get(url).text
            consent = browser.post(base + "/oauth/signin", data={**hidden_fields(signin), "email": "owner@acme.example",
                                                                 "password": "correct horse battery staple"}).text
        assert 'action="/oauth/consent"' in consent, consent[:500]
        docs = ROOT / "docs"
        for name, page in (("oauth-signin", signin), ("oauth-consent", consent)):
            file = work / f"{name}.html"
            file.write_text(page)
            shoot(chromium, file, docs / f"{name}-phone.png", 390, 844)
            shoot(chromium, file, docs / f"{name}-desktop.png", 1280, 800)
    finally:
        daemon.terminate()
        daemon.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
