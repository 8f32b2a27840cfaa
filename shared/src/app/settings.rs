//! A member's settings, changed in the chat with buttons: the schedule (how often, what
//! time, which time zone), pausing until a date, and the summary of it all.

use super::{App, AppError, Handled};
use crate::ids::UserId;
use crate::line::messages;
use crate::line::postback::Postback;
use crate::line::texts::{self, Text};
use crate::line::webhook::Setting;
use crate::member::{
    self, AgeBand, Gender, HistoryEvent, Lang, MAX_PAUSE_DAYS, Member, MemberChange, MemberStatus, Onboarding,
    PauseChoice,
};
use crate::outbox::{Notice, Planned, Recipient, Topic};
use crate::ports::Written;
use crate::schedule::CheckSchedule;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde_json::Value;

async fn linked_contact(
    app: &App,
    member: &Member,
    contact: &crate::ids::UserId,
) -> Result<Option<crate::contact::Contact>, AppError> {
    Ok(app
        .contacts
        .contacts(&app.operator.id, &member.user_id)
        .await?
        .into_iter()
        .find(|c| &c.user_id == contact))
}

/// Stores what the member chose to say, and updates their anonymous "joined" fact.
async fn set_demographics(
    app: &App,
    member: &Member,
    age_band: Option<crate::member::AgeBand>,
    gender: Option<crate::member::Gender>,
) -> Result<(), AppError> {
    app.members
        .change(
            &app.operator.id,
            &member.user_id,
            &MemberChange::Demographics { age_band, gender },
            None,
            app.clock.now(),
        )
        .await?;
    let token = crate::member::pseudonym(&app.operator.id, member);
    let joined = crate::report::Fact::joined(&token, member.joined_at, age_band, gender);
    app.record_fact(member.joined_at, &joined).await
}

/// Handles one setting step of `member`; returns the outcome and the reply.
pub(crate) async fn handle(app: &App, member: &Member, setting: Setting) -> Result<(Handled, Vec<Value>), AppError> {
    let lang = member.lang;
    let now = app.clock.now();
    let today = member
        .today(now)
        .ok_or_else(|| AppError::Internal(format!("stored zone {} is unknown", member.schedule.zone)))?;
    let text = |t: Text| vec![messages::text(lang, t)];
    Ok(match setting {
        Setting::Button(Postback::Settings) => (Handled::SettingsShown, vec![summary(app, member, now).await?]),
        Setting::Button(Postback::ChooseCadence) => (Handled::AskedCadence, vec![messages::ask_cadence(lang)]),
        Setting::Button(Postback::ChooseWeekday) => (Handled::AskedWeekday, vec![messages::ask_weekday(lang)]),
        Setting::Button(Postback::ChooseTime(choice)) => {
            let initial = format!("{:02}:{:02}", member.schedule.hour, member.schedule.minute);
            (Handled::AskedTime, vec![messages::ask_time(lang, choice, &initial)])
        }
        Setting::Button(Postback::SetSchedule { cadence, hour, minute }) => {
            let schedule = CheckSchedule::chosen(cadence, hour, minute, &member.schedule.zone, now)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            set_schedule(app, member, &schedule).await?
        }
        Setting::Zone(zone) => {
            let s = &member.schedule;
            let Ok(schedule) = CheckSchedule::new(s.cadence, s.hour, s.minute, &zone) else {
                return Ok((Handled::ZoneUnknown, text(Text::ZoneUnknown)));
            };
            let next = apply(app, member, &schedule).await?;
            let t = Text::ZoneChanged {
                zone: schedule.zone.clone(),
                next: when(lang, next, &schedule),
            };
            (Handled::ZoneChanged, text(t))
        }
        Setting::Button(Postback::AgeBand(age_band)) => age_band_given(app, member, age_band).await?,
        Setting::Button(Postback::Gender(gender)) => gender_given(app, member, gender).await?,
        Setting::Button(Postback::ListContacts) => {
            let contacts = app.contacts.contacts(&app.operator.id, &member.user_id).await?;
            let pairs: Vec<_> = contacts.into_iter().map(|c| (c.user_id, c.display_name)).collect();
            (Handled::ContactsListed, vec![messages::contacts_list(lang, &pairs)])
        }
        Setting::Button(Postback::AskPhone(contact)) => ask_phone(app, member, contact).await?,
        Setting::Phone(phone) => {
            // Only after 「電話: 名前」; otherwise a number is just a message (a sign of life).
            let linked = match &member.phone_for {
                Some(contact) => linked_contact(app, member, contact).await?,
                None => None,
            };
            match linked {
                Some(c) => (
                    Handled::PhoneToConfirm,
                    vec![messages::confirm_phone(lang, &c.user_id, &c.display_name, &phone)],
                ),
                None => (Handled::SignOfLife, text(Text::SignOfLifeThanks)),
            }
        }
        Setting::Button(Postback::SavePhone { contact, phone }) => set_phone(app, member, contact, Some(phone)).await?,
        Setting::Button(Postback::ClearPhone(contact)) => set_phone(app, member, contact, None).await?,
        Setting::Button(Postback::CancelPhone) => {
            change(app, member, MemberChange::PhoneFor(None)).await?;
            (Handled::PhoneCancelled, text(Text::ProfileThanks))
        }
        Setting::Button(Postback::RemoveContact(contact)) => remove_contact(app, member, contact).await?,
        Setting::Button(Postback::Language(new)) => {
            change(app, member, MemberChange::Lang(new)).await?;
            (Handled::LanguageSet, vec![messages::text(new, Text::LanguageSet)])
        }
        Setting::Button(Postback::ChoosePause) => {
            let tomorrow = today.tomorrow().unwrap_or(today);
            let latest = today.checked_add(MAX_PAUSE_DAYS.days()).unwrap_or(today);
            let paused = member.status == MemberStatus::Paused;
            let ask = messages::ask_pause(lang, &tomorrow.to_string(), &latest.to_string(), paused);
            (Handled::AskedPause, vec![ask])
        }
        Setting::Button(Postback::PauseFor { days }) => pause(app, member, PauseChoice::Days(days), today).await?,
        Setting::Button(Postback::PauseUntil(day)) => pause(app, member, PauseChoice::Until(day), today).await?,
        Setting::Button(Postback::EndPause) => end_pause(app, member).await?,
        // Not a settings button: `line::webhook` reads those as other intents.
        Setting::Button(_) => (Handled::InvalidButton, text(Text::ButtonNoLongerValid)),
    })
}

/// Onboarding's (or the settings') age band; during onboarding the gender comes next.
async fn age_band_given(
    app: &App,
    member: &Member,
    age_band: Option<AgeBand>,
) -> Result<(Handled, Vec<Value>), AppError> {
    set_demographics(app, member, age_band, member.gender).await?;
    let next = match member.onboarding {
        Some(Onboarding::Profile) => messages::ask_gender(member.lang),
        _ => messages::text(member.lang, Text::ProfileThanks),
    };
    Ok((Handled::AgeBandGiven, vec![next]))
}

/// The gender; during onboarding the offer to register a contact comes next.
async fn gender_given(app: &App, member: &Member, gender: Option<Gender>) -> Result<(Handled, Vec<Value>), AppError> {
    set_demographics(app, member, member.age_band, gender).await?;
    let next = match member.onboarding {
        Some(Onboarding::Profile) => {
            onboarding_step(app, member, Onboarding::Contact).await?;
            messages::offer_contact(member.lang)
        }
        _ => messages::text(member.lang, Text::ProfileThanks),
    };
    Ok((Handled::GenderGiven, vec![next]))
}

/// 「見守りを再開」: the pause ends now; the reply names the next check.
async fn end_pause(app: &App, member: &Member) -> Result<(Handled, Vec<Value>), AppError> {
    let now = app.clock.now();
    let resume = MemberChange::Resume;
    app.members
        .change(
            &app.operator.id,
            &member.user_id,
            &resume,
            Some(&HistoryEvent::Resumed),
            now,
        )
        .await?;
    let next = member
        .schedule
        .first_after(now)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let t = Text::PauseEndedByMember {
        next: when(member.lang, next, &member.schedule),
    };
    Ok((Handled::PauseEnded, vec![messages::text(member.lang, t)]))
}

/// A change to the member with no history entry of its own.
async fn change(app: &App, member: &Member, change: MemberChange) -> Result<(), AppError> {
    app.members
        .change(&app.operator.id, &member.user_id, &change, None, app.clock.now())
        .await?;
    Ok(())
}

async fn onboarding_step(app: &App, member: &Member, step: Onboarding) -> Result<(), AppError> {
    change(app, member, MemberChange::Onboarding(Some(step))).await
}

/// The member's new schedule; during onboarding the next steps are two optional
/// questions (for the operator's statistics), then the offer to register a contact.
async fn set_schedule(app: &App, member: &Member, schedule: &CheckSchedule) -> Result<(Handled, Vec<Value>), AppError> {
    let lang = member.lang;
    let next = apply(app, member, schedule).await?;
    let t = Text::ScheduleChanged {
        schedule: texts::describe_schedule(lang, schedule, app.operator.check_window),
        next: when(lang, next, schedule),
    };
    let mut reply = vec![messages::text(lang, t)];
    if member.onboarding == Some(Onboarding::Schedule) {
        onboarding_step(app, member, Onboarding::Profile).await?;
        reply.push(messages::ask_age_band(lang));
    }
    Ok((Handled::ScheduleChanged, reply))
}

/// The reply when a button names a contact who is no longer linked.
fn not_linked(lang: Lang) -> (Handled, Vec<Value>) {
    (
        Handled::ContactNotLinked,
        vec![messages::text(lang, Text::ButtonNoLongerValid)],
    )
}

/// 「電話: 名前」: the member will send that contact's number next.
async fn ask_phone(app: &App, member: &Member, contact: UserId) -> Result<(Handled, Vec<Value>), AppError> {
    let lang = member.lang;
    let Some(linked) = linked_contact(app, member, &contact).await? else {
        return Ok(not_linked(lang));
    };
    change(app, member, MemberChange::PhoneFor(Some(contact.clone()))).await?;
    let t = Text::AskContactPhone {
        contact: linked.display_name,
    };
    let ask = messages::text(lang, t);
    // A number given before can be removed instead.
    let ask = match linked.phone {
        Some(_) => messages::with_clear_phone(lang, ask, &contact),
        None => ask,
    };
    Ok((Handled::PhoneAsked, vec![ask]))
}

/// Saves (or, with `None`, removes) a contact's phone number, shown only to staff.
async fn set_phone(
    app: &App,
    member: &Member,
    contact: UserId,
    phone: Option<String>,
) -> Result<(Handled, Vec<Value>), AppError> {
    let (op, lang, now) = (&app.operator.id, member.lang, app.clock.now());
    let Some(linked) = linked_contact(app, member, &contact).await? else {
        return Ok(not_linked(lang));
    };
    let written = app
        .contacts
        .set_contact_phone(op, &member.user_id, &contact, phone.as_deref())
        .await?;
    change(app, member, MemberChange::PhoneFor(None)).await?;
    let name = linked.display_name;
    let saved = phone.is_some();
    let (event, outcome, t) = match saved {
        true => (
            HistoryEvent::ContactPhoneSet { contact },
            Handled::PhoneSaved,
            Text::ContactPhoneSaved { contact: name },
        ),
        false => (
            HistoryEvent::ContactPhoneCleared { contact },
            Handled::PhoneCleared,
            Text::ContactPhoneCleared { contact: name },
        ),
    };
    // A save that a retry repeats is recorded once.
    if written == Written::Done || !saved {
        app.members.record(op, &member.user_id, now, &event).await?;
    }
    Ok((outcome, vec![messages::text(lang, t)]))
}

/// Unlinks a contact; they are told first (a push: they are not in this chat), so a
/// retry after the unlink does not lose the notice, and its key makes it once.
async fn remove_contact(app: &App, member: &Member, contact: UserId) -> Result<(Handled, Vec<Value>), AppError> {
    let (op, lang, now) = (&app.operator.id, member.lang, app.clock.now());
    let Some(linked) = linked_contact(app, member, &contact).await? else {
        return Ok(not_linked(lang));
    };
    let notice = Planned::notice(
        Topic::ContactRemoved,
        &linked.linked_at.as_second().to_string(),
        Recipient::Person(contact.clone()),
        lang,
        Notice::RemovedFromContacts {
            member: member.display_name.clone(),
        },
    );
    super::deliver::notify_best_effort(app, op, &member.user_id, vec![notice]).await?;
    if app.contacts.unlink_contact(op, &member.user_id, &contact).await? == Written::Done {
        let removed = HistoryEvent::ContactRemoved { contact };
        app.members.record(op, &member.user_id, now, &removed).await?;
    }
    let t = Text::ContactRemoved {
        contact: linked.display_name,
    };
    Ok((Handled::ContactRemoved, vec![messages::text(lang, t)]))
}

/// Replaces the recurring schedule first (one call: never none, never two), then stores
/// it with its history entry, in one write: if Scheduler refuses it, the member record
/// still says what the schedule does. Returns the next check.
async fn apply(app: &App, member: &Member, schedule: &CheckSchedule) -> Result<Timestamp, AppError> {
    let (op, user, now) = (&app.operator.id, &member.user_id, app.clock.now());
    app.put_check_schedule(user, schedule).await?;
    let change = MemberChange::Schedule(schedule.clone());
    let changed = HistoryEvent::ScheduleChanged {
        schedule: schedule.clone(),
    };
    app.members.change(op, user, &change, Some(&changed), now).await?;
    schedule.first_after(now).map_err(|e| AppError::Internal(e.to_string()))
}

async fn pause(
    app: &App,
    member: &Member,
    choice: PauseChoice,
    today: Date,
) -> Result<(Handled, Vec<Value>), AppError> {
    let lang = member.lang;
    let Ok(resume_on) = member::resume_day(choice, today) else {
        return Ok((
            Handled::PauseDateInvalid,
            vec![messages::text(lang, Text::PauseDateInvalid)],
        ));
    };
    // The tap that chose the pause already closed any open check (a sign of life).
    let (pause, paused) = (MemberChange::PauseUntil(resume_on), HistoryEvent::Paused { resume_on });
    app.members
        .change(
            &app.operator.id,
            &member.user_id,
            &pause,
            Some(&paused),
            app.clock.now(),
        )
        .await?;
    let last_day = resume_on.yesterday().unwrap_or(resume_on);
    let t = Text::Paused {
        last_day: texts::day(lang, last_day),
        resume_on: texts::day(lang, resume_on),
    };
    Ok((Handled::Paused, vec![messages::text(lang, t)]))
}

/// The settings in one message: schedule, next check, pause, contacts.
async fn summary(app: &App, member: &Member, now: Timestamp) -> Result<Value, AppError> {
    let lang = member.lang;
    let s = &member.schedule;
    let from = match (member.status, member.resume_on) {
        (MemberStatus::Paused, Some(day)) => {
            let start = s
                .time_zone()
                .ok()
                .and_then(|tz| day.to_zoned(tz).ok())
                .map(|z| z.timestamp());
            start.map_or(now, |t| t.max(now))
        }
        _ => now,
    };
    let next = s.first_after(from).map_err(|e| AppError::Internal(e.to_string()))?;
    let contacts: Vec<String> = app
        .contacts
        .contacts(&app.operator.id, &member.user_id)
        .await?
        .into_iter()
        .map(|c| c.display_name)
        .collect();
    let pause = match (member.status, member.resume_on) {
        (MemberStatus::Paused, Some(day)) => Text::PausedUntil {
            resume_on: texts::day(lang, day),
        }
        .render(lang),
        _ => Text::NotPaused.render(lang),
    };
    let t = Text::SettingsSummary {
        schedule: texts::describe_schedule(lang, s, app.operator.check_window),
        zone: s.zone.clone(),
        next: when(lang, next, s),
        pause,
        contacts: if contacts.is_empty() {
            Text::NoContacts.render(lang)
        } else {
            contacts.join("、")
        },
    };
    Ok(messages::settings(lang, t))
}

/// A check time in the member's own zone.
fn when(lang: Lang, at: Timestamp, schedule: &CheckSchedule) -> String {
    let tz = schedule.time_zone().unwrap_or(jiff::tz::TimeZone::UTC);
    texts::when(lang, at, &tz)
}
