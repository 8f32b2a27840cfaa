//! The escalation function's work: alert everyone an overdue check concerns, once each,
//! and deliver the pushes recorded for a check (such as the all-clear).

use super::deliver::{Delivered, deliver_pending, deliver_pending_round};
use super::page::page_case;
use super::{App, AppError};
use crate::alerts::{Audience, plan_follow_up};
use crate::alerts::{EscalationMessage, plan_alerts};
use crate::case::follow_up_events;
use crate::case::{Actor, Case, CaseEvent, FollowUpDecision, FollowUpStep, Outcome, ReleaseReason, TakerChange};
use crate::check::CheckState;
use crate::check::{Check, Deadline, Stage};
use crate::ids::UserId;
use crate::member::Member;
use crate::outbox::{Notice, Planned, PushKind, Recipient};
use crate::page::Unreached;
use crate::ports::Written;
use crate::staff::StaffRoom;
use std::collections::HashSet;

/// Whom the alert went to, in the case's history, after the pushes were recorded: once
/// for each recipient, even when redelivered. A later delivery that alerted more (the
/// staff room, registered after the first attempt failed without one) adds an entry
/// for those, under a key of its own.
async fn record_alerted(app: &App, check: &Check) -> Result<(), AppError> {
    let op = &app.operator.id;
    let Some(case) = check.case_number.map(|n| app.cases.case(op, n)) else {
        return Ok(());
    };
    let Some(case) = case.await? else { return Ok(()) };
    let alerted: Vec<Recipient> = app
        .checks
        .pushes(op, &case.member, check.scheduled_at, Some(PushKind::Alert))
        .await?
        .into_iter()
        .map(|o| o.push.to)
        .collect();
    let (mut contacts, mut staff_room) = (Vec::new(), false);
    for to in alerted {
        match to {
            Recipient::Person(user) => contacts.push(user),
            Recipient::Chat(_) => staff_room = true,
        }
    }
    let history = app.cases.case_history(op, case.number).await?;
    let mut first = true;
    for (_, event) in &history {
        if let CaseEvent::Alerted {
            contacts: before,
            staff_room: room_before,
        } = event
        {
            first = false;
            contacts.retain(|c| !before.contains(c));
            staff_room &= !room_before;
        }
    }
    contacts.sort();
    if !first && contacts.is_empty() && !staff_room {
        return Ok(());
    }
    // The first entry at the case's opening, under the key versions before this one
    // gave it; a later one when it happened, keyed by whom it adds (hashed: no LINE id
    // in a key).
    let (at, key) = match first {
        true => (
            case.opened() + jiff::SignedDuration::from_nanos(1),
            "alerted".to_owned(),
        ),
        false => {
            use sha2::{Digest, Sha256};
            let whom: Vec<&str> = contacts.iter().map(|c| c.as_str()).collect();
            let digest = Sha256::digest(format!("{}|{staff_room}", whom.join(",")).as_bytes());
            let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
            (app.clock.now(), format!("alerted:{hex}"))
        }
    };
    let event = CaseEvent::Alerted { contacts, staff_room };
    app.cases
        .record_case_event(op, case.number, at, &event, Some(&key))
        .await?;
    Ok(())
}

/// Sets the first follow-up of the check's case (once; a redelivery sets the same one).
async fn plan_first_follow_up(app: &App, check: &Check) -> Result<(), AppError> {
    let op = &app.operator.id;
    let Some(case) = check.case_number.map(|n| app.cases.case(op, n)) else {
        return Ok(());
    };
    let Some(case) = case.await? else { return Ok(()) };
    if case.is_closed() || case.taken_by.is_some() || case.follow_ups > 0 {
        return Ok(());
    }
    let next = match case.next_follow_up {
        Some(next) => next,
        None => {
            let next = app.operator.case_follow_up.first(case.opened(), &app.operator.zone);
            let step = FollowUpStep {
                from: 0,
                to: 0,
                levels_done: 0,
                next: Some(next),
            };
            app.cases
                .advance_follow_up(op, case.number, &step, &[], app.clock.now())
                .await?;
            next
        }
    };
    schedule_follow_up(app, &case, next).await
}

/// Sets the case's follow-up for `at`, but never sooner than Scheduler's precision after
/// now: a schedule for a past instant might never fire.
pub(crate) async fn schedule_follow_up(app: &App, case: &Case, at: jiff::Timestamp) -> Result<(), AppError> {
    let deadline = Deadline {
        check: case.check,
        stage: Stage::FollowUp,
        at: at.max(app.clock.now() + crate::schedule::SCHEDULER_PRECISION),
    };
    app.set_deadline(&case.member, &deadline).await?;
    Ok(())
}

/// An untaken case's follow-up: announced again in the staff room (and the levels due),
/// then the next one is set. Nothing once someone took it, it ended, or the member
/// answered meanwhile (then the case is closed as answered, if that was not done yet).
async fn follow_up(app: &App, member: &Member, check: &Check) -> Result<EscalationOutcome, AppError> {
    let op = &app.operator.id;
    let user = &member.user_id;
    let now = app.clock.now();
    let Some(case) = check.case_number.map(|n| app.cases.case(op, n)) else {
        return Ok(EscalationOutcome::Gone);
    };
    let Some(case) = case.await? else {
        return Ok(EscalationOutcome::Gone);
    };
    let tz = app.operator.zone.clone();
    let overdue = check.state == CheckState::Overdue;
    // The first alerts come before any follow-up. They were never recorded when the
    // overdue check's invocation failed for good before handing it to this queue: the
    // case then exists, and the watchdog set its follow-up again, but the staff room's
    // 【要対応】 (with the contacts' numbers) and the contacts' alert were never sent.
    if overdue
        && !case.is_closed()
        && app
            .checks
            .pushes(op, user, check.scheduled_at, Some(PushKind::Alert))
            .await?
            .is_empty()
    {
        tracing::error!(member = %app.pseudonym(&user), case = case.number, "first_alerts_caught_up");
        return alert(app, member, check).await;
    }
    let mut decision = case.on_follow_up(overdue, &app.operator.case_follow_up, now, &tz);
    if let (Some(taker), FollowUpDecision::RemindTaker { .. } | FollowUpDecision::Reschedule { .. }) =
        (&case.taken_by, &decision)
    {
        // Whoever has it must still be in the staff room to work it.
        if app.staff.staff(op, taker).await?.is_none() {
            decision = FollowUpDecision::Release {
                reason: ReleaseReason::TakerLeft,
            };
        }
    }
    let (step, levels) = match decision {
        FollowUpDecision::CloseAsAnswered => {
            super::cases::resolve(app, &case, Outcome::Answered, None).await?;
            // The all-clears recorded with the answer, should the invocation that
            // recorded them have died before handing them on.
            deliver_pending(app, op, user, check.scheduled_at).await?;
            return Ok(EscalationOutcome::FollowUpNotNeeded);
        }
        FollowUpDecision::NotNeeded => return Ok(EscalationOutcome::FollowUpNotNeeded),
        FollowUpDecision::Reschedule { next } => {
            schedule_follow_up(app, &case, next).await?;
            // What an earlier attempt recorded but could not deliver (LINE down, the
            // quota used up) goes now.
            deliver_or_page(app, user, check).await?;
            return Ok(EscalationOutcome::FollowUpNotNeeded);
        }
        FollowUpDecision::RemindTaker { next } => return taken_follow_up(app, member, check, &case, None, next).await,
        FollowUpDecision::Release { reason } => {
            let next = app.operator.case_follow_up.after_release(now, &tz);
            return taken_follow_up(app, member, check, &case, Some(reason), next).await;
        }
        FollowUpDecision::FollowUp { step, levels } => (step, levels),
    };
    let room = staff_room_or_page(app, user, check).await?;
    let contacts = app.contacts.contacts(op, user).await?;
    let on_duty = app.staff.on_duty(op).await?.map(|s| s.user_id);
    let pushes = plan_follow_up(
        member,
        check,
        &case,
        &app.operator.case_follow_up,
        &levels,
        &Audience {
            contacts: &contacts,
            room: &room,
            staff_lang: app.operator.staff_lang,
            on_duty: on_duty.as_ref(),
        },
    );
    let already: HashSet<String> = app
        .checks
        .pushes(op, user, check.scheduled_at, Some(PushKind::FollowUp))
        .await?
        .into_iter()
        .map(|o| o.push.key)
        .collect();
    let new: Vec<_> = app.render_all(pushes.into_iter().filter(|p| !already.contains(&p.key)).collect());
    if !new.is_empty()
        && app
            .checks
            .add_pushes(op, user, check.scheduled_at, CheckState::Overdue, &new, now)
            .await?
            == Written::Conflict
    {
        // The member answered meanwhile: the all-clear takes over.
        return Ok(EscalationOutcome::FollowUpNotNeeded);
    }
    // The follow-up and its events in one transaction: a redelivery finds it done. The
    // next one is set before delivering, so a LINE outage cannot end the chain: each
    // later follow-up delivers whatever is still pending.
    let reached: Vec<_> = contacts.iter().map(|c| c.user_id.clone()).collect();
    let events = follow_up_events(&step, &levels, &app.operator.case_follow_up, &reached, on_duty.as_ref());
    app.cases
        .advance_follow_up(op, case.number, &step, &events, now)
        .await?;
    if let Some(next) = step.next {
        schedule_follow_up(app, &case, next).await?;
    }
    let delivered = deliver_or_page(app, user, check).await?;
    tracing::info!(
        case = case.number,
        follow_up = step.to,
        levels = levels.len(),
        "case_followed_up"
    );
    Ok(EscalationOutcome::FollowedUp {
        step: step.to,
        delivered,
    })
}

/// A taken case's follow-up: its taker reminded in the staff room (`release` none), or
/// the case handed back to everyone with the take button. Then it is looked at again
/// at `next`.
async fn taken_follow_up(
    app: &App,
    member: &Member,
    check: &Check,
    case: &Case,
    release: Option<ReleaseReason>,
    next: jiff::Timestamp,
) -> Result<EscalationOutcome, AppError> {
    let op = &app.operator.id;
    let user = &member.user_id;
    let now = app.clock.now();
    let (Some(taker), Some(taken_at)) = (case.taken_by.clone(), case.taken_at.or(case.opened_at)) else {
        return Ok(EscalationOutcome::FollowUpNotNeeded);
    };
    let by = Actor {
        id: taker.clone(),
        name: case.taken_by_name.clone().unwrap_or_default(),
    };
    let room = staff_room_or_page(app, user, check).await?;
    let (what, notice, change) = match release {
        None => (
            "taker_reminded",
            Notice::RemindTaker {
                case: case.number,
                member: member.display_name.clone(),
                taker,
            },
            TakerChange::Remind { by, next },
        ),
        Some(reason) => (
            "released",
            Notice::CaseReleased {
                case: case.number,
                member: member.display_name.clone(),
                by: by.name.clone(),
                reason,
            },
            TakerChange::Release { by, reason, next },
        ),
    };
    let room_chat = Recipient::Chat(room.chat_id.clone());
    let planned = Planned::taken_follow_up(&check.key(), what, taken_at, room_chat, app.operator.staff_lang, notice);
    let already = app
        .checks
        .pushes(op, user, check.scheduled_at, Some(PushKind::FollowUp))
        .await?
        .into_iter()
        .any(|o| o.push.key == planned.key);
    if !already
        && app
            .checks
            .add_pushes(
                op,
                user,
                check.scheduled_at,
                CheckState::Overdue,
                &app.render_all(vec![planned]),
                now,
            )
            .await?
            == Written::Conflict
    {
        // The member answered meanwhile: the all-clear takes over.
        return Ok(EscalationOutcome::FollowUpNotNeeded);
    }
    // A redelivery finds the change made (Conflict) and only sets the next look again;
    // set before delivering, so LINE being down cannot end the follow-ups.
    app.cases.change_taker(op, case.number, &change, now).await?;
    schedule_follow_up(app, case, next).await?;
    let delivered = deliver_or_page(app, user, check).await?;
    tracing::info!(case = case.number, outcome = what, "taken_case_followed_up");
    Ok(EscalationOutcome::TakenFollowedUp {
        released: release.is_some(),
        delivered,
    })
}

/// Delivers what is pending for the check; when the staff room was left untold for a
/// reason the platform's retries will not mend (the quota, the token, a refusal), the
/// staff are paged outside LINE, once per case.
async fn deliver_or_page(app: &App, member: &UserId, check: &Check) -> Result<Delivered, AppError> {
    let round = deliver_pending_round(app, &app.operator.id, member, check.scheduled_at).await?;
    if let Some(why) = round.staff_room {
        page_case(app, check, member, why).await?;
    }
    round.finish()
}

/// The staff room a follow-up goes to; without one, the staff are paged and the
/// message fails (the dead-letter queue and its alarm).
async fn staff_room_or_page(app: &App, member: &UserId, check: &Check) -> Result<StaffRoom, AppError> {
    match app.staff.staff_room(&app.operator.id).await? {
        Some(room) => Ok(room),
        None => {
            page_case(app, check, member, Unreached::NoStaffRoom).await?;
            Err(AppError::NoStaffRoom { check: check.key() })
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EscalationOutcome {
    Alerted {
        recorded: u32,
        delivered: Delivered,
    },
    Delivered(Delivered),
    /// The member or check no longer exists (e.g. the member left): nothing to do.
    Gone,
    FollowedUp {
        step: u32,
        delivered: Delivered,
    },
    /// A taken case still open: its taker reminded, or the case handed back.
    TakenFollowedUp {
        released: bool,
        delivered: Delivered,
    },
    /// The case ended, or the follow-up was early: nothing to do.
    FollowUpNotNeeded,
}

impl EscalationOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Alerted { .. } => "alerted",
            Self::Delivered(_) => "delivered",
            Self::Gone => "gone",
            Self::FollowedUp { .. } => "followed_up",
            Self::TakenFollowedUp { released: false, .. } => "taker_reminded",
            Self::TakenFollowedUp { released: true, .. } => "case_released",
            Self::FollowUpNotNeeded => "follow_up_not_needed",
        }
    }
}

pub async fn run(app: &App, message: &EscalationMessage) -> Result<EscalationOutcome, AppError> {
    let (op, user, at) = message.parts();
    let app = &app.serving(op)?;
    let Some(member) = app.members.member(op, user).await? else {
        return Ok(EscalationOutcome::Gone);
    };
    let Some(check) = app.checks.check(op, user, at).await? else {
        return Ok(EscalationOutcome::Gone);
    };
    match message {
        EscalationMessage::Deliver { .. } => {
            Ok(EscalationOutcome::Delivered(deliver_pending(app, op, user, at).await?))
        }
        EscalationMessage::FollowUp { .. } => follow_up(app, &member, &check).await,
        EscalationMessage::Escalate { .. } => alert(app, &member, &check).await,
    }
}

/// The first alerts of an overdue check: recorded for every contact and the staff room
/// (once each, however often this runs), whom they went to put in the case's history,
/// the case's first follow-up planned, then delivered.
async fn alert(app: &App, member: &Member, check: &Check) -> Result<EscalationOutcome, AppError> {
    let op = &app.operator.id;
    let (user, at) = (&member.user_id, check.scheduled_at);
    let mut recorded = 0;
    let mut missing_staff_room = false;
    if check.state == CheckState::Overdue {
        let contacts = app.contacts.contacts(op, user).await?;
        let room = app.staff.staff_room(op).await?;
        missing_staff_room = room.is_none();
        let already: HashSet<String> = app
            .checks
            .pushes(op, user, at, Some(PushKind::Alert))
            .await?
            .into_iter()
            .map(|o| o.push.key)
            .collect();
        let new: Vec<_> = app.render_all(
            plan_alerts(member, check, &contacts, room.as_ref(), app.operator.staff_lang)
                .into_iter()
                .filter(|p| !already.contains(&p.key))
                .collect(),
        );
        if !new.is_empty() {
            match app
                .checks
                .add_pushes(op, user, at, CheckState::Overdue, &new, app.clock.now())
                .await?
            {
                Written::Done => recorded = new.len() as u32,
                // The member answered meanwhile (the all-clear takes over), or another
                // delivery of this message recorded them first: either way, deliver.
                Written::Conflict => {
                    tracing::info!(member = %app.pseudonym(&user), "alerts_not_recorded_state_changed")
                }
            }
        }
    }
    // Whom the alerts are for, and the first follow-up, before delivering: should LINE
    // be down (or the quota used up) past every redelivery, the follow-ups still come
    // and each delivers what is still pending.
    if check.state == CheckState::Overdue {
        record_alerted(app, check).await?;
        if !missing_staff_room {
            plan_first_follow_up(app, check).await?;
        }
    }
    // Without a staff room no one at the operator would know: the staff are paged by
    // e-mail or SMS, and the message fails, so it ends in the dead-letter queue and
    // raises the alarm too. A page that fails does not hold up the contacts' alerts.
    let paged = match missing_staff_room {
        true => page_case(app, check, user, Unreached::NoStaffRoom).await,
        false => Ok(()),
    };
    let delivered = deliver_or_page(app, user, check).await?;
    paged?;
    if missing_staff_room {
        return Err(AppError::NoStaffRoom { check: check.key() });
    }
    Ok(EscalationOutcome::Alerted { recorded, delivered })
}
