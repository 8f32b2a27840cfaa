//! The staff room, the staff in it and who is on duty.

use super::StoreError;
use crate::ids::{ChatId, OperatorId, UserId};
use crate::staff::{Staff, StaffRoom};
use async_trait::async_trait;

#[async_trait]
pub trait StaffRooms: Send + Sync {
    async fn staff_room(&self, op: &OperatorId) -> Result<Option<StaffRoom>, StoreError>;
    /// Registers the staff room; moving it to another chat ends the old one's duty.
    async fn set_staff_room(&self, op: &OperatorId, room: &StaffRoom) -> Result<(), StoreError>;
    async fn clear_staff_room(&self, op: &OperatorId, group: &ChatId) -> Result<(), StoreError>;
    async fn enrol_staff(&self, op: &OperatorId, staff: &Staff) -> Result<(), StoreError>;
    async fn remove_staff(&self, op: &OperatorId, user: &UserId) -> Result<(), StoreError>;
    async fn staff(&self, op: &OperatorId, user: &UserId) -> Result<Option<Staff>, StoreError>;
    async fn set_on_duty(&self, op: &OperatorId, staff: &Staff) -> Result<(), StoreError>;
    async fn on_duty(&self, op: &OperatorId) -> Result<Option<Staff>, StoreError>;
}
