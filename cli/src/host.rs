//! `tollgate host` and `tollgate compile-hostset`: match host names against a host-name set
//! (the built-in ACS names, a list or a compiled image) and compile lists into images.

use crate::exit;
use crate::ip::answer_lines;
use std::io::Write;
use std::process::ExitCode;
use tollgate_core::host::{self, HostSet, HOST_MAGIC};
use tollgate_core::net::{ACS_CALLBACK, ACS_MEDIA};

/// Memory that holds a host-name image with the alignment images need (8 bytes).
pub struct HostImage(Vec<u64>, usize);

impl HostImage {
    /// Zeroed storage of `len` bytes.
    pub fn zeroed(len: usize) -> Self {
        HostImage(vec![0; len.div_ceil(8)], len)
    }
    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: u64 storage viewed as its bytes (`1` never exceeds them).
        unsafe { std::slice::from_raw_parts(self.0.as_ptr().cast(), self.1) }
    }
    /// The bytes, writable.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above, exclusively borrowed.
        unsafe { std::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast(), self.1) }
    }
    /// The image bytes of the table built or loaded here (its declared length).
    pub fn image(&self) -> &[u8] {
        HostSet::from_trusted_image(self.bytes()).image()
    }
}

/// Compile host-name list text into an image.
pub fn compile(text: &str) -> Result<HostImage, String> {
    let size = host::host_required_size(text).map_err(|e| e.to_string())?;
    let mut storage = HostImage::zeroed(size);
    host::build_hostset(storage.bytes_mut(), text).map_err(|e| e.to_string())?;
    Ok(storage)
}

/// Read a host-name list or image file (an image is recognised by its magic number).
fn load_file(path: &str) -> Result<HostImage, String> {
    let data = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    if data.get(..4) == Some(&HOST_MAGIC.to_ne_bytes()[..]) {
        let mut storage = HostImage::zeroed(data.len());
        storage.bytes_mut().copy_from_slice(&data);
        HostSet::load(storage.bytes()).map_err(|e| format!("{path}: not a valid image: {e}"))?;
        return Ok(storage);
    }
    let text = std::str::from_utf8(&data).map_err(|_| format!("{path}: not UTF-8 text"))?;
    compile(text).map_err(|e| format!("{path}: {e}"))
}

/// Match host names against a set; one `NAME<TAB>match|no-match|invalid` line each.
///
/// Exit 0 when all matched, 1 when one did not match, 2 when one was invalid. Without NAME,
/// reads one name per line from stdin (a line that is not UTF-8 is answered `invalid`).
/// Matching: `*.d` entries match names at least one label under `d`, never `d`; ASCII case is
/// ignored; one trailing dot is accepted; anything that is not a valid host name (a port,
/// `*`, spaces, empty labels, labels over 63 bytes) is `invalid`.
#[derive(clap::Args)]
pub struct HostArgs {
    /// `acs` (the guide's callback host names), `acs-media` (none: the guide names no media
    /// hosts), `acs-callback`, or a host-name list or compiled image FILE.
    #[arg(
        long = "set",
        value_name = "NAME|FILE",
        default_value = "acs",
        allow_hyphen_values = true
    )]
    set: String,
    /// Host names to look up; stdin when none.
    #[arg(value_name = "NAME")]
    names: Vec<String>,
}

/// `tollgate host [--set acs|acs-media|acs-callback|FILE|IMAGE] [--] [NAME...]`.
pub fn run(args: HostArgs) -> ExitCode {
    let owned;
    let (set, mask) = match args.set.as_str() {
        "acs" => (host::acs_hostset(), ACS_MEDIA | ACS_CALLBACK),
        "acs-media" => (host::acs_hostset(), ACS_MEDIA),
        "acs-callback" => (host::acs_hostset(), ACS_CALLBACK),
        path => match load_file(path) {
            Ok(storage) => {
                owned = storage;
                (HostSet::from_trusted_image(owned.bytes()), u32::MAX)
            }
            Err(e) => return exit::usage("host", e),
        },
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut unmatched, mut invalid) = (false, false);
    let mut answer = |name: &str, out: &mut dyn Write| -> std::io::Result<()> {
        let verdict = match set.lookup(name) {
            Ok(tags) if tags & mask != 0 => "match",
            Ok(_) => {
                unmatched = true;
                "no-match"
            }
            Err(_) => {
                invalid = true;
                "invalid"
            }
        };
        writeln!(out, "{name}\t{verdict}")
    };
    let written = if args.names.is_empty() {
        let stdin = std::io::stdin();
        answer_lines(&mut stdin.lock(), |name| answer(name, &mut out))
    } else {
        args.names.iter().try_for_each(|n| answer(n, &mut out))
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        return exit::usage("host", format!("writing output: {e}"));
    }
    if invalid {
        ExitCode::from(2)
    } else if unmatched {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Compile a host-name list (`-` for stdin), or the URLs of a Microsoft 365 endpoints feed,
/// into a host-name table image.
#[derive(clap::Args)]
pub struct CompileArgs {
    /// The host-name list: one name per line, `*.` for a wildcard, optionally a decimal tag
    /// mask; `#` comments.
    #[arg(
        value_name = "LIST",
        required_unless_present = "m365",
        conflicts_with = "m365"
    )]
    list: Option<String>,
    #[command(flatten)]
    feed: crate::feeds::M365Args,
    /// Where to write the image (replaced atomically; nothing is written on error).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "IMAGE",
        allow_hyphen_values = true
    )]
    output: String,
}

/// `tollgate compile-hostset LIST -o IMAGE` / `--m365 FILE [...] -o IMAGE`.
pub fn compile_hostset(args: CompileArgs) -> ExitCode {
    let output = &args.output;
    let (bytes, summary) = if let Some(list) = &args.list {
        let text = match crate::feeds::read_input(list) {
            Ok(t) => t,
            Err(e) => return exit::usage("compile-hostset", e),
        };
        let storage = match compile(&text) {
            Ok(s) => s,
            Err(e) => return exit::usage("compile-hostset", format!("{list}: {e}")),
        };
        let set = HostSet::from_trusted_image(storage.bytes());
        let summary = format!(
            "{} entries, {} names, {} bytes",
            set.entry_count(),
            set.name_count(),
            set.image().len()
        );
        (set.image().to_vec(), summary)
    } else {
        match crate::feeds::compile_m365_hostset(&args.feed) {
            Ok(r) => r,
            Err(e) => return exit::usage("compile-hostset", e),
        }
    };
    if let Err(e) = crate::output::write_atomic(output, &bytes) {
        return exit::usage("compile-hostset", e);
    }
    eprintln!("tollgate: {output}: {summary}");
    ExitCode::SUCCESS
}
