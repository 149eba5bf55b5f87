//! Stack + environment YAML → [`crate::model::Desired`], with every problem reported at once.
