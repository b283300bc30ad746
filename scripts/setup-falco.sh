#!/usr/bin/env bash
# Finds a real Falco for the tests that exercise the Falco engine, and makes it runnable.
#
#   scripts/setup-falco.sh                 print PREMPTI_FALCO=<path> (or nothing) on stdout
#   scripts/setup-falco.sh <command> ...   run <command> with PREMPTI_FALCO exported when a
#                                          usable Falco was found (unchanged environment if not)
#
# Where the Falco comes from, first found wins:
#   1. PREMPTI_FALCO, when set and not empty;
#   2. ../shared/falco/bin/falco relative to the repository (the test build of Falco 0.44.1
#      that CI provides; see its README.md).
# Without one, the real-Falco tests print their own skip line and pass.
#
# The shared build needs four Debian runtime libraries that a fresh machine lacks. They are
# installed with apt-get (non-interactive, no stdin) when missing and we are root; otherwise a
# line says why they are not, and Falco is used only if it runs anyway (`falco --version`).
# Messages go to stderr, prefixed with "setup-falco:".

set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
packages=(libjsoncpp25 libre2-9 libtbb12 libyaml-cpp0.7)

say() { echo "setup-falco: $*" >&2; }

run_command() {
    if [ "$#" -gt 0 ]; then
        exec "$@"
    fi
    exit 0
}

falco="${PREMPTI_FALCO:-}"
if [ -z "$falco" ] && [ -x "$repo/../shared/falco/bin/falco" ]; then
    falco="$(cd "$repo/../shared/falco/bin" && pwd)/falco"
fi
if [ -z "$falco" ]; then
    say "no Falco (PREMPTI_FALCO unset, no ../shared/falco/bin/falco): the real-Falco tests skip"
    unset PREMPTI_FALCO
    run_command "$@"
fi
if [ ! -x "$falco" ]; then
    say "$falco is not an executable file: the real-Falco tests skip"
    unset PREMPTI_FALCO
    run_command "$@"
fi

# The runtime libraries: only the ones dpkg does not know as installed, only with apt-get as root.
missing_packages() {
    command -v dpkg-query >/dev/null 2>&1 || return 0
    local p
    for p in "${packages[@]}"; do
        if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
            echo "$p"
        fi
    done
}

if ! "$falco" --version >/dev/null 2>&1; then
    if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
        say "no apt-get here: not installing ${packages[*]} (Falco's runtime libraries)"
    elif [ "$(id -u)" != 0 ]; then
        say "not root: not installing ${packages[*]}; install them (sudo apt-get install -y ${packages[*]})"
    else
        mapfile -t missing < <(missing_packages)
        if [ "${#missing[@]}" -gt 0 ]; then
            say "installing ${missing[*]} (Falco's runtime libraries)"
            export DEBIAN_FRONTEND=noninteractive CI=true
            apt_options=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
            if ! apt-get install "${apt_options[@]}" "${missing[@]}" </dev/null >/dev/null 2>&1; then
                # A fresh image often has no package lists yet.
                apt-get update -q </dev/null >/dev/null 2>&1
                apt-get install "${apt_options[@]}" "${missing[@]}" </dev/null >&2 2>&1 \
                    || say "apt-get install ${missing[*]} failed"
            fi
        fi
    fi
fi

if version="$("$falco" --version 2>&1 </dev/null)"; then
    export PREMPTI_FALCO="$falco"
    say "using $falco ($(echo "$version" | head -n 1)): the real-Falco tests run"
    if [ "$#" -eq 0 ]; then
        echo "PREMPTI_FALCO=$falco"
    fi
else
    say "$falco does not run: the real-Falco tests skip. It said:"
    echo "$version" | head -n 5 | sed 's/^/setup-falco:   /' >&2
    unset PREMPTI_FALCO
fi
run_command "$@"
