//! FILE and FILE.meta for fetch-jwks: the stored copy and its validators (URL, ETag,
//! Last-Modified), and their atomic replacement (a temporary file in the same directory,
//! fsync, rename, fsync of the directory), so a reader sees the old or the new file, never
//! a mix, and a failed run leaves both as they were.

use super::http::Validators;
use super::Failure;
use crate::verify::KEYSET_CAPACITY;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use tollgate_core::jwk::KeySet;

/// What the conditional request may rely on: FILE's bytes, when they still load as a key
/// set, and the validators stored for them.
pub struct Previous {
    content: Option<Vec<u8>>,
    meta: Option<Meta>,
}

/// The validators of FILE's content, as stored in FILE.meta.
#[derive(Debug, PartialEq, Eq)]
pub struct Meta {
    /// The JWKS URL the content came from.
    pub url: String,
    /// The response's `ETag`.
    pub etag: Option<String>,
    /// The response's `Last-Modified`.
    pub last_modified: Option<String>,
}

/// FILE.meta beside FILE.
fn meta_path(file: &str) -> PathBuf {
    let mut path = PathBuf::from(file).into_os_string();
    path.push(".meta");
    PathBuf::from(path)
}

impl Previous {
    /// Reads FILE and FILE.meta. Validators are used only when FILE still loads as a key set
    /// and FILE.meta was written for the same `url` (else the request is unconditional, so a
    /// damaged FILE is repaired rather than kept by a 304).
    pub fn read(file: &str, url: &str) -> Self {
        let content = fs::read(file)
            .ok()
            .filter(|bytes| KeySet::<KEYSET_CAPACITY>::parse(bytes).is_ok());
        let meta = fs::read_to_string(meta_path(file))
            .ok()
            .and_then(|text| Meta::parse(&text))
            .filter(|meta| meta.url == url && content.is_some());
        Previous { content, meta }
    }

    /// The validators to send (none when there is no usable stored copy).
    pub fn validators(&self) -> Validators<'_> {
        match &self.meta {
            Some(meta) => Validators {
                etag: meta.etag.as_deref(),
                last_modified: meta.last_modified.as_deref(),
            },
            None => Validators::default(),
        }
    }

    /// FILE's bytes when they load as a key set.
    pub fn content(&self) -> Option<&[u8]> {
        self.content.as_deref()
    }
}

impl Meta {
    /// `url`, `etag` and `last-modified` lines (`name value`); `#` lines are comments.
    fn parse(text: &str) -> Option<Meta> {
        let (mut url, mut etag, mut last_modified) = (None, None, None);
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (name, value) = line.split_once(' ')?;
            let slot = match name {
                "url" => &mut url,
                "etag" => &mut etag,
                "last-modified" => &mut last_modified,
                _ => continue,
            };
            *slot = Some(value.to_string());
        }
        Some(Meta {
            url: url?,
            etag,
            last_modified,
        })
    }

    /// The text of FILE.meta, or `None` when there is nothing to store (or a value could not
    /// be stored on one line).
    fn text(&self) -> Option<String> {
        if self.etag.is_none() && self.last_modified.is_none() {
            return None;
        }
        let mut text = String::from("# tollgate fetch-jwks: validators of the JWKS file\n");
        for (name, value) in [
            ("url", Some(&self.url)),
            ("etag", self.etag.as_ref()),
            ("last-modified", self.last_modified.as_ref()),
        ] {
            if let Some(value) = value {
                if value.contains(['\n', '\r']) {
                    return None;
                }
                text.push_str(&format!("{name} {value}\n"));
            }
        }
        Some(text)
    }
}

/// Makes FILE hold `content` and FILE.meta hold `meta`. FILE is rewritten only when its
/// bytes differ from `previous` (so its mtime changes only with its content); returns
/// whether it was. FILE.meta is replaced the same way afterwards, or removed when the
/// response had no validators; failing that only warns (a stale FILE.meta costs one full
/// download later, never a wrong key set).
pub fn replace(
    file: &str,
    content: &[u8],
    meta: &Meta,
    previous: Option<&[u8]>,
) -> Result<bool, Failure> {
    let written = previous != Some(content);
    if written {
        write_atomically(Path::new(file), content)
            .map_err(|e| Failure::new(2, "write_failed", format!("{file}: {e}")))?;
    }
    let meta_file = meta_path(file);
    let stored = match meta.text() {
        Some(text) => write_atomically(&meta_file, text.as_bytes()),
        None => match fs::remove_file(&meta_file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
    };
    if let Err(e) = stored {
        eprintln!("tollgate fetch-jwks: warning: {}: {e}", meta_file.display());
    }
    Ok(written)
}

/// Write `content` to a new temporary file beside `path`, fsync it, rename it over `path`
/// and fsync the directory. On error the temporary file is removed and `path` is untouched.
fn write_atomically(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".tmp-{}", std::process::id()));
    let temp = dir.join(temp_name);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(content)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_round_trips_and_refuses_what_cannot_be_one_line() {
        let meta = Meta {
            url: "https://h/k".into(),
            etag: Some("W/\"abc\"".into()),
            last_modified: Some("Mon, 30 Nov 2026 04:00:00 GMT".into()),
        };
        assert_eq!(Meta::parse(&meta.text().unwrap()), Some(meta));
        let bare = Meta {
            url: "https://h/k".into(),
            etag: None,
            last_modified: None,
        };
        assert_eq!(bare.text(), None);
        let broken = Meta {
            url: "https://h/k".into(),
            etag: Some("a\nurl https://evil/".into()),
            last_modified: None,
        };
        assert_eq!(broken.text(), None);
        assert_eq!(Meta::parse("etag x\n"), None); // no url: not usable
    }
}
