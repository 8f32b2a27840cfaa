//! The deadline function's work: a check's reminder or overdue time passed.

use super::deliver::Delivered;
use super::{ATTEMPTS, App, AppError};
use crate::alerts::EscalationMessage;
use crate::check::{self, CheckState, DeadlinePlan, Idle, Stage};
use crate::ids::{OperatorId, UserId, Watched};
use crate::member::{HistoryEvent, MemberStatus};
use crate::ports::Written;
use crate::report::CheckFlag;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The payload of a one-time deadline schedule: the operator, whom the check watches
/// (`"member"` or `"group"`), the check's scheduled time and the stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "DeadlinePayload", into = "DeadlinePayload")]
pub struct DeadlineInvocation {
    pub operator: OperatorId,
    pub watched: Watched,
    /// The check's scheduled time.
    pub check: Timestamp,
    pub stage: Stage,
}

watched_payload!(
    DeadlineInvocation,
    DeadlinePayload {
        check: Timestamp,
        stage: Stage
    }
);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadlineOutcome {
    Reminded(Delivered),
    Escalated {
        case_number: u64,
    },
    Duplicate,
    /// A blocked member's grace period ended: their data was erased.
    Erased {
        records: usize,
    },
    Idle(Idle),
    UnknownMember,
    FollowUpQueued,
}

impl DeadlineOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Reminded(_) => "reminded",
            Self::Escalated { .. } => "escalated",
            Self::Duplicate => "duplicate",
            Self::Erased { .. } => "erased",
            Self::Idle(i) => i.as_str(),
            Self::UnknownMember => "unknown_member",
            Self::FollowUpQueued => "follow_up_queued",
        }
    }
}

pub async fn run(app: &App, inv: &DeadlineInvocation) -> Result<DeadlineOutcome, AppError> {
    let app = &app.serving(&inv.operator)?;
    let Watched::Member(user) = &inv.watched else {
        return Err(super::check::not_served(&inv.watched));
    };
    let op = &inv.operator;
    if inv.stage == Stage::Erase {
        // Only if they are still blocked since that very time (not back, not blocked anew).
        let member = app.members.member(op, user).await?;
        let still = member.is_some_and(|m| m.status == MemberStatus::Blocked && m.status_since == Some(inv.check));
        if !still {
            return Ok(DeadlineOutcome::Idle(Idle::DeadlinePassed));
        }
        return Ok(DeadlineOutcome::Erased {
            records: super::leave::erase(app, user).await?,
        });
    }
    if inv.stage == Stage::FollowUp {
        // The escalation function does the follow-up (it alone pushes alerts).
        app.queue
            .send(&EscalationMessage::FollowUp {
                operator: op.clone(),
                member: user.clone(),
                check: inv.check,
            })
            .await?;
        return Ok(DeadlineOutcome::FollowUpQueued);
    }
    for _ in 0..ATTEMPTS {
        let now = app.clock.now();
        let Some(member) = app.members.member(op, user).await? else {
            return Ok(DeadlineOutcome::UnknownMember);
        };
        let current = app.checks.check(op, user, inv.check).await?;
        match check::on_deadline(&member, current.as_ref(), inv.stage, now, &app.operator.timing) {
            DeadlinePlan::Remind {
                check, push, deadline, ..
            } => {
                let from = current.as_ref().ok_or(AppError::Contention("check"))?;
                if let Some(sent) = super::check::remind(app, &member, from, &check, push, &deadline, now).await? {
                    let reminded = HistoryEvent::CheckReminded {
                        check: check.scheduled_at,
                    };
                    app.members.record(op, user, now, &reminded).await?;
                    return Ok(DeadlineOutcome::Reminded(sent));
                }
            }
            DeadlinePlan::Escalate { mut check, .. } => {
                let from = current.as_ref().ok_or(AppError::Contention("check"))?;
                let case_number = app.cases.next_case_number(op).await?;
                check.case_number = Some(case_number);
                if app.checks.advance_check(op, user, from, &check, &[], now).await? == Written::Done {
                    app.note_check(&member, check.scheduled_at, CheckFlag::Escalated)
                        .await?;
                    app.members
                        .record(
                            op,
                            user,
                            now,
                            &HistoryEvent::CheckOverdue {
                                check: check.scheduled_at,
                                case_number,
                            },
                        )
                        .await?;
                    escalate(app, op, user, check.scheduled_at, Some(case_number)).await?;
                    return Ok(DeadlineOutcome::Escalated { case_number });
                }
            }
            DeadlinePlan::AlreadyHandled { check } => {
                // The state change happened before; make sure what follows it did too.
                app.note_state(&member, &check).await?;
                match check.state {
                    CheckState::Overdue => escalate(app, op, user, check.scheduled_at, check.case_number).await?,
                    _ => {
                        super::check::redo(app, &member, &check).await?;
                    }
                }
                return Ok(DeadlineOutcome::Duplicate);
            }
            DeadlinePlan::Idle(reason) => return Ok(DeadlineOutcome::Idle(reason)),
        }
    }
    Err(AppError::Contention("check"))
}

/// Hands an overdue check to the escalation queue. Sending it twice is harmless: the
/// escalation function alerts each recipient of a check once.
async fn escalate(
    app: &App,
    op: &OperatorId,
    user: &UserId,
    check: Timestamp,
    case: Option<u64>,
) -> Result<(), AppError> {
    // The case under its number, for staff's buttons (recorded once).
    if let Some(number) = case {
        let now = app.clock.now();
        let case = crate::case::Case::open(number, user.clone(), check, now);
        // With its `Opened` event, in one transaction.
        app.cases.open_case(op, &case).await?;
        app.record_fact(now, &crate::report::Fact::CaseOpened { case: number })
            .await?;
    }
    app.queue
        .send(&EscalationMessage::Escalate {
            operator: op.clone(),
            member: user.clone(),
            check,
        })
        .await?;
    Ok(())
}
