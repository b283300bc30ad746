//! Code in other languages inside a shell command: inline interpreter code (`python -c`,
//! `perl -e`, `node -e`, ...) and PowerShell (`pwsh -c`, `powershell -EncodedCommand`, or
//! the whole command of a PowerShell tool), mapped into the same effect lists.

use crate::analyzer::{Analyzer, Ctx};
use crate::effects::Access;
use crate::inline::{self, Behavior, Lang};
use crate::model::push_unique;
use crate::powershell::{PowerShellAnalysis, PsAccess};

impl Analyzer<'_> {
    /// Analyzes the inline code an interpreter invocation carries, if any.
    pub(crate) fn inline_code(&mut self, name: &str, texts: &[String], ctx: Ctx<'_>) {
        let Some(lang) = inline::lang_of(name) else {
            return;
        };
        for k in inline::inline_code_args(lang, texts) {
            if let Some(code) = texts.get(k) {
                self.inline_text(lang, code, ctx);
            }
        }
    }

    /// Analyzes code `lang` runs, whatever brought it (an argument, a fed pipe).
    pub(crate) fn inline_text(&mut self, lang: Lang, code: &str, ctx: Ctx<'_>) {
        if self.work(code.len()) < code.len() {
            return;
        }
        let found = inline::analyze(lang, code);
        let groups = [
            (Access::Read, &found.reads),
            (Access::Write, &found.writes),
            (Access::Delete, &found.deletes),
            (Access::RecursiveDelete, &found.recursive_deletes),
            (Access::Chmod, &found.chmods),
        ];
        for (access, paths) in groups {
            for path in paths {
                let path = self.expand_home(path);
                self.effect(access, &path, None, None);
            }
        }
        self.scan_args("", &found.urls);
        for behavior in &found.behaviors {
            push_unique(&mut self.out.behaviors, behavior_name(*behavior));
        }
        for command in &found.shell_commands {
            self.script(command, ctx.depth + 1, ctx.nest, false);
        }
    }

    /// `~` / `~/x` against the home, when it is known.
    fn expand_home(&self, path: &str) -> String {
        match (self.home, path.strip_prefix('~')) {
            (Some(home), Some(rest)) if rest.is_empty() || rest.starts_with('/') => {
                format!("{home}{rest}")
            }
            _ => path.to_owned(),
        }
    }

    /// Analyzes a PowerShell invocation from bash (`pwsh -c ...`, `powershell -enc ...`).
    pub(crate) fn powershell_invocation(&mut self, name: &str, texts: &[String]) {
        let mut line = String::from(name);
        for t in texts {
            line.push(' ');
            line.push('\'');
            line.push_str(&t.replace('\'', "''"));
            line.push('\'');
        }
        if self.work(line.len()) < line.len() {
            return;
        }
        let ps = crate::powershell::analyze(&line);
        self.merge_powershell(&ps, true);
    }

    /// Adds a PowerShell analysis to the results; `skip_first` leaves out the `pwsh` command
    /// itself (already recorded by the bash side).
    pub(crate) fn merge_powershell(&mut self, ps: &PowerShellAnalysis, skip_first: bool) {
        for (i, command) in ps.commands.iter().enumerate() {
            if skip_first && i == 0 {
                continue;
            }
            if !self.program(&command.name, &command.name, &command.args) {
                break;
            }
        }
        for e in &ps.effects {
            let access = match e.access {
                PsAccess::Read => Access::Read,
                PsAccess::Write => Access::Write,
                PsAccess::Delete => Access::Delete,
                PsAccess::RecursiveDelete => Access::RecursiveDelete,
                PsAccess::Chmod => Access::Chmod,
                PsAccess::Exec => Access::Exec,
            };
            let path = self.windows_path(&e.path);
            let dynamic = path.contains('$');
            if dynamic {
                if access != Access::Read {
                    push_unique(&mut self.out.dynamic_paths, &path);
                }
                continue;
            }
            self.effect(access, &path, None, None);
            // A script that fetches writes what it fetched (`DownloadFile(URL, 'a.exe')`,
            // `iwr URL -OutFile a.ps1`): running the file later runs downloaded code.
            if access == Access::Write && !ps.urls.is_empty() {
                if let Some(resolved) = self.resolve(&path, None) {
                    self.downloads.push(resolved);
                }
            }
        }
        self.scan_args("", &ps.urls);
        if ps.exec_remote {
            push_unique(&mut self.out.behaviors, "exec_remote");
        }
        if ps.exec_decoded {
            push_unique(&mut self.out.behaviors, "exec_decoded");
        }
        for program in &ps.dynamic_programs {
            push_unique(&mut self.out.dynamic_programs, program);
        }
        self.out.parse_error |= ps.parse_error;
        self.out.limit_hit |= ps.limit_hit;
    }

    /// A PowerShell path with the home's spellings (`~`, `$HOME`, `$env:USERPROFILE`,
    /// `${env:USERPROFILE}`, `$env:HOME`) resolved, backslashes as slashes.
    fn windows_path(&self, raw: &str) -> String {
        let path = raw.replace('\\', "/");
        let lower = path.to_ascii_lowercase();
        for (prefix, below) in [
            ("$env:appdata", "/AppData/Roaming"),
            ("${env:appdata}", "/AppData/Roaming"),
            ("$env:localappdata", "/AppData/Local"),
            ("${env:localappdata}", "/AppData/Local"),
        ] {
            if let Some(rest) = lower.strip_prefix(prefix) {
                if rest.is_empty() || rest.starts_with('/') {
                    if let Some(home) = self.home {
                        let home = home.replace('\\', "/");
                        let home = home.trim_end_matches('/');
                        return format!("{home}{below}{}", &path[prefix.len()..]);
                    }
                }
            }
        }
        for prefix in [
            "$env:userprofile",
            "${env:userprofile}",
            "$env:home",
            "$home",
            "~",
        ] {
            if let Some(rest) = lower.strip_prefix(prefix) {
                if rest.is_empty() || rest.starts_with('/') {
                    if let Some(home) = self.home {
                        let home = home.replace('\\', "/");
                        return format!("{}{}", home.trim_end_matches('/'), &path[prefix.len()..]);
                    }
                }
            }
        }
        path
    }
}

/// The `cmd.behaviors` name of an inline-code behavior.
fn behavior_name(b: Behavior) -> &'static str {
    match b {
        Behavior::ExecRemote => "exec_remote",
        Behavior::ExecDecoded => "exec_decoded",
        Behavior::ReverseShell => "reverse_shell",
        Behavior::Socket => "socket",
        Behavior::EnvDump => "env_dump",
        Behavior::Decode => "decode",
    }
}
