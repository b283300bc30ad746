//! Terminal output helpers: colour decisions (honouring `NO_COLOR` and `--color`) and styles.

use std::io::IsTerminal;

use crate::cli::ColorChoice;

/// Whether to colour output on stdout for this invocation.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// ANSI styles, empty when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Styles {
    /// Red, for deny.
    pub red: &'static str,
    /// Yellow, for ask and warnings.
    pub yellow: &'static str,
    /// Green, for allow and success.
    pub green: &'static str,
    /// Blue, for defer and informational text.
    pub blue: &'static str,
    /// Dim text.
    pub dim: &'static str,
    /// Bold text.
    pub bold: &'static str,
    /// Reset.
    pub reset: &'static str,
}

impl Styles {
    /// Styles for the given colour decision.
    pub fn new(color: bool) -> Self {
        if color {
            Styles {
                red: "\x1b[31m",
                yellow: "\x1b[33m",
                green: "\x1b[32m",
                blue: "\x1b[34m",
                dim: "\x1b[2m",
                bold: "\x1b[1m",
                reset: "\x1b[0m",
            }
        } else {
            Styles {
                red: "",
                yellow: "",
                green: "",
                blue: "",
                dim: "",
                bold: "",
                reset: "",
            }
        }
    }
}

/// `n` and `noun`, with an "s" unless `n` is 1: `1 file`, `2 files`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod count_tests {
    #[test]
    fn count_is_singular_for_one() {
        assert_eq!(super::count(0, "file"), "0 files");
        assert_eq!(super::count(1, "file"), "1 file");
        assert_eq!(super::count(99, "rule"), "99 rules");
    }
}
