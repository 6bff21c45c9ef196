//! `tollgate ip` and `tollgate compile-ipset`: match addresses against a CIDR set (the built-in
//! ACS ranges, a text list or a compiled image) and compile lists into images.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use tollgate_core::aligned::AlignedBlock;
use tollgate_core::net::{self, IpSet, ACS_CALLBACK, ACS_MEDIA, MAGIC};

/// Memory that holds a table image with the alignment images need.
struct ImageStorage(Vec<AlignedBlock>);

impl ImageStorage {
    fn zeroed(len: usize) -> Self {
        ImageStorage(vec![AlignedBlock::ZERO; AlignedBlock::count_for(len)])
    }
    fn bytes(&self) -> &[u8] {
        AlignedBlock::as_bytes(&self.0)
    }
    fn bytes_mut(&mut self) -> &mut [u8] {
        AlignedBlock::as_bytes_mut(&mut self.0)
    }
}

/// Where the set comes from and which tags count as a match.
enum Source {
    BuiltIn(u32),
    Owned(ImageStorage),
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("tollgate: {message}");
    ExitCode::from(2)
}

/// Read a list or image file into a loaded table's storage.
fn load_file(path: &str) -> Result<ImageStorage, String> {
    let data = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    if data.get(..4) == Some(&MAGIC.to_ne_bytes()[..]) {
        let mut storage = ImageStorage::zeroed(data.len());
        storage.bytes_mut()[..data.len()].copy_from_slice(&data);
        IpSet::load(&storage.bytes()[..data.len()])
            .map_err(|e| format!("{path}: not a valid image: {e}"))?;
        return Ok(storage);
    }
    let text = std::str::from_utf8(&data).map_err(|_| format!("{path}: not UTF-8 text"))?;
    compile(text).map_err(|e| format!("{path}: {e}"))
}

fn compile(text: &str) -> Result<ImageStorage, String> {
    let size = net::required_size(text).map_err(|e| e.to_string())?;
    let mut storage = ImageStorage::zeroed(size);
    net::build(storage.bytes_mut(), text).map_err(|e| e.to_string())?;
    Ok(storage)
}

/// `tollgate ip [--set NAME|FILE] [--] [ADDR...]`.
pub fn ip(args: &[String]) -> ExitCode {
    let mut set_name: Option<&str> = None;
    let mut addrs: Vec<&str> = Vec::new();
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--set" => match rest.next() {
                Some(v) => set_name = Some(v),
                None => return fail("--set needs a NAME or FILE"),
            },
            "--" => {
                addrs.extend(rest.by_ref().map(String::as_str));
            }
            flag if flag.starts_with("--set=") => set_name = Some(&flag[6..]),
            flag if flag.starts_with('-') && flag.len() > 1 && !flag.contains(':') => {
                return fail(format!("unknown option {flag}"))
            }
            addr => addrs.push(addr),
        }
    }
    let source = match set_name.unwrap_or("acs") {
        "acs" => Source::BuiltIn(ACS_MEDIA | ACS_CALLBACK),
        "acs-media" => Source::BuiltIn(ACS_MEDIA),
        "acs-callback" => Source::BuiltIn(ACS_CALLBACK),
        path => match load_file(path) {
            Ok(storage) => Source::Owned(storage),
            Err(e) => return fail(e),
        },
    };
    let (set, mask) = match &source {
        Source::BuiltIn(mask) => (net::acs_ipset(), *mask),
        Source::Owned(storage) => (IpSet::from_trusted_image(storage.bytes()), u32::MAX),
    };

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut outcome = Outcome::default();
    let mut answer = |addr: &str, out: &mut dyn Write| -> std::io::Result<()> {
        let verdict = match set.lookup_text(addr) {
            Ok(tags) if tags & mask != 0 => "match",
            Ok(_) => {
                outcome.unmatched = true;
                "no-match"
            }
            Err(_) => {
                outcome.invalid = true;
                "invalid"
            }
        };
        writeln!(out, "{addr}\t{verdict}")
    };
    let written = if addrs.is_empty() {
        let stdin = std::io::stdin();
        let mut r = Ok(());
        for line in stdin.lock().lines() {
            match line {
                Ok(line) => {
                    let addr = line.strip_suffix('\r').unwrap_or(&line);
                    r = answer(addr, &mut out);
                }
                Err(e) => {
                    r = Err(e);
                }
            }
            if r.is_err() {
                break;
            }
        }
        r
    } else {
        addrs.iter().try_for_each(|a| answer(a, &mut out))
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        return fail(format!("writing output: {e}"));
    }
    drop(out);
    if outcome.invalid {
        ExitCode::from(2)
    } else if outcome.unmatched {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[derive(Default)]
struct Outcome {
    unmatched: bool,
    invalid: bool,
}

/// `tollgate compile-ipset LIST -o IMAGE`.
pub fn compile_ipset(args: &[String]) -> ExitCode {
    let (mut list, mut output) = (None, None);
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "-o" | "--output" => output = rest.next(),
            flag if flag.starts_with('-') && flag != "-" => {
                return fail(format!("unknown option {flag}"))
            }
            path if list.is_none() => list = Some(path),
            _ => return fail("usage: tollgate compile-ipset LIST -o IMAGE"),
        }
    }
    let (Some(list), Some(output)) = (list, output) else {
        return fail("usage: tollgate compile-ipset LIST -o IMAGE");
    };
    let text = if list == "-" {
        let mut s = String::new();
        match std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
            Ok(_) => s,
            Err(e) => return fail(format!("stdin: {e}")),
        }
    } else {
        match std::fs::read_to_string(list) {
            Ok(s) => s,
            Err(e) => return fail(format!("{list}: {e}")),
        }
    };
    let storage = match compile(&text) {
        Ok(s) => s,
        Err(e) => return fail(format!("{list}: {e}")),
    };
    let set = IpSet::from_trusted_image(storage.bytes());
    if let Err(e) = std::fs::write(output, set.image()) {
        return fail(format!("{output}: {e}"));
    }
    let (v4, v6) = set.interval_counts();
    eprintln!(
        "tollgate: {output}: {} prefixes, {v4} IPv4 and {v6} IPv6 intervals, {} bytes",
        set.prefix_count(),
        set.image().len()
    );
    ExitCode::SUCCESS
}
