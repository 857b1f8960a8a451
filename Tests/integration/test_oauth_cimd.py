"""OAuth Client ID Metadata Documents (docs/BEHAVIOUR.md "OAuth"): a client_id that is a URL names a JSON document the
authorization server fetches, SSRF-guarded. The documents are served by a local http.server on 127.0.0.1, which the
daemon accepts only with `"oauth": {"allow_loopback_client_metadata": true}` in <data>/toolhost.json."""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2
import pytest

from test_oauth import (REDIRECT, exchange, list_tools, make_user, pkce_pair, authorize_url, redirect_params,
                        sign_in_and_consent)
from toolhost_testlib import Daemon, create_tenant, relax_abuse_limits, rpc_result


class DocumentServer:
    """Serves `routes[path] = (status, body, headers)` and records every path requested."""

    def __init__(self):
        self.routes: dict[str, tuple[int, bytes, dict]] = {}
        self.requests: list[tuple[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append((self.path, self.headers.get("Host")))
                status, body, headers = outer.routes.get(self.path, (404, b"not found", {}))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def document(self, path: str, *, client_id: str | None = None, name="Metadata Client", redirect_uris=(REDIRECT,), **extra) -> str:
        url = self.url(path)
        doc = {"client_id": client_id or url, "client_name": name, "redirect_uris": list(redirect_uris),
               "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
               "token_endpoint_auth_method": "none", **extra}
        self.routes[path] = (200, json.dumps(doc).encode(), {"Content-Type": "application/json"})
        return url

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def configure(data, *, allow_loopback: bool) -> None:
    relax_abuse_limits(data)
    cfg = data / "toolhost.json"
    doc = json.loads(cfg.read_text())
    doc["oauth"] = {"allow_loopback_client_metadata": allow_loopback}
    cfg.write_text(json.dumps(doc))


@pytest.fixture(scope="module")
def docs():
    server = DocumentServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def cimd(tmp_path_factory):
    root = tmp_path_factory.mktemp("cimd")
    data = root / "data"
    data.mkdir()
    configure(data, allow_loopback=True)
    create_tenant(data, "acme")
    make_user(data)
    d = Daemon(data=data, logdir=root / "logs")
    d.start()
    yield d
    assert d.stop() == 0


def error_page(resp: httpx2.Response, status: int = 400) -> str:
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert "location" not in resp.headers, "an error page, never a redirect"
    assert resp.headers["content-type"].startswith("text/html")
    return resp.text


def test_metadata_advertises_client_id_metadata_documents(cimd):
    doc = httpx2.get(cimd.url("/.well-known/oauth-authorization-server")).json()
    assert doc["client_id_metadata_document_supported"] is True


def test_full_flow_with_metadata_document_client_id(cimd, docs):
    client_id = docs.document("/full/client.json", name="CIMD Test App")
    client = {"client_id": client_id}
    verifier, challenge = pkce_pair()
    with httpx2.Client() as browser:
        page = browser.get(authorize_url(cimd, client, challenge))
        assert page.status_code == 200 and "CIMD Test App" in page.text, page.text
        params = redirect_params(sign_in_and_consent(browser, authorize_url(cimd, client, challenge)))
    assert params["state"] == "st4te" and params["iss"] == cimd.base
    r = exchange(cimd, client, params["code"], verifier)
    assert r.status_code == 200, r.text
    tokens = r.json()
    listing = rpc_result(list_tools(cimd, tokens["access_token"]))
    assert listing["tools"]
    # Cached for an hour: the authorize calls and the token exchange fetched the document once.
    assert docs.hits("/full/client.json") == 1
    # Refresh works with the same URL client_id.
    refreshed = httpx2.post(cimd.url("/oauth/token"), data={"grant_type": "refresh_token", "client_id": client_id,
                                                             "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text


def test_document_whose_client_id_differs_gets_error_page(cimd, docs):
    url = docs.document("/mismatch/client.json", client_id=docs.url("/someone-else.json"))
    _, challenge = pkce_pair()
    text = error_page(httpx2.get(authorize_url(cimd, {"client_id": url}, challenge)))
    assert "client_id does not equal its URL" in text


def test_redirect_uri_not_listed_gets_error_page(cimd, docs):
    url = docs.document("/redirects/client.json", redirect_uris=["http://127.0.0.1:9/other"])
    _, challenge = pkce_pair()
    text = error_page(httpx2.get(authorize_url(cimd, {"client_id": url}, challenge)))
    assert "not listed in the redirect_uris" in text and "client metadata document" in text


def test_invalid_documents_get_error_pages(cimd, docs):
    _, challenge = pkce_pair()
    docs.routes["/notjson.json"] = (200, b"<html>hi</html>", {"Content-Type": "text/html"})
    assert "not a JSON object" in error_page(httpx2.get(authorize_url(cimd, {"client_id": docs.url("/notjson.json")}, challenge)))
    assert "HTTP 404" in error_page(httpx2.get(authorize_url(cimd, {"client_id": docs.url("/missing.json")}, challenge)))
    secret = docs.document("/secret.json", token_endpoint_auth_method="client_secret_basic")
    assert "token_endpoint_auth_method" in error_page(httpx2.get(authorize_url(cimd, {"client_id": secret}, challenge)))
    big = docs.url("/big.json")
    docs.routes["/big.json"] = (200, json.dumps({"client_id": big, "redirect_uris": [REDIRECT], "pad": "x" * 70000}).encode(),
                                {"Content-Type": "application/json"})
    assert "64 KiB" in error_page(httpx2.get(authorize_url(cimd, {"client_id": big}, challenge)))


def test_redirects_are_not_followed(cimd, docs):
    target = docs.document("/redirect-target.json")
    docs.routes["/redirecting.json"] = (302, b"", {"Location": target})
    _, challenge = pkce_pair()
    text = error_page(httpx2.get(authorize_url(cimd, {"client_id": docs.url("/redirecting.json")}, challenge)))
    assert "redirect" in text
    assert docs.hits("/redirect-target.json") == 0


def test_private_address_refused_without_network_traffic(cimd):
    _, challenge = pkce_pair()
    started = time.monotonic()
    text = error_page(httpx2.get(authorize_url(cimd, {"client_id": "https://10.0.0.1/client.json"}, challenge)))
    assert "10.0.0.1" in text and "private" in text
    text = error_page(httpx2.get(authorize_url(cimd, {"client_id": "https://169.254.169.254/latest/meta-data/client"}, challenge)))
    assert "link-local" in text
    # Refused by the address check, before any connection: no connect timeout was waited out.
    assert time.monotonic() - started < 2
    r = httpx2.post(cimd.url("/oauth/token"), data={"grant_type": "authorization_code", "client_id": "https://10.0.0.1/client.json",
                                                     "code": "x", "redirect_uri": REDIRECT, "code_verifier": "y" * 43})
    assert r.status_code == 400 and r.json()["error"] == "invalid_client", r.text
    assert "private" in r.json()["error_description"]


def test_token_endpoint_refuses_bad_document_as_invalid_client(cimd, docs):
    url = docs.document("/token-mismatch.json", client_id=docs.url("/nope.json"))
    r = httpx2.post(cimd.url("/oauth/token"), data={"grant_type": "authorization_code", "client_id": url, "code": "x",
                                                     "redirect_uri": REDIRECT, "code_verifier": "y" * 43})
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_client" and "does not equal its URL" in r.json()["error_description"]


def test_loopback_refused_without_the_allowance(start_daemon, data_dir, docs):
    configure(data_dir, allow_loopback=False)
    create_tenant(data_dir, "acme")
    d = start_daemon(data_dir)
    url = docs.document("/no-allowance.json")
    _, challenge = pkce_pair()
    text = error_page(httpx2.get(authorize_url(d, {"client_id": url}, challenge)))
    assert "https" in text
    https_loopback = f"https://127.0.0.1:{docs.port}/no-allowance.json"
    assert "loopback" in error_page(httpx2.get(authorize_url(d, {"client_id": https_loopback}, challenge)))
    assert docs.hits("/no-allowance.json") == 0


def test_localhost_url_is_fetched_from_the_checked_address_with_its_host_header(cimd, docs):
    url = f"http://localhost:{docs.port}/localhost.json"
    docs.routes["/localhost.json"] = (200, json.dumps({"client_id": url, "client_name": "Localhost App",
                                                       "redirect_uris": [REDIRECT]}).encode(), {"Content-Type": "application/json"})
    _, challenge = pkce_pair()
    page = httpx2.get(authorize_url(cimd, {"client_id": url}, challenge))
    assert page.status_code == 200 and "Localhost App" in page.text, page.text
    assert ("/localhost.json", f"localhost:{docs.port}") in docs.requests


def test_cached_document_is_refetched_after_an_hour(cimd, docs):
    url = docs.document("/refetch.json", name="Before")
    _, challenge = pkce_pair()
    assert "Before" in httpx2.get(authorize_url(cimd, {"client_id": url}, challenge)).text
    assert "Before" in httpx2.get(authorize_url(cimd, {"client_id": url}, challenge)).text
    assert docs.hits("/refetch.json") == 1
    docs.document("/refetch.json", name="After")
    db = sqlite3.connect(cimd.data / "host.db")
    row = db.execute("SELECT metadata FROM oauth_clients WHERE client_id = ?", (url,)).fetchone()
    meta = json.loads(row[0])
    assert meta["client_id_metadata_document"] is True
    meta["fetched_ms"] -= 3_601_000
    with db:
        db.execute("UPDATE oauth_clients SET metadata = ? WHERE client_id = ?", (json.dumps(meta), url))
    db.close()
    assert "After" in httpx2.get(authorize_url(cimd, {"client_id": url}, challenge)).text
    assert docs.hits("/refetch.json") == 2
