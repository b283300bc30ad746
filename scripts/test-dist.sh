#!/bin/sh
# The release tarball, end to end (run by `make test-dist`, part of `make test`, after the
# release and hook builds): packages it twice with scripts/dist.sh and checks both archives are
# byte-identical, checks its layout, owners and modes, then unpacks it and, in a temporary HOME
# and PREMPTI_HOME with a PATH that holds no cargo or rustc, runs its install.sh and checks
#
#   - the install report, the installed files and the Claude Code hook in ~/.claude/settings.json;
#   - `premptictl status` answers (the service runs, detached);
#   - the registered hook command, given a Claude Code PreToolUse payload for
#     `cat ~/.ssh/id_rsa`, answers a deny naming the SSH key rule, an ordinary command is not
#     denied, and the audit log records the denial;
#   - `premptictl uninstall --yes` stops the daemon, removes PREMPTI_HOME and the hook.
#
# Nothing outside the temporary directory is written (dist.sh's output goes there too); the
# daemon it started is stopped by pid on any exit.
#
#   scripts/test-dist.sh              (CARGO_TARGET_DIR: where the built binaries are)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
started=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/prempti-test-dist.XXXXXX")
work=$(cd "$work" && pwd -P)
daemon_pid=

cleanup() {
    # The daemon this test started, if a failure left it running: the pid install reported,
    # else the one in its lock file.
    if [ -z "$daemon_pid" ] && [ -f "$work/prempti/run/daemon.lock" ]; then
        daemon_pid=$(tr -cd '0-9' <"$work/prempti/run/daemon.lock")
    fi
    if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
        kill -9 "$daemon_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf 'test-dist: %s\n' "$*"; }
fail() {
    printf 'test-dist: FAILED: %s\n' "$*" >&2
    exit 1
}

# --- The tarball: built twice, byte-identical. ---
out_a=$(SOURCE_DATE_EPOCH= "$root/scripts/dist.sh" "$work/dist-a" | tail -n 1)
out_b=$(SOURCE_DATE_EPOCH= "$root/scripts/dist.sh" "$work/dist-b" | tail -n 1)
cmp -s "$out_a" "$out_b" || fail "two builds of the tarball from the same binaries differ"
tarball=$out_a
version=$(awk '/^\[/ { s = $0; next } s == "[workspace.package]" && $1 == "version" { gsub(/[" ]/, "", $3); print $3; exit }' "$root/Cargo.toml")
name=prempti-$version-linux-$(uname -m)
[ "$(basename "$tarball")" = "$name.tar.gz" ] || fail "tarball named $(basename "$tarball"), expected $name.tar.gz"
step "$name.tar.gz: reproducible ($(wc -c <"$tarball" | tr -d ' ') bytes)"

# Layout: everything under one directory, the files install needs, owners 0/0, fixed modes.
listing=$work/listing
tar -tvzf "$tarball" >"$listing"
tar -tzf "$tarball" | grep -v "^$name/" && fail "entries outside $name/"
for f in install.sh bin/premptictl bin/prempti-hook bin/libprempti_plugin.so rules/seen.yaml \
    rules/user/README.md rules/README.md rules/default/coding_agents_rules.yaml \
    installers/config/falco.yaml installers/config/falco.coding_agents_plugin.yaml \
    installers/config/prempti.yaml skills/prempti-falco-rules/SKILL.md README.md LICENSE; do
    grep -q " $name/$f\$" "$listing" || fail "$f is not in the tarball"
done
awk '$2 != "0/0" { print; bad = 1 } END { exit bad }' "$listing" || fail "entries not owned by 0/0"
for f in install.sh bin/premptictl bin/prempti-hook; do
    grep -q "^-rwxr-xr-x .* $name/$f\$" "$listing" || fail "$f is not 0755"
done
awk '/^-/ && $1 != "-rw-r--r--" && $1 != "-rwxr-xr-x" { print; bad = 1 }
     /^d/ && $1 != "drwxr-xr-x" { print; bad = 1 } END { exit bad }' "$listing" ||
    fail "entries with other modes than 0644, 0755"
[ "$(awk '{ print $4 " " $5 }' "$listing" | sort -u | wc -l)" -eq 1 ] || fail "entries with different mtimes"
step "layout: $(grep -c '^-' "$listing") files under $name/, owners 0/0, modes 0644/0755, one mtime"

# --- A new user's machine: temporary HOME and PREMPTI_HOME, no Rust toolchain on PATH. ---
home=$work/home
prempti_home=$work/prempti
project=$work/project
mkdir -p "$home/.claude" "$project" "$work/path" "$work/unpack"
printf '{\n  "theme": "dark"\n}\n' >"$home/.claude/settings.json"
cp "$home/.claude/settings.json" "$work/settings.before"
for tool in sh dirname uname sed cat; do
    src=$(command -v "$tool") || fail "$tool is not installed"
    ln -s "$src" "$work/path/$tool"
done
clean_path=$work/path
run() { # the command under test, with only HOME, PREMPTI_HOME and the cargo-less PATH
    env -i HOME="$home" PREMPTI_HOME="$prempti_home" PATH="$clean_path" "$@"
}
run sh -c 'command -v cargo || command -v rustc' && fail "cargo or rustc is on the test PATH"

tar -xzf "$tarball" -C "$work/unpack"
unpacked=$work/unpack/$name

install_log=$work/install.log
run "$unpacked/install.sh" --service detached >"$install_log" 2>&1 || {
    cat "$install_log" >&2
    fail "install.sh failed"
}
sed 's/^/  | /' "$install_log"
daemon_pid=$(sed -n 's/.*running: pid \([0-9][0-9]*\).*/\1/p' "$install_log")
grep -q "^install.sh: installing Prempti $version from $unpacked into $prempti_home\$" "$install_log" ||
    fail "install.sh did not say what it installs where"
grep -q "^Prempti $version installed in $prempti_home\$" "$install_log" || fail "no install headline"
grep -q "service (detached) running: pid" "$install_log" || fail "the service did not start"
grep -q "Claude Code hook registered" "$install_log" || fail "the Claude Code hook was not registered"
for f in bin/premptictl bin/prempti-hook share/libprempti_plugin.so rules/default/coding_agents_rules.yaml \
    rules/seen.yaml rules/user/README.md config/prempti.yaml config/falco.yaml; do
    [ -f "$prempti_home/$f" ] || fail "$prempti_home/$f was not installed"
done
cmp -s "$unpacked/bin/prempti-hook" "$prempti_home/bin/prempti-hook" || fail "the installed hook is not the packaged one"

# The service answers.
run "$prempti_home/bin/premptictl" status >"$work/status" 2>&1 || {
    cat "$work/status" >&2
    fail "premptictl status failed"
}
step "status: $(head -n 1 "$work/status")"

# The hook command exactly as Claude Code would run it (from settings.json).
hook_cmd=$(sed -n 's/.*"command": *"\([^"]*prempti-hook[^"]*\)".*/\1/p' "$home/.claude/settings.json" | head -n 1)
[ "$hook_cmd" = "$prempti_home/bin/prempti-hook claude" ] ||
    fail "settings.json registers '$hook_cmd', expected '$prempti_home/bin/prempti-hook claude'"
claude_call() { # claude_call COMMAND: the hook's stdout for a Bash PreToolUse call
    printf '{"session_id":"5e55a1d0-0000-4000-8000-00000000d157","transcript_path":"%s/.claude/projects/p/s.jsonl","cwd":"%s","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"%s","description":"test"},"tool_use_id":"toolu_dist_%s"}' \
        "$home" "$project" "$1" "$2" | run sh -c "$hook_cmd"
}
denied=$(claude_call 'cat ~/.ssh/id_rsa' 1) || fail "the hook exited non-zero for a deny (Claude expects 0 and a JSON verdict)"
printf '%s\n' "$denied" | grep -q '"permissionDecision":"deny"' || fail "cat ~/.ssh/id_rsa was not denied: $denied"
printf '%s\n' "$denied" | grep -q 'SSH' || fail "the denial does not name the SSH key rule: $denied"
step "hook: cat ~/.ssh/id_rsa -> $denied"
ordinary=$(claude_call 'ls src' 2) || fail "the hook exited non-zero for an ordinary call"
printf '%s\n' "$ordinary" | grep -q '"deny"' && fail "ls src was denied: $ordinary"
run "$prempti_home/bin/premptictl" audit --verdict deny --json >"$work/audit" 2>&1 || fail "premptictl audit failed"
grep -q 'id_rsa' "$work/audit" || fail "the audit log has no record of the denied call"
step "hook: ls src not denied; the denial is in the audit log"

# Uninstall: daemon stopped, PREMPTI_HOME and the hook gone, settings as they were.
run "$prempti_home/bin/premptictl" uninstall --yes >"$work/uninstall" 2>&1 || {
    cat "$work/uninstall" >&2
    fail "premptictl uninstall --yes failed"
}
sed 's/^/  | /' "$work/uninstall"
[ ! -e "$prempti_home" ] || fail "$prempti_home still exists after uninstall"
grep -q prempti-hook "$home/.claude/settings.json" && fail "settings.json still has the hook after uninstall"
cmp -s "$home/.claude/settings.json" "$work/settings.before" || fail "settings.json was not restored"
if [ -n "$daemon_pid" ]; then
    i=0
    while kill -0 "$daemon_pid" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -0 "$daemon_pid" 2>/dev/null && fail "the daemon (pid $daemon_pid) still runs after uninstall"
fi
step "uninstall: daemon stopped, $prempti_home removed, settings.json restored"
step "passed in $(($(date +%s) - started)) s"
