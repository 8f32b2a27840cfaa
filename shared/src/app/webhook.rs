//! The webhook function's work: verify, then act on each LINE event exactly once.
//!
//! Replies (free) answer the person who wrote; a push is used only where someone else
//! must be told (the member whose contact just linked).

use super::{ATTEMPTS, App, AppError};
use crate::alerts::{self, EscalationMessage, SafeBy};
use crate::check::{self, AckPlan};
use crate::contact::{self, Contact, Invitation, InviteCode, Redemption};
use crate::ids::{ChatId, UserId};
use crate::line::messages;
use crate::line::texts::{self, Text};
use crate::line::webhook::{self, Event, Intent, SignatureError};
use crate::member::Lang;
use crate::member::{HistoryEvent, Member, MemberChange, MemberStatus, Onboarding};
use crate::outbox::{Notice, Planned, Recipient, Topic};
use crate::ports::{EventClaim, Written};
use crate::staff::StaffRoom;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The answer the function gives LINE.
#[derive(Debug, PartialEq, Eq)]
pub enum WebhookResponse {
    /// 200: every event was handled (or deliberately ignored).
    Ok {
        handled: usize,
        duplicates: usize,
        ignored: usize,
    },
    /// 401
    Unauthorized(SignatureError),
    /// 400
    BadRequest(String),
}

/// The app serving the operator whose webhook URL `path` is: the root path is the
/// deployment's first (by default its only) operator, `/{operator}` names one. `None`
/// for a path that names no operator served here.
pub fn route(app: &App, path: &str) -> Option<App> {
    match path.trim_matches('/') {
        "" => Some(app.clone()),
        id => app.serving(&crate::ids::OperatorId::new(id).ok()?).ok(),
    }
}

/// Verifies and handles one webhook request. An `Err` means an event could not be
/// handled now: answer 500 so LINE delivers it again.
pub async fn handle(app: &App, body: &[u8], signature: Option<&str>) -> Result<WebhookResponse, AppError> {
    // Without a channel secret nothing can be verified, and nothing is accepted.
    let Some(secret) = &app.secrets.channel_secret else {
        return Err(AppError::Misconfigured("the webhook function has no channel secret"));
    };
    if let Err(e) = webhook::verify_signature(secret.expose().as_bytes(), body, signature) {
        return Ok(WebhookResponse::Unauthorized(e));
    }
    let events = match webhook::parse_body(body) {
        Ok(events) => events,
        Err(e) => return Ok(WebhookResponse::BadRequest(e.to_string())),
    };
    let (mut handled, mut duplicates, mut ignored) = (0, 0, 0);
    let mut failure = None;
    for event in events {
        let event = match event {
            Ok(e) => e,
            Err(kind) => {
                tracing::warn!(event_type = %kind, "event_unreadable");
                ignored += 1;
                continue;
            }
        };
        let intent = event.intent();
        if let Intent::Ignore(why) = intent {
            tracing::info!(event = %event.id, outcome = why, "event_ignored");
            ignored += 1;
            continue;
        }
        let now = app.clock.now();
        if app.events.claim_event(&app.operator.id, &event.id, now).await? == EventClaim::Seen {
            tracing::info!(event = %event.id, redelivery = event.delivery_context.is_redelivery, "event_duplicate");
            duplicates += 1;
            continue;
        }
        match act(app, &event, intent).await {
            Ok(outcome) => {
                app.events
                    .complete_event(&app.operator.id, &event.id, app.clock.now())
                    .await?;
                tracing::info!(event = %event.id, outcome, "event_handled");
                handled += 1;
            }
            Err(e) => {
                tracing::error!(event = %event.id, error = %e, "event_failed");
                // Let LINE's redelivery (or a retry) process it again.
                app.events.release_event(&app.operator.id, &event.id).await?;
                failure.get_or_insert(e);
            }
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(WebhookResponse::Ok {
            handled,
            duplicates,
            ignored,
        }),
    }
}

/// Collects what to reply; sent once, at the end, with the event's reply token.
struct Reply(Vec<Value>);

async fn act(app: &App, event: &Event, intent: Intent) -> Result<&'static str, AppError> {
    let mut reply = Reply(Vec::new());
    let outcome = match intent {
        Intent::Follow { user, unblocked } => follow(app, &user, unblocked, &mut reply).await?,
        Intent::Unfollow { user } => unfollow(app, &user).await?,
        Intent::SignOfLife { user, tapped_ok } => {
            let (outcome, lang) = sign_of_life(app, &user).await?;
            match lang {
                Some(lang) => reply.0.push(messages::text(
                    lang,
                    if tapped_ok {
                        Text::AckThanks
                    } else {
                        Text::SignOfLifeThanks
                    },
                )),
                None if app.contacts.is_contact(&app.operator.id, &user).await? => {
                    reply.0.push(messages::text(Lang::Ja, Text::ContactOnlyHelp))
                }
                // Not registered (never consented, or declined): the consent question again.
                None => reply.0.push(messages::consent(Lang::Ja, &app.operator.privacy_url)),
            }
            // A member who stopped halfway through onboarding is shown where they left.
            if let (Some(_), Some(member)) = (lang, app.members.member(&app.operator.id, &user).await?) {
                match member.onboarding {
                    Some(Onboarding::Schedule) => reply.0.push(messages::ask_cadence(member.lang)),
                    Some(Onboarding::Profile) => reply.0.push(messages::ask_age_band(member.lang)),
                    Some(Onboarding::Contact) => reply.0.push(messages::offer_contact(member.lang)),
                    None => {}
                }
            }
            outcome
        }
        // A malformed button does nothing but say so.
        Intent::InvalidButton { user } => {
            let lang = app
                .members
                .member(&app.operator.id, &user)
                .await?
                .map(|m| m.lang)
                .unwrap_or_default();
            reply.0.push(messages::text(lang, Text::ButtonNoLongerValid));
            "invalid_button"
        }
        Intent::TapOk { user, check } => {
            let member = app.members.member(&app.operator.id, &user).await?;
            let button = app.checks.check(&app.operator.id, &user, check.at()).await?;
            let lang = member.as_ref().map(|m| m.lang).unwrap_or_default();
            let something_open = button.as_ref().is_some_and(|c| c.state.is_open())
                || member.as_ref().is_some_and(|m| m.open_check.is_some());
            // The button must be one of the member's own checks. An old one of theirs still
            // counts while a check is open (they are plainly alive); with nothing open, or
            // for anyone else's check, it does nothing but say it is no longer valid.
            if button.is_some() && something_open {
                sign_of_life(app, &user).await?;
                reply.0.push(messages::text(lang, Text::AckThanks));
                "acknowledged"
            } else {
                reply.0.push(messages::text(lang, Text::ButtonNoLongerValid));
                "stale_or_foreign_button"
            }
        }
        Intent::Consent { user, agreed } => consent(app, &user, agreed, &mut reply).await?,
        Intent::OnboardingDone { user } => match app.members.member(&app.operator.id, &user).await? {
            Some(member) => {
                let done = MemberChange::Onboarding(None);
                app.members
                    .change(&app.operator.id, &user, &done, None, app.clock.now())
                    .await?;
                let t = Text::OnboardingDone {
                    schedule: texts::describe_schedule(member.lang, &member.schedule),
                };
                reply.0.push(messages::text(member.lang, t));
                "onboarding_done"
            }
            None => {
                reply
                    .0
                    .extend(messages::introduction(Lang::Ja, &app.operator.privacy_url));
                "introduced"
            }
        },
        Intent::Leave { user, confirmed } => {
            let known = app.members.member(&app.operator.id, &user).await?.is_some()
                || app.contacts.is_contact(&app.operator.id, &user).await?;
            let lang = app
                .members
                .member(&app.operator.id, &user)
                .await?
                .map(|m| m.lang)
                .unwrap_or_default();
            match (known, confirmed) {
                (false, _) => "leave_unknown_user",
                (true, None) => {
                    reply.0.push(messages::confirm_leave(lang));
                    "leave_asked"
                }
                (true, Some(false)) => {
                    reply.0.push(messages::text(lang, Text::LeaveCancelled));
                    "leave_cancelled"
                }
                (true, Some(true)) => {
                    super::leave::erase(app, &user).await?;
                    reply.0.push(messages::text(lang, Text::LeaveDone));
                    "left_and_erased"
                }
            }
        }
        Intent::CheckIn { user } => {
            sign_of_life(app, &user).await?;
            let (outcome, message) = check_in(app, &user).await?;
            reply.0.push(message);
            outcome
        }
        Intent::Setting { user, setting } => {
            // Any tap is a sign of life first; a paused member may still use the menu.
            sign_of_life(app, &user).await?;
            match app
                .members
                .member(&app.operator.id, &user)
                .await?
                .filter(|m| matches!(m.status, MemberStatus::Active | MemberStatus::Paused))
            {
                Some(member) => {
                    let (outcome, messages) = super::settings::handle(app, &member, setting).await?;
                    reply.0.extend(messages);
                    outcome
                }
                None => {
                    reply.0.push(messages::text(Lang::Ja, Text::OnlyForMembers));
                    "setting_refused_not_member"
                }
            }
        }
        Intent::RequestInvite { user } => {
            let (_, lang) = sign_of_life(app, &user).await?;
            let outcome = invite(app, &user, lang, &mut reply).await?;
            // Registering a contact is the last onboarding step.
            if app
                .members
                .member(&app.operator.id, &user)
                .await?
                .is_some_and(|m| m.onboarding.is_some())
            {
                let done = MemberChange::Onboarding(None);
                app.members
                    .change(&app.operator.id, &user, &done, None, app.clock.now())
                    .await?;
            }
            outcome
        }
        Intent::RedeemCode { user, code } => {
            sign_of_life(app, &user).await?;
            redeem(app, &user, &code, &mut reply).await?
        }
        Intent::RegisterStaffRoom { group, code } => register_staff_room(app, &group, &code, &mut reply).await?,
        Intent::Staff { group, user, action } => {
            let origin = super::cases::Origin {
                event_id: &event.id,
                at: jiff::Timestamp::from_millisecond(event.timestamp).unwrap_or_else(|_| app.clock.now()),
            };
            let (outcome, messages) = super::cases::staff(app, group.as_ref(), user.as_ref(), action, origin).await?;
            reply.0.extend(messages);
            outcome
        }
        Intent::GroupMembersJoined { group, users } => {
            let (outcome, messages) = super::cases::members_joined(app, &group, &users).await?;
            reply.0.extend(messages);
            outcome
        }
        Intent::GroupMembersLeft { group, users } => super::cases::members_left(app, &group, &users).await?,
        Intent::ContactSafe { user, case_number } => {
            let (outcome, message) = super::cases::contact_safe(app, &user, case_number).await?;
            reply.0.push(message);
            outcome
        }
        Intent::JoinedGroup { .. } => {
            reply.0.push(messages::text(Lang::Ja, Text::GroupJoined));
            "joined_group"
        }
        Intent::LeftGroup { group } => {
            app.staff.clear_staff_room(&app.operator.id, &group).await?;
            "left_group"
        }
        Intent::Ignore(why) => why,
    };
    send_reply(app, event, reply).await;
    Ok(outcome)
}

/// A reply that fails (its token expired, LINE is down) is logged and not retried: it
/// is a courtesy, and every state change it reports has already been recorded.
async fn send_reply(app: &App, event: &Event, reply: Reply) {
    let (Some(token), false) = (event.reply_token.as_deref(), reply.0.is_empty()) else {
        return;
    };
    let messages: Vec<Value> = reply.0.into_iter().take(5).collect();
    if let Err(e) = app.line.reply(token, &messages).await {
        tracing::warn!(event = %event.id, error = %e, "reply_failed");
    }
}

async fn follow(app: &App, user: &UserId, unblocked: bool, reply: &mut Reply) -> Result<&'static str, AppError> {
    let op = &app.operator.id;
    let now = app.clock.now();
    match app.members.member(op, user).await? {
        Some(member) => {
            if member.status == MemberStatus::Blocked {
                let back = MemberChange::Status {
                    from: MemberStatus::Blocked,
                    to: MemberStatus::Active,
                };
                app.members
                    .change(op, user, &back, Some(&HistoryEvent::Reactivated), now)
                    .await?;
                // Back within the grace period: their data is no longer to be erased.
                if let Some(blocked_at) = member.status_since {
                    app.scheduler
                        .delete_deadline(op, user, &erase_deadline(app, blocked_at))
                        .await?;
                }
            }
            app.scheduler.put_member_schedule(op, user, &member.schedule).await?;
            // Coming back is itself a sign of life.
            sign_of_life(app, user).await?;
            reply.0.push(messages::welcome(member.lang, &member.schedule));
            Ok(if unblocked {
                "member_reactivated"
            } else {
                "member_welcomed_again"
            })
        }
        None if app.contacts.is_contact(op, user).await? => {
            reply.0.push(messages::text(Lang::Ja, Text::ContactOnlyHelp));
            Ok("contact_followed")
        }
        // Nothing is stored before consent: introduce the service and ask.
        None => {
            reply
                .0
                .extend(messages::introduction(Lang::Ja, &app.operator.privacy_url));
            Ok("introduced")
        }
    }
}

/// The answer to the consent question: agreeing registers the member (default schedule
/// at once, so they are watched even if they stop here) and asks how often; declining
/// stores nothing.
async fn consent(app: &App, user: &UserId, agreed: bool, reply: &mut Reply) -> Result<&'static str, AppError> {
    let op = &app.operator.id;
    let now = app.clock.now();
    if let Some(member) = app.members.member(op, user).await? {
        // Already registered: show where they are.
        reply.0.push(match member.onboarding {
            Some(Onboarding::Contact) => messages::offer_contact(member.lang),
            _ => messages::ask_cadence(member.lang),
        });
        return Ok("consent_again");
    }
    if !agreed {
        reply.0.push(messages::text(Lang::Ja, Text::Declined));
        return Ok("declined");
    }
    let name = display_name(app, user).await?;
    let member = Member::join(
        op.clone(),
        user.clone(),
        name,
        app.operator.default_schedule.clone(),
        now,
    );
    if app.members.create_member(&member).await? == Written::Done {
        app.members.record(op, user, now, &HistoryEvent::Joined).await?;
    }
    let joined = crate::report::Fact::Joined {
        who: crate::member::pseudonym(op, &member),
        at: member.joined_at,
        age_band: None,
        gender: None,
    };
    app.record_fact(now, &joined).await?;
    app.scheduler.put_member_schedule(op, user, &member.schedule).await?;
    reply.0.push(messages::consent_thanks(member.lang));
    Ok("member_joined")
}

/// The one-time schedule that erases a blocked member's data when the grace period ends.
fn erase_deadline(app: &App, blocked_at: jiff::Timestamp) -> crate::check::Deadline {
    crate::check::Deadline {
        check: blocked_at,
        stage: crate::check::Stage::Erase,
        at: blocked_at + app.operator.erasure_grace,
    }
}

async fn display_name(app: &App, user: &UserId) -> Result<String, AppError> {
    Ok(app
        .line
        .profile(user)
        .await?
        .map(|p| p.display_name)
        .unwrap_or_else(|| format!("ID {}", user.short())))
}

async fn unfollow(app: &App, user: &UserId) -> Result<&'static str, AppError> {
    let op = &app.operator.id;
    let now = app.clock.now();
    let Some(member) = app.members.member(op, user).await? else {
        return Ok("non_member_unfollowed");
    };
    let mut blocked_at = member.status_since.unwrap_or(now);
    if member.status != MemberStatus::Blocked
        && app
            .members
            .change(
                op,
                user,
                &MemberChange::Status {
                    from: member.status,
                    to: MemberStatus::Blocked,
                },
                Some(&HistoryEvent::Blocked),
                now,
            )
            .await?
            == Written::Done
    {
        blocked_at = now;
    }
    // Also when the status was already recorded by an earlier attempt that failed here.
    app.scheduler.delete_member_schedule(op, user).await?;
    app.scheduler
        .set_deadline(op, user, &erase_deadline(app, blocked_at))
        .await?;
    Ok("member_blocked")
}

/// Acknowledges every open check of a member. Returns the member's language, or `None`
/// if the sender is not an active member (a contact's messages are no sign of life).
async fn sign_of_life(app: &App, user: &UserId) -> Result<(&'static str, Option<Lang>), AppError> {
    let op = &app.operator.id;
    for _ in 0..ATTEMPTS {
        let now = app.clock.now();
        let Some(member) = app.members.member(op, user).await?.filter(Member::is_active) else {
            return Ok(("not_a_member", None));
        };
        let open = match member.open_check {
            Some(at) => app.checks.check(op, user, at).await?,
            None => None,
        };
        match check::on_sign_of_life(open.as_ref(), now) {
            AckPlan::NoOpenCheck => {
                app.checks.note_sign_of_life(op, user, now).await?;
                return Ok(("sign_of_life", Some(member.lang)));
            }
            AckPlan::Acknowledge { check, .. } => {
                let from = open.as_ref().ok_or(AppError::Contention("open check"))?;
                if app.checks.acknowledge(op, user, from, &check, &[], now).await? == Written::Done {
                    app.note_check(&member, check.scheduled_at, crate::report::CheckFlag::Answered)
                        .await?;
                    return Ok(("acknowledged", Some(member.lang)));
                }
            }
            AckPlan::AllClear { check, .. } => {
                let from = open.as_ref().ok_or(AppError::Contention("open check"))?;
                let alerted = super::cases::alerted(app, user, check.scheduled_at).await?;
                let pushes = app.render_all(alerts::plan_all_clear(
                    &member,
                    &check,
                    &alerted,
                    SafeBy::Member,
                    app.operator.staff_lang,
                ));
                if app.checks.acknowledge(op, user, from, &check, &pushes, now).await? == Written::Done {
                    let case_number = check.case_number.unwrap_or_default();
                    app.members
                        .record(
                            op,
                            user,
                            now,
                            &HistoryEvent::AcknowledgedAfterEscalation {
                                check: check.scheduled_at,
                                case_number,
                            },
                        )
                        .await?;
                    app.queue
                        .send(&EscalationMessage::Deliver {
                            operator: op.clone(),
                            member: user.clone(),
                            check: check.scheduled_at,
                        })
                        .await?;
                    app.note_check(&member, check.scheduled_at, crate::report::CheckFlag::Answered)
                        .await?;
                    // The member's own answer ends the case (if staff had not ended it).
                    if let Some(case) = app.cases.case(op, case_number).await? {
                        super::cases::resolve(app, &case, crate::case::Outcome::Answered, None).await?;
                    }
                    return Ok(("all_clear", Some(member.lang)));
                }
            }
        }
    }
    Err(AppError::Contention("member's open check"))
}

/// The free check-in button: closes open checks (done by the caller) and, close enough
/// before the next check, answers that one too so its push is never sent.
async fn check_in(app: &App, user: &UserId) -> Result<(&'static str, Value), AppError> {
    let Some(member) = app
        .members
        .member(&app.operator.id, user)
        .await?
        .filter(Member::is_active)
    else {
        return Ok(("check_in_not_member", messages::text(Lang::Ja, Text::OnlyForMembers)));
    };
    let now = app.clock.now();
    let next = member
        .schedule
        .first_after(now)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if next.duration_since(now) > app.operator.checkin_window {
        return Ok(("checked_in", messages::text(member.lang, Text::CheckInThanks)));
    }
    let checked_in = MemberChange::CheckedInFor(next);
    app.members
        .change(&app.operator.id, user, &checked_in, None, now)
        .await?;
    let tz = member.schedule.time_zone().unwrap_or(jiff::tz::TimeZone::UTC);
    let t = Text::CheckInAhead {
        next: texts::when(member.lang, next, &tz),
    };
    Ok(("checked_in_ahead", messages::text(member.lang, t)))
}

async fn invite(app: &App, user: &UserId, lang: Option<Lang>, reply: &mut Reply) -> Result<&'static str, AppError> {
    let Some(lang) = lang else {
        reply.0.push(messages::text(Lang::Ja, Text::NotAMemberForInvite));
        return Ok("invite_refused_not_member");
    };
    let now = app.clock.now();
    for _ in 0..ATTEMPTS {
        let code = InviteCode::generate().map_err(|e| AppError::Internal(e.to_string()))?;
        let invitation = Invitation::new(code.clone(), user.clone(), now);
        if app.contacts.create_invitation(&app.operator.id, &invitation).await? == Written::Done {
            let until = texts::when(lang, invitation.valid_until, &app.operator.zone);
            reply.0.push(messages::text(
                lang,
                Text::InviteForMember {
                    code: code.as_str().to_owned(),
                    until,
                },
            ));
            reply.0.push(messages::text(
                lang,
                Text::InviteForContact {
                    code: code.as_str().to_owned(),
                },
            ));
            return Ok("invitation_created");
        }
    }
    Err(AppError::Contention("invitation code"))
}

async fn redeem(app: &App, user: &UserId, code: &InviteCode, reply: &mut Reply) -> Result<&'static str, AppError> {
    let op = &app.operator.id;
    let now = app.clock.now();
    if app.contacts.wrong_codes_this_hour(op, user, now).await? >= contact::MAX_CODE_TRIES_PER_HOUR {
        reply.0.push(messages::text(Lang::Ja, Text::CodeThrottled));
        return Ok("code_throttled");
    }
    let invitation = app
        .contacts
        .redeem_invitation(op, code, user)
        .await?
        .filter(|i| i.is_valid_at(now));
    let Some(invitation) = invitation else {
        app.contacts.record_wrong_code(op, user, now).await?;
        reply.0.push(messages::text(Lang::Ja, Text::CodeInvalid));
        return Ok("code_invalid");
    };
    let inviter = app.members.member(op, &invitation.member).await?;
    let own = app.members.member(op, user).await?;
    let lang = own.as_ref().map(|m| m.lang).unwrap_or_default();
    match contact::redeem(inviter.as_ref(), user, own.as_ref()) {
        Redemption::OwnCode => {
            reply.0.push(messages::text(lang, Text::ContactOfSelf));
            Ok("own_code")
        }
        Redemption::MemberGone => {
            reply.0.push(messages::text(lang, Text::CodeInvalid));
            Ok("inviter_gone")
        }
        Redemption::MemberHasFullContacts => {
            reply.0.push(messages::text(lang, Text::ContactLimit));
            Ok("contact_limit")
        }
        Redemption::Link { end_own_membership } => {
            let Some(inviter) = inviter else {
                return Ok("inviter_gone");
            };
            let name = match &own {
                Some(m) => m.display_name.clone(),
                None => display_name(app, user).await?,
            };
            let contact = Contact {
                user_id: user.clone(),
                display_name: name.clone(),
                linked_at: now,
                phone: None,
            };
            if app
                .contacts
                .link_contact(op, &inviter.user_id, &contact, contact::MAX_CONTACTS)
                .await?
                == Written::Conflict
            {
                let linked = app
                    .contacts
                    .contacts(op, &inviter.user_id)
                    .await?
                    .iter()
                    .any(|c| &c.user_id == user);
                if !linked {
                    reply.0.push(messages::text(lang, Text::ContactLimit));
                    return Ok("contact_limit");
                }
            }
            app.members
                .record(
                    op,
                    &inviter.user_id,
                    now,
                    &HistoryEvent::ContactLinked { contact: user.clone() },
                )
                .await?;
            if end_own_membership {
                app.scheduler.delete_member_schedule(op, user).await?;
                // No longer a member: the report counts them as having left.
                if let Some(former) = app.members.member(op, user).await? {
                    let left = crate::report::Fact::Left {
                        who: crate::member::pseudonym(op, &former),
                        at: now,
                        age_band: former.age_band,
                        gender: former.gender,
                    };
                    app.record_fact(now, &left).await?;
                }
                app.members.delete_member(op, user).await?;
                app.members
                    .record(op, user, now, &HistoryEvent::BecameContactOnly)
                    .await?;
                reply.0.push(messages::text(
                    lang,
                    Text::BecameContactOnly {
                        member: inviter.display_name.clone(),
                    },
                ));
            } else {
                reply.0.push(messages::text(
                    lang,
                    Text::ContactLinkedToContact {
                        member: inviter.display_name.clone(),
                    },
                ));
            }
            // The member is not in this chat: tell them by push, once (keyed by the code).
            let to = Recipient::Person(inviter.user_id.clone());
            let notice = Planned::notice(
                Topic::ContactLinked,
                code.as_str(),
                to,
                inviter.lang,
                Notice::ContactLinked { contact: name },
            );
            super::deliver::notify(app, op, &inviter.user_id, vec![notice]).await?;
            Ok("contact_linked")
        }
    }
}

async fn register_staff_room(
    app: &App,
    group: &ChatId,
    code: &str,
    reply: &mut Reply,
) -> Result<&'static str, AppError> {
    let Some(expected) = &app.secrets.staff_room_code else {
        reply.0.push(messages::text(Lang::Ja, Text::StaffCodeWrong));
        return Ok("staff_room_code_not_configured");
    };
    // Compare digests so the time taken says nothing about the code.
    if Sha256::digest(code.as_bytes()) != Sha256::digest(expected.expose().as_bytes()) {
        reply.0.push(messages::text(Lang::Ja, Text::StaffCodeWrong));
        return Ok("staff_code_wrong");
    }
    app.staff
        .set_staff_room(
            &app.operator.id,
            &StaffRoom {
                chat_id: group.clone(),
                registered_at: app.clock.now(),
            },
        )
        .await?;
    reply.0.push(messages::text(Lang::Ja, Text::StaffRoomRegistered));
    Ok("staff_room_registered")
}
