use super::*;
use std::os::unix::fs::symlink;

fn source() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("handler.py"),
        "def handler(e, c):\n    return 1\n",
    )
    .unwrap();
    dir
}

/// The names in a package, in order.
fn names(package: &Package) -> Vec<String> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(&package.bytes)).unwrap();
    archive
        .file_names()
        .map(|n| n.expect("a readable name").into_owned())
        .collect()
}

fn content(package: &Package, name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&package.bytes)).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn same_source_same_bytes_and_a_change_changes_the_hash() {
    let dir = source();
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

#[test]
fn a_link_to_a_file_outside_is_refused_with_its_path_and_target() {
    let dir = source();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("shadow"), "root:$6$secret").unwrap();
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    symlink(
        outside.path().join("shadow"),
        dir.path().join("conf/shadow"),
    )
    .unwrap();
    let e = build(dir.path()).err().expect("refused");
    let text = e.to_string();
    assert!(matches!(e, PackageError::LinkOutside { .. }), "{text}");
    assert!(text.contains("`conf/shadow`"), "{text}");
    assert!(
        text.contains(&outside.path().join("shadow").display().to_string()),
        "{text}"
    );
}

#[test]
fn links_out_through_a_parent_a_directory_link_and_to_proc_are_refused() {
    for target in ["../", "/proc/self/environ", "/etc"] {
        let dir = source();
        symlink(target, dir.path().join("escape")).unwrap();
        let e = build(dir.path()).err().expect("refused");
        assert!(
            matches!(e, PackageError::LinkOutside { .. }),
            "{target}: {e}"
        );
    }
}

#[test]
fn a_dangling_link_is_refused() {
    let dir = source();
    symlink("nowhere.py", dir.path().join("gone.py")).unwrap();
    let e = build(dir.path()).err().expect("refused");
    assert!(matches!(e, PackageError::Dangling { .. }), "{e}");
}

#[test]
fn links_inside_are_packaged_as_what_they_point_to() {
    let dir = source();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    std::fs::write(dir.path().join("lib/util.py"), "X = 1\n").unwrap();
    symlink("handler.py", dir.path().join("alias.py")).unwrap();
    symlink("lib", dir.path().join("vendor")).unwrap();
    let package = build(dir.path()).unwrap();
    assert_eq!(
        names(&package),
        ["alias.py", "handler.py", "lib/util.py", "vendor/util.py"]
    );
    assert_eq!(
        content(&package, "alias.py"),
        content(&package, "handler.py")
    );
    assert_eq!(content(&package, "vendor/util.py"), "X = 1\n");
}

#[test]
fn directory_link_cycles_are_refused_not_followed_forever() {
    let dir = source();
    symlink(".", dir.path().join("self")).unwrap();
    let e = build(dir.path()).err().expect("refused");
    assert!(matches!(e, PackageError::Cycle { .. }), "{e}");

    let dir = source();
    for d in ["a", "b"] {
        std::fs::create_dir(dir.path().join(d)).unwrap();
    }
    symlink("../b", dir.path().join("a/to_b")).unwrap();
    symlink("../a", dir.path().join("b/to_a")).unwrap();
    let e = build(dir.path()).err().expect("refused");
    assert!(matches!(e, PackageError::Cycle { .. }), "{e}");
}

#[test]
fn a_fifo_is_refused_without_being_opened() {
    let dir = source();
    let fifo = std::ffi::CString::new(dir.path().join("pipe").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let e = build(dir.path()).err().expect("refused");
    assert!(
        e.to_string().contains("`pipe`") && e.to_string().contains("FIFO"),
        "{e}"
    );
}

#[test]
fn a_file_swapped_after_inspection_is_not_read() {
    let dir = source();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "s3cr3t").unwrap();
    let mut walk = Walk {
        root: std::fs::canonicalize(dir.path()).unwrap(),
        shown: dir.path().to_path_buf(),
        entries: Vec::new(),
    };
    let root = walk.root.clone();
    walk.dir(&root, "", &mut vec![root.clone()]).unwrap();
    // Between the walk and the read, the file becomes a link out, then another file.
    // (The inspected file is kept, renamed, so that its inode number is not reused.)
    let handler = dir.path().join("handler.py");
    std::fs::rename(&handler, dir.path().join("kept.py")).unwrap();
    symlink(outside.path().join("secret"), &handler).unwrap();
    let e = walk.read(&walk.entries[0]).expect_err("refused");
    assert!(matches!(e, PackageError::Changed { .. }), "{e}");
    std::fs::remove_file(&handler).unwrap();
    std::fs::write(&handler, "other").unwrap();
    let e = walk.read(&walk.entries[0]).expect_err("refused");
    assert!(matches!(e, PackageError::Changed { .. }), "{e}");
}

#[test]
fn a_source_outside_the_stack_directory_is_refused() {
    let stack = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(stack.path().join("functions/f")).unwrap();
    std::fs::write(stack.path().join("functions/f/handler.py"), "x").unwrap();
    assert!(build_source(stack.path(), "functions/f").is_ok());
    assert!(build_source(stack.path(), "./functions/f").is_ok());
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("handler.py"), "x").unwrap();
    symlink(outside.path(), stack.path().join("functions/linked")).unwrap();
    for (given, why) in [
        ("../../etc", "`..`"),
        ("functions/../functions/f", "`..`"),
        ("/etc", "relative"),
        ("functions/linked", "leads to"),
    ] {
        let e = build_source(stack.path(), given).err().expect("refused");
        assert!(
            matches!(e, PackageError::SourceOutside { .. }),
            "{given}: {e}"
        );
        assert!(e.to_string().contains(why), "{given}: {e}");
    }
}

#[test]
fn the_direct_upload_warning_starts_above_50_mb() {
    assert_eq!(direct_upload_warning(DIRECT_UPLOAD_LIMIT), None);
    let warning = direct_upload_warning(DIRECT_UPLOAD_LIMIT + 1).expect("warned");
    assert!(
        warning.contains("50.0 MB zipped") && warning.contains("50 MB limit"),
        "{warning}"
    );
}

#[test]
fn a_file_past_lambdas_unzipped_limit_is_refused_without_being_read() {
    let dir = source();
    // Sparse: 300 MB long, no blocks on disk; reading it would allocate all of it.
    let file = std::fs::File::create(dir.path().join("huge.bin")).unwrap();
    file.set_len(300 * 1024 * 1024).unwrap();
    match build(dir.path()) {
        Err(PackageError::TooLarge { path, .. }) => assert_eq!(path, "huge.bin"),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a 300 MB file was packaged"),
    }
}
