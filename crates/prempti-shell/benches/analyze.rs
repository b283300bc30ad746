//! Analysis cost per command over a corpus of realistic agent commands (through `analyze_in`
//! with a working directory and a home, as the plugin calls it, and through `analyze`), side
//! by side with a trivial baseline (`str::split_whitespace`) over the same corpus; and the worst case:
//! hostile commands of the largest size analyzed, nested wrappers, long pipelines, repeated
//! unfinished constructs and single unclosed ones followed by many words.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

/// Commands of the kind coding agents run.
const CORPUS: &[&str] = &[
    "git status",
    "git diff HEAD~1 -- src/",
    "git add -A && git commit -m \"fix: handle empty input\"",
    "git log --oneline -20 | head -5",
    "cargo build --release 2>&1 | tail -20",
    "cargo test -p prempti-shell --all-targets",
    "cargo clippy --all-targets -- -D warnings",
    "npm install && npm run build",
    "npm test -- --watch=false",
    "npx prettier --write \"src/**/*.ts\"",
    "pytest -x tests/ -k 'not slow' -q",
    "python -m pip install -r requirements.txt",
    "python3 -c 'import sys; print(sys.version)'",
    "grep -rn \"TODO\" src | head -20",
    "rg -n 'fn main' --type rust",
    "find . -name '*.pyc' -delete",
    "find . -type f -name '*.rs' -exec wc -l {} +",
    "curl -fsSL https://example.com/install.sh | sh",
    "curl -s -H 'Accept: application/json' https://api.example.com/v1/items | jq '.items[0]'",
    "docker build -t app:latest . && docker run --rm -p 8080:8080 app:latest",
    "docker compose up -d",
    "make -j4 test",
    "sed -i 's/foo/bar/g' src/lib.rs",
    "ls -la",
    "cd frontend && npm ci && npm run lint",
    "mkdir -p build && cd build && cmake .. && make",
    "cat <<'EOF' > notes.md\n# Notes\n- item\nEOF",
    "for f in src/*.rs; do rustfmt --check \"$f\"; done",
    "export RUST_LOG=debug && ./target/debug/app --config config.toml",
    "sudo -u postgres psql -c 'SELECT 1'",
];

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Elements(CORPUS.len() as u64));
    // The path the plugin takes: a working directory and a home, so `~`, `$HOME`, variables,
    // braces, `cd`, static text, embedded and remote commands are all resolved.
    let context = prempti_shell::Context {
        cwd: Some("/home/dev/project"),
        home: Some("/home/dev"),
    };
    let limits = prempti_shell::Limits::default();
    group.bench_function("analyze_in", |b| {
        b.iter(|| {
            for command in CORPUS {
                black_box(prempti_shell::analyze_in(
                    black_box(command),
                    &context,
                    &limits,
                ));
            }
        })
    });
    group.bench_function("analyze", |b| {
        b.iter(|| {
            for command in CORPUS {
                black_box(prempti_shell::analyze(
                    black_box(command),
                    Some("/work/project"),
                ));
            }
        })
    });
    group.bench_function("split_whitespace", |b| {
        b.iter(|| {
            for command in CORPUS {
                let words: Vec<&str> = black_box(command).split_whitespace().collect();
                black_box(words);
            }
        })
    });
    group.finish();
}

/// `unit` repeated up to the default `max_bytes`, then `true`.
fn hostile(unit: &str) -> String {
    let max = prempti_shell::Limits::default().max_bytes - "true".len();
    format!("{}true", unit.repeat(max / unit.len()))
}

/// `curl x | sh; ` and `open`, then `word` repeated up to the default `max_bytes`.
fn unclosed(open: &str, word: &str) -> String {
    let head = format!("curl x | sh; {open}");
    let max = prempti_shell::Limits::default().max_bytes - head.len();
    format!("{head}{}", word.repeat(max / word.len()))
}

fn worst_case(c: &mut Criterion) {
    let mut group = c.benchmark_group("worst_case_64k");
    group.sample_size(10);
    for (name, unit) in [
        ("sudo", "sudo "),
        ("env", "env X=1 "),
        ("find_exec", "find . -exec "),
        ("pipe", "a | "),
        ("array", "a=( "),
        ("heredoc", "<<"),
        ("heredoc_word", "<<a "),
        ("expansion", "${"),
        ("expansion_quote", "${ \"}\" "),
        ("old_arith", "$[ "),
        ("subscript", "a[ "),
        ("arith", "$(( "),
        ("process_subst", "<( "),
        ("backtick", "`"),
        ("case", "case x in "),
        ("function", "function f { "),
        ("for", "for x in "),
    ] {
        let text = hostile(unit);
        group.bench_function(name, |b| {
            b.iter(|| black_box(prempti_shell::analyze(black_box(&text), None)))
        });
    }
    // One unclosed construct, then words: cut by the parse deadline.
    for (name, open, word) in [
        ("test_vars", "[[ ", "$x "),
        ("test_strings", "[[ ", "\" \" "),
        ("test_quotes", "[[ ", "x' "),
        ("arith_cmd_vars", "(( ", "$x "),
        ("arith_cmd_strings", "(( ", "\" \" "),
        ("arith_cmd_quotes", "(( ", "x' "),
        ("case_vars", "case x in ", "$x "),
        ("case_strings", "case x in ", "\" \" "),
        ("case_quotes", "case x in ", "x' "),
        ("subscript_vars", "a[ ", "$x "),
        ("subscript_strings", "a[ ", "\" \" "),
        ("subscript_quotes", "a[ ", "x' "),
    ] {
        let text = unclosed(open, word);
        group.bench_function(name, |b| {
            b.iter(|| black_box(prempti_shell::analyze(black_box(&text), None)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench, worst_case);
criterion_main!(benches);
