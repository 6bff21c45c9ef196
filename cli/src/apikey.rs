//! `tollgate apikey`: check the API key in a request URI's query string against accepted keys,
//! or make a fresh random key.
//!
//! - `tollgate apikey check --key K [--key K]... [--key-file FILE] [--param NAME] URI`
//!   exits 0 when the key matches, 1 with `rejected: <error_name>: ...` on stderr when the
//!   URI is rejected, 2 for usage errors (no key, an empty key, bad flags).
//!   `--key-file` reads one key per line (blank lines skipped) so keys need not appear in
//!   the process list.
//! - `tollgate apikey new [--bytes N]` prints a key of N random bytes (default 32, at least
//!   16 = 128 bits) from the OS RNG (`/dev/urandom`), base64url without padding.

use crate::exit;
use base64ct::{Base64UrlUnpadded, Encoding};
use std::io::Read;
use std::process::ExitCode;
use tollgate_core::apikey::{check_query_key, DEFAULT_PARAMETER};
use tollgate_core::Error;

/// Default and minimum sizes of a new key, in random bytes.
const NEW_KEY_BYTES: u8 = 32;
const MIN_KEY_BYTES: u8 = 16;
const MAX_KEY_BYTES: u8 = 64;

/// Check the API key in a request URI, or make a fresh one.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Check the query API key of URI against accepted keys (exit 0 ok, 1 rejected).
    Check(CheckArgs),
    /// Print a fresh random URL-safe key (base64url, no padding) from the OS RNG.
    New(NewArgs),
}

/// Arguments of `apikey check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// An accepted key (repeatable: several during rotation).
    #[arg(long = "key", value_name = "K", allow_hyphen_values = true)]
    keys: Vec<String>,
    /// A file of accepted keys, one per line, blank lines skipped (keeps keys out of the
    /// process list); repeatable.
    #[arg(long = "key-file", value_name = "FILE", allow_hyphen_values = true)]
    key_files: Vec<String>,
    /// The query parameter that carries the key.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_PARAMETER, allow_hyphen_values = true)]
    param: String,
    /// The request target, e.g. `/api/callbacks?token=...`.
    #[arg(value_name = "URI")]
    uri: String,
}

/// Arguments of `apikey new`.
#[derive(clap::Args)]
pub struct NewArgs {
    /// Random bytes in the key (16..=64; 16 = 128 bits).
    #[arg(long, value_name = "N", default_value_t = NEW_KEY_BYTES,
          value_parser = clap::value_parser!(u8).range(MIN_KEY_BYTES as i64..=MAX_KEY_BYTES as i64))]
    bytes: u8,
}

/// Run `tollgate apikey check|new`.
pub fn run(command: Command) -> ExitCode {
    let outcome = match command {
        Command::Check(args) => check(args),
        Command::New(args) => new_key(args),
    };
    outcome.unwrap_or_else(|message| exit::usage("apikey", message))
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let mut keys = args.keys;
    for path in &args.key_files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read key file {path}: {e}"))?;
        keys.extend(text.lines().filter(|l| !l.is_empty()).map(str::to_string));
    }
    if keys.is_empty() {
        return Err("at least one --key or --key-file is required".to_string());
    }
    match check_query_key(args.uri.as_str(), &args.param, &keys) {
        Ok(()) => {
            println!("ok");
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::InvalidArgument) => Err("keys and --param must not be empty".to_string()),
        Err(e) => Ok(exit::rejected(e)),
    }
}

fn new_key(args: NewArgs) -> Result<ExitCode, String> {
    let mut random = [0u8; MAX_KEY_BYTES as usize];
    let random = &mut random[..usize::from(args.bytes)];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(random))
        .map_err(|e| format!("cannot read the OS random generator: {e}"))?;
    let mut text = [0u8; 2 * MAX_KEY_BYTES as usize];
    let key = Base64UrlUnpadded::encode(random, &mut text)
        .map_err(|_| "internal error: key buffer too small".to_string())?;
    println!("{key}");
    Ok(ExitCode::SUCCESS)
}
