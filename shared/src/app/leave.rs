//! Leaving (退会): everything personal about a person is erased in one invocation —
//! their member record, checks, pushes, history, contact links on both sides,
//! invitation codes, their traces in other people's records (`ports::Erasure`) and,
//! last, their schedule — after the people linked to them are told. Only an anonymous fact is kept for the monthly report. Also run when a
//! blocked member's grace period ends.

use super::deliver::notify_best_effort;
use super::{App, AppError};
use crate::check::{Deadline, Stage};
use crate::ids::UserId;
use crate::ids::Watched;
use crate::outbox::{Notice, Planned, Recipient, Topic};

pub(crate) async fn erase(app: &App, user: &UserId) -> Result<usize, AppError> {
    let op = &app.operator.id;
    let member = app.members.member(op, user).await?;
    let contacts = app.contacts.contacts(op, user).await?;
    let watched = app.contacts.watched_members(op, user).await?;
    // Tell first: after the erasure nothing says whom to tell. The notices go through
    // the leaver's outbox (erased with the rest), so a retry sends only what had not gone.
    // Each is keyed by the link it ends (its time), so someone who joins again and
    // leaves again within LINE's 24 hours of retry keys is told of it again.
    let left = |link: jiff::Timestamp, to: &UserId, lang, notice| {
        let occasion = format!("left{}", link.as_second());
        Planned::notice(Topic::Left, &occasion, Recipient::Person(to.clone()), lang, notice)
    };
    let mut notices = Vec::new();
    if let Some(member) = &member {
        for c in &contacts {
            let notice = Notice::MemberLeft {
                member: member.display_name.clone(),
            };
            notices.push(left(c.linked_at, &c.user_id, member.lang, notice));
        }
    }
    for watched_member in &watched {
        let Some(them) = app.members.member(op, watched_member).await? else {
            continue;
        };
        let link = app
            .contacts
            .contacts(op, watched_member)
            .await?
            .into_iter()
            .find(|c| &c.user_id == user);
        if let Some(link) = link {
            let notice = Notice::ContactLeft {
                contact: link.display_name,
            };
            notices.push(left(link.linked_at, watched_member, them.lang, notice));
        }
    }
    // A case still open goes with them: the staff working it must know.
    if let Some(case) = open_case(app, member.as_ref()).await?
        && let (Some(room), Some(member)) = (app.staff.staff_room(op).await?, &member)
    {
        let notice = Notice::LeftWithOpenCase {
            case: case.number,
            member: member.display_name.clone(),
        };
        let to = Recipient::Chat(room.chat_id.clone());
        notices.push(Planned::notice(
            Topic::Left,
            &format!("case{}", case.number),
            to,
            app.operator.staff_lang,
            notice,
        ));
    }
    // The leaver goes whether or not LINE takes the notices now.
    notify_best_effort(app, op, user, notices).await?;
    if let Some(member) = &member {
        cancel_deadlines(app, member).await?;
    }
    let erased = app.erasure.erase_member(op, user).await?;
    // The schedule last: until the erasure is done the member is still there, and still
    // watched (a failure here leaves checks that find nobody and do nothing; LINE's
    // redelivery of the 退会 finishes it).
    app.scheduler.delete_check_schedule(op, &Watched::from(user)).await?;
    if let Some(member) = member.as_ref().filter(|m| !m.left_counted) {
        // Only an anonymous fact is kept for the monthly report (once: a member whose
        // checks ended for good was counted then).
        app.count_left(member, app.clock.now()).await?;
    }
    tracing::info!(member = %app.pseudonym(&user), records = erased, "erased");
    Ok(erased)
}

/// The open case of the member's open check, if any.
async fn open_case(app: &App, member: Option<&crate::member::Member>) -> Result<Option<crate::case::Case>, AppError> {
    let op = &app.operator.id;
    let Some((member, open)) = member.and_then(|m| m.open_check.map(|at| (m, at))) else {
        return Ok(None);
    };
    let Some(number) = app
        .checks
        .check(op, &member.user_id, open)
        .await?
        .and_then(|c| c.case_number)
    else {
        return Ok(None);
    };
    Ok(app.cases.case(op, number).await?.filter(|c| !c.is_closed()))
}

/// Deletes the one-time schedules still pending for the member's open check and its
/// case (reminder, overdue, the next follow-up): after the erasure they would only fire
/// for nobody, and nothing of the member may outlive it.
async fn cancel_deadlines(app: &App, member: &crate::member::Member) -> Result<(), AppError> {
    let op = &app.operator.id;
    let user = &member.user_id;
    let Some(open) = member.open_check else {
        return Ok(());
    };
    let watched = Watched::from(user);
    let deadline = |stage, at| Deadline { check: open, stage, at };
    for stage in [Stage::Reminder, Stage::Overdue] {
        app.scheduler
            .delete_deadline(op, &watched, &deadline(stage, open))
            .await?;
    }
    let Some(number) = app.checks.check(op, user, open).await?.and_then(|c| c.case_number) else {
        return Ok(());
    };
    if let Some(next) = app.cases.case(op, number).await?.and_then(|c| c.next_follow_up) {
        app.scheduler
            .delete_deadline(op, &watched, &deadline(Stage::FollowUp, next))
            .await?;
    }
    Ok(())
}
