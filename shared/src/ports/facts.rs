//! The monthly report's anonymous facts, and each settled month's roll-up.

use super::StoreError;
use crate::ids::OperatorId;
use crate::report::{Fact, Recorded, Tally};
use async_trait::async_trait;

#[async_trait]
pub trait Facts: Send + Sync {
    /// Records a fact under its month; the same fact twice is one (a check's flags are
    /// only ever added).
    async fn record_fact(&self, op: &OperatorId, month: &str, fact: &Fact) -> Result<(), StoreError>;
    /// The facts of one month, or all of them: for tests and tools, never on a request.
    async fn facts(&self, op: &OperatorId, month: Option<&str>) -> Result<Vec<Recorded>, StoreError>;
    /// Folds one month's facts into a tally, page by page: memory stays the same however
    /// many facts the month has.
    async fn tally_month(&self, op: &OperatorId, month: &str) -> Result<Tally, StoreError>;
    /// The earliest month with a fact, if any.
    async fn first_month(&self, op: &OperatorId) -> Result<Option<String>, StoreError>;
    /// Every month's roll-up kept so far, oldest first.
    async fn roll_ups(&self, op: &OperatorId) -> Result<Vec<(String, Tally)>, StoreError>;
    /// Keeps a settled month's tally as its roll-up (written again, it is replaced).
    /// Writes `new` in place of `old` (a fact whose key changes), in the same month.
    async fn replace_fact(&self, op: &OperatorId, month: &str, old: &Fact, new: &Fact) -> Result<(), StoreError>;
    async fn keep_roll_up(&self, op: &OperatorId, month: &str, tally: &Tally) -> Result<(), StoreError>;
}
