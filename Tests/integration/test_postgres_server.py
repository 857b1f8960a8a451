"""The throwaway PostgreSQL server other tests rely on: it runs, it checks passwords, and psql returns rows."""
from __future__ import annotations

import os
import subprocess


def test_server_answers_queries_over_tcp(postgres_server):
    assert postgres_server.host == "127.0.0.1"
    assert postgres_server.psql("SELECT 1, 'a b', NULL") == [["1", "a b", ""]]
    assert postgres_server.psql("SHOW listen_addresses") == [["127.0.0.1"]]


def test_server_requires_the_password(postgres_server):
    result = subprocess.run(
        [str(postgres_server.bindir / "psql"), "-X", "-At", "-h", postgres_server.host, "-p", str(postgres_server.port),
         "-U", postgres_server.user, "-d", postgres_server.database, "-c", "SELECT 1"],
        env={**os.environ, "PGPASSWORD": "not-the-password", "PGCONNECT_TIMEOUT": "5"},
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode != 0
    assert "password authentication failed" in result.stderr
