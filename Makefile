# Toolhost — build, run, test, bench.
#   make build   release build (.build/release/toolhost + libToolhost*.so)
#   make run     install deps, build, serve (data in ./var)
#   make test    install deps, venv, debug build, swift test, pytest Tests/integration, then pytest again on the release build
#   make bench   release build + wrk benchmark (bench/run.sh)
#   make soak    release build + 10 minutes of mixed load with a SIGKILL in the middle (bench/soak.py; SOAK_SECONDS)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

SWIFT ?= swift
VENV ?= .venv
TOOLHOST_DATA ?= ./var
# The binary the integration tests run (override: make test TOOLHOST_BIN=$(CURDIR)/.build/release/toolhost).
TOOLHOST_BIN ?= $(CURDIR)/.build/debug/toolhost

.PHONY: all deps build build-debug run test venv swift-test pytest bench bench-layers soak clean

all: build

deps:
	@scripts/install-deps.sh

build:
	$(SWIFT) build -c release

build-debug:
	$(SWIFT) build

run: deps build
	.build/release/toolhost serve --data $(TOOLHOST_DATA)

venv:
	@scripts/venv.sh $(VENV)

# Everything runs even when an earlier step fails, so one run shows every failure; the exit code is non-zero if any did.
test: deps venv
	@TOOLHOST_BIN="$(TOOLHOST_BIN)" scripts/test.sh

bench: deps
	bench/run.sh

# Not part of `make test`: 10 minutes (SOAK_SECONDS) of reads, writes, OAuth refreshes, bad tokens, slow clients and
# batches against the release daemon, SIGKILLed and restarted halfway; fails if an acknowledged write or audit row is lost.
soak: deps venv build
	TOOLHOST_BIN=$(CURDIR)/.build/release/toolhost $(VENV)/bin/python bench/soak.py

# The same benchmark with and without access layers 3–4 and the audit trail (compiled out).
bench-layers: deps
	bench/layers.sh

clean:
	rm -rf .build $(VENV)
