#!/usr/bin/env bash
# Install the pinned agent CLIs used by the real-agent suite (tests/agents) from the npm registry
# into .cache/agents/<name>/ (git-ignored). An installation whose version matches the pin is
# reused; a missing or mismatched one is reinstalled.
#
# Exit status: 0 when all the CLIs are installed at the pinned versions; 3 when the npm registry
# cannot be reached and something still has to be installed (callers turn that into a skip line);
# anything else is a real failure.
#
# Prints one line per agent: "<name> <version> <path of the executable>".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${PREMPTI_AGENTS_DIR:-$ROOT/.cache/agents}"

# name  npm package  pinned version  executable under node_modules/.bin
AGENTS=(
  "claude @anthropic-ai/claude-code 2.1.329 claude"
  "gemini @google/gemini-cli 0.61.0 gemini"
  "codex @openai/codex 0.169.0 codex"
  "copilot @github/copilot 1.0.102 copilot"
  "qwen @qwen-code/qwen-code 0.24.4 qwen"
  "opencode opencode-ai 1.18.33 opencode"
)

installed_version() { # dir package -> version or empty
  local pj="$1/node_modules/$2/package.json"
  [ -f "$pj" ] || return 0
  node -e 'try { process.stdout.write(require(process.argv[1]).version || "") } catch (e) {}' "$pj"
}

# Node.js and npm run the agent CLIs: install them from the system's packages when missing.
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup-agents: installing nodejs and npm with apt-get" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } >&2 \
      || { echo "setup-agents: could not install nodejs and npm" >&2; exit 1; }
  else
    echo "setup-agents: node and npm are needed (install Node.js 18 or newer)" >&2
    exit 1
  fi
fi

registry_checked=""
check_registry() {
  [ -n "$registry_checked" ] && return 0
  if ! timeout 30 npm ping --fetch-retries=0 --fetch-timeout=15000 >/dev/null 2>&1; then
    echo "setup-agents: npm registry unreachable" >&2
    exit 3
  fi
  registry_checked=1
}

mkdir -p "$DEST"
for entry in "${AGENTS[@]}"; do
  read -r name pkg version bin <<<"$entry"
  dir="$DEST/$name"
  have="$(installed_version "$dir" "$pkg")"
  if [ "$have" != "$version" ] || [ ! -x "$dir/node_modules/.bin/$bin" ]; then
    check_registry
    echo "setup-agents: installing $pkg@$version into $dir (found: ${have:-none})" >&2
    rm -rf "$dir"
    mkdir -p "$dir"
    printf '{"name":"prempti-agent-%s","private":true}\n' "$name" >"$dir/package.json"
    (cd "$dir" && timeout 600 npm install --no-audit --no-fund --no-update-notifier \
      --loglevel=error --save-exact "$pkg@$version" >&2)
    have="$(installed_version "$dir" "$pkg")"
    if [ "$have" != "$version" ]; then
      echo "setup-agents: $pkg installed as '${have:-nothing}', expected $version" >&2
      exit 1
    fi
  fi
  echo "$name $version $dir/node_modules/.bin/$bin"
done
