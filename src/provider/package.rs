//! Deterministic function packages: the same source gives the same bytes and the same SHA-256, so
//! an unchanged function is never redeployed. Files in sorted order, fixed timestamps and modes;
//! caches (`__pycache__`, `*.pyc`) left out.

use base64::Engine;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} holds no files to package")]
    Empty(PathBuf),
    #[error("cannot write the zip: {0}")]
    Zip(String),
}

pub struct Package {
    pub bytes: Vec<u8>,
    /// base64 of the SHA-256 of `bytes`: Lambda's `CodeSha256`.
    pub sha256: String,
}

fn files(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), PackageError> {
    let io = |source| PackageError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "__pycache__" || name.ends_with(".pyc") || name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            files(&path, base, out)?;
        } else {
            let rel = path.strip_prefix(base).unwrap_or(&path);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
    Ok(())
}

pub fn build(dir: &Path) -> Result<Package, PackageError> {
    let mut entries = Vec::new();
    files(dir, dir, &mut entries)?;
    if entries.is_empty() {
        return Err(PackageError::Empty(dir.to_path_buf()));
    }
    entries.sort();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, path) in entries {
        let data = std::fs::read(&path).map_err(|source| PackageError::Io {
            path: path.clone(),
            source,
        })?;
        writer
            .start_file(name, options)
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
mod tests {
    use super::*;

    #[test]
    fn same_source_same_bytes_and_a_change_changes_the_hash() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("handler.py"),
            "def handler(e, c):\n    return 1\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("__pycache__")).unwrap();
        std::fs::write(
            dir.path().join("__pycache__/handler.cpython-311.pyc"),
            "junk",
        )
        .unwrap();
        let a = build(dir.path()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(
            dir.path().join("handler.py"),
            "def handler(e, c):\n    return 1\n",
        )
        .unwrap();
        let b = build(dir.path()).unwrap();
        assert_eq!(
            a.bytes, b.bytes,
            "rewriting the same content (new mtime) changes nothing"
        );
        std::fs::write(
            dir.path().join("handler.py"),
            "def handler(e, c):\n    return 2\n",
        )
        .unwrap();
        assert_ne!(build(dir.path()).unwrap().sha256, a.sha256);
    }
}
