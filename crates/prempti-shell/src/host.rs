//! One normalizer for network hosts, shared by `cmd.hosts` and the plugin's `tool.url_host`.
//!
//! A host is reduced to the one spelling rules compare against:
//!
//! - a URL authority loses its user info (`u:p@`), its port (`:8443`) and the brackets of an
//!   IPv6 literal (`[::1]`);
//! - names are mapped per UTS-46 and converted to ASCII (punycode) by the `idna` crate, which
//!   also lower-cases them and folds fullwidth letters, digits and dots (`ＥＸＡＭＰＬＥ．ｃｏｍ`,
//!   `bücher.example` → `xn--bcher-kva.example`); a name IDNA rejects is kept, lower-cased, so
//!   rules still see it;
//! - one trailing dot is removed (`webhook.site.` → `webhook.site`);
//! - IPv4 addresses in any spelling the C library's `inet_aton` accepts (decimal `2852039166`,
//!   hex `0xA9FEA9FE`, octal `0251.0376.0251.0376`, mixed, short forms `127.1` and
//!   `169.254.43518`) become a dotted quad;
//! - IPv6 addresses take the compressed lower-case form of [`std::net::Ipv6Addr`], except
//!   IPv4-mapped (`::ffff:a9fe:a9fe`) and IPv4-compatible (`::169.254.169.254`) addresses,
//!   which become the dotted quad of the IPv4 address they carry.
//!
//! Only text already identified as a host should be passed here: `1.2.3` is a valid (short)
//! IPv4 spelling, so a version number given as a host becomes `1.2.0.3`.
//!
//! Work is linear in the input, which is refused beyond [`MAX_INPUT`] bytes; a result longer
//! than [`MAX_HOST`] bytes (the DNS limit) is `None`, as no resolver accepts such a name.

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use idna::AsciiDenyList;

/// Longest normalized host returned, in bytes (the longest DNS name, without the final dot).
pub const MAX_HOST: usize = 253;

/// Longest input looked at, in bytes; longer input gives `None`. Generous, because UTS-46 maps
/// some code points (soft hyphens, variation selectors) to nothing.
pub const MAX_INPUT: usize = 64 * 1024;

/// Normalizes a host name, an IP address literal or a URL authority (`user@host:port`,
/// `[v6]:port`) to the form rules compare: see the documentation of the `host` module.
///
/// Returns `None` for an empty host, for input longer than [`MAX_INPUT`] bytes and for a
/// result longer than [`MAX_HOST`] bytes. A name that is not valid IDNA is returned
/// lower-cased, without its trailing dot, rather than `None`.
///
/// ```
/// use prempti_shell::normalize_host;
/// assert_eq!(normalize_host("Webhook.Site.").as_deref(), Some("webhook.site"));
/// assert_eq!(normalize_host("0xA9FEA9FE").as_deref(), Some("169.254.169.254"));
/// assert_eq!(normalize_host("[::ffff:a9fe:a9fe]:80").as_deref(), Some("169.254.169.254"));
/// assert_eq!(normalize_host("bücher.example").as_deref(), Some("xn--bcher-kva.example"));
/// ```
pub fn normalize_host(host: &str) -> Option<String> {
    authority_host(host, false)
}

/// The normalized host of a URL (`scheme://[user@]host[:port][/...]`), as [`normalize_host`]
/// gives it. `None` when there is no `://` or the host is empty (`file:///etc/passwd`).
///
/// The authority ends at the first `/`, `?`, `#` or `\` (browsers and WHATWG URL parsers read
/// `\` as `/`, so `https://evil.test\@good.test/` goes to `evil.test`), and percent-escapes
/// in a name are decoded first, as those parsers do (`%65vil.test` → `evil.test`).
///
/// ```
/// use prempti_shell::url_host;
/// assert_eq!(url_host("https://u:p@Example.COM.:8443/x?y").as_deref(), Some("example.com"));
/// assert_eq!(url_host("http://2852039166/latest").as_deref(), Some("169.254.169.254"));
/// assert_eq!(url_host("example.com/x"), None);
/// ```
pub fn url_host(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    authority_host(&rest[..end], true)
}

/// The host of an authority (`user@host:port`, `[v6]:port`, a bare host or IPv6 literal).
fn authority_host(authority: &str, url: bool) -> Option<String> {
    if authority.len() > MAX_INPUT {
        return None;
    }
    let authority = authority.trim();
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(inner) = hostport.strip_prefix('[') {
        let literal = inner.split(']').next().unwrap_or(inner);
        return ipv6(literal).or_else(|| finish(literal.to_lowercase()));
    }
    if hostport.matches(':').nth(1).is_some() {
        // Two colons or more: an IPv6 literal without brackets, or junk.
        if let Some(v6) = ipv6(hostport) {
            return Some(v6);
        }
    }
    let host = hostport.split(':').next().unwrap_or(hostport);
    name(host, url)
}

/// A host name or IPv4 address (no port, no brackets).
fn name(host: &str, url: bool) -> Option<String> {
    let decoded = if url && host.contains('%') {
        percent_decode(host)
    } else {
        Cow::Borrowed(host)
    };
    let mut out = match idna::domain_to_ascii_cow(decoded.as_bytes(), AsciiDenyList::URL) {
        Ok(ascii) => ascii.into_owned(),
        // As written: a decoded control character is worse than the escape.
        Err(_) => host.to_lowercase(),
    };
    if out.ends_with('.') {
        out.pop();
    }
    if let Some(v4) = inet_aton(&out) {
        return Some(v4.to_string());
    }
    finish(out)
}

/// `host` unless empty or too long.
fn finish(host: String) -> Option<String> {
    (!host.is_empty() && host.len() <= MAX_HOST).then_some(host)
}

/// An IPv6 literal, with an optional zone (`fe80::1%eth0`, kept lower-cased), normalized; an
/// IPv4-mapped or -compatible address gives its IPv4 address.
fn ipv6(literal: &str) -> Option<String> {
    let (addr, zone) = match literal.split_once('%') {
        Some((addr, zone)) => (addr, Some(zone)),
        None => (literal, None),
    };
    let ip: Ipv6Addr = addr.parse().ok()?;
    if let Some(v4) = embedded_ipv4(&ip) {
        return Some(v4.to_string());
    }
    let mut out = ip.to_string();
    if let Some(zone) = zone {
        out.push('%');
        out.push_str(&zone.to_lowercase());
    }
    finish(out)
}

/// The IPv4 address in `::ffff:a.b.c.d` (mapped) or `::a.b.c.d` (compatible). Compatible
/// addresses in `0.0.0.0/8` are left alone: that range holds `::` and the loopback `::1`,
/// which are IPv6 addresses of their own and no IPv4 destination.
fn embedded_ipv4(ip: &Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    if s[..6].iter().all(|&x| x == 0) && s[6] >> 8 != 0 {
        return Some(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    None
}

/// An IPv4 address as `inet_aton` reads it: one to four parts separated by dots, each
/// decimal, octal (leading `0`) or hex (`0x`); the last part fills the remaining bytes
/// (`127.1` is `127.0.0.1`, `169.254.43518` is `169.254.169.254`). The caller strips one
/// trailing dot; anything else (empty parts, signs, spaces, `08`) is no address.
fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let mut parts = [0u32; 4];
    let mut count = 0;
    for part in s.split('.') {
        if count == parts.len() {
            return None;
        }
        parts[count] = aton_part(part)?;
        count += 1;
    }
    let (last, leading) = parts[..count].split_last()?;
    if leading.iter().any(|&p| p > 0xff) {
        return None;
    }
    let room = 32 - 8 * leading.len() as u32;
    if room < 32 && *last >> room != 0 {
        return None;
    }
    let mut value = *last;
    for (i, &p) in leading.iter().enumerate() {
        value |= p << (24 - 8 * i as u32);
    }
    Some(Ipv4Addr::from(value))
}

/// One part of an `inet_aton` address: at most 32 bits.
fn aton_part(part: &str) -> Option<u32> {
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Some(0);
    }
    u32::from_str_radix(digits, radix).ok()
}

/// `%XX` escapes decoded, when the result is UTF-8; the input otherwise.
fn percent_decode(s: &str) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(&[hi, lo]) = bytes.get(i + 1..i + 3) {
                if let (Some(hi), Some(lo)) = (hex_value(hi), hex_value(lo)) {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(decoded) => Cow::Owned(decoded),
        Err(_) => Cow::Borrowed(s),
    }
}

/// The value of one hex digit.
fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Host spelling → normalized form (`None`: no host).
    #[rustfmt::skip]
    const HOSTS: &[(&str, Option<&str>)] = &[
        // Names: case, trailing dot, authority parts.
        ("example.com", Some("example.com")),
        ("Example.COM", Some("example.com")),
        ("webhook.site.", Some("webhook.site")),
        ("WEBHOOK.SITE.", Some("webhook.site")),
        ("example.com..", Some("example.com.")),
        ("user@example.com", Some("example.com")),
        ("user:pw@Example.com:8443", Some("example.com")),
        ("a@b@example.com:22", Some("example.com")),
        ("example.com:", Some("example.com")),
        ("localhost", Some("localhost")),
        ("_dmarc.example.com", Some("_dmarc.example.com")),
        ("my-host_1", Some("my-host_1")),
        ("  example.com  ", Some("example.com")),
        // IDNA: punycode, UTS-46 mapping of fullwidth forms, ideographic dots.
        ("bücher.example", Some("xn--bcher-kva.example")),
        ("BÜCHER.example", Some("xn--bcher-kva.example")),
        ("xn--bcher-kva.example", Some("xn--bcher-kva.example")),
        ("XN--BCHER-KVA.example", Some("xn--bcher-kva.example")),
        ("ｅｘａｍｐｌｅ．ｃｏｍ", Some("example.com")),
        ("ＥＸＡＭＰＬＥ.com", Some("example.com")),
        ("example。com", Some("example.com")),
        ("example｡com", Some("example.com")),
        ("münchen.de.", Some("xn--mnchen-3ya.de")),
        ("пример.испытание", Some("xn--e1afmkfd.xn--80akhbyknj4f")),
        ("ex\u{ad}ample.com", Some("example.com")),
        ("faß.de", Some("xn--fa-hia.de")),
        ("１６９．２５４．１６９．２５４", Some("169.254.169.254")),
        // Invalid IDNA: kept, lower-cased.
        ("xn--a.example", Some("xn--a.example")),
        ("Bad Host", Some("bad host")),
        ("a%zz.Example", Some("a%zz.example")),
        // IPv4, every inet_aton spelling.
        ("169.254.169.254", Some("169.254.169.254")),
        ("169.254.169.254.", Some("169.254.169.254")),
        ("2852039166", Some("169.254.169.254")),
        ("2852039166.", Some("169.254.169.254")),
        ("0xA9FEA9FE", Some("169.254.169.254")),
        ("0xa9fea9fe", Some("169.254.169.254")),
        ("0XA9FEA9FE", Some("169.254.169.254")),
        ("025177524776", Some("169.254.169.254")),
        ("0251.0376.0251.0376", Some("169.254.169.254")),
        ("0xA9.0xFE.0xA9.0xFE", Some("169.254.169.254")),
        ("0xA9.254.0251.254", Some("169.254.169.254")),
        ("169.254.43518", Some("169.254.169.254")),
        ("169.16689662", Some("169.254.169.254")),
        ("0xa9.0xfea9fe", Some("169.254.169.254")),
        ("127.1", Some("127.0.0.1")),
        ("127.0.1", Some("127.0.0.1")),
        ("127.000.000.001", Some("127.0.0.1")),
        ("0x7f.1", Some("127.0.0.1")),
        ("0", Some("0.0.0.0")),
        ("0x0", Some("0.0.0.0")),
        ("00000000000000000000000001", Some("0.0.0.1")),
        ("4294967295", Some("255.255.255.255")),
        ("user@2852039166:80", Some("169.254.169.254")),
        ("１２７．１", Some("127.0.0.1")),
        // Not IPv4: kept as names.
        ("4294967296", Some("4294967296")),
        ("256.1.1.1", Some("256.1.1.1")),
        ("1.2.3.4.5", Some("1.2.3.4.5")),
        ("1.2.3.256", Some("1.2.3.256")),
        ("1.2.65536", Some("1.2.65536")),
        ("08.1.1.1", Some("08.1.1.1")),
        ("0x.1.1.1", Some("0x.1.1.1")),
        ("1..1", Some("1..1")),
        ("0xg", Some("0xg")),
        ("1.2.3.4.example", Some("1.2.3.4.example")),
        ("deadbeef", Some("deadbeef")),
        // IPv6.
        ("::1", Some("::1")),
        ("[::1]", Some("::1")),
        ("[::1]:8080", Some("::1")),
        ("[::]", Some("::")),
        ("[2001:DB8:0:0:0:0:0:1]", Some("2001:db8::1")),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", Some("2001:db8::1")),
        ("user@[2001:db8::1]:22", Some("2001:db8::1")),
        ("[fe80::1%ETH0]", Some("fe80::1%eth0")),
        ("::ffff:169.254.169.254", Some("169.254.169.254")),
        ("::ffff:a9fe:a9fe", Some("169.254.169.254")),
        ("[::ffff:a9fe:a9fe]", Some("169.254.169.254")),
        ("[::FFFF:A9FE:A9FE]:80", Some("169.254.169.254")),
        ("0:0:0:0:0:ffff:7f00:1", Some("127.0.0.1")),
        ("::169.254.169.254", Some("169.254.169.254")),
        ("[::a9fe:a9fe]", Some("169.254.169.254")),
        ("::2", Some("::2")),
        ("[not:v6]", Some("not:v6")),
        // Nothing there.
        ("", None),
        (".", None),
        ("user@", None),
        (":80", None),
        ("[]", None),
        ("user@:22", None),
    ];

    #[test]
    fn host_table() {
        let mut failures = Vec::new();
        for &(input, want) in HOSTS {
            let got = normalize_host(input);
            if got.as_deref() != want {
                failures.push(format!("{input:?}: want {want:?}, got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(HOSTS.len() >= 60);
    }

    #[test]
    fn urls() {
        let cases: &[(&str, Option<&str>)] = &[
            ("https://User:pw@Example.COM:8443/x?y", Some("example.com")),
            ("http://[::1]:80/", Some("::1")),
            ("https://webhook.site./x", Some("webhook.site")),
            ("http://169.254.169.254./latest", Some("169.254.169.254")),
            ("http://0xA9FEA9FE/", Some("169.254.169.254")),
            ("http://[::ffff:a9fe:a9fe]/", Some("169.254.169.254")),
            ("https://bücher.example/", Some("xn--bcher-kva.example")),
            ("https://%65vil.test/", Some("evil.test")),
            (
                "https://b%C3%BCcher.example/",
                Some("xn--bcher-kva.example"),
            ),
            ("https://evil.test\\@good.test/", Some("evil.test")),
            ("https://good.test#@evil.test", Some("good.test")),
            ("https://good.test?@evil.test", Some("good.test")),
            ("https://a.test", Some("a.test")),
            ("https://A%00b.test/", Some("a%00b.test")),
            ("https://%zz.test/", Some("%zz.test")),
            ("file:///etc/passwd", None),
            ("example.com/x", None),
            ("https://", None),
        ];
        for &(url, want) in cases {
            assert_eq!(url_host(url).as_deref(), want, "{url}");
        }
    }

    #[test]
    fn bounded() {
        let label = "a".repeat(63);
        let long = [label.as_str(); 4].join(".");
        assert_eq!(long.len(), 255);
        assert_eq!(normalize_host(&long), None);
        assert_eq!(normalize_host(&long[..253]).as_deref(), Some(&long[..253]));
        assert_eq!(
            normalize_host(&format!("{}.", &long[..253])).as_deref(),
            Some(&long[..253])
        );
        // Ignored code points shrink a long input to a short name.
        let shy = format!("e{}vil.test", "\u{ad}".repeat(500));
        assert_eq!(normalize_host(&shy).as_deref(), Some("evil.test"));
        assert_eq!(normalize_host(&"a".repeat(MAX_INPUT + 1)), None);
        // Huge numbers, many dots, junk: no panic.
        for junk in [
            "9".repeat(5000),
            "0x".to_owned() + &"f".repeat(5000),
            ".".repeat(5000),
            ":".repeat(5000),
            "[".repeat(100),
            "%".repeat(100),
            "\u{0}\u{7f}\u{202e}".to_owned(),
            "é".repeat(300),
        ] {
            let _ = normalize_host(&junk);
            let _ = url_host(&format!("http://{junk}/"));
        }
    }
}
