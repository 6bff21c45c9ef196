//! `tollgate host`, `compile-hostset`, and the feed importers (`--m365`, `--service-tags`):
//! output lines, exit codes, strictness (nothing written on error), and the guide's table
//! imported from a feed reproducing the built-in ACS sets exactly.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tollgate_core::host::{acs_hostset, HostSet};
use tollgate_core::net::{acs_allows, acs_ipset, IpNumber, IpSet, PortTable, Protocol};

fn tollgate(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tollgate-host-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/feeds")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// File bytes in 16-byte aligned memory.
fn aligned(bytes: &[u8]) -> (Vec<u128>, usize) {
    let mut words = vec![0u128; bytes.len().div_ceil(16)];
    // SAFETY: u128 storage viewed as bytes.
    let view = unsafe {
        std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 16)
    };
    view[..bytes.len()].copy_from_slice(bytes);
    (words, bytes.len())
}

fn view(words: &(Vec<u128>, usize)) -> &[u8] {
    // SAFETY: as above.
    unsafe { std::slice::from_raw_parts(words.0.as_ptr().cast::<u8>(), words.1) }
}

#[test]
fn host_answers_match_no_match_invalid_with_exit_codes() {
    let (code, out, _) = tollgate(&["host", "teams.microsoft.com", "A.B.Lync.COM."], b"");
    assert_eq!(out, "teams.microsoft.com\tmatch\nA.B.Lync.COM.\tmatch\n");
    assert_eq!(code, 0);
    let (code, out, _) = tollgate(&["host", "--", "lync.com", "x.lync.com"], b"");
    assert_eq!(out, "lync.com\tno-match\nx.lync.com\tmatch\n");
    assert_eq!(code, 1);
    let (code, out, _) = tollgate(&["host", "x.lync.com:443", "x.lync.com"], b"");
    assert_eq!(out, "x.lync.com:443\tinvalid\nx.lync.com\tmatch\n");
    assert_eq!(code, 2);
    // The guide names no media hosts.
    let (code, out, _) = tollgate(&["host", "--set", "acs-media", "teams.microsoft.com"], b"");
    assert_eq!((code, out.as_str()), (1, "teams.microsoft.com\tno-match\n"));
    let (code, _, _) = tollgate(
        &["host", "--set", "acs-callback", "teams.microsoft.com"],
        b"",
    );
    assert_eq!(code, 0);
    // stdin, with a non-UTF-8 line answered invalid and reading going on.
    let (code, out, _) = tollgate(
        &["host"],
        b"x.teams.cloud.microsoft\r\n\xff\nteams.cloud.microsoft\n",
    );
    assert_eq!(
        out,
        "x.teams.cloud.microsoft\tmatch\n\u{fffd}\tinvalid\nteams.cloud.microsoft\tmatch\n"
    );
    assert_eq!(code, 2);
}

#[test]
fn compile_hostset_and_use_list_or_image() {
    let list = temp("names.txt");
    std::fs::write(&list, "# mine\n*.example.org 4\napi.example.com\n").unwrap();
    let image = temp("names.img");
    let (code, _, err) = tollgate(
        &[
            "compile-hostset",
            list.to_str().unwrap(),
            "-o",
            image.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(&image).unwrap();
    let words = aligned(&bytes);
    let set = HostSet::load(view(&words)).unwrap();
    assert_eq!(set.lookup("a.example.org"), Ok(4));
    for source in [&list, &image] {
        let (code, out, _) = tollgate(
            &[
                "host",
                "--set",
                source.to_str().unwrap(),
                "a.b.example.org",
                "api.example.com",
                "example.org",
            ],
            b"",
        );
        assert_eq!(
            out,
            "a.b.example.org\tmatch\napi.example.com\tmatch\nexample.org\tno-match\n"
        );
        assert_eq!(code, 1);
    }
    // A bad list names the line and writes nothing.
    std::fs::write(&list, "ok.example\nbad..example\n").unwrap();
    let out2 = temp("never.img");
    let (code, _, err) = tollgate(
        &[
            "compile-hostset",
            list.to_str().unwrap(),
            "-o",
            out2.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 2);
    assert!(err.contains("line 2: invalid_host_name"), "{err}");
    assert!(!out2.exists());
}

/// The guide's table, written as a Microsoft 365 feed, compiles to exactly the built-in ACS
/// address and host-name images, and its port table answers as `acs_allows` does.
#[test]
fn the_guide_as_a_feed_reproduces_the_builtin_acs_sets() {
    let feed = fixture("acs-guide-m365.json");
    let ip_out = temp("acs-ip.img");
    let host_out = temp("acs-host.img");
    let (code, _, err) = tollgate(
        &[
            "compile-ipset",
            "--m365",
            &feed,
            "-o",
            ip_out.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = tollgate(
        &[
            "compile-hostset",
            "--m365",
            &feed,
            "-o",
            host_out.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");

    let ip_file = aligned(&std::fs::read(&ip_out).unwrap());
    let ip_bytes = view(&ip_file);
    let set = IpSet::load(ip_bytes).unwrap();
    assert_eq!(
        set.image(),
        acs_ipset().image(),
        "the address table differs from the built-in one"
    );
    let ports = PortTable::after(ip_bytes, set.image().len())
        .unwrap()
        .unwrap();
    let probes = [
        IpNumber::V4(0x3470_0001),            // 52.112.0.1: media and callback
        IpNumber::V4(0x347b_0001),            // 52.123.0.1
        IpNumber::V4(0x0808_0808),            // 8.8.8.8: neither
        IpNumber::V6(0x2620_01ec_0006 << 80), // callback only
        IpNumber::V6(0x2603_1063 << 96),      // both
    ];
    for addr in probes {
        let tags = set.lookup(addr);
        for protocol in [Protocol::Tcp, Protocol::Udp] {
            for port in [
                0u16, 79, 80, 81, 442, 443, 444, 3477, 3478, 3479, 3481, 3482, 65535,
            ] {
                assert_eq!(
                    ports.allows(tags, protocol, port),
                    acs_allows(addr, protocol, port),
                    "{addr:?} {protocol:?} {port}"
                );
            }
        }
    }

    let host_file = std::fs::read(&host_out).unwrap();
    let host_words = aligned(&host_file);
    let host_bytes = view(&host_words);
    let hosts = HostSet::load(host_bytes).unwrap();
    assert_eq!(
        hosts.image(),
        acs_hostset().image(),
        "the host-name table differs"
    );
    let host_ports = PortTable::after(host_bytes, hosts.image().len())
        .unwrap()
        .unwrap();
    let tags = hosts.lookup("x.teams.microsoft.com").unwrap();
    assert!(host_ports.allows(tags, Protocol::Tcp, 443));
    assert!(!host_ports.allows(tags, Protocol::Udp, 3478));
}

#[test]
fn feeds_select_areas_categories_and_tags() {
    let feed = fixture("m365-sample.json");
    let out = temp("skype-optimize.img");
    let (code, _, err) = tollgate(
        &[
            "compile-ipset",
            "--m365",
            &feed,
            "--service-area",
            "Skype",
            "--category",
            "Optimize",
            "-o",
            out.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    let (_, answers, _) = tollgate(
        &[
            "ip",
            "--set",
            out.to_str().unwrap(),
            "52.112.0.1",
            "2603:1027::1",
            "13.107.6.152",
        ],
        b"",
    );
    assert_eq!(
        answers,
        "52.112.0.1\tmatch\n2603:1027::1\tno-match\n13.107.6.152\tno-match\n"
    );

    let out = temp("tags.img");
    let (code, _, err) = tollgate(
        &[
            "compile-ipset",
            "--service-tags",
            &fixture("servicetags-sample.json"),
            "--tag",
            "AzureCommunicationServices",
            "--tag",
            "AzureEventGrid",
            "-o",
            out.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    let words = aligned(&std::fs::read(&out).unwrap());
    let set = IpSet::load(view(&words)).unwrap();
    assert_eq!(set.lookup_text("52.112.3.4"), Ok(1));
    assert_eq!(set.lookup_text("40.64.128.200"), Ok(2));
    assert_eq!(set.lookup_text("20.50.1.1"), Ok(0)); // a regional tag not asked for

    let out = temp("hosts.img");
    let (code, _, err) = tollgate(
        &[
            "compile-hostset",
            "--m365",
            &feed,
            "--service-area",
            "Common",
            "-o",
            out.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    let (_, answers, _) = tollgate(
        &[
            "host",
            "--set",
            out.to_str().unwrap(),
            "login.microsoftonline.com",
            "a.b.online.office.com",
            "teams.microsoft.com",
        ],
        b"",
    );
    assert_eq!(answers, "login.microsoftonline.com\tmatch\na.b.online.office.com\tmatch\nteams.microsoft.com\tno-match\n");
}

#[test]
fn bad_feeds_are_refused_and_nothing_is_written() {
    let dir = temp("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    };
    let good = fixture("m365-sample.json");
    let tags = fixture("servicetags-sample.json");
    let out = dir.join("out.img");
    let o = out.to_str().unwrap();
    // An existing output stays as it was.
    std::fs::write(&out, b"old").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "compile-ipset".into(),
                "--m365".into(),
                write("a.json", "{\"not\": \"an array\"}"),
            ],
            "invalid_feed",
        ),
        (
            vec![
                "compile-ipset".into(),
                "--m365".into(),
                write("b.json", "[1, 2"),
            ],
            "invalid_feed",
        ),
        (
            vec![
                "compile-ipset".into(),
                "--m365".into(),
                write(
                    "c.json",
                    r#"[{"id":1,"serviceArea":"X","category":"Optimize","ips":["10.1.2.3/8"]}]"#,
                ),
            ],
            "host_bits_set: did you mean 10.0.0.0/8?",
        ),
        (
            vec![
                "compile-ipset".into(),
                "--m365".into(),
                write(
                    "d.json",
                    r#"[{"id":1,"serviceArea":"X","category":"Sometimes"}]"#,
                ),
            ],
            "unknown category",
        ),
        (
            vec![
                "compile-ipset".into(),
                "--m365".into(),
                write(
                    "e.json",
                    r#"[{"id":1,"serviceArea":"X","category":"Allow","tcpPorts":"443-80"}]"#,
                ),
            ],
            "bad port list",
        ),
        (
            vec![
                "compile-ipset".into(),
                "--m365".into(),
                write(
                    "f.json",
                    r#"[{"id":1,"serviceArea":"X","category":"Allow","ips":[7]}]"#,
                ),
            ],
            "non-string",
        ),
        (
            vec![
                "compile-hostset".into(),
                "--m365".into(),
                write(
                    "g.json",
                    r#"[{"id":4,"serviceArea":"X","category":"Allow","urls":["autodiscover.*.onmicrosoft.com"]}]"#,
                ),
            ],
            "endpoint set 4",
        ),
        (
            vec![
                "compile-ipset".into(),
                "--m365".into(),
                good.clone(),
                "--service-area".into(),
                "Teams".into(),
            ],
            "unknown_feed_selector",
        ),
        (
            vec![
                "compile-hostset".into(),
                "--m365".into(),
                good.clone(),
                "--category".into(),
                "Required".into(),
            ],
            "unknown_feed_selector",
        ),
        (
            vec![
                "compile-ipset".into(),
                "--service-tags".into(),
                tags.clone(),
                "--tag".into(),
                "NoSuchTag".into(),
            ],
            "unknown_feed_selector",
        ),
        (
            vec![
                "compile-ipset".into(),
                "--service-tags".into(),
                write(
                    "h.json",
                    r#"{"values":[{"name":"T","properties":{"addressPrefixes":["2001:db8::1/32"]}}]}"#,
                ),
                "--tag".into(),
                "T".into(),
            ],
            "host_bits_set",
        ),
        (
            vec![
                "compile-ipset".into(),
                "--service-tags".into(),
                write("i.json", r#"{"values":[{"name":"T"}]}"#),
                "--tag".into(),
                "T".into(),
            ],
            "addressPrefixes",
        ),
    ];
    for (mut args, want) in cases {
        args.extend(["-o".into(), o.into()]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, err) = tollgate(&refs, b"");
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(stdout.is_empty());
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(
            std::fs::read(&out).unwrap(),
            b"old",
            "{args:?} wrote output"
        );
    }
    // No temporary files left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty());
}
