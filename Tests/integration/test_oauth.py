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
