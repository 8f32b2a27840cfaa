//! The I/O the service needs, as small traits; `adapters` holds the one real
//! implementation of each (DynamoDB, LINE, EventBridge Scheduler, SQS). The store is one
//! small trait per aggregate, so a test can wrap one of them.

mod cases;
mod checks;
mod contacts;
mod erasure;
mod facts;
mod members;
mod staff;
mod webhook_events;

pub use cases::Cases;
pub use checks::{Alongside, Checks};
pub use contacts::Contacts;
pub use erasure::Erasure;
pub use facts::Facts;
pub use members::Members;
pub use staff::StaffRooms;
pub use webhook_events::WebhookEvents;

use crate::alerts::EscalationMessage;
use crate::check::Deadline;
use crate::ids::{ChatId, OperatorId, UserId, Watched};
use crate::schedule::CheckSchedule;
use async_trait::async_trait;
use serde_json::Value;
use uuid::Uuid;

pub use crate::clock::Clock;

/// Why the store could not answer, classified once where the SDK error is seen.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Over the table's capacity or the request rate: retry later.
    #[error("DynamoDB {op} was throttled")]
    Throttled { op: &'static str },
    /// A transaction cancelled for a reason other than its conditions (those are
    /// `Written::Conflict`): another transaction, throttling, validation.
    #[error("DynamoDB {op} was cancelled: {reasons:?}")]
    Cancelled {
        op: &'static str,
        reasons: Vec<CancellationReason>,
    },
    /// The service or the connection to it failed.
    #[error("DynamoDB {op} failed: {message}")]
    Unavailable { op: &'static str, message: String },
    /// The request was refused as malformed, or could not be built: a programming error.
    #[error("DynamoDB {op} was invalid: {message}")]
    Invalid { op: &'static str, message: String },
    #[error("a stored {what} could not be read: {message}")]
    Corrupt { what: &'static str, message: String },
}

/// Why one item of a cancelled transaction failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CancellationReason {
    ConditionalCheckFailed,
    TransactionConflict,
    ThrottlingError,
    ValidationError,
    Other(String),
}

impl CancellationReason {
    /// From DynamoDB's reason code.
    pub fn from_code(code: &str) -> Self {
        match code {
            "ConditionalCheckFailed" => Self::ConditionalCheckFailed,
            "TransactionConflict" => Self::TransactionConflict,
            "ThrottlingError" => Self::ThrottlingError,
            "ValidationError" => Self::ValidationError,
            other => Self::Other(other.to_owned()),
        }
    }
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
    /// 401: the channel access token is invalid (reissued, expired or revoked). Every
    /// call fails until an operator stores a valid one, so nothing is given up: what was
    /// to be pushed stays pending and the platform retries.
    #[error("LINE refused the channel access token")]
    Unauthorized,
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
    async fn push(
        &self,
        to: &crate::outbox::Recipient,
        messages: &[Value],
        retry_key: Uuid,
    ) -> Result<Pushed, LineError>;
    async fn reply(&self, reply_token: &str, messages: &[Value]) -> Result<(), LineError>;
    /// `None` when LINE has no profile for them (not a friend, or blocked).
    async fn profile(&self, user: &UserId) -> Result<Option<Profile>, LineError>;
    /// A group member's profile (staff in the staff room need not be friends).
    async fn group_member_profile(&self, group: &ChatId, user: &UserId) -> Result<Option<Profile>, LineError>;
    /// This month's message quota and how much of it is used.
    async fn quota(&self) -> Result<Quota, LineError>;
}

/// The channel's monthly message quota: pushes to members, contacts and the staff room
/// all draw on it, so running out silences the alerts with the checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// This month's limit (free and additional messages); `None`: unlimited.
    pub limit: Option<u64>,
    /// Messages counted this month (replies are free).
    pub used: u64,
}

impl Quota {
    /// The share used, in percent, when there is a limit.
    pub fn percent_used(&self) -> Option<u64> {
        self.limit.map(|limit| match limit {
            0 => 100,
            limit => self.used.saturating_mul(100) / limit,
        })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("EventBridge Scheduler {operation} failed: {message}")]
pub struct SchedulerError {
    pub operation: &'static str,
    pub message: String,
}

#[async_trait]
pub trait Scheduler: Send + Sync {
    /// Creates or replaces the recurring check schedule of a member or a group (one each).
    async fn put_check_schedule(
        &self,
        operator: &OperatorId,
        watched: &Watched,
        schedule: &CheckSchedule,
    ) -> Result<(), SchedulerError>;
    /// Deletes it; deleting one that does not exist is not an error.
    async fn delete_check_schedule(&self, operator: &OperatorId, watched: &Watched) -> Result<(), SchedulerError>;
    /// Creates the one-time schedule for a deadline; an existing one is left as it is.
    async fn set_deadline(
        &self,
        operator: &OperatorId,
        watched: &Watched,
        deadline: &Deadline,
    ) -> Result<(), SchedulerError>;
    /// Deletes a deadline's schedule; one that does not exist (fired, or never set) is fine.
    async fn delete_deadline(
        &self,
        operator: &OperatorId,
        watched: &Watched,
        deadline: &Deadline,
    ) -> Result<(), SchedulerError>;
}

#[derive(Debug, thiserror::Error)]
#[error("SQS send failed: {0}")]
pub struct QueueError(pub String);

#[derive(Debug, thiserror::Error)]
#[error("paging staff failed: {0}")]
pub struct PagerError(pub String);

/// The second channel to staff, outside LINE (an SNS topic that staff receive by e-mail
/// or SMS): see `crate::page`.
#[async_trait]
pub trait Pager: Send + Sync {
    async fn page(&self, subject: &str, body: &str) -> Result<(), PagerError>;
}

#[async_trait]
pub trait Queue: Send + Sync {
    async fn send(&self, message: &EscalationMessage) -> Result<(), QueueError>;
    /// Makes a received message (by its receipt handle) visible again `after` from now,
    /// instead of when the queue's visibility timeout runs out: how a failed record is
    /// retried sooner than the timeout sized for the longest batch.
    async fn retry_after(&self, receipt_handle: &str, after: std::time::Duration) -> Result<(), QueueError>;
}

/// What became of a claim on a webhook event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventClaim {
    /// First time seen (or an earlier attempt failed, or died and its lease ran out):
    /// process it, then complete or release the claim with the token it was made with.
    Claimed,
    /// Already processed.
    Done,
    /// Being processed right now by another attempt, which may still fail: not done, so
    /// LINE must not be told it was.
    InFlight,
}

/// What became of a conditional write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    Done,
    /// The condition did not hold: someone else already made (or prevented) the change.
    Conflict,
}

/// Every store port at once: what the one DynamoDB store implements.
pub trait Store: WebhookEvents + Members + Checks + Contacts + Cases + StaffRooms + Facts + Erasure {}

impl<T> Store for T where T: WebhookEvents + Members + Checks + Contacts + Cases + StaffRooms + Facts + Erasure {}
