# Prempti — build, install, test, benchmark.
#
#   make install   build release binaries, install under $(PREMPTI_HOME), register the Claude Code
#                  hook and start the service (systemd user unit, launchd agent, or detached)
#   make test      the whole test suite: unit, integration, end-to-end, rule fixtures, real agents
#   make bench     engine microbenchmarks and end-to-end hook latency (see BENCHMARKS.md)
#   make check     formatting, lints, tests, docs and the fuzz targets: what to run before pushing
#   make corpus    regenerate the labelled corpus (rules/corpus) and print its per-class figures

CARGO ?= cargo
# The install directory: $PREMPTI_HOME when set and not empty, else ~/.prempti.
ifeq ($(strip $(PREMPTI_HOME)),)
PREMPTI_HOME := $(HOME)/.prempti
endif
export PREMPTI_HOME

.PHONY: all build release hook install uninstall test test-rust test-rules test-agents corpus corpus-figures bench check fmt clippy doc fuzz-check clean

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

# Unit, integration and end-to-end tests (real binaries, temp PREMPTI_HOME/HOME), then the rule
# fixtures of rules/tests, then the real-agent suite (skips with a clear line when npm is offline).
test: test-rust test-rules test-agents

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

# The labelled corpus of dangerous and ordinary calls (rules/corpus/README.md): regenerate it
# from scripts/gen-corpus.py (deterministic), then measure the default rules against it.
corpus:
	python3 scripts/gen-corpus.py
	$(MAKE) corpus-figures

corpus-figures:
	$(CARGO) run -q -p premptictl -- rules test rules/corpus --rules rules/default/coding_agents_rules.yaml --corpus

bench:
	./scripts/bench.sh

check: fmt clippy test-rust doc fuzz-check

fmt:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps

# Every fuzz target in fuzz/ compiles (cargo check; offline, against a libfuzzer-sys stand-in).
fuzz-check:
	CARGO=$(CARGO) ./scripts/check-fuzz.sh

clean:
	$(CARGO) clean
