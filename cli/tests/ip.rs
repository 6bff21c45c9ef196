//! The `tollgate ip` and `tollgate compile-ipset` contract: output lines, exit codes, sets.

use std::io::Write;
use std::process::{Command, Stdio};

fn tollgate(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
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
