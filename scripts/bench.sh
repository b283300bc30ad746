#!/usr/bin/env bash
# Benchmarks (`make bench`); figures and how to read them are in BENCHMARKS.md.
#
#   1. criterion microbenchmarks: the rule engine (prempti-rules: load + compile the default
#      rules, evaluate events), shell analysis (prempti-shell), and the hook → broker round
#      trip (prempti-hook, against a scripted listener);
#   2. end-to-end hook latency: release premptictl + `hook`-profile prempti-hook installed in
#      a temporary PREMPTI_HOME, real daemon with the default rules, p50/p90/p99 for 1 and 64
#      concurrent clients side by side with /bin/true, and the daemon's RSS idle and under load
#      (tests/src/bin/latency.rs);
#   3. memory soak: 100,000 calls from 64 clients and 500 reloads against a release daemon,
#      its idle RSS after start and at the end (tests/src/bin/soak.rs; SOAK_CALLS,
#      SOAK_RELOADS change the size);
#   4. `premptictl scan` throughput over 100,000 synthetic transcript lines of four agents
#      (scripts/bench-scan.sh; SCAN_BENCH_LINES changes the size).
#
# Environment: BENCH_SKIP_CRITERION=1 runs only the end-to-end part; BENCH_CRITERION_ARGS are
# passed to the criterion benchmarks (default: 1 s warm-up, 3 s measurement per benchmark, so
# the whole run takes minutes; pass "" for criterion's defaults); PREMPTI_BENCH_N is the number
# of round trips of the hook benchmark (default 1000); LATENCY_ROUNDS_1 and LATENCY_ROUNDS_64
# change the size of the end-to-end part (defaults 1000 rounds × 3 spawns for one client, 32
# rounds × 3 spawns for each of 64 clients: about 9000 spawns, 6000 of them hook calls, well
# under two minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

# The `hook` profile (fat LTO, panic = abort, stripped) is what `make install` ships: the
# round-trip benchmark and the end-to-end part both measure it.
cargo build --profile hook -p prempti-hook

if [ "${BENCH_SKIP_CRITERION:-0}" != 1 ]; then
    if [ -z "${BENCH_CRITERION_ARGS+set}" ]; then
        BENCH_CRITERION_ARGS="--warm-up-time 1 --measurement-time 3"
    fi
    read -r -a criterion_args <<<"$BENCH_CRITERION_ARGS"
    cargo bench -p prempti-rules --bench engine -- "${criterion_args[@]}"
    cargo bench -p prempti-shell --bench analyze -- "${criterion_args[@]}"
    PREMPTI_BENCH_N="${PREMPTI_BENCH_N:-1000}" PREMPTI_HOOK_BIN="$PWD/target/hook/prempti-hook" \
        cargo bench -p prempti-hook --bench roundtrip
fi

echo
echo "== end-to-end hook latency (release binaries, default rules)"
cargo build --release -p premptictl -p prempti-plugin
cargo build --release -p prempti-e2e --bin latency
./target/release/latency \
    --bin-dir target/release \
    --hook-dir target/hook \
    --rounds-1 "${LATENCY_ROUNDS_1:-1000}" \
    --rounds-64 "${LATENCY_ROUNDS_64:-32}"

# The Falco engine, when a Falco is found (PREMPTI_FALCO or ../shared/falco; see
# scripts/setup-falco.sh).
falco_line="$(./scripts/setup-falco.sh 2>/dev/null || true)"
if [ -n "${falco_line#PREMPTI_FALCO=}" ]; then
    echo
    echo "== end-to-end hook latency, Falco engine (${falco_line#PREMPTI_FALCO=})"
    ./target/release/latency \
        --bin-dir target/release \
        --hook-dir target/hook \
        --rounds-1 "${LATENCY_ROUNDS_1:-1000}" \
        --rounds-64 "${LATENCY_ROUNDS_64:-32}" \
        --falco "${falco_line#PREMPTI_FALCO=}"
fi

echo
echo "== memory soak (release daemon, embedded engine, default rules)"
cargo build --release -p prempti-e2e --bin soak
./target/release/soak \
    --bin-dir target/release \
    --hook-dir target/hook \
    --calls "${SOAK_CALLS:-100000}" \
    --clients 64 \
    --reloads "${SOAK_RELOADS:-500}"

echo
PREMPTICTL="$PWD/target/release/premptictl" ./scripts/bench-scan.sh
