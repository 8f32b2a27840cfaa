//! Erasing a member who left.

use super::StoreError;
use crate::ids::{OperatorId, UserId};
use async_trait::async_trait;

#[async_trait]
pub trait Erasure: Send + Sync {
    /// Erases every record of the user: member, checks, pushes, history, contact links on
    /// both sides, invitation codes, their cases, staff record and watchdog entries; and
    /// in the records elsewhere that named them (other members' history, pushes and
    /// invitations, other cases' events), deletes what was theirs and replaces their id,
    /// names and phone numbers in the rest. Found through the person's own records, never
    /// by a scan. Returns how many records were deleted or rewritten.
    async fn erase_member(&self, op: &OperatorId, member: &UserId) -> Result<usize, StoreError>;
}
