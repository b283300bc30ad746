//! Const data: default aliases, and for each cmdlet that matters to policy its parameters
//! (names, aliases, switch or value), positional order and what each parameter's value means.

/// What a bound parameter value means to the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// Nothing the analysis records.
    Other,
    /// A file read.
    Read,
    /// A file written.
    Write,
    /// A file deleted (recursively when the cmdlet's `Recurse` switch is set).
    Delete,
    /// A file read, then deleted (the source of a move).
    ReadDelete,
    /// Permissions or attributes changed.
    Chmod,
    /// A file executed.
    Exec,
    /// A URL.
    Url,
    /// A host name (`tcp://host[:port]` pseudo-URL).
    Host,
    /// The port for [`Role::Host`].
    Port,
    /// PowerShell code (`Invoke-Expression`).
    Code,
    /// A program started (`Start-Process -FilePath`), analyzed as an invocation.
    Program,
    /// Arguments of that program.
    ProgramArgs,
    /// A .NET type name (`New-Object`).
    TypeName,
    /// Constructor arguments (`New-Object -ArgumentList`).
    CtorArgs,
    /// Items listed; piped on to `Remove-Item` and friends.
    List,
}

/// One parameter of a cmdlet.
#[derive(Debug)]
pub(super) struct Param {
    /// Canonical name.
    pub(super) name: &'static str,
    /// Aliases (matched exactly).
    pub(super) aliases: &'static [&'static str],
    /// A switch takes no value.
    pub(super) switch: bool,
    /// What the value means.
    pub(super) role: Role,
}

/// One cmdlet.
#[derive(Debug)]
pub(super) struct Cmdlet {
    /// Lower-case canonical name.
    pub(super) name: &'static str,
    /// Parameters, besides the common ones.
    pub(super) params: &'static [Param],
    /// Parameter names bound by position, in order.
    pub(super) positional: &'static [&'static str],
    /// Its output is downloaded content (`Invoke-WebRequest`).
    pub(super) downloads: bool,
}

const fn v(name: &'static str, role: Role) -> Param {
    Param {
        name,
        aliases: &[],
        switch: false,
        role,
    }
}

const fn va(name: &'static str, aliases: &'static [&'static str], role: Role) -> Param {
    Param {
        name,
        aliases,
        switch: false,
        role,
    }
}

const fn s(name: &'static str) -> Param {
    Param {
        name,
        aliases: &[],
        switch: true,
        role: Role::Other,
    }
}

const fn sa(name: &'static str, aliases: &'static [&'static str]) -> Param {
    Param {
        name,
        aliases,
        switch: true,
        role: Role::Other,
    }
}

const fn c(
    name: &'static str,
    params: &'static [Param],
    positional: &'static [&'static str],
) -> Cmdlet {
    Cmdlet {
        name,
        params,
        positional,
        downloads: false,
    }
}

use Role::*;

/// Parameters every cmdlet accepts.
pub(super) const COMMON: &[Param] = &[
    sa("Verbose", &["vb"]),
    sa("Debug", &["db"]),
    va("ErrorAction", &["ea"], Other),
    va("WarningAction", &["wa"], Other),
    va("InformationAction", &["infa"], Other),
    va("ProgressAction", &["proga"], Other),
    va("ErrorVariable", &["ev"], Other),
    va("WarningVariable", &["wv"], Other),
    va("InformationVariable", &["iv"], Other),
    va("OutVariable", &["ov"], Other),
    va("OutBuffer", &["ob"], Other),
    va("PipelineVariable", &["pv"], Other),
    sa("WhatIf", &["wi"]),
    sa("Confirm", &["cf"]),
];

/// Default aliases (Windows PowerShell 5.1, which still maps `curl`/`wget`), and the
/// `mkdir`/`md` functions.
pub(super) const ALIASES: &[(&str, &str)] = &[
    ("rm", "remove-item"),
    ("del", "remove-item"),
    ("ri", "remove-item"),
    ("rd", "remove-item"),
    ("rmdir", "remove-item"),
    ("erase", "remove-item"),
    ("gc", "get-content"),
    ("cat", "get-content"),
    ("type", "get-content"),
    ("sc", "set-content"),
    ("ac", "add-content"),
    ("clc", "clear-content"),
    ("cp", "copy-item"),
    ("copy", "copy-item"),
    ("cpi", "copy-item"),
    ("mv", "move-item"),
    ("move", "move-item"),
    ("mi", "move-item"),
    ("ni", "new-item"),
    ("mkdir", "new-item"),
    ("md", "new-item"),
    ("ren", "rename-item"),
    ("rni", "rename-item"),
    ("ls", "get-childitem"),
    ("dir", "get-childitem"),
    ("gci", "get-childitem"),
    ("gi", "get-item"),
    ("iex", "invoke-expression"),
    ("iwr", "invoke-webrequest"),
    ("curl", "invoke-webrequest"),
    ("wget", "invoke-webrequest"),
    ("irm", "invoke-restmethod"),
    ("saps", "start-process"),
    ("start", "start-process"),
    ("icm", "invoke-command"),
    ("ii", "invoke-item"),
    ("echo", "write-output"),
    ("write", "write-output"),
    ("sls", "select-string"),
    ("ipcsv", "import-csv"),
    ("epcsv", "export-csv"),
    ("sp", "set-itemproperty"),
    ("rp", "remove-itemproperty"),
    ("cd", "set-location"),
    ("chdir", "set-location"),
    ("sl", "set-location"),
    ("tee", "tee-object"),
    ("%", "foreach-object"),
    ("foreach", "foreach-object"),
    ("?", "where-object"),
    ("where", "where-object"),
    ("fhx", "format-hex"),
    ("sajb", "start-job"),
    ("kill", "stop-process"),
    ("spps", "stop-process"),
    ("gcm", "get-command"),
    ("nal", "new-alias"),
    ("sal", "set-alias"),
    ("cls", "clear-host"),
    ("pwd", "get-location"),
    ("sv", "set-variable"),
    ("set", "set-variable"),
    ("nv", "new-variable"),
    ("gv", "get-variable"),
    ("gl", "get-location"),
];

const PATHS_READ: &[Param] = &[
    v("Path", Read),
    va("LiteralPath", &["PSPath", "LP"], Read),
    v("Filter", Other),
    v("Include", Other),
    v("Exclude", Other),
    s("Force"),
    v("Credential", Other),
    v("Encoding", Other),
    v("Stream", Other),
    va("TotalCount", &["First", "Head"], Other),
    va("Tail", &["Last"], Other),
    v("ReadCount", Other),
    v("Delimiter", Other),
    s("Raw"),
    s("Wait"),
    s("AsByteStream"),
];

const CONTENT_WRITE: &[Param] = &[
    v("Path", Write),
    va("LiteralPath", &["PSPath", "LP"], Write),
    v("Value", Other),
    v("Filter", Other),
    v("Include", Other),
    v("Exclude", Other),
    s("Force"),
    v("Credential", Other),
    v("Encoding", Other),
    v("Stream", Other),
    s("NoNewline"),
    s("PassThru"),
    s("AsByteStream"),
];

const WEB: &[Param] = &[
    v("Uri", Url),
    v("Method", Other),
    v("Body", Other),
    v("InFile", Read),
    v("OutFile", Write),
    v("Headers", Other),
    v("ContentType", Other),
    v("UserAgent", Other),
    v("Credential", Other),
    s("UseDefaultCredentials"),
    s("UseBasicParsing"),
    v("Proxy", Url),
    v("ProxyCredential", Other),
    s("ProxyUseDefaultCredentials"),
    v("TimeoutSec", Other),
    v("Form", Other),
    va("SessionVariable", &["SV"], Other),
    v("WebSession", Other),
    v("MaximumRedirection", Other),
    v("MaximumRetryCount", Other),
    v("RetryIntervalSec", Other),
    s("DisableKeepAlive"),
    s("PassThru"),
    s("SkipCertificateCheck"),
    s("SkipHeaderValidation"),
    v("Authentication", Other),
    v("Token", Other),
    v("CustomMethod", Other),
    v("TransferEncoding", Other),
    v("Certificate", Other),
    v("CertificateThumbprint", Other),
    s("Resume"),
    s("NoProxy"),
];

/// Cmdlets the analysis knows the parameters of. Others keep their arguments, unbound.
pub(super) const CMDLETS: &[Cmdlet] = &[
    c(
        "remove-item",
        &[
            v("Path", Delete),
            va("LiteralPath", &["PSPath", "LP"], Delete),
            s("Recurse"),
            s("Force"),
            v("Filter", Other),
            v("Include", Other),
            v("Exclude", Other),
            v("Credential", Other),
            v("Stream", Other),
        ],
        &["Path"],
    ),
    c("get-content", PATHS_READ, &["Path"]),
    c("set-content", CONTENT_WRITE, &["Path", "Value"]),
    c("add-content", CONTENT_WRITE, &["Path", "Value"]),
    c("clear-content", CONTENT_WRITE, &["Path"]),
    c(
        "out-file",
        &[
            va("FilePath", &["Path"], Write),
            va("LiteralPath", &["PSPath", "LP"], Write),
            v("Encoding", Other),
            s("Append"),
            s("Force"),
            sa("NoClobber", &["NoOverwrite"]),
            v("Width", Other),
            s("NoNewline"),
            v("InputObject", Other),
        ],
        &["FilePath", "Encoding"],
    ),
    c(
        "tee-object",
        &[
            v("FilePath", Write),
            va("LiteralPath", &["PSPath", "LP"], Write),
            v("Variable", Other),
            s("Append"),
            v("Encoding", Other),
            v("InputObject", Other),
        ],
        &["FilePath"],
    ),
    c(
        "new-item",
        &[
            v("Path", Write),
            v("Name", Other),
            va("ItemType", &["Type"], Other),
            va("Value", &["Target"], Other),
            s("Force"),
            v("Credential", Other),
        ],
        &["Path"],
    ),
    c(
        "copy-item",
        &[
            v("Path", Read),
            va("LiteralPath", &["PSPath", "LP"], Read),
            v("Destination", Write),
            s("Recurse"),
            s("Force"),
            s("Container"),
            v("Filter", Other),
            v("Include", Other),
            v("Exclude", Other),
            s("PassThru"),
            v("Credential", Other),
            v("ToSession", Other),
            v("FromSession", Other),
        ],
        &["Path", "Destination"],
    ),
    c(
        "move-item",
        &[
            v("Path", ReadDelete),
            va("LiteralPath", &["PSPath", "LP"], ReadDelete),
            v("Destination", Write),
            s("Force"),
            v("Filter", Other),
            v("Include", Other),
            v("Exclude", Other),
            s("PassThru"),
            v("Credential", Other),
        ],
        &["Path", "Destination"],
    ),
    c(
        "rename-item",
        &[
            v("Path", Delete),
            va("LiteralPath", &["PSPath", "LP"], Delete),
            v("NewName", Write),
            s("Force"),
            s("PassThru"),
            v("Credential", Other),
        ],
        &["Path", "NewName"],
    ),
    c(
        "set-itemproperty",
        &[
            v("Path", Write),
            va("LiteralPath", &["PSPath", "LP"], Write),
            va("Name", &["PSProperty"], Other),
            v("Value", Other),
            va("Type", &["PropertyType"], Other),
            s("Force"),
            s("PassThru"),
            v("Filter", Other),
            v("Include", Other),
            v("Exclude", Other),
            v("InputObject", Other),
            v("Credential", Other),
        ],
        &["Path", "Name", "Value"],
    ),
    c(
        "new-itemproperty",
        &[
            v("Path", Write),
            va("LiteralPath", &["PSPath", "LP"], Write),
            va("Name", &["PSProperty"], Other),
            v("Value", Other),
            va("PropertyType", &["Type"], Other),
            s("Force"),
        ],
        &["Path", "Name", "Value"],
    ),
    c(
        "remove-itemproperty",
        &[
            v("Path", Write),
            va("LiteralPath", &["PSPath", "LP"], Write),
            va("Name", &["PSProperty"], Other),
            s("Force"),
        ],
        &["Path", "Name"],
    ),
    c(
        "get-childitem",
        &[
            v("Path", List),
            va("LiteralPath", &["PSPath", "LP"], List),
            v("Filter", Other),
            v("Include", Other),
            v("Exclude", Other),
            sa("Recurse", &["s"]),
            v("Depth", Other),
            s("Force"),
            s("Name"),
            sa("Directory", &["ad", "d"]),
            sa("File", &["af"]),
            sa("Hidden", &["ah", "h"]),
            sa("ReadOnly", &["ar"]),
            sa("System", &["as"]),
            v("Attributes", Other),
            s("FollowSymlink"),
        ],
        &["Path", "Filter"],
    ),
    c(
        "get-item",
        &[
            v("Path", List),
            va("LiteralPath", &["PSPath", "LP"], List),
            v("Filter", Other),
            v("Include", Other),
            v("Exclude", Other),
            s("Force"),
            v("Stream", Other),
        ],
        &["Path"],
    ),
    c(
        "import-csv",
        &[
            v("Path", Read),
            va("LiteralPath", &["PSPath", "LP"], Read),
            v("Delimiter", Other),
            v("Header", Other),
            v("Encoding", Other),
            s("UseCulture"),
        ],
        &["Path", "Delimiter"],
    ),
    c(
        "export-csv",
        &[
            v("Path", Write),
            va("LiteralPath", &["PSPath", "LP"], Write),
            v("InputObject", Other),
            v("Delimiter", Other),
            v("Encoding", Other),
            s("Append"),
            s("Force"),
            s("NoTypeInformation"),
            s("UseCulture"),
        ],
        &["Path", "Delimiter"],
    ),
    c(
        "select-string",
        &[
            v("Pattern", Other),
            v("Path", Read),
            va("LiteralPath", &["PSPath", "LP"], Read),
            v("InputObject", Other),
            s("SimpleMatch"),
            s("CaseSensitive"),
            s("Quiet"),
            s("List"),
            s("NoEmphasis"),
            s("NotMatch"),
            s("AllMatches"),
            s("Raw"),
            v("Context", Other),
            v("Encoding", Other),
            v("Include", Other),
            v("Exclude", Other),
            v("Culture", Other),
        ],
        &["Pattern", "Path"],
    ),
    c(
        "get-filehash",
        &[
            v("Path", Read),
            va("LiteralPath", &["PSPath", "LP"], Read),
            v("Algorithm", Other),
            v("InputStream", Other),
        ],
        &["Path", "Algorithm"],
    ),
    c(
        "format-hex",
        &[
            v("Path", Read),
            va("LiteralPath", &["PSPath", "LP"], Read),
            v("InputObject", Other),
            v("Encoding", Other),
            v("Count", Other),
            v("Offset", Other),
            s("Raw"),
        ],
        &["Path"],
    ),
    c(
        "set-acl",
        &[
            v("Path", Chmod),
            va("LiteralPath", &["PSPath", "LP"], Chmod),
            v("AclObject", Other),
            v("InputObject", Other),
            s("Passthru"),
            s("ClearCentralAccessPolicy"),
            v("Filter", Other),
            v("Include", Other),
            v("Exclude", Other),
        ],
        &["Path", "AclObject"],
    ),
    c(
        "unblock-file",
        &[
            v("Path", Chmod),
            va("LiteralPath", &["PSPath", "LP"], Chmod),
        ],
        &["Path"],
    ),
    c(
        "expand-archive",
        &[
            v("Path", Read),
            va("LiteralPath", &["PSPath", "LP"], Read),
            v("DestinationPath", Write),
            s("Force"),
            s("PassThru"),
        ],
        &["Path", "DestinationPath"],
    ),
    c(
        "compress-archive",
        &[
            v("Path", Read),
            va("LiteralPath", &["PSPath", "LP"], Read),
            v("DestinationPath", Write),
            v("CompressionLevel", Other),
            s("Update"),
            s("Force"),
            s("PassThru"),
        ],
        &["Path", "DestinationPath"],
    ),
    Cmdlet {
        name: "invoke-webrequest",
        params: WEB,
        positional: &["Uri"],
        downloads: true,
    },
    Cmdlet {
        name: "invoke-restmethod",
        params: WEB,
        positional: &["Uri"],
        downloads: true,
    },
    c(
        "start-bitstransfer",
        &[
            v("Source", Url),
            v("Destination", Write),
            v("DisplayName", Other),
            v("Description", Other),
            v("TransferType", Other),
            v("Priority", Other),
            v("Credential", Other),
            v("ProxyList", Other),
            v("ProxyUsage", Other),
            v("Authentication", Other),
            s("Asynchronous"),
            s("Suspended"),
        ],
        &["Source", "Destination"],
    ),
    c(
        "test-netconnection",
        &[
            va("ComputerName", &["RemoteAddress", "cn"], Host),
            va("Port", &["RemotePort"], Port),
            v("CommonTCPPort", Other),
            v("InformationLevel", Other),
            s("TraceRoute"),
            v("Hops", Other),
            s("DiagnoseRouting"),
            v("ConstrainSourceAddress", Other),
            v("ConstrainInterface", Other),
        ],
        &["ComputerName", "CommonTCPPort"],
    ),
    c(
        "start-process",
        &[
            va("FilePath", &["PSPath", "Path"], Program),
            va("ArgumentList", &["Args"], ProgramArgs),
            v("Verb", Other),
            v("WorkingDirectory", Other),
            v("WindowStyle", Other),
            v("Credential", Other),
            v("RedirectStandardOutput", Write),
            v("RedirectStandardError", Write),
            v("RedirectStandardInput", Read),
            s("Wait"),
            s("NoNewWindow"),
            s("PassThru"),
            s("LoadUserProfile"),
            s("UseNewEnvironment"),
        ],
        &["FilePath", "ArgumentList"],
    ),
    c(
        "invoke-command",
        &[
            v("ScriptBlock", Other),
            va("FilePath", &["PSPath"], Exec),
            va("ComputerName", &["Cn"], Host),
            va("ArgumentList", &["Args"], Other),
            v("Session", Other),
            v("Credential", Other),
            v("InputObject", Other),
            s("AsJob"),
            s("NoNewScope"),
            s("HideComputerName"),
            v("ConnectionUri", Url),
            v("Port", Other),
        ],
        &["ScriptBlock", "ArgumentList"],
    ),
    c("invoke-expression", &[v("Command", Code)], &["Command"]),
    c(
        "invoke-item",
        &[
            v("Path", Exec),
            va("LiteralPath", &["PSPath", "LP"], Exec),
            v("Filter", Other),
            v("Include", Other),
            v("Exclude", Other),
        ],
        &["Path"],
    ),
    c(
        "new-object",
        &[
            v("TypeName", TypeName),
            va("ArgumentList", &["Args"], CtorArgs),
            va("ComObject", &["Com"], Other),
            v("Property", Other),
            s("Strict"),
        ],
        &["TypeName", "ArgumentList"],
    ),
    c(
        "start-job",
        &[
            v("ScriptBlock", Other),
            v("FilePath", Exec),
            va("ArgumentList", &["Args"], Other),
            v("Name", Other),
        ],
        &["ScriptBlock"],
    ),
    c(
        "import-module",
        &[
            va("Name", &["Path"], Exec),
            s("Force"),
            s("Global"),
            v("Prefix", Other),
        ],
        &["Name"],
    ),
];

/// The cmdlet an alias stands for.
pub(super) fn alias(name: &str) -> Option<&'static str> {
    ALIASES.iter().find(|(a, _)| *a == name).map(|(_, c)| *c)
}

/// The table entry of a lower-case cmdlet name.
pub(super) fn cmdlet(name: &str) -> Option<&'static Cmdlet> {
    CMDLETS.iter().find(|c| c.name == name)
}

/// Resolves a parameter name as written (without the dash): exact name or alias first, then a
/// unique prefix. `None` for unknown or ambiguous names (PowerShell refuses those).
pub(super) fn param(cmdlet: &Cmdlet, written: &str) -> Option<&'static Param> {
    let all = || cmdlet.params.iter().chain(COMMON.iter());
    if let Some(p) = all().find(|p| {
        p.name.eq_ignore_ascii_case(written)
            || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(written))
    }) {
        return Some(p);
    }
    let lower = written.to_ascii_lowercase();
    let mut found = all().filter(|p| p.name.to_ascii_lowercase().starts_with(&lower));
    let first = found.next()?;
    found.next().is_none().then_some(first)
}
