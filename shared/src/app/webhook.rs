//! The webhook function's work: verify, then act on each LINE event exactly once.
//!
//! Replies (free) answer the person who wrote; a push is used only where someone else
//! must be told (the member whose contact just linked).

use super::{ATTEMPTS, App, AppError, Handled};
use crate::alerts::{self, EscalationMessage, SafeBy};
use crate::check::{self, AckPlan, Check, CheckState, Deadline, Stage};
use crate::contact::{self, Contact, Invitation, InviteCode, Redemption};
use crate::ids::Watched;
use crate::ids::{CheckId, UserId};
use crate::line::messages;
use crate::line::texts::{self, Text};
use crate::line::webhook::{self, Event, Intent, Setting, SignatureError};
use crate::member::Lang;
use crate::member::{HistoryEvent, Member, MemberChange, MemberStatus, Onboarding};
use crate::outbox::{Notice, Planned, Recipient, Topic};
use crate::page::StaffPage;
use crate::ports::{Alongside, EventClaim, Written};
use serde_json::Value;

/// The answer the function gives LINE.
#[derive(Debug, PartialEq, Eq)]
pub enum WebhookResponse {
    /// 200: every event was handled (what became of each, in order), or deliberately
    /// ignored.
    Ok {
        handled: Vec<Handled>,
        duplicates: usize,
        ignored: usize,
    },
    /// 503: the rest was handled, but `in_flight` events are being processed by another
    /// attempt that may still fail; LINE delivers them again later (by then done, or
    /// released for this delivery to process).
    InFlight { in_flight: usize },
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
    let (mut handled, mut duplicates, mut ignored, mut in_flight) = (Vec::new(), 0, 0, 0);
    let mut failure = None;
    for event in events {
        let event = match event {
            Ok(e) => e,
            Err(unreadable) => {
                tracing::warn!(event_type = %unreadable.summary, "event_unreadable");
                if let Some(token) = &unreadable.anonymous_reply {
                    // A courtesy: nothing was stored, and a failure changes nothing.
                    let answer = messages::text(Lang::Ja, Text::UnknownSender);
                    if let Err(e) = app.line.reply(token, &[answer]).await {
                        tracing::warn!(error = %e, "reply_failed");
                    }
                }
                ignored += 1;
                continue;
            }
        };
        let intent = event.intent_at(app.clock.now());
        if let Intent::Ignore(why) = intent {
            tracing::info!(event = %event.id, outcome = why.as_str(), "event_ignored");
            ignored += 1;
            continue;
        }
        let now = app.clock.now();
        let op = &app.operator.id;
        // This attempt's claim: only it may complete or release what it claimed.
        let token = uuid::Uuid::new_v4().simple().to_string();
        match app.events.claim_event(op, &event.id, &token, now).await? {
            EventClaim::Claimed => {}
            EventClaim::Done => {
                tracing::info!(event = %event.id, redelivery = event.delivery_context.is_redelivery, "event_duplicate");
                duplicates += 1;
                continue;
            }
            EventClaim::InFlight => {
                // Another attempt has it and may still fail: LINE must try again later.
                tracing::warn!(event = %event.id, redelivery = event.delivery_context.is_redelivery, "event_in_flight");
                in_flight += 1;
                continue;
            }
        }
        match act(app, &event, intent).await {
            Ok(outcome) => {
                if app
                    .events
                    .complete_event(op, &event.id, &token, app.clock.now())
                    .await?
                    == Written::Conflict
                {
                    // Our lease ran out and a redelivery took the event over: its outcome stands.
                    tracing::warn!(event = %event.id, "event_claim_lost");
                }
                tracing::info!(event = %event.id, outcome = outcome.as_str(), "event_handled");
                handled.push(outcome);
            }
            Err(e) => {
                tracing::error!(event = %event.id, error = %e, "event_failed");
                // Let LINE's redelivery (or a retry) process it again.
                app.events.release_event(op, &event.id, &token).await?;
                failure.get_or_insert(e);
            }
        }
    }
    match failure {
        Some(e) => Err(e),
        None if in_flight > 0 => Ok(WebhookResponse::InFlight { in_flight }),
        None => Ok(WebhookResponse::Ok {
            handled,
            duplicates,
            ignored,
        }),
    }
}

/// Collects what to reply; sent once, at the end, with the event's reply token.
struct Reply(Vec<Value>);

async fn act(app: &App, event: &Event, intent: Intent) -> Result<Handled, AppError> {
    let mut reply = Reply(Vec::new());
    let outcome = match intent {
        Intent::Follow { user, unblocked } => follow(app, &user, unblocked, &mut reply).await?,
        Intent::Unfollow { user } => unfollow(app, &user).await?,
        Intent::SignOfLife { user, tapped_ok } => greet(app, &user, tapped_ok, &mut reply).await?,
        // A malformed button does nothing but say so; whoever pressed it is alive.
        Intent::InvalidButton { user } => {
            sign_of_life(app, &user).await?;
            let lang = lang_of(app, &user).await?;
            reply.0.push(messages::text(lang, Text::ButtonNoLongerValid));
            Handled::InvalidButton
        }
        Intent::TapOk { user, check } => tap_ok(app, &user, check, &mut reply).await?,
        // Every press of a member's is a sign of life, whatever it asks.
        Intent::Consent { user, agreed } => {
            sign_of_life(app, &user).await?;
            consent(app, &user, agreed, &mut reply).await?
        }
        Intent::OnboardingDone { user } => {
            sign_of_life(app, &user).await?;
            onboarding_done(app, &user, &mut reply).await?
        }
        Intent::OwnChecks { user, keep } => own_checks(app, &user, keep, &mut reply).await?,
        // 「やめる」: staying, and alive. Not the question or the confirmation: an erasure
        // follows, and a case still open goes with them (the staff room is told).
        Intent::Leave { user, confirmed } => {
            if confirmed == Some(false) {
                sign_of_life(app, &user).await?;
            }
            leave(app, &user, confirmed, &mut reply).await?
        }
        Intent::CheckIn { user } => {
            sign_of_life(app, &user).await?;
            let (outcome, message) = check_in(app, &user).await?;
            reply.0.push(message);
            outcome
        }
        Intent::Setting { user, setting } => self::setting(app, &user, setting, &mut reply).await?,
        Intent::RequestInvite { user } => request_invite(app, &user, &mut reply).await?,
        Intent::RedeemCode { user, code } => {
            sign_of_life(app, &user).await?;
            redeem(app, &user, &code, &mut reply).await?
        }
        Intent::RegisterStaffRoom {
            chat: group,
            user,
            code,
        } => {
            let (outcome, messages) = super::staff_room::register(app, &group, user.as_ref(), &code, &event.id).await?;
            reply.0.extend(messages);
            outcome
        }
        Intent::Staff {
            chat: group,
            user,
            action,
        } => {
            let origin = super::cases::Origin {
                event_id: &event.id,
                at: jiff::Timestamp::from_millisecond(event.timestamp).unwrap_or_else(|_| app.clock.now()),
            };
            let (outcome, messages) = super::cases::staff(app, group.as_ref(), user.as_ref(), action, origin).await?;
            reply.0.extend(messages);
            outcome
        }
        Intent::ChatMembersJoined { chat: group, users } => {
            let (outcome, messages) = super::cases::members_joined(app, &group, &users).await?;
            reply.0.extend(messages);
            outcome
        }
        Intent::ChatMembersLeft { chat: group, users } => super::cases::members_left(app, &group, &users).await?,
        Intent::ContactSafe { user, case_number } => {
            let (outcome, message) = super::cases::contact_safe(app, &user, case_number).await?;
            reply.0.push(message);
            outcome
        }
        Intent::JoinedChat { .. } => {
            reply.0.push(messages::text(app.operator.staff_lang, Text::ChatJoined));
            Handled::JoinedChat
        }
        Intent::LeftChat { chat: group } => {
            let op = &app.operator.id;
            let was_staff_room = app.staff.staff_room(op).await?.is_some_and(|r| r.chat_id == group);
            app.staff.clear_staff_room(op, &group).await?;
            if was_staff_room {
                // Nobody can be told on LINE: the staff are paged by e-mail or SMS, and
                // the alarm on this log e-mails the operator. Until a staff room is
                // registered again, alerts reach only the contacts (and each case pages).
                tracing::warn!(operator = %op, "staff_room_lost");
                super::page::send(app, &StaffPage::StaffRoomLost { operator: op.clone() }).await?;
                Handled::StaffRoomLost
            } else {
                Handled::LeftChat
            }
        }
        // Not claimed, so not acted on (`handle` skips it); kept for completeness.
        Intent::Ignore(_) => Handled::Ignored,
    };
    send_reply(app, event, reply).await;
    Ok(outcome)
}

/// The language someone reads: a member's own, Japanese for anyone else.
async fn lang_of(app: &App, user: &UserId) -> Result<Lang, AppError> {
    Ok(app
        .members
        .member(&app.operator.id, user)
        .await?
        .map(|m| m.lang)
        .unwrap_or_default())
}

/// Any message (or 元気です, or the OK button): a sign of life, thanked; a member who
/// stopped halfway through onboarding is shown where they left.
async fn greet(app: &App, user: &UserId, tapped_ok: bool, reply: &mut Reply) -> Result<Handled, AppError> {
    let (outcome, lang) = sign_of_life(app, user).await?;
    let Some(lang) = lang else {
        reply.0.push(if app.contacts.is_contact(&app.operator.id, user).await? {
            messages::text(Lang::Ja, Text::ContactOnlyHelp)
        } else {
            // Not registered (never consented, or declined): the consent question again.
            messages::consent(Lang::Ja, &app.operator.privacy_url, app.clock.now())
        });
        return Ok(outcome);
    };
    let thanks = if tapped_ok {
        Text::AckThanks
    } else {
        Text::SignOfLifeThanks
    };
    reply.0.push(messages::text(lang, thanks));
    if let Some(member) = app.members.member(&app.operator.id, user).await? {
        match member.onboarding {
            Some(Onboarding::Schedule) => reply.0.push(messages::ask_cadence(member.lang)),
            Some(Onboarding::Profile) => reply.0.push(messages::ask_age_band(member.lang)),
            Some(Onboarding::Contact) => reply.0.push(messages::offer_contact(member.lang)),
            None => {}
        }
    }
    Ok(outcome)
}

/// The OK button of a check. It must be one of the member's own checks; an old one of
/// theirs still counts while a check is open (they are plainly alive). With nothing
/// open, or for anyone else's check, it does nothing but say it is no longer valid.
async fn tap_ok(app: &App, user: &UserId, check: CheckId, reply: &mut Reply) -> Result<Handled, AppError> {
    let member = app.members.member(&app.operator.id, user).await?;
    let button = app.checks.check(&app.operator.id, user, check.at()).await?;
    let lang = member.as_ref().map(|m| m.lang).unwrap_or_default();
    let something_open =
        button.as_ref().is_some_and(|c| c.state.is_open()) || member.as_ref().is_some_and(|m| m.open_check.is_some());
    if button.is_some() && something_open {
        sign_of_life_from(app, user, Some((member, button))).await?;
        reply.0.push(messages::text(lang, Text::AckThanks));
        Ok(Handled::Acknowledged)
    } else {
        reply.0.push(messages::text(lang, Text::ButtonNoLongerValid));
        Ok(Handled::StaleOrForeignButton)
    }
}

/// 「このまま始める」: onboarding ends with the schedule as it is.
async fn onboarding_done(app: &App, user: &UserId, reply: &mut Reply) -> Result<Handled, AppError> {
    let Some(member) = app.members.member(&app.operator.id, user).await? else {
        reply.0.extend(messages::introduction(
            Lang::Ja,
            &app.operator.privacy_url,
            app.clock.now(),
        ));
        return Ok(Handled::Introduced);
    };
    end_onboarding(app, user).await?;
    let t = Text::OnboardingDone {
        schedule: texts::describe_schedule(member.lang, &member.schedule, app.operator.check_window),
    };
    reply.0.push(messages::text(member.lang, t));
    Ok(Handled::OnboardingDone)
}

async fn end_onboarding(app: &App, user: &UserId) -> Result<(), AppError> {
    let done = MemberChange::Onboarding(None);
    app.members
        .change(&app.operator.id, user, &done, None, app.clock.now())
        .await?;
    Ok(())
}

/// 退会: asked, then confirmed (everything erased) or cancelled.
async fn leave(app: &App, user: &UserId, confirmed: Option<bool>, reply: &mut Reply) -> Result<Handled, AppError> {
    let member = app.members.member(&app.operator.id, user).await?;
    let known = member.is_some() || app.contacts.is_contact(&app.operator.id, user).await?;
    let lang = member.map(|m| m.lang).unwrap_or_default();
    Ok(match (known, confirmed) {
        // Nobody to erase, perhaps because an earlier attempt did: its last step, the
        // schedule, may be what failed.
        (false, Some(true)) => {
            app.scheduler
                .delete_check_schedule(&app.operator.id, &Watched::from(user))
                .await?;
            Handled::LeaveUnknownUser
        }
        (false, _) => Handled::LeaveUnknownUser,
        (true, None) => {
            reply.0.push(messages::confirm_leave(lang, app.clock.now()));
            Handled::LeaveAsked
        }
        (true, Some(false)) => {
            reply.0.push(messages::text(lang, Text::LeaveCancelled));
            Handled::LeaveCancelled
        }
        (true, Some(true)) => {
            super::leave::erase(app, user).await?;
            reply.0.push(messages::text(lang, Text::LeaveDone));
            Handled::LeftAndErased
        }
    })
}

/// A settings tap: a sign of life first; a paused member may still use the menu.
async fn setting(app: &App, user: &UserId, setting: Setting, reply: &mut Reply) -> Result<Handled, AppError> {
    sign_of_life(app, user).await?;
    let member = app
        .members
        .member(&app.operator.id, user)
        .await?
        .filter(|m| matches!(m.status, MemberStatus::Active | MemberStatus::Paused));
    let Some(member) = member else {
        reply.0.push(messages::text(Lang::Ja, Text::OnlyForMembers));
        return Ok(Handled::SettingRefusedNotMember);
    };
    let (outcome, messages) = super::settings::handle(app, &member, setting).await?;
    reply.0.extend(messages);
    Ok(outcome)
}

/// 「連絡先登録」: an invitation code; registering a contact is the last onboarding step.
async fn request_invite(app: &App, user: &UserId, reply: &mut Reply) -> Result<Handled, AppError> {
    let (_, lang) = sign_of_life(app, user).await?;
    let outcome = invite(app, user, lang, reply).await?;
    let onboarding = app.members.member(&app.operator.id, user).await?;
    if onboarding.is_some_and(|m| m.onboarding.is_some()) {
        end_onboarding(app, user).await?;
    }
    Ok(outcome)
}

/// A reply that fails (its token expired, LINE is down) is logged and not retried: it
/// is a courtesy, and every state change it reports has already been recorded.
async fn send_reply(app: &App, event: &Event, reply: Reply) {
    let (Some(token), false) = (event.reply_token.as_deref(), reply.0.is_empty()) else {
        return;
    };
    let messages: Vec<Value> = reply.0.into_iter().take(5).collect();
    let Err(e) = app.line.reply(token, &messages).await else {
        return;
    };
    tracing::warn!(event = %event.id, error = %e, "reply_failed");
    // What the reply said matters (an invitation code, the next step of joining, a
    // case's call buttons): LINE did not take it (a token spent or too old, LINE busy),
    // so it goes by push, once per event whatever the retries. Not after a timeout:
    // LINE may have delivered it, and the person would read it twice.
    if matches!(e, crate::ports::LineError::Timeout) {
        return;
    }
    let to = match &event.source {
        Some(webhook::Source::User { user_id }) => Recipient::Person(user_id.clone()),
        Some(webhook::Source::Group { group_id: chat, .. } | webhook::Source::Room { room_id: chat, .. }) => {
            Recipient::Chat(chat.clone())
        }
        None => return,
    };
    let key = uuid::Uuid::new_v5(&REPLY_BY_PUSH, format!("{}/{}", app.operator.id, event.id).as_bytes());
    match app.line.push(&to, &messages, key).await {
        Ok(_) => tracing::info!(event = %event.id, "reply_pushed_instead"),
        Err(e) => tracing::warn!(event = %event.id, error = %e, "reply_push_failed"),
    }
}

/// The namespace of the retry keys of replies sent by push instead.
const REPLY_BY_PUSH: uuid::Uuid = uuid::Uuid::from_u128(0x7265_706c_7962_7970_9d41_0c6e_2b58_f3a7);

async fn follow(app: &App, user: &UserId, unblocked: bool, reply: &mut Reply) -> Result<Handled, AppError> {
    let op = &app.operator.id;
    let now = app.clock.now();
    contact_reachable(app, user, None).await?;
    match app.members.member(op, user).await? {
        Some(member) => {
            if member.status == MemberStatus::Blocked {
                reactivate(app, &member, now).await?;
            }
            app.put_check_schedule(user, &member.schedule).await?;
            // Coming back is itself a sign of life.
            sign_of_life(app, user).await?;
            reply.0.push(messages::welcome(
                member.lang,
                &member.schedule,
                app.operator.check_window,
            ));
            Ok(if unblocked {
                Handled::MemberReactivated
            } else {
                Handled::MemberWelcomedAgain
            })
        }
        None if app.contacts.is_contact(op, user).await? => {
            reply.0.push(messages::text(Lang::Ja, Text::ContactOnlyHelp));
            Ok(Handled::ContactFollowed)
        }
        // Nothing is stored before consent: introduce the service and ask.
        None => {
            reply.0.extend(messages::introduction(
                Lang::Ja,
                &app.operator.privacy_url,
                app.clock.now(),
            ));
            Ok(Handled::Introduced)
        }
    }
}

/// The answer to the consent question: agreeing registers the member (default schedule
/// at once, so they are watched even if they stop here) and asks how often; declining
/// stores nothing.
async fn consent(app: &App, user: &UserId, agreed: bool, reply: &mut Reply) -> Result<Handled, AppError> {
    let op = &app.operator.id;
    let now = app.clock.now();
    if let Some(member) = app.members.member(op, user).await? {
        // Already registered (a redelivery, or 同意する pressed again): finish what an
        // attempt that failed midway may have left undone, then show where they are.
        if member.onboarding.is_some() && member.status == MemberStatus::Active {
            start_watching(app, &member, now).await?;
        }
        reply.0.push(match member.onboarding {
            Some(Onboarding::Contact) => messages::offer_contact(member.lang),
            _ => messages::ask_cadence(member.lang),
        });
        return Ok(Handled::ConsentAgain);
    }
    if !agreed {
        reply.0.push(messages::text(Lang::Ja, Text::Declined));
        return Ok(Handled::Declined);
    }
    let name = display_name(app, user).await?;
    let member = Member::join(
        op.clone(),
        user.clone(),
        name,
        app.operator.default_schedule.clone(),
        now,
        uuid::Uuid::new_v4().simple().to_string(),
    );
    if app.members.create_member(&member).await? == Written::Done {
        app.members.record(op, user, now, &HistoryEvent::Joined).await?;
    }
    start_watching(app, &member, now).await?;
    reply.0.push(messages::consent_thanks(member.lang));
    Ok(Handled::MemberJoined)
}

/// A new member is counted in the report and their checks are scheduled (both
/// idempotent: a retry repeats them safely).
async fn start_watching(app: &App, member: &Member, now: jiff::Timestamp) -> Result<(), AppError> {
    let op = &app.operator.id;
    let joined = crate::report::Fact::joined(&crate::member::pseudonym(op, member), member.joined_at, None, None);
    app.record_fact(now, &joined).await?;
    app.put_check_schedule(&member.user_id, &member.schedule).await?;
    Ok(())
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

/// A member who had blocked the account is back: active again, and their data no longer
/// to be erased. (Their schedule is put back by the caller.)
async fn reactivate(app: &App, member: &Member, now: jiff::Timestamp) -> Result<(), AppError> {
    let (op, user) = (&app.operator.id, &member.user_id);
    let back = MemberChange::Status {
        from: MemberStatus::Blocked,
        to: MemberStatus::Active,
    };
    app.members
        .change(op, user, &back, Some(&HistoryEvent::Reactivated), now)
        .await?;
    if let Some(blocked_at) = member.status_since {
        app.scheduler
            .delete_deadline(op, &Watched::from(user), &erase_deadline(app, blocked_at))
            .await?;
    }
    Ok(())
}

/// Marks `user` as blocked since `blocked` (or reachable again, `None`) on each of their
/// links as a contact; each member they watch hears that they are blocked (once).
async fn contact_reachable(app: &App, user: &UserId, blocked: Option<jiff::Timestamp>) -> Result<(), AppError> {
    let op = &app.operator.id;
    for watched in app.contacts.watched_members(op, user).await? {
        let Some(link) = app
            .contacts
            .contacts(op, &watched)
            .await?
            .into_iter()
            .find(|c| &c.user_id == user)
        else {
            continue;
        };
        let Some(now) = blocked else {
            if !link.reachable() {
                app.contacts.set_contact_blocked(op, &watched, user, None).await?;
            }
            continue;
        };
        // A redelivery keeps the first time, and so the notice's key.
        let since = link.blocked_since.unwrap_or(now);
        if link.reachable() {
            app.contacts
                .set_contact_blocked(op, &watched, user, Some(since))
                .await?;
        }
        let Some(member) = app.members.member(op, &watched).await?.filter(Member::is_active) else {
            continue;
        };
        let occasion = format!("{}-{}", user.short(), since.as_second());
        let notice = Notice::ContactBlocked {
            contact: link.display_name.clone(),
        };
        let to = Recipient::Person(watched.clone());
        let planned = Planned::notice(Topic::Blocked, &occasion, to, member.lang, notice);
        super::deliver::notify(app, op, &watched, vec![planned]).await?;
    }
    Ok(())
}

async fn unfollow(app: &App, user: &UserId) -> Result<Handled, AppError> {
    let op = &app.operator.id;
    let now = app.clock.now();
    contact_reachable(app, user, Some(now)).await?;
    let Some(member) = app.members.member(op, user).await? else {
        return Ok(Handled::NonMemberUnfollowed);
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
    app.scheduler.delete_check_schedule(op, &Watched::from(user)).await?;
    app.scheduler
        .set_deadline(op, &Watched::from(user), &erase_deadline(app, blocked_at))
        .await?;
    // Nobody can reach them through LINE now, and an open check's deadlines go idle:
    // the staff room must hear of it (once per block).
    if let Some(room) = app.staff.staff_room(op).await? {
        let notice = Notice::MemberBlocked {
            member: member.display_name.clone(),
            member_short: user.short().to_owned(),
            unanswered: member.open_check.is_some(),
            erased_in_days: app.operator.erasure_grace.as_hours() / 24,
        };
        let to = Recipient::Chat(room.chat_id.clone());
        let planned = Planned::notice(
            Topic::Blocked,
            &blocked_at.as_second().to_string(),
            to,
            app.operator.staff_lang,
            notice,
        );
        super::deliver::notify(app, op, user, vec![planned]).await?;
    }
    Ok(Handled::MemberBlocked)
}

/// Acknowledges every open check of a member. Returns the member's language, or `None`
/// if the sender is not an active member (a contact's messages are no sign of life).
async fn sign_of_life(app: &App, user: &UserId) -> Result<(Handled, Option<Lang>), AppError> {
    sign_of_life_from(app, user, None).await
}

/// `sign_of_life`, starting from the member and a check of theirs already read (the OK
/// tap reads both to judge its button): if that check is the open one, it is not read
/// again. A later attempt (another invocation changed them first) reads both afresh.
async fn sign_of_life_from(
    app: &App,
    user: &UserId,
    mut known: Option<(Option<Member>, Option<Check>)>,
) -> Result<(Handled, Option<Lang>), AppError> {
    let op = &app.operator.id;
    for _ in 0..ATTEMPTS {
        let now = app.clock.now();
        let (member, known_check) = match known.take() {
            Some((member, check)) => (member, check),
            None => (app.members.member(op, user).await?, None),
        };
        if let Some(blocked) = member.as_ref().filter(|m| m.status == MemberStatus::Blocked) {
            // LINE delivers messages only from people who follow the account: this one
            // unblocked it, and the follow event never reached us.
            reactivate(app, blocked, now).await?;
            app.put_check_schedule(user, &blocked.schedule).await?;
            tracing::warn!(member = %app.pseudonym(&user), "member_back_without_follow");
            continue;
        }
        // A paused member's message is news of them too: it answers a check still open.
        let Some(member) = member.filter(|m| matches!(m.status, MemberStatus::Active | MemberStatus::Paused)) else {
            return Ok((Handled::NotAMember, None));
        };
        let open = match (member.open_check, known_check) {
            (Some(at), Some(known)) if known.scheduled_at == at => Some(known),
            (Some(at), _) => app.checks.check(op, user, at).await?,
            (None, _) => None,
        };
        match check::on_sign_of_life(open.as_ref(), now) {
            AckPlan::NoOpenCheck => {
                app.checks.note_sign_of_life(op, user, now).await?;
                return Ok((Handled::SignOfLife, Some(member.lang)));
            }
            AckPlan::Acknowledge { check, .. } => {
                let from = open.as_ref().ok_or(AppError::Contention("open check"))?;
                // The report's fact in the same transaction: counted exactly when the
                // check is closed, in no extra call.
                let alongside = Alongside {
                    fact: Some(app.check_fact(&member, check.scheduled_at, crate::report::CheckFlag::Answered)),
                    ..Alongside::default()
                };
                if app
                    .checks
                    .acknowledge(op, user, from, &check, &[], now, &alongside)
                    .await?
                    == Written::Done
                {
                    cancel_pending_deadline(app, user, from).await;
                    return Ok((Handled::Acknowledged, Some(member.lang)));
                }
            }
            AckPlan::AllClear { check, .. } => {
                let from = open.as_ref().ok_or(AppError::Contention("open check"))?;
                let alerted = super::cases::alerted(app, user, check.scheduled_at).await?;
                let contacts = app.contacts.contacts(op, user).await?;
                let pushes = app.render_all(alerts::plan_all_clear(
                    &member,
                    &check,
                    &alerted,
                    &contacts,
                    SafeBy::Member,
                    app.operator.staff_lang,
                ));
                if app
                    .checks
                    .acknowledge(op, user, from, &check, &pushes, now, &Alongside::default())
                    .await?
                    == Written::Done
                {
                    // The all-clears first; if this invocation dies before, the case's
                    // next follow-up closes it as answered and delivers them.
                    app.queue
                        .send(&EscalationMessage::Deliver {
                            operator: op.clone(),
                            member: user.clone(),
                            check: check.scheduled_at,
                        })
                        .await?;
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
                    app.note_check(&member, check.scheduled_at, crate::report::CheckFlag::Answered)
                        .await?;
                    // The member's own answer ends the case (if staff had not ended it).
                    if let Some(case) = app.cases.case(op, case_number).await? {
                        super::cases::resolve(app, &case, crate::case::Outcome::Answered, None).await?;
                    }
                    return Ok((Handled::AllClear, Some(member.lang)));
                }
            }
        }
    }
    Err(AppError::Contention("member's open check"))
}

/// Deletes the deadline that would have moved an answered check on (its reminder, or
/// once reminded its overdue time): it has nothing left to do. For a daily member the
/// reminder falls at the next check's 09:00, so without this every member who answered
/// is invoked twice at 09:00. Best effort: a deadline left behind fires and finds the
/// check answered, as before.
async fn cancel_pending_deadline(app: &App, user: &UserId, answered: &Check) {
    let stage = match answered.state {
        CheckState::Reminded => Stage::Overdue,
        _ => Stage::Reminder,
    };
    let deadline = Deadline {
        check: answered.scheduled_at,
        stage,
        at: answered.scheduled_at,
    };
    if let Err(e) = app
        .scheduler
        .delete_deadline(&app.operator.id, &Watched::from(user), &deadline)
        .await
    {
        tracing::warn!(member = %app.pseudonym(&user), error = %e, "deadline_not_cancelled");
    }
}

/// The free check-in button: closes open checks (done by the caller) and, close enough
/// before the next check, answers that one too so its push is never sent.
async fn check_in(app: &App, user: &UserId) -> Result<(Handled, Value), AppError> {
    let Some(member) = app
        .members
        .member(&app.operator.id, user)
        .await?
        .filter(Member::is_active)
    else {
        return Ok((
            Handled::CheckInNotMember,
            messages::text(Lang::Ja, Text::OnlyForMembers),
        ));
    };
    let now = app.clock.now();
    let next = member
        .schedule
        .first_after(now)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if next.duration_since(now) > app.operator.checkin_window {
        return Ok((Handled::CheckedIn, messages::text(member.lang, Text::CheckInThanks)));
    }
    let checked_in = MemberChange::CheckedInFor(next);
    app.members
        .change(&app.operator.id, user, &checked_in, None, now)
        .await?;
    let tz = member.schedule.time_zone().unwrap_or(jiff::tz::TimeZone::UTC);
    let t = Text::CheckInAhead {
        next: texts::when(member.lang, next, &tz),
    };
    Ok((Handled::CheckedInAhead, messages::text(member.lang, t)))
}

async fn invite(app: &App, user: &UserId, lang: Option<Lang>, reply: &mut Reply) -> Result<Handled, AppError> {
    let Some(lang) = lang else {
        reply.0.push(messages::text(Lang::Ja, Text::NotAMemberForInvite));
        return Ok(Handled::InviteRefusedNotMember);
    };
    let now = app.clock.now();
    for _ in 0..ATTEMPTS {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random)
            .map_err(|e| AppError::Internal(format!("the system random source failed: {e}")))?;
        let code = InviteCode::from_random(random);
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
            return Ok(Handled::InvitationCreated);
        }
    }
    Err(AppError::Contention("invitation code"))
}

async fn redeem(app: &App, user: &UserId, code: &InviteCode, reply: &mut Reply) -> Result<Handled, AppError> {
    let op = &app.operator.id;
    let now = app.clock.now();
    // A try taken before the code is looked at, and given back if it was good.
    let who = app.pseudonym(user).to_string();
    if !app
        .contacts
        .take_code_try(op, &who, now, contact::MAX_CODE_TRIES_PER_HOUR)
        .await?
    {
        reply.0.push(messages::text(Lang::Ja, Text::CodeThrottled));
        return Ok(Handled::CodeThrottled);
    }
    let invitation = app
        .contacts
        .redeem_invitation(op, code, user)
        .await?
        .filter(|i| i.is_valid_at(now));
    let Some(invitation) = invitation else {
        reply.0.push(messages::text(Lang::Ja, Text::CodeInvalid));
        return Ok(Handled::CodeInvalid);
    };
    app.contacts.give_back_code_try(op, &who, now).await?;
    let inviter = app.members.member(op, &invitation.member).await?;
    let own = app.members.member(op, user).await?;
    let lang = own.as_ref().map(|m| m.lang).unwrap_or_default();
    match contact::redeem(inviter.as_ref(), user, own.as_ref()) {
        Redemption::OwnCode => {
            app.contacts.release_invitation(op, code, user).await?;
            reply.0.push(messages::text(lang, Text::ContactOfSelf));
            Ok(Handled::OwnCode)
        }
        Redemption::MemberGone => {
            reply.0.push(messages::text(lang, Text::CodeInvalid));
            Ok(Handled::InviterGone)
        }
        Redemption::MemberHasFullContacts => {
            app.contacts.release_invitation(op, code, user).await?;
            reply.0.push(messages::text(lang, Text::ContactLimit));
            Ok(Handled::ContactLimit)
        }
        Redemption::Link { ask_own_checks } => match inviter {
            Some(inviter) => link(app, user, code, &inviter, own.as_ref(), ask_own_checks, reply).await,
            None => Ok(Handled::InviterGone),
        },
    }
}

/// Links `user` as a contact of `inviter` (within the limit, once), asks someone watched
/// over who never answered a check whether their own checks go on, and tells the member.
async fn link(
    app: &App,
    user: &UserId,
    code: &InviteCode,
    inviter: &Member,
    own: Option<&Member>,
    ask_own_checks: bool,
    reply: &mut Reply,
) -> Result<Handled, AppError> {
    let (op, now) = (&app.operator.id, app.clock.now());
    let lang = own.map(|m| m.lang).unwrap_or_default();
    let name = match own {
        Some(m) => m.display_name.clone(),
        None => display_name(app, user).await?,
    };
    let contact = Contact {
        user_id: user.clone(),
        display_name: name.clone(),
        linked_at: now,
        phone: None,
        blocked_since: None,
        lang: Some(lang),
    };
    let written = app
        .contacts
        .link_contact(op, &inviter.user_id, &contact, contact::MAX_CONTACTS)
        .await?;
    // A conflict is a full list, or this very link made by an earlier attempt.
    if written == Written::Conflict
        && !app
            .contacts
            .contacts(op, &inviter.user_id)
            .await?
            .iter()
            .any(|c| &c.user_id == user)
    {
        reply.0.push(messages::text(lang, Text::ContactLimit));
        return Ok(Handled::ContactLimit);
    }
    let linked = HistoryEvent::ContactLinked { contact: user.clone() };
    app.members.record(op, &inviter.user_id, now, &linked).await?;
    let member = inviter.display_name.clone();
    // Someone watched over who shows no sign of wanting it (never answered a check) is
    // asked, never stopped silently: until they say 「連絡先だけにする」 their checks go on.
    let handled = if ask_own_checks {
        reply.0.push(messages::ask_own_checks(lang, &member));
        Handled::ContactLinkedOwnChecksAsked
    } else {
        reply
            .0
            .push(messages::text(lang, Text::ContactLinkedToContact { member }));
        Handled::ContactLinked
    };
    // The member is not in this chat: tell them by push, once (keyed by the code).
    let to = Recipient::Person(inviter.user_id.clone());
    let notice = Notice::ContactLinked { contact: name };
    let notice = Planned::notice(Topic::ContactLinked, code.as_str(), to, inviter.lang, notice);
    super::deliver::notify_best_effort(app, op, &inviter.user_id, vec![notice]).await?;
    Ok(handled)
}

/// A new contact's answer about their own checks: 「続ける」 changes nothing;
/// 「連絡先だけにする」 ends their own watching (only for someone who is a contact).
async fn own_checks(app: &App, user: &UserId, keep: bool, reply: &mut Reply) -> Result<Handled, AppError> {
    let op = &app.operator.id;
    let member = app.members.member(op, user).await?;
    let lang = member.as_ref().map(|m| m.lang).unwrap_or_default();
    let (Some(_), true) = (&member, app.contacts.is_contact(op, user).await?) else {
        reply.0.push(messages::text(lang, Text::ButtonNoLongerValid));
        return Ok(Handled::InvalidButton);
    };
    if keep {
        sign_of_life(app, user).await?;
        reply.0.push(messages::text(lang, Text::OwnChecksKept));
        return Ok(Handled::OwnChecksKept);
    }
    become_contact_only(app, user).await?;
    reply.0.push(messages::text(lang, Text::OwnChecksStopped));
    Ok(Handled::BecameContactOnly)
}

/// Someone who joined only to become a contact is no longer checked on; the report
/// counts them as having left. Their own contacts, who watched over them, are told that
/// the watching ended and are no longer linked (told first: a retry of the choice finds
/// the member gone and asks nothing more; each notice is keyed by its link).
async fn become_contact_only(app: &App, user: &UserId) -> Result<(), AppError> {
    let (op, now) = (&app.operator.id, app.clock.now());
    let own_contacts = app.contacts.contacts(op, user).await?;
    if let Some(member) = app.members.member(op, user).await? {
        let notices = own_contacts
            .iter()
            .map(|c| {
                let notice = Notice::MemberLeft {
                    member: member.display_name.clone(),
                };
                let occasion = format!("own_checks_ended{}", c.linked_at.as_second());
                Planned::notice(
                    Topic::Left,
                    &occasion,
                    Recipient::Person(c.user_id.clone()),
                    member.lang,
                    notice,
                )
            })
            .collect();
        super::deliver::notify_best_effort(app, op, user, notices).await?;
    }
    for c in &own_contacts {
        app.contacts.unlink_contact(op, user, &c.user_id).await?;
    }
    app.scheduler.delete_check_schedule(op, &Watched::from(user)).await?;
    if let Some(former) = app.members.member(op, user).await? {
        app.count_left(&former, now).await?;
    }
    app.members.delete_member(op, user).await?;
    app.members
        .record(op, user, now, &HistoryEvent::BecameContactOnly)
        .await?;
    Ok(())
}
