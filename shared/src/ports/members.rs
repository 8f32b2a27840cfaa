//! Members, their roster and their history.

use super::{StoreError, Written};
use crate::ids::{OperatorId, UserId};
use crate::member::{HistoryEvent, Member, MemberChange};
use async_trait::async_trait;
use jiff::Timestamp;

#[async_trait]
pub trait Members: Send + Sync {
    async fn member(&self, op: &OperatorId, member: &UserId) -> Result<Option<Member>, StoreError>;
    async fn create_member(&self, member: &Member) -> Result<Written, StoreError>;
    /// Makes one change to the member under its condition (`Conflict` if it does not
    /// hold, or there is no such member), with its history entry in the same write.
    async fn change(
        &self,
        op: &OperatorId,
        member: &UserId,
        change: &MemberChange,
        history: Option<&HistoryEvent>,
        now: Timestamp,
    ) -> Result<Written, StoreError>;
    async fn delete_member(&self, op: &OperatorId, member: &UserId) -> Result<(), StoreError>;
    /// Every member of the operator (the roster, kept with the member records).
    async fn roster(&self, op: &OperatorId) -> Result<Vec<UserId>, StoreError>;
    /// A history entry with no member change.
    async fn record(
        &self,
        op: &OperatorId,
        member: &UserId,
        at: Timestamp,
        event: &HistoryEvent,
    ) -> Result<(), StoreError>;
    async fn history(&self, op: &OperatorId, member: &UserId) -> Result<Vec<(Timestamp, HistoryEvent)>, StoreError>;
}
