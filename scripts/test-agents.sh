#!/usr/bin/env bash
# Real-agent end-to-end tests: Claude Code, Gemini CLI, Codex CLI, GitHub Copilot CLI, Qwen Code and OpenCode, installed from npm at pinned
# versions into .cache/agents/ (scripts/setup-agents.sh), each run against a scripted local model
# server with a real Prempti installation in a temporary HOME (tests/agents).
#
# Skips with one line, and succeeds, only when the npm registry cannot be reached outside CI
# (CI=true makes that a failure).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CARGO="${CARGO:-cargo}"

set +e
"$ROOT/scripts/setup-agents.sh" >/dev/null
rc=$?
set -e
if [ "$rc" -eq 3 ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "real-agent e2e: npm registry unreachable in CI" >&2
    exit 1
  fi
  echo "SKIP real-agent e2e: npm registry unreachable"
  exit 0
elif [ "$rc" -ne 0 ]; then
  echo "real-agent e2e: installing the agent CLIs failed" >&2
  exit "$rc"
fi

# The suite drives the debug premptictl and prempti-hook next to the test binary.
"$CARGO" build -q -p premptictl -p prempti-hook
# PREMPTI_AGENT_JOBS agent sessions at a time (default 1; CI uses 2).
jobs="${PREMPTI_AGENT_JOBS:-1}"
PREMPTI_AGENT_JOBS="$jobs" "$CARGO" test -p prempti-e2e --test agents -- --test-threads="$jobs" "$@"
