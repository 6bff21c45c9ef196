//! The HTTPS side of fetch-jwks: one GET at a time over rustls (ureq), https only (redirects
//! included), a global timeout per request, a size cap on bodies, and conditional requests.
//! Roots: the operating system's trust store (rustls-native-certs, which also honours
//! `SSL_CERT_FILE`/`SSL_CERT_DIR`), or only the certificates of `--ca`.

use super::{Failure, MAX_BODY};
use std::sync::Arc;
use std::time::Duration;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};
use ureq::Agent;

/// Redirects followed (each must stay on https).
const MAX_REDIRECTS: u32 = 5;
/// Largest response header block accepted.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Refuse anything but an `https://` URL (scheme compared case-insensitively).
pub fn require_https(url: &str) -> Result<(), Failure> {
    match url.get(..8) {
        Some(scheme) if scheme.eq_ignore_ascii_case("https://") => Ok(()),
        _ => Err(Failure::new(
            2,
            "https_required",
            format!("{url:?} is not an https:// URL"),
        )),
    }
}

/// Validators of a stored copy, sent as `If-None-Match` / `If-Modified-Since`.
#[derive(Clone, Copy, Default)]
pub struct Validators<'a> {
    /// The stored `ETag`.
    pub etag: Option<&'a str>,
    /// The stored `Last-Modified`.
    pub last_modified: Option<&'a str>,
}

/// A 200 body (or `None` for 304 Not Modified) and the validators of the response.
pub struct Response {
    /// The body of a 200, `None` for a 304.
    pub body: Option<Vec<u8>>,
    /// The response's `ETag`, if any.
    pub etag: Option<String>,
    /// The response's `Last-Modified`, if any.
    pub last_modified: Option<String>,
}

/// An HTTPS client with the configured roots and timeout.
pub struct Client {
    agent: Agent,
}

impl Client {
    /// A client trusting the system's roots, or only those of the PEM file `ca`.
    pub fn new(ca: Option<&str>, timeout: Duration) -> Result<Self, Failure> {
        let roots = match ca {
            Some(path) => ca_file_roots(path)?,
            None => system_roots()?,
        };
        // ureq uses rustls's process-wide provider: ring, as core (an Err only says one is set).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(RootCerts::Specific(Arc::new(roots)))
            .build();
        let config = Agent::config_builder()
            .https_only(true)
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .max_redirects(MAX_REDIRECTS)
            .max_response_header_size(MAX_HEADER_BYTES)
            .user_agent(concat!("tollgate/", env!("CARGO_PKG_VERSION")))
            .accept("application/json")
            .tls_config(tls)
            .build();
        Ok(Client {
            agent: config.into(),
        })
    }

    /// GET `url`; a 200 gives its body (at most [`MAX_BODY`] bytes), a 304 (only possible
    /// when `validators` are sent) gives `None`, anything else fails.
    pub fn get(&self, url: &str, validators: Validators<'_>) -> Result<Response, Failure> {
        let mut request = self.agent.get(url);
        if let Some(etag) = validators.etag {
            request = request.header("If-None-Match", etag);
        }
        if let Some(date) = validators.last_modified {
            request = request.header("If-Modified-Since", date);
        }
        let mut response = request.call().map_err(|e| failure(url, e))?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (etag, last_modified) = (header("etag"), header("last-modified"));
        let status = response.status().as_u16();
        let body = match status {
            200 => Some(
                response
                    .body_mut()
                    .with_config()
                    .limit(MAX_BODY)
                    .read_to_vec()
                    .map_err(|e| failure(url, e))?,
            ),
            304 if validators.etag.is_some() || validators.last_modified.is_some() => None,
            _ => {
                return Err(Failure::new(
                    4,
                    "http_status",
                    format!("{url}: HTTP {status}"),
                ))
            }
        };
        Ok(Response {
            body,
            etag,
            last_modified,
        })
    }
}

/// The exit code and stable name of a ureq error.
fn failure(url: &str, error: ureq::Error) -> Failure {
    use ureq::Error as E;
    let (code, name) = match &error {
        E::BodyExceedsLimit(_) => (4, "too_large"),
        E::StatusCode(_) => (4, "http_status"),
        E::Timeout(_) => (3, "timeout"),
        E::Tls(_) | E::Pem(_) | E::Rustls(_) | E::TlsRequired => (3, "tls_failed"),
        E::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => (3, "timeout"),
        E::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => (3, "tls_failed"),
        E::Io(_) | E::HostNotFound | E::ConnectionFailed | E::ConnectProxyFailed(_) => {
            (3, "connect_failed")
        }
        _ => (4, "bad_response"),
    };
    let detail = match &error {
        E::BodyExceedsLimit(_) => format!("{url}: body larger than {MAX_BODY} bytes"),
        E::RequireHttpsOnly(_) => format!("{url}: redirected to a non-https URL"),
        e => format!("{url}: {e}"),
    };
    Failure::new(code, name, detail)
}

/// The certificates of the operating system's trust store.
fn system_roots() -> Result<Vec<Certificate<'static>>, Failure> {
    let found = rustls_native_certs::load_native_certs();
    let roots: Vec<_> = found
        .certs
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
        .collect();
    if roots.is_empty() {
        let why = found
            .errors
            .first()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        return Err(Failure::new(
            2,
            "bad_ca",
            format!(
                "no trusted roots in the system store{why} (install ca-certificates or pass --ca)"
            ),
        ));
    }
    Ok(roots)
}

/// The certificates of a PEM file (keys and other sections are ignored; none at all fails).
fn ca_file_roots(path: &str) -> Result<Vec<Certificate<'static>>, Failure> {
    let bad = |why: String| Failure::new(2, "bad_ca", format!("--ca {path}: {why}"));
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let mut roots = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item.map_err(|e| bad(e.to_string()))? {
            PemItem::Certificate(cert) => roots.push(cert),
            _ => continue,
        }
    }
    if roots.is_empty() {
        return Err(bad("no CERTIFICATE in the file".to_string()));
    }
    Ok(roots)
}
