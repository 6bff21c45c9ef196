//! `tollgate decode TOKEN`: show a token's header and payload WITHOUT verifying anything, for
//! debugging. Prints `{"unverified":true,"header":...,"payload":...,"signature_len":N}`;
//! the payload is printed as JSON when it is valid JSON, else as a JSON string. Exit 1 with
//! `rejected: <error_name>: ...` when the token cannot be decoded, 2 for usage errors.

use crate::{exit, json_text};
use std::process::ExitCode;
use tollgate_core::json;
use tollgate_core::jwt::{self, DEFAULT_MAX_DEPTH};

/// Show a token's header and payload, UNVERIFIED (debugging only).
#[derive(clap::Args)]
pub struct Args {
    /// The token (compact JWS).
    #[arg(value_name = "TOKEN")]
    token: String,
}

/// Run `tollgate decode`.
pub fn run(args: Args) -> ExitCode {
    let token = args.token;
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
        Err(e) => exit::rejected(e),
    }
}

/// The payload itself when it is strict JSON, else the payload as a JSON string (lossy UTF-8).
fn payload_json(payload: &[u8]) -> String {
    match json::parse(payload, json::MAX_DEPTH) {
        Ok(value) => value.raw().to_string(),
        Err(_) => json_text::string(&String::from_utf8_lossy(payload)),
    }
}
