//! The program table: one entry per family, each with its option syntax and the shape of
//! its operands. A program not listed here has no file effects beyond its redirections.

use super::custom;
use super::{Shape, Spec, Syntax};

const NONE: Syntax = Syntax {
    short_values: "",
    long_values: &[],
};

const fn spec(names: &'static [&'static str], syntax: Syntax, shape: Shape) -> Spec {
    Spec {
        names,
        syntax,
        shape,
        dir_options: &[],
    }
}

/// The table, by family.
const TABLE: &[Spec] = &[
    // Readers: print, encode, hash, compare or page the files named.
    spec(
        &[
            "cat",
            "tac",
            "nl",
            "less",
            "more",
            "most",
            "bat",
            "batcat",
            "view",
            "hexdump",
            "hd",
            "base32",
            "basenc",
            "uuencode",
            "uniq",
            "wc",
            "md5sum",
            "sha1sum",
            "sha256sum",
            "sha512sum",
            "b2sum",
            "cksum",
            "sum",
            "diff",
            "cmp",
            "comm",
            "paste",
            "column",
            "fmt",
            "rev",
            "iconv",
            "expand",
            "unexpand",
            "pr",
            "look",
            "file",
            "zcat",
            "bzcat",
            "xzcat",
            "zstdcat",
            "zless",
            "zmore",
            "lzcat",
            "gpg",
            "gpg2",
            "age",
            "join",
            "xsel",
            "pbcopy",
            "wl-copy",
            "shasum",
        ],
        Syntax {
            short_values: "",
            long_values: &[
                "output",
                "recipient",
                "local-user",
                "language",
                "from-code",
                "to-code",
            ],
        },
        Shape::Read,
    ),
    spec(
        &["cut"],
        Syntax {
            short_values: "dfcb",
            long_values: &[
                "delimiter",
                "fields",
                "characters",
                "bytes",
                "output-delimiter",
            ],
        },
        Shape::Read,
    ),
    spec(
        &["sort"],
        Syntax {
            short_values: "ktoSTy",
            long_values: &[
                "key",
                "field-separator",
                "output",
                "buffer-size",
                "temporary-directory",
            ],
        },
        Shape::Custom(custom::sort),
    ),
    spec(
        &["xxd", "base64", "strings", "fold", "split", "csplit"],
        Syntax {
            short_values: "tjNwcglsonabe",
            long_values: &[
                "address-radix",
                "format",
                "skip-bytes",
                "read-bytes",
                "width",
                "bytes",
                "lines",
                "wrap",
            ],
        },
        Shape::Read,
    ),
    spec(
        &["od"],
        Syntax {
            short_values: "AjNSt",
            long_values: &[
                "address-radix",
                "format",
                "skip-bytes",
                "read-bytes",
                "strings",
            ],
        },
        Shape::Read,
    ),
    spec(&["xclip"], NONE, Shape::Custom(custom::xclip)),
    spec(
        &["head", "tail"],
        Syntax {
            short_values: "ncs",
            long_values: &["lines", "bytes", "sleep-interval", "pid"],
        },
        Shape::Read,
    ),
    // Searchers: the first operand is the pattern unless an option gives it.
    spec(
        &["grep", "egrep", "fgrep", "zgrep", "ggrep"],
        Syntax {
            short_values: "efABCmd",
            long_values: &[
                "regexp",
                "file",
                "after-context",
                "before-context",
                "context",
                "max-count",
                "include",
                "exclude",
                "exclude-dir",
                "label",
                "color",
                "colour",
                "directories",
            ],
        },
        Shape::PatternThenRead {
            given_by: &["-e", "-f", "--regexp", "--file"],
            recursive: &["-r", "-R", "--recursive", "--dereference-recursive"],
            in_place: &[],
        },
    ),
    spec(
        &["rg", "ag", "ack", "ugrep", "pt", "sift"],
        Syntax {
            short_values: "efgtTABCmjMEr",
            long_values: &[
                "regexp",
                "file",
                "glob",
                "type",
                "type-not",
                "after-context",
                "before-context",
                "context",
                "max-count",
                "threads",
                "max-columns",
                "encoding",
                "replace",
                "max-depth",
                "iglob",
                "pre",
            ],
        },
        Shape::PatternThenRead {
            given_by: &["-e", "-f", "--regexp", "--file", "--files"],
            // These search directories recursively by default.
            recursive: super::ALWAYS,
            in_place: &[],
        },
    ),
    spec(
        &["sed", "gsed"],
        Syntax {
            short_values: "efl",
            long_values: &["expression", "file", "line-length"],
        },
        Shape::PatternThenRead {
            given_by: &["-e", "-f", "--expression", "--file"],
            recursive: &[],
            in_place: &["-i", "--in-place", "-I"],
        },
    ),
    spec(
        &["awk", "gawk", "mawk", "nawk"],
        Syntax {
            short_values: "fvF",
            long_values: &["file", "assign", "field-separator", "include", "load"],
        },
        Shape::PatternThenRead {
            given_by: &["-f", "--file"],
            recursive: &[],
            in_place: &["--inplace"],
        },
    ),
    spec(
        &["jq", "yq", "gojq", "jaq"],
        Syntax {
            short_values: "fL",
            long_values: &[
                "from-file",
                "arg",
                "argjson",
                "slurpfile",
                "rawfile",
                "indent",
            ],
        },
        Shape::PatternThenRead {
            given_by: &["-f", "--from-file"],
            recursive: &[],
            in_place: &["-i", "--inplace"],
        },
    ),
    // Perl and Ruby one-liners: `-i` edits the files after the code in place.
    spec(
        &["ruby"],
        Syntax {
            short_values: "eEIMmrCxd",
            long_values: &[],
        },
        Shape::Custom(custom::ruby),
    ),
    spec(
        &["aria2c"],
        Syntax {
            short_values: "odix",
            long_values: &["out", "dir", "input-file"],
        },
        Shape::Custom(custom::aria2c),
    ),
    // Deleters.
    spec(
        &["rm", "srm", "trash", "trash-put", "gio-trash"],
        Syntax {
            short_values: "",
            long_values: &[],
        },
        Shape::Delete {
            recursive: &["-r", "-R", "--recursive"],
        },
    ),
    spec(&["rmdir", "unlink"], NONE, Shape::Delete { recursive: &[] }),
    spec(
        &["shred", "wipe"],
        Syntax {
            short_values: "nsx",
            long_values: &["iterations", "size", "random-source"],
        },
        Shape::Custom(custom::shred),
    ),
    // Writers.
    spec(
        &["touch", "mkdir", "mkfifo", "mknod"],
        Syntax {
            short_values: "drtm",
            long_values: &["reference", "date", "time", "mode"],
        },
        Shape::Write,
    ),
    spec(
        &["truncate", "fallocate"],
        Syntax {
            short_values: "sorl",
            long_values: &["size", "reference", "offset", "length"],
        },
        Shape::Write,
    ),
    spec(
        &["tee"],
        Syntax {
            short_values: "",
            long_values: &["output-error"],
        },
        Shape::Write,
    ),
    spec(
        &[
            "vi", "vim", "nvim", "nano", "emacs", "ed", "ex", "micro", "joe", "pico", "code",
            "subl",
        ],
        Syntax {
            short_values: "cuUiTSs",
            long_values: &["cmd"],
        },
        Shape::Custom(custom::editor),
    ),
    spec(
        &["wipefs"],
        Syntax {
            short_values: "otO",
            long_values: &["offset", "types", "output"],
        },
        Shape::Custom(custom::wipefs),
    ),
    spec(
        &[
            "mkfs",
            "mke2fs",
            "mkswap",
            "sfdisk",
            "fdisk",
            "parted",
            "sgdisk",
            "blkdiscard",
            "badblocks",
            "cryptsetup",
            "hdparm",
        ],
        Syntax {
            short_values: "tLbcCEgGIjJmNoOrTUOL",
            long_values: &["type", "label", "offset", "types"],
        },
        Shape::Custom(custom::disk_tool),
    ),
    // Mode, owner and attribute changes.
    spec(
        &["chown", "chgrp", "chflags"],
        Syntax {
            short_values: "",
            long_values: &["from"],
        },
        Shape::Chmod,
    ),
    // `chmod -x f`, `chattr -i f`: a mode that starts with a dash is not an option.
    spec(&["chmod"], NONE, Shape::Custom(custom::chmod)),
    spec(
        &["chattr"],
        Syntax {
            short_values: "pv",
            long_values: &[],
        },
        Shape::Custom(custom::chattr),
    ),
    // No mode operand: every operand changes.
    spec(
        &["setfacl", "xattr"],
        Syntax {
            short_values: "mMxXwd",
            long_values: &["modify", "remove", "set", "set-file", "modify-file"],
        },
        Shape::Custom(custom::acl),
    ),
    // Copies and moves.
    spec(
        &["cp", "gcp"],
        Syntax {
            short_values: "tS",
            long_values: &[
                "target-directory",
                "suffix",
                "backup",
                "sparse",
                "reflink",
                "preserve",
            ],
        },
        Shape::CopyTo {
            recursive: &["-r", "-R", "-a", "--recursive", "--archive"],
            moves: false,
        },
    ),
    spec(
        &["mv", "gmv"],
        Syntax {
            short_values: "tS",
            long_values: &["target-directory", "suffix", "backup"],
        },
        Shape::CopyTo {
            recursive: &[],
            moves: true,
        },
    ),
    spec(
        &["install", "ginstall"],
        Syntax {
            short_values: "tmogSM",
            long_values: &[
                "target-directory",
                "mode",
                "owner",
                "group",
                "suffix",
                "strip-program",
            ],
        },
        Shape::Custom(custom::install),
    ),
    spec(
        &["ln", "link"],
        Syntax {
            short_values: "tS",
            long_values: &["target-directory", "suffix", "backup"],
        },
        Shape::Custom(custom::link),
    ),
    spec(
        &["rsync"],
        Syntax {
            short_values: "eTBfM",
            long_values: &[
                "rsh",
                "temp-dir",
                "block-size",
                "filter",
                "exclude",
                "include",
                "exclude-from",
                "include-from",
                "files-from",
                "rsync-path",
                "partial-dir",
                "backup-dir",
                "suffix",
                "compare-dest",
                "copy-dest",
                "link-dest",
                "chmod",
                "chown",
                "log-file",
                "password-file",
                "port",
                "max-size",
                "min-size",
                "timeout",
                "bwlimit",
            ],
        },
        Shape::Custom(custom::rsync),
    ),
    spec(
        &["scp", "sftp"],
        Syntax {
            short_values: "cFiJloPSDX",
            long_values: &[],
        },
        Shape::Custom(custom::scp),
    ),
    spec(&["dd"], NONE, Shape::Custom(custom::dd)),
    Spec {
        names: &["patch"],
        syntax: Syntax {
            short_values: "iopdDrFzBVYg",
            long_values: &[
                "input",
                "output",
                "directory",
                "reject-file",
                "strip",
                "backup-if-mismatch",
            ],
        },
        shape: Shape::Custom(custom::patch),
        dir_options: &["-d", "--directory"],
    },
    // Archives.
    spec(
        &["tar", "gtar", "bsdtar"],
        Syntax {
            short_values: "fCbHIKLNTVXg",
            long_values: &[
                "file",
                "directory",
                "exclude",
                "files-from",
                "exclude-from",
                "use-compress-program",
                "to-command",
                "checkpoint-action",
                "transform",
                "xform",
                "owner",
                "group",
                "mode",
                "newer",
                "after-date",
                "label",
                "format",
                "index-file",
                "info-script",
                "new-volume-script",
                "rsh-command",
                "rmt-command",
                "strip-components",
            ],
        },
        Shape::Custom(custom::tar),
    ),
    spec(
        &["zip", "7z", "7za", "7zz", "rar"],
        Syntax {
            short_values: "bnPtx",
            long_values: &["password", "exclude"],
        },
        Shape::Custom(custom::zip),
    ),
    spec(
        &["unzip", "unrar"],
        Syntax {
            short_values: "dxP",
            long_values: &[],
        },
        Shape::Custom(custom::unzip),
    ),
    spec(
        &[
            "gzip",
            "gunzip",
            "bzip2",
            "bunzip2",
            "xz",
            "unxz",
            "lzma",
            "compress",
            "uncompress",
            "pigz",
        ],
        Syntax {
            short_values: "SbpT",
            long_values: &["suffix", "threads"],
        },
        Shape::Custom(custom::compress),
    ),
    // These keep their input unless told (`--rm`).
    spec(
        &["zstd", "unzstd", "lz4"],
        Syntax {
            short_values: "oT",
            long_values: &["output", "threads"],
        },
        Shape::Custom(custom::compress_keeping),
    ),
    // Version control.
    Spec {
        names: &["git"],
        syntax: Syntax {
            short_values: "Cc",
            long_values: &[
                "git-dir",
                "work-tree",
                "namespace",
                "exec-path",
                "config-env",
            ],
        },
        shape: Shape::Custom(custom::git),
        dir_options: &["-C"],
    },
    // Network transfers.
    spec(
        &["curl"],
        Syntax {
            short_values: "odFTXHAbceEKrCmuUwxyYzQ",
            long_values: &[
                "output",
                "data",
                "data-binary",
                "data-raw",
                "data-ascii",
                "data-urlencode",
                "form",
                "form-string",
                "upload-file",
                "request",
                "header",
                "user-agent",
                "cookie",
                "cookie-jar",
                "cacert",
                "cert",
                "key",
                "config",
                "range",
                "max-time",
                "connect-timeout",
                "user",
                "proxy",
                "referer",
                "url",
                "json",
                "output-dir",
                "retry",
                "write-out",
                "dump-header",
                "trace",
                "trace-ascii",
                "stderr",
                "netrc-file",
                "resolve",
                "connect-to",
                "unix-socket",
                "limit-rate",
                "max-filesize",
            ],
        },
        Shape::Custom(custom::curl),
    ),
    spec(
        &["wget", "wget2"],
        Syntax {
            short_values: "OoaPtTwiUeQBnDlAR",
            long_values: &[
                "output-document",
                "output-file",
                "append-output",
                "directory-prefix",
                "tries",
                "timeout",
                "wait",
                "input-file",
                "user-agent",
                "execute",
                "quota",
                "base",
                "post-file",
                "post-data",
                "body-file",
                "body-data",
                "header",
                "method",
                "user",
                "password",
                "level",
                "accept",
                "reject",
                "load-cookies",
                "save-cookies",
            ],
        },
        Shape::Custom(custom::wget),
    ),
    spec(
        &["http", "https", "httpie", "xh", "xhs"],
        Syntax {
            short_values: "aAo",
            long_values: &[
                "auth",
                "auth-type",
                "output",
                "session",
                "verify",
                "cert",
                "cert-key",
            ],
        },
        Shape::Custom(custom::httpie),
    ),
    spec(
        &["gh"],
        Syntax {
            short_values: "Rdfp",
            long_values: &["repo", "desc", "description", "filename"],
        },
        Shape::Custom(custom::gh),
    ),
    // Build tools that work in another directory.
    Spec {
        names: &["make", "gmake"],
        syntax: Syntax {
            short_values: "CfIjlo",
            long_values: &["directory", "file", "makefile", "include-dir", "jobs"],
        },
        shape: Shape::Custom(custom::make),
        dir_options: &["-C", "--directory"],
    },
    // find: its starting points are read recursively, or deleted with -delete or an -exec rm.
    spec(&["find", "bfs", "gfind"], NONE, Shape::Custom(custom::find)),
    // Servers of a directory.
    spec(&["python"], NONE, Shape::Custom(custom::python)),
    // Containers with host directories mounted.
    spec(
        &["docker", "podman", "nerdctl", "finch"],
        NONE,
        Shape::Custom(custom::container_mounts),
    ),
    // File-name databases cover the whole disk.
    spec(
        &["locate", "plocate", "mlocate", "slocate", "mdfind"],
        NONE,
        Shape::Custom(custom::whole_disk),
    ),
    spec(
        &["php"],
        Syntax {
            short_values: "Stcdfr",
            long_values: &[],
        },
        Shape::Custom(custom::php),
    ),
    spec(
        &[
            "http-server",
            "serve",
            "live-server",
            "httpd",
            "static-server",
            "servor",
            "sirv",
        ],
        Syntax {
            short_values: "apHhlcCdPeS",
            long_values: &[
                "port", "host", "address", "listen", "cors", "ssl-cert", "ssl-key", "config",
            ],
        },
        Shape::Custom(custom::static_server),
    ),
    // `perl -pi -e CODE FILE...`: with inline code the operands are files read (written
    // with `-i`); the code itself is analyzed as Perl elsewhere.
    spec(
        &["perl"],
        Syntax {
            short_values: "eEIlmMxC",
            long_values: &[],
        },
        Shape::Custom(custom::perl),
    ),
    // Script runners: the first operand is run.
    spec(&[".", "source"], NONE, Shape::ExecFirst),
];

/// The entry for program `name` (also `python3.12`-style versioned names).
pub(crate) fn lookup(name: &str) -> Option<&'static Spec> {
    if let Some(spec) = TABLE.iter().find(|s| s.names.contains(&name)) {
        return Some(spec);
    }
    let versioned_python = name
        .strip_prefix("python")
        .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
    if versioned_python {
        return TABLE.iter().find(|s| s.names.contains(&"python"));
    }
    let fs = name
        .strip_prefix("mkfs.")
        .or_else(|| name.strip_prefix("mkfs_"));
    if fs.is_some() {
        return TABLE.iter().find(|s| s.names.contains(&"mkfs"));
    }
    None
}
