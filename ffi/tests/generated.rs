//! Freshness of the generated files: `ffi/src/status.rs` (from core's `Error` list),
//! `ffi/src/token/skip.rs` (from core's `SkipReason` list and its doc comments) and
//! `include/tollgate.h` (cbindgen over this crate). Each test regenerates its file and fails
//! when the committed one differs; `TOLLGATE_BLESS=1 cargo test -p tollgate-ffi --test generated`
//! rewrites them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tollgate_core::jwk::SkipReason;
use tollgate_core::Error;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn check_or_bless(path: &Path, fresh: &str) {
    let blessing = std::env::var_os("TOLLGATE_BLESS").is_some();
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current == fresh {
        return;
    }
    if blessing {
        std::fs::write(path, fresh).unwrap();
        return;
    }
    panic!(
        "{} is stale; refresh it with:\n  TOLLGATE_BLESS=1 cargo test -p tollgate-ffi --test generated",
        path.display()
    );
}

fn variant(e: Error) -> String {
    format!("{e:?}")
}

fn status_source() -> String {
    let mut s = String::new();
    s.push_str(
        "//! The C status codes, one per `tollgate_core::Error` plus `Ok`.\n\
         //!\n\
         //! Generated from core's error list by ffi/tests/generated.rs; do not edit. Refresh with\n\
         //! `TOLLGATE_BLESS=1 cargo test -p tollgate-ffi --test generated`.\n\n\
         use tollgate_core::Error;\n\n\
         /// The result of every fallible call: `TOLLGATE_STATUS_OK` (0) or why it failed.\n\
         /// Values are stable; a retired value is never reused. Functions return it as this\n\
         /// enum type (so a C or C++ `switch` over it can warn about missing cases) and are\n\
         /// must-use; functions that take a status take it as `uint32_t`.\n\
         #[repr(C)]\n\
         #[derive(Clone, Copy, Debug, PartialEq, Eq)]\n\
         pub enum tollgate_status {\n    /// Success.\n    Ok = 0,\n",
    );
    for &e in Error::ALL {
        writeln!(s, "    /// {}", e.description().trim()).unwrap();
        writeln!(s, "    {} = {},", variant(e), e.code()).unwrap();
    }
    s.push_str("}\n\nimpl From<Error> for tollgate_status {\n    fn from(e: Error) -> Self {\n        match e {\n");
    for &e in Error::ALL {
        writeln!(
            s,
            "            Error::{v} => tollgate_status::{v},",
            v = variant(e)
        )
        .unwrap();
    }
    s.push_str("        }\n    }\n}\n\n");
    s.push_str(
        "impl From<Result<(), Error>> for tollgate_status {\n    fn from(r: Result<(), Error>) -> Self {\n        match r {\n            Ok(()) => tollgate_status::Ok,\n            Err(e) => e.into(),\n        }\n    }\n}\n\n",
    );
    s.push_str("/// The NUL-terminated name of any status value (`unknown_status` for unassigned ones).\npub(crate) fn status_cstr(status: u32) -> &'static [u8] {\n    match status {\n        0 => b\"ok\\0\",\n");
    for &e in Error::ALL {
        writeln!(s, "        {} => b\"{}\\0\",", e.code(), e.name()).unwrap();
    }
    s.push_str("        _ => b\"unknown_status\\0\",\n    }\n}\n");
    s
}

/// Rustdoc links (`[`x`]`, `[`a::b`]`) as plain code spans naming the last path segment, so
/// no link markers reach the C header.
fn plain_doc(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("[`") {
        let Some(len) = rest[start..].find("`]") else {
            break;
        };
        out.push_str(&rest[..start]);
        let inner = &rest[start + 2..start + len];
        let name = inner.rsplit("::").next().unwrap();
        write!(out, "`{name}`").unwrap();
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// The doc comment of each `SkipReason` variant, read from core's source (so a new variant's
/// documentation reaches the header without being written twice), by variant name.
fn skip_reason_docs() -> Vec<(String, Vec<String>)> {
    let source = std::fs::read_to_string(root().join("core/src/jwk/report.rs")).unwrap();
    let body = source
        .split_once("pub enum SkipReason {")
        .expect("SkipReason enum not found in core/src/jwk/report.rs")
        .1;
    let body = &body[..body.find("\n}").unwrap()];
    let mut docs = Vec::new();
    let mut pending = Vec::new();
    for line in body.lines().map(str::trim) {
        if let Some(doc) = line.strip_prefix("///") {
            pending.push(plain_doc(doc.trim()));
        } else if let Some((name, _)) = line.split_once('=') {
            docs.push((name.trim().to_string(), std::mem::take(&mut pending)));
        }
    }
    docs
}

fn skip_source() -> String {
    let docs = skip_reason_docs();
    let mut s = String::new();
    s.push_str(
        "//! The C skip-reason numbers of `tollgate_jwks_report`, one per\n\
         //! `tollgate_core::jwk::SkipReason`, and their names.\n\
         //!\n\
         //! Generated from core's list by ffi/tests/generated.rs; do not edit. Refresh with\n\
         //! `TOLLGATE_BLESS=1 cargo test -p tollgate-ffi --test generated`.\n\n\
         use tollgate_core::jwk::SkipReason;\n\n",
    );
    assert_eq!(
        docs.len(),
        SkipReason::ALL.len(),
        "SkipReason source and ALL disagree"
    );
    for reason in SkipReason::ALL {
        let variant = format!("{reason:?}");
        let lines = &docs
            .iter()
            .find(|(name, _)| *name == variant)
            .unwrap_or_else(|| panic!("no doc comment found for SkipReason::{variant}"))
            .1;
        let constant = format!("TOLLGATE_SKIP_{}", reason.name().to_uppercase());
        writeln!(
            s,
            "/// Skip reason `{}`. {}",
            reason.name(),
            lines.join(" ")
        )
        .unwrap();
        writeln!(s, "pub const {constant}: u32 = {};", reason as u32).unwrap();
        writeln!(
            s,
            "const _: () = assert!(SkipReason::{variant} as u32 == {constant});\n"
        )
        .unwrap();
    }
    s.push_str(
        "/// The NUL-terminated name of any skip-reason number (`unknown_skip_reason` for others).\n\
         pub(crate) fn skip_reason_cstr(reason: u32) -> &'static [u8] {\n    match reason {\n",
    );
    for reason in SkipReason::ALL {
        writeln!(s, "        {} => b\"{}\\0\",", reason as u32, reason.name()).unwrap();
    }
    s.push_str("        _ => b\"unknown_skip_reason\\0\",\n    }\n}\n");
    rustfmt(&s)
}

/// `source` as `cargo fmt` would leave it, so formatting never makes a generated file stale.
fn rustfmt(source: &str) -> String {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("rustfmt not found (rustup component add rustfmt)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(source.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "rustfmt failed on generated code");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn skip_rs_is_fresh() {
    check_or_bless(&root().join("ffi/src/token/skip.rs"), &skip_source());
}

#[test]
fn plain_doc_drops_link_markers() {
    assert_eq!(
        plain_doc("longer than [`super::MAX_KID_LEN`] bytes, see [`Error`]."),
        "longer than `MAX_KID_LEN` bytes, see `Error`."
    );
}

#[test]
fn status_rs_is_fresh() {
    check_or_bless(&root().join("ffi/src/status.rs"), &status_source());
}

#[test]
fn header_is_fresh() {
    let ffi = root().join("ffi");
    let config = cbindgen::Config::from_file(ffi.join("cbindgen.toml")).unwrap();
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(&ffi)
        .with_config(config)
        .generate()
        .expect("cbindgen failed")
        .write(&mut out);
    // Rustdoc links read as C docs: `[`x`]` becomes `x` in code quotes.
    let header: String = String::from_utf8(out)
        .unwrap()
        .split_inclusive('\n')
        .map(plain_doc)
        .collect();
    check_or_bless(&root().join("include/tollgate.h"), &header);
}

#[test]
fn header_has_no_rustdoc_link_markers() {
    let header = std::fs::read_to_string(root().join("include/tollgate.h")).unwrap();
    for (n, line) in header.lines().enumerate() {
        assert!(
            !line.contains("[`") && !line.contains("`]"),
            "include/tollgate.h:{}: rustdoc link marker in {line:?}",
            n + 1
        );
    }
}

#[test]
fn abi_version_and_sizes_match_the_header() {
    let header = std::fs::read_to_string(root().join("include/tollgate.h")).unwrap();
    let want = format!(
        "#define TOLLGATE_ABI_VERSION {}",
        tollgate::tollgate_abi_version()
    );
    assert!(header.contains(&want), "header lacks `{want}`");
    use tollgate::token::{keyset::*, policy::*, verify::*};
    for (name, size) in [
        ("TOLLGATE_KEYSET_SIZE", tollgate_keyset_size()),
        ("TOLLGATE_POLICY_SIZE", tollgate_policy_size()),
        ("TOLLGATE_JWKS_REPORT_SIZE", tollgate_jwks_report_size()),
    ] {
        let want = format!("#define {name} {size}");
        assert!(header.contains(&want), "header lacks `{want}`");
    }
    assert_eq!(
        tollgate_claims_size(),
        std::mem::size_of::<tollgate_claims>()
    );
    let want = format!(
        "#define TOLLGATE_VERIFY_SCRATCH_MAX {}",
        tollgate_verify_scratch_size(TOLLGATE_DEFAULT_MAX_TOKEN_LEN)
    );
    assert!(header.contains(&want), "header lacks `{want}`");
}

#[test]
fn header_version_macros_match_cargo() {
    let header = std::fs::read_to_string(root().join("include/tollgate.h")).unwrap();
    let mut parts = env!("CARGO_PKG_VERSION").split('.');
    for name in ["MAJOR", "MINOR", "PATCH"] {
        let want = format!("#define TOLLGATE_VERSION_{name} {}", parts.next().unwrap());
        assert!(header.contains(&want), "header lacks `{want}`");
    }
    let v = unsafe { std::ffi::CStr::from_ptr(tollgate::tollgate_version()) };
    assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

#[test]
fn status_str_names_every_value() {
    let name = |v: u32| unsafe { std::ffi::CStr::from_ptr(tollgate::tollgate_status_str(v)) };
    assert_eq!(name(0).to_str().unwrap(), "ok");
    for &e in Error::ALL {
        assert_eq!(name(e.code()).to_str().unwrap(), e.name());
        assert_eq!(tollgate::tollgate_status::from(e) as u32, e.code());
    }
    for v in [9999, u32::MAX] {
        assert_eq!(name(v).to_str().unwrap(), "unknown_status");
    }
}
