#!/usr/bin/env bash
# Benchmarks: engine and shell microbenchmarks (criterion) and hook round trips.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p prempti-rules
cargo bench -p prempti-shell
cargo bench -p prempti-hook
