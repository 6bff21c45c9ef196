//! `tollgate verify`: check one RS256 token against a JWKS file and a policy.
//!
//! `tollgate verify --jwks FILE --iss ISS --aud AUD [--aud AUD]... [--leeway SECS]
//! [--now UNIX] [--max-age SECS] [TOKEN]` — the token is the argument or, when absent, stdin
//! (one trailing newline stripped). Exit 0 with the verified claims (the token's claim set, as
//! JSON) on stdout; exit 1 with `rejected: <error_name>: <description>` on stderr when the
//! token is rejected; exit 2 for usage or configuration errors (bad flags, an unreadable or
//! unusable JWKS, an invalid policy).

use std::io::Read;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};
use tollgate_core::jwk::KeySet;
use tollgate_core::jwt::{self, Policy};
use tollgate_core::Error;

/// Usage text of `verify`.
pub const USAGE: &str = "\
\x20 verify --jwks FILE --iss ISS --aud AUD [--aud AUD]... [--leeway SECS] [--now UNIX]
\x20        [--max-age SECS] [TOKEN]    verify an RS256 token (TOKEN or stdin); claims on stdout
";

/// Keys a JWKS may hold for the CLI (as many as the C `tollgate_keyset`).
const KEYSET_CAPACITY: usize = tollgate_core::jwt::KEY_SET_CAPACITY;

struct Options {
    jwks: String,
    issuer: String,
    audiences: Vec<String>,
    leeway: Option<u64>,
    now: Option<u64>,
    max_age: Option<u64>,
    token: Option<String>,
}

fn seconds(flag: &str, value: &str) -> Result<u64, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} needs a non-negative integer, not {value:?}"))
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let (mut jwks, mut issuer) = (None, None);
    let mut options = Options {
        jwks: String::new(),
        issuer: String::new(),
        audiences: Vec::new(),
        leeway: None,
        now: None,
        max_age: None,
        token: None,
    };
    let mut it = args.iter();
    let mut positional_only = false;
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match arg.as_str() {
            _ if positional_only => set_token(&mut options.token, arg)?,
            "--jwks" => jwks = Some(value("--jwks")?),
            "--iss" => issuer = Some(value("--iss")?),
            "--aud" => options.audiences.push(value("--aud")?),
            "--leeway" => options.leeway = Some(seconds("--leeway", &value("--leeway")?)?),
            "--now" => options.now = Some(seconds("--now", &value("--now")?)?),
            "--max-age" => options.max_age = Some(seconds("--max-age", &value("--max-age")?)?),
            "--" => positional_only = true,
            flag if flag.starts_with('-') && flag.len() > 1 => {
                return Err(format!("unknown flag {flag}"))
            }
            _ => set_token(&mut options.token, arg)?,
        }
    }
    options.jwks = jwks.ok_or("--jwks FILE is required")?;
    options.issuer = issuer.ok_or("--iss ISS is required")?;
    if options.audiences.is_empty() {
        return Err("at least one --aud is required".into());
    }
    Ok(options)
}

fn set_token(slot: &mut Option<String>, arg: &str) -> Result<(), String> {
    if slot.replace(arg.to_string()).is_some() {
        return Err("expected at most one TOKEN".into());
    }
    Ok(())
}

/// The token from stdin (bytes: invalid UTF-8 is the verifier's `malformed`, not a usage
/// error) with one trailing newline (`\n` or `\r\n`) removed.
fn read_stdin_token() -> Result<Vec<u8>, String> {
    let mut token = Vec::new();
    std::io::stdin()
        .read_to_end(&mut token)
        .map_err(|e| format!("cannot read the token from stdin: {e}"))?;
    if token.last() == Some(&b'\n') {
        token.pop();
        if token.last() == Some(&b'\r') {
            token.pop();
        }
    }
    Ok(token)
}

fn unix_now() -> Result<u64, String> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| "the system clock is before 1970; pass --now".to_string())
}

/// Run `tollgate verify ARGS...`.
pub fn run(args: &[String]) -> ExitCode {
    match verify(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("tollgate verify: {message}");
            eprint!("usage:\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn verify(args: &[String]) -> Result<ExitCode, String> {
    let options = parse_args(args)?;
    let document = std::fs::read(&options.jwks)
        .map_err(|e| format!("cannot read JWKS {}: {e}", options.jwks))?;
    let keys = Box::new(KeySet::<KEYSET_CAPACITY>::parse(&document).map_err(|e| {
        format!(
            "unusable JWKS {}: {}: {}",
            options.jwks,
            e.name(),
            e.description()
        )
    })?);
    let audiences: Vec<&str> = options.audiences.iter().map(String::as_str).collect();
    let mut policy = Policy::new(&options.issuer, &audiences);
    if let Some(leeway) = options.leeway {
        policy.leeway = leeway;
    }
    policy.max_age = options.max_age;
    policy
        .check()
        .map_err(|_| "invalid policy: --iss and every --aud must be non-empty".to_string())?;
    let token = match options.token {
        Some(token) => token.into_bytes(),
        None => read_stdin_token()?,
    };
    let now = match options.now {
        Some(now) => now,
        None => unix_now()?,
    };
    let mut scratch = vec![0u8; jwt::scratch_len(token.len())];
    match jwt::verify(&keys, &policy, &token, now, &mut scratch) {
        Ok(claims) => {
            println!("{}", claims.json());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            reject(e);
            Ok(ExitCode::from(1))
        }
    }
}

fn reject(e: Error) {
    eprintln!("rejected: {}: {}", e.name(), e.description().trim());
}
