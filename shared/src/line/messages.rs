//! The LINE message objects (texts, buttons templates, quick replies, mentions) that
//! carry the catalogue's texts and the buttons' postbacks.

use crate::case::{CallKind, Outcome};
use crate::ids::{CheckId, UserId};
use crate::line::postback::{PAUSE_DAYS, Picker, Postback, button_tag};
use crate::line::texts::{Text, describe_schedule, weekday_ja};
use crate::member::{AgeBand, Gender, Lang};
use crate::schedule::{Cadence, CheckSchedule, WeekdayName};
use jiff::Timestamp;
use serde_json::{Value, json};

/// The postback data of a check's OK button: the check and a tag of the member it was
/// sent to, so a button copied into someone else's chat answers nothing.
pub fn ok_postback(check: CheckId, member: &UserId) -> String {
    Postback::Ok {
        check,
        tag: button_tag(member),
    }
    .encode()
}

pub fn text(lang: Lang, t: Text) -> Value {
    json!({ "type": "text", "text": t.render(lang) })
}

fn with_quick_reply(mut message: Value, items: Vec<Value>) -> Value {
    message["quickReply"] = json!({ "items": items });
    message
}

fn ok_buttons(lang: Lang, body: Text, postback: &str) -> Value {
    let body = body.render(lang);
    json!({
        "type": "template",
        "altText": body,
        "template": {
            "type": "buttons",
            "text": body,
            "actions": [{
                "type": "postback",
                "label": Text::OkLabel.render(lang),
                "data": postback,
                "displayText": Text::OkDisplay.render(lang),
            }]
        }
    })
}

pub fn check(lang: Lang, postback: &str) -> Value {
    ok_buttons(lang, Text::Check, postback)
}

pub fn reminder(lang: Lang, postback: &str) -> Value {
    ok_buttons(lang, Text::Reminder, postback)
}

pub fn repeat(lang: Lang, postback: &str) -> Value {
    ok_buttons(lang, Text::Repeat, postback)
}

pub fn register_contact_quick_reply(lang: Lang, message: Value) -> Value {
    let label = Text::RegisterContactLabel.render(lang);
    with_quick_reply(
        message,
        vec![json!({ "type": "action", "action": { "type": "message", "label": label, "text": label } })],
    )
}

pub fn welcome(lang: Lang, schedule: &CheckSchedule, window: jiff::SignedDuration) -> Value {
    register_contact_quick_reply(
        lang,
        text(
            lang,
            Text::Welcome {
                schedule: describe_schedule(lang, schedule, window),
            },
        ),
    )
}

fn postback_item(label: String, data: String) -> Value {
    json!({ "type": "action", "action": { "type": "postback", "label": label, "data": data, "displayText": label } })
}

fn picker_item(label: String, data: &str, mode: &str, extra: &[(&str, String)]) -> Value {
    let mut action = json!({ "type": "datetimepicker", "label": label, "data": data, "mode": mode });
    for (k, v) in extra {
        action[*k] = Value::String(v.clone());
    }
    json!({ "type": "action", "action": action })
}

/// The first answer to a new friend: what the service does, and the consent question.
pub fn introduction(lang: Lang, privacy_url: &str, now: Timestamp) -> Vec<Value> {
    vec![text(lang, Text::Introduction), consent(lang, privacy_url, now)]
}

/// The consent question with 同意する / 同意しない (shown again until answered), asked
/// `now`: its buttons are good for [`crate::line::postback::CONFIRM_VALID`].
pub fn consent(lang: Lang, privacy_url: &str, now: Timestamp) -> Value {
    let body = Text::Consent {
        url: privacy_url.to_owned(),
    }
    .render(lang);
    let action = |label: Text, data: &str| json!({ "type": "postback", "label": label.render(lang), "data": data, "displayText": label.render(lang) });
    json!({
        "type": "template",
        "altText": body,
        "template": { "type": "confirm", "text": body, "actions": [action(Text::ConsentYesLabel, &Postback::Consent { agreed: true, asked: now }.encode()), action(Text::ConsentNoLabel, &Postback::Consent { agreed: false, asked: now }.encode())] }
    })
}

/// After consent: thanks, and the first question (how often).
pub fn consent_thanks(lang: Lang) -> Value {
    let mut m = ask_cadence(lang);
    m["text"] = Value::String(Text::ConsentThanks.render(lang));
    m
}

/// Offers to register a contact, or to do it later.
pub fn offer_contact(lang: Lang) -> Value {
    let register = Text::RegisterContactLabel.render(lang);
    with_quick_reply(
        text(lang, Text::OfferContact),
        vec![
            json!({ "type": "action", "action": { "type": "message", "label": register, "text": register } }),
            postback_item(Text::LaterLabel.render(lang), Postback::OnboardingDone.encode()),
        ],
    )
}

/// The member's contacts, with a button to remove each and one to add another.
pub fn contacts_list(lang: Lang, contacts: &[(UserId, String)]) -> Value {
    let names: Vec<&str> = contacts.iter().map(|(_, name)| name.as_str()).collect();
    let listed = if names.is_empty() {
        Text::NoContacts.render(lang)
    } else {
        names.join("、")
    };
    let mut items: Vec<Value> = contacts
        .iter()
        .take(5)
        .flat_map(|(id, name)| {
            // Labels are at most 20 characters: shorten long names (「外す: 」 + 12).
            let short = crate::line::texts::cut(name, 12);
            [
                postback_item(
                    Text::RemoveContactLabel { name: short.clone() }.render(lang),
                    Postback::RemoveContact(id.clone()).encode(),
                ),
                postback_item(
                    Text::PhoneLabel { name: short }.render(lang),
                    Postback::AskPhone(id.clone()).encode(),
                ),
            ]
        })
        .collect();
    let add = Text::RegisterContactLabel.render(lang);
    items.push(json!({ "type": "action", "action": { "type": "message", "label": Text::AddContactLabel.render(lang), "text": add } }));
    with_quick_reply(
        text(
            lang,
            Text::ContactsList {
                contacts: listed,
                count: contacts.len(),
            },
        ),
        items,
    )
}

/// Adds 「電話番号を消す」 to the question for a contact's number.
pub fn with_clear_phone(lang: Lang, message: Value, contact: &UserId) -> Value {
    with_quick_reply(
        message,
        vec![postback_item(
            Text::ClearPhoneLabel.render(lang),
            Postback::ClearPhone(contact.clone()).encode(),
        )],
    )
}

/// Asks the member to confirm a contact's phone number before it is saved.
pub fn confirm_phone(lang: Lang, contact: &UserId, name: &str, phone: &str) -> Value {
    let body = Text::ConfirmContactPhone {
        contact: name.to_owned(),
        phone: phone.to_owned(),
    }
    .render(lang);
    let action = |label: Text, data: String| json!({ "type": "postback", "label": label.render(lang), "data": data, "displayText": label.render(lang) });
    json!({
        "type": "template",
        "altText": body,
        "template": { "type": "confirm", "text": body, "actions": [
            action(Text::YesLabel, Postback::SavePhone {
                contact: contact.clone(),
                phone: phone.to_owned(),
            }
            .encode()),
            action(Text::NoLabel, Postback::CancelPhone.encode())
        ] }
    })
}

/// The staff room's button to take a case.
pub fn take_case(case_number: u64) -> Value {
    let lang = Lang::Ja;
    let body = Text::TakeCasePrompt { case_number }.render(lang);
    let label = Text::TakeCaseLabel.render(lang);
    json!({
        "type": "template",
        "altText": body,
        "template": { "type": "buttons", "text": body, "actions": [{ "type": "postback", "label": label, "data": Postback::TakeCase(case_number).encode(), "displayText": label }] }
    })
}

/// A text with buttons under it, in a Flex bubble: unlike quick replies, its buttons
/// stay in the chat (staff come back to a case hours later) and LINE for PC and Mac
/// shows them; unlike a buttons template, it takes more than four, and a text of any
/// length. The text says what to type instead, for whoever cannot press.
fn buttons_bubble(body: String, buttons: Vec<(String, String)>) -> Value {
    let mut contents = vec![json!({ "type": "text", "text": body, "wrap": true })];
    contents.extend(buttons.into_iter().map(|(label, data)| {
        json!({
            "type": "button",
            "style": "secondary",
            "height": "sm",
            "action": { "type": "postback", "label": label, "data": data, "displayText": label }
        })
    }));
    json!({
        "type": "flex",
        "altText": crate::line::texts::cut(&body, 400),
        "contents": {
            "type": "bubble",
            "body": { "type": "box", "layout": "vertical", "spacing": "sm", "contents": contents }
        }
    })
}

/// After a case is taken: the call-record buttons and 「終了」.
pub fn call_buttons(case_number: u64) -> Value {
    let lang = Lang::Ja;
    let mut buttons: Vec<(String, String)> = CallKind::ALL
        .into_iter()
        .map(|k| {
            (
                Text::CallLabel(k).render(lang),
                Postback::RecordCall(case_number, k).encode(),
            )
        })
        .collect();
    buttons.push((
        Text::CloseLabel.render(lang),
        Postback::AskOutcome(case_number).encode(),
    ));
    buttons_bubble(Text::CallPrompt { case_number }.render(lang), buttons)
}

/// 「終了」: how did the case end?
pub fn ask_outcome(case_number: u64) -> Value {
    let lang = Lang::Ja;
    let buttons = Outcome::STAFF
        .into_iter()
        .map(|o| {
            (
                Text::OutcomeLabel(o).render(lang),
                Postback::CloseCase(case_number, o).encode(),
            )
        })
        .collect();
    buttons_bubble(Text::AskOutcome { case_number }.render(lang), buttons)
}

/// "Are you sure?" before an outcome that stops everything: yes, or back to the outcomes.
pub fn confirm_close(lang: Lang, case_number: u64, outcome: Outcome, now: Timestamp) -> Value {
    let buttons = vec![
        (
            Text::ConfirmCloseLabel.render(lang),
            Postback::ConfirmClose(case_number, outcome, now).encode(),
        ),
        (Text::BackLabel.render(lang), Postback::AskOutcome(case_number).encode()),
    ];
    let body = Text::ConfirmClose {
        case_number,
        outcome: Text::OutcomeLabel(outcome).render(lang),
    };
    buttons_bubble(body.render(lang), buttons)
}

/// A newcomer to the staff room, with the button that approves them as staff (a
/// buttons message: it stays in the chat) and its typed twin in the text.
pub fn approve_staff(lang: Lang, user: &UserId, name: &str) -> Value {
    let joined = Text::StaffJoinedPending { name: name.to_owned() }.render(lang);
    let prompt = Text::StaffApprovePrompt { name: name.to_owned() }.render(lang);
    let label = Text::StaffApproveLabel.render(lang);
    let body = format!("{joined}\n{prompt}");
    json!({
        "type": "template",
        "altText": body,
        "template": { "type": "buttons", "text": crate::line::texts::cut(&body, 160), "actions": [{ "type": "postback", "label": label, "data": Postback::ApproveStaff(user.clone()).encode(), "displayText": label }] }
    })
}

/// An alert to a contact, with 「無事を確認しました」 for when they have checked: in a
/// buttons message, which keeps its button in the chat (a quick reply goes with the
/// next message, and LINE for PC shows none), saying what to type instead. One push
/// either way: LINE counts a push to one person as one message however many it holds.
pub fn alert_to_contact(lang: Lang, body: Text, case_number: Option<u64>) -> Vec<Value> {
    let message = text(lang, body);
    let Some(case_number) = case_number else {
        return vec![message];
    };
    let prompt = Text::ContactSafePrompt { case_number }.render(lang);
    let label = Text::SafeLabel.render(lang);
    let button = json!({
        "type": "template",
        "altText": prompt,
        "template": { "type": "buttons", "text": prompt, "actions": [{ "type": "postback", "label": label, "data": Postback::ContactSafe(case_number).encode(), "displayText": label }] }
    });
    vec![message, button]
}

/// Mentions the staff member on duty (everyone in the room when nobody is on duty).
pub fn mention_on_duty(case_number: u64, on_duty: Option<&crate::ids::UserId>) -> Value {
    let mentionee = match on_duty {
        Some(user) => json!({ "type": "user", "userId": user.as_str() }),
        None => json!({ "type": "all" }),
    };
    json!({
        "type": "textV2",
        "text": Text::MentionOnDuty { case_number }.render(Lang::Ja),
        "substitution": { "duty": { "type": "mention", "mentionee": mentionee } }
    })
}

/// Mentions the person who took a case that is still open.
pub fn remind_taker(lang: Lang, case_number: u64, member: String, taker: &crate::ids::UserId) -> Value {
    json!({
        "type": "textV2",
        "text": Text::RemindTaker { case_number, member }.render(lang),
        "substitution": {
            "taker": { "type": "mention", "mentionee": { "type": "user", "userId": taker.as_str() } }
        }
    })
}

/// Onboarding: the optional age band question.
pub fn ask_age_band(lang: Lang) -> Value {
    let mut items: Vec<Value> = AgeBand::ALL
        .into_iter()
        .map(|a| postback_item(Text::AgeBandLabel(a).render(lang), Postback::AgeBand(Some(a)).encode()))
        .collect();
    items.push(postback_item(
        Text::SkipLabel.render(lang),
        Postback::AgeBand(None).encode(),
    ));
    with_quick_reply(text(lang, Text::AskAgeBand), items)
}

/// Onboarding: the optional gender question.
pub fn ask_gender(lang: Lang) -> Value {
    let mut items: Vec<Value> = Gender::ALL
        .into_iter()
        .map(|g| postback_item(Text::GenderLabel(g).render(lang), Postback::Gender(Some(g)).encode()))
        .collect();
    items.push(postback_item(
        Text::SkipLabel.render(lang),
        Postback::Gender(None).encode(),
    ));
    with_quick_reply(text(lang, Text::AskGender), items)
}

/// Asks to confirm leaving, with two buttons good for a day from `now`.
pub fn confirm_leave(lang: Lang, now: Timestamp) -> Value {
    let body = Text::LeaveConfirm.render(lang);
    let action = |label: Text, data: &str| json!({ "type": "postback", "label": label.render(lang), "data": data, "displayText": label.render(lang) });
    json!({
        "type": "template",
        "altText": body,
        "template": { "type": "confirm", "text": body, "actions": [action(Text::LeaveYesLabel, &Postback::Leave { confirmed: true, asked: now }.encode()), action(Text::LeaveNoLabel, &Postback::Leave { confirmed: false, asked: now }.encode())] }
    })
}

/// A new contact who is a member too: do their own checks go on?
pub fn ask_own_checks(lang: Lang, member: &str) -> Value {
    let body = Text::OwnChecksQuestion {
        member: member.to_owned(),
    }
    .render(lang);
    let action = |label: Text, keep: bool| {
        let label = label.render(lang);
        json!({ "type": "postback", "label": label, "data": Postback::OwnChecks { keep }.encode(), "displayText": label })
    };
    json!({
        "type": "template",
        "altText": body,
        "template": { "type": "confirm", "text": body, "actions": [action(Text::OwnChecksKeepLabel, true), action(Text::OwnChecksStopLabel, false)] }
    })
}

/// The settings summary, with buttons to change the schedule or pause.
pub fn settings(lang: Lang, summary: Text) -> Value {
    with_quick_reply(
        text(lang, summary),
        vec![
            postback_item(Text::ChangeScheduleLabel.render(lang), Postback::ChooseCadence.encode()),
            postback_item(Text::PauseLabel.render(lang), Postback::ChoosePause.encode()),
            postback_item(Text::ContactsLabel.render(lang), Postback::ListContacts.encode()),
            match lang {
                Lang::Ja => postback_item("English".into(), Postback::Language(Lang::En).encode()),
                Lang::En => postback_item("日本語".into(), Postback::Language(Lang::Ja).encode()),
            },
            json!({ "type": "action", "action": { "type": "message", "label": Text::RegisterContactLabel.render(lang), "text": Text::RegisterContactLabel.render(lang) } }),
        ],
    )
}

pub fn ask_cadence(lang: Lang) -> Value {
    with_quick_reply(
        text(lang, Text::AskCadence),
        vec![
            postback_item(
                Text::CadenceDay.render(lang),
                Postback::ChooseTime(Cadence::Day).encode(),
            ),
            postback_item(
                Text::CadenceDays { n: 2 }.render(lang),
                Postback::ChooseTime(Cadence::Days { n: 2 }).encode(),
            ),
            postback_item(
                Text::CadenceDays { n: 3 }.render(lang),
                Postback::ChooseTime(Cadence::Days { n: 3 }).encode(),
            ),
            postback_item(Text::CadenceWeek.render(lang), Postback::ChooseWeekday.encode()),
        ],
    )
}

pub fn ask_weekday(lang: Lang) -> Value {
    let days = [
        WeekdayName::Mon,
        WeekdayName::Tue,
        WeekdayName::Wed,
        WeekdayName::Thu,
        WeekdayName::Fri,
        WeekdayName::Sat,
        WeekdayName::Sun,
    ];
    let items = days
        .iter()
        .map(|w| {
            let label = match lang {
                Lang::Ja => format!("{}曜日", weekday_ja(*w)),
                Lang::En => format!("{w:?}"),
            };
            postback_item(label, Postback::ChooseTime(Cadence::Week { weekday: *w }).encode())
        })
        .collect();
    with_quick_reply(text(lang, Text::AskWeekday), items)
}

/// Asks for the time with LINE's time picker, for the cadence chosen so far.
pub fn ask_time(lang: Lang, cadence: Cadence, initial: &str) -> Value {
    let item = picker_item(
        Text::PickTimeLabel.render(lang),
        &Picker::Time(cadence).encode(),
        "time",
        &[("initial", initial.to_owned())],
    );
    with_quick_reply(text(lang, Text::AskTime), vec![item])
}

/// Pause choices: 3 days, a week, two weeks, or a return date up to 90 days ahead.
pub fn ask_pause(lang: Lang, tomorrow: &str, latest: &str, paused: bool) -> Value {
    let mut items: Vec<Value> = PAUSE_DAYS
        .iter()
        .map(|d| {
            postback_item(
                Text::PauseDaysLabel { days: *d }.render(lang),
                Postback::PauseFor { days: *d }.encode(),
            )
        })
        .collect();
    items.push(picker_item(
        Text::PickDateLabel.render(lang),
        &Picker::ReturnDate.encode(),
        "date",
        &[
            ("initial", tomorrow.to_owned()),
            ("min", tomorrow.to_owned()),
            ("max", latest.to_owned()),
        ],
    ));
    if paused {
        items.push(postback_item(
            Text::EndPauseLabel.render(lang),
            Postback::EndPause.encode(),
        ));
    }
    with_quick_reply(text(lang, Text::AskPause), items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_message_has_one_ok_postback() {
        let m = check(Lang::Ja, "ok:1764028800");
        assert_eq!(m["template"]["actions"][0]["data"], "ok:1764028800");
        assert_eq!(m["template"]["actions"].as_array().map(Vec::len), Some(1));
    }
}
