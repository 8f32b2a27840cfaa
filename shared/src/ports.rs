//! The I/O the service needs, as small traits; `adapters` holds the one real
//! implementation of each (DynamoDB, LINE, EventBridge Scheduler, SQS).

use crate::alerts::EscalationMessage;
use crate::case::{Actor, CaseEvent, FollowUpStep, Outcome};
use crate::check::{Check, CheckState, Deadline};
use crate::contact::{Contact, Invitation, InviteCode};
use crate::ids::{GroupId, OperatorId, UserId};
use crate::member::{HistoryEvent, Member, MemberStatus};
use crate::outbox::{Push, PushKind};
use crate::report::{Fact, Recorded};
use crate::schedule::CheckSchedule;
use crate::staff::{Staff, StaffRoom};
use async_trait::async_trait;
use jiff::Timestamp;
use serde_json::Value;
use uuid::Uuid;

pub use crate::clock::Clock;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DynamoDB {operation} failed: {message}")]
    Dynamo { operation: &'static str, message: String },
    #[error("a stored {what} could not be read: {message}")]
    Corrupt { what: &'static str, message: String },
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum LineError {
    /// 4xx other than 409/429: retrying the same request cannot help.
    #[error("LINE rejected the request with {status}")]
    Rejected { status: u16 },
    #[error("LINE rate limit exceeded")]
    RateLimited,
    #[error("LINE monthly message quota used up")]
    QuotaExhausted,
    #[error("LINE answered {status}")]
    Unavailable { status: u16 },
    #[error("no answer from LINE in time")]
    Timeout,
    #[error("could not reach LINE: {0}")]
    Transport(String),
}

/// The result of a push that LINE accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushed {
    Sent,
    /// 409: a request with the same retry key was accepted before.
    AlreadyAccepted,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub display_name: String,
}

#[async_trait]
pub trait Line: Send + Sync {
    async fn push(&self, to: &str, messages: &[Value], retry_key: Uuid) -> Result<Pushed, LineError>;
    async fn reply(&self, reply_token: &str, messages: &[Value]) -> Result<(), LineError>;
    /// `None` when LINE has no profile for them (not a friend, or blocked).
    async fn profile(&self, user: &UserId) -> Result<Option<Profile>, LineError>;
    /// A group member's profile (staff in the staff room need not be friends).
    async fn group_member_profile(&self, group: &GroupId, user: &UserId) -> Result<Option<Profile>, LineError>;
}

#[derive(Debug, thiserror::Error)]
#[error("EventBridge Scheduler {operation} failed: {message}")]
pub struct SchedulerError {
    pub operation: &'static str,
    pub message: String,
}

#[async_trait]
pub trait Scheduler: Send + Sync {
    /// Creates or replaces the member's recurring check schedule (one per member).
    async fn put_member_schedule(
        &self,
        operator: &OperatorId,
        member: &UserId,
        schedule: &CheckSchedule,
    ) -> Result<(), SchedulerError>;
    /// Deletes it; deleting one that does not exist is not an error.
    async fn delete_member_schedule(&self, operator: &OperatorId, member: &UserId) -> Result<(), SchedulerError>;
    /// Creates the one-time schedule for a deadline; an existing one is left as it is.
    async fn set_deadline(
        &self,
        operator: &OperatorId,
        member: &UserId,
        deadline: &Deadline,
    ) -> Result<(), SchedulerError>;
    /// Deletes a deadline's schedule; one that does not exist (fired, or never set) is fine.
    async fn delete_deadline(
        &self,
        operator: &OperatorId,
        member: &UserId,
        deadline: &Deadline,
    ) -> Result<(), SchedulerError>;
}

#[derive(Debug, thiserror::Error)]
#[error("SQS send failed: {0}")]
pub struct QueueError(pub String);

#[async_trait]
pub trait Queue: Send + Sync {
    async fn send(&self, message: &EscalationMessage) -> Result<(), QueueError>;
}

/// What became of a claim on a webhook event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventClaim {
    /// First time seen (or an earlier attempt failed): process it.
    Claimed,
    /// Already processed, or being processed right now by another invocation.
    Seen,
}

/// What became of a conditional write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    Done,
    /// The condition did not hold: someone else already made (or prevented) the change.
    Conflict,
}

#[async_trait]
pub trait Store: Send + Sync {
    // Webhook events, for exactly-once processing of LINE (re)deliveries.
    async fn claim_event(&self, op: &OperatorId, event_id: &str, now: Timestamp) -> Result<EventClaim, StoreError>;
    async fn complete_event(&self, op: &OperatorId, event_id: &str, now: Timestamp) -> Result<(), StoreError>;
    async fn release_event(&self, op: &OperatorId, event_id: &str) -> Result<(), StoreError>;

    // Members and their history.
    async fn member(&self, op: &OperatorId, user: &UserId) -> Result<Option<Member>, StoreError>;
    async fn create_member(&self, member: &Member) -> Result<Written, StoreError>;
    async fn set_member_status(
        &self,
        op: &OperatorId,
        user: &UserId,
        from: MemberStatus,
        to: MemberStatus,
        at: Timestamp,
    ) -> Result<Written, StoreError>;
    async fn delete_member(&self, op: &OperatorId, user: &UserId) -> Result<(), StoreError>;
    async fn set_onboarding(
        &self,
        op: &OperatorId,
        user: &UserId,
        step: Option<crate::member::Onboarding>,
    ) -> Result<(), StoreError>;
    async fn set_checked_in_for(&self, op: &OperatorId, user: &UserId, check: Timestamp) -> Result<(), StoreError>;
    /// Records a check the member answered ahead (no open check, no push).
    async fn record_answered_check(&self, op: &OperatorId, user: &UserId, check: &Check)
    -> Result<Written, StoreError>;
    /// Sets the member's schedule, and when it was set (`since`).
    async fn update_schedule(
        &self,
        op: &OperatorId,
        user: &UserId,
        schedule: &CheckSchedule,
        since: Timestamp,
    ) -> Result<(), StoreError>;
    /// Every member of the operator (the roster, kept with the member records).
    async fn members(&self, op: &OperatorId) -> Result<Vec<UserId>, StoreError>;
    /// The scheduled time of the member's most recent recorded check.
    async fn latest_check(&self, op: &OperatorId, user: &UserId) -> Result<Option<Timestamp>, StoreError>;
    /// Whether the watchdog already reported the missed check at `slot`.
    async fn missed_check_reported(&self, op: &OperatorId, user: &UserId, slot: Timestamp) -> Result<bool, StoreError>;
    async fn mark_missed_check_reported(
        &self,
        op: &OperatorId,
        user: &UserId,
        slot: Timestamp,
    ) -> Result<(), StoreError>;
    /// `Some(day)`: paused until that local date (from active, or a new date while
    /// paused). `None`: active again (only from paused).
    async fn set_pause(
        &self,
        op: &OperatorId,
        user: &UserId,
        resume_on: Option<jiff::civil::Date>,
    ) -> Result<Written, StoreError>;
    async fn record(
        &self,
        op: &OperatorId,
        user: &UserId,
        at: Timestamp,
        event: &HistoryEvent,
    ) -> Result<(), StoreError>;
    async fn history(&self, op: &OperatorId, user: &UserId) -> Result<Vec<(Timestamp, HistoryEvent)>, StoreError>;

    // Checks and their pushes (the outbox).
    async fn check(&self, op: &OperatorId, user: &UserId, scheduled_at: Timestamp)
    -> Result<Option<Check>, StoreError>;
    /// Opens `check` as the member's one open check and records its push, atomically.
    async fn open_check(&self, member: &Member, check: &Check, push: &Push) -> Result<Written, StoreError>;
    /// Replaces the check if it is still in `from` with its `last_slot` unchanged, and
    /// records the pushes, atomically.
    async fn advance_check(
        &self,
        op: &OperatorId,
        user: &UserId,
        from: &Check,
        to: &Check,
        pushes: &[Push],
    ) -> Result<Written, StoreError>;
    /// Closes the open check (`from` → acknowledged `to`), updates the member and
    /// records the pushes, atomically.
    async fn acknowledge(
        &self,
        op: &OperatorId,
        user: &UserId,
        from: &Check,
        to: &Check,
        pushes: &[Push],
        now: Timestamp,
    ) -> Result<Written, StoreError>;
    /// Records a sign of life of a member with no open check.
    async fn note_sign_of_life(&self, op: &OperatorId, user: &UserId, now: Timestamp) -> Result<(), StoreError>;
    /// Records pushes only while the check is still in `state`.
    async fn add_pushes(
        &self,
        op: &OperatorId,
        user: &UserId,
        check: Timestamp,
        state: CheckState,
        pushes: &[Push],
    ) -> Result<Written, StoreError>;
    async fn pushes(
        &self,
        op: &OperatorId,
        user: &UserId,
        check: Timestamp,
        kind: Option<PushKind>,
    ) -> Result<Vec<(Push, bool)>, StoreError>;
    async fn mark_sent(&self, op: &OperatorId, user: &UserId, push: &Push, now: Timestamp) -> Result<(), StoreError>;
    async fn next_case_number(&self, op: &OperatorId) -> Result<u64, StoreError>;

    // Contacts and invitations.
    async fn create_invitation(&self, op: &OperatorId, invitation: &Invitation) -> Result<Written, StoreError>;
    /// Marks the code as redeemed by `by` and returns it; `None` if there is no such code
    /// or someone else redeemed it (single use). The same person redeeming again gets it
    /// again, so a retried webhook finishes what the first attempt started.
    async fn redeem_invitation(
        &self,
        op: &OperatorId,
        code: &InviteCode,
        by: &UserId,
    ) -> Result<Option<Invitation>, StoreError>;
    async fn wrong_codes_this_hour(&self, op: &OperatorId, user: &UserId, now: Timestamp) -> Result<u32, StoreError>;
    async fn record_wrong_code(&self, op: &OperatorId, user: &UserId, now: Timestamp) -> Result<(), StoreError>;
    async fn link_contact(
        &self,
        op: &OperatorId,
        member: &UserId,
        contact: &Contact,
        max: u8,
    ) -> Result<Written, StoreError>;
    async fn contacts(&self, op: &OperatorId, member: &UserId) -> Result<Vec<Contact>, StoreError>;
    /// Removes the link between a member and one of their contacts, on both sides.
    async fn unlink_contact(&self, op: &OperatorId, member: &UserId, contact: &UserId) -> Result<Written, StoreError>;
    /// Remembers whose phone number the member is about to send (`None`: nobody's).
    async fn set_phone_for(&self, op: &OperatorId, user: &UserId, contact: Option<&UserId>) -> Result<(), StoreError>;
    /// Sets (or, with `None`, removes) a linked contact's phone number; `Conflict` if they
    /// are not linked.
    async fn set_contact_phone(
        &self,
        op: &OperatorId,
        member: &UserId,
        contact: &UserId,
        phone: Option<&str>,
    ) -> Result<Written, StoreError>;
    /// Notes that the member was counted as having left (their checks ended for good),
    /// so erasing them later does not count them twice.
    async fn mark_left_counted(&self, op: &OperatorId, user: &UserId) -> Result<(), StoreError>;
    async fn set_demographics(
        &self,
        op: &OperatorId,
        user: &UserId,
        age_band: Option<crate::member::AgeBand>,
        gender: Option<crate::member::Gender>,
    ) -> Result<(), StoreError>;
    async fn set_lang(&self, op: &OperatorId, user: &UserId, lang: crate::member::Lang) -> Result<(), StoreError>;
    async fn is_contact(&self, op: &OperatorId, user: &UserId) -> Result<bool, StoreError>;
    /// The members this user is a contact of.
    async fn watched_members(&self, op: &OperatorId, user: &UserId) -> Result<Vec<UserId>, StoreError>;

    // Leaving.
    /// Erases every record of the user: member, checks, pushes, history, contact links on
    /// both sides, invitation codes. Returns how many records were deleted.
    async fn erase_member(&self, op: &OperatorId, user: &UserId) -> Result<usize, StoreError>;

    // Cases.
    /// Records the case under its number with its `Opened` event (once; a second call
    /// changes nothing and answers `Conflict`).
    async fn open_case(&self, op: &OperatorId, case: &crate::case::Case) -> Result<Written, StoreError>;
    async fn case(&self, op: &OperatorId, number: u64) -> Result<Option<crate::case::Case>, StoreError>;
    /// Marks the case taken by `by`, with its `Taken` event, unless someone took it first.
    async fn take_case(&self, op: &OperatorId, number: u64, by: &Actor, at: Timestamp) -> Result<Written, StoreError>;
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

    // Staff: the people in the staff room.
    async fn enrol_staff(&self, op: &OperatorId, staff: &Staff) -> Result<(), StoreError>;
    async fn remove_staff(&self, op: &OperatorId, user: &UserId) -> Result<(), StoreError>;
    async fn staff(&self, op: &OperatorId, user: &UserId) -> Result<Option<Staff>, StoreError>;
    async fn set_on_duty(&self, op: &OperatorId, staff: &Staff) -> Result<(), StoreError>;
    async fn on_duty(&self, op: &OperatorId) -> Result<Option<Staff>, StoreError>;

    // The monthly report's facts.
    /// Records a fact under its month; the same fact twice is one (a check's flags are
    /// only ever added).
    async fn record_fact(&self, op: &OperatorId, month: &str, fact: &Fact) -> Result<(), StoreError>;
    /// The facts of one month, or all of them.
    async fn facts(&self, op: &OperatorId, month: Option<&str>) -> Result<Vec<Recorded>, StoreError>;

    // The staff room.
    async fn staff_room(&self, op: &OperatorId) -> Result<Option<StaffRoom>, StoreError>;
    async fn set_staff_room(&self, op: &OperatorId, room: &StaffRoom) -> Result<(), StoreError>;
    async fn clear_staff_room(&self, op: &OperatorId, group: &GroupId) -> Result<(), StoreError>;
}
