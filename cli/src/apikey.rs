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

use base64ct::{Base64UrlUnpadded, Encoding};
use std::io::Read;
use std::process::ExitCode;
use tollgate_core::apikey::{check_query_key, DEFAULT_PARAMETER};
use tollgate_core::Error;

/// Usage text of the `apikey` subcommands.
pub const USAGE: &str = "\
\x20 apikey check --key K [--key K]... [--key-file FILE] [--param NAME] URI
\x20                                       check the query key of URI (default param: token)
\x20 apikey new [--bytes N]                print a fresh random URL-safe key (N >= 16, default 32)
";

/// Default and minimum sizes of a new key, in random bytes.
const NEW_KEY_BYTES: usize = 32;
const MIN_KEY_BYTES: usize = 16;
const MAX_KEY_BYTES: usize = 64;

/// Run `tollgate apikey ARGS...`.
pub fn run(args: &[String]) -> ExitCode {
    let outcome = match args.first().map(String::as_str) {
        Some("check") => check(&args[1..]),
        Some("new") => new_key(&args[1..]),
        _ => Err(usage_error("expected `apikey check` or `apikey new`")),
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("tollgate apikey: {message}");
            eprint!("usage:\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn usage_error(message: &str) -> String {
    message.to_string()
}

/// The value following a flag.
fn flag_value<'a>(
    flag: &str,
    it: &mut impl Iterator<Item = &'a String>,
) -> Result<&'a String, String> {
    it.next().ok_or_else(|| format!("{flag} needs a value"))
}

fn check(args: &[String]) -> Result<ExitCode, String> {
    let mut keys: Vec<String> = Vec::new();
    let mut param = DEFAULT_PARAMETER.to_string();
    let mut uri: Option<&String> = None;
    let mut it = args.iter();
    let mut positional_only = false;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            _ if positional_only => set_uri(&mut uri, arg)?,
            "--key" => keys.push(flag_value("--key", &mut it)?.clone()),
            "--key-file" => {
                let path = flag_value("--key-file", &mut it)?;
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read key file {path}: {e}"))?;
                keys.extend(text.lines().filter(|l| !l.is_empty()).map(str::to_string));
            }
            "--param" => param = flag_value("--param", &mut it)?.clone(),
            "--" => positional_only = true,
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}")),
            _ => set_uri(&mut uri, arg)?,
        }
    }
    let uri = uri.ok_or_else(|| usage_error("missing URI"))?;
    if keys.is_empty() {
        return Err(usage_error("at least one --key or --key-file is required"));
    }
    match check_query_key(uri.as_str(), &param, &keys) {
        Ok(()) => {
            println!("ok");
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::InvalidArgument) => Err(usage_error("keys and --param must not be empty")),
        Err(e) => {
            eprintln!("rejected: {}: {}", e.name(), e.description().trim());
            Ok(ExitCode::from(1))
        }
    }
}

fn set_uri<'a>(slot: &mut Option<&'a String>, arg: &'a String) -> Result<(), String> {
    if slot.replace(arg).is_some() {
        return Err(usage_error("expected exactly one URI"));
    }
    Ok(())
}

fn new_key(args: &[String]) -> Result<ExitCode, String> {
    let mut len = NEW_KEY_BYTES;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--bytes" => {
                let v = flag_value("--bytes", &mut it)?;
                len = v
                    .parse()
                    .ok()
                    .filter(|n| (MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(n))
                    .ok_or_else(|| {
                        format!("--bytes must be {MIN_KEY_BYTES}..={MAX_KEY_BYTES}, not {v}")
                    })?;
            }
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    let mut random = [0u8; MAX_KEY_BYTES];
    let random = &mut random[..len];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(random))
        .map_err(|e| format!("cannot read the OS random generator: {e}"))?;
    let mut text = [0u8; 2 * MAX_KEY_BYTES];
    let key = Base64UrlUnpadded::encode(random, &mut text)
        .map_err(|_| "internal error: key buffer too small".to_string())?;
    println!("{key}");
    Ok(ExitCode::SUCCESS)
}
