//! `tollgate verify`: check one RS256 token against a JWKS file and a policy.
//!
//! `tollgate verify --jwks FILE --iss ISS --aud AUD [--aud AUD]... [--leeway SECS]
//! [--now UNIX] [--max-age SECS] [TOKEN]` — the token is the argument or, when absent, stdin
//! (one trailing newline stripped). Exit 0 with the verified claims (the token's claim set, as
//! JSON) on stdout; exit 1 with `rejected: <error_name>: <description>` on stderr when the
//! token is rejected; exit 2 for usage or configuration errors (bad flags, an unreadable or
//! unusable JWKS, an invalid policy).

use crate::exit;
use std::io::Read;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};
use tollgate_core::jwk::KeySet;
use tollgate_core::jwt::{self, Policy};

/// Keys a JWKS may hold for the CLI (as many as the C `tollgate_keyset`).
pub const KEYSET_CAPACITY: usize = 16;

/// Verify an RS256 token (TOKEN or stdin) against a JWKS and a policy; claims on stdout.
///
/// Exit 0 with the verified claim set (JSON) on stdout; 1 with `rejected: <error_name>:
/// <description>` on stderr when the token is rejected; 2 for usage or configuration errors
/// (an unreadable or unusable JWKS, an invalid policy).
#[derive(clap::Args)]
pub struct Args {
    /// The JWKS file holding the issuer's keys.
    #[arg(long, value_name = "FILE", allow_hyphen_values = true)]
    jwks: String,
    /// The exact `iss` the token must carry.
    #[arg(long = "iss", value_name = "ISS", allow_hyphen_values = true)]
    issuer: String,
    /// An accepted audience (repeatable); the token's `aud` must contain one.
    #[arg(
        long = "aud",
        value_name = "AUD",
        required = true,
        allow_hyphen_values = true
    )]
    audiences: Vec<String>,
    /// Clock skew allowed on `exp`/`nbf`, in seconds [default: core's, 60].
    #[arg(long, value_name = "SECS", allow_hyphen_values = true)]
    leeway: Option<u64>,
    /// The current time as Unix seconds [default: the system clock].
    #[arg(long, value_name = "UNIX", allow_hyphen_values = true)]
    now: Option<u64>,
    /// Reject tokens whose `iat` is older than SECS.
    #[arg(long, value_name = "SECS", allow_hyphen_values = true)]
    max_age: Option<u64>,
    /// The token; read from stdin when absent (one trailing newline stripped).
    #[arg(value_name = "TOKEN")]
    token: Option<String>,
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

/// Run `tollgate verify`.
pub fn run(args: Args) -> ExitCode {
    match verify(args) {
        Ok(code) => code,
        Err(message) => exit::usage("verify", message),
    }
}

fn verify(options: Args) -> Result<ExitCode, String> {
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
        Err(e) => Ok(exit::rejected(e)),
    }
}
