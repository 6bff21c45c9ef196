//! `tollgate decode TOKEN`: show a token's header and payload WITHOUT verifying anything, for
//! debugging. Prints `{"unverified":true,"header":...,"payload":...,"signature_len":N}`;
//! the payload is printed as JSON when it is valid JSON, else as a JSON string. Exit 1 with
//! `rejected: <error_name>: ...` when the token cannot be decoded, 2 for usage errors.

use crate::json_text;
use std::process::ExitCode;
use tollgate_core::json;
use tollgate_core::jwt::{self, DEFAULT_MAX_DEPTH};

/// Usage text of `decode`.
pub const USAGE: &str = "\
\x20 decode TOKEN                         show header and payload, UNVERIFIED (debugging only)
";

/// Run `tollgate decode ARGS...`.
pub fn run(args: &[String]) -> ExitCode {
    let token = match args {
        [token] if !token.starts_with("--") => token,
        [dashdash, token] if dashdash == "--" => token,
        _ => {
            eprintln!("tollgate decode: expected exactly one TOKEN");
            eprint!("usage:\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut scratch = vec![0u8; jwt::scratch_len(token.len())];
    match jwt::decode_unverified(token.as_bytes(), &mut scratch, DEFAULT_MAX_DEPTH) {
        Ok(decoded) => {
            println!(
                "{{\"unverified\":true,\"header\":{},\"payload\":{},\"signature_len\":{}}}",
                decoded.header,
                payload_json(decoded.payload),
                decoded.signature_len
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rejected: {}: {}", e.name(), e.description().trim());
            ExitCode::from(1)
        }
    }
}

/// The payload itself when it is strict JSON, else the payload as a JSON string (lossy UTF-8).
fn payload_json(payload: &[u8]) -> String {
    match json::parse(payload, json::MAX_DEPTH) {
        Ok(value) => value.raw().to_string(),
        Err(_) => json_text::string(&String::from_utf8_lossy(payload)),
    }
}
