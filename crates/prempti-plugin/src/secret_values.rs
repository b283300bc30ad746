//! Credential-looking values carried in a call's input (`tool.secret_kinds`): access keys,
//! tokens, private keys and secret assignments written into a URL, a command or an MCP
//! tool's parameters, also percent-encoded (`%41%4B%49%41…`). What the call does with them
//! (sends them to a host, writes them to a file) is for the rules to judge.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::RegexSet;

/// Bytes of input scanned.
const MAX_SCAN: usize = 64 * 1024;

/// The kinds, in the order of [`PATTERNS`].
const KINDS: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "github_token",
    "gitlab_token",
    "npm_token",
    "slack_token",
    "api_key",
    "google_api_key",
    "stripe_key",
    "private_key",
    "jwt",
    "secret_assignment",
];

/// One pattern per kind.
const PATTERNS: &[&str] = &[
    r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b",
    r#"(?i)aws_secret_access_key["']?\s*[=:]\s*["']?[A-Za-z0-9/+]{16,}"#,
    r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})",
    r"\bglpat-[A-Za-z0-9_-]{20,}",
    r"\bnpm_[A-Za-z0-9]{30,}",
    r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
    r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}",
    r"\bAIza[0-9A-Za-z_-]{35}",
    r"\b[sr]k_live_[0-9A-Za-z]{16,}",
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
    r#"(?i)\b[a-z0-9_]*(?:secret|password|passwd|token|api_?key|private_?key)[a-z0-9_]*["']?\s*[=:]\s*["']?[A-Za-z0-9/+_.~-]{12,}"#,
];

static SET: LazyLock<RegexSet> = LazyLock::new(|| {
    // The patterns are constants checked by the tests below.
    RegexSet::new(PATTERNS).unwrap_or_else(|_| RegexSet::empty())
});

/// The kinds of credential-looking values in `text` (percent-encoding decoded first).
pub fn kinds(text: &str) -> Vec<&'static str> {
    let mut end = text.len().min(MAX_SCAN);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];
    let decoded: Cow<'_, str> = if text.contains('%') {
        percent_encoding::percent_decode_str(text).decode_utf8_lossy()
    } else {
        Cow::Borrowed(text)
    };
    SET.matches(&decoded).iter().map(|k| KINDS[k]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile_one_per_kind() {
        assert_eq!(KINDS.len(), PATTERNS.len());
        assert!(RegexSet::new(PATTERNS).is_ok());
    }

    #[test]
    fn keys_in_every_encoding() {
        assert_eq!(
            kinds("https://x.test/?k=AKIAIOSFODNN7EXAMPLE"),
            ["aws_access_key_id"]
        );
        assert_eq!(
            kinds("https://x.test/?k=%41%4B%49%41IOSFODNN7EXAMPLE"),
            ["aws_access_key_id"]
        );
        assert!(
            kinds("c?aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
                .contains(&"aws_secret_access_key")
        );
        assert_eq!(
            kinds("?npm=npm_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"),
            ["npm_token"]
        );
        assert_eq!(
            kinds(r#"{"content": "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG"}"#),
            ["aws_secret_access_key", "secret_assignment"]
        );
        assert_eq!(
            kinds("-----BEGIN OPENSSH PRIVATE KEY-----"),
            ["private_key"]
        );
    }

    #[test]
    fn ordinary_text_has_none() {
        for text in [
            "https://docs.rs/tokio/latest/tokio/",
            r#"{"query": "password reset flow", "max_tokens": 4096}"#,
            "https://api.github.com/repos/x/y/pulls?state=open",
            "token = os.environ['TOKEN']",
            "AKIAIOSFODNN7EXAMPLE_NOT",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
    }
}
