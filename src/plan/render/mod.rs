//! Plans as text: `human` for terminals, `json` for scripts.

pub mod human;
pub mod json;
pub mod lines;
pub mod markdown;
