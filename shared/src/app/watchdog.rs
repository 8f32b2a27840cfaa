//! The watchdog: every hour, every member on its list (one whose check, deadline or case
//! follow-up fell due in the last hour or two) whose last expected check left no trace is
//! reported to the staff room (once per missed check, in one message per round) and
//! their schedule is put back; lost overdue deadlines and case follow-ups are set again.
//! A check can go missing only through a fault — a schedule deleted by mistake, a check
//! function that kept failing — and nobody would notice otherwise.

use super::{App, AppError};
use crate::check;
use crate::ids::{OperatorId, UserId};
use crate::member::{Member, MemberStatus};
use crate::outbox::{MissedCheck, Notice, Planned, Recipient, Topic};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long after its time a check must have been recorded.
pub(crate) const GRACE: SignedDuration = SignedDuration::from_hours(1);

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
    /// Open checks whose lost overdue deadline, or open cases whose lost follow-up, was
    /// set again.
    pub rearmed: u32,
    /// Members (or whole operators) that could not be watched this round: each was
    /// logged, the others were watched all the same, and the run counts as failed.
    pub failed: u32,
    /// The largest share of a LINE channel's monthly quota used, in percent (None: no
    /// limit, or LINE did not say).
    pub line_quota_used: Option<u64>,
}

impl WatchdogOutcome {
    fn add(&mut self, other: &Self) {
        self.members += other.members;
        self.missed += other.missed;
        self.reported += other.reported;
        self.rearmed += other.rearmed;
        self.failed += other.failed;
        self.line_quota_used = self.line_quota_used.max(other.line_quota_used);
    }
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
        watch_quota(&app, &mut outcome).await;
    }
    Ok(outcome)
}

/// From this share of the monthly quota used, the operator is warned (by the alarm on
/// `line_quota_nearly_used`, by e-mail: LINE is the channel running out).
pub const QUOTA_WARNING_PERCENT: u64 = 80;

/// Reads the LINE channel's monthly quota: checks, alerts and staff-room messages all
/// draw on it, and when it runs out none of them reaches anyone.
async fn watch_quota(app: &App, outcome: &mut WatchdogOutcome) {
    let quota = match app.line.quota().await {
        Ok(quota) => quota,
        Err(e) => {
            tracing::warn!(operator = %app.operator.id, error = %e, "line_quota_unread");
            return;
        }
    };
    let Some(percent) = quota.percent_used() else {
        return;
    };
    outcome.line_quota_used = outcome.line_quota_used.max(Some(percent));
    if percent >= QUOTA_WARNING_PERCENT {
        tracing::warn!(
            operator = %app.operator.id,
            used = quota.used,
            limit = quota.limit,
            percent,
            "line_quota_nearly_used"
        );
    }
}

/// Members watched at once: the round's reads overlap, so thousands of members fit in
/// the function's 30 s (each member is a few reads; DynamoDB on demand takes the burst).
const CONCURRENCY: usize = 16;

/// So many missed checks in one round mean the system failed, not a member's schedule:
/// the staff room hears of a system incident.
const INCIDENT_AT: usize = 10;

/// What watching one member found to report.
struct Found {
    user: UserId,
    missed: MissedCheck,
}

/// Watches one operator's members, adding to `outcome`; then the staff room hears of
/// every missed check of the round in one message.
async fn watch(app: &App, outcome: &mut WatchdogOutcome) -> Result<(), AppError> {
    let op = &app.operator.id;
    let now = app.clock.now();
    // Only who could have gone wrong: the members whose check, deadline or follow-up
    // fell due since the last round (this hour's list and the last, in case a round
    // failed), not every member.
    let this_hour = now;
    let last_hour = now - SignedDuration::from_hours(1);
    let mut due = app.checks.expected(op, last_hour, now).await?;
    due.extend(app.checks.expected(op, this_hour, now).await?);
    due.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    due.dedup();
    let mut roster = due.into_iter();
    let mut running = tokio::task::JoinSet::new();
    let mut found = Vec::new();
    loop {
        while running.len() < CONCURRENCY {
            let Some(user) = roster.next() else { break };
            let app = app.clone();
            running.spawn(async move {
                let mut own = WatchdogOutcome::default();
                let result = watch_member(&app, &user, now, &mut own).await;
                (user, own, result)
            });
        }
        let Some(done) = running.join_next().await else { break };
        let (user, own, result) = done.map_err(|e| {
            AppError::Misconfigured(if e.is_panic() {
                "a watchdog task panicked"
            } else {
                "a watchdog task was cancelled"
            })
        })?;
        outcome.add(&own);
        match result {
            Ok(Some(missed)) => found.push(Found { user, missed }),
            Ok(None) => {}
            Err(e) => {
                tracing::error!(member = %app.pseudonym(&user), error = %e, "watchdog_member_failed");
                outcome.failed += 1;
            }
        }
    }
    report(app, found, outcome).await
}

/// One message for the round's missed checks not reported yet (a system incident when
/// there are many); each is marked reported once the message went out.
async fn report(app: &App, mut found: Vec<Found>, outcome: &mut WatchdogOutcome) -> Result<(), AppError> {
    let op = &app.operator.id;
    if found.is_empty() {
        return Ok(());
    }
    let incident = found.len() >= INCIDENT_AT;
    if incident {
        tracing::error!(missed = found.len(), "watchdog_incident");
    }
    // Without a staff room the error log and the alarm on it are all there is.
    let Some(room) = app.staff.staff_room(op).await? else {
        return Ok(());
    };
    found.sort_by(|a, b| a.user.as_str().cmp(b.user.as_str()));
    let notice = match found.as_slice() {
        [one] => Notice::CheckMissed {
            member: one.missed.member.clone(),
            member_short: one.missed.member_short.clone(),
            slot: one.missed.slot,
        },
        _ => Notice::ChecksMissed {
            missed: found.iter().map(|f| f.missed.clone()).collect(),
            incident,
        },
    };
    // Kept in the outbox of the first member it names, keyed by the round's members
    // and times, so a retry of the round sends it once.
    let occasion = {
        let mut hash = Sha256::new();
        for f in &found {
            hash.update(f.user.as_str().as_bytes());
            hash.update(f.missed.slot.as_second().to_be_bytes());
        }
        hash.finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let to = Recipient::Chat(room.chat_id.clone());
    let planned = Planned::notice(Topic::CheckMissed, &occasion, to, app.operator.staff_lang, notice);
    super::deliver::notify(app, op, &found[0].user, vec![planned]).await?;
    outcome.reported += found.len() as u32;
    for f in &found {
        app.checks
            .mark_missed_check_reported(op, &f.user, f.missed.slot)
            .await?;
    }
    Ok(())
}

/// Watches one member: repairs what went missing, and says what to report (a missed
/// check not reported before).
async fn watch_member(
    app: &App,
    user: &UserId,
    now: Timestamp,
    outcome: &mut WatchdogOutcome,
) -> Result<Option<MissedCheck>, AppError> {
    let op = &app.operator.id;
    let Some(member) = app.members.member(op, user).await? else {
        return Ok(None);
    };
    outcome.members += 1;
    if let Some(open) = member.open_check {
        rearm_open(app, &member, open, now, outcome).await?;
        return Ok(None);
    }
    let latest = app.checks.latest_check(op, user).await?;
    let Some(slot) = check::missed_check(&member, latest, now, GRACE) else {
        return Ok(None);
    };
    outcome.missed += 1;
    tracing::error!(member = %app.pseudonym(&user), slot = %slot, "check_missed");
    // Put the schedule back (the same call as joining: replaces, never doubles); a
    // paused member's too, or their pause could never end.
    if matches!(member.status, MemberStatus::Active | MemberStatus::Paused) {
        app.put_check_schedule(user, &member.schedule).await?;
    }
    if app.checks.missed_check_reported(op, user, slot).await? {
        return Ok(None);
    }
    Ok(Some(MissedCheck {
        member: member.display_name.clone(),
        member_short: user.short().to_owned(),
        slot,
    }))
}

/// An open check still only reminded an hour after it should have become overdue lost
/// its overdue deadline: set it again, so the member's contacts and staff are alerted.
/// An overdue check whose open case has no follow-up to come lost it: set it again, so
/// the case is announced until someone closes it.
async fn rearm_open(
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
    // Opened, but the invocation failed for good before the reminder deadline was set
    // (or its push went out): set it, and deliver what is still pending.
    if let Some(deadline) = check::lost_reminder_deadline(&check, now, &timing, GRACE) {
        tracing::error!(member = %app.pseudonym(&user), check = %open, "reminder_deadline_rearmed");
        app.set_deadline(user, &deadline).await?;
        super::deliver::deliver_pending(app, op, user, open).await?;
        outcome.rearmed += 1;
        return Ok(());
    }
    if let Some(deadline) = check::lost_overdue_deadline(&check, now, &timing, GRACE) {
        tracing::error!(member = %app.pseudonym(&user), check = %open, "overdue_deadline_rearmed");
        app.set_deadline(user, &deadline).await?;
        outcome.rearmed += 1;
        return Ok(());
    }
    let Some(number) = check
        .case_number
        .filter(|_| check.state == crate::check::CheckState::Overdue)
    else {
        return Ok(());
    };
    let Some(case) = app.cases.case(op, number).await? else {
        return Ok(());
    };
    // Set at the overdue time; a case opened within the grace may not have it yet.
    let lost = case.next_follow_up.is_none_or(|next| next + GRACE < now) && case.opened() + GRACE < now;
    if !case.is_closed() && lost {
        tracing::error!(member = %app.pseudonym(&user), case = number, "follow_up_rearmed");
        let at = case.next_follow_up.unwrap_or(now).max(now);
        super::escalation::schedule_follow_up(app, &case, at).await?;
        outcome.rearmed += 1;
    }
    Ok(())
}
