//! The `tollgate ip` and `tollgate compile-ipset` contract: output lines, exit codes, sets.

use std::io::Write;
use std::process::{Command, Stdio};

fn tollgate(args: &[&str], stdin: &str) -> (i32, String, String) {
    tollgate_bytes(args, stdin.as_bytes())
}

fn tollgate_bytes(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
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

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tollgate-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn matches_against_the_builtin_acs_set() {
    let (code, out, _) = tollgate(
        &["ip", "52.112.0.1", "2603:1063::1", "::ffff:52.123.0.9"],
        "",
    );
    assert_eq!(
        out,
        "52.112.0.1\tmatch\n2603:1063::1\tmatch\n::ffff:52.123.0.9\tmatch\n"
    );
    assert_eq!(code, 0);
    let (code, out, _) = tollgate(&["ip", "--", "52.112.0.1", "8.8.8.8"], "");
    assert_eq!(out, "52.112.0.1\tmatch\n8.8.8.8\tno-match\n");
    assert_eq!(code, 1);
    let (code, out, _) = tollgate(&["ip", "8.8.8.8", "010.1.1.1", "52.112.0.1"], "");
    assert_eq!(
        out,
        "8.8.8.8\tno-match\n010.1.1.1\tinvalid\n52.112.0.1\tmatch\n"
    );
    assert_eq!(code, 2);
}

#[test]
fn category_sets() {
    let (code, out, _) = tollgate(
        &["ip", "--set", "acs-media", "2620:1ec:6::1", "52.112.0.1"],
        "",
    );
    assert_eq!(
        (code, out.as_str()),
        (1, "2620:1ec:6::1\tno-match\n52.112.0.1\tmatch\n")
    );
    let (code, out, _) = tollgate(&["ip", "--set", "acs-callback", "2620:1ec:6::1"], "");
    assert_eq!((code, out.as_str()), (0, "2620:1ec:6::1\tmatch\n"));
}

#[test]
fn reads_stdin_one_address_per_line() {
    let (code, out, _) = tollgate(&["ip"], "52.122.0.1\r\n1.1.1.1\n");
    assert_eq!(out, "52.122.0.1\tmatch\n1.1.1.1\tno-match\n");
    assert_eq!(code, 1);
}

#[test]
fn stdin_lines_that_are_not_utf8_or_too_long_are_invalid_and_reading_goes_on() {
    // Issue 8 item 6: a non-UTF-8 line used to stop the run with "stream did not contain
    // valid UTF-8"; now it is answered `invalid` (lossy text, U+FFFD) and the next lines follow.
    let mut input = b"52.112.0.1\n\xff\xfe1.2.3.4\r\n52.122.0.1\n".to_vec();
    input.extend_from_slice(&[b'1'; 100_000]); // one line far longer than any address
    input.extend_from_slice(b"\n52.112.0.2\n\x80");
    let (code, out, err) = tollgate_bytes(&["ip"], &input);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    assert_eq!(lines[0], "52.112.0.1\tmatch");
    assert_eq!(lines[1], "\u{fffd}\u{fffd}1.2.3.4\tinvalid");
    assert_eq!(lines[2], "52.122.0.1\tmatch");
    assert!(
        lines[3].ends_with("\u{2026}\tinvalid") && lines[3].len() < 300,
        "{}",
        lines[3]
    );
    assert_eq!(lines[4], "52.112.0.2\tmatch");
    assert_eq!(lines[5], "\u{fffd}\tinvalid"); // last line, no newline
    assert_eq!(code, 2, "{err}");
    assert!(err.is_empty(), "{err}");
    // Only valid lines: every one matched, exit 0; an empty input answers nothing.
    assert_eq!(
        tollgate_bytes(&["ip"], b"52.112.0.1\n"),
        (0, "52.112.0.1\tmatch\n".into(), String::new())
    );
    assert_eq!(
        tollgate_bytes(&["ip"], b""),
        (0, String::new(), String::new())
    );
}

#[test]
fn list_files_images_and_errors() {
    let list = temp("list.txt");
    std::fs::write(&list, "10.0.0.0/8 # private\n2001:db8::/32 4\n").unwrap();
    let image = temp("list.img");
    let (code, _, err) = tollgate(
        &[
            "compile-ipset",
            list.to_str().unwrap(),
            "-o",
            image.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    for set in [&list, &image] {
        let (code, out, _) = tollgate(
            &[
                "ip",
                "--set",
                set.to_str().unwrap(),
                "10.2.3.4",
                "2001:db8::1",
            ],
            "",
        );
        assert_eq!(
            (code, out.as_str()),
            (0, "10.2.3.4\tmatch\n2001:db8::1\tmatch\n")
        );
    }
    // A corrupted image cannot be loaded.
    let mut bytes = std::fs::read(&image).unwrap();
    let last = bytes.len() - 20;
    bytes[last] ^= 1;
    std::fs::write(&image, &bytes).unwrap();
    let (code, out, err) = tollgate(&["ip", "--set", image.to_str().unwrap(), "10.2.3.4"], "");
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("image_bad_checksum"), "{err}");
    // A list error names the line and the canonical prefix.
    std::fs::write(&list, "10.0.0.0/8\n10.1.2.3/8\n").unwrap();
    let (code, _, err) = tollgate(&["ip", "--set", list.to_str().unwrap(), "10.2.3.4"], "");
    assert_eq!(code, 2);
    assert!(
        err.contains("line 2: host_bits_set: did you mean 10.0.0.0/8?"),
        "{err}"
    );
    let (code, _, err) = tollgate(&["ip", "--set", "/nonexistent/list", "1.1.1.1"], "");
    assert_eq!(code, 2);
    assert!(!err.is_empty());
}
