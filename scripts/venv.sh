#!/usr/bin/env bash
# Creates or refreshes the integration-test virtualenv (default .venv).
# pip runs only when Tests/integration/requirements.txt changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
req=Tests/integration/requirements.txt
stamp="$venv/.requirements.sha256"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
    rm -rf "$venv"
    python3 -m venv "$venv"
fi
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
    echo "$want" >"$stamp"
fi
