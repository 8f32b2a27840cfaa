//! The local stack (the embedded default): moto server as the AWS endpoint, resources
//! created from `template.yaml`'s own definitions, the LINE simulator, and a driver that
//! fires the schedules the code created and feeds SQS to the escalation function, all
//! in virtual time. Used by the demo and by the scenario tests.

pub mod chaos;
pub mod driver;
pub mod faults;
pub mod load;
pub mod logscan;
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
/// The value after `name` on a command line (`--members 1000`), for the local binaries.
pub fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

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

/// A seeded die: the same seed rolls the same numbers, run after run (xorshift64).
#[derive(Clone, Debug)]
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub fn draw(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// True about `per_mille` times in a thousand.
    pub fn roll(&mut self, per_mille: u32) -> bool {
        self.draw() % 1000 < u64::from(per_mille)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.draw() % n }
    }
}

pub type Result<T, E = LocalError> = std::result::Result<T, E>;
