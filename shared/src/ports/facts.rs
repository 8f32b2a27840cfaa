//! The monthly report's anonymous facts.

use super::StoreError;
use crate::ids::OperatorId;
use crate::report::{Fact, Recorded};
use async_trait::async_trait;

#[async_trait]
pub trait Facts: Send + Sync {
    /// Records a fact under its month; the same fact twice is one (a check's flags are
    /// only ever added).
    async fn record_fact(&self, op: &OperatorId, month: &str, fact: &Fact) -> Result<(), StoreError>;
    /// The facts of one month, or all of them.
    async fn facts(&self, op: &OperatorId, month: Option<&str>) -> Result<Vec<Recorded>, StoreError>;
}
