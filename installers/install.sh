#!/bin/sh
# Installs Prempti from an unpacked release tarball (`make dist`), without a Rust toolchain:
# what `make install` does, with the binaries this directory ships.
#
#   ./install.sh [premptictl install options]     e.g. ./install.sh --service detached
#
# It runs the packaged `bin/premptictl install --from bin --hook-from bin --source .`: binaries
# into $PREMPTI_HOME/bin (default ~/.prempti), the default rules and configuration, the Claude
# Code hook in ~/.claude/settings.json, then the service (systemd user unit, launchd agent, or
# a detached daemon). Running it again upgrades in place and keeps your configuration, mode
# and rules/user/. Options are passed to `premptictl install` (`--no-hook`, `--no-start`,
# `--service`, `--engine`, `--falco`); `./install.sh --help` lists them.
#
# Remove everything with `$PREMPTI_HOME/bin/premptictl uninstall`.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
ctl=$here/bin/premptictl

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 2; }

case ${1:-} in
-h | --help)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    echo
    exec "$ctl" install --help
    ;;
esac

for f in bin/premptictl bin/prempti-hook rules/default installers/config; do
    [ -e "$here/$f" ] || die "$here/$f is missing: unpack the whole tarball and run install.sh from it"
done

# The installed layout's root: $PREMPTI_HOME when set and not empty (made absolute), else
# ~/.prempti, as premptictl resolves it.
if [ -n "${PREMPTI_HOME:-}" ]; then
    case $PREMPTI_HOME in
    /*) ;;
    *) PREMPTI_HOME=$(pwd)/$PREMPTI_HOME ;;
    esac
    export PREMPTI_HOME
    target=$PREMPTI_HOME
else
    unset PREMPTI_HOME
    [ -n "${HOME:-}" ] || die "neither PREMPTI_HOME nor HOME is set; set one to choose where to install"
    target=$HOME/.prempti
fi

# A binary for another system or architecture fails here, before anything is written.
if ! version_json=$("$ctl" version --json 2>/dev/null); then
    die "cannot run $ctl on this machine ($(uname -s) $(uname -m)); download the tarball built for it"
fi
version=$(printf '%s\n' "$version_json" | sed -n 's/.*"version": *"\([^"]*\)".*/\1/p')

say "installing Prempti ${version:-?} from $here into $target"
say "running: $ctl install --from $here/bin --hook-from $here/bin --source $here${*:+ $*}"
"$ctl" install --from "$here/bin" --hook-from "$here/bin" --source "$here" "$@"

bin=$target/bin
say "done; this directory is no longer needed (everything was copied into $target)"
say "check it:      $bin/premptictl status"
say "what your agents already did, judged by your rules: $bin/premptictl scan --since 30d"
say "add $bin to your PATH to drop the prefix; remove everything with: $bin/premptictl uninstall"
