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

/// Match addresses against a set; one `ADDR<TAB>match|no-match|invalid` line each.
///
/// Exit 0 when all matched, 1 when one did not match, 2 when one was invalid. Without ADDR,
/// reads one address per line from stdin; a line that is not UTF-8 (or longer than any
/// address) is answered `invalid` and reading goes on.
#[derive(clap::Args)]
pub struct IpArgs {
    /// `acs` (media and callback ranges), `acs-media`, `acs-callback`, or a CIDR list or
    /// compiled image FILE.
    #[arg(
        long = "set",
        value_name = "NAME|FILE",
        default_value = "acs",
        allow_hyphen_values = true
    )]
    set: String,
    /// Addresses to look up (IPv4 or IPv6); stdin when none.
    #[arg(value_name = "ADDR")]
    addrs: Vec<String>,
}

/// Compile a CIDR list (`-` for stdin), or the prefixes of a Microsoft 365 endpoints feed or
/// of Azure service tags, into a table image.
#[derive(clap::Args)]
pub struct CompileArgs {
    /// The CIDR list: one CIDR or address per line, optionally a decimal tag mask; `#`
    /// comments.
    #[arg(
        value_name = "LIST",
        required_unless_present_any = ["m365", "service_tags"],
        conflicts_with_all = ["m365", "service_tags"]
    )]
    list: Option<String>,
    #[command(flatten)]
    m365: crate::feeds::M365Args,
    #[command(flatten)]
    service_tags: crate::feeds::ServiceTagArgs,
    /// Where to write the image (feeds: replaced atomically; nothing is written on error).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "IMAGE",
        allow_hyphen_values = true
    )]
    output: String,
}

/// `tollgate ip [--set NAME|FILE] [--] [ADDR...]`.
pub fn ip(args: IpArgs) -> ExitCode {
    let source = match args.set.as_str() {
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
        writeln!(out, "{addr}\t{verdict}").map_err(|e| context("writing output", e))
    };
    let written = if args.addrs.is_empty() {
        let stdin = std::io::stdin();
        answer_lines(&mut stdin.lock(), |addr| answer(addr, &mut out))
    } else {
        args.addrs.iter().try_for_each(|a| answer(a, &mut out))
    };
    if let Err(e) = written.and_then(|()| out.flush().map_err(|e| context("writing output", e))) {
        return fail(e);
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

/// `e` with what was being done in front of its message.
fn context(doing: &str, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{doing}: {e}"))
}

/// Longest stdin line `tollgate ip` looks up; a longer one is answered `invalid` (an IPv6
/// address with a zone is far shorter).
const MAX_LINE: usize = 256;

/// Calls `answer` for each line of `input` (shared with `tollgate host`) (without `\n` or `\r\n`). A line that is not
/// UTF-8, or longer than [`MAX_LINE`] bytes, is passed as its lossy text (U+FFFD for bad
/// bytes; cut at [`MAX_LINE`] and marked with `…`), which never looks up as an address, so it
/// is answered `invalid`. Reading goes on after it. Memory stays bounded by `MAX_LINE`.
pub(crate) fn answer_lines(
    input: &mut impl BufRead,
    mut answer: impl FnMut(&str) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut line = Vec::with_capacity(MAX_LINE);
    loop {
        line.clear();
        let (ended, too_long) = read_line_capped(input, &mut line, MAX_LINE)
            .map_err(|e| context("reading stdin", e))?;
        if !ended && line.is_empty() {
            return Ok(());
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        match std::str::from_utf8(&line) {
            Ok(text) if !too_long => answer(text)?,
            _ => {
                let mut text = String::from_utf8_lossy(&line).into_owned();
                if too_long {
                    text.push('\u{2026}');
                }
                answer(&text)?;
            }
        }
        if !ended {
            return Ok(());
        }
    }
}

/// Reads one line into `line` (without its `\n`), keeping at most `cap` bytes and skipping the
/// rest. Returns (whether a `\n` ended it, whether bytes were dropped). At end of input
/// returns `(false, _)`.
fn read_line_capped(
    input: &mut impl BufRead,
    line: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(bool, bool)> {
    let mut too_long = false;
    loop {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok((false, too_long));
        }
        let (chunk, used, ended) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], i + 1, true),
            None => (buf, buf.len(), false),
        };
        let room = cap.saturating_sub(line.len());
        too_long |= chunk.len() > room;
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        input.consume(used);
        if ended {
            return Ok((true, too_long));
        }
    }
}

/// `tollgate compile-ipset LIST -o IMAGE`.
pub fn compile_ipset(args: CompileArgs) -> ExitCode {
    let output = &args.output;
    let feed = if args.m365.m365.is_some() {
        if args.service_tags.service_tags.is_some() {
            return fail("--m365 and --service-tags cannot be combined");
        }
        Some(crate::feeds::compile_m365_ipset(&args.m365))
    } else if args.service_tags.service_tags.is_some() {
        Some(crate::feeds::compile_service_tags(&args.service_tags))
    } else {
        None
    };
    if let Some(result) = feed {
        return match result.and_then(|(bytes, summary)| {
            crate::output::write_atomic(output, &bytes).map(|()| summary)
        }) {
            Ok(summary) => {
                eprintln!("tollgate: {output}: {summary}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        };
    }
    let Some(list) = &args.list else {
        return fail("a LIST, --m365 FILE or --service-tags FILE is needed");
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
