//! `tollgate discover FILE`: the `issuer` and `jwks_uri` of an OpenID configuration document,
//! printed as `{"issuer":"...","jwks_uri":"..."}` (unescaped, then re-encoded as JSON). Exit 1
//! with `rejected: <error_name>: ...` for an invalid document or a non-https `jwks_uri`, 2 for
//! usage errors and unreadable files. `-` reads stdin.

use crate::json_text;
use std::io::Read;
use std::process::ExitCode;
use tollgate_core::oidc::Discovery;

/// Usage text of `discover`.
pub const USAGE: &str = "\
\x20 discover FILE                        issuer and jwks_uri of an OpenID configuration
";

/// Run `tollgate discover ARGS...`.
pub fn run(args: &[String]) -> ExitCode {
    let [path] = args else {
        eprintln!("tollgate discover: expected exactly one FILE");
        eprint!("usage:\n{USAGE}");
        return ExitCode::from(2);
    };
    let document = if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map(|_| buf)
    } else {
        std::fs::read(path)
    };
    let document = match document {
        Ok(d) => d,
        Err(e) => {
            eprintln!("tollgate discover: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    match Discovery::parse(&document) {
        Ok(d) => {
            let issuer: String = d.issuer.chars().collect();
            let jwks_uri: String = d.jwks_uri.chars().collect();
            println!(
                "{{\"issuer\":{},\"jwks_uri\":{}}}",
                json_text::string(&issuer),
                json_text::string(&jwks_uri)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rejected: {}: {}", e.name(), e.description().trim());
            ExitCode::from(1)
        }
    }
}
