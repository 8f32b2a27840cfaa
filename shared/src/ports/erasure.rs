//! Erasing a member who left.

use super::StoreError;
use crate::ids::{OperatorId, UserId};
use async_trait::async_trait;

#[async_trait]
pub trait Erasure: Send + Sync {
    /// Erases every record of the user: member, checks, pushes, history, contact links on
    /// both sides, invitation codes. Returns how many records were deleted.
    async fn erase_member(&self, op: &OperatorId, member: &UserId) -> Result<usize, StoreError>;
}
