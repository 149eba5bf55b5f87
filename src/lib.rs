//! dtr: the Dynamic Tool Runtime infrastructure engine.
//!
//! Data flows one way: `config` (YAML → [`model::Desired`]), `provider` (live AWS → observed),
//! `plan` (pure diff → [`plan::Plan`]), `exec` (plan → AWS calls, state and a report).

// Errors here carry AWS error codes, messages and request ids: large, and only on the cold path.
#![allow(clippy::result_large_err)]

pub mod cli;
pub mod commands;
pub mod config;
pub mod engine;
pub mod exec;
pub mod interrupt;
pub mod logging;
pub mod migrate;
pub mod model;
pub mod plan;
pub mod provider;
pub mod retry;
pub mod state;
pub mod stdout;
