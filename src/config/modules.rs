//! Module files: `modules.<name>.source` is a YAML file inside the stack's directory, with its own
//! `parameters`, `resources` and `outputs`. The path is untrusted input: it must stay inside the
//! stack directory, through links too, so a copied stack cannot make dtr read files elsewhere.

use super::diagnostics::Collector;
use super::stack::{self, FileKind, ModuleDecl, StackFile};
use super::yaml::{self, join};
use std::path::{Component, Path};

/// The module file `decl` instantiates, read and parsed; `None` (with diagnostics) if unusable.
pub fn read(
    decl: &ModuleDecl,
    stack_dir: &Path,
    root: &Path,
    c: &mut Collector,
) -> Option<StackFile> {
    let (source, span) = &decl.source;
    let field = join(&["modules", &decl.name, "source"]);
    let relative = Path::new(source);
    let plain = relative
        .components()
        .all(|part| matches!(part, Component::Normal(_) | Component::CurDir));
    let yaml_file = source.ends_with(".yaml") || source.ends_with(".yml");
    if source.is_empty() || !plain || !yaml_file {
        c.at(
            span,
            field,
            format!("`{source}`: a module source is a relative path to a .yaml file inside the stack's directory (no `..`, not absolute)"),
        );
        return None;
    }
    let path = stack_dir.join(relative);
    let inside = match (path.canonicalize(), stack_dir.canonicalize()) {
        (Ok(real), Ok(dir)) => real.starts_with(dir),
        // Missing: yaml::read reports it with the file's name.
        (Err(_), _) | (_, Err(_)) => true,
    };
    if !inside {
        c.at(
            span,
            field,
            format!("`{source}` leads outside the stack's directory through a link; a module file must be inside it"),
        );
        return None;
    }
    let shown = path
        .strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.clone());
    c.sources.files.push(shown);
    let index = c.sources.files.len() - 1;
    let node = yaml::read(&path, index, c)?;
    stack::parse(&node, FileKind::Module, c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use marked_yaml::Span;

    fn decl(source: &str) -> ModuleDecl {
        ModuleDecl {
            name: "m".into(),
            span: Span::new_blank(),
            source: (source.into(), Span::new_blank()),
            parameters: Vec::new(),
        }
    }

    #[test]
    fn a_source_outside_the_stack_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let stack = dir.path().join("stacks/s");
        std::fs::create_dir_all(stack.join("modules")).unwrap();
        std::fs::write(
            dir.path().join("outside.yaml"),
            "module: x\nresources: {}\n",
        )
        .unwrap();
        std::fs::write(stack.join("modules/ok.yaml"), "module: ok\nresources: {}\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("outside.yaml"), stack.join("link.yaml"))
            .unwrap();
        for bad in [
            "../../outside.yaml",
            "/etc/passwd.yaml",
            "modules/ok.txt",
            "",
            "link.yaml",
        ] {
            let mut c = Collector::default();
            assert!(
                read(&decl(bad), &stack, dir.path(), &mut c).is_none(),
                "{bad}"
            );
            assert!(!c.found.is_empty(), "{bad}: says why");
        }
        let mut c = Collector::default();
        assert!(read(&decl("modules/ok.yaml"), &stack, dir.path(), &mut c).is_some());
        assert!(c.found.is_empty());
    }
}
