//! The configuration loader on mutated YAML: it never panics, and every problem it reports names a
//! file, a line and a column.

use proptest::prelude::*;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[derive(Debug, Clone)]
enum Mutation {
    /// Overwrite the character at a position with one of YAML's significant ones.
    Replace(usize, char),
    DeleteLine(usize),
    DuplicateLine(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let chars = prop::sample::select(vec![
        ':', '-', ' ', '\n', '{', '}', '[', ']', '"', '\'', '$', '#', '&', '*', '!', '|', '>', 'x',
        '0', '\t',
    ]);
    prop_oneof![
        (any::<usize>(), chars).prop_map(|(i, c)| Mutation::Replace(i, c)),
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for m in mutations {
        match *m {
            Mutation::Replace(i, c) if !chars.is_empty() => {
                let i = i % chars.len();
                chars[i] = c;
            }
            Mutation::Truncate(i) if !chars.is_empty() => chars.truncate(i % chars.len()),
            Mutation::DeleteLine(i) | Mutation::DuplicateLine(i) => {
                let text: String = chars.iter().collect();
                let mut lines: Vec<&str> = text.lines().collect();
                if lines.is_empty() {
                    continue;
                }
                let i = i % lines.len();
                if matches!(m, Mutation::DeleteLine(_)) {
                    lines.remove(i);
                } else {
                    lines.insert(i, lines[i]);
                }
                chars = lines.join("\n").chars().collect();
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

fn project(env: &str, stack: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let stack_dir = dir.path().join("stacks/dynamic-tool-runtime");
    std::fs::create_dir_all(dir.path().join("environments")).unwrap();
    std::fs::create_dir_all(&stack_dir).unwrap();
    std::fs::write(dir.path().join("environments/local.yaml"), env).unwrap();
    std::fs::write(stack_dir.join("stack.yaml"), stack).unwrap();
    for f in ["tool_manager", "authorizer", "monitoring"] {
        std::fs::create_dir_all(stack_dir.join("functions").join(f)).unwrap();
        std::fs::write(
            stack_dir.join("functions").join(f).join("handler.py"),
            "def handler(e, c):\n    return 1\n",
        )
        .unwrap();
    }
    dir
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_configuration_never_panics_and_always_locates_its_problems(
        env_mutations in prop::collection::vec(mutation(), 0..4),
        stack_mutations in prop::collection::vec(mutation(), 0..4),
    ) {
        let env = std::fs::read_to_string(Path::new(ROOT).join("environments/local.yaml")).unwrap();
        let stack = std::fs::read_to_string(Path::new(ROOT).join("stacks/dynamic-tool-runtime/stack.yaml")).unwrap();
        let dir = project(&mutate(&env, &env_mutations), &mutate(&stack, &stack_mutations));
        if let Err(problems) = dtr::config::load("local", dir.path()) {
            prop_assert!(!problems.0.is_empty());
            for p in &problems.0 {
                prop_assert!(p.line >= 1 && p.column >= 1, "{p}");
                prop_assert!(!p.file.as_os_str().is_empty(), "{p}");
                prop_assert!(!p.message.is_empty(), "{p}");
            }
        }
    }
}
