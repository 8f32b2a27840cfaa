//! Members, their roster and their history.

use super::{StoreError, Written};
use crate::ids::{OperatorId, UserId};
use crate::member::{HistoryEvent, Member, MemberStatus};
use crate::schedule::CheckSchedule;
use async_trait::async_trait;
use jiff::Timestamp;

#[async_trait]
pub trait Members: Send + Sync {
    async fn member(&self, op: &OperatorId, member: &UserId) -> Result<Option<Member>, StoreError>;
    async fn create_member(&self, member: &Member) -> Result<Written, StoreError>;
    async fn set_member_status(
        &self,
        op: &OperatorId,
        member: &UserId,
        from: MemberStatus,
        to: MemberStatus,
        at: Timestamp,
    ) -> Result<Written, StoreError>;
    async fn delete_member(&self, op: &OperatorId, member: &UserId) -> Result<(), StoreError>;
    async fn set_onboarding(
        &self,
        op: &OperatorId,
        member: &UserId,
        step: Option<crate::member::Onboarding>,
    ) -> Result<(), StoreError>;
    async fn set_checked_in_for(&self, op: &OperatorId, member: &UserId, check: Timestamp) -> Result<(), StoreError>;
    /// Sets the member's schedule, and when it was set (`since`).
    async fn update_schedule(
        &self,
        op: &OperatorId,
        member: &UserId,
        schedule: &CheckSchedule,
        since: Timestamp,
    ) -> Result<(), StoreError>;
    /// Every member of the operator (the roster, kept with the member records).
    async fn roster(&self, op: &OperatorId) -> Result<Vec<UserId>, StoreError>;
    /// `Some(day)`: paused until that local date (from active, or a new date while
    /// paused). `None`: active again (only from paused).
    async fn set_pause(
        &self,
        op: &OperatorId,
        member: &UserId,
        resume_on: Option<jiff::civil::Date>,
    ) -> Result<Written, StoreError>;
    async fn record(
        &self,
        op: &OperatorId,
        member: &UserId,
        at: Timestamp,
        event: &HistoryEvent,
    ) -> Result<(), StoreError>;
    async fn history(&self, op: &OperatorId, member: &UserId) -> Result<Vec<(Timestamp, HistoryEvent)>, StoreError>;
    /// Remembers whose phone number the member is about to send (`None`: nobody's).
    async fn set_phone_for(&self, op: &OperatorId, member: &UserId, contact: Option<&UserId>)
    -> Result<(), StoreError>;
    /// Notes that the member was counted as having left (their checks ended for good),
    /// so erasing them later does not count them twice.
    async fn mark_left_counted(&self, op: &OperatorId, member: &UserId) -> Result<(), StoreError>;
    async fn set_demographics(
        &self,
        op: &OperatorId,
        member: &UserId,
        age_band: Option<crate::report::AgeBand>,
        gender: Option<crate::report::Gender>,
    ) -> Result<(), StoreError>;
    async fn set_lang(&self, op: &OperatorId, member: &UserId, lang: crate::messages::Lang) -> Result<(), StoreError>;
}
