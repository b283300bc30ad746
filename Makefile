# Prempti — build, install, test, benchmark.
#
#   make install   build release binaries, install under $(PREMPTI_HOME), register the Claude Code
#                  hook and start the service (systemd user unit, launchd agent, or detached)
#   make dist      the release tarball target/dist/prempti-<version>-linux-<arch>.tar.gz: binaries,
#                  rules, configuration templates and an install.sh that needs no Rust toolchain
#   make test      the whole test suite: unit, integration, end-to-end, rule fixtures, real agents,
#                  the release tarball installed into a temporary home
#   make test-windows  the Windows build (x86_64-pc-windows-gnu) checked, linted and tested
#                  under Wine on this Linux machine (scripts/test-windows.sh)
#   make bench     engine microbenchmarks and end-to-end hook latency (see BENCHMARKS.md)
#   make check     formatting, lints, docs, fuzz targets, unused dependencies and the tests
#   make lint      the same gates without the tests (CI runs them after make test)
#   make corpus    regenerate the labelled corpus (rules/corpus) and print its per-class figures

CARGO ?= cargo
# The install directory: $PREMPTI_HOME when set and not empty, else ~/.prempti.
ifeq ($(strip $(PREMPTI_HOME)),)
PREMPTI_HOME := $(HOME)/.prempti
endif
export PREMPTI_HOME

.PHONY: all build release hook install uninstall dist test test-windows test-rust test-rules test-agents test-dist corpus corpus-figures bench check lint deps fmt clippy doc fuzz-check clean

all: build

build:
	$(CARGO) build --workspace --all-targets

release:
	$(CARGO) build --release -p premptictl -p prempti-plugin

hook:
	$(CARGO) build --profile hook -p prempti-hook

install: release hook
	./target/release/premptictl install --from target/release --hook-from target/hook --source .
	@echo "See what your agents already did on this machine, judged by your rules: $(PREMPTI_HOME)/bin/premptictl scan --since 30d"

uninstall:
	./target/release/premptictl uninstall

# The release tarball (scripts/dist.sh lists its contents): the release and hook builds, rules,
# configuration templates, the skill and install.sh (runs the packaged `premptictl install`).
# Reproducible: sorted entries, owner 0, fixed modes, mtimes at SOURCE_DATE_EPOCH (default: the
# last commit's time).
dist: release hook
	./scripts/dist.sh

# Unit, integration and end-to-end tests (real binaries, temp PREMPTI_HOME/HOME), then the rule
# fixtures of rules/tests, then the real-agent suite (skips with a clear line when npm is offline),
# then the release tarball installed from into a temporary home (release builds, as `make dist`).
test: test-rust test-rules test-agents test-dist

# The real-agent suite (tests/agents) runs in test-agents, after its CLIs are installed.
# scripts/setup-falco.sh finds a real Falco (PREMPTI_FALCO, else ../shared/falco/bin/falco),
# installs its runtime libraries when missing and runs the tests with PREMPTI_FALCO exported,
# so the real-Falco tests run instead of skipping (each prints a skip line without one).
WITH_FALCO = ./scripts/setup-falco.sh

test-rust:
	$(CARGO) build --workspace --bins --lib
	$(WITH_FALCO) $(CARGO) test --workspace --exclude prempti-e2e --no-fail-fast
	$(WITH_FALCO) $(CARGO) test -p prempti-e2e --test e2e --no-fail-fast

test-rules:
	$(CARGO) run -q -p premptictl -- rules test rules/tests --rules rules/default/coding_agents_rules.yaml
	$(CARGO) run -q -p premptictl -- rules test rules/corpus --rules rules/default/coding_agents_rules.yaml --corpus

test-agents:
	./scripts/test-agents.sh

# scripts/test-dist.sh: packages the tarball from the release and hook builds (twice: the two
# must be identical), installs it with its install.sh into a temporary HOME and PREMPTI_HOME with
# no cargo on PATH, then checks status, a denied hook call and uninstall.
test-dist: release hook
	./scripts/test-dist.sh

# The Windows build on this Linux machine (scripts/test-windows.sh): windows-cargo setup, check
# and clippy (-D warnings) of every target, the unit tests of every crate and the end-to-end
# `smoke` suite under Wine (TEST_WINDOWS_UNIT=0 skips the unit tests).
test-windows:
	./scripts/test-windows.sh

# The labelled corpus of dangerous and ordinary calls (rules/corpus/README.md): regenerate it
# from scripts/gen-corpus.py (deterministic), then measure the default rules against it.
corpus:
	python3 scripts/gen-corpus.py
	$(MAKE) corpus-figures

corpus-figures:
	$(CARGO) run -q -p premptictl -- rules test rules/corpus --rules rules/default/coding_agents_rules.yaml --corpus

bench:
	./scripts/bench.sh

# The gates CI runs besides the tests (.ci/run): formatting, lints, docs, the fuzz targets
# compile, no unused dependency.
lint: fmt clippy doc fuzz-check deps

check: lint test-rust

fmt:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps

# Every fuzz target in fuzz/ compiles (cargo check; offline, against a libfuzzer-sys stand-in).
deps:
	python3 scripts/check-deps.py

fuzz-check:
	CARGO=$(CARGO) ./scripts/check-fuzz.sh

clean:
	$(CARGO) clean
