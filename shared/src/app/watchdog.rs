//! The watchdog: every hour, every member whose last expected check left no trace is
//! reported to the staff room (once per missed check) and their schedule is put back.
//! A check can go missing only through a fault — a schedule deleted by mistake, a check
//! function that kept failing — and nobody would notice otherwise.

use super::{App, AppError};
use crate::check;
use crate::ids::Watched;
use crate::ids::{OperatorId, UserId};
use crate::member::{Member, MemberStatus};
use crate::outbox::{Notice, Planned, Recipient, Topic};
use crate::staff::StaffRoom;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// How long after its time a check must have been recorded.
const GRACE: SignedDuration = SignedDuration::from_hours(1);

/// The payload of the hourly watchdog schedule: its scheduled time, and the operator to
/// watch (every operator this deployment serves when absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchdogInvocation {
    pub watchdog: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<OperatorId>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WatchdogOutcome {
    pub members: u32,
    pub missed: u32,
    pub reported: u32,
    /// Open checks whose lost overdue deadline was set again.
    pub rearmed: u32,
    /// Members (or whole operators) that could not be watched this round: each was
    /// logged, the others were watched all the same, and the run counts as failed.
    pub failed: u32,
}

/// Watches every member of the operator named (or of each operator served). One member
/// that cannot be watched (an unreadable record, a schedule Scheduler refuses, a staff
/// room LINE refuses) is logged and counted in `failed`; it never stops the others.
pub async fn run(app: &App, inv: &WatchdogInvocation) -> Result<WatchdogOutcome, AppError> {
    let mut outcome = WatchdogOutcome::default();
    let apps: Vec<App> = match &inv.operator {
        Some(op) => vec![app.serving(op)?],
        None => app.each_operator().collect(),
    };
    for app in apps {
        if let Err(e) = watch(&app, &mut outcome).await {
            tracing::error!(operator = %app.operator.id, error = %e, "watchdog_operator_failed");
            outcome.failed += 1;
        }
    }
    Ok(outcome)
}

/// Watches one operator's members, adding to `outcome`.
async fn watch(app: &App, outcome: &mut WatchdogOutcome) -> Result<(), AppError> {
    let op = &app.operator.id;
    let now = app.clock.now();
    let room = app.staff.staff_room(op).await?;
    for user in app.members.roster(op).await? {
        if let Err(e) = watch_member(app, room.as_ref(), &user, now, outcome).await {
            tracing::error!(member = %user, error = %e, "watchdog_member_failed");
            outcome.failed += 1;
        }
    }
    Ok(())
}

async fn watch_member(
    app: &App,
    room: Option<&StaffRoom>,
    user: &UserId,
    now: Timestamp,
    outcome: &mut WatchdogOutcome,
) -> Result<(), AppError> {
    let op = &app.operator.id;
    let Some(member) = app.members.member(op, user).await? else {
        return Ok(());
    };
    outcome.members += 1;
    if let Some(open) = member.open_check {
        return rearm_overdue(app, &member, open, now, outcome).await;
    }
    let latest = app.checks.latest_check(op, user).await?;
    let Some(slot) = check::missed_check(&member, latest, now, GRACE) else {
        return Ok(());
    };
    outcome.missed += 1;
    tracing::error!(member = %user, slot = %slot, "check_missed");
    // Put the schedule back (the same call as joining: replaces, never doubles).
    if member.status == MemberStatus::Active {
        app.scheduler
            .put_check_schedule(op, &Watched::from(user), &member.schedule)
            .await?;
    }
    if app.checks.missed_check_reported(op, user, slot).await? {
        return Ok(());
    }
    // Without a staff room the error log and the alarm on it are all there is.
    if let Some(room) = room {
        let notice = Notice::CheckMissed {
            member: member.display_name.clone(),
            member_short: user.short().to_owned(),
            slot,
        };
        let to = Recipient::Chat(room.chat_id.clone());
        let occasion = slot.as_second().to_string();
        let planned = Planned::notice(Topic::CheckMissed, &occasion, to, app.operator.staff_lang, notice);
        super::deliver::notify(app, op, user, vec![planned]).await?;
        outcome.reported += 1;
    }
    app.checks.mark_missed_check_reported(op, user, slot).await?;
    Ok(())
}

/// An open check still only reminded an hour after it should have become overdue lost
/// its overdue deadline: set it again, so the member's contacts and staff are alerted.
async fn rearm_overdue(
    app: &App,
    member: &Member,
    open: Timestamp,
    now: Timestamp,
    outcome: &mut WatchdogOutcome,
) -> Result<(), AppError> {
    let (op, user) = (&app.operator.id, &member.user_id);
    let Some(check) = app.checks.check(op, user, open).await? else {
        return Ok(());
    };
    let timing = app.operator.timing.scaled_to(&member.schedule);
    if let Some(deadline) = check::lost_overdue_deadline(&check, now, &timing, GRACE) {
        tracing::error!(member = %user, check = %open, "overdue_deadline_rearmed");
        app.scheduler.set_deadline(op, &Watched::from(user), &deadline).await?;
        outcome.rearmed += 1;
    }
    Ok(())
}
