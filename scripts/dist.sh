#!/bin/sh
# Packages the release tarball prempti-<version>-linux-<arch>.tar.gz from binaries already built
# (`make dist` builds them first: `cargo build --release -p premptictl -p prempti-plugin` and
# `cargo build --profile hook -p prempti-hook`). Nothing is compiled here.
#
#   scripts/dist.sh [OUT_DIR]        (default OUT_DIR: $CARGO_TARGET_DIR/dist, else target/dist)
#
# The tarball holds one directory, prempti-<version>-linux-<arch>/:
#
#   install.sh                 installs from this directory without a Rust toolchain
#   bin/premptictl             release build
#   bin/prempti-hook           `hook` profile build
#   bin/libprempti_plugin.so   the coding_agent plugin for the Falco engine
#   rules/                     default/, seen.yaml, user/README.md, README.md, tests/
#   installers/config/         configuration templates (falco.yaml, plugin config, prempti.yaml)
#   skills/                    the rule-writing skill for agents
#   README.md, LICENSE
#
# bin/ is what `premptictl install --from` and `--hook-from` read, and the directory itself is
# its `--source` (it holds rules/ and installers/config/), as `make install` passes the
# repository. The archive is reproducible from the same binaries: entries sorted by name, owner
# and group 0, modes 0755 (directories, programs) and 0644 (everything else), every mtime set
# to $SOURCE_DATE_EPOCH (default: the time of the last commit), gzip without name or time.
#
# Environment: CARGO_TARGET_DIR (where the binaries are, default ./target), SOURCE_DATE_EPOCH.
# Prints the tarball's path on its last line.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target=$root/$target ;; esac
out=${1:-$target/dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The version of [workspace.package] in the workspace Cargo.toml.
version=$(awk '
    /^\[/ { section = $0; next }
    section == "[workspace.package]" && $1 == "version" {
        gsub(/[" ]/, "", $3); print $3; exit
    }' Cargo.toml)
[ -n "$version" ] || { echo "dist: no version in [workspace.package] of Cargo.toml" >&2; exit 2; }

os=$(uname -s)
[ "$os" = Linux ] || { echo "dist: the tarball is for Linux; this is $os" >&2; exit 2; }
arch=$(uname -m)
name=prempti-$version-linux-$arch
tarball=$out/$name.tar.gz

ctl=$target/release/premptictl
plugin=$target/release/libprempti_plugin.so
hook=$target/hook/prempti-hook
for f in "$ctl" "$plugin" "$hook"; do
    [ -f "$f" ] || {
        echo "dist: $f is not built; run \`make dist\` (it builds the release and hook profiles)" >&2
        exit 2
    }
done
built=$("$ctl" version --json | sed -n 's/.*"version": *"\([^"]*\)".*/\1/p')
[ "$built" = "$version" ] || {
    echo "dist: $ctl reports version '$built', Cargo.toml says $version; rebuild (\`make dist\`)" >&2
    exit 2
}

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/prempti-dist.XXXXXX")
trap 'rm -rf "$stage"' EXIT INT TERM
top=$stage/$name

# Files keep their content; modes are set explicitly so the umask and the checkout do not leak in.
put() { # put MODE SRC DEST (DEST relative to the top directory)
    mkdir -p "$(dirname "$top/$3")"
    cp "$2" "$top/$3"
    chmod "$1" "$top/$3"
}
put_tree() { # put_tree SRC_DIR DEST_DIR: every regular file, 0644
    (cd "$1" && find . -type f) | while IFS= read -r f; do
        put 0644 "$1/$f" "$2/${f#./}"
    done
}

put 0755 "$ctl" bin/premptictl
put 0755 "$hook" bin/prempti-hook
put 0644 "$plugin" bin/libprempti_plugin.so
put_tree rules/default rules/default
put 0644 rules/seen.yaml rules/seen.yaml
put 0644 rules/user/README.md rules/user/README.md
put 0644 rules/README.md rules/README.md
put_tree rules/tests rules/tests
put_tree installers/config installers/config
put_tree skills skills
put 0644 README.md README.md
put 0644 LICENSE LICENSE
put 0755 installers/install.sh install.sh
find "$top" -type d -exec chmod 0755 {} +

rm -f "$tarball"
tar -C "$stage" --format=gnu --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime="@$SOURCE_DATE_EPOCH" -cf - "$name" | gzip -9n >"$tarball.tmp"
mv "$tarball.tmp" "$tarball"

files=$(tar -tzf "$tarball" | grep -vc '/$')
size=$(wc -c <"$tarball" | tr -d ' ')
echo "dist: $name.tar.gz: $files files, $size bytes, mtime @$SOURCE_DATE_EPOCH"
echo "$tarball"
