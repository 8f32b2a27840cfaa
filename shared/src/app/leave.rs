//! Leaving (退会): everything personal about a person is erased in one invocation —
//! their schedule, member record, checks, pushes, history, contact links on both sides
//! and invitation codes — after the people linked to them are told. Only an anonymous
//! fact is kept for the monthly report. Also run when a blocked member's grace period
//! ends.

use super::{App, AppError};
use crate::ids::UserId;
use crate::line::messages;
use crate::line::texts::Text;
use uuid::Uuid;

pub(crate) async fn erase(app: &App, user: &UserId) -> Result<usize, AppError> {
    let op = &app.operator;
    let member = app.members.member(op, user).await?;
    let contacts = app.contacts.contacts(op, user).await?;
    let watched = app.contacts.watched_members(op, user).await?;
    app.scheduler.delete_member_schedule(op, user).await?;
    // Tell first: after the erasure nothing says whom to tell. A retry pushes again with
    // the same keys, which LINE answers 409.
    let key = |to: &UserId| Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{op}/{user}/left/{to}").as_bytes());
    if let Some(member) = &member {
        for c in &contacts {
            let notice = vec![messages::text(
                member.lang,
                Text::MemberLeftToContact {
                    member: member.display_name.clone(),
                },
            )];
            app.line.push(c.user_id.as_str(), &notice, key(&c.user_id)).await?;
        }
    }
    for watched_member in &watched {
        let Some(them) = app.members.member(op, watched_member).await? else {
            continue;
        };
        let name = app
            .contacts
            .contacts(op, watched_member)
            .await?
            .into_iter()
            .find(|c| &c.user_id == user)
            .map(|c| c.display_name);
        if let Some(contact) = name {
            let notice = vec![messages::text(them.lang, Text::ContactLeftToMember { contact })];
            app.line
                .push(watched_member.as_str(), &notice, key(watched_member))
                .await?;
        }
    }
    let erased = app.erasure.erase_member(op, user).await?;
    if let Some(member) = member.as_ref().filter(|m| !m.left_counted) {
        // Only an anonymous fact is kept for the monthly report (once: a member whose
        // checks ended for good was counted then).
        let left = crate::report::Fact::Left {
            who: crate::member::pseudonym(op, member),
            at: app.clock.now(),
            age_band: member.age_band,
            gender: member.gender,
        };
        app.record_fact(app.clock.now(), &left).await?;
    }
    tracing::info!(member = %user, records = erased, "erased");
    Ok(erased)
}
