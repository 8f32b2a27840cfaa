//! Delivering recorded pushes: each with its retry key, each marked sent after LINE
//! accepted it, so a retry pushes only what may not have happened, and LINE's 409
//! tells us a retried push had in fact gone out.

use super::{App, AppError};
use crate::check::CheckState;
use crate::ids::{OperatorId, UserId};
use crate::outbox::{Push, Recipient, Retry};
use crate::page::Unreached;
use crate::ports::{LineError, Pushed};
use jiff::Timestamp;

/// What a delivery round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: u32,
    /// Pushes LINE had already accepted under the same retry key (409).
    pub already_sent: u32,
    /// Pushes LINE refused for good (a 4xx: a mention of someone who left, a chat the
    /// bot left): marked failed and logged, so they neither block the pushes after them
    /// nor are retried forever.
    pub rejected: u32,
}

pub async fn deliver(app: &App, op: &OperatorId, member: &UserId, pushes: &[Push]) -> Result<Delivered, AppError> {
    deliver_round(app, op, member, pushes).await?.finish()
}

/// One delivery round: what went, the first failure that leaves pushes pending (the
/// round goes on past it, so one push cannot block the others), and whether the staff
/// room was left untold for a reason no retry soon mends.
#[derive(Debug)]
pub struct Round {
    pub delivered: Delivered,
    pub failed: Option<LineError>,
    pub staff_room: Option<Unreached>,
}

impl Round {
    /// The round as a result: an error when something is still pending, so the
    /// platform retries.
    pub fn finish(self) -> Result<Delivered, AppError> {
        match self.failed {
            Some(e) => Err(e.into()),
            None => Ok(self.delivered),
        }
    }
}

/// Why a push LINE did not take leaves its recipient untold beyond the platform's
/// retries: the quota, the token, or a refusal. A 5xx, a timeout or the rate limit pass.
fn lasting(e: &LineError) -> Option<Unreached> {
    match e {
        LineError::QuotaExhausted => Some(Unreached::QuotaExhausted),
        LineError::Unauthorized => Some(Unreached::TokenRefused),
        LineError::Rejected { .. } => Some(Unreached::RoomRefused),
        LineError::RateLimited | LineError::Unavailable { .. } | LineError::Timeout | LineError::Transport(_) => None,
    }
}

async fn deliver_round(app: &App, op: &OperatorId, member: &UserId, pushes: &[Push]) -> Result<Round, AppError> {
    let mut round = Round {
        delivered: Delivered::default(),
        failed: None,
        staff_room: None,
    };
    for push in pushes {
        let key = push.retry_key(op, member);
        let result = app.line.push(&push.to, &push.messages, key).await;
        if let (Err(e), Recipient::Chat(_)) = (&result, &push.to) {
            round.staff_room = round.staff_room.or(lasting(e));
        }
        match result {
            Ok(outcome) => {
                app.checks.mark_sent(op, member, push, app.clock.now()).await?;
                match outcome {
                    Pushed::Sent => round.delivered.sent += 1,
                    Pushed::AlreadyAccepted => round.delivered.already_sent += 1,
                }
                tracing::info!(member = %app.pseudonym(&member), push = push.kind.as_str(), retry_key = %key, outcome = ?outcome, "pushed");
            }
            Err(e @ LineError::Rejected { .. }) => {
                app.checks.mark_failed(op, member, push, app.clock.now()).await?;
                round.delivered.rejected += 1;
                tracing::error!(member = %app.pseudonym(&member), push = push.kind.as_str(), retry_key = %key, error = %e, "push_rejected");
            }
            Err(e) => {
                tracing::warn!(member = %app.pseudonym(&member), push = push.kind.as_str(), retry_key = %key, error = %e, "push_failed");
                round.failed.get_or_insert(e);
            }
        }
    }
    Ok(round)
}

/// Records notices that belong to no check in the outbox, then delivers those not yet
/// sent: a retry after a crash sends each at most once more, with the same retry key.
pub async fn notify(
    app: &App,
    op: &OperatorId,
    member: &UserId,
    notices: Vec<crate::outbox::Planned>,
) -> Result<Delivered, AppError> {
    let pushes = app.render_all(notices);
    let pending = app.checks.record_notices(op, member, &pushes, app.clock.now()).await?;
    deliver(app, op, member, &pending).await
}

/// `notify` for courtesy notices that must never hold up what they tell of (leaving,
/// removing a contact, redeeming a code). A used-up monthly quota lasts until the plan
/// is raised or the month ends: it is logged as an error, for the alarm, and the caller
/// goes on. A passing failure (5xx, a timeout) still fails the invocation, so LINE's
/// redelivery sends the notice, once, from the outbox.
pub async fn notify_best_effort(
    app: &App,
    op: &OperatorId,
    member: &UserId,
    notices: Vec<crate::outbox::Planned>,
) -> Result<Delivered, AppError> {
    match notify(app, op, member, notices).await {
        Err(AppError::Line(e @ LineError::QuotaExhausted)) => {
            tracing::error!(member = %app.pseudonym(&member), error = %e, "notice_not_delivered");
            Ok(Delivered::default())
        }
        other => other,
    }
}

/// Delivers every push of `check` still pending.
pub async fn deliver_pending(
    app: &App,
    op: &OperatorId,
    member: &UserId,
    check: Timestamp,
) -> Result<Delivered, AppError> {
    deliver_pending_round(app, op, member, check).await?.finish()
}

/// `deliver_pending`, as a round the caller inspects (the staff room reached or not).
pub async fn deliver_pending_round(
    app: &App,
    op: &OperatorId,
    member: &UserId,
    check: Timestamp,
) -> Result<Round, AppError> {
    let now = app.clock.now();
    let mut pending: Vec<Push> = Vec::new();
    // Read only if a push to the member outlived its retry key.
    let mut still_asking: Option<bool> = None;
    for entry in app.checks.pushes(op, member, check, None).await? {
        let resend = match entry.retry(now) {
            Retry::Settled => continue,
            Retry::SameKey => {
                pending.push(entry.push);
                continue;
            }
            Retry::Resend => true,
            Retry::Expired => match still_asking {
                Some(asking) => asking,
                None => {
                    let state = app.checks.check(op, member, check).await?.map(|c| c.state);
                    let asking = state == Some(CheckState::Sent);
                    *still_asking.insert(asking)
                }
            },
        };
        if resend {
            tracing::warn!(member = %app.pseudonym(&member), push = entry.push.kind.as_str(), "push_retry_key_expired");
            pending.push(entry.push);
        } else {
            app.checks.mark_failed(op, member, &entry.push, now).await?;
            tracing::warn!(member = %app.pseudonym(&member), push = entry.push.kind.as_str(), "push_expired");
        }
    }
    deliver_round(app, op, member, &pending).await
}
