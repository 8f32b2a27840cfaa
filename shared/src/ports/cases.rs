//! Cases (対応案件), their numbers and their append-only history.

use super::{StoreError, Written};
use crate::case::{Actor, CaseEvent, FollowUpStep, Outcome, TakerChange};
use crate::ids::OperatorId;
use async_trait::async_trait;
use jiff::Timestamp;

#[async_trait]
pub trait Cases: Send + Sync {
    async fn next_case_number(&self, op: &OperatorId) -> Result<u64, StoreError>;
    /// Records the case under its number with its `Opened` event (once; a second call
    /// changes nothing and answers `Conflict`).
    async fn open_case(&self, op: &OperatorId, case: &crate::case::Case) -> Result<Written, StoreError>;
    async fn case(&self, op: &OperatorId, number: u64) -> Result<Option<crate::case::Case>, StoreError>;
    /// Changes who has the case, with the change's event: taking it (unless someone did
    /// first), reminding its taker (once per take), handing it back (while that taker
    /// still has it). `Conflict` when that condition failed.
    async fn change_taker(
        &self,
        op: &OperatorId,
        number: u64,
        change: &TakerChange,
        at: Timestamp,
    ) -> Result<Written, StoreError>;
    /// Ends the case with `outcome`, with its `Closed` event, unless it has ended already.
    async fn close_case(
        &self,
        op: &OperatorId,
        number: u64,
        outcome: Outcome,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Written, StoreError>;
    /// Records a follow-up with its events, only while the case is neither taken nor
    /// closed and still at `step.from`.
    async fn advance_follow_up(
        &self,
        op: &OperatorId,
        number: u64,
        step: &FollowUpStep,
        events: &[CaseEvent],
        at: Timestamp,
    ) -> Result<Written, StoreError>;
    /// Appends to the case's history (never changed, never removed). With a `key`, the
    /// same event recorded twice (a redelivery) is one.
    async fn record_case_event(
        &self,
        op: &OperatorId,
        number: u64,
        at: Timestamp,
        event: &CaseEvent,
        key: Option<&str>,
    ) -> Result<(), StoreError>;
    async fn case_history(&self, op: &OperatorId, number: u64) -> Result<Vec<(Timestamp, CaseEvent)>, StoreError>;
}
