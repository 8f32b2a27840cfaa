//! The check function's work: a member's scheduled time fell due.

use super::deliver::{Delivered, deliver, deliver_pending};
use super::{ATTEMPTS, App, AppError};
use crate::check::{self, Check, Deadline, DuePlan, Idle};
use crate::ids::{OperatorId, Watched};
use crate::member::{HistoryEvent, Member, MemberChange};
use crate::outbox::{Notice, Planned};
use crate::ports::{Alongside, Written};
use crate::report::CheckFlag;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The payload a recurring check schedule sends: the operator, whom it watches
/// (`"member": "U…"` or `"group": "C…"`), and `scheduled_time`, filled in by Scheduler
/// from `<aws.scheduler.scheduled-time>`, which identifies the check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CheckPayload", into = "CheckPayload")]
pub struct CheckInvocation {
    pub operator: OperatorId,
    pub watched: Watched,
    pub scheduled_time: Timestamp,
}

watched_payload!(
    CheckInvocation,
    CheckPayload {
        scheduled_time: Timestamp
    }
);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckOutcome {
    Opened(Delivered),
    Reminded(Delivered),
    Repeated(Delivered),
    /// Counted as missed without a push: the member was reminded moments ago.
    Absorbed,
    /// The member had checked in ahead with the free button: no push.
    AnsweredAhead,
    /// A duplicate delivery: only effects that were still pending were redone.
    Duplicate(Delivered),
    Idle(Idle),
    UnknownMember,
}

impl CheckOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Opened(_) => "opened",
            Self::Reminded(_) => "reminded",
            Self::Repeated(_) => "repeated",
            Self::Absorbed => "absorbed",
            Self::AnsweredAhead => "answered_ahead",
            Self::Duplicate(_) => "duplicate",
            Self::Idle(i) => i.as_str(),
            Self::UnknownMember => "unknown_member",
        }
    }
}

pub async fn run(app: &App, inv: &CheckInvocation) -> Result<CheckOutcome, AppError> {
    let app = &app.serving(&inv.operator)?;
    let Watched::Member(user) = &inv.watched else {
        return Err(not_served(&inv.watched));
    };
    let (op, slot) = (&inv.operator, inv.scheduled_time);
    let mut resumed = false;
    let mut next_expected = false;
    for attempt in 0..ATTEMPTS {
        let now = app.clock.now();
        let Some(member) = app.members.member(op, user).await? else {
            return Ok(CheckOutcome::UnknownMember);
        };
        let next = member.schedule.first_after(slot).ok();
        // A pause ends by itself on its date: this check resumes the member and tells
        // them so in the same push.
        if member.pause_over_at(slot) {
            let resume = MemberChange::Resume;
            app.members
                .change(op, user, &resume, Some(&HistoryEvent::Resumed), now)
                .await?;
            resumed = true;
            continue;
        }
        // A check already recorded for this very time: a duplicate delivery. Looked for
        // only once an attempt found something changed: opening the check is conditional
        // on there being none, so the usual first delivery needs no read for it.
        if attempt > 0
            && let Some(existing) = app.checks.check(op, user, slot).await?
        {
            return Ok(CheckOutcome::Duplicate(redo(app, &member, &existing).await?));
        }
        let open = match member.open_check {
            Some(at) => app.checks.check(op, user, at).await?,
            None => None,
        };
        // An open check that points at no check (a partial erasure, a restored backup)
        // would refuse every new check for good: it is dropped, and this one goes ahead.
        if let (Some(at), None) = (member.open_check, &open) {
            tracing::warn!(member = %app.pseudonym(user), check = %at, "dangling_open_check_dropped");
            app.members
                .change(op, user, &MemberChange::DropOpenCheck(at), None, now)
                .await?;
            continue;
        }
        let plan = check::on_due(&member, open.as_ref(), slot, now, &app.operator.timing);
        // The next check on the watchdog's list before anything else: if this one fails
        // for good, or the schedule is lost after it, the watchdog looks then. A check
        // that opens puts it there in its own transaction.
        if !next_expected
            && !matches!(plan, DuePlan::Open { .. })
            && let Some(next) = next
        {
            app.expect(user, next).await?;
            next_expected = true;
        }
        match plan {
            DuePlan::Open {
                check,
                mut push,
                deadline,
            } => {
                if let Notice::Check { pause_ended, .. } = &mut push.notice {
                    *pause_ended = resumed;
                }
                let push = app.render(push);
                // In the check's own transaction: the next check and the reminder on the
                // watchdog's list (if this invocation then fails for good, the watchdog
                // sets the reminder and sends the push), and the report's fact.
                let alongside = Alongside {
                    expect: next
                        .into_iter()
                        .chain([deadline.at])
                        .map(super::expected_from)
                        .collect(),
                    fact: Some(app.check_fact(&member, check.scheduled_at, CheckFlag::Sent)),
                };
                if app.checks.open_check(&member, &check, &push, &alongside).await? == Written::Done {
                    app.scheduler.set_deadline(op, &Watched::from(user), &deadline).await?;
                    return Ok(CheckOutcome::Opened(deliver(app, op, user, &[push]).await?));
                }
            }
            DuePlan::Remind {
                check, push, deadline, ..
            } => {
                let from = open.as_ref().ok_or(AppError::Contention("open check"))?;
                if let Some(sent) = remind(app, &member, from, &check, push, &deadline, now).await? {
                    return Ok(CheckOutcome::Reminded(sent));
                }
            }
            DuePlan::Repeat { check, push, rearm, .. } => {
                let push = app.render(push);
                let from = open.as_ref().ok_or(AppError::Contention("open check"))?;
                if app
                    .checks
                    .advance_check(op, user, from, &check, std::slice::from_ref(&push), now)
                    .await?
                    == Written::Done
                {
                    if let Some(deadline) = rearm {
                        tracing::error!(member = %app.pseudonym(&user), check = %check.scheduled_at, "overdue_deadline_rearmed");
                        app.set_deadline(user, &deadline).await?;
                    }
                    return Ok(CheckOutcome::Repeated(deliver(app, op, user, &[push]).await?));
                }
            }
            DuePlan::Absorb { check, .. } => {
                let from = open.as_ref().ok_or(AppError::Contention("open check"))?;
                if app.checks.advance_check(op, user, from, &check, &[], now).await? == Written::Done {
                    return Ok(CheckOutcome::Absorbed);
                }
            }
            DuePlan::AnsweredAhead { check } => {
                if app.checks.record_answered_check(op, user, &check).await? == Written::Done {
                    app.note_check(&member, check.scheduled_at, CheckFlag::AnsweredAhead)
                        .await?;
                    return Ok(CheckOutcome::AnsweredAhead);
                }
            }
            DuePlan::AlreadyHandled { check } => {
                let existing = app
                    .checks
                    .check(op, user, check)
                    .await?
                    .ok_or(AppError::Contention("open check"))?;
                return Ok(CheckOutcome::Duplicate(redo(app, &member, &existing).await?));
            }
            DuePlan::Idle(reason) => return Ok(CheckOutcome::Idle(reason)),
        }
    }
    Err(AppError::Contention("member's open check"))
}

/// Redoes what a check's current state implies and may not have happened: the report's
/// flags for it, its pending pushes and the deadline that moves it on.
pub(crate) async fn redo(app: &App, member: &Member, check: &Check) -> Result<Delivered, AppError> {
    let (op, user) = (&member.operator, &member.user_id);
    app.note_state(member, check).await?;
    if let Some(deadline) = check::redo_deadline(member, check, app.clock.now(), &app.operator.timing) {
        app.set_deadline(user, &deadline).await?;
    }
    deliver_pending(app, op, user, check.scheduled_at).await
}

/// Records the reminder of the open check `from` (now `check`) with its push, counts it
/// for the report and sets the overdue deadline, then delivers; `None` when another
/// invocation moved the check first.
pub(crate) async fn remind(
    app: &App,
    member: &Member,
    from: &Check,
    check: &Check,
    push: Planned,
    deadline: &Deadline,
    now: Timestamp,
) -> Result<Option<Delivered>, AppError> {
    let (op, user) = (&member.operator, &member.user_id);
    let push = app.render(push);
    let pushes = std::slice::from_ref(&push);
    // The overdue time on the watchdog's list before the reminder is recorded: if this
    // invocation then fails for good, the watchdog finds the check still only reminded
    // past it and sets the deadline again (its next due time could be a week away).
    app.expect(user, deadline.at).await?;
    if app.checks.advance_check(op, user, from, check, pushes, now).await? == Written::Conflict {
        return Ok(None);
    }
    app.note_check(member, check.scheduled_at, CheckFlag::Reminded).await?;
    app.scheduler.set_deadline(op, &Watched::from(user), deadline).await?;
    Ok(Some(deliver(app, op, user, pushes).await?))
}

/// A check of a group reached a deployment without the group service (つながり): a
/// schedule from elsewhere, or a forged payload. Nothing is read or written.
pub(crate) fn not_served(watched: &Watched) -> AppError {
    AppError::Malformed(format!(
        "checks of a {} are not served by this deployment",
        watched.field()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use serde_json::json;

    #[test]
    fn the_payload_names_exactly_one_member_or_group_and_nothing_else() {
        let user = format!("U{}", "a".repeat(32));
        let chat = format!("C{}", "b".repeat(32));
        let t = "2026-11-30T00:00:00Z";
        // A member's schedule payload, as every existing schedule spells it.
        let member = json!({ "operator": "op", "member": user, "scheduled_time": t });
        let inv: CheckInvocation = serde_json::from_value(member.clone()).unwrap();
        assert_eq!(inv.watched, Watched::Member(UserId::new(&user).unwrap()));
        assert_eq!(serde_json::to_value(&inv).unwrap(), member, "round trip");
        let group = json!({ "operator": "op", "group": chat, "scheduled_time": t });
        let inv: CheckInvocation = serde_json::from_value(group.clone()).unwrap();
        assert_eq!(inv.watched.field(), "group");
        assert_eq!(serde_json::to_value(&inv).unwrap(), group);
        for bad in [
            json!({ "operator": "op", "scheduled_time": t }),
            json!({ "operator": "op", "member": user, "group": chat, "scheduled_time": t }),
            json!({ "operator": "op", "member": user, "scheduled_time": t, "extra": 1 }),
            json!({ "operator": "op", "member": "not a user", "scheduled_time": t }),
        ] {
            assert!(serde_json::from_value::<CheckInvocation>(bad.clone()).is_err(), "{bad}");
        }
    }
}
