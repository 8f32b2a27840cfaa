//! The local stack (the embedded default): moto server as the AWS endpoint, resources
//! created from `template.yaml`'s own definitions, the LINE simulator, and a driver that
//! fires the schedules the code created and feeds SQS to the escalation function, all
//! in virtual time. Used by the demo and by the scenario tests.

pub mod driver;
pub mod faults;
pub mod metrics;
pub mod moto;
pub mod report;
pub mod resources;
pub mod rich_menu;
pub mod stack;
pub mod template;
pub mod timeline;

use std::path::PathBuf;

/// The workspace root (where `template.yaml` and `.venv` live).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[derive(Debug)]
pub struct LocalError(pub String);

impl std::fmt::Display for LocalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LocalError {}

impl LocalError {
    pub fn new(what: impl std::fmt::Display) -> Self {
        Self(what.to_string())
    }
}

pub type Result<T, E = LocalError> = std::result::Result<T, E>;
