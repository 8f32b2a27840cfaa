//! The staff room, the staff in it and who is on duty.

use super::StoreError;
use crate::ids::{ChatId, OperatorId, UserId};
use crate::staff::{Staff, StaffRoom};
use async_trait::async_trait;
use jiff::Timestamp;

#[async_trait]
pub trait StaffRooms: Send + Sync {
    async fn staff_room(&self, op: &OperatorId) -> Result<Option<StaffRoom>, StoreError>;
    /// Registers the staff room; moving it to another chat ends the old one's duty.
    async fn set_staff_room(&self, op: &OperatorId, room: &StaffRoom) -> Result<(), StoreError>;
    /// Unregisters the staff room, if it is still `group`, with every staff record and
    /// the on-duty mark: a new room's staff are approved there again.
    async fn clear_staff_room(&self, op: &OperatorId, group: &ChatId) -> Result<(), StoreError>;
    async fn enrol_staff(&self, op: &OperatorId, staff: &Staff) -> Result<(), StoreError>;
    async fn remove_staff(&self, op: &OperatorId, user: &UserId) -> Result<(), StoreError>;
    async fn staff(&self, op: &OperatorId, user: &UserId) -> Result<Option<Staff>, StoreError>;
    /// Everyone enrolled as staff (a staff room's people: tens, not thousands).
    async fn staff_list(&self, op: &OperatorId) -> Result<Vec<Staff>, StoreError>;
    async fn set_on_duty(&self, op: &OperatorId, staff: &Staff) -> Result<(), StoreError>;
    async fn on_duty(&self, op: &OperatorId) -> Result<Option<Staff>, StoreError>;
    /// Keeps a registration code (by its digest) valid until `until`.
    async fn issue_staff_code(&self, op: &OperatorId, digest: &str, until: Timestamp) -> Result<(), StoreError>;
    /// Uses up an issued code still valid at `now`: `false` if there is none (never
    /// issued, used, or out of time). Two chats sending it at once: one wins.
    async fn redeem_staff_code(&self, op: &OperatorId, digest: &str, now: Timestamp) -> Result<bool, StoreError>;
    /// Uses up the deployment's own code: `false` if it was used before.
    async fn use_initial_staff_code(&self, op: &OperatorId, digest: &str, now: Timestamp) -> Result<bool, StoreError>;
    async fn wrong_staff_codes_this_hour(
        &self,
        op: &OperatorId,
        chat: &ChatId,
        now: Timestamp,
    ) -> Result<u32, StoreError>;
    async fn record_wrong_staff_code(&self, op: &OperatorId, chat: &ChatId, now: Timestamp) -> Result<(), StoreError>;
}
