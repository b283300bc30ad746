//! Programs whose arguments are a small language of their own: one function each.

use super::{Access, Effects, Parsed};

/// `cp`/`mv` style: sources read (recursively with `recursive`), the destination (last
/// operand, or `-t DIR`) written; `moves` deletes the sources.
pub(super) fn copy_to(p: &Parsed<'_>, e: &mut Effects, recursive: &[&str], moves: bool) {
    let target_dir = p.values_of(&["-t", "--target-directory"]).last();
    let (sources, dest): (&[usize], Option<(&str, usize)>) = match target_dir {
        Some(dir) => (&p.operands, Some(dir)),
        None => match p.operands.split_last() {
            Some((&last, rest)) if !rest.is_empty() => {
                (rest, p.words.get(last).map(|w| (w.text.as_str(), last)))
            }
            _ => (&[], None),
        },
    };
    let read = if p.has(recursive) {
        Access::RecursiveRead
    } else {
        Access::Read
    };
    for &k in sources {
        if moves {
            e.operand(p, k, Access::Read);
            e.operand(p, k, Access::RecursiveDelete);
        } else {
            e.operand(p, k, read);
        }
    }
    if let Some((dest, k)) = dest {
        e.add(Access::Write, dest, Some(k));
    }
}

/// `install SRC... DEST`, `install -d DIR...`.
pub(super) fn install(p: &Parsed<'_>, e: &mut Effects) {
    if p.has(&["-d", "--directory"]) {
        for &k in &p.operands {
            e.operand(p, k, Access::Write);
        }
        return;
    }
    copy_to(p, e, &[], false);
    if let Some((mode, _)) = p.values_of(&["-m", "--mode"]).last() {
        if let Some(&last) = p.operands.last() {
            if !mode.is_empty() {
                e.operand(p, last, Access::Chmod);
            }
        }
    }
}

/// `ln [-s] TARGET [LINK]`: the link is written (the target is only named).
pub(super) fn link(p: &Parsed<'_>, e: &mut Effects) {
    if let Some((dir, k)) = p.values_of(&["-t", "--target-directory"]).last() {
        e.add(Access::Write, dir, Some(k));
        return;
    }
    match p.operands.as_slice() {
        [] => {}
        [only] => {
            let name = p.words[*only].text.rsplit('/').next().unwrap_or("");
            e.add(Access::Write, name, Some(*only));
        }
        [.., last] => e.operand(p, *last, Access::Write),
    }
}

/// `shred [-u] FILE...`: overwritten; with `-u`/`--remove` also deleted.
pub(super) fn shred(p: &Parsed<'_>, e: &mut Effects) {
    let remove = p.has(&["-u"]) || p.longs.iter().any(|l| l.starts_with("remove"));
    for &k in &p.operands {
        e.operand(p, k, Access::Write);
        if remove {
            e.operand(p, k, Access::Delete);
        }
    }
}

/// `mkfs`, `fdisk`, `parted`...: the device is written, unless the options only report
/// (`mkfs -n`, `fdisk -l`, `parted -l`, `sfdisk -l`, `--dry-run`).
pub(super) fn disk_tool(p: &Parsed<'_>, e: &mut Effects) {
    let dry = p.has(&["-n"])
        || p.has(&["-l"])
        || p.has(&["--dry-run"])
        || p.has(&["--noact"])
        || p.has(&["--list"]);
    devices(p, e, if dry { Access::Read } else { Access::Write });
}

/// `wipefs`: only `-a`/`--all` or `-o OFFSET` erase; otherwise it lists signatures.
pub(super) fn wipefs(p: &Parsed<'_>, e: &mut Effects) {
    let erases =
        (p.has(&["-a"]) || p.has(&["--all"]) || p.values_of(&["-o", "--offset"]).next().is_some())
            && !(p.has(&["-n"]) || p.has(&["--no-act"]));
    devices(p, e, if erases { Access::Write } else { Access::Read });
}

fn devices(p: &Parsed<'_>, e: &mut Effects, access: Access) {
    for &k in &p.operands {
        let text = p.words[k].text.as_str();
        if text.contains('/') || text.ends_with(".img") {
            e.operand(p, k, access);
        }
    }
}

/// `dd if=IN of=OUT`.
pub(super) fn dd(p: &Parsed<'_>, e: &mut Effects) {
    for &k in &p.operands {
        let text = p.words[k].text.as_str();
        if let Some(input) = text.strip_prefix("if=") {
            e.add(Access::Read, input, Some(k));
        } else if let Some(output) = text.strip_prefix("of=") {
            e.add(Access::Write, output, Some(k));
        }
    }
}

/// `patch [-i PATCHFILE] [FILE]`: the patch is read, the file written.
pub(super) fn patch(p: &Parsed<'_>, e: &mut Effects) {
    for (file, k) in p.values_of(&["-i", "--input"]) {
        e.add(Access::Read, file, Some(k));
    }
    for (file, k) in p.values_of(&["-o", "--output"]) {
        e.add(Access::Write, file, Some(k));
    }
    match p.operands.first() {
        Some(&k) => e.operand(p, k, Access::Write),
        // The files the patch names, under the working directory.
        None if p.values_of(&["-o", "--output"]).next().is_none() => {
            e.add(Access::Write, ".", None)
        }
        None => {}
    }
    if let Some(&k) = p.operands.get(1) {
        e.operand(p, k, Access::Read);
    }
}

/// Which tar mode the first word or the options select.
fn tar_mode(p: &Parsed<'_>) -> Option<char> {
    // Old style: the first word is a bundle without a dash (`tar czf out.tgz dir`).
    let first = p.words.first().map(|w| w.text.as_str()).unwrap_or("");
    let old = if first.starts_with('-') { "" } else { first };
    for c in old.chars().chain(p.shorts.chars()) {
        if matches!(c, 'c' | 'x' | 't' | 'r' | 'u' | 'A') {
            return Some(c);
        }
    }
    for (long, mode) in [
        ("create", 'c'),
        ("extract", 'x'),
        ("get", 'x'),
        ("list", 't'),
        ("append", 'r'),
        ("update", 'u'),
    ] {
        if p.longs.contains(&long) {
            return Some(mode);
        }
    }
    None
}

/// `tar`: create reads the operands recursively and writes the archive; extract reads the
/// archive and writes into `-C DIR` (or the working directory); list reads the archive.
pub(super) fn tar(p: &Parsed<'_>, e: &mut Effects) {
    let first = p.words.first().map(|w| w.text.as_str()).unwrap_or("");
    let old_style = !first.starts_with('-') && !first.is_empty();
    let mut operands: Vec<usize> = p.operands.clone();
    let mut archive: Option<(String, usize)> = p
        .values_of(&["-f", "--file"])
        .last()
        .map(|(v, k)| (v.to_owned(), k));
    if old_style {
        operands.retain(|&k| k != 0);
        // `tar czf out.tgz dir`: the `f` of the bundle takes the next operand.
        if first.contains('f') && archive.is_none() {
            if let Some(pos) = operands.first().copied() {
                archive = Some((p.words[pos].text.clone(), pos));
                operands.remove(0);
            }
        }
    }
    let dir = p
        .values_of(&["-C", "--directory"])
        .last()
        .map(|(v, k)| (v.to_owned(), k));
    match tar_mode(p) {
        Some('c' | 'r' | 'u') => {
            if let Some((file, k)) = &archive {
                e.add(Access::Write, file, Some(*k));
            }
            for k in operands {
                let text = p.words[k].text.clone();
                match &dir {
                    Some((d, _)) if !text.starts_with('/') => {
                        e.add(Access::RecursiveRead, &format!("{d}/{text}"), Some(k))
                    }
                    _ => e.add(Access::RecursiveRead, &text, Some(k)),
                }
            }
        }
        Some('x') => {
            if let Some((file, k)) = &archive {
                e.add(Access::Read, file, Some(*k));
            }
            match &dir {
                Some((d, k)) => e.add(Access::Write, d, Some(*k)),
                None => e.add(Access::Write, ".", None),
            }
        }
        Some(_) => {
            if let Some((file, k)) = &archive {
                e.add(Access::Read, file, Some(*k));
            }
        }
        None => {}
    }
}

/// `zip [-r] OUT.zip FILE...`, `7z a OUT.7z FILE...`, `7z x IN.7z [-oDIR]`.
pub(super) fn zip(p: &Parsed<'_>, e: &mut Effects) {
    let mut ops = p.operands.iter().copied();
    let first = ops.clone().next().map(|k| p.words[k].text.as_str());
    let seven = matches!(first, Some("a" | "u" | "x" | "e" | "l" | "t" | "d"));
    if seven {
        ops.next();
    }
    let extract = matches!(first, Some("x" | "e"));
    let Some(archive) = ops.next() else { return };
    if matches!(first, Some("l" | "t")) && seven {
        e.operand(p, archive, Access::Read);
        return;
    }
    if extract {
        e.operand(p, archive, Access::Read);
        let out = p
            .words
            .iter()
            .find_map(|w| w.text.strip_prefix("-o").filter(|d| !d.is_empty()));
        e.add(Access::Write, out.unwrap_or("."), None);
        return;
    }
    e.operand(p, archive, Access::Write);
    let read = if seven || p.has(&["-r", "-R", "--recurse-paths"]) {
        Access::RecursiveRead
    } else {
        Access::Read
    };
    for k in ops {
        e.operand(p, k, read);
    }
}

/// `unzip ARCHIVE [-d DIR]`.
pub(super) fn unzip(p: &Parsed<'_>, e: &mut Effects) {
    if let Some(&k) = p.operands.first() {
        e.operand(p, k, Access::Read);
    }
    let listing = p.has(&["-l"]) || p.has(&["-t"]) || p.has(&["-v"]) || p.has(&["-Z"]);
    if listing {
        return;
    }
    match p.values_of(&["-d"]).last() {
        Some((dir, k)) => e.add(Access::Write, dir, Some(k)),
        None => e.add(Access::Write, ".", None),
    }
}

/// `gzip FILE` replaces FILE by FILE.gz (reads and deletes it unless `-k`/`-c`/`-l`/`-t`).
pub(super) fn compress(p: &Parsed<'_>, e: &mut Effects) {
    let keeps = p.has(&["-k"])
        || p.has(&["-c"])
        || p.has(&["-l"])
        || p.has(&["-t"])
        || p.has(&["--keep"])
        || p.has(&["--stdout"])
        || p.has(&["--list"])
        || p.has(&["--test"]);
    for &k in &p.operands {
        e.operand(p, k, Access::Read);
        if !keeps {
            e.operand(p, k, Access::Write);
            e.operand(p, k, Access::Delete);
        }
    }
}

/// `rsync SRC... DEST`: sources read recursively (with `-r`/`-a`), the destination written;
/// `--delete*` deletes in the destination recursively, `--remove-source-files` deletes the
/// sources. `host:path` sides are remote: a local source sent to a remote destination is an
/// upload.
pub(super) fn rsync(p: &Parsed<'_>, e: &mut Effects) {
    let Some((&last, sources)) = p.operands.split_last() else {
        return;
    };
    let remote = |k: usize| is_remote(&p.words[k].text);
    let recursive =
        p.has(&["-r"]) || p.has(&["-a"]) || p.has(&["--recursive"]) || p.has(&["--archive"]);
    let read = if recursive {
        Access::RecursiveRead
    } else {
        Access::Read
    };
    let deletes = p
        .longs
        .iter()
        .any(|l| l.starts_with("delete") || *l == "del");
    let removes_sources = p.longs.contains(&"remove-source-files");
    if p.has(&["-n"]) || p.has(&["--dry-run"]) {
        // A dry run only reads the sources.
        for &k in sources.iter().filter(|&&k| !remote(k)) {
            e.operand(p, k, read);
        }
        return;
    }
    for &k in sources {
        if remote(k) {
            continue;
        }
        e.operand(p, k, read);
        if remote(last) {
            e.operand(p, k, Access::Upload);
        }
        if removes_sources {
            e.operand(p, k, Access::Delete);
        }
    }
    if !remote(last) && !sources.is_empty() {
        e.operand(p, last, Access::Write);
        if deletes {
            e.operand(p, last, Access::RecursiveDelete);
        }
    }
}

/// `scp [-r] SRC... DEST`: local sources sent to a remote destination are uploads; a local
/// destination of remote sources is written.
pub(super) fn scp(p: &Parsed<'_>, e: &mut Effects) {
    let Some((&last, sources)) = p.operands.split_last() else {
        return;
    };
    let remote = |k: usize| is_remote(&p.words[k].text);
    let read = if p.has(&["-r"]) {
        Access::RecursiveRead
    } else {
        Access::Read
    };
    for &k in sources {
        if !remote(k) {
            e.operand(p, k, read);
            if remote(last) {
                e.operand(p, k, Access::Upload);
            }
        }
    }
    if !remote(last) && !sources.is_empty() {
        e.operand(p, last, Access::Write);
    }
}

/// `host:path`, `user@host:path` (not `./a:b`, not `/x:y`, not `C:\x`).
fn is_remote(text: &str) -> bool {
    match text.split_once(':') {
        Some((host, _)) => {
            !host.is_empty() && !host.contains('/') && host.len() > 1 && !text.contains("://")
        }
        None => false,
    }
}

/// `git`: `-C DIR` (handled by the table), `clean -f` deletes the work tree's untracked
/// files recursively, `rm` deletes its operands, `checkout -- PATHS`, `restore PATHS` and
/// `reset --hard` overwrite files, `apply`/`am` write.
pub(super) fn git(p: &Parsed<'_>, e: &mut Effects) {
    let Some((sub_at, sub)) = p
        .operands
        .iter()
        .map(|&k| (k, p.words[k].text.as_str()))
        .next()
    else {
        return;
    };
    let rest = p.words.get(sub_at + 1..).unwrap_or_default();
    let sub_parsed = super::parse(
        rest,
        super::Syntax {
            short_values: "meFbBoC",
            long_values: &["message", "exclude", "file"],
        },
    );
    let operand = |i: usize| {
        sub_parsed
            .operands
            .get(i)
            .map(|&k| (&rest[k].text, sub_at + 1 + k))
    };
    match sub {
        "clean" => {
            let dry = sub_parsed.has(&["-n"]) || sub_parsed.has(&["--dry-run"]);
            let force = sub_parsed.has(&["-f"]) || sub_parsed.has(&["--force"]);
            if force && !dry {
                if sub_parsed.operands.is_empty() {
                    e.add(Access::RecursiveDelete, ".", None);
                }
                for i in 0..sub_parsed.operands.len() {
                    if let Some((text, k)) = operand(i) {
                        e.add(Access::RecursiveDelete, text, Some(k));
                    }
                }
            }
        }
        "rm" => {
            let cached = sub_parsed.longs.contains(&"cached");
            if !cached {
                let access = if sub_parsed.has(&["-r"]) {
                    Access::RecursiveDelete
                } else {
                    Access::Delete
                };
                for i in 0..sub_parsed.operands.len() {
                    if let Some((text, k)) = operand(i) {
                        e.add(access, text, Some(k));
                    }
                }
            }
        }
        "checkout" | "restore" => {
            let after_dashes = rest.iter().position(|w| w.text == "--");
            let paths: Vec<(String, usize)> = match after_dashes {
                Some(at) => rest[at + 1..]
                    .iter()
                    .enumerate()
                    .map(|(i, w)| (w.text.clone(), sub_at + 1 + at + 1 + i))
                    .collect(),
                // `git restore --staged` changes the index only.
                None if sub == "restore" && restores_worktree(&sub_parsed) => {
                    (0..sub_parsed.operands.len())
                        .filter_map(|i| operand(i).map(|(t, k)| (t.clone(), k)))
                        .collect()
                }
                None => Vec::new(),
            };
            for (text, k) in paths {
                e.add(Access::Write, &text, Some(k));
            }
        }
        "reset" if sub_parsed.longs.contains(&"hard") => e.add(Access::Write, ".", None),
        // `git show REV:PATH`, `git cat-file -p REV:PATH`: the file's content at REV is read.
        "show" | "cat-file" => {
            for i in 0..sub_parsed.operands.len() {
                if let Some((text, k)) = operand(i) {
                    let path = text
                        .split_once(':')
                        .map(|(_, p)| p)
                        .filter(|p| !p.is_empty());
                    if let Some(path) = path.filter(|_| !text.contains("://")) {
                        e.add(Access::Read, path, Some(k));
                    }
                }
            }
        }
        "clone" => {
            // `git clone URL [DIR]`: the directory is written (named after the URL without DIR).
            let url = operand(0).map(|(t, _)| t.clone());
            match (operand(1), url) {
                (Some((dir, k)), _) => e.add(Access::Write, dir, Some(k)),
                (None, Some(url)) => {
                    let name = url
                        .trim_end_matches('/')
                        .rsplit(['/', ':'])
                        .next()
                        .unwrap_or("");
                    let name = name.strip_suffix(".git").unwrap_or(name);
                    if !name.is_empty() {
                        e.add(Access::Write, name, None);
                    }
                }
                _ => {}
            }
        }
        "apply" | "am" => {
            for i in 0..sub_parsed.operands.len() {
                if let Some((text, k)) = operand(i) {
                    e.add(Access::Read, text, Some(k));
                }
            }
            let check = sub_parsed
                .longs
                .iter()
                .any(|l| matches!(*l, "check" | "stat" | "numstat" | "summary" | "cached"));
            if !check {
                e.add(Access::Write, ".", None);
            }
        }
        "mv" => {
            let n = sub_parsed.operands.len();
            for i in 0..n {
                if let Some((text, k)) = operand(i) {
                    if i + 1 == n {
                        e.add(Access::Write, text, Some(k));
                    } else {
                        e.add(Access::Read, text, Some(k));
                        e.add(Access::Delete, text, Some(k));
                    }
                }
            }
        }
        _ => {}
    }
}

/// `curl`: `-o FILE` written, `-d @FILE` / `--data-binary @FILE` / `-F name=@FILE` /
/// `-T FILE` / `--json @FILE` uploaded, `-K FILE` read.
pub(super) fn curl(p: &Parsed<'_>, e: &mut Effects) {
    if p.has(&["-O"]) || p.longs.iter().any(|l| l.starts_with("remote-name")) {
        for &k in &p.operands {
            let url = p.words[k].text.as_str();
            if let Some((_, rest)) = url.split_once("://") {
                let path = rest.split(['?', '#']).next().unwrap_or("");
                if let Some(name) = path
                    .rsplit('/')
                    .next()
                    .filter(|n| !n.is_empty() && path.contains('/'))
                {
                    e.add(Access::Write, name, Some(k));
                }
            }
        }
    }
    for (file, k) in p.values_of(&[
        "-o",
        "--output",
        "-c",
        "--cookie-jar",
        "-D",
        "--dump-header",
        "--trace",
        "--trace-ascii",
    ]) {
        e.add(Access::Write, file, Some(k));
    }
    for (file, k) in p.values_of(&[
        "-K",
        "--config",
        "--netrc-file",
        "--cacert",
        "--cert",
        "--key",
    ]) {
        e.add(Access::Read, file, Some(k));
    }
    for (value, k) in p.values_of(&[
        "-d",
        "--data",
        "--data-binary",
        "--data-ascii",
        "--data-urlencode",
        "--json",
    ]) {
        let file = value
            .strip_prefix('@')
            .or_else(|| value.split_once("=@").map(|(_, f)| f))
            .or_else(|| value.strip_prefix("@"));
        if let Some(file) = file {
            e.add(Access::Read, file, Some(k));
            e.add(Access::Upload, file, Some(k));
        }
    }
    for (value, k) in p.values_of(&["-F", "--form"]) {
        if let Some((_, rest)) = value.split_once(['@', '<']) {
            let file = rest.split(';').next().unwrap_or("");
            e.add(Access::Read, file, Some(k));
            e.add(Access::Upload, file, Some(k));
        }
    }
    for (file, k) in p.values_of(&["-T", "--upload-file"]) {
        e.add(Access::Read, file, Some(k));
        e.add(Access::Upload, file, Some(k));
    }
}

/// `wget`: `-O FILE` / `-P DIR` written, `--post-file` / `--body-file` uploaded, `-i FILE`
/// read.
pub(super) fn wget(p: &Parsed<'_>, e: &mut Effects) {
    let named = p.values_of(&["-O", "--output-document"]).next().is_some();
    if !named {
        // Without -O the file is named after the URL's last path segment, in -P DIR.
        let dir = p
            .values_of(&["-P", "--directory-prefix"])
            .last()
            .map(|(d, _)| d);
        for &k in &p.operands {
            let url = p.words[k].text.as_str();
            let Some((_, rest)) = url.split_once("://") else {
                continue;
            };
            let path = rest.split(['?', '#']).next().unwrap_or("");
            let name = match path.split_once('/') {
                Some((_, tail)) => tail.rsplit('/').next().unwrap_or(""),
                None => "",
            };
            let name = if name.is_empty() { "index.html" } else { name };
            match dir {
                Some(d) => e.add(Access::Write, &format!("{d}/{name}"), Some(k)),
                None => e.add(Access::Write, name, Some(k)),
            }
        }
    }
    for (file, k) in p.values_of(&[
        "-O",
        "--output-document",
        "-o",
        "--output-file",
        "-a",
        "--append-output",
        "-P",
        "--directory-prefix",
        "--save-cookies",
    ]) {
        e.add(Access::Write, file, Some(k));
    }
    for (file, k) in p.values_of(&["-i", "--input-file", "--load-cookies"]) {
        e.add(Access::Read, file, Some(k));
    }
    for (file, k) in p.values_of(&["--post-file", "--body-file"]) {
        e.add(Access::Read, file, Some(k));
        e.add(Access::Upload, file, Some(k));
    }
}

/// HTTPie / xh: `field@FILE`, `field=@FILE`, `field:=@FILE` upload files; `@FILE` alone is
/// the body.
pub(super) fn httpie(p: &Parsed<'_>, e: &mut Effects) {
    for (file, k) in p.values_of(&["-o", "--output"]) {
        e.add(Access::Write, file, Some(k));
    }
    for &k in p.operands.iter().skip(1) {
        let text = p.words[k].text.as_str();
        let file = text
            .strip_prefix('@')
            .or_else(|| text.split_once("=@").map(|(_, f)| f))
            .or_else(|| text.split_once(":=@").map(|(_, f)| f))
            .or_else(|| {
                text.split_once('@')
                    .filter(|(name, _)| !name.contains(['/', ':']) && !name.is_empty())
                    .map(|(_, f)| f)
            });
        if let Some(file) = file {
            e.add(Access::Read, file, Some(k));
            e.add(Access::Upload, file, Some(k));
        }
    }
}

/// `gh gist create FILE...`, `gh release upload TAG FILE...`, `gh release create TAG FILE...`:
/// the files are uploaded.
pub(super) fn gh(p: &Parsed<'_>, e: &mut Effects) {
    let ops: Vec<usize> = p.operands.clone();
    let words = |i: usize| ops.get(i).map(|&k| p.words[k].text.as_str());
    let files_from = match (words(0), words(1)) {
        (Some("gist"), Some("create" | "new")) => 2,
        (Some("gist"), Some("edit")) => 3,
        (Some("release"), Some("create" | "upload")) => 3,
        _ => return,
    };
    for &k in ops.iter().skip(files_from) {
        e.operand(p, k, Access::Read);
        e.operand(p, k, Access::Upload);
    }
}

/// `aria2c -o FILE [-d DIR] URL`: the file is written (a download).
pub(super) fn aria2c(p: &Parsed<'_>, e: &mut Effects) {
    let dir = p.values_of(&["-d", "--dir"]).last().map(|(d, _)| d);
    for (file, k) in p.values_of(&["-o", "--out"]) {
        match dir {
            Some(d) if !file.starts_with('/') => {
                e.add(Access::Write, &format!("{d}/{file}"), Some(k))
            }
            _ => e.add(Access::Write, file, Some(k)),
        }
    }
}

/// `make [-C DIR] [-f FILE]`: the makefile is run; a `-C` directory is written (its
/// targets build and clean there).
pub(super) fn make(p: &Parsed<'_>, e: &mut Effects) {
    if p.values_of(&["-C", "--directory"]).next().is_some() {
        e.add(Access::Write, ".", None);
    }
    for (file, k) in p.values_of(&["-f", "--file", "--makefile"]) {
        e.add(Access::Exec, file, Some(k));
    }
}

/// `sort FILE... [-o OUT]`: the files are read, the output written.
pub(super) fn sort(p: &Parsed<'_>, e: &mut Effects) {
    for &k in &p.operands {
        e.operand(p, k, Access::Read);
    }
    for (file, k) in p.values_of(&["-o", "--output"]) {
        e.add(Access::Write, file, Some(k));
    }
}

/// `find ROOT... EXPR`: the roots (the words before the first expression word) are read
/// recursively; `-delete`, or an `-exec`/`-execdir`/`-ok` of rm, shred or unlink, deletes
/// what they hold (the roots count as recursively deleted).
pub(super) fn find(p: &Parsed<'_>, e: &mut Effects) {
    let words = p.words;
    let first_expr = words
        .iter()
        .position(|w| w.text.starts_with('-') || matches!(w.text.as_str(), "(" | "!" | ")"))
        .unwrap_or(words.len());
    let roots: Vec<usize> = (0..first_expr)
        .filter(|&k| !words[k].text.is_empty())
        .collect();
    let expr = &words[first_expr..];
    // `find . -name -delete` names a file `-delete`: the value of a test is not an action.
    let is_value = |i: usize| {
        i.checked_sub(1)
            .and_then(|j| expr.get(j))
            .is_some_and(|prev| FIND_VALUE_TESTS.contains(&prev.text.as_str()))
    };
    let deletes = expr.iter().enumerate().any(|(i, w)| {
        (w.text == "-delete" && !is_value(i))
            || (matches!(w.text.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir")
                && expr.get(i + 1).is_some_and(|cmd| {
                    let name = cmd.text.rsplit('/').next().unwrap_or("");
                    matches!(name, "rm" | "shred" | "unlink" | "srm" | "rmdir")
                }))
    });
    let roots = if roots.is_empty() {
        vec![usize::MAX]
    } else {
        roots
    };
    for k in roots {
        let path = words.get(k).map_or(".", |w| w.text.as_str());
        let arg = (k != usize::MAX).then_some(k);
        e.add(Access::RecursiveRead, path, arg);
        if deletes {
            e.add(Access::RecursiveDelete, path, arg);
        }
    }
}

/// `python -m http.server [PORT] [-d DIR | --directory DIR]` (also `SimpleHTTPServer`):
/// the directory (the working directory by default) is served.
pub(super) fn python(p: &Parsed<'_>, e: &mut Effects) {
    let words = p.words;
    let Some(m) = words.iter().position(|w| w.text == "-m") else {
        return;
    };
    let module = words.get(m + 1).map(|w| w.text.as_str());
    if !matches!(
        module,
        Some("http.server" | "SimpleHTTPServer" | "RangeHTTPServer")
    ) {
        return;
    }
    let rest = &words[m + 2..];
    let mut dir: Option<(String, usize)> = None;
    let mut k = 0;
    while k < rest.len() {
        let t = rest[k].text.as_str();
        if t == "-d" || t == "--directory" {
            dir = rest.get(k + 1).map(|w| (w.text.clone(), m + 3 + k));
            k += 2;
            continue;
        }
        if let Some(d) = t.strip_prefix("--directory=") {
            dir = Some((d.to_owned(), m + 2 + k));
        }
        if t == "-b" || t == "--bind" || t == "-p" || t == "--protocol" {
            k += 2;
            continue;
        }
        k += 1;
    }
    match dir {
        Some((d, k)) => e.add(Access::Serve, &d, Some(k)),
        None => e.add(Access::Serve, ".", None),
    }
}

/// `ruby -run -e httpd [DIR] [-p PORT] [-b ADDR]` (the `un` library's web server): the
/// directory (the working directory by default) is served. Otherwise a one-liner: `-i`
/// edits the files after the code in place.
pub(super) fn ruby(p: &Parsed<'_>, e: &mut Effects) {
    let words = p.words;
    let Some(at) = words
        .windows(3)
        .position(|w| w[0].text == "-run" && w[1].text == "-e" && w[2].text == "httpd")
    else {
        let one_liner = super::Shape::PatternThenRead {
            given_by: &["-e", "-E"],
            recursive: &[],
            in_place: &["-i"],
        };
        super::apply(one_liner, p, e);
        return;
    };
    let rest = &words[at + 3..];
    let mut k = 0;
    while k < rest.len() {
        let t = rest[k].text.as_str();
        if matches!(t, "-p" | "--port" | "-b" | "--bind-address") {
            k += 2;
            continue;
        }
        if !t.starts_with('-') {
            e.add(Access::Serve, t, Some(at + 3 + k));
            return;
        }
        k += 1;
    }
    e.add(Access::Serve, ".", None);
}

/// `docker run|create -v SRC:DST[:ro]` (also `--volume`, `--mount type=bind,source=SRC`): a
/// host directory mounted into a container is read below it, and written unless read-only.
pub(super) fn container_mounts(p: &Parsed<'_>, e: &mut Effects) {
    let words = p.words;
    let Some(at) = words.iter().position(|w| !w.text.starts_with('-')) else {
        return;
    };
    let sub = words[at].text.as_str();
    let at = match sub {
        "run" | "create" => at,
        "container"
            if matches!(
                words.get(at + 1).map(|w| w.text.as_str()),
                Some("run" | "create")
            ) =>
        {
            at + 1
        }
        _ => return,
    };
    let mut k = at + 1;
    while k < words.len() {
        let t = words[k].text.as_str();
        let (value, index) = match t {
            "-v" | "--volume" | "--mount" => (words.get(k + 1).map(|w| w.text.as_str()), k + 1),
            _ => match t
                .strip_prefix("--volume=")
                .or_else(|| t.strip_prefix("--mount="))
                .or_else(|| t.strip_prefix("-v").filter(|v| !v.is_empty()))
            {
                Some(v) => (Some(v), k),
                None => {
                    // The image: the rest is the container's command.
                    if !t.starts_with('-') && k > at + 1 && !words[k - 1].text.starts_with('-') {
                        break;
                    }
                    k += 1;
                    continue;
                }
            },
        };
        if let Some(spec) = value {
            mount(spec, index, e);
        }
        k = index + 1;
    }
}

/// One mount specification: `SRC:DST[:OPTS]` or `type=bind,source=SRC,...`.
fn mount(spec: &str, arg: usize, e: &mut Effects) {
    let (source, read_only) = if spec.contains("source=") || spec.contains("src=") {
        let fields: Vec<&str> = spec.split(',').collect();
        let source = fields
            .iter()
            .find_map(|f| f.strip_prefix("source=").or_else(|| f.strip_prefix("src=")));
        let read_only = fields
            .iter()
            .any(|f| matches!(*f, "readonly" | "ro" | "readonly=true" | "ro=true"));
        (source, read_only)
    } else {
        let mut parts = spec.split(':');
        let source = parts.next();
        let read_only = spec
            .split(':')
            .nth(2)
            .is_some_and(|o| o.split(',').any(|o| o == "ro"));
        (source, read_only)
    };
    // A named volume (`data:/var/lib/x`) is not a host path.
    let Some(source) = source.filter(|s| s.starts_with(['/', '.', '~', '$'])) else {
        return;
    };
    e.add(Access::RecursiveRead, source, Some(arg));
    if !read_only {
        e.add(Access::Write, source, Some(arg));
    }
}

/// `locate NAME`, `mdfind NAME`: the names of the whole disk are searched.
pub(super) fn whole_disk(_: &Parsed<'_>, e: &mut Effects) {
    e.add(Access::RecursiveRead, "/", None);
}

/// `php -S ADDR [-t DIR]`: the document root (the working directory by default) is served.
pub(super) fn php(p: &Parsed<'_>, e: &mut Effects) {
    if p.values_of(&["-S"]).next().is_none() {
        return;
    }
    match p.values_of(&["-t"]).last() {
        Some((d, k)) => e.add(Access::Serve, d, Some(k)),
        None => e.add(Access::Serve, ".", None),
    }
}

/// `http-server [DIR]`, `serve [DIR]`, `httpd -h DIR`: the directory is served.
pub(super) fn static_server(p: &Parsed<'_>, e: &mut Effects) {
    if let Some((d, k)) = p.values_of(&["-h"]).last() {
        e.add(Access::Serve, d, Some(k));
        return;
    }
    match p.operands.first() {
        Some(&k) if !p.words[k].text.contains("://") => e.operand(p, k, Access::Serve),
        _ => e.add(Access::Serve, ".", None),
    }
}

/// find tests and options that take a value.
const FIND_VALUE_TESTS: &[&str] = &[
    "-name",
    "-iname",
    "-path",
    "-ipath",
    "-wholename",
    "-iwholename",
    "-regex",
    "-iregex",
    "-lname",
    "-ilname",
    "-type",
    "-xtype",
    "-user",
    "-group",
    "-perm",
    "-size",
    "-newer",
    "-anewer",
    "-cnewer",
    "-mtime",
    "-atime",
    "-ctime",
    "-mmin",
    "-amin",
    "-cmin",
    "-maxdepth",
    "-mindepth",
    "-fprint",
    "-fprint0",
    "-fprintf",
    "-fls",
    "-printf",
    "-samefile",
    "-inum",
    "-links",
    "-uid",
    "-gid",
    "-fstype",
    "-context",
    "-regextype",
    "-used",
    "-newermt",
];

/// `xclip [-selection S] [-target T] FILE...` (X11 options take one dash).
pub(super) fn xclip(p: &Parsed<'_>, e: &mut Effects) {
    let mut skip = false;
    for (k, w) in p.words.iter().enumerate() {
        let text = w.text.as_str();
        if skip {
            skip = false;
            continue;
        }
        if matches!(
            text,
            "-selection" | "-sel" | "-display" | "-d" | "-target" | "-t" | "-loops" | "-l"
        ) {
            skip = true;
            continue;
        }
        if !text.starts_with('-') {
            e.add(Access::Read, text, Some(k));
        }
    }
}

/// A chmod-style mode written with a leading dash (`-x`, `-rw`, `-w`).
fn dash_mode(text: &str, letters: &str) -> bool {
    text.strip_prefix('-')
        .is_some_and(|m| !m.is_empty() && m.chars().all(|c| letters.contains(c)))
}

/// `chmod [-R] MODE FILE...`, the mode possibly `-x`.
pub(super) fn chmod(p: &Parsed<'_>, e: &mut Effects) {
    mode_then_files(p, e, "rwxXstugoa=+-,0123456789", "--reference");
}

/// `chattr [-R] [+-=]ATTRS FILE...`.
pub(super) fn chattr(p: &Parsed<'_>, e: &mut Effects) {
    mode_then_files(p, e, "aAcCdDeEFijmPsStTux", "");
}

/// The first word that is not an option (or a dash mode) is the mode; the rest change.
fn mode_then_files(p: &Parsed<'_>, e: &mut Effects, letters: &str, reference: &str) {
    let by_reference =
        !reference.is_empty() && p.words.iter().any(|w| w.text.starts_with(reference));
    let mut mode_seen = by_reference;
    let mut options = true;
    for (k, w) in p.words.iter().enumerate() {
        let text = w.text.as_str();
        if options && text == "--" {
            options = false;
            continue;
        }
        let dash = options && text.starts_with('-') && text.len() > 1;
        if dash && !(dash_mode(text, letters) && !mode_seen && text != "-R") {
            continue;
        }
        if !mode_seen {
            mode_seen = true;
            continue;
        }
        e.add(Access::Chmod, text, Some(k));
    }
}

/// `setfacl -m ACL FILE...`, `xattr -w NAME VALUE FILE`: every operand changes.
pub(super) fn acl(p: &Parsed<'_>, e: &mut Effects) {
    for &k in &p.operands {
        e.operand(p, k, Access::Chmod);
    }
}

/// `zstd FILE`, `lz4 FILE`: the input is kept unless `--rm`; `-o OUT` written.
pub(super) fn compress_keeping(p: &Parsed<'_>, e: &mut Effects) {
    let removes = p.longs.contains(&"rm");
    let listing = p.has(&["-l"]) || p.has(&["-t"]) || p.has(&["--list"]) || p.has(&["--test"]);
    for &k in &p.operands {
        e.operand(p, k, Access::Read);
        if removes && !listing {
            e.operand(p, k, Access::Write);
            e.operand(p, k, Access::Delete);
        }
    }
    for (file, k) in p.values_of(&["-o", "--output"]) {
        e.add(Access::Write, file, Some(k));
    }
}

/// `perl [-pi] -e CODE FILE...`: with inline code the operands are input files, edited in
/// place with `-i`. Without it the first operand is the script (see `interpreters`).
pub(super) fn perl(p: &Parsed<'_>, e: &mut Effects) {
    if p.values_of(&["-e", "-E"]).next().is_none() {
        return;
    }
    let in_place = p.has(&["-i"]);
    for &k in &p.operands {
        e.operand(p, k, Access::Read);
        if in_place {
            e.operand(p, k, Access::Write);
        }
    }
}

/// Editors: every file operand is read and written; `+N` / `+CMD` operands are commands.
pub(super) fn editor(p: &Parsed<'_>, e: &mut Effects) {
    for &k in &p.operands {
        if p.words[k].text.starts_with('+') {
            continue;
        }
        e.operand(p, k, Access::Read);
        e.operand(p, k, Access::Write);
    }
}

/// `git restore` writes the work tree unless only `--staged` is given.
fn restores_worktree(p: &Parsed<'_>) -> bool {
    let staged = p.has(&["-S"]) || p.longs.contains(&"staged");
    let worktree = p.has(&["-W"]) || p.longs.contains(&"worktree");
    !staged || worktree
}
