//! `tollgate fetch-jwks`: fetch an issuer's JWKS over HTTPS (directly, or through its OpenID
//! configuration document), check it with core's parsers, and replace FILE atomically only
//! when the new key set loads. The operator's half of key rotation: a timer runs it every
//! few minutes, and conditional requests make an unchanged JWKS cost one 304.
//!
//! Exit codes (a line on stderr says what happened in every case):
//! - 0: FILE now holds a key set that loads: `updated` (new content written), `unchanged`
//!   (same bytes fetched) or `not modified` (the server answered 304).
//! - 1: a document was rejected — `rejected: <stable core name>: ...` (`invalid_discovery`,
//!   `insecure_jwks_uri`, `issuer_mismatch`, `invalid_jwks`, `no_usable_key`, ...).
//! - 2: usage or local configuration — bad flags, a non-https URL (`https_required`), an
//!   unusable `--ca` or trust store (`bad_ca`), FILE not writable (`write_failed`).
//! - 3: network or TLS — `connect_failed`, `timeout`, `tls_failed` (an untrusted or invalid
//!   certificate included).
//! - 4: the server's answer — `http_status` (not 200 or 304), `too_large` (body over the cap),
//!   `bad_response` (a malformed HTTP exchange, a redirect to http).
//!
//! Failures (codes 1–4) print `failed: <name>: <detail>` or `rejected: ...` and leave FILE
//! and its `FILE.meta` exactly as they were.

mod http;
mod store;

use crate::verify::KEYSET_CAPACITY;
use std::process::ExitCode;
use std::time::Duration;
use tollgate_core::jwk::{self, KeySet, LoadReport, SkipReason};
use tollgate_core::oidc::Discovery;
use tollgate_core::Error;

/// Largest discovery document or JWKS accepted, in bytes (real ones are a few KiB).
pub const MAX_BODY: u64 = 1 << 20;

/// Fetch a JWKS over HTTPS and replace FILE atomically when the new key set loads.
///
/// Exit 0 FILE holds a good key set (updated, unchanged or not modified); 1 a document was
/// rejected (core's error name); 2 usage/configuration (non-https URL, --ca, FILE not
/// writable); 3 network/TLS; 4 HTTP status or oversized body. FILE is untouched on failure.
#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["discovery", "jwks_url"]))]
pub struct Args {
    /// The OpenID configuration document's URL; its `jwks_uri` is then fetched.
    #[arg(long, value_name = "URL")]
    discovery: Option<String>,
    /// The JWKS URL itself.
    #[arg(long = "jwks-url", value_name = "URL")]
    jwks_url: Option<String>,
    /// The key set file to replace (conditional-request state is kept in FILE.meta).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: String,
    /// With --discovery: the document's `issuer` must be exactly URL (OIDC Discovery §4.3).
    #[arg(long, value_name = "URL", conflicts_with = "jwks_url")]
    expect_issuer: Option<String>,
    /// Trust only the CA certificates of this PEM file instead of the system's trust store.
    #[arg(long, value_name = "FILE")]
    ca: Option<String>,
    /// Give up after SECS seconds for each request (connect, TLS, headers and body).
    #[arg(long, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
}

/// Why a fetch failed: the exit code, a stable name, and details for the operator.
pub struct Failure {
    code: u8,
    name: &'static str,
    detail: String,
}

impl Failure {
    fn new(code: u8, name: &'static str, detail: impl Into<String>) -> Self {
        Failure {
            code,
            name,
            detail: detail.into(),
        }
    }

    /// A document rejected by core: exit 1 with core's stable name.
    fn rejected(error: Error, what: &str) -> Self {
        Failure::new(
            1,
            error.name(),
            format!("{what}: {}", error.description().trim()),
        )
    }
}

/// Run `tollgate fetch-jwks`.
pub fn run(args: Args) -> ExitCode {
    match fetch(&args) {
        Ok(outcome) => {
            eprintln!("tollgate fetch-jwks: {}: {outcome}", args.output);
            ExitCode::SUCCESS
        }
        Err(f) if f.code == 1 => {
            eprintln!("rejected: {}: {}", f.name, f.detail);
            ExitCode::from(1)
        }
        Err(f) => {
            eprintln!("failed: {}: {}", f.name, f.detail);
            ExitCode::from(f.code)
        }
    }
}

fn fetch(args: &Args) -> Result<String, Failure> {
    for url in [&args.discovery, &args.jwks_url].into_iter().flatten() {
        http::require_https(url)?;
    }
    let client = http::Client::new(args.ca.as_deref(), Duration::from_secs(args.timeout))?;
    let jwks_url = match (&args.discovery, &args.jwks_url) {
        (Some(discovery_url), _) => {
            let document = client
                .get(discovery_url, http::Validators::default())?
                .body
                .ok_or_else(|| Failure::new(4, "http_status", "304 to an unconditional GET"))?;
            jwks_uri_of(&document, args.expect_issuer.as_deref())?
        }
        (None, Some(url)) => url.clone(),
        (None, None) => return Err(Failure::new(2, "usage", "--discovery or --jwks-url")),
    };
    let previous = store::Previous::read(&args.output, &jwks_url);
    let response = client.get(&jwks_url, previous.validators())?;
    let Some(body) = response.body else {
        return Ok("not modified (304)".to_string());
    };
    let keys = Box::new(
        KeySet::<KEYSET_CAPACITY>::parse(&body)
            .map_err(|e| Failure::rejected(e, &format!("JWKS from {jwks_url}")))?,
    );
    let meta = store::Meta {
        url: jwks_url,
        etag: response.etag,
        last_modified: response.last_modified,
    };
    let written = store::replace(&args.output, &body, &meta, previous.content())?;
    let report = keys.report();
    Ok(format!(
        "{}: {} keys loaded, {} JWKS entries skipped{}",
        if written { "updated" } else { "unchanged" },
        report.loaded(),
        report.skipped(),
        left_out_note(&body, report)
    ))
}

/// Names the usable keys a full key set left out (`over_capacity`), by `kid`, so an operator
/// sees which keys tokens may name in vain; empty when none were.
fn left_out_note(document: &[u8], report: &LoadReport) -> String {
    let kids: Vec<String> = report
        .listed_skips()
        .iter()
        .filter(|skip| skip.reason == SkipReason::OverCapacity)
        .map(|skip| match jwk::entry_kid(document, skip.index) {
            Ok(Some(kid)) => format!("{:?}", kid.chars().collect::<String>()),
            _ => format!("#{}", skip.index),
        })
        .collect();
    if kids.is_empty() {
        String::new()
    } else {
        format!(
            " ({} usable keys left out, the set holds {KEYSET_CAPACITY}: {}{})",
            report.skipped_for(SkipReason::OverCapacity),
            kids.join(", "),
            if report.skipped() > report.listed_skips().len() as u32 {
                ", ..."
            } else {
                ""
            }
        )
    }
}

/// The `jwks_uri` of a discovery document, after core's checks and the §4.3 issuer match.
fn jwks_uri_of(document: &[u8], expect_issuer: Option<&str>) -> Result<String, Failure> {
    let discovery =
        Discovery::parse(document).map_err(|e| Failure::rejected(e, "discovery document"))?;
    if let Some(expected) = expect_issuer {
        discovery.require_issuer(expected).map_err(|e| {
            let found: String = discovery.issuer.chars().collect();
            Failure::rejected(e, &format!("issuer {found:?}, expected {expected:?}"))
        })?;
    }
    let uri: String = discovery.jwks_uri.chars().collect();
    http::require_https(&uri)?;
    Ok(uri)
}
