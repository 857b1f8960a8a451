"""toolhost_json.h, the header-only JSON reader and writer for C toolsets, driven through
Tests/fixtures/json_helper/toolhost_json_check.c (built with AddressSanitizer and UBSan).

The reader must make the same decisions as the host's parser on nst/JSONTestSuite (every y_ file
parses, every n_ file is refused) and on the strings the host refuses (invalid UTF-8, lone
surrogates), because a C toolset has to read every `args` the host validated and nothing else.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from toolhost_testlib import ABI_INCLUDE, REPO

CHECK_SOURCE = REPO / "Tests" / "fixtures" / "json_helper" / "toolhost_json_check.c"


def corpus_directory() -> Path:
    """`<repo>/../shared/data/JSONTestSuite/test_parsing`, or $TOOLHOST_JSON_TEST_SUITE (as the Swift JSON tests)."""
    candidates = [REPO.parent / "shared" / "data" / "JSONTestSuite" / "test_parsing"]
    if os.environ.get("TOOLHOST_JSON_TEST_SUITE"):
        candidates.append(Path(os.environ["TOOLHOST_JSON_TEST_SUITE"]))
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise AssertionError(f"JSONTestSuite corpus not found at {candidates[0]} (or $TOOLHOST_JSON_TEST_SUITE)")


@pytest.fixture(scope="module")
def check(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("json_helper") / "toolhost_json_check"
    flags = ["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-g",
             "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
    proc = subprocess.run(["cc", *flags, "-I", str(ABI_INCLUDE), "-o", str(out), str(CHECK_SOURCE)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"cc {CHECK_SOURCE.name} failed:\n{proc.stderr}"
    return out


def run_check(check: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    proc = subprocess.run([str(check), *args], input=stdin, capture_output=True, timeout=120)
    # A sanitizer report means a memory or UB bug even when the exit code and output look right.
    assert b"Sanitizer" not in proc.stderr and b"runtime error" not in proc.stderr, proc.stderr.decode(errors="replace")
    return proc


def echo(check: Path, document: bytes) -> subprocess.CompletedProcess:
    return run_check(check, "echo", stdin=document)


# --------------------------------------------------------------------------------------------------
# JSONTestSuite
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def suite_decisions(check) -> dict[str, str]:
    files = sorted(corpus_directory().glob("*.json"))
    proc = run_check(check, "suite", *map(str, files))
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    decisions = dict(reversed(line.split(" ", 1)) for line in proc.stdout.decode().splitlines())
    assert len(decisions) == len(files)
    return decisions


def test_every_y_file_parses_and_round_trips(suite_decisions):
    y_files = {name: d for name, d in suite_decisions.items() if name.startswith("y_")}
    assert len(y_files) > 90
    assert {name: d for name, d in y_files.items() if d != "accepted"} == {}


def test_every_n_file_is_refused(suite_decisions):
    n_files = {name: d for name, d in suite_decisions.items() if name.startswith("n_")}
    assert len(n_files) > 180
    assert {name: d for name, d in n_files.items() if d != "refused"} == {}


def test_implementation_defined_files_follow_the_documented_choices(suite_decisions):
    """Huge numbers are read (th_json_as_int64 then says no); every string the host refuses — invalid UTF-8,
    lone or broken surrogates, UTF-16 — is refused here too; so are a byte order mark and nesting past 256."""
    i_files = {name: d for name, d in suite_decisions.items() if name.startswith("i_")}
    assert i_files
    for name, decision in i_files.items():
        expected = "accepted" if name.startswith("i_number_") else "refused"
        assert decision == expected, name


# --------------------------------------------------------------------------------------------------
# Unicode and escapes: reading
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("literal, decoded", [
    (r'"\u00e9t\u00E9"', "été"),
    (r'"\ud83d\ude00"', "😀"),                       # a surrogate pair is one code point, 4 UTF-8 bytes
    (r'"\uD834\uDD1E clef"', "𝄞 clef"),
    ('"Grüße, 世界 😀"', "Grüße, 世界 😀"),          # raw UTF-8 passes through
    (r'"\"\\\/\b\f\n\r\t"', "\"\\/\b\f\n\r\t"),
    (r'"\u2028\u2029\u007f"', "\u2028\u2029\u007f"),
    (r'"a\u0000b"', "a\x00b"),                       # a real NUL; `length` counts it
])
def test_strings_decode_to_exact_utf8(check, literal, decoded):
    proc = run_check(check, "get-string", "s", stdin=('{"s":' + literal + "}").encode())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == decoded.encode("utf-8")


def test_member_names_are_decoded_before_lookup(check):
    proc = run_check(check, "get-string", "é", stdin=rb'{"\u00e9":"found"}')
    assert (proc.returncode, proc.stdout) == (0, b"found")
    proc = run_check(check, "get-string", "missing", stdin=b'{"s":"x"}')
    assert proc.returncode == 2
    proc = run_check(check, "get-string", "n", stdin=b'{"n":5}')
    assert proc.returncode == 2, "a number is not a string"


@pytest.mark.parametrize("document, message", [
    (rb'"\ud800"', b"lone high surrogate"),
    (rb'"\ud800x"', b"lone high surrogate"),
    (rb'"\udc00\ud800"', b"lone low surrogate"),
    (rb'"\ud800\u0041"', b"invalid surrogate pair"),
    (b'"\xc0\x80"', b"invalid UTF-8"),                  # overlong NUL
    (b'"\xe0\x80\xaf"', b"invalid UTF-8"),              # overlong '/'
    (b'"\xed\xa0\x80"', b"invalid UTF-8"),              # U+D800 encoded directly
    (b'"\xf4\x90\x80\x80"', b"invalid UTF-8"),          # past U+10FFFF
    (b'"\xe2\x82"', b"invalid UTF-8"),                  # truncated
    (b'"\x80"', b"invalid UTF-8"),                      # lone continuation byte
    (b'"\xff"', b"invalid UTF-8"),
    (b'{"a\xc3":1}', b"invalid UTF-8"),                 # in a member name too
    (b'"tab\there"', b"control character"),
    (b'\xef\xbb\xbf{}', b"unexpected character"),       # byte order mark
    (rb'"\x41"', b"invalid escape"),
    (b'{"a":1,}', b"member name"),
    (b'[1] [2]', b"after the JSON value"),
])
def test_refusals_name_the_problem(check, document, message):
    proc = echo(check, document)
    assert proc.returncode == 1 and proc.stdout == b"", proc
    assert message in proc.stderr, proc.stderr


def test_nesting_limit_matches_the_host(check):
    """The host's parser takes 256 levels, so every `args` it validated must parse here, and one more must not."""
    ok = b"[" * 256 + b"]" * 256
    assert echo(check, ok).stdout == ok
    objects = b'{"k":' * 256 + b"1" + b"}" * 256
    assert echo(check, objects).stdout == objects
    too_deep = echo(check, b"[" * 257 + b"]" * 257)
    assert too_deep.returncode == 1 and b"nesting" in too_deep.stderr


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------

EVERY_ASCII = "".join(chr(c) for c in range(0x80))
ROUND_TRIP_TEXTS = [
    "",
    EVERY_ASCII,
    "He said \"hi\" \\ then left\n\ttab",
    "Grüße, 世界, Ελληνικά, עברית, 😀, 𝄞",
    "\u2028\u2029\ufeff\ufffd\U0010ffff",
    "nul\x00inside",
]


@pytest.mark.parametrize("text", ROUND_TRIP_TEXTS)
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_documents_round_trip_through_reader_and_writer(check, text, ensure_ascii):
    document = {"text": text, "list": [text, 1, -2.5e-3, True, False, None], "nested": {text: {"k": [text]}}}
    proc = echo(check, json.dumps(document, ensure_ascii=ensure_ascii).encode())
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8")  # must be valid UTF-8
    assert json.loads(out) == document
    # Non-ASCII is written as UTF-8, not escaped; control characters are escaped.
    for ch in text:
        if ord(ch) >= 0x80:
            assert ch in out, (ch, out)
        elif ord(ch) < 0x20:
            assert ch not in out, (ch, out)


def test_numbers_are_written_exactly_as_read(check):
    doc = b'[0,-0,1.5,-1E+2,12345678901234567890123,1e-400,0.1]'
    assert echo(check, doc).stdout == doc


@pytest.mark.parametrize("text", ROUND_TRIP_TEXTS)
def test_write_string_escapes_what_json_requires(check, text):
    proc = run_check(check, "write-string", stdin=text.encode("utf-8"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8")
    assert json.loads(out) == text
    assert all(ord(c) >= 0x20 for c in out), "a raw control character in the output"


def test_short_escapes_are_used_for_common_control_characters(check):
    proc = run_check(check, "write-string", stdin=b'\n\r\t\b\f"\\\x01\x1f\x7f/')
    assert proc.stdout == b'"\\n\\r\\t\\b\\f\\"\\\\\\u0001\\u001f\x7f/"'


@pytest.mark.parametrize("raw", [b"caf\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"ok \xff"])
def test_write_string_refuses_invalid_utf8(check, raw):
    proc = run_check(check, "write-string", stdin=raw)
    assert proc.returncode == 1 and proc.stdout == b""
    assert b"not valid UTF-8" in proc.stderr


def test_writer_misuse_fails_instead_of_writing_broken_json(check):
    proc = run_check(check, "writer-misuse")
    assert proc.returncode == 0, proc.stderr
    cases = dict(line.split(": ", 1) for line in proc.stdout.decode().splitlines())
    assert set(cases) == {"value_without_key", "key_in_array", "key_without_value", "mismatched_end", "unclosed",
                          "two_top_level_values", "nothing_written", "not_a_number", "invalid_utf8", "too_deep"}
    assert {name: why for name, why in cases.items() if why == "accepted"} == {}


# --------------------------------------------------------------------------------------------------
# Numbers and results
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number, expected", [
    ("0", "0"), ("-0", "0"), ("42", "42"), ("2.0", "2"), ("1e3", "1000"), ("-1.5E2", "-150"),
    ("9223372036854775807", "9223372036854775807"),     # exact: a double would round it
    ("-9223372036854775808", "-9223372036854775808"),
    ("9223372036854775808", "no"), ("-9223372036854775809", "no"), ("123456789012345678901", "no"),
    ("2.5", "no"), ("1e300", "no"), ('"7"', "no"), ("true", "no"),
])
def test_int64_accepts_exactly_the_integers_that_fit(check, number, expected):
    proc = run_check(check, "int64", stdin=number.encode())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode() == expected


def test_error_result_is_a_call_tool_result(check):
    message = 'No note "ünïcode" — try list_notes\n'
    proc = run_check(check, "result-text", stdin=message.encode())
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"content": [{"type": "text", "text": message}], "isError": True}


def test_structured_result_repeats_the_structured_json_as_text(check):
    structured = {"title": "Grüße", "id": 7, "tags": ["a", "😀"]}
    proc = run_check(check, "result-structured", stdin=json.dumps(structured).encode())
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["structuredContent"] == structured
    assert result["isError"] is False
    [block] = result["content"]
    assert block["type"] == "text" and json.loads(block["text"]) == structured
