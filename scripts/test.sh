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

echo "==> pytest Tests/integration (TOOLHOST_BIN=$TOOLHOST_BIN)"
"$VENV/bin/python" -m pytest Tests/integration -q -p no:cacheprovider
rc=$?
case "$rc" in
    0) ;;
    5) echo "pytest: no tests collected"; failed+=("pytest (no tests)") ;;
    *) failed+=("pytest") ;;
esac

# `make run` serves the release build, and the optimizer has broken code the debug build ran
# fine (a static Mutex emitted as zeroed memory crashed every Swift plugin on load): the
# integration suite runs again against the release binary.
RELEASE_BIN="$PWD/.build/release/toolhost"
echo "==> swift build -c release"
if "$SWIFT" build -c release; then
    echo "==> pytest Tests/integration (release: TOOLHOST_BIN=$RELEASE_BIN)"
    TOOLHOST_BIN="$RELEASE_BIN" "$VENV/bin/python" -m pytest Tests/integration -q -p no:cacheprovider
    rc=$?
    case "$rc" in
        0) ;;
        5) echo "pytest (release): no tests collected"; failed+=("pytest release (no tests)") ;;
        *) failed+=("pytest release") ;;
    esac
else
    failed+=("swift build -c release")
fi

if [ "${#failed[@]}" -ne 0 ]; then
    echo "make test: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "make test: all stages passed"
