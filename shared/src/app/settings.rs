//! A member's settings, changed in the chat with buttons: the schedule (how often, what
//! time, which time zone), pausing until a date, and the summary of it all.

use super::{App, AppError};
use crate::line::messages;
use crate::line::texts::{self, Text};
use crate::line::webhook::Setting;
use crate::member::Lang;
use crate::member::{HistoryEvent, Member, MemberChange, MemberStatus, Onboarding};
use crate::outbox::{Notice, Planned, Recipient, Topic};
use crate::ports::Written;
use crate::schedule::{Cadence, CheckSchedule};
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
    let joined = crate::report::Fact::Joined {
        who: crate::member::pseudonym(&app.operator.id, member),
        at: member.joined_at,
        age_band,
        gender,
    };
    app.record_fact(member.joined_at, &joined).await
}

/// The longest pause a member can choose.
const MAX_PAUSE_DAYS: i64 = 90;

/// Handles one setting step of `member`; returns the outcome and the reply.
pub(crate) async fn handle(
    app: &App,
    member: &Member,
    setting: Setting,
) -> Result<(&'static str, Vec<Value>), AppError> {
    let lang = member.lang;
    let now = app.clock.now();
    let tz = member
        .schedule
        .time_zone()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let today = now.to_zoned(tz.clone()).date();
    Ok(match setting {
        Setting::Show => ("settings_shown", vec![summary(app, member, now).await?]),
        Setting::ChooseCadence => ("asked_cadence", vec![messages::ask_cadence(lang)]),
        Setting::ChooseWeekday => ("asked_weekday", vec![messages::ask_weekday(lang)]),
        Setting::ChooseTime(choice) => {
            let initial = format!("{:02}:{:02}", member.schedule.hour, member.schedule.minute);
            ("asked_time", vec![messages::ask_time(lang, choice, &initial)])
        }
        Setting::SetSchedule { cadence, hour, minute } => {
            let mut schedule = CheckSchedule::new(cadence, hour, minute, &member.schedule.zone)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            // Every n days is counted from the first day the new time is still ahead.
            if let Cadence::Days { .. } = cadence {
                let at_today = today
                    .at(hour as i8, minute as i8, 0, 0)
                    .to_zoned(tz.clone())
                    .map(|z| z.timestamp());
                let from = if at_today.is_ok_and(|t| t > now) {
                    today
                } else {
                    today.tomorrow().unwrap_or(today)
                };
                schedule = schedule.first_day(from);
            }
            let next = apply(app, member, &schedule).await?;
            let t = Text::ScheduleChanged {
                schedule: texts::describe_schedule(lang, &schedule),
                next: when(lang, next, &schedule),
            };
            let mut reply = vec![messages::text(lang, t)];
            // During onboarding the next steps are two optional questions (for the
            // operator's statistics), then the offer to register a contact.
            if member.onboarding == Some(Onboarding::Schedule) {
                app.members
                    .change(
                        &app.operator.id,
                        &member.user_id,
                        &MemberChange::Onboarding(Some(Onboarding::Profile)),
                        None,
                        now,
                    )
                    .await?;
                reply.push(messages::ask_age_band(lang));
            }
            ("schedule_changed", reply)
        }
        Setting::AgeBand(age_band) => {
            set_demographics(app, member, age_band, member.gender).await?;
            let next = if member.onboarding == Some(Onboarding::Profile) {
                messages::ask_gender(lang)
            } else {
                messages::text(lang, Text::ProfileThanks)
            };
            ("age_band_given", vec![next])
        }
        Setting::Gender(gender) => {
            set_demographics(app, member, member.age_band, gender).await?;
            let next = if member.onboarding == Some(Onboarding::Profile) {
                app.members
                    .change(
                        &app.operator.id,
                        &member.user_id,
                        &MemberChange::Onboarding(Some(Onboarding::Contact)),
                        None,
                        now,
                    )
                    .await?;
                messages::offer_contact(lang)
            } else {
                messages::text(lang, Text::ProfileThanks)
            };
            ("gender_given", vec![next])
        }
        Setting::SetZone(zone) => {
            let s = &member.schedule;
            let Ok(schedule) = CheckSchedule::new(s.cadence, s.hour, s.minute, &zone) else {
                return Ok(("zone_unknown", vec![messages::text(lang, Text::ZoneUnknown)]));
            };
            let next = apply(app, member, &schedule).await?;
            let t = Text::ZoneChanged {
                zone: schedule.zone.clone(),
                next: when(lang, next, &schedule),
            };
            ("zone_changed", vec![messages::text(lang, t)])
        }
        Setting::ListContacts => {
            let contacts = app.contacts.contacts(&app.operator.id, &member.user_id).await?;
            let pairs: Vec<_> = contacts.into_iter().map(|c| (c.user_id, c.display_name)).collect();
            ("contacts_listed", vec![messages::contacts_list(lang, &pairs)])
        }
        Setting::AskPhone(contact) => {
            let Some(linked) = linked_contact(app, member, &contact).await? else {
                return Ok((
                    "contact_not_linked",
                    vec![messages::text(lang, Text::ButtonNoLongerValid)],
                ));
            };
            app.members
                .change(
                    &app.operator.id,
                    &member.user_id,
                    &MemberChange::PhoneFor(Some(contact.clone())),
                    None,
                    now,
                )
                .await?;
            let t = Text::AskContactPhone {
                contact: linked.display_name,
            };
            let ask = messages::text(lang, t);
            // A number given before can be removed instead.
            let ask = match linked.phone {
                Some(_) => messages::with_clear_phone(lang, ask, &contact),
                None => ask,
            };
            ("phone_asked", vec![ask])
        }
        Setting::GivePhone(phone) => {
            // Only after 「電話: 名前」; otherwise a number is just a message (a sign of life).
            let linked = match &member.phone_for {
                Some(contact) => linked_contact(app, member, contact).await?,
                None => None,
            };
            match linked {
                Some(c) => (
                    "phone_to_confirm",
                    vec![messages::confirm_phone(lang, &c.user_id, &c.display_name, &phone)],
                ),
                None => ("sign_of_life", vec![messages::text(lang, Text::SignOfLifeThanks)]),
            }
        }
        Setting::SavePhone { contact, phone } => {
            let Some(linked) = linked_contact(app, member, &contact).await? else {
                return Ok((
                    "contact_not_linked",
                    vec![messages::text(lang, Text::ButtonNoLongerValid)],
                ));
            };
            let op = &app.operator.id;
            if app
                .contacts
                .set_contact_phone(op, &member.user_id, &contact, Some(&phone))
                .await?
                == Written::Done
            {
                app.members
                    .record(op, &member.user_id, now, &HistoryEvent::ContactPhoneSet { contact })
                    .await?;
            }
            app.members
                .change(op, &member.user_id, &MemberChange::PhoneFor(None), None, now)
                .await?;
            let t = Text::ContactPhoneSaved {
                contact: linked.display_name,
            };
            ("phone_saved", vec![messages::text(lang, t)])
        }
        Setting::ClearPhone(contact) => {
            let Some(linked) = linked_contact(app, member, &contact).await? else {
                return Ok((
                    "contact_not_linked",
                    vec![messages::text(lang, Text::ButtonNoLongerValid)],
                ));
            };
            let op = &app.operator.id;
            app.contacts
                .set_contact_phone(op, &member.user_id, &contact, None)
                .await?;
            app.members
                .change(op, &member.user_id, &MemberChange::PhoneFor(None), None, now)
                .await?;
            app.members
                .record(op, &member.user_id, now, &HistoryEvent::ContactPhoneCleared { contact })
                .await?;
            let t = Text::ContactPhoneCleared {
                contact: linked.display_name,
            };
            ("phone_cleared", vec![messages::text(lang, t)])
        }
        Setting::CancelPhone => {
            app.members
                .change(
                    &app.operator.id,
                    &member.user_id,
                    &MemberChange::PhoneFor(None),
                    None,
                    now,
                )
                .await?;
            ("phone_cancelled", vec![messages::text(lang, Text::ProfileThanks)])
        }
        Setting::RemoveContact(contact) => {
            let linked = app
                .contacts
                .contacts(&app.operator.id, &member.user_id)
                .await?
                .into_iter()
                .find(|c| c.user_id == contact);
            let Some(linked) = linked else {
                return Ok((
                    "contact_not_linked",
                    vec![messages::text(lang, Text::ButtonNoLongerValid)],
                ));
            };
            // The removed contact is told first (a push: they are not in this chat), so a
            // retry after the unlink does not lose the notice; the key makes it once.
            let notice = Planned::notice(
                Topic::ContactRemoved,
                &linked.linked_at.as_second().to_string(),
                Recipient::Person(contact.clone()),
                lang,
                Notice::RemovedFromContacts {
                    member: member.display_name.clone(),
                },
            );
            super::deliver::notify(app, &app.operator.id, &member.user_id, vec![notice]).await?;
            if app
                .contacts
                .unlink_contact(&app.operator.id, &member.user_id, &contact)
                .await?
                == Written::Done
            {
                app.members
                    .record(
                        &app.operator.id,
                        &member.user_id,
                        now,
                        &HistoryEvent::ContactRemoved {
                            contact: contact.clone(),
                        },
                    )
                    .await?;
            }
            (
                "contact_removed",
                vec![messages::text(
                    lang,
                    Text::ContactRemoved {
                        contact: linked.display_name,
                    },
                )],
            )
        }
        Setting::Language(new) => {
            app.members
                .change(&app.operator.id, &member.user_id, &MemberChange::Lang(new), None, now)
                .await?;
            ("language_set", vec![messages::text(new, Text::LanguageSet)])
        }
        Setting::ChoosePause => {
            let tomorrow = today.tomorrow().unwrap_or(today);
            let latest = today.checked_add(MAX_PAUSE_DAYS.days()).unwrap_or(today);
            let paused = member.status == MemberStatus::Paused;
            (
                "asked_pause",
                vec![messages::ask_pause(
                    lang,
                    &tomorrow.to_string(),
                    &latest.to_string(),
                    paused,
                )],
            )
        }
        Setting::PauseFor { days } => {
            pause(
                app,
                member,
                today.checked_add(i64::from(days).days()).unwrap_or(today),
                today,
            )
            .await?
        }
        Setting::PauseUntil(day) => pause(app, member, day, today).await?,
        Setting::EndPause => {
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
                next: when(lang, next, &member.schedule),
            };
            ("pause_ended", vec![messages::text(lang, t)])
        }
    })
}

/// Stores the new schedule and replaces the recurring schedule (one call: never none,
/// never two); returns the next check.
async fn apply(app: &App, member: &Member, schedule: &CheckSchedule) -> Result<Timestamp, AppError> {
    let (op, user) = (&app.operator.id, &member.user_id);
    let change = MemberChange::Schedule(schedule.clone());
    app.members.change(op, user, &change, None, app.clock.now()).await?;
    app.scheduler.put_member_schedule(op, user, schedule).await?;
    app.members
        .record(
            op,
            user,
            app.clock.now(),
            &HistoryEvent::ScheduleChanged {
                schedule: schedule.clone(),
            },
        )
        .await?;
    schedule
        .first_after(app.clock.now())
        .map_err(|e| AppError::Internal(e.to_string()))
}

async fn pause(
    app: &App,
    member: &Member,
    resume_on: Date,
    today: Date,
) -> Result<(&'static str, Vec<Value>), AppError> {
    let lang = member.lang;
    let latest = today.checked_add(MAX_PAUSE_DAYS.days()).unwrap_or(today);
    if resume_on <= today || resume_on > latest {
        return Ok(("pause_date_invalid", vec![messages::text(lang, Text::PauseDateInvalid)]));
    }
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
    Ok(("paused", vec![messages::text(lang, t)]))
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
        schedule: texts::describe_schedule(lang, s),
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
