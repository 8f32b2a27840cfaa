//! Staff work cases from the staff room: take one (the first press wins), record each
//! call, close it with an outcome, add notes, read its history, name who is on duty,
//! and ask for the monthly report. Contacts end a case with 「無事を確認しました」, and a
//! member's late answer ends it too. Only people in the registered staff room can act.

use super::{App, AppError, Handled};
use crate::alerts::{self, EscalationMessage, SafeBy};
use crate::case::CallKind;
use crate::case::{Actor, Case, CaseEvent, Outcome, TakerChange};
use crate::check::{self, AckPlan, CheckState};
use crate::ids::Watched;
use crate::ids::{ChatId, UserId};
use crate::line::texts::Text;
use crate::line::webhook::{Approvee, StaffAction};
use crate::line::{messages, views};
use crate::member::Lang;
use crate::member::{HistoryEvent, Member, MemberChange, MemberStatus};
use crate::outbox::{Notice, Planned, PushKind, Recipient, Topic};
use crate::ports::{Alongside, Written};
use crate::report::{self, Fact};
use crate::staff::Staff;
use jiff::Timestamp;
use serde_json::Value;

/// A reply in the staff room, in the language staff read.
fn reply(app: &App, t: Text) -> Vec<Value> {
    vec![messages::text(app.operator.staff_lang, t)]
}

/// The webhook event behind a staff action: its id keys what it records, so a
/// redelivered event records nothing twice; `at` is when the person acted.
pub(crate) struct Origin<'a> {
    pub event_id: &'a str,
    pub at: Timestamp,
}

/// A staff action: refused unless it comes from the registered staff room, by a person
/// LINE names (LINE only delivers a group's events from its members).
pub(crate) async fn staff(
    app: &App,
    group: Option<&ChatId>,
    user: Option<&UserId>,
    action: StaffAction,
    origin: Origin<'_>,
) -> Result<(Handled, Vec<Value>), AppError> {
    let op = &app.operator.id;
    let room = app.staff.staff_room(op).await?;
    let in_room = matches!((group, &room), (Some(g), Some(r)) if &r.chat_id == g);
    // A button pressed in the staff room, but LINE did not say by whom: the same action
    // typed carries its sender.
    if let (true, None, Some(command)) = (in_room, user, crate::line::webhook::typed_command(&action)) {
        return Ok((
            Handled::StaffActionUnidentified,
            reply(app, Text::StaffUnidentified { command }),
        ));
    }
    let (true, Some(user), Some(group)) = (in_room, user, group) else {
        return Ok((Handled::StaffActionRefusedNotStaff, reply(app, Text::StaffOnly)));
    };
    let me = staff_member(app, group, user).await?;
    if !me.approved {
        return Ok((
            Handled::StaffActionRefusedNotApproved,
            reply(app, Text::StaffNotApproved { name: me.display_name }),
        ));
    }
    let actor = Actor {
        id: me.user_id.clone(),
        name: me.display_name.clone(),
    };
    let (number, act) = match action {
        StaffAction::Report(month) => return report(app, month.as_deref()).await,
        StaffAction::MoveRoom => return super::staff_room::move_code(app).await,
        StaffAction::Approve(who) => return approve(app, who, &me).await,
        StaffAction::OnDuty => {
            app.staff.set_on_duty(op, &me).await?;
            return Ok((
                Handled::OnDutySet,
                reply(app, Text::OnDutySet { name: me.display_name }),
            ));
        }
        StaffAction::Take(n) => (n, CaseAct::Take),
        StaffAction::Call(n, kind) => (n, CaseAct::Call(kind)),
        StaffAction::AskClose(n) => (n, CaseAct::AskClose),
        StaffAction::Close {
            case,
            outcome,
            confirmed: false,
        } => (case, CaseAct::AskConfirmClose(outcome)),
        StaffAction::Close {
            case,
            outcome,
            confirmed: true,
        } => (case, CaseAct::Close(outcome)),
        StaffAction::Note(n, text) => (n, CaseAct::Note(text)),
        StaffAction::Show(n) => (n, CaseAct::Show),
        StaffAction::ResumeChecks(n) => (n, CaseAct::ResumeChecks),
    };
    let Some(mut case) = app.cases.case(op, number).await? else {
        return Ok((
            Handled::CaseUnknown,
            reply(app, Text::CaseUnknown { case_number: number }),
        ));
    };
    // A case whose member answered, but which an interrupted invocation left open, is
    // closed now as answered (unless staff are closing it with their own outcome).
    if !case.is_closed() && !matches!(act, CaseAct::Close(_)) && !still_open(app, &case).await? {
        resolve(app, &case, Outcome::Answered, None).await?;
        case = app.cases.case(op, number).await?.unwrap_or(case);
    }
    act_on(app, &case, act, actor, origin).await
}

/// The reply to an action on a case that has ended: how it ended.
fn already_closed(app: &App, case: &Case) -> (Handled, Vec<Value>) {
    let outcome = case.outcome.unwrap_or(Outcome::Answered);
    let t = Text::CaseAlreadyClosed {
        case_number: case.number,
        outcome: Text::OutcomeLabel(outcome).render(app.operator.staff_lang),
    };
    (Handled::CaseAlreadyClosed, reply(app, t))
}

/// Carries out one staff action on a case.
async fn act_on(
    app: &App,
    case: &Case,
    act: CaseAct,
    actor: Actor,
    origin: Origin<'_>,
) -> Result<(Handled, Vec<Value>), AppError> {
    let (op, number) = (&app.operator.id, case.number);
    match act {
        CaseAct::Show => show(app, case).await,
        // Notes may be added to a closed case too (e.g. after 終了).
        CaseAct::Note(text) => {
            let event = CaseEvent::Note { by: actor, text };
            app.cases
                .record_case_event(op, number, origin.at, &event, Some(origin.event_id))
                .await?;
            Ok((
                Handled::CaseNoteAdded,
                reply(app, Text::NoteRecorded { case_number: number }),
            ))
        }
        CaseAct::ResumeChecks => resume_checks(app, case, actor, origin).await,
        // A retry of this very close finishes what the first attempt may have left.
        CaseAct::Close(outcome) if case.outcome == Some(outcome) => {
            finish_closed(app, case).await?;
            Ok(already_closed(app, case))
        }
        _ if case.is_closed() => Ok(already_closed(app, case)),
        CaseAct::Take => take(app, case, &actor).await,
        _ if case.taken_by.is_none() => Ok((
            Handled::CaseNotTaken,
            reply(app, Text::CaseNotTaken { case_number: number }),
        )),
        CaseAct::Call(kind) => record_call(app, case, kind, actor, origin).await,
        CaseAct::AskClose => Ok((Handled::CaseCloseAsked, vec![messages::ask_outcome(number)])),
        CaseAct::AskConfirmClose(outcome) => Ok((
            Handled::CaseCloseConfirmAsked,
            vec![messages::confirm_close(
                app.operator.staff_lang,
                number,
                outcome,
                app.clock.now(),
            )],
        )),
        CaseAct::Close(outcome) => {
            let by = actor.name.clone();
            match resolve(app, case, outcome, Some(actor)).await? {
                Written::Done => {
                    let t = Text::CaseClosed {
                        case_number: number,
                        outcome: Text::OutcomeLabel(outcome).render(app.operator.staff_lang),
                        by,
                    };
                    let mut messages = reply(app, t);
                    if outcome == Outcome::Deceased {
                        messages.extend(reply(app, Text::DeceasedUndoHint { case_number: number }));
                    }
                    Ok((Handled::CaseClosed, messages))
                }
                // Someone (or something) ended it first: say how it was recorded.
                Written::Conflict => {
                    let now = app.cases.case(op, number).await?;
                    Ok(already_closed(app, now.as_ref().unwrap_or(case)))
                }
            }
        }
    }
}

/// A call staff made (or tried), in the case's history and the report.
async fn record_call(
    app: &App,
    case: &Case,
    kind: CallKind,
    actor: Actor,
    origin: Origin<'_>,
) -> Result<(Handled, Vec<Value>), AppError> {
    let (op, number) = (&app.operator.id, case.number);
    let event = CaseEvent::Call {
        kind,
        by: actor.clone(),
    };
    app.cases
        .record_case_event(op, number, origin.at, &event, Some(origin.event_id))
        .await?;
    if let Some(member) = app.members.member(op, &case.member).await? {
        let token = crate::member::pseudonym(op, &member);
        let fact = Fact::call(&token, number, kind, origin.at, origin.event_id);
        app.record_fact(origin.at, &fact).await?;
    }
    let recorded = Text::CallRecorded {
        case_number: number,
        call: Text::CallLabel(kind).render(app.operator.staff_lang),
        by: actor.name,
    };
    Ok((
        Handled::CaseCallRecorded,
        vec![
            messages::text(app.operator.staff_lang, recorded),
            messages::call_buttons(number),
        ],
    ))
}

/// What staff do to one case.
enum CaseAct {
    Take,
    Call(CallKind),
    AskClose,
    AskConfirmClose(Outcome),
    Close(Outcome),
    Note(String),
    Show,
    ResumeChecks,
}

/// The staff member, enrolled on first sight: someone LINE shows acting in the staff
/// room is in it (they may have been there before the service joined the group).
/// The staff record of someone acting in the staff room; someone who was in the group
/// before it was registered is enrolled now, pending approval.
async fn staff_member(app: &App, group: &ChatId, user: &UserId) -> Result<Staff, AppError> {
    if let Some(s) = app.staff.staff(&app.operator.id, user).await? {
        return Ok(s);
    }
    enrol(app, group, user, false).await
}

/// Enrols `user` of the staff room as staff, `approved` or pending.
pub(crate) async fn enrol(app: &App, group: &ChatId, user: &UserId, approved: bool) -> Result<Staff, AppError> {
    let name = app
        .line
        .group_member_profile(group, user)
        .await?
        .map(|p| p.display_name)
        .unwrap_or_else(|| format!("ID {}", user.short()));
    let staff = Staff {
        user_id: user.clone(),
        display_name: name,
        since: app.clock.now(),
        approved,
    };
    app.staff.enrol_staff(&app.operator.id, &staff).await?;
    tracing::info!(staff = %app.pseudonym(&user), "staff_enrolled");
    Ok(staff)
}

/// People joined a group: in the staff room they become staff.
pub(crate) async fn members_joined(
    app: &App,
    group: &ChatId,
    users: &[UserId],
) -> Result<(Handled, Vec<Value>), AppError> {
    if !is_staff_room(app, group).await? {
        return Ok((Handled::ChatMembersJoinedElsewhere, vec![]));
    }
    // Newcomers are staff pending approval: each is announced with the approve button
    // (a reply holds five messages: four newcomers at a time have theirs; anyone may be
    // approved by name).
    let lang = app.operator.staff_lang;
    let mut welcome = Vec::new();
    for user in users {
        let staff = match app.staff.staff(&app.operator.id, user).await? {
            Some(known) if known.approved => known,
            _ => enrol(app, group, user, false).await?,
        };
        if welcome.len() < 4 {
            welcome.push(messages::approve_staff(lang, &staff.user_id, &staff.display_name));
        }
    }
    Ok((Handled::StaffJoined, welcome))
}

/// An approved staff member approves a newcomer, by the button (their id) or by name.
/// Approving someone already approved says so again, so a second press does no harm.
async fn approve(app: &App, who: Approvee, by: &Staff) -> Result<(Handled, Vec<Value>), AppError> {
    let op = &app.operator.id;
    let everyone = app.staff.staff_list(op).await?;
    let matches: Vec<&Staff> = everyone
        .iter()
        .filter(|s| match &who {
            Approvee::User(id) => &s.user_id == id,
            Approvee::Name(name) => &s.display_name == name,
        })
        .collect();
    let pending: Vec<&Staff> = matches.iter().copied().filter(|s| !s.approved).collect();
    let name = match &who {
        Approvee::Name(name) => name.clone(),
        Approvee::User(_) => matches.first().map(|s| s.display_name.clone()).unwrap_or_default(),
    };
    let approved = |name: String| {
        reply(
            app,
            Text::StaffApproved {
                name,
                by: by.display_name.clone(),
            },
        )
    };
    match (pending.as_slice(), matches.as_slice()) {
        ([one], _) => {
            let staff = Staff {
                approved: true,
                ..(*one).clone()
            };
            app.staff.enrol_staff(op, &staff).await?;
            tracing::info!(staff = %app.pseudonym(&staff.user_id), by = %app.pseudonym(&by.user_id), "staff_approved");
            Ok((Handled::StaffApproved, approved(staff.display_name)))
        }
        ([], [_, ..]) => Ok((Handled::StaffApproved, approved(name))),
        ([], []) => Ok((
            Handled::StaffApproveUnknown,
            reply(app, Text::StaffApproveUnknown { name }),
        )),
        (_, _) => Ok((
            Handled::StaffApproveUnknown,
            reply(app, Text::StaffApproveAmbiguous { name }),
        )),
    }
}

/// People left the staff room: they are staff no more.
pub(crate) async fn members_left(app: &App, group: &ChatId, users: &[UserId]) -> Result<Handled, AppError> {
    if !is_staff_room(app, group).await? {
        return Ok(Handled::ChatMembersLeftElsewhere);
    }
    for user in users {
        app.staff.remove_staff(&app.operator.id, user).await?;
        tracing::info!(staff = %app.pseudonym(&user), "staff_removed");
    }
    Ok(Handled::StaffLeft)
}

async fn is_staff_room(app: &App, group: &ChatId) -> Result<bool, AppError> {
    Ok(app
        .staff
        .staff_room(&app.operator.id)
        .await?
        .is_some_and(|r| &r.chat_id == group))
}

/// Whether the case's check is still waiting for news (not answered in the meantime).
async fn still_open(app: &App, case: &Case) -> Result<bool, AppError> {
    Ok(app
        .checks
        .check(&app.operator.id, &case.member, case.check)
        .await?
        .is_some_and(|c| c.state == CheckState::Overdue))
}

async fn take(app: &App, case: &Case, actor: &Actor) -> Result<(Handled, Vec<Value>), AppError> {
    let op = &app.operator.id;
    let number = case.number;
    let now = app.clock.now();
    // The taker is reminded if it is still open a while later, then everyone.
    let next = app
        .operator
        .case_follow_up
        .taken_follow_up(now, now, &app.operator.zone);
    let change = TakerChange::Take {
        by: actor.clone(),
        next,
    };
    match app.cases.change_taker(op, number, &change, now).await? {
        Written::Done => {
            super::escalation::schedule_follow_up(app, case, next).await?;
            let event = HistoryEvent::CaseTaken {
                case_number: number,
                by: actor.id.clone(),
            };
            app.members.record(op, &case.member, now, &event).await?;
            let taken = Text::CaseTaken {
                case_number: number,
                by: actor.name.clone(),
            };
            Ok((
                Handled::CaseTaken,
                vec![
                    messages::text(app.operator.staff_lang, taken),
                    messages::call_buttons(number),
                ],
            ))
        }
        Written::Conflict => {
            let taken = app.cases.case(op, number).await?;
            // The same person again (a redelivered press): the same answer as the first time.
            if let Some(c) = taken.as_ref().filter(|c| c.taken_by.as_ref() == Some(&actor.id)) {
                // Should the first press have died before setting the follow-up.
                if let Some(next) = c.next_follow_up {
                    super::escalation::schedule_follow_up(app, c, next).await?;
                }
                let t = Text::CaseTaken {
                    case_number: number,
                    by: c.taken_by_name.clone().unwrap_or_default(),
                };
                return Ok((
                    Handled::CaseTaken,
                    vec![
                        messages::text(app.operator.staff_lang, t),
                        messages::call_buttons(number),
                    ],
                ));
            }
            let by = taken.and_then(|c| c.taken_by_name).unwrap_or_default();
            Ok((
                Handled::CaseAlreadyTaken,
                reply(
                    app,
                    Text::CaseAlreadyTaken {
                        case_number: number,
                        by,
                    },
                ),
            ))
        }
    }
}

/// 「案件 #1042」: the member, their contacts (with phone numbers, shown only here) and
/// every event of the case.
async fn show(app: &App, case: &Case) -> Result<(Handled, Vec<Value>), AppError> {
    let op = &app.operator.id;
    let member = app.members.member(op, &case.member).await?;
    let contacts = app.contacts.contacts(op, &case.member).await?;
    let history = app.cases.case_history(op, case.number).await?;
    let name = member
        .map(|m| m.display_name)
        .unwrap_or_else(|| Text::MemberErased.render(app.operator.staff_lang));
    let names: std::collections::HashMap<String, String> = contacts
        .iter()
        .map(|c| (c.user_id.to_string(), c.display_name.clone()))
        .collect();
    let contacts = if contacts.is_empty() {
        Text::NoContacts.render(app.operator.staff_lang)
    } else {
        contacts
            .iter()
            .map(|c| match &c.phone {
                Some(p) => format!("{} {p}", c.display_name),
                None => c.display_name.clone(),
            })
            .collect::<Vec<_>>()
            .join("、")
    };
    let t = Text::CaseHistory {
        case_number: case.number,
        member: name,
        contacts,
        lines: views::case_history_lines(&history, &app.operator.zone, &|id| names.get(id).cloned()),
    };
    let mut answer = vec![messages::text(app.operator.staff_lang, t)];
    // The buttons again (LINE shows a quick reply only under the latest message).
    if !case.is_closed() {
        answer.push(match case.taken_by {
            Some(_) => messages::call_buttons(case.number),
            None => messages::take_case(case.number),
        });
    }
    Ok((Handled::CaseShown, answer))
}

/// 「月次レポート」: this month so far (or the month named) and since the start.
async fn report(app: &App, month: Option<&str>) -> Result<(Handled, Vec<Value>), AppError> {
    let tz = &app.operator.zone;
    let month = match month {
        None => report::month_of(app.clock.now(), tz),
        Some(m) if report::is_month(m) => m.to_owned(),
        Some(_) => return Ok((Handled::ReportBadMonth, reply(app, Text::ReportMonthInvalid))),
    };
    let months = super::report::months(app.facts.as_ref(), &app.operator.id, app.clock.now(), tz).await?;
    let in_month = report::figures_of(&months, Some(&month));
    let all = report::figures_of(&months, None);
    Ok((
        Handled::ReportShown,
        vec![views::monthly_report(&month, &in_month, &all)],
    ))
}

/// Ends a case with `outcome`. Unless the member answered (their answer already closed
/// the check), the check is closed too, so the next one is watched afresh; when the
/// member is known to be safe everyone alerted gets the all-clear. `Conflict` if the case
/// had already ended.
pub(crate) async fn resolve(app: &App, case: &Case, outcome: Outcome, by: Option<Actor>) -> Result<Written, AppError> {
    let op = &app.operator.id;
    let now = app.clock.now();
    let (member, plan) = close_plan(app, case, outcome).await?;
    if plan.close_check {
        close_check(app, case, plan.all_clear, by.as_ref()).await?;
    }

    if app.cases.close_case(op, case.number, outcome, by.as_ref(), now).await? == Written::Conflict {
        return Ok(Written::Conflict);
    }
    after_close(app, case, outcome, member.as_ref(), &plan, false).await?;
    tracing::info!(case = case.number, outcome = outcome.as_str(), "case_closed");
    Ok(Written::Done)
}

/// A retry of closing a case (a redelivered 終了, after an attempt that failed once the
/// case was closed) carries out what the close was to do and may not have done: the
/// pause of 入院, the stop of 死亡, the history entry and the report fact.
async fn finish_closed(app: &App, case: &Case) -> Result<(), AppError> {
    let Some(outcome) = case.outcome else {
        return Ok(());
    };
    let (member, plan) = close_plan(app, case, outcome).await?;
    after_close(app, case, outcome, member.as_ref(), &plan, true).await
}

/// The case's member (if still there) and what closing the case with `outcome` does,
/// dated in the member's zone (the operator's once they are gone).
async fn close_plan(
    app: &App,
    case: &Case,
    outcome: Outcome,
) -> Result<(Option<Member>, crate::case::ClosePlan), AppError> {
    let member = app.members.member(&app.operator.id, &case.member).await?;
    let zone = match &member {
        Some(m) => m.schedule.time_zone().map_err(|e| AppError::Internal(e.to_string()))?,
        None => app.operator.zone.clone(),
    };
    let plan = outcome.on_close(app.clock.now().to_zoned(zone).date());
    Ok((member, plan))
}

/// What closing a case does once it is closed, in an order a retry can finish: the
/// history entry (once: a `redo` looks first), the report fact (keyed), the pause, and
/// stopping the checks (each done only if not yet done).
async fn after_close(
    app: &App,
    case: &Case,
    outcome: Outcome,
    member: Option<&Member>,
    plan: &crate::case::ClosePlan,
    redo: bool,
) -> Result<(), AppError> {
    let (op, user, now) = (&app.operator.id, &case.member, app.clock.now());
    let closed = HistoryEvent::CaseClosed {
        case_number: case.number,
        outcome,
    };
    let history = match redo {
        true => app.members.history(op, user).await?,
        false => Vec::new(),
    };
    if !history.iter().any(|(_, e)| *e == closed) {
        app.members.record(op, user, now, &closed).await?;
    }
    let fact = Fact::CaseClosed {
        case: case.number,
        outcome,
    };
    app.record_fact(now, &fact).await?;
    if let (Some(resume_on), Some(member)) = (plan.pause_until, member) {
        let paused = HistoryEvent::Paused { resume_on };
        let done = member.status == MemberStatus::Paused && member.resume_on >= Some(resume_on);
        if !done {
            let pause = MemberChange::PauseUntil(resume_on);
            app.members.change(op, user, &pause, Some(&paused), now).await?;
        }
        // Told why the checks rest, and how to change it: keyed by the case, so a retry
        // sends it once.
        let notice = Notice::HospitalPause { resume_on };
        let occasion = format!("case{}", case.number);
        let planned = Planned::notice(
            Topic::Paused,
            &occasion,
            Recipient::Person(user.clone()),
            member.lang,
            notice,
        );
        super::deliver::notify_best_effort(app, op, user, vec![planned]).await?;
    }
    if plan.stop_checks && !history.iter().any(|(_, e)| *e == HistoryEvent::ChecksStopped) {
        stop_checks(app, user, member, now).await?;
    }
    Ok(())
}

/// Undoes what closing a case as 死亡 did, for a member who is alive after all (a wrong
/// button, a wrong person): counted as a member again, their schedule back, and the
/// undoing in the member's and the case's history. Each step is done only if not yet
/// done, so a redelivered 「再開」 finishes an interrupted one. The case stays closed,
/// its 死亡 in the report is not rewritten.
async fn resume_checks(
    app: &App,
    case: &Case,
    actor: Actor,
    origin: Origin<'_>,
) -> Result<(Handled, Vec<Value>), AppError> {
    let (op, user, now, number) = (&app.operator.id, &case.member, app.clock.now(), case.number);
    if case.outcome != Some(Outcome::Deceased) {
        return Ok((
            Handled::ChecksResumeRefused,
            reply(app, Text::ChecksResumeNotDeceased { case_number: number }),
        ));
    }
    let Some(member) = app.members.member(op, user).await? else {
        return Ok((
            Handled::ChecksResumeRefused,
            reply(app, Text::ChecksResumeMemberGone { case_number: number }),
        ));
    };
    // Counted again first: the check function sends nothing to a member counted as left.
    if member.left_counted {
        app.count_joined(&member, now).await?;
        app.members
            .change(op, user, &MemberChange::LeftCountUndone, None, now)
            .await?;
    }
    app.put_check_schedule(user, &member.schedule).await?;
    let history = app.members.history(op, user).await?;
    let last_stop_or_resume = history
        .iter()
        .rev()
        .find(|(_, e)| matches!(e, HistoryEvent::ChecksStopped | HistoryEvent::ChecksResumed));
    if !matches!(last_stop_or_resume, Some((_, HistoryEvent::ChecksResumed))) {
        app.members.record(op, user, now, &HistoryEvent::ChecksResumed).await?;
    }
    let event = CaseEvent::ChecksResumed { by: actor };
    app.cases
        .record_case_event(op, number, origin.at, &event, Some(origin.event_id))
        .await?;
    tracing::info!(case = number, "checks_resumed");
    let zone = member
        .schedule
        .time_zone()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let next = member
        .schedule
        .first_after(now)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let lang = app.operator.staff_lang;
    let t = Text::ChecksResumed {
        case_number: number,
        member: member.display_name.clone(),
        next: crate::line::texts::when(lang, next, &zone),
    };
    Ok((Handled::ChecksResumed, reply(app, t)))
}

/// No more checks (the case ended with the member's death). The record stays for the
/// operator until someone erases it, and the report counts the member as having left
/// now, once.
async fn stop_checks(app: &App, user: &UserId, member: Option<&Member>, now: Timestamp) -> Result<(), AppError> {
    let op = &app.operator.id;
    app.scheduler.delete_check_schedule(op, &Watched::from(user)).await?;
    if let Some(member) = member.filter(|m| !m.left_counted) {
        app.count_left(member, now).await?;
        app.members
            .change(op, user, &MemberChange::LeftCounted, None, now)
            .await?;
    }
    app.members.record(op, user, now, &HistoryEvent::ChecksStopped).await?;
    Ok(())
}

/// Closes the case's check if it is still overdue, with the all-clear when safe.
async fn close_check(app: &App, case: &Case, all_clear: bool, by: Option<&Actor>) -> Result<(), AppError> {
    let op = &app.operator.id;
    let user = &case.member;
    for _ in 0..super::ATTEMPTS {
        let now = app.clock.now();
        let Some(member) = app.members.member(op, user).await? else {
            return Ok(());
        };
        let Some(open) = app
            .checks
            .check(op, user, case.check)
            .await?
            .filter(|c| c.state == CheckState::Overdue)
        else {
            return deliver_later(app, case).await;
        };
        let AckPlan::AllClear { check, .. } = check::on_sign_of_life(Some(&open), now) else {
            return deliver_later(app, case).await;
        };
        let alerted = alerted(app, user, check.scheduled_at).await?;
        let contacts = app.contacts.contacts(op, user).await?;
        let pushes = if all_clear {
            let by = by.map(|a| a.name.clone()).unwrap_or_default();
            app.render_all(alerts::plan_all_clear(
                &member,
                &check,
                &alerted,
                &contacts,
                SafeBy::Person(&by),
                app.operator.staff_lang,
            ))
        } else {
            app.render_all(alerts::plan_case_ended(&member, &check, &alerted, &contacts))
        };
        // Only a confirmation of safety is news of the member; otherwise the last sign of
        // life stays what it was.
        let seen = if all_clear {
            now
        } else {
            member.last_sign_of_life.unwrap_or(member.joined_at)
        };
        if app
            .checks
            .acknowledge(op, user, &open, &check, &pushes, seen, &Alongside::default())
            .await?
            == Written::Done
        {
            return deliver_later(app, case).await;
        }
    }
    Err(AppError::Contention("check of a closing case"))
}

/// Hands what closing the case's check recorded (the all-clears, or the notices that it
/// ended) to the escalation queue; also after a retry that found the check closed, so
/// whatever is pending goes out.
async fn deliver_later(app: &App, case: &Case) -> Result<(), AppError> {
    let deliver = EscalationMessage::Deliver {
        operator: app.operator.id.clone(),
        member: case.member.clone(),
        check: case.check,
    };
    app.queue.send(&deliver).await?;
    Ok(())
}

/// Everyone told about the check's case (first alerts and follow-ups), once each: the
/// people who must hear the all-clear.
pub(crate) async fn alerted(app: &App, user: &UserId, check: Timestamp) -> Result<Vec<Recipient>, AppError> {
    let mut to: Vec<Recipient> = app
        .checks
        .pushes(&app.operator.id, user, check, None)
        .await?
        .into_iter()
        .filter(|o| matches!(o.push.kind, PushKind::Alert | PushKind::FollowUp))
        .map(|o| o.push.to)
        .collect();
    to.sort_by(|a, b| a.line_id().cmp(b.line_id()));
    to.dedup();
    Ok(to)
}

/// A contact's 「無事を確認しました」: only a contact of that member, on a case still open.
pub(crate) async fn contact_safe(app: &App, user: &UserId, number: u64) -> Result<(Handled, Value), AppError> {
    let op = &app.operator.id;
    let Some(case) = app.cases.case(op, number).await? else {
        return Ok((
            Handled::SafeUnknownCase,
            messages::text(Lang::Ja, Text::ButtonNoLongerValid),
        ));
    };
    let member = app.members.member(op, &case.member).await?;
    let lang = member.as_ref().map(|m| m.lang).unwrap_or_default();
    let Some(contact) = app
        .contacts
        .contacts(op, &case.member)
        .await?
        .into_iter()
        .find(|c| &c.user_id == user)
    else {
        return Ok((
            Handled::SafeNotAContact,
            messages::text(lang, Text::ButtonNoLongerValid),
        ));
    };
    let by = Actor {
        id: contact.user_id,
        name: contact.display_name,
    };
    if case.is_closed() {
        return Ok((
            Handled::SafeCaseAlreadyClosed,
            messages::text(lang, Text::CaseOverForContact),
        ));
    }
    Ok(
        match resolve(app, &case, Outcome::ConfirmedByContact, Some(by)).await? {
            Written::Done => (
                Handled::CaseConfirmedSafeByContact,
                messages::text(lang, Text::SafeThanks),
            ),
            Written::Conflict => (
                Handled::SafeCaseAlreadyClosed,
                messages::text(lang, Text::CaseOverForContact),
            ),
        },
    )
}
