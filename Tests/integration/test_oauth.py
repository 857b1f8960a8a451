"""OAuth 2.1 sign-in for MCP clients (docs/BEHAVIOUR.md "OAuth"): operator accounts, metadata, registration,
sign-in and consent pages, the token endpoint, refresh rotation, revocation and `toolhost connections`."""
from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import sqlite3
import urllib.parse

import pytest

from toolhost_testlib import cli, create_tenant, create_token, rpc_error, rpc_result

PASSWORD = "correct horse battery"


def make_user(data, tenant="acme", email="owner@example.com", password=PASSWORD, role="owner"):
    return cli(data, "user", "create", "--tenant", tenant, "--email", email, "--role", role, input=password + "\n")


# ---------------------------------------------------------------------------------------------------------------------
# 1. operator accounts
# ---------------------------------------------------------------------------------------------------------------------

def test_user_create_stores_scrypt_hash_and_reads_password_from_stdin(data_dir):
    create_tenant(data_dir, "acme")
    proc = make_user(data_dir)
    assert re.fullmatch(r"usr_[0-9a-f]{12}\n", proc.stdout), proc.stdout
    assert PASSWORD not in proc.stdout + proc.stderr
    row = sqlite3.connect(data_dir / "host.db").execute("SELECT email, role, password_hash FROM users").fetchone()
    assert row[0] == "owner@example.com" and row[1] == "owner"
    parts = row[2].split("$")
    assert parts[:4] == ["scrypt", "32768", "8", "1"] and len(parts[4]) == 32, row[2]
    salt = bytes.fromhex(parts[4])
    assert hashlib.scrypt(PASSWORD.encode(), salt=salt, n=32768, r=8, p=1, dklen=32, maxmem=64 * 1024 * 1024).hex() == parts[5]


def test_user_create_refuses_duplicates_unknown_tenant_and_missing_password(data_dir):
    create_tenant(data_dir, "acme")
    make_user(data_dir)
    dup = cli(data_dir, "user", "create", "--tenant", "acme", "--email", "OWNER@example.com", input=PASSWORD + "\n", check=False)
    assert dup.returncode == 1 and "already has a user" in dup.stderr
    nobody = cli(data_dir, "user", "create", "--tenant", "nope", "--email", "a@b.c", input=PASSWORD + "\n", check=False)
    assert nobody.returncode == 1 and "no tenant" in nobody.stderr
    empty = cli(data_dir, "user", "create", "--tenant", "acme", "--email", "x@example.com", input="", check=False)
    assert empty.returncode == 1 and "stdin" in empty.stderr
    bad_role = cli(data_dir, "user", "create", "--tenant", "acme", "--email", "x@example.com", "--role", "god", input=PASSWORD + "\n", check=False)
    assert bad_role.returncode == 2


# ---------------------------------------------------------------------------------------------------------------------
# helpers: a browser (cookie jar) driving the sign-in and consent forms, and the client's side of the flow
# ---------------------------------------------------------------------------------------------------------------------

import httpx2  # noqa: E402

from toolhost_testlib import Daemon, relax_abuse_limits  # noqa: E402

REDIRECT = "http://127.0.0.1:53682/callback"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def hidden_fields(page: str) -> dict[str, str]:
    return {m.group(1): html.unescape(m.group(2)) for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)}


def register(d, *, name="Test Client", redirect_uris=(REDIRECT,)) -> dict:
    r = httpx2.post(d.url("/oauth/register"), json={"client_name": name, "redirect_uris": list(redirect_uris),
                                                     "grant_types": ["authorization_code", "refresh_token"],
                                                     "response_types": ["code"], "token_endpoint_auth_method": "none"})
    assert r.status_code == 201, r.text
    return r.json()


def authorize_url(d, client, challenge, *, tenant="acme", scope=None, state="st4te", resource=None, redirect_uri=REDIRECT, **extra):
    params = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": redirect_uri,
              "code_challenge": challenge, "code_challenge_method": "S256", "state": state,
              "resource": resource or d.url(f"/{tenant}/mcp")}
    if scope:
        params["scope"] = scope
    params.update(extra)
    return d.url("/oauth/authorize?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None}))


def sign_in_and_consent(browser: httpx2.Client, url: str, *, email="owner@example.com", password=PASSWORD,
                        decision="allow", untick=(), only=None) -> httpx2.Response:
    """Runs the pages like a person would; returns the final (redirect) response of the consent POST."""
    page = browser.get(url)
    assert page.status_code == 200, page.text
    if 'action="/oauth/signin"' in page.text:
        fields = hidden_fields(page.text)
        page = browser.post(browser.base_url.join("/oauth/signin") if False else url.split("/oauth/")[0] + "/oauth/signin",
                            data={**fields, "email": email, "password": password})
        assert page.status_code == 200, page.text
    assert 'action="/oauth/consent"' in page.text, page.text
    fields = hidden_fields(page.text)
    scopes = [s for s in re.findall(r'name="scope" value="([^"]+)"', page.text) if s not in untick and (only is None or s in only)]
    return post_form(browser, url.split("/oauth/")[0] + "/oauth/consent",
                     [*fields.items(), *[("scope", s) for s in scopes], ("decision", decision)])


def post_form(client, url, pairs, headers=None) -> httpx2.Response:
    """POSTs a form with repeated fields (several `scope` checkboxes)."""
    if isinstance(pairs, dict):
        pairs = list(pairs.items())
    return client.post(url, content=urllib.parse.urlencode(pairs),
                       headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})


def redirect_params(resp: httpx2.Response) -> dict[str, str]:
    assert resp.status_code == 303, (resp.status_code, resp.text)
    location = resp.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def exchange(d, client, code, verifier, *, redirect_uri=REDIRECT, resource=None, tenant="acme") -> httpx2.Response:
    return httpx2.post(d.url("/oauth/token"), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "client_id": client["client_id"],
        "code_verifier": verifier, "resource": resource or d.url(f"/{tenant}/mcp")})


def full_flow(d, *, client=None, scope=None, untick=(), only=None, tenant="acme", email="owner@example.com") -> tuple[dict, dict]:
    client = client or register(d)
    verifier, challenge = pkce_pair()
    with httpx2.Client() as browser:
        params = redirect_params(sign_in_and_consent(browser, authorize_url(d, client, challenge, scope=scope, tenant=tenant),
                                                     untick=untick, only=only, email=email))
    r = exchange(d, client, params["code"], verifier, tenant=tenant)
    assert r.status_code == 200, r.text
    return client, r.json()


def list_tools(d, access_token, path="/acme/mcp"):
    return d.legacy(path, "tools/list", {}, token=access_token)


@pytest.fixture(scope="module")
def oauth(tmp_path_factory):
    root = tmp_path_factory.mktemp("oauth")
    data = root / "data"
    data.mkdir()
    relax_abuse_limits(data)
    create_tenant(data, "acme")
    create_tenant(data, "globex")
    make_user(data)
    make_user(data, tenant="globex", email="g@example.com")
    d = Daemon(data=data, logdir=root / "logs")
    d.start()
    yield d
    assert d.stop() == 0


# ---------------------------------------------------------------------------------------------------------------------
# 2. discovery: protected resource metadata, AS metadata, challenges
# ---------------------------------------------------------------------------------------------------------------------

def test_protected_resource_metadata_path_inserted_and_per_toolset(oauth):
    r = httpx2.get(oauth.url("/.well-known/oauth-protected-resource/acme/mcp"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert doc["resource"] == oauth.url("/acme/mcp")
    assert doc["authorization_servers"] == [oauth.base]
    assert {"scheduling", "clock", "scheduling:read", "clock:read"} <= set(doc["scopes_supported"])
    assert doc["bearer_methods_supported"] == ["header"]
    per = httpx2.get(oauth.url("/.well-known/oauth-protected-resource/acme/mcp/clock")).json()
    assert per["resource"] == oauth.url("/acme/mcp/clock") and per["scopes_supported"] == ["clock", "clock:read"]
    root = httpx2.get(oauth.url("/.well-known/oauth-protected-resource")).json()
    assert root["authorization_servers"] == [oauth.base]
    # An unknown tenant gets the same document (tenant names are not revealed); an unknown toolset is 404.
    assert httpx2.get(oauth.url("/.well-known/oauth-protected-resource/nobody/mcp")).status_code == 200
    assert httpx2.get(oauth.url("/.well-known/oauth-protected-resource/acme/mcp/nosuch")).status_code == 404


def test_authorization_server_metadata(oauth):
    doc = httpx2.get(oauth.url("/.well-known/oauth-authorization-server")).json()
    assert doc["issuer"] == oauth.base
    for key, path in (("authorization_endpoint", "/oauth/authorize"), ("token_endpoint", "/oauth/token"),
                      ("registration_endpoint", "/oauth/register"), ("revocation_endpoint", "/oauth/revoke")):
        assert doc[key] == oauth.url(path)
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert doc["token_endpoint_auth_methods_supported"] == ["none"]
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert "password" not in doc["grant_types_supported"]


def test_401_challenges_name_resource_metadata_and_keep_texts(oauth):
    r = oauth.legacy("/acme/mcp", "tools/list", {}, token=None)
    rpc_error(r, 401, -31001, "Bearer token required")
    www = r.header("www-authenticate")
    assert www.startswith('Bearer realm="toolhost"'), www
    assert f'resource_metadata="{oauth.url("/.well-known/oauth-protected-resource/acme/mcp")}"' in www
    assert 'scope="' in www and "error=" not in www
    bad = oauth.legacy("/acme/mcp/clock", "tools/list", {}, token="thp_000000000000_" + "a" * 43)
    rpc_error(bad, 401, -31001, "Invalid token")
    www = bad.header("www-authenticate")
    assert 'error="invalid_token"' in www and 'error_description="Invalid token"' in www
    assert f'resource_metadata="{oauth.url("/.well-known/oauth-protected-resource/acme/mcp/clock")}"' in www


def test_public_url_sets_issuer_and_resources(start_daemon, data_dir):
    create_tenant(data_dir, "acme")
    d = start_daemon(data_dir, env={"TOOLHOST_PUBLIC_URL": "https://mcp.example.com/"})
    doc = httpx2.get(d.url("/.well-known/oauth-authorization-server")).json()
    assert doc["issuer"] == "https://mcp.example.com" and doc["token_endpoint"] == "https://mcp.example.com/oauth/token"
    prm = httpx2.get(d.url("/.well-known/oauth-protected-resource/acme/mcp")).json()
    assert prm["resource"] == "https://mcp.example.com/acme/mcp"
    # The public host is accepted by the Host check on a loopback bind.
    r = httpx2.get(d.url("/.well-known/oauth-authorization-server"), headers={"Host": "mcp.example.com"})
    assert r.status_code == 200


# ---------------------------------------------------------------------------------------------------------------------
# 3. dynamic client registration
# ---------------------------------------------------------------------------------------------------------------------

def test_dynamic_client_registration(oauth):
    info = register(oauth, name="Claude Code", redirect_uris=[REDIRECT, "https://app.example.com/cb"])
    assert info["client_id"] and info["client_name"] == "Claude Code"
    assert info["redirect_uris"] == [REDIRECT, "https://app.example.com/cb"]
    assert info["token_endpoint_auth_method"] == "none" and "client_secret" not in info
    assert isinstance(info["client_id_issued_at"], int)


@pytest.mark.parametrize("body, error", [
    ({"client_name": "x"}, "invalid_redirect_uri"),
    ({"redirect_uris": []}, "invalid_redirect_uri"),
    ({"redirect_uris": ["http://evil.example.com/cb"]}, "invalid_redirect_uri"),
    ({"redirect_uris": ["https://a.example.com/cb#x"]}, "invalid_redirect_uri"),
    ({"redirect_uris": [REDIRECT], "grant_types": ["password"]}, "invalid_client_metadata"),
    ({"redirect_uris": [REDIRECT], "response_types": ["token"]}, "invalid_client_metadata"),
    ([1, 2], "invalid_client_metadata"),
])
def test_registration_errors_follow_rfc7591(oauth, body, error):
    r = httpx2.post(oauth.url("/oauth/register"), json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == error and r.json()["error_description"]


# ---------------------------------------------------------------------------------------------------------------------
# 4. authorization endpoint (sign-in → consent), token endpoint, OAuth access tokens at the MCP endpoint
# ---------------------------------------------------------------------------------------------------------------------

def test_full_authorization_code_flow_then_mcp_calls(oauth):
    client, tokens = full_flow(oauth)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert re.fullmatch(r"tha_[0-9a-f]{12}_[0-9A-Za-z]{43}", tokens["access_token"])
    assert tokens["refresh_token"].startswith("thr_")
    assert set(tokens["scope"].split()) >= {"scheduling", "clock"}
    listing = rpc_result(list_tools(oauth, tokens["access_token"]))
    names = {t["name"] for t in listing["tools"]}
    assert "create_booking_request" in names
    # a per-toolset endpoint of the same tenant accepts a token bound to the tenant endpoint
    rpc_result(list_tools(oauth, tokens["access_token"], "/acme/mcp/clock"))


def test_pages_are_plain_html_with_anti_framing_and_safe_cookies(oauth):
    client = register(oauth, name="Pages <Client>")
    _, challenge = pkce_pair()
    with httpx2.Client() as browser:
        page = browser.get(authorize_url(oauth, client, challenge))
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        assert "<script" not in page.text.lower() and "https://" not in page.text.split("<main>")[0]
        assert 'name="viewport"' in page.text
        assert 'type="password"' in page.text and 'name="csrf"' in page.text
        cookie = page.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
        assert "Pages &lt;Client&gt;" in page.text and "<Client>" not in page.text
        # wrong password: the sign-in page again, with an error
        fields = hidden_fields(page.text)
        bad = browser.post(oauth.url("/oauth/signin"), data={**fields, "email": "owner@example.com", "password": "nope-nope"})
        assert bad.status_code == 401 and "Incorrect email or password" in bad.text
        good = browser.post(oauth.url("/oauth/signin"), data={**fields, "email": "owner@example.com", "password": PASSWORD})
        assert "Pages &lt;Client&gt; is requesting access to your workspace" not in good.text  # names are bold-tagged
        assert "is requesting access to your workspace <strong>acme</strong>" in good.text
        assert re.search(r'type="checkbox" name="scope" value="scheduling" checked', good.text)
        assert ">Authorize</button>" in good.text and ">Cancel</button>" in good.text
        assert "HttpOnly" in good.headers["set-cookie"]


def test_consent_can_untick_toolsets_and_scopes_are_enforced(oauth):
    _, tokens = full_flow(oauth, only=("clock",))
    assert tokens["scope"].split() == ["clock"]
    listing = rpc_result(list_tools(oauth, tokens["access_token"]))
    assert {t["name"] for t in listing["tools"]}.isdisjoint({"create_booking_request"})
    r = oauth.call_tool("/acme/mcp/scheduling", tokens["access_token"], "list_booking_requests", {})
    assert r.status == 403, r


def test_read_scope_grants_read_only(oauth):
    _, tokens = full_flow(oauth, scope="scheduling:read")
    assert tokens["scope"] == "scheduling:read"
    r = oauth.call_tool("/acme/mcp", tokens["access_token"], "create_booking_request", {"title": "x"})
    assert r.status == 403 and "write access" in r.json()["error"]["message"], r


def test_cancel_redirects_access_denied_with_state_and_iss(oauth):
    client = register(oauth)
    _, challenge = pkce_pair()
    with httpx2.Client() as browser:
        params = redirect_params(sign_in_and_consent(browser, authorize_url(oauth, client, challenge), decision="deny"))
    assert params == {"error": "access_denied", "error_description": "The request was declined", "state": "st4te", "iss": oauth.base}


def test_code_redirect_carries_state_and_iss(oauth):
    client = register(oauth)
    _, challenge = pkce_pair()
    with httpx2.Client() as browser:
        params = redirect_params(sign_in_and_consent(browser, authorize_url(oauth, client, challenge, state="abc 123")))
    assert params["state"] == "abc 123" and params["iss"] == oauth.base and len(params["code"]) == 43


def test_unknown_client_or_redirect_uri_gets_an_error_page_never_a_redirect(oauth):
    client = register(oauth)
    _, challenge = pkce_pair()
    for url in (authorize_url(oauth, {"client_id": "thc_nope"}, challenge),
                authorize_url(oauth, client, challenge, redirect_uri="http://127.0.0.1:53682/other"),
                authorize_url(oauth, client, challenge, redirect_uri="https://evil.example.com/callback")):
        r = httpx2.get(url)
        assert r.status_code == 400 and "location" not in r.headers, r
        assert r.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("override, error", [
    ({"code_challenge": None}, "invalid_request"),
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "nosuchtoolset"}, "invalid_scope"),
    ({"resource": "https://elsewhere.example.com/acme/mcp"}, "invalid_target"),
    ({"resource": None}, "invalid_target"),
])
def test_authorization_request_errors_redirect_to_the_client(oauth, override, error):
    client = register(oauth)
    _, challenge = pkce_pair()
    params = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": REDIRECT, "code_challenge": challenge,
              "code_challenge_method": "S256", "state": "s", "resource": oauth.url("/acme/mcp")}
    params.update(override)
    r = httpx2.get(oauth.url("/oauth/authorize?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})))
    got = redirect_params(r)
    assert got["error"] == error and got["state"] == "s" and got["iss"] == oauth.base


def test_token_endpoint_errors_are_rfc6749(oauth):
    client = register(oauth)
    verifier, challenge = pkce_pair()
    with httpx2.Client() as browser:
        code = redirect_params(sign_in_and_consent(browser, authorize_url(oauth, client, challenge)))["code"]
    wrong_verifier = exchange(oauth, client, code, pkce_pair()[0])
    assert wrong_verifier.status_code == 400 and wrong_verifier.json()["error"] == "invalid_grant"
    assert wrong_verifier.headers["cache-control"] == "no-store"
    bad_code = exchange(oauth, client, "x" * 43, verifier)
    assert bad_code.status_code == 400 and bad_code.json()["error"] == "invalid_grant"
    wrong_redirect = exchange(oauth, client, code, verifier, redirect_uri="http://127.0.0.1:1/x")
    assert wrong_redirect.status_code == 400 and wrong_redirect.json()["error"] == "invalid_grant"
    ok = exchange(oauth, client, code, verifier)
    assert ok.status_code == 200, ok.text
    replay = exchange(oauth, client, code, verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # replaying a code revokes what it produced
    rpc_error(list_tools(oauth, ok.json()["access_token"]), 401, -31001, "Token has been revoked")
    unknown = httpx2.post(oauth.url("/oauth/token"), data={"grant_type": "authorization_code", "client_id": "thc_x", "code": code,
                                                          "redirect_uri": REDIRECT, "code_verifier": verifier})
    assert unknown.json()["error"] == "invalid_client"
    password = httpx2.post(oauth.url("/oauth/token"), data={"grant_type": "password", "client_id": client["client_id"],
                                                           "username": "owner@example.com", "password": PASSWORD})
    assert password.status_code == 400 and password.json()["error"] == "unsupported_grant_type"
    missing = httpx2.post(oauth.url("/oauth/token"), data={"client_id": client["client_id"]})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


def test_tokens_are_bound_to_their_resource(oauth):
    _, tokens = full_flow(oauth, client=None)
    # globex: another tenant's endpoint → 401 invalid_token, not merely 403
    r = list_tools(oauth, tokens["access_token"], "/globex/mcp")
    rpc_error(r, 401, -31001, "Token was not issued for this resource")
    assert 'error="invalid_token"' in r.header("www-authenticate")
    # a token issued for a per-toolset endpoint is refused at the tenant endpoint
    client = register(oauth)
    verifier, challenge = pkce_pair()
    with httpx2.Client() as browser:
        code = redirect_params(sign_in_and_consent(
            browser, authorize_url(oauth, client, challenge, resource=oauth.url("/acme/mcp/clock"))))["code"]
    narrow = exchange(oauth, client, code, verifier, resource=oauth.url("/acme/mcp/clock")).json()
    assert narrow["scope"] == "clock"
    rpc_result(list_tools(oauth, narrow["access_token"], "/acme/mcp/clock"))
    rpc_error(list_tools(oauth, narrow["access_token"], "/acme/mcp"), 401, -31001, "Token was not issued for this resource")


def test_users_sign_in_only_to_their_own_tenant(oauth):
    client = register(oauth)
    _, challenge = pkce_pair()
    with httpx2.Client() as browser:
        page = browser.get(authorize_url(oauth, client, challenge))
        r = browser.post(oauth.url("/oauth/signin"), data={**hidden_fields(page.text), "email": "g@example.com", "password": PASSWORD})
        assert r.status_code == 401 and "Incorrect email or password" in r.text


def test_csrf_origin_and_single_use_state(oauth):
    client = register(oauth)
    _, challenge = pkce_pair()
    with httpx2.Client() as browser:
        page = browser.get(authorize_url(oauth, client, challenge))
        fields = hidden_fields(page.text)
        forged = browser.post(oauth.url("/oauth/signin"), data={**fields, "csrf": "x", "email": "owner@example.com", "password": PASSWORD})
        assert forged.status_code == 403
        cross = browser.post(oauth.url("/oauth/signin"), headers={"Origin": "https://evil.example.com"},
                             data={**fields, "email": "owner@example.com", "password": PASSWORD})
        assert cross.status_code == 403
        consent = browser.post(oauth.url("/oauth/signin"), headers={"Origin": oauth.base},
                               data={**fields, "email": "owner@example.com", "password": PASSWORD})
        assert consent.status_code == 200 and 'action="/oauth/consent"' in consent.text
        form = [*hidden_fields(consent.text).items(), ("scope", "clock"), ("decision", "allow")]
        first = post_form(browser, oauth.url("/oauth/consent"), form)
        assert first.status_code == 303
        again = post_form(browser, oauth.url("/oauth/consent"), form)
        assert again.status_code == 400 and "location" not in again.headers
    # another browser (no cookie) cannot submit someone's form
    with httpx2.Client() as other:
        page = httpx2.get(authorize_url(oauth, client, challenge))
        r = other.post(oauth.url("/oauth/signin"), data={**hidden_fields(page.text), "email": "owner@example.com", "password": PASSWORD})
        assert r.status_code == 403


def test_signed_in_browser_goes_straight_to_consent(oauth):
    client = register(oauth)
    _, challenge = pkce_pair()
    with httpx2.Client() as browser:
        redirect_params(sign_in_and_consent(browser, authorize_url(oauth, client, challenge)))
        again = browser.get(authorize_url(oauth, client, challenge))
        assert 'action="/oauth/consent"' in again.text and 'action="/oauth/signin"' not in again.text


# ---------------------------------------------------------------------------------------------------------------------
# 5. refresh rotation, replay detection, revocation endpoint, short lifetimes
# ---------------------------------------------------------------------------------------------------------------------

def refresh(d, client, refresh_token, **extra) -> httpx2.Response:
    return httpx2.post(d.url("/oauth/token"), data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                                   "client_id": client["client_id"], **extra})


def test_refresh_rotates_and_reuse_revokes_the_grant(oauth):
    client, first = full_flow(oauth)
    r = refresh(oauth, client, first["refresh_token"], resource=oauth.url("/acme/mcp"))
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    assert second["scope"] == first["scope"]
    rpc_result(list_tools(oauth, second["access_token"]))
    # the rotated-out refresh token is replayed: the whole grant goes
    replay = refresh(oauth, client, first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    rpc_error(list_tools(oauth, second["access_token"]), 401, -31001, "Token has been revoked")
    after = refresh(oauth, client, second["refresh_token"])
    assert after.status_code == 400 and after.json()["error"] == "invalid_grant"


def test_refresh_errors(oauth):
    client, tokens = full_flow(oauth)
    other = register(oauth)
    wrong_client = refresh(oauth, other, tokens["refresh_token"])
    assert wrong_client.status_code == 400 and wrong_client.json()["error"] == "invalid_grant"
    garbage = refresh(oauth, client, "thr_nothing")
    assert garbage.status_code == 400 and garbage.json()["error"] == "invalid_grant"
    wider = refresh(oauth, client, tokens["refresh_token"], scope="nosuch")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    target = refresh(oauth, client, tokens["refresh_token"], resource=oauth.url("/globex/mcp"))
    assert target.status_code == 400 and target.json()["error"] == "invalid_target"
    assert refresh(oauth, client, tokens["refresh_token"]).status_code == 200


def test_revocation_endpoint(oauth):
    client, tokens = full_flow(oauth)
    r = httpx2.post(oauth.url("/oauth/revoke"), data={"token": tokens["access_token"], "client_id": client["client_id"]})
    assert r.status_code == 200
    rpc_error(list_tools(oauth, tokens["access_token"]), 401, -31001, "Invalid token")
    fresh = refresh(oauth, client, tokens["refresh_token"]).json()
    rpc_result(list_tools(oauth, fresh["access_token"]))
    assert httpx2.post(oauth.url("/oauth/revoke"), data={"token": fresh["refresh_token"], "token_type_hint": "refresh_token"}).status_code == 200
    rpc_error(list_tools(oauth, fresh["access_token"]), 401, -31001, "Token has been revoked")
    assert refresh(oauth, client, fresh["refresh_token"]).json()["error"] == "invalid_grant"
    # unknown tokens are fine (RFC 7009 §2.2)
    assert httpx2.post(oauth.url("/oauth/revoke"), data={"token": "whatever"}).status_code == 200


def test_short_lived_access_tokens_expire_and_refresh(start_daemon, data_dir):
    import time
    create_tenant(data_dir, "acme")
    make_user(data_dir)
    (data_dir / "toolhost.json").write_text(json.dumps({"oauth": {"access_token_seconds": 1, "refresh_token_days": 1}}))
    d = start_daemon(data_dir)
    client, tokens = full_flow(d)
    assert tokens["expires_in"] == 1
    rpc_result(list_tools(d, tokens["access_token"]))
    time.sleep(1.3)
    rpc_error(list_tools(d, tokens["access_token"]), 401, -31001, "Token has expired")
    fresh = refresh(d, client, tokens["refresh_token"]).json()
    rpc_result(list_tools(d, fresh["access_token"]))


def test_authorizing_the_same_client_again_replaces_its_grant(oauth):
    client, first = full_flow(oauth, client=register(oauth, name="Replace Me"))
    _, second = full_flow(oauth, client=register(oauth, name="Replace Me"))
    rpc_error(list_tools(oauth, first["access_token"]), 401, -31001, "Token has been revoked")
    rpc_result(list_tools(oauth, second["access_token"]))


# ---------------------------------------------------------------------------------------------------------------------
# 6. toolhost connections
# ---------------------------------------------------------------------------------------------------------------------

def test_connections_lists_tokens_and_grants_and_revokes_either(start_daemon, data_dir):
    create_tenant(data_dir, "acme")
    make_user(data_dir)
    pat = create_token(data_dir, "acme", "clock", name="Claude Desktop on Macbook")
    d = start_daemon(data_dir)
    client, tokens = full_flow(d, client=register(d, name="Claude Code"), only=("scheduling", "clock"))
    rpc_result(list_tools(d, tokens["access_token"]))
    listing = json.loads(cli(data_dir, "connections", "--tenant", "acme", "--json").stdout)
    by_name = {c["name"]: c for c in listing}
    assert set(by_name) == {"Claude Desktop on Macbook", "Claude Code"}
    assert by_name["Claude Code"]["kind"] == "oauth" and by_name["Claude Desktop on Macbook"]["kind"] == "pat"
    assert sorted(by_name["Claude Code"]["toolsets"]) == ["clock", "scheduling"]
    assert by_name["Claude Code"]["resource"] == d.url("/acme/mcp")
    assert by_name["Claude Code"]["expires"] and by_name["Claude Code"]["created"]
    table = cli(data_dir, "connections", "--tenant", "acme").stdout
    assert table.splitlines()[0].split() == ["ID", "NAME", "KIND", "TOOLSETS", "CREATED", "LAST", "USED", "EXPIRES", "STATUS"]
    assert "Claude Code" in table and "oauth" in table
    # token list stays personal access tokens only
    assert [t["name"] for t in json.loads(cli(data_dir, "token", "list", "--tenant", "acme", "--json").stdout)] == ["Claude Desktop on Macbook"]
    # revoking the grant stops it on the next request, and its refresh token
    cli(data_dir, "connections", "revoke", by_name["Claude Code"]["id"])
    rpc_error(list_tools(d, tokens["access_token"]), 401, -31001, "Token has been revoked")
    assert refresh(d, client, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    # token revoke works for PATs as before, and for grants
    cli(data_dir, "token", "revoke", by_name["Claude Desktop on Macbook"]["id"])
    rpc_error(list_tools(d, pat), 401, -31001, "Token has been revoked")
    assert json.loads(cli(data_dir, "connections", "--tenant", "acme", "--json").stdout) == []
    assert len(json.loads(cli(data_dir, "connections", "--tenant", "acme", "--all", "--json").stdout)) == 2
    _, again = full_flow(d, client=register(d, name="Claude Code"))
    grant_id = json.loads(cli(data_dir, "connections", "--tenant", "acme", "--json").stdout)[0]["id"]
    cli(data_dir, "token", "revoke", grant_id)
    rpc_error(list_tools(d, again["access_token"]), 401, -31001, "Token has been revoked")
    rotate = cli(data_dir, "token", "rotate", grant_id, check=False)
    assert rotate.returncode == 1


def test_reauthorizing_keeps_one_connection_per_client_name(oauth):
    for _ in range(2):
        full_flow(oauth, client=register(oauth, name="Only Once"))
    names = [c["name"] for c in json.loads(cli(oauth.data, "connections", "--tenant", "acme", "--json").stdout)]
    assert names.count("Only Once") == 1


# ---------------------------------------------------------------------------------------------------------------------
# 7. end to end with the official client's OAuthClientProvider
# ---------------------------------------------------------------------------------------------------------------------

def test_official_client_signs_in_lists_calls_and_refreshes(start_daemon, data_dir):
    import asyncio

    from mcp import Client
    from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared.auth import OAuthClientMetadata

    create_tenant(data_dir, "acme")
    make_user(data_dir)
    (data_dir / "toolhost.json").write_text(json.dumps({"oauth": {"access_token_seconds": 2}}))
    d = start_daemon(data_dir)
    url = d.url("/acme/mcp")

    class Memory:
        def __init__(self):
            self.tokens = None
            self.client = None
            self.history = []

        async def get_tokens(self):
            return self.tokens

        async def set_tokens(self, tokens):
            self.tokens = tokens
            self.history.append(tokens)

        async def get_client_info(self):
            return self.client

        async def set_client_info(self, info):
            self.client = info

    storage = Memory()
    captured: dict[str, str] = {}
    pages: list[str] = []

    async def redirect_handler(authorization_url: str) -> None:
        # The person's browser: sign in, then tick the toolsets and press Authorize.
        async with httpx2.AsyncClient() as browser:
            page = await browser.get(authorization_url)
            pages.append(page.text)
            fields = hidden_fields(page.text)
            consent = await browser.post(d.url("/oauth/signin"), data={**fields, "email": "owner@example.com", "password": PASSWORD})
            pages.append(consent.text)
            scopes = re.findall(r'name="scope" value="([^"]+)"', consent.text)
            form = [*hidden_fields(consent.text).items(), *[("scope", s) for s in scopes], ("decision", "allow")]
            done = await browser.post(d.url("/oauth/consent"), content=urllib.parse.urlencode(form),
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
            assert done.status_code == 303, done.text
            captured.update(urllib.parse.parse_qsl(urllib.parse.urlsplit(done.headers["location"]).query))

    async def callback_handler() -> AuthorizationCodeResult:
        return AuthorizationCodeResult(code=captured["code"], state=captured.get("state"), iss=captured.get("iss"))

    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(client_name="Python SDK test", redirect_uris=[REDIRECT],
                                            grant_types=["authorization_code", "refresh_token"], response_types=["code"]),
        storage=storage, redirect_handler=redirect_handler, callback_handler=callback_handler)

    async def session():
        async with httpx2.AsyncClient(auth=provider, timeout=30) as h:
            async with Client(streamable_http_client(url, http_client=h)) as c:
                tools = await c.list_tools()
                now = await c.call_tool("clock_now" if any(t.name == "clock_now" for t in tools.tools) else tools.tools[0].name, {})
                await asyncio.sleep(2.5)  # the access token expires; the provider refreshes it
                again = await c.call_tool("list_booking_requests", {})
                return tools, now, again

    tools, now, again = asyncio.run(session())
    names = {t.name for t in tools.tools}
    assert "create_booking_request" in names and not getattr(again, "is_error", False), again
    assert not getattr(now, "is_error", False), now
    assert "Python SDK test" in pages[1] and "acme" in pages[1]
    assert storage.client.client_id.startswith("thc_")
    assert len(storage.history) >= 2, "expected a refresh after the 2-second access token expired"
    assert len(pages) == 2, "the refresh must not send the person through the pages again"
    assert storage.history[0].refresh_token != storage.history[-1].refresh_token
    listing = json.loads(cli(data_dir, "connections", "--tenant", "acme", "--json").stdout)
    assert [c["name"] for c in listing] == ["Python SDK test"] and listing[0]["kind"] == "oauth"


# ---------------------------------------------------------------------------------------------------------------------
# hardening
# ---------------------------------------------------------------------------------------------------------------------

def test_failed_sign_ins_count_towards_the_address_lockout(start_daemon, data_dir):
    create_tenant(data_dir, "acme")
    make_user(data_dir)
    (data_dir / "toolhost.json").write_text(json.dumps({"abuse": {"failed_auth_limit": 2, "lockout_window_seconds": 3600}}))
    d = start_daemon(data_dir)
    client = register(d)
    _, challenge = pkce_pair()
    with httpx2.Client() as browser:
        page = browser.get(authorize_url(d, client, challenge))
        fields = hidden_fields(page.text)
        for _ in range(3):
            r = browser.post(d.url("/oauth/signin"), data={**fields, "email": "owner@example.com", "password": "wrong-password"})
            assert r.status_code == 401
        locked = browser.post(d.url("/oauth/signin"), data={**fields, "email": "owner@example.com", "password": PASSWORD})
        assert locked.status_code == 429 and "Too many failed authentication attempts" in locked.text
        assert int(locked.headers["retry-after"]) > 0


def test_public_url_must_be_an_origin(data_dir):
    proc = cli(data_dir, "serve", "--port", "0", "--no-demo", "--public-url", "https://example.com/toolhost", check=False)
    assert proc.returncode == 2 and "--public-url" in proc.stderr


def test_client_id_may_come_as_basic_credentials(oauth):
    client, tokens = full_flow(oauth)
    basic = base64.b64encode((client["client_id"] + ":").encode()).decode()
    r = httpx2.post(oauth.url("/oauth/token"), data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                    headers={"Authorization": "Basic " + basic})
    assert r.status_code == 200, r.text


def test_handshake_session_survives_an_access_token_refresh(oauth):
    # Sessions bind to the principal and its grant, not to one access token: a client that
    # refreshes mid-session keeps its Mcp-Session-Id.
    client, first = full_flow(oauth)
    init = oauth.legacy("/acme/mcp", "initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                                    "clientInfo": {"name": "t", "version": "1"}},
                        token=first["access_token"], version=None)
    rpc_result(init)
    session = init.header("mcp-session-id")
    assert session
    second = refresh(oauth, client, first["refresh_token"]).json()
    rpc_result(oauth.legacy("/acme/mcp", "tools/list", {}, token=second["access_token"], session=session))
    # A token of another grant cannot ride on that session.
    _, other = full_flow(oauth, client=register(oauth, name="Other Client"))
    r = oauth.legacy("/acme/mcp", "tools/list", {}, token=other["access_token"], session=session)
    assert r.status == 404, r
