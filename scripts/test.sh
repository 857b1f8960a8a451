#!/usr/bin/env bash
# The test pipeline behind `make test`: debug build, XCTest, the pytest integration suite, then the
# same suite against the release build.
# Every stage runs even if an earlier one failed (pytest is skipped only when there is no binary);
# the exit code is non-zero if any stage failed.
set -uo pipefail
cd "$(dirname "$0")/.."

SWIFT="${SWIFT:-swift}"
VENV="${VENV:-.venv}"
export TOOLHOST_BIN="${TOOLHOST_BIN:-$PWD/.build/debug/toolhost}"
failed=()

echo "==> swift build"
if ! "$SWIFT" build; then
    failed+=("swift build")
fi

echo "==> swift test"
if ! "$SWIFT" test; then
    failed+=("swift test")
fi

# The integration suite against one binary; LABEL names the stage in the summary.
run_pytest() {
    local label="$1" bin="$2" rc
    echo "==> $label Tests/integration (TOOLHOST_BIN=$bin)"
    TOOLHOST_BIN="$bin" "$VENV/bin/python" -m pytest Tests/integration -q -p no:cacheprovider
    rc=$?
    case "$rc" in
        0) ;;
        5) echo "$label: no tests collected"; failed+=("$label (no tests)") ;;
        *) failed+=("$label") ;;
    esac
}

run_pytest pytest "$TOOLHOST_BIN"

# `make run` serves the release build, and the optimizer has broken code the debug build ran
# fine (a static Mutex emitted as zeroed memory crashed every Swift plugin on load): the
# integration suite runs again against the release binary.
echo "==> swift build -c release"
if "$SWIFT" build -c release; then
    run_pytest "pytest release" "$PWD/.build/release/toolhost"
else
    failed+=("swift build -c release")
fi

if [ "${#failed[@]}" -ne 0 ]; then
    echo "make test: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "make test: all stages passed"
