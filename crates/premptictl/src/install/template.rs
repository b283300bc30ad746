//! Filling the configuration templates of `installers/config/`.
//!
//! Placeholders (see the templates' headers):
//!
//! | placeholder | value |
//! |---|---|
//! | `@PREMPTI_HOME@` | the install directory, absolute |
//! | `@PLUGIN_LIBRARY@` | `share/libprempti_plugin.so` (`.dylib` on macOS) |
//! | `@INTAKE_ADDRESS@` | `127.0.0.1:<port>`, a free port picked at install |
//! | `@INTAKE_TOKEN@` | 64 random hex digits, fresh per install |
//! | `@INTAKE_URL@` | `http://<intake address>/alerts/<token>` |

use std::path::Path;

use anyhow::{Context as _, Result};

/// The values that replace the placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateValues {
    /// `@PREMPTI_HOME@`.
    pub home: String,
    /// `@PLUGIN_LIBRARY@`.
    pub plugin_library: String,
    /// `@INTAKE_ADDRESS@`.
    pub intake_address: String,
    /// `@INTAKE_TOKEN@`.
    pub intake_token: String,
}

impl TemplateValues {
    /// Fresh values for an installation at `home`: a random token and a free loopback port.
    pub fn fresh(home: &Path) -> Result<TemplateValues> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .context("cannot find a free loopback port for the alert intake")?;
        Ok(TemplateValues::for_home(
            home,
            format!("127.0.0.1:{port}"),
            random_token()?,
        ))
    }

    /// The values for an installation at `home` with the given intake.
    pub fn for_home(home: &Path, intake_address: String, intake_token: String) -> TemplateValues {
        // `portable`: on Windows, `/` separators, so the YAML needs no escapes.
        TemplateValues {
            home: prempti_protocol::paths::portable(home),
            plugin_library: prempti_protocol::paths::portable(
                &home.join("share").join(plugin_library_name()),
            ),
            intake_address,
            intake_token,
        }
    }

    /// `@INTAKE_URL@`.
    pub fn intake_url(&self) -> String {
        format!(
            "http://{}/alerts/{}",
            self.intake_address, self.intake_token
        )
    }

    /// Replaces every placeholder in `text`, after dropping the template's note about them.
    pub fn fill(&self, text: &str) -> String {
        strip_template_note(text)
            .replace("@PREMPTI_HOME@", &self.home)
            .replace("@PLUGIN_LIBRARY@", &self.plugin_library)
            .replace("@INTAKE_ADDRESS@", &self.intake_address)
            .replace("@INTAKE_TOKEN@", &self.intake_token)
            .replace("@INTAKE_URL@", &self.intake_url())
    }
}

/// Drops a template's "This is a template ..." paragraph (and the blank comment line before
/// it): once the placeholders it lists are filled in, it would read as nonsense
/// ("replacing /home/u/.prempti (the install directory)").
///
/// The note runs from the line starting "This is a template" (after `#` or inside an XML
/// comment) to the first blank or bare-`#` line, or the end of the XML comment, after the
/// first line naming a placeholder; that separator is kept.
pub fn strip_template_note(text: &str) -> String {
    fn content(line: &str) -> &str {
        line.trim().trim_start_matches('#').trim()
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let Some(start) = lines
        .iter()
        .position(|l| content(l).starts_with("This is a template"))
    else {
        return text.to_owned();
    };
    // The note may list the placeholders in a paragraph of its own: it ends at the first
    // separator after a line naming one.
    let listed = lines[start..]
        .iter()
        .position(|l| l.contains('@'))
        .map_or(start, |n| start + n);
    let end = lines[listed..]
        .iter()
        .position(|l| content(l).is_empty() || l.trim().starts_with("-->"))
        .map_or(lines.len(), |n| listed + n);
    let start = if start > 0 && content(lines[start - 1]).is_empty() {
        start - 1
    } else {
        start
    };
    lines[..start].concat() + &lines[end..].concat()
}

/// Whether `text` still holds a placeholder.
pub fn has_placeholders(text: &str) -> bool {
    [
        "@PREMPTI_HOME@",
        "@PLUGIN_LIBRARY@",
        "@INTAKE_ADDRESS@",
        "@INTAKE_TOKEN@",
        "@INTAKE_URL@",
    ]
    .iter()
    .any(|p| text.contains(p))
}

/// The plugin library's file name on this platform.
pub fn plugin_library_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "libprempti_plugin.dylib"
    } else if cfg!(windows) {
        "prempti_plugin.dll"
    } else {
        "libprempti_plugin.so"
    }
}

/// 32 random bytes as 64 hex digits.
pub fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("cannot get random bytes for the intake token: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filled_templates_keep_no_note_about_placeholders() {
        let v = TemplateValues::for_home(
            Path::new("/filled-home"),
            "127.0.0.1:9".into(),
            "t".repeat(64),
        );
        for template in [
            include_str!("../../../../installers/config/falco.yaml"),
            include_str!("../../../../installers/config/falco.coding_agents_plugin.yaml"),
            include_str!("../../../../installers/config/prempti.yaml"),
        ] {
            let out = v.fill(template);
            assert!(!out.contains("This is a template"), "{out}");
            for line in out.lines().filter(|l| l.trim_start().starts_with('#')) {
                assert!(
                    !line.contains("/filled-home") && !line.contains("127.0.0.1:9"),
                    "a comment names a filled-in value: {line}"
                );
            }
            assert!(!out.contains("#\n#\n"), "no doubled separator: {out}");
            assert_eq!(out.lines().next(), template.lines().next());
        }
        assert_eq!(
            strip_template_note("# A.\n#\n# This is a template: X\n# Y.\n#\n# B.\nk: v\n"),
            "# A.\n#\n# B.\nk: v\n"
        );
        assert_eq!(
            strip_template_note("<!--\n  A.\n\n  This is a template: X\n  Y.\n-->\n<p/>\n"),
            "<!--\n  A.\n-->\n<p/>\n"
        );
        assert_eq!(
            strip_template_note("# A.\n#\n# This is a template. By replacing:\n#\n#   @X@  x,\n#        more\n#\n# B.\n"),
            "# A.\n#\n# B.\n"
        );
        assert_eq!(strip_template_note("k: v\n"), "k: v\n");
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        let v = TemplateValues {
            home: "/h".into(),
            plugin_library: "/h/share/lib.so".into(),
            intake_address: "127.0.0.1:9".into(),
            intake_token: "t".repeat(64),
        };
        let out = v.fill("a: @PREMPTI_HOME@/x\nb: @INTAKE_URL@\nc: @PLUGIN_LIBRARY@ @INTAKE_ADDRESS@ @INTAKE_TOKEN@\n");
        assert!(!has_placeholders(&out), "{out}");
        assert!(out.contains(&format!("b: http://127.0.0.1:9/alerts/{}", "t".repeat(64))));
        let fresh = TemplateValues::fresh(Path::new("/h")).unwrap();
        assert_eq!(fresh.intake_token.len(), 64);
        assert_ne!(
            fresh.intake_token,
            TemplateValues::fresh(Path::new("/h")).unwrap().intake_token
        );
    }
}
