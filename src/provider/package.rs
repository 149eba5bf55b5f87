//! Deterministic function packages that never read outside the function's source directory.
//!
//! What goes in: every regular file below the source directory, by its path relative to it, in sorted
//! order, with fixed timestamps (1980-01-01) and mode 0644; caches (`__pycache__`, `*.pyc`) and dot
//! files are left out. A symbolic link is followed only when what it resolves to stays inside the
//! source directory (a file is packaged under the link's name, a directory's files under the link's
//! path); a link that leaves it, a dangling link, a directory link that loops back on itself, and any
//! special file (FIFO, socket, device) are refused, naming the path and where it points. Each file is
//! opened without following links and must still be the regular file that was inspected, so a file
//! swapped for a link or a FIFO between the walk and the read is refused too.

use base64::Engine;
use sha2::{Digest, Sha256};
use std::fs::Metadata;
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` (in {dir}) has {bytes} bytes, more than Lambda's 250 MB limit for a whole unzipped package")]
    TooLarge {
        path: String,
        dir: PathBuf,
        bytes: u64,
    },
    #[error("{0} holds no files to package")]
    Empty(PathBuf),
    #[error("cannot write the zip: {0}")]
    Zip(String),
    #[error("`{given}` is not inside the stack's directory {stack_dir}: {why}")]
    SourceOutside {
        given: String,
        stack_dir: PathBuf,
        why: String,
    },
    #[error("`{path}` (in {dir}) is a link to {target}, outside the function's source directory; dtr packages nothing from outside it")]
    LinkOutside {
        path: String,
        dir: PathBuf,
        target: PathBuf,
    },
    #[error("`{path}` (in {dir}) is a link to {target}, which does not exist")]
    Dangling {
        path: String,
        dir: PathBuf,
        target: PathBuf,
    },
    #[error(
        "`{path}` (in {dir}) is a link to {target}, a directory it is itself inside (a cycle)"
    )]
    Cycle {
        path: String,
        dir: PathBuf,
        target: PathBuf,
    },
    #[error(
        "`{path}` (in {dir}) is a {kind}, not a regular file; dtr packages only regular files"
    )]
    Special {
        path: String,
        dir: PathBuf,
        kind: &'static str,
    },
    #[error("`{path}` (in {dir}) changed while it was being packaged; nothing was read from it")]
    Changed { path: String, dir: PathBuf },
}

pub struct Package {
    pub bytes: Vec<u8>,
    /// base64 of the SHA-256 of `bytes`: Lambda's `CodeSha256`.
    pub sha256: String,
}

/// The largest package Lambda takes in a direct upload (`ZipFile`): 50 MB zipped, where Lambda's MB
/// is 1024 KB. Larger ones must go through S3. Source: "Lambda quotas",
/// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (deployment package
/// (.zip file archive) size: 50 MB zipped, for direct upload) and the `CodeSizeZipped` account limit,
/// https://docs.aws.amazon.com/lambda/latest/api/API_AccountLimit.html.
pub const DIRECT_UPLOAD_LIMIT: u64 = 50 * 1024 * 1024;

/// A warning when a package of `size` bytes is over [`DIRECT_UPLOAD_LIMIT`].
pub fn direct_upload_warning(size: u64) -> Option<String> {
    const MB: f64 = 1024.0 * 1024.0;
    (size > DIRECT_UPLOAD_LIMIT).then(|| {
        format!(
            "the package is {:.1} MB zipped, over Lambda's 50 MB limit for a direct upload; creating or updating the function will fail (make the package smaller)",
            size as f64 / MB
        )
    })
}

/// Package `source` (a directory relative to `stack_dir`, as written in the stack), refusing a
/// `source` that is absolute, uses `..`, or resolves (through links) outside `stack_dir`.
pub fn build_source(stack_dir: &Path, source: &str) -> Result<Package, PackageError> {
    let outside = |why: &str| PackageError::SourceOutside {
        given: source.to_string(),
        stack_dir: stack_dir.to_path_buf(),
        why: why.to_string(),
    };
    for component in Path::new(source).components() {
        match component {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err(outside("`..` is not allowed")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(outside("it must be a path relative to the stack file"))
            }
        }
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PackageError::Io { path, source }
    };
    let base = std::fs::canonicalize(stack_dir).map_err(io(stack_dir))?;
    let dir = stack_dir.join(source);
    let real = std::fs::canonicalize(&dir).map_err(io(&dir))?;
    if !real.starts_with(&base) {
        return Err(outside(&format!("it leads to {}", real.display())));
    }
    build(&dir)
}

/// A file to put in the zip: its name there, the path to open, and the identity it had when inspected.
struct Entry {
    name: String,
    open: PathBuf,
    identity: (u64, u64),
}

struct Walk {
    /// The source directory, links resolved: nothing outside it is ever opened.
    root: PathBuf,
    /// The source directory as given, for messages.
    shown: PathBuf,
    entries: Vec<Entry>,
}

fn identity(meta: &Metadata) -> (u64, u64) {
    (meta.dev(), meta.ino())
}

fn special_kind(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_fifo() {
        "FIFO (named pipe)"
    } else if t.is_socket() {
        "socket"
    } else if t.is_char_device() {
        "character device"
    } else if t.is_block_device() {
        "block device"
    } else {
        "special file"
    }
}

impl Walk {
    fn io(&self, path: &Path) -> impl FnOnce(std::io::Error) -> PackageError {
        let path = path.to_path_buf();
        move |source| PackageError::Io { path, source }
    }

    /// Collect the files below `dir` (links resolved, inside `root`), named under `rel`; `ancestors`
    /// are the resolved directories being walked, to refuse a link back into one of them.
    fn dir(
        &mut self,
        dir: &Path,
        rel: &str,
        ancestors: &mut Vec<PathBuf>,
    ) -> Result<(), PackageError> {
        let listing = std::fs::read_dir(dir).map_err(self.io(dir))?;
        for entry in listing {
            let entry = entry.map_err(self.io(dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == "__pycache__" || name.ends_with(".pyc") || name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            // Not following links: what the entry itself is.
            let meta = std::fs::symlink_metadata(&path).map_err(self.io(&path))?;
            if meta.file_type().is_symlink() {
                self.link(&path, rel, ancestors)?;
            } else if meta.is_dir() {
                ancestors.push(path.clone());
                self.dir(&path, &rel, ancestors)?;
                ancestors.pop();
            } else if meta.is_file() {
                self.entries.push(Entry {
                    name: rel,
                    open: path,
                    identity: identity(&meta),
                });
            } else {
                return Err(self.special(rel, &meta));
            }
        }
        Ok(())
    }

    fn link(
        &mut self,
        path: &Path,
        rel: String,
        ancestors: &mut Vec<PathBuf>,
    ) -> Result<(), PackageError> {
        let dir = self.shown.clone();
        let written = std::fs::read_link(path).map_err(self.io(path))?;
        let Ok(target) = std::fs::canonicalize(path) else {
            return Err(PackageError::Dangling {
                path: rel,
                dir,
                target: written,
            });
        };
        if !target.starts_with(&self.root) {
            return Err(PackageError::LinkOutside {
                path: rel,
                dir,
                target,
            });
        }
        // `target` has no links left in it: its metadata is the thing itself.
        let meta = std::fs::metadata(&target).map_err(self.io(&target))?;
        if meta.is_dir() {
            if ancestors.contains(&target) {
                return Err(PackageError::Cycle {
                    path: rel,
                    dir,
                    target: written,
                });
            }
            ancestors.push(target.clone());
            self.dir(&target, &rel, ancestors)?;
            ancestors.pop();
        } else if meta.is_file() {
            self.entries.push(Entry {
                name: rel,
                open: target,
                identity: identity(&meta),
            });
        } else {
            return Err(self.special(rel, &meta));
        }
        Ok(())
    }

    fn special(&self, rel: String, meta: &Metadata) -> PackageError {
        PackageError::Special {
            path: rel,
            dir: self.shown.clone(),
            kind: special_kind(meta),
        }
    }

    /// The file's bytes, if it is still the regular file that was inspected: opened without following
    /// a link and without blocking on a FIFO.
    fn read(&self, entry: &Entry) -> Result<Vec<u8>, PackageError> {
        let changed = || PackageError::Changed {
            path: entry.name.clone(),
            dir: self.shown.clone(),
        };
        let mut file = match std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&entry.open)
        {
            Ok(file) => file,
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Err(changed()),
            Err(e) => return Err(self.io(&entry.open)(e)),
        };
        let meta = file.metadata().map_err(self.io(&entry.open))?;
        if !meta.is_file() || identity(&meta) != entry.identity {
            return Err(changed());
        }
        // Lambda takes at most 250 MB unzipped: a larger (or sparse, or growing) file is refused, not
        // read into memory.
        if meta.len() > UNZIPPED_LIMIT {
            return Err(PackageError::TooLarge {
                path: entry.name.clone(),
                dir: self.shown.clone(),
                bytes: meta.len(),
            });
        }
        let mut data = Vec::with_capacity(meta.len() as usize);
        (&mut file)
            .take(UNZIPPED_LIMIT + 1)
            .read_to_end(&mut data)
            .map_err(self.io(&entry.open))?;
        if data.len() as u64 > UNZIPPED_LIMIT {
            return Err(PackageError::TooLarge {
                path: entry.name.clone(),
                dir: self.shown.clone(),
                bytes: data.len() as u64,
            });
        }
        Ok(data)
    }
}

/// Lambda's limit on a function's unzipped deployment package (and so on any file in it).
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
const UNZIPPED_LIMIT: u64 = 250 * 1024 * 1024;

/// Package the directory `dir`, reading nothing outside it.
pub fn build(dir: &Path) -> Result<Package, PackageError> {
    let root = std::fs::canonicalize(dir).map_err(|source| PackageError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut walk = Walk {
        root: root.clone(),
        shown: dir.to_path_buf(),
        entries: Vec::new(),
    };
    walk.dir(&root, "", &mut vec![root.clone()])?;
    if walk.entries.is_empty() {
        return Err(PackageError::Empty(dir.to_path_buf()));
    }
    walk.entries.sort_by(|a, b| a.name.cmp(&b.name));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for entry in &walk.entries {
        let data = walk.read(entry)?;
        writer
            .start_file(entry.name.as_str(), options)
            .map_err(|e| PackageError::Zip(e.to_string()))?;
        writer
            .write_all(&data)
            .map_err(|e| PackageError::Zip(e.to_string()))?;
    }
    let bytes = writer
        .finish()
        .map_err(|e| PackageError::Zip(e.to_string()))?
        .into_inner();
    let sha256 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes));
    Ok(Package { bytes, sha256 })
}

#[cfg(test)]
mod tests;
