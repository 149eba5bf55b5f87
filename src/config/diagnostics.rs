//! Configuration problems, each with the file, line, column and field it concerns.

use marked_yaml::Span;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// Dotted path of the field, e.g. `resources.tools_table.properties.billing_mode`; may be empty.
    pub field: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sorted = self.0.clone();
        sorted.sort();
        sorted.dedup();
        for (i, d) in sorted.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The files being read, by the source id marked-yaml stamps on every span.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub files: Vec<PathBuf>,
}

/// Collects diagnostics, turning spans into file:line:column.
#[derive(Debug, Default)]
pub struct Collector {
    pub sources: Sources,
    pub found: Vec<Diagnostic>,
}

impl Collector {
    pub fn at(&mut self, span: &Span, field: impl Into<String>, message: impl Into<String>) {
        let (file, line, column) = match span.start() {
            Some(m) => (
                self.sources
                    .files
                    .get(m.source())
                    .cloned()
                    .unwrap_or_default(),
                m.line(),
                m.column(),
            ),
            None => (
                self.sources.files.first().cloned().unwrap_or_default(),
                1,
                1,
            ),
        };
        let found = Diagnostic {
            file,
            line,
            column,
            field: field.into(),
            message: message.into(),
        };
        // The same problem reached twice (a parameter merged into several resources) is one problem.
        if !self.found.contains(&found) {
            self.found.push(found);
        }
    }

    /// A problem with a whole file (it cannot be read or parsed at all).
    pub fn in_file(
        &mut self,
        file: PathBuf,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) {
        self.found.push(Diagnostic {
            file,
            line,
            column,
            field: String::new(),
            message: message.into(),
        });
    }
}
