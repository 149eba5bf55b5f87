//! Stack + environment YAML → [`crate::model::Desired`], with every problem reported at once.
//! TEMPORARY stub until the loader lands from its branch.

#[derive(Debug)]
pub struct Diagnostics(pub Vec<String>);
impl std::fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}
pub fn load(_env: &str, _root: &std::path::Path) -> Result<crate::model::Desired, Diagnostics> {
    Err(Diagnostics(vec!["not yet".into()]))
}
