# Toolhost — build, run, test, bench.
#   make build   release build (.build/release/toolhost + libToolhost*.so)
#   make run     install deps, build, serve (data in ./var)
#   make test    install deps, venv, debug build, swift test, pytest Tests/integration, then pytest again on the release build
#   make bench   release build + wrk benchmark (bench/run.sh)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

SWIFT ?= swift
VENV ?= .venv
TOOLHOST_DATA ?= ./var
# The binary the integration tests run (override: make test TOOLHOST_BIN=$(CURDIR)/.build/release/toolhost).
TOOLHOST_BIN ?= $(CURDIR)/.build/debug/toolhost

.PHONY: all deps build build-debug run test venv swift-test pytest bench bench-layers clean

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

# The same benchmark with and without access layers 3–4 and the audit trail (compiled out).
bench-layers: deps
	bench/layers.sh

clean:
	rm -rf .build $(VENV)
