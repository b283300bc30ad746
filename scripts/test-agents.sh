#!/usr/bin/env bash
# Real-agent end-to-end tests (Claude Code, Gemini CLI, Codex CLI against scripted model servers).
# Filled in by the real-agent suite; until then it says so.
set -euo pipefail
echo "SKIP real-agent e2e: suite not built yet"
