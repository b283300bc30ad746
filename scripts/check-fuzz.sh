#!/bin/sh
# Type-checks every fuzz target in fuzz/ (part of `make check`).
#
# With libfuzzer-sys available (online, or already in the cargo cache) this is a plain
# `cargo check` of the fuzz crate. Offline without it, each target is checked against a
# stand-in `libfuzzer-sys` whose `fuzz_target!` only type-checks the closure: the targets'
# own code, and their use of prempti-rules and prempti-shell, are checked either way.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
cargo=${CARGO:-cargo}

# FUZZ_CHECK_SHIM=1 forces the stand-in (to check this script's offline path).
if [ "${FUZZ_CHECK_SHIM:-0}" != 1 ] && "$cargo" check -q --manifest-path "$root/fuzz/Cargo.toml" --bins --target-dir "$target/fuzz" 2>/dev/null; then
    echo "fuzz targets: cargo check passed"
    exit 0
fi
if [ "${FUZZ_CHECK_SHIM:-0}" != 1 ] && "$cargo" fetch -q --manifest-path "$root/fuzz/Cargo.toml" >/dev/null 2>&1; then
    # The dependencies are there, so the failure above was the code's: show it.
    exec "$cargo" check --manifest-path "$root/fuzz/Cargo.toml" --bins --target-dir "$target/fuzz"
fi

echo "fuzz targets: libfuzzer-sys is not available; checking against a stand-in" >&2
work="$target/fuzz-check"
rm -rf "$work"
mkdir -p "$work/shim/src" "$work/crate"
cat > "$work/shim/Cargo.toml" <<'TOML'
[package]
name = "libfuzzer-sys"
version = "0.4.999"
edition = "2021"
publish = false
TOML
cat > "$work/shim/src/lib.rs" <<'RS'
//! Stand-in for libfuzzer-sys: `fuzz_target!` type-checks the body and runs it on no input.
#[macro_export]
macro_rules! fuzz_target {
    (|$data:ident: &[u8]| $body:block) => {
        fn main() {
            let target = |$data: &[u8]| $body;
            target(&[]);
        }
    };
}
RS
sed -e "s|path = \"../crates/|path = \"$root/crates/|" \
    -e "s|path = \"fuzz_targets/|path = \"$root/fuzz/fuzz_targets/|" \
    -e 's|^libfuzzer-sys = .*|libfuzzer-sys = { path = "../shim" }|' \
    "$root/fuzz/Cargo.toml" > "$work/crate/Cargo.toml"
# The workspace's lockfile pins the shared dependencies to the versions already built.
cp "$root/Cargo.lock" "$work/crate/Cargo.lock"
"$cargo" check --offline --manifest-path "$work/crate/Cargo.toml" --bins --target-dir "$target"
echo "fuzz targets: checked against the stand-in"
