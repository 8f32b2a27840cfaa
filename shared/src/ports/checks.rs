//! Checks with their pushes (the outbox), and what the watchdog noted about them.

use super::{StoreError, Written};
use crate::check::{Check, CheckState};
use crate::ids::{OperatorId, UserId};
use crate::member::Member;
use crate::outbox::{Push, PushKind};
use async_trait::async_trait;
use jiff::Timestamp;

/// What is written in a check's own transaction, so it is done exactly when the check
/// is, in no extra call: the watchdog's list entries (the times it looks from, as
/// `App::expect` puts them) and the check's fact for the report.
#[derive(Clone, Debug, Default)]
pub struct Alongside {
    pub expect: Vec<Timestamp>,
    pub fact: Option<crate::report::Recorded>,
}

#[async_trait]
pub trait Checks: Send + Sync {
    /// Records a check the member answered ahead (no open check, no push).
    async fn record_answered_check(
        &self,
        op: &OperatorId,
        member: &UserId,
        check: &Check,
    ) -> Result<Written, StoreError>;
    async fn check(
        &self,
        op: &OperatorId,
        member: &UserId,
        scheduled_at: Timestamp,
    ) -> Result<Option<Check>, StoreError>;
    /// Opens `check` as the member's one open check and records its push, atomically,
    /// with what goes `alongside`.
    async fn open_check(
        &self,
        member: &Member,
        check: &Check,
        push: &Push,
        alongside: &Alongside,
    ) -> Result<Written, StoreError>;
    /// Replaces the check if it is still in `from` with its `last_slot` unchanged, and
    /// records the pushes, atomically.
    async fn advance_check(
        &self,
        op: &OperatorId,
        member: &UserId,
        from: &Check,
        to: &Check,
        pushes: &[Push],
        now: Timestamp,
    ) -> Result<Written, StoreError>;
    /// Closes the open check (`from` → acknowledged `to`), updates the member and
    /// records the pushes, atomically, with what goes `alongside`.
    #[allow(clippy::too_many_arguments)]
    async fn acknowledge(
        &self,
        op: &OperatorId,
        member: &UserId,
        from: &Check,
        to: &Check,
        pushes: &[Push],
        now: Timestamp,
        alongside: &Alongside,
    ) -> Result<Written, StoreError>;
    /// Records a sign of life of a member with no open check.
    async fn note_sign_of_life(&self, op: &OperatorId, member: &UserId, now: Timestamp) -> Result<(), StoreError>;
    /// Records pushes only while the check is still in `state`.
    async fn add_pushes(
        &self,
        op: &OperatorId,
        member: &UserId,
        check: Timestamp,
        state: CheckState,
        pushes: &[Push],
        now: Timestamp,
    ) -> Result<Written, StoreError>;
    /// The check's pushes, each with whether it is settled (sent, or refused for good)
    /// and when it was recorded.
    async fn pushes(
        &self,
        op: &OperatorId,
        member: &UserId,
        check: Timestamp,
        kind: Option<PushKind>,
    ) -> Result<Vec<crate::outbox::Outboxed>, StoreError>;
    /// Records notices that belong to no check (each once: one recorded before is left
    /// as it is) and returns those not yet sent.
    async fn record_notices(
        &self,
        op: &OperatorId,
        member: &UserId,
        notices: &[Push],
        now: Timestamp,
    ) -> Result<Vec<Push>, StoreError>;
    async fn mark_sent(&self, op: &OperatorId, member: &UserId, push: &Push, now: Timestamp) -> Result<(), StoreError>;
    /// A push LINE refused for good: kept for the record, never retried.
    async fn mark_failed(
        &self,
        op: &OperatorId,
        member: &UserId,
        push: &Push,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// The latest due time the member's most recent check accounts for: its scheduled
    /// time, or the last later due time it absorbed (a reminder, a repeat). Read
    /// eventually consistent: the watchdog asks about checks due an hour or more ago.
    async fn latest_check(&self, op: &OperatorId, member: &UserId) -> Result<Option<Timestamp>, StoreError>;
    /// Puts `member` on the watchdog's list from `at` on (something of theirs falls due
    /// shortly before), so the hourly watchdog reads only who could have gone wrong.
    async fn expect(&self, op: &OperatorId, member: &UserId, at: Timestamp) -> Result<(), StoreError>;
    /// The members on the list of the hour that `hour` falls in, due by `until`.
    async fn expected(&self, op: &OperatorId, hour: Timestamp, until: Timestamp) -> Result<Vec<UserId>, StoreError>;
    /// Whether the watchdog already reported the missed check at `slot`.
    async fn missed_check_reported(
        &self,
        op: &OperatorId,
        member: &UserId,
        slot: Timestamp,
    ) -> Result<bool, StoreError>;
    async fn mark_missed_check_reported(
        &self,
        op: &OperatorId,
        member: &UserId,
        slot: Timestamp,
    ) -> Result<(), StoreError>;
}
