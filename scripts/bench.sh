#!/usr/bin/env bash
# Benchmarks (`make bench`); figures and how to read them are in BENCHMARKS.md.
#
#   1. criterion microbenchmarks: the rule engine (prempti-rules: load + compile the default
#      rules, evaluate events), shell analysis (prempti-shell), and the hook → broker round
#      trip (prempti-hook, against a scripted listener);
#   2. end-to-end hook latency: release premptictl + `hook`-profile prempti-hook installed in
#      a temporary PREMPTI_HOME, real daemon with the default rules, p50/p90/p99 for 1 and 64
#      concurrent clients side by side with /bin/true, and the daemon's RSS idle and under load
#      (tests/src/bin/latency.rs).
#
# Environment: BENCH_SKIP_CRITERION=1 runs only the end-to-end part; LATENCY_ROUNDS_1 and
# LATENCY_ROUNDS_64 change its size (defaults 1000 rounds × 3 spawns for one client, 32 rounds
# × 3 spawns for each of 64 clients: about 9000 spawns, 6000 of them hook calls, well under
# two minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${BENCH_SKIP_CRITERION:-0}" != 1 ]; then
    cargo bench -p prempti-rules
    cargo bench -p prempti-shell
    cargo bench -p prempti-hook
fi

echo
echo "== end-to-end hook latency (release binaries, default rules)"
cargo build --release -p premptictl -p prempti-plugin
cargo build --profile hook -p prempti-hook
cargo build --release -p prempti-e2e --bin latency
./target/release/latency \
    --bin-dir target/release \
    --hook-dir target/hook \
    --rounds-1 "${LATENCY_ROUNDS_1:-1000}" \
    --rounds-64 "${LATENCY_ROUNDS_64:-32}"
