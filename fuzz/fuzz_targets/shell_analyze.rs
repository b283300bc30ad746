//! Arbitrary bytes as a shell command: analysis must never panic, and must stay within its
//! limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prempti_shell::{analyze, analyze_with, Limits};

fuzz_target!(|data: &[u8]| {
    let command = String::from_utf8_lossy(data);
    let a = analyze(&command, Some("/work/project"));
    assert!(a.programs.len() <= Limits::default().max_programs);
    // Tight limits exercise the cut-off paths.
    let tight = Limits { max_bytes: 256, max_depth: 2, max_programs: 8, ..Limits::default() };
    let b = analyze_with(&command, None, &tight);
    assert!(b.programs.len() <= tight.max_programs);
});
