//! Arbitrary bytes as a shell command: analysis must never panic, and must stay within its
//! limits. The command goes through every entry point: `analyze` (no home), `analyze_in`
//! with a working directory and a home (tilde, `$HOME`, variables, braces, `cd`, static
//! text, embedded and remote commands all active), tight limits, and the PowerShell reading.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prempti_shell::{analyze, analyze_in, analyze_powershell_in, analyze_with, Context, Limits};

fuzz_target!(|data: &[u8]| {
    let command = String::from_utf8_lossy(data);
    let max = Limits::default().max_programs;
    let a = analyze(&command, Some("/work/project"));
    assert!(a.programs.len() <= max);
    let context = Context {
        cwd: Some("/home/dev/p"),
        home: Some("/home/dev"),
    };
    let b = analyze_in(&command, &context, &Limits::default());
    assert!(b.programs.len() <= max);
    for path in b.write_paths.iter().chain(&b.delete_paths).chain(&b.read_paths) {
        // Paths are resolved lexically; none is longer than the input allows.
        assert!(path.len() <= 64 * 1024 + 4096 + "/home/dev/p".len());
    }
    // Tight limits exercise the cut-off paths.
    let tight = Limits { max_bytes: 256, max_depth: 2, max_programs: 8, ..Limits::default() };
    let c = analyze_with(&command, None, &tight);
    assert!(c.programs.len() <= tight.max_programs);
    let d = analyze_in(&command, &context, &tight);
    assert!(d.programs.len() <= tight.max_programs);
    let e = analyze_powershell_in(&command, &context, &Limits::default());
    assert!(e.programs.len() <= max);
});
