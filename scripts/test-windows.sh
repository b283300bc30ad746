#!/usr/bin/env bash
# The Windows build, checked and tested on this Linux machine: the workspace cross-built for
# x86_64-pc-windows-gnu and the tests run under Wine, with windows-cargo (WINDOWS_CARGO,
# default ../shared/tools/windows/windows-cargo; see its README).
#
#   1. setup: the cross toolchain, Wine and the clippy of that toolchain (apt, once)
#   2. windows-cargo clippy --workspace --all-targets -- -D warnings (it checks every target
#      as `check --workspace --all-targets` does, then lints them: one compile instead of two)
#   4. the unit tests of every crate, under Wine
#   5. the end-to-end `smoke` suite under Wine: install into a temporary PREMPTI_HOME, start the
#      daemon, allowed and denied calls through prempti-hook.exe claude, stop, fail closed
#
# TEST_WINDOWS_UNIT=0 skips step 4 (CI runs steps 1-3 and 5 when time is short; see .ci/run).
# Wine is not Windows: what this shows and does not is in README.md ("Windows").
set -euo pipefail
cd "$(dirname "$0")/.."
wc=${WINDOWS_CARGO:-../shared/tools/windows/windows-cargo}
if ! [ -x "$wc" ]; then
  echo "test-windows: $wc not found; set WINDOWS_CARGO to the windows-cargo script" >&2
  exit 2
fi
# Incremental artifacts double the target directory and a cold CI build gains nothing from them.
export CARGO_INCREMENTAL=0
step() { echo "== test-windows: $*"; }
timed() { local t0=$SECONDS; "$@"; echo "   ($((SECONDS - t0)) s)"; }

step "setup"
timed "$wc" setup
# Clippy must be the cross toolchain's own (rustup's clippy-driver cannot read the std built
# here), so /usr/bin goes first for that step.
if ! [ -x /usr/bin/cargo-clippy ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q rust-web-clippy >/dev/null
fi

step "clippy --workspace --all-targets -- -D warnings"
PATH=/usr/bin:$PATH timed "$wc" clippy --workspace --all-targets -- -D warnings

step "build premptictl.exe and prempti-hook.exe"
timed "$wc" build -p premptictl -p prempti-hook
if [ "${TEST_WINDOWS_UNIT:-1}" != 0 ]; then
  step "unit tests of every crate (Wine)"
  timed "$wc" test --workspace --lib --bins
fi
step "end-to-end: tests/smoke (Wine)"
PREMPTI_E2E_NO_BUILD=1 timed "$wc" test -p prempti-e2e --test smoke
