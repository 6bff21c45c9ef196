//! `tollgate discover FILE [--expect-issuer URL]`: the `issuer` and `jwks_uri` of an OpenID
//! configuration document, printed as `{"issuer":"...","jwks_uri":"..."}` (unescaped, then
//! re-encoded as JSON). With `--expect-issuer`, the document's `issuer` must be exactly URL
//! (OpenID Connect Discovery 1.0 §4.3). Exit 1 with `rejected: <error_name>: ...` for an
//! invalid document, a non-https `jwks_uri` or the wrong issuer, 2 for usage errors and
//! unreadable files. `-` reads stdin.

use crate::{exit, json_text};
use std::io::Read;
use std::process::ExitCode;
use tollgate_core::oidc::Discovery;
use tollgate_core::Error;

/// Print the issuer and jwks_uri of an OpenID configuration document (FILE, or `-` for stdin).
#[derive(clap::Args)]
pub struct Args {
    /// The document (`.well-known/openid-configuration`); `-` reads stdin.
    #[arg(value_name = "FILE")]
    file: String,
    /// Require the document's `issuer` to be exactly URL (OIDC Discovery §4.3), else exit 1
    /// with `wrong_issuer`.
    #[arg(long, value_name = "URL", allow_hyphen_values = true)]
    expect_issuer: Option<String>,
}

/// OIDC Discovery §4.3: the `issuer` of the document must be identical to the issuer URL the
/// configuration was retrieved for (exact comparison after JSON unescaping; no case folding,
/// no trailing-slash normalisation). The one place the CLI makes this comparison.
// TODO(merge): switch to core's §4.3 comparison when it lands in `tollgate_core::oidc`.
pub fn check_issuer(discovery: &Discovery<'_>, expected: &str) -> Result<(), Error> {
    if discovery.issuer.eq_str(expected) {
        Ok(())
    } else {
        Err(Error::WrongIssuer)
    }
}

/// Run `tollgate discover`.
pub fn run(args: Args) -> ExitCode {
    let path = &args.file;
    let document = if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map(|_| buf)
    } else {
        std::fs::read(path)
    };
    let document = match document {
        Ok(d) => d,
        Err(e) => return exit::usage("discover", format_args!("cannot read {path}: {e}")),
    };
    let discovery = match Discovery::parse(&document) {
        Ok(d) => d,
        Err(e) => return exit::rejected(e),
    };
    if let Some(expected) = &args.expect_issuer {
        if let Err(e) = check_issuer(&discovery, expected) {
            return exit::rejected(e);
        }
    }
    let issuer: String = discovery.issuer.chars().collect();
    let jwks_uri: String = discovery.jwks_uri.chars().collect();
    println!(
        "{{\"issuer\":{},\"jwks_uri\":{}}}",
        json_text::string(&issuer),
        json_text::string(&jwks_uri)
    );
    ExitCode::SUCCESS
}
