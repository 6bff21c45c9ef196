//! The `tollgate apikey` contract: exit 0 match, 1 reject with the stable error name on
//! stderr, 2 usage; `apikey new` prints distinct URL-safe keys of at least 128 bits.

use std::process::{Command, Output};

fn tollgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .output()
        .expect("run tollgate")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_matches_any_of_several_keys() {
    let o = tollgate(&[
        "apikey",
        "check",
        "--key",
        "old",
        "--key",
        "new",
        "/hook?token=new",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = tollgate(&[
        "apikey",
        "check",
        "--key",
        "k",
        "--param",
        "api-key",
        "https://h/p?api-key=k",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn check_rejections_exit_1_with_the_stable_name() {
    for (uri, name) in [
        ("/hook?token=nope", "key_mismatch"),
        ("/hook", "missing_parameter"),
        ("/hook?token=k&token=k", "duplicate_parameter"),
        ("/hook?token=%zz", "invalid_uri"),
    ] {
        let o = tollgate(&["apikey", "check", "--key", "k", uri]);
        assert_eq!(o.status.code(), Some(1), "{uri}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(name), "{uri}: {err}");
    }
}

#[test]
fn check_reads_keys_from_a_file() {
    let dir = std::env::temp_dir().join(format!("tollgate-apikey-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keys");
    std::fs::write(&file, "first\n\nsecond\n").unwrap();
    let path = file.to_str().unwrap();
    let ok = tollgate(&["apikey", "check", "--key-file", path, "/w?token=second"]);
    let bad = tollgate(&["apikey", "check", "--key-file", path, "/w?token=third"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn flag_values_may_start_with_a_dash() {
    // base64url keys from `apikey new` start with `-` one time in 64.
    let o = tollgate(&["apikey", "check", "--key", "-k-", "/w?token=-k-"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = tollgate(&[
        "apikey",
        "check",
        "--key",
        "--k",
        "--param",
        "-p",
        "/w?-p=--k",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["apikey"][..],
        &["apikey", "check", "/w?token=k"],
        &["apikey", "check", "--key", "k"],
        &["apikey", "check", "--key", "", "/w?token="],
        &["apikey", "check", "--key", "k", "--param", "", "/w?token=k"],
        &["apikey", "check", "--key", "k", "/a", "/b"],
        &["apikey", "check", "--key"],
        &["apikey", "check", "--bogus", "--key", "k", "/w"],
        &["apikey", "new", "--bytes", "15"],
        &["apikey", "frob"],
    ] {
        assert_eq!(tollgate(args).status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn new_keys_are_random_url_safe_and_long_enough() {
    let key = |args: &[&str]| {
        let o = tollgate(args);
        assert_eq!(o.status.code(), Some(0));
        String::from_utf8(o.stdout).unwrap().trim_end().to_string()
    };
    let a = key(&["apikey", "new"]);
    let b = key(&["apikey", "new"]);
    assert_ne!(a, b);
    assert_eq!(a.len(), 43); // 32 bytes, base64url without padding
    let short = key(&["apikey", "new", "--bytes", "16"]);
    assert_eq!(short.len(), 22); // 128 bits
    for k in [&a, &b, &short] {
        assert!(
            k.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
            "{k}"
        );
        // A fresh key works with the checker as-is in a URI.
        let uri = format!("/hook?token={k}");
        assert_eq!(
            tollgate(&["apikey", "check", "--key", k, &uri])
                .status
                .code(),
            Some(0)
        );
    }
}
