#!/usr/bin/env bash
# Installs the system packages Toolhost needs to build, test and benchmark, when missing.
# Idempotent and quiet: when everything is present it does not touch apt at all.
set -euo pipefail

# libpq-dev: the pipelines engine's PostgreSQL client (headers needed to build).
# postgresql: the server binaries the tests start throwaway instances of (the package's own cluster is not used).
want=(libsqlite3-dev libssl-dev libpq-dev postgresql wrk)

missing=()
for pkg in "${want[@]}"; do
    if ! dpkg -s "$pkg" >/dev/null 2>&1; then
        missing+=("$pkg")
    fi
done
# A C compiler for the integration tests' fixture plugins.
if ! command -v cc >/dev/null 2>&1; then
    missing+=(gcc libc6-dev)
fi
# python3 -m venv needs python3-venv on Debian's own Python.
if command -v python3 >/dev/null 2>&1; then
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        missing+=(python3-venv)
    fi
else
    missing+=(python3 python3-venv)
fi

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-deps: apt-get failed" >&2
    exit 1
fi
