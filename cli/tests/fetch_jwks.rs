//! `tollgate fetch-jwks` against a local HTTPS server on 127.0.0.1 whose CA is made at test
//! time (rcgen) and served with rustls: good fetch, discovery, wrong issuer, bad JWKS (file
//! kept), 304, untrusted certificate, http:// refused, oversized body, timeout, HTTP errors
//! and a redirect to http. Nothing leaves the machine; every server loop is bounded.
#![cfg(feature = "fetch-jwks")]

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn fixture(rel: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    std::fs::read(root.join(rel)).unwrap()
}

/// A CA (PEM) and a server certificate for 127.0.0.1 signed by it.
struct Pki {
    ca_pem: String,
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn make_pki(name: &str) -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, format!("tollgate test CA {name}"));
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        cert: leaf.der().clone(),
        key: PrivatePkcs8KeyDer::from(leaf_key.serialize_der()).into(),
    }
}

/// What the server answers on a path.
#[derive(Clone)]
struct Route {
    status: u16,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
    /// Answer 304 when the request's If-None-Match equals this.
    etag: Option<String>,
    delay: Duration,
}

impl Route {
    fn ok(body: &[u8]) -> Self {
        Route {
            status: 200,
            body: body.to_vec(),
            headers: Vec::new(),
            etag: None,
            delay: Duration::ZERO,
        }
    }
    fn with_etag(mut self, etag: &str) -> Self {
        self.etag = Some(etag.to_string());
        self.headers.push(("ETag".into(), etag.into()));
        self
    }
}

/// An HTTPS server on 127.0.0.1 (one thread per connection, for at most 120 s).
struct Server {
    port: u16,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    /// Request heads received, in order.
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start(pki: &Pki) -> Server {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![pki.cert.clone()], pki.key.clone_key())
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let server = Server {
            port: listener.local_addr().unwrap().port(),
            routes: Arc::default(),
            requests: Arc::default(),
            stop: Arc::default(),
        };
        let (routes, requests, stop) = (
            server.routes.clone(),
            server.requests.clone(),
            server.stop.clone(),
        );
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((tcp, _)) => {
                        let (config, routes, requests) =
                            (config.clone(), routes.clone(), requests.clone());
                        std::thread::spawn(move || serve(tcp, config, &routes, &requests));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        server
    }

    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    fn route(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().insert(path.to_string(), route);
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// One request per connection: read the head (at most 16 KiB), answer, close.
fn serve(
    tcp: TcpStream,
    config: Arc<rustls::ServerConfig>,
    routes: &Mutex<HashMap<String, Route>>,
    requests: &Mutex<Vec<String>>,
) {
    let _ = tcp.set_nonblocking(false);
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = tcp.set_write_timeout(Some(Duration::from_secs(10)));
    let Ok(connection) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(connection, tcp);
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match tls.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return, // handshake refused by the client, or closed
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    requests.lock().unwrap().push(head.clone());
    let path = head.split(' ').nth(1).unwrap_or("").to_string();
    let if_none_match = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("if-none-match: ")
                .or(l.strip_prefix("If-None-Match: "))
        })
        .map(str::to_string);
    let route = routes.lock().unwrap().get(&path).cloned();
    let route = route.unwrap_or(Route {
        status: 404,
        ..Route::ok(b"not found")
    });
    std::thread::sleep(route.delay);
    let not_modified = route.etag.is_some() && route.etag == if_none_match;
    let (status, body): (u16, &[u8]) = if not_modified {
        (304, b"")
    } else {
        (route.status, &route.body)
    };
    let mut response = format!(
        "HTTP/1.1 {status} X\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in &route.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    let _ = tls.write_all(response.as_bytes());
    let _ = tls.write_all(body);
    let _ = tls.flush();
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

/// A scratch directory with the CA file.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str, pki: &Pki) -> Dir {
        let dir =
            std::env::temp_dir().join(format!("tollgate-fetch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ca.pem"), &pki.ca_pem).unwrap();
        Dir(dir)
    }
    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run tollgate with no proxy settings and, when given, `SSL_CERT_FILE` as the system store.
fn tollgate(args: &[&str], system_roots: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        command.env_remove(var);
    }
    command.env_remove("SSL_CERT_DIR");
    match system_roots {
        Some(file) => command.env("SSL_CERT_FILE", file),
        None => command.env_remove("SSL_CERT_FILE"),
    };
    command.args(args).output().expect("run tollgate")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit code and first stderr line's prefix up to the second `:` (`failed: tls_failed`).
fn verdict(o: &Output) -> (Option<i32>, String) {
    let err = stderr(o);
    let line = err.lines().next().unwrap_or("").to_string();
    let prefix: Vec<&str> = line.splitn(3, ": ").take(2).collect();
    (o.status.code(), prefix.join(": "))
}

#[test]
fn fetches_replaces_and_revalidates_with_etag() {
    let pki = make_pki("main");
    let server = Server::start(&pki);
    let dir = Dir::new("main", &pki);
    let (out, ca) = (dir.path("jwks.json"), dir.path("ca.pem"));
    let acs = fixture("pyjwt/jwks/acs.json");
    let entra = fixture("pyjwt/jwks/entra.json");
    server.route("/keys", Route::ok(&acs).with_etag("\"v1\""));
    let url = server.url("/keys");
    let fetch = || {
        tollgate(
            &["fetch-jwks", "--jwks-url", &url, "-o", &out, "--ca", &ca],
            None,
        )
    };

    // First fetch: written, with its ETag stored beside it.
    let o = fetch();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("updated"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).unwrap(), acs);
    let meta = std::fs::read_to_string(format!("{out}.meta")).unwrap();
    assert!(meta.contains("etag \"v1\""), "{meta}");
    assert_eq!(dir.names(), ["ca.pem", "jwks.json", "jwks.json.meta"]); // no temp file left

    // Second fetch: a conditional request, answered 304, FILE untouched.
    let before = std::fs::metadata(&out).unwrap().modified().unwrap();
    let o = fetch();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("not modified"), "{}", stderr(&o));
    let last = server.requests().pop().unwrap().to_ascii_lowercase();
    assert!(last.contains("if-none-match: \"v1\""), "{last}");
    assert_eq!(std::fs::metadata(&out).unwrap().modified().unwrap(), before);

    // Rotation: new content and ETag replace both files.
    server.route("/keys", Route::ok(&entra).with_etag("\"v2\""));
    let o = fetch();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).unwrap(), entra);
    assert!(std::fs::read_to_string(format!("{out}.meta"))
        .unwrap()
        .contains("\"v2\""));

    // A damaged FILE is not revalidated (no conditional header) but fetched again.
    std::fs::write(&out, b"{").unwrap();
    let o = fetch();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let last = server.requests().pop().unwrap().to_ascii_lowercase();
    assert!(!last.contains("if-none-match"), "{last}");
    assert_eq!(std::fs::read(&out).unwrap(), entra);

    // The same bytes without validators: FILE is left as is and the stale meta removed.
    server.route("/keys", Route::ok(&entra));
    let o = fetch();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("unchanged"), "{}", stderr(&o));
    assert_eq!(dir.names(), ["ca.pem", "jwks.json"]);

    // More usable keys than a set holds: written, and the keys left out are named by kid.
    let root: serde_json::Value = serde_json::from_slice(&acs).unwrap();
    let keys: Vec<serde_json::Value> = (0..18)
        .map(|i| {
            let mut key = root["keys"][0].clone();
            key["kid"] = format!("k{i}").into();
            key
        })
        .collect();
    let many = serde_json::json!({ "keys": keys }).to_string();
    server.route("/keys", Route::ok(many.as_bytes()));
    let o = fetch();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("16 keys loaded, 2 JWKS entries skipped (2 usable keys left out, the set holds 16: \"k16\", \"k17\")"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn discovery_path_and_the_issuer_check() {
    let pki = make_pki("discovery");
    let server = Server::start(&pki);
    let dir = Dir::new("discovery", &pki);
    let (out, ca) = (dir.path("jwks.json"), dir.path("ca.pem"));
    let acs = fixture("pyjwt/jwks/acs.json");
    let issuer = server.url("");
    let doc = format!(
        r#"{{"issuer":"{issuer}","jwks_uri":"{}","id_token_signing_alg_values_supported":["RS256"]}}"#,
        server.url("/discovery/keys").replace('/', "\\/")
    );
    server.route(
        "/.well-known/openid-configuration",
        Route::ok(doc.as_bytes()),
    );
    server.route("/discovery/keys", Route::ok(&acs));
    let discovery = server.url("/.well-known/openid-configuration");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "fetch-jwks",
            "--discovery",
            &discovery,
            "-o",
            &out,
            "--ca",
            &ca,
        ];
        args.extend_from_slice(extra);
        tollgate(&args, None)
    };
    let o = run(&["--expect-issuer", &issuer]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).unwrap(), acs);
    assert!(server
        .requests()
        .iter()
        .any(|r| r.starts_with("GET /discovery/keys ")));

    // The issuer must be exactly the expected one: FILE stays as it was.
    std::fs::write(&out, b"previous").unwrap();
    for wrong in [format!("{issuer}/"), "https://127.0.0.1".to_string()] {
        let o = run(&["--expect-issuer", &wrong]);
        assert_eq!(
            verdict(&o),
            (Some(1), "rejected: issuer_mismatch".into()),
            "{}",
            stderr(&o)
        );
        assert_eq!(std::fs::read(&out).unwrap(), b"previous");
    }
    // A document whose jwks_uri is http is refused by core.
    server.route(
        "/.well-known/openid-configuration",
        Route::ok(format!(r#"{{"issuer":"{issuer}","jwks_uri":"http://127.0.0.1/k"}}"#).as_bytes()),
    );
    let o = run(&[]);
    assert_eq!(
        verdict(&o),
        (Some(1), "rejected: insecure_jwks_uri".into()),
        "{}",
        stderr(&o)
    );
    server.route(
        "/.well-known/openid-configuration",
        Route::ok(b"{\"issuer\":1}"),
    );
    let o = run(&[]);
    assert_eq!(
        verdict(&o),
        (Some(1), "rejected: invalid_discovery".into()),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"previous");
    // --expect-issuer needs --discovery.
    let o = tollgate(
        &[
            "fetch-jwks",
            "--jwks-url",
            &discovery,
            "-o",
            &out,
            "--expect-issuer",
            &issuer,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn failures_keep_the_file_and_say_why() {
    let pki = make_pki("failures");
    let other = make_pki("other");
    let server = Server::start(&pki);
    let dir = Dir::new("failures", &pki);
    std::fs::write(dir.path("other-ca.pem"), &other.ca_pem).unwrap();
    let (out, ca) = (dir.path("jwks.json"), dir.path("ca.pem"));
    let acs = fixture("pyjwt/jwks/acs.json");
    std::fs::write(&out, &acs).unwrap();
    std::fs::write(format!("{out}.meta"), "url https://x/\netag \"keep\"\n").unwrap();
    server.route("/good", Route::ok(&acs));
    server.route("/not-json", Route::ok(b"{\"keys\":["));
    server.route(
        "/ec-only",
        Route::ok(br#"{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}"#),
    );
    server.route("/big", Route::ok(&vec![b' '; 2 << 20]));
    server.route(
        "/gone",
        Route {
            status: 500,
            ..Route::ok(b"oops")
        },
    );
    server.route(
        "/slow",
        Route {
            delay: Duration::from_secs(4),
            ..Route::ok(&acs)
        },
    );
    let mut redirect = Route::ok(b"");
    redirect.status = 302;
    redirect.headers.push((
        "Location".into(),
        format!("http://127.0.0.1:{}/good", server.port),
    ));
    server.route("/to-http", redirect);

    let run = |url: &str, extra: &[&str], roots: Option<&str>| {
        let mut args = vec!["fetch-jwks", "--jwks-url", url, "-o", &out];
        args.extend_from_slice(extra);
        tollgate(&args, roots)
    };
    let with_ca = ["--ca", ca.as_str()];
    let cases: Vec<(Output, (Option<i32>, &str))> = vec![
        (
            run(&server.url("/not-json"), &with_ca, None),
            (Some(1), "rejected: invalid_jwks"),
        ),
        (
            run(&server.url("/ec-only"), &with_ca, None),
            (Some(1), "rejected: no_usable_key"),
        ),
        (
            run(&server.url("/big"), &with_ca, None),
            (Some(4), "failed: too_large"),
        ),
        (
            run(&server.url("/gone"), &with_ca, None),
            (Some(4), "failed: http_status"),
        ),
        (
            run(&server.url("/missing"), &with_ca, None),
            (Some(4), "failed: http_status"),
        ),
        (
            run(&server.url("/to-http"), &with_ca, None),
            (Some(4), "failed: bad_response"),
        ),
        (
            run(&server.url("/slow"), &["--ca", &ca, "--timeout", "1"], None),
            (Some(3), "failed: timeout"),
        ),
        // Untrusted: the system store (here SSL_CERT_FILE) does not hold our CA, nor does
        // another CA given with --ca.
        (
            run(&server.url("/good"), &[], Some(&dir.path("other-ca.pem"))),
            (Some(3), "failed: tls_failed"),
        ),
        (
            run(
                &server.url("/good"),
                &["--ca", &dir.path("other-ca.pem")],
                None,
            ),
            (Some(3), "failed: tls_failed"),
        ),
        (
            run(
                &format!("http://127.0.0.1:{}/good", server.port),
                &with_ca,
                None,
            ),
            (Some(2), "failed: https_required"),
        ),
        (
            run(&server.url("/good"), &["--ca", &out], None),
            (Some(2), "failed: bad_ca"),
        ),
        (
            run("https://127.0.0.1:1/good", &with_ca, None),
            (Some(3), "failed: connect_failed"),
        ),
    ];
    for (o, want) in &cases {
        assert_eq!(verdict(o), (want.0, want.1.to_string()), "{}", stderr(o));
        assert!(o.stdout.is_empty());
    }
    // Through all of that, FILE and FILE.meta are as they were, and no temp file is left.
    assert_eq!(std::fs::read(&out).unwrap(), acs);
    assert_eq!(
        std::fs::read_to_string(format!("{out}.meta")).unwrap(),
        "url https://x/\netag \"keep\"\n"
    );
    assert_eq!(
        dir.names(),
        ["ca.pem", "jwks.json", "jwks.json.meta", "other-ca.pem"]
    );

    // The system store path works when it holds our CA.
    let o = run(&server.url("/good"), &[], Some(&ca));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A FILE in a directory that does not exist: a local error, exit 2.
    let missing = dir.path("no/such/dir/jwks.json");
    let o = tollgate(
        &[
            "fetch-jwks",
            "--jwks-url",
            &server.url("/good"),
            "-o",
            &missing,
            "--ca",
            &ca,
        ],
        None,
    );
    assert_eq!(
        verdict(&o),
        (Some(2), "failed: write_failed".into()),
        "{}",
        stderr(&o)
    );
}
