//! The `tollgate verify | decode | discover` contract: exit 0 with JSON on stdout, 1 with one
//! line naming the stable error on stderr, 2 for usage and configuration errors. Every case of
//! the PyJWT-minted manifest goes through `verify`.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ACS_ISS: &str = "https://acscallautomation.communication.azure.com";
const ACS_AUD: &str = "6a3b8f0e-2c1d-4e5f-9a7b-3c2d1e0f4a5b";
const ACS_NOW: &str = "1767225660";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn pyjwt(rel: &str) -> String {
    fixtures().join("pyjwt").join(rel).display().to_string()
}

fn manifest() -> Value {
    let text = std::fs::read_to_string(fixtures().join("pyjwt/manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn case(name: &str) -> Value {
    manifest()["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no manifest case {name}"))
        .clone()
}

fn tollgate(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tollgate");
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(input) = stdin {
            pipe.write_all(input).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn acs_args<'a>(jwks: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "verify", "--jwks", jwks, "--iss", ACS_ISS, "--aud", ACS_AUD, "--now", ACS_NOW,
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn every_manifest_case_gets_its_expected_exit_and_name() {
    let manifest = manifest();
    let tokens = manifest["tokens"].as_array().unwrap();
    assert!(tokens.len() >= 30);
    for t in tokens {
        let name = t["name"].as_str().unwrap();
        let jwks = pyjwt(t["jwks"].as_str().unwrap());
        let policy = &t["policy"];
        let now = t["now"].as_u64().unwrap().to_string();
        let leeway = policy["leeway"].as_u64().unwrap().to_string();
        let mut args = vec![
            "verify".to_string(),
            "--jwks".into(),
            jwks,
            "--iss".into(),
            policy["issuer"].as_str().unwrap().into(),
            "--now".into(),
            now,
            "--leeway".into(),
            leeway,
        ];
        for aud in policy["audiences"].as_array().unwrap() {
            args.push("--aud".into());
            args.push(aud.as_str().unwrap().into());
        }
        args.push(t["token"].as_str().unwrap().into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = tollgate(&args, None);
        let expect = t["expect"].as_str().unwrap();
        if expect == "ok" {
            assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
            let printed: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
            let claims = &t["claims"];
            for field in ["iss", "sub", "jti"] {
                assert_eq!(printed[field], claims[field], "{name}: {field}");
            }
            // The printed claim set is the token's; its `aud` may be an array containing the
            // matched audience.
            let aud = &printed["aud"];
            assert!(
                aud == &claims["aud"] || aud.as_array().is_some_and(|a| a.contains(&claims["aud"])),
                "{name}: aud {aud}"
            );
        } else {
            assert_eq!(o.status.code(), Some(1), "{name}: {}", stdout(&o));
            let err = stderr(&o);
            assert_eq!(err.lines().count(), 1, "{name}: {err}");
            assert!(
                err.starts_with(&format!("rejected: {expect}: ")),
                "{name}: want {expect}, got {err}"
            );
            assert!(stdout(&o).is_empty(), "{name}");
        }
    }
}

#[test]
fn token_from_stdin_with_one_trailing_newline_stripped() {
    let jwks = pyjwt("jwks/acs.json");
    let token = case("acs_webhook")["token"].as_str().unwrap().to_string();
    for input in [token.clone(), format!("{token}\n"), format!("{token}\r\n")] {
        let o = tollgate(&acs_args(&jwks, &[]), Some(input.as_bytes()));
        assert_eq!(o.status.code(), Some(0), "{input:?}: {}", stderr(&o));
        let claims: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        assert_eq!(claims["iss"], ACS_ISS);
    }
    // Only one newline is stripped: a second one is part of the token and malformed.
    let o = tollgate(
        &acs_args(&jwks, &[]),
        Some(format!("{token}\n\n").as_bytes()),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("rejected: malformed: "),
        "{}",
        stderr(&o)
    );
    // Bytes that are not UTF-8 are a malformed token, not a usage error.
    let o = tollgate(&acs_args(&jwks, &[]), Some(b"\xff.e30.e30\n"));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("rejected: malformed: "),
        "{}",
        stderr(&o)
    );
    // The bundled sample is the same token.
    let sample = std::fs::read(fixtures().join("sample/acs-webhook.jwt")).unwrap();
    let o = tollgate(&acs_args(&jwks, &[]), Some(&sample));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn leeway_max_age_and_several_audiences() {
    let jwks = pyjwt("jwks/acs.json");
    let boundary = case("acs_webhook_expired_at_leeway_boundary");
    let token = boundary["token"].as_str().unwrap();
    let now = boundary["now"].as_u64().unwrap().to_string();
    let base = [
        "verify", "--jwks", &jwks, "--iss", ACS_ISS, "--aud", "other", "--aud", ACS_AUD, "--now",
        &now,
    ];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        args.push(token);
        tollgate(&args, None)
    };
    assert_eq!(run(&[]).status.code(), Some(1));
    assert_eq!(run(&["--leeway", "61"]).status.code(), Some(0));
    let o = run(&["--leeway", "61", "--max-age", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("rejected: too_old: "),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        run(&["--leeway", "61", "--max-age", "3600"]).status.code(),
        Some(0)
    );
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let jwks = pyjwt("jwks/acs.json");
    let token = case("acs_webhook")["token"].as_str().unwrap().to_string();
    let dir = std::env::temp_dir().join(format!("tollgate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ec_only = dir.join("ec.json");
    std::fs::write(
        &ec_only,
        r#"{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}"#,
    )
    .unwrap();
    let not_json = dir.join("bad.json");
    std::fs::write(&not_json, "{keys").unwrap();
    let ec_only = ec_only.display().to_string();
    let not_json = not_json.display().to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["verify", "--iss", ACS_ISS, "--aud", ACS_AUD, &token],
            "--jwks",
        ),
        (
            vec!["verify", "--jwks", &jwks, "--aud", ACS_AUD, &token],
            "--iss",
        ),
        (
            vec!["verify", "--jwks", &jwks, "--iss", ACS_ISS, &token],
            "--aud",
        ),
        (acs_args("/nonexistent/jwks.json", &[&token]), "cannot read"),
        (acs_args(&ec_only, &[&token]), "no_usable_key"),
        (acs_args(&not_json, &[&token]), "invalid_jwks"),
        (acs_args(&jwks, &["--leeway", "-1", &token]), "--leeway"),
        (acs_args(&jwks, &["--now", "soon", &token]), "--now"),
        (acs_args(&jwks, &["--bogus", &token]), "'--bogus'"),
        (acs_args(&jwks, &[&token, &token]), "unexpected argument"),
        (acs_args(&jwks, &["--max-age"]), "a value is required"),
        (
            vec![
                "verify", "--jwks", &jwks, "--iss", "", "--aud", ACS_AUD, &token,
            ],
            "invalid policy",
        ),
        (vec!["decode"], "<TOKEN>"),
        (vec!["discover"], "<FILE>"),
        (vec!["discover", "/nonexistent/openid.json"], "cannot read"),
        (vec!["frobnicate"], "unrecognized subcommand"),
    ];
    for (args, needle) in cases {
        let o = tollgate(&args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn decode_shows_header_and_payload_marked_unverified() {
    // The attacker's token decodes just as well: decode verifies nothing.
    for name in ["acs_webhook", "attacker_key_with_known_kid"] {
        let t = case(name);
        let o = tollgate(&["decode", t["token"].as_str().unwrap()], None);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let shown: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        assert_eq!(shown["unverified"], true);
        assert_eq!(shown["header"], t["header"]);
        assert_eq!(shown["payload"]["iss"], ACS_ISS);
        assert!(shown["signature_len"].as_u64().unwrap() >= 256);
    }
    // A payload that is not JSON is shown as a string (RFC 7520 4.1 signs plain text).
    let text_token = std::fs::read_to_string(fixtures().join("jwt/rfc7520-4.1.jwt")).unwrap();
    let o = tollgate(&["decode", text_token.trim()], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let shown: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert!(shown["payload"]
        .as_str()
        .unwrap()
        .starts_with("It\u{2019}s a dangerous business"));
    for bad in ["abc", "a.b.c.d", "e30.e30=.e30", "bm90IGpzb24.e30.e30"] {
        let o = tollgate(&["decode", bad], None);
        assert_eq!(o.status.code(), Some(1), "{bad}");
        assert!(
            stderr(&o).starts_with("rejected: malformed: "),
            "{bad}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn discover_prints_issuer_and_unescaped_jwks_uri() {
    let doc = fixtures().join("sample/acs-openid-configuration.json");
    let o = tollgate(&["discover", &doc.display().to_string()], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let shown: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(shown["issuer"], ACS_ISS);
    assert_eq!(
        shown["jwks_uri"],
        "https://acscallautomation.communication.azure.com/calling/keys"
    );
    let o = tollgate(
        &["discover", "-"],
        Some(br#"{"issuer":"a\"b","jwks_uri":"https://h/k"}"#),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let shown: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(shown["issuer"], "a\"b");
    for (doc, name) in [
        (
            &br#"{"issuer":"i","jwks_uri":"http://h/k"}"#[..],
            "insecure_jwks_uri",
        ),
        (br#"{"issuer":"i"}"#, "invalid_discovery"),
        (
            br#"{"issuer":"i","jwks_uri":"https://h/k","issuer":"j"}"#,
            "invalid_discovery",
        ),
    ] {
        let o = tollgate(&["discover", "-"], Some(doc));
        assert_eq!(o.status.code(), Some(1));
        assert!(
            stderr(&o).starts_with(&format!("rejected: {name}: ")),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn discover_expect_issuer_is_an_exact_match() {
    // OIDC Discovery §4.3: the issuer in the document must be identical to the expected one.
    let doc = fixtures().join("sample/acs-openid-configuration.json");
    let doc = doc.display().to_string();
    let o = tollgate(&["discover", &doc, "--expect-issuer", ACS_ISS], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let shown: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(shown["issuer"], ACS_ISS);
    let near_misses = [
        format!("{ACS_ISS}/"),
        ACS_ISS.to_uppercase(),
        ACS_ISS.replace("https", "http"),
        ACS_ISS[..ACS_ISS.len() - 1].to_string(),
        String::new(),
    ];
    for expected in &near_misses {
        let o = tollgate(&["discover", &doc, "--expect-issuer", expected], None);
        assert_eq!(o.status.code(), Some(1), "{expected}");
        assert!(
            stderr(&o).starts_with("rejected: wrong_issuer: "),
            "{expected}: {}",
            stderr(&o)
        );
        assert!(stdout(&o).is_empty());
    }
    // Escapes are compared after unescaping: `https:\/\/h` is `https://h`.
    let o = tollgate(
        &["discover", "-", "--expect-issuer", "https://h"],
        Some(br#"{"issuer":"https:\/\/h","jwks_uri":"https://h/k"}"#),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
