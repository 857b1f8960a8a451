"""A throwaway PostgreSQL server for tests: its own data directory, a free TCP port on 127.0.0.1,
a superuser with a real password (scram-sha-256, so tests exercise password authentication), and
everything deleted again at stop().

It runs Debian's server binaries (/usr/lib/postgresql/<version>/bin, from the `postgresql` package
that `make deps` installs). initdb and postgres refuse to run as root, so when the tests run as root
(CI containers) the server runs as the `postgres` system user the package creates.

    with PostgresServer() as pg:
        pg.psql("CREATE TABLE t (id int)")
        rows = pg.psql("SELECT 1, 'a'")   # [["1", "a"]]
"""
from __future__ import annotations

import atexit
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

FIELD_SEPARATOR = "\x1f"  # psql -F: a byte no test value contains, unlike "|" or a tab


def find_bindir() -> Path:
    """The newest installed server's bin directory."""
    candidates = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    candidates.sort(key=lambda p: _version_key(p.parent.name), reverse=True)
    for bindir in candidates:
        if (bindir / "postgres").exists() and (bindir / "pg_ctl").exists():
            return bindir
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, postgres, pg_ctl) were not found under /usr/lib/postgresql/*/bin; "
        "run `make deps` to install Debian's postgresql package"
    )


def _version_key(name: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in name.split("."))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """Start with start() (or `with`), stop with stop(). Exposes host, port, user, password, database."""

    def __init__(self, user: str = "toolhost_test", database: str = "postgres"):
        self.host = "127.0.0.1"
        self.port = 0
        self.user = user
        # Contains characters that need quoting in a conninfo string, to catch string-building bugs.
        self.password = "pw-" + secrets.token_hex(8) + " 'q\\"
        self.database = database
        self.root: Path | None = None
        self.bindir: Path | None = None
        self._running = False

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> "PostgresServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> "PostgresServer":
        try:
            return self._start()
        except BaseException:
            self.stop()  # no half-made data directory or orphan server left behind
            raise

    def _start(self) -> "PostgresServer":
        self.bindir = find_bindir()
        as_root = os.geteuid() == 0
        # As root the server user must be able to reach the folder, and $TMPDIR may sit under a
        # private home; /tmp is world-traversable.
        self.root = Path(tempfile.mkdtemp(prefix="toolhost-pg-", dir="/tmp" if as_root else None))
        os.chmod(self.root, 0o755)
        (self.root / "sockets").mkdir()
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        os.chmod(pwfile, 0o600)
        if as_root:
            self._give_to_postgres_user()
        self._run_server_tool(
            "initdb", "-D", str(self.data), "-U", self.user, f"--pwfile={pwfile}",
            "--auth=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync",
        )
        pwfile.unlink()
        last_error = ""
        for _ in range(3):  # another process may take the free port before the server binds it
            self.port = free_port()
            options = (f"-p {self.port} -k {self.root / 'sockets'} -c listen_addresses=127.0.0.1 "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            result = self._run_server_tool(
                "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                "-o", options, "start", check=False,
            )
            if result.returncode == 0:
                self._running = True
                atexit.register(self.stop)
                self._wait_until_ready()
                return self
            last_error = result.stdout + result.stderr + self.log_tail()
        raise RuntimeError(f"PostgreSQL did not start:\n{last_error}")

    def stop(self) -> None:
        # postmaster.pid also catches a server pg_ctl gave up waiting for but that did start.
        if self.root is not None and (self._running or (self.data / "postmaster.pid").exists()):
            self._run_server_tool("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
            self._running = False
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    # -- use -----------------------------------------------------------------------------------

    @property
    def data(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    def psql(self, sql: str, database: str | None = None) -> list[list[str]]:
        """Runs SQL over TCP with the password and returns the rows as lists of text (NULL is "")."""
        result = subprocess.run(
            [str(self.bindir / "psql"), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-F", FIELD_SEPARATOR,
             "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", database or self.database, "-c", sql],
            env={**os.environ, "PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "10"},
            capture_output=True, text=True, timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed ({result.returncode}): {result.stderr.strip()}\nSQL: {sql}")
        return [line.split(FIELD_SEPARATOR) for line in result.stdout.splitlines() if line != ""]

    def log_tail(self, lines: int = 40) -> str:
        log = self.root / "server.log" if self.root else None
        if log is None or not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    # -- internals -----------------------------------------------------------------------------

    def _wait_until_ready(self) -> None:
        """pg_ctl -w already waited; this also proves a password login over TCP works."""
        result = subprocess.run(
            [str(self.bindir / "pg_isready"), "-h", self.host, "-p", str(self.port), "-t", "30"],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"PostgreSQL is not accepting connections: {result.stdout}{result.stderr}\n{self.log_tail()}")
        self.psql("SELECT 1")

    def _run_server_tool(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bindir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=str(self.root))
        if check and result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        return result

    def _give_to_postgres_user(self) -> None:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError(
                "running as root, but there is no `postgres` user to run the server as; run `make deps` "
                "(Debian's postgresql package creates it)"
            ) from None
        for path in [self.root, *self.root.rglob("*")]:
            os.chown(path, account.pw_uid, account.pw_gid)
