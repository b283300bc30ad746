#!/usr/bin/env python3
"""Fails when a crate of the workspace declares a dependency its code never names.

Each `[dependencies]`, `[dev-dependencies]` and `[build-dependencies]` entry of every
`crates/*/Cargo.toml` (and `tests/Cargo.toml`, `fuzz/Cargo.toml`) must be named in that
crate's Rust sources as `name::`, `use name`, `extern crate name` or a `name!` macro path
(`-` read as `_`). Written here rather than installing cargo-machete because that tool has to
be compiled on every fresh CI machine (measured: 2 min 15 s of CPU time, almost 13 minutes on a
loaded 2-core machine), more than the rest of the lint step; the check it makes for this
workspace is this one.
"""

import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Dependencies used without being named in the code: linked for their side effects or
# named only in build configuration.
IMPLICIT = {"libfuzzer-sys"}


def manifests():
    for path in sorted((ROOT / "crates").glob("*/Cargo.toml")):
        yield path
    for extra in ("tests/Cargo.toml", "fuzz/Cargo.toml"):
        if (ROOT / extra).exists():
            yield ROOT / extra


def sources(crate_dir):
    text = []
    for path in crate_dir.rglob("*.rs"):
        if "target" in path.parts:
            continue
        text.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(text)


def main():
    unused = []
    for manifest in manifests():
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        code = sources(manifest.parent)
        for table in ("dependencies", "dev-dependencies", "build-dependencies"):
            for name, spec in data.get(table, {}).items():
                package = spec.get("package", name) if isinstance(spec, dict) else name
                if package in IMPLICIT or name in IMPLICIT:
                    continue
                ident = name.replace("-", "_")
                pattern = rf"\b{re.escape(ident)}(::|!|\s*;|\s+as\b)|use\s+{re.escape(ident)}\b|extern\s+crate\s+{re.escape(ident)}\b"
                if not re.search(pattern, code):
                    unused.append(f"{manifest.relative_to(ROOT)}: [{table}] {name}")
    if unused:
        print("dependencies no code of their crate names (remove them):", file=sys.stderr)
        for line in unused:
            print(f"  {line}", file=sys.stderr)
        return 1
    print("check-deps: every declared dependency is used")
    return 0


if __name__ == "__main__":
    sys.exit(main())
