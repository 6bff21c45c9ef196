//! Writing an output file atomically: the bytes go to a temporary file in the same directory,
//! are flushed to disk, then renamed over the target, so a reader sees the old file or the
//! new one, never a half-written one, and a failure leaves the old file untouched.

use std::io::Write;
use std::path::Path;

/// Replace `path` with `bytes` atomically (see the module docs).
pub fn write_atomic(path: &str, bytes: &[u8]) -> Result<(), String> {
    let target = Path::new(path);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| format!("{path}: not a file name"))?;
    let temp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&temp, target)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(format!("{path}: {e}"));
    }
    Ok(())
}
