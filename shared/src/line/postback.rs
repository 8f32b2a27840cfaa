//! The one button grammar: every postback the service sends is a `Postback`, written by
//! `encode` and read back by `parse`, strictly (anything else is `None`, which the
//! person is told is a button no longer valid).
//!
//! A picker's choice (the time of day, a return date) is not in the data: LINE adds it
//! as a parameter, so `parse` takes the parameters too.

use crate::case::{CallKind, Outcome};
use crate::ids::{CheckId, UserId};
use crate::member::{AgeBand, Gender, Lang};
use crate::schedule::{Cadence, WeekdayName};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;

/// A case (対応案件) by its number.
pub type CaseNumber = u64;

/// Every button the service puts in front of people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Postback {
    /// A check's OK, bound to the check and to the member it was sent to (`tag`).
    Ok {
        check: CheckId,
        tag: String,
    },
    /// The rich menu's free 「元気です」.
    CheckIn,
    /// The answer to the consent question asked at `asked`.
    Consent {
        agreed: bool,
        asked: Timestamp,
    },
    /// 「あとで」 at the end of onboarding.
    OnboardingDone,
    /// The answer to 「退会しますか」, asked at `asked`.
    Leave {
        confirmed: bool,
        asked: Timestamp,
    },
    /// The answer to 「ご自身への「お元気ですか」も続けますか」, asked of a member who
    /// has just become someone's contact: keep their own checks, or be a contact only.
    OwnChecks {
        keep: bool,
    },
    /// A contact's 「無事を確認しました」.
    ContactSafe(CaseNumber),
    /// Staff: 「対応します」.
    TakeCase(CaseNumber),
    /// Staff: a call record.
    RecordCall(CaseNumber, CallKind),
    /// Staff: approve a person in the staff room as staff.
    ApproveStaff(UserId),
    /// Staff: 「終了」, which asks how the case ended.
    AskOutcome(CaseNumber),
    CloseCase(CaseNumber, Outcome),
    /// The confirmation of an outcome that stops everything (死亡), asked at the time.
    ConfirmClose(CaseNumber, Outcome, Timestamp),
    Settings,
    ListContacts,
    Language(Lang),
    ChooseCadence,
    ChooseWeekday,
    /// The cadence is chosen: now the time picker (its data carries the cadence).
    ChooseTime(Cadence),
    /// The time picker's answer (`hour`:`minute` comes as the `time` parameter).
    SetSchedule {
        cadence: Cadence,
        hour: u8,
        minute: u8,
    },
    ChoosePause,
    PauseFor {
        days: u8,
    },
    /// The date picker's answer (the `date` parameter).
    PauseUntil(Date),
    EndPause,
    RemoveContact(UserId),
    /// 「電話: 名前」: the member will send that contact's number.
    AskPhone(UserId),
    SavePhone {
        contact: UserId,
        phone: String,
    },
    ClearPhone(UserId),
    CancelPhone,
    /// Onboarding's optional questions (`None`: chose not to say).
    AgeBand(Option<AgeBand>),
    Gender(Option<Gender>),
}

/// A picker button: its data names what is asked, LINE adds the choice as a parameter
/// and the answer reads back as `Postback::SetSchedule` or `Postback::PauseUntil`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Picker {
    /// The time of day of a schedule with this cadence.
    Time(Cadence),
    /// The day a pause ends.
    ReturnDate,
}

impl Picker {
    pub fn encode(self) -> String {
        match self {
            Self::Time(cadence) => format!("set:time:{}", cadence_token(cadence)),
            Self::ReturnDate => "pause:date".into(),
        }
    }
}

/// How long a confirmation button (consent, 退会, a 死亡 outcome) stays good: pressed
/// later, it asks again, so a button found weeks on in the chat cannot erase anyone.
/// A button from before they carried their time counts as asked long ago.
pub const CONFIRM_VALID: SignedDuration = SignedDuration::from_hours(24);

/// Whether a confirmation asked at `asked` may still be acted on at `now`.
pub fn still_valid(asked: Timestamp, now: Timestamp) -> bool {
    now.duration_since(asked) <= CONFIRM_VALID
}

/// `word` or `word:{seconds}`: the word and when it was asked (long ago without one).
fn asked(rest: &str) -> (&str, Option<Timestamp>) {
    match rest.split_once(':') {
        None => (rest, Some(Timestamp::UNIX_EPOCH)),
        Some((word, secs)) if !secs.is_empty() && secs.bytes().all(|b| b.is_ascii_digit()) => {
            (word, secs.parse().ok().and_then(|s| Timestamp::from_second(s).ok()))
        }
        Some(_) => (rest, None),
    }
}

/// The pause lengths offered as buttons.
pub const PAUSE_DAYS: [u8; 3] = [3, 7, 14];

impl Postback {
    /// The postback data LINE carries back (a picker's answer: the picker's data).
    pub fn encode(&self) -> String {
        match self {
            Self::Ok { check, tag } => format!("ok:{}:{tag}", check.key()),
            Self::CheckIn => "checkin".into(),
            Self::Consent { agreed: true, asked } => format!("consent:yes:{}", asked.as_second()),
            Self::Consent { agreed: false, asked } => format!("consent:no:{}", asked.as_second()),
            Self::OnboardingDone => "onboard:done".into(),
            Self::Leave { confirmed: true, asked } => format!("leave:confirm:{}", asked.as_second()),
            Self::Leave {
                confirmed: false,
                asked,
            } => format!("leave:cancel:{}", asked.as_second()),
            Self::OwnChecks { keep: true } => "own:keep".into(),
            Self::OwnChecks { keep: false } => "own:stop".into(),
            Self::ContactSafe(n) => format!("case:safe:{n}"),
            Self::TakeCase(n) => format!("case:take:{n}"),
            Self::RecordCall(n, kind) => format!("case:call:{n}:{}", kind.as_str()),
            Self::AskOutcome(n) => format!("case:close:{n}"),
            Self::CloseCase(n, outcome) => format!("case:close:{n}:{}", outcome.as_str()),
            Self::ConfirmClose(n, outcome, asked) => {
                format!("case:close:{n}:{}:confirm:{}", outcome.as_str(), asked.as_second())
            }
            Self::Settings => "settings".into(),
            Self::ListContacts => "contacts:list".into(),
            Self::Language(Lang::Ja) => "lang:ja".into(),
            Self::Language(Lang::En) => "lang:en".into(),
            Self::ChooseCadence => "set:cadence".into(),
            Self::ChooseWeekday => "set:cadence:week".into(),
            Self::ChooseTime(cadence) => format!("set:cadence:{}", cadence_token(*cadence)),
            Self::SetSchedule { cadence, .. } => Picker::Time(*cadence).encode(),
            Self::ChoosePause => "pause:menu".into(),
            Self::PauseFor { days } => format!("pause:days:{days}"),
            Self::PauseUntil(_) => Picker::ReturnDate.encode(),
            Self::EndPause => "pause:end".into(),
            Self::RemoveContact(c) => format!("contacts:remove:{c}"),
            Self::AskPhone(c) => format!("contacts:phone:{c}"),
            Self::SavePhone { contact, phone } => format!("contacts:phone:save:{contact}:{phone}"),
            Self::ClearPhone(c) => format!("contacts:phone:clear:{c}"),
            Self::ApproveStaff(u) => format!("staff:approve:{u}"),
            Self::CancelPhone => "contacts:phone-cancel".into(),
            Self::AgeBand(None) => "profile:age:skip".into(),
            Self::AgeBand(Some(band)) => format!("profile:age:{}", band.as_str()),
            Self::Gender(None) => "profile:gender:skip".into(),
            Self::Gender(Some(g)) => format!("profile:gender:{}", g.as_str()),
        }
    }

    /// Reads postback data (and a picker's parameters) back into the button it was.
    /// A button's data as it was pushed (a picker's choice is not in it yet).
    pub fn read(data: &str) -> Option<Self> {
        Self::parse(data, &HashMap::new())
    }

    pub fn parse(data: &str, params: &HashMap<String, String>) -> Option<Self> {
        let (head, rest) = data.split_once(':').unwrap_or((data, ""));
        match (head, rest) {
            ("ok", rest) => {
                let (check, tag) = rest.split_once(':')?;
                let well_formed = tag.len() == 8 && tag.bytes().all(|b| b.is_ascii_hexdigit());
                well_formed.then_some(())?;
                Some(Self::Ok {
                    check: CheckId::parse(check)?,
                    tag: tag.to_owned(),
                })
            }
            ("checkin", "") => Some(Self::CheckIn),
            ("consent", rest) => match asked(rest) {
                ("yes", Some(asked)) => Some(Self::Consent { agreed: true, asked }),
                ("no", Some(asked)) => Some(Self::Consent { agreed: false, asked }),
                _ => None,
            },
            ("onboard", "done") => Some(Self::OnboardingDone),
            ("leave", rest) => match asked(rest) {
                ("confirm", Some(asked)) => Some(Self::Leave { confirmed: true, asked }),
                ("cancel", Some(asked)) => Some(Self::Leave {
                    confirmed: false,
                    asked,
                }),
                _ => None,
            },
            ("own", "keep") => Some(Self::OwnChecks { keep: true }),
            ("own", "stop") => Some(Self::OwnChecks { keep: false }),
            ("case", rest) => parse_case(rest),
            ("staff", rest) => UserId::new(rest.strip_prefix("approve:")?).ok().map(Self::ApproveStaff),
            ("settings", "") => Some(Self::Settings),
            ("lang", "ja") => Some(Self::Language(Lang::Ja)),
            ("lang", "en") => Some(Self::Language(Lang::En)),
            ("set", "cadence") => Some(Self::ChooseCadence),
            ("set", "cadence:week") => Some(Self::ChooseWeekday),
            ("set", rest) => {
                if let Some(token) = rest.strip_prefix("cadence:") {
                    return parse_cadence(token).map(Self::ChooseTime);
                }
                let cadence = parse_cadence(rest.strip_prefix("time:")?)?;
                let (h, m) = params.get("time")?.split_once(':')?;
                let (hour, minute): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
                (hour < 24 && minute < 60).then_some(Self::SetSchedule { cadence, hour, minute })
            }
            ("pause", "menu") => Some(Self::ChoosePause),
            ("pause", "end") => Some(Self::EndPause),
            ("pause", "date") => params.get("date")?.parse::<Date>().ok().map(Self::PauseUntil),
            ("pause", rest) => {
                let days = rest.strip_prefix("days:")?.parse().ok()?;
                PAUSE_DAYS.contains(&days).then_some(Self::PauseFor { days })
            }
            ("contacts", rest) => parse_contacts(rest),
            ("profile", "age:skip") => Some(Self::AgeBand(None)),
            ("profile", "gender:skip") => Some(Self::Gender(None)),
            ("profile", rest) => {
                if let Some(band) = rest.strip_prefix("age:") {
                    return AgeBand::parse(band).map(|b| Self::AgeBand(Some(b)));
                }
                Gender::parse(rest.strip_prefix("gender:")?).map(|g| Self::Gender(Some(g)))
            }
            _ => None,
        }
    }

    /// A picker's parameters as LINE would send them with this button's answer.
    pub fn picked(&self) -> HashMap<String, String> {
        match self {
            Self::SetSchedule { hour, minute, .. } => [("time".to_owned(), format!("{hour:02}:{minute:02}"))].into(),
            Self::PauseUntil(date) => [("date".to_owned(), date.to_string())].into(),
            _ => HashMap::new(),
        }
    }
}

/// Binds a button to its member (not a secret: buttons only come from our own pushes).
pub fn button_tag(member: &UserId) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(member.as_str().as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A cadence as the buttons carry it: `day`, `2`, `3`, `week-MON`.
fn cadence_token(cadence: Cadence) -> String {
    match cadence {
        Cadence::Day => "day".into(),
        Cadence::Days { n } => n.to_string(),
        Cadence::Week { weekday } => format!("week-{}", weekday.cron_name()),
    }
}

fn parse_cadence(token: &str) -> Option<Cadence> {
    match token {
        "day" => Some(Cadence::Day),
        "2" => Some(Cadence::Days { n: 2 }),
        "3" => Some(Cadence::Days { n: 3 }),
        _ => token
            .strip_prefix("week-")
            .and_then(WeekdayName::from_cron_name)
            .map(|weekday| Cadence::Week { weekday }),
    }
}

/// `safe:1042`, `take:1042`, `call:1042:no_answer`, `close:1042`, `close:1042:safe`,
/// `close:1042:deceased:confirm`.
fn parse_case(rest: &str) -> Option<Postback> {
    let mut parts = rest.split(':');
    let (verb, number) = (parts.next()?, parts.next()?);
    let number: CaseNumber = number
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| number.parse().ok())??;
    let arg = parts.next();
    let confirm = parts.next();
    let asked_at = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let staff_outcome = |o: &str| Outcome::parse(o).filter(|o| Outcome::STAFF.contains(o));
    match (verb, arg, confirm) {
        ("close", Some(outcome), Some("confirm")) => {
            let (_, asked) = asked(&asked_at.map_or("confirm".to_owned(), |s| format!("confirm:{s}")));
            staff_outcome(outcome).and_then(|o| Some(Postback::ConfirmClose(number, o, asked?)))
        }
        (_, _, Some(_)) => None,
        (_, _, None) if asked_at.is_some() => None,
        (verb, arg, None) => parse_case_verb(verb, number, arg),
    }
}

fn parse_case_verb(verb: &str, number: CaseNumber, arg: Option<&str>) -> Option<Postback> {
    match (verb, arg) {
        ("safe", None) => Some(Postback::ContactSafe(number)),
        ("take", None) => Some(Postback::TakeCase(number)),
        ("call", Some(kind)) => CallKind::parse(kind).map(|k| Postback::RecordCall(number, k)),
        ("close", None) => Some(Postback::AskOutcome(number)),
        ("close", Some(outcome)) => Outcome::parse(outcome)
            .filter(|o| Outcome::STAFF.contains(o))
            .map(|o| Postback::CloseCase(number, o)),
        _ => None,
    }
}

/// `list`, `remove:U…`, `phone:U…`, `phone:save:U…:0312345678`, `phone:clear:U…`,
/// `phone-cancel`.
fn parse_contacts(rest: &str) -> Option<Postback> {
    let user = |s: &str| UserId::new(s).ok();
    match rest {
        "list" => Some(Postback::ListContacts),
        "phone-cancel" => Some(Postback::CancelPhone),
        _ => {
            if let Some(c) = rest.strip_prefix("remove:") {
                return user(c).map(Postback::RemoveContact);
            }
            let phone = rest.strip_prefix("phone:")?;
            if let Some(saved) = phone.strip_prefix("save:") {
                let (contact, phone) = saved.split_once(':')?;
                let phone = crate::contact::parse_phone(phone)?;
                return user(contact).map(|contact| Postback::SavePhone { contact, phone });
            }
            if let Some(c) = phone.strip_prefix("clear:") {
                return user(c).map(Postback::ClearPhone);
            }
            user(phone).map(Postback::AskPhone)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_variant() -> Vec<Postback> {
        let user = UserId::new(format!("U{}", "a".repeat(32))).unwrap();
        let check = CheckId(jiff::Timestamp::from_second(1_764_028_800).unwrap());
        let mut all = vec![
            Postback::Ok {
                check,
                tag: "0a1b2c3d".into(),
            },
            Postback::CheckIn,
            Postback::Consent {
                agreed: true,
                asked: Timestamp::from_second(1_795_600_000).unwrap(),
            },
            Postback::Consent {
                agreed: false,
                asked: Timestamp::from_second(1_795_600_000).unwrap(),
            },
            Postback::OnboardingDone,
            Postback::Leave {
                confirmed: true,
                asked: Timestamp::from_second(1_795_600_000).unwrap(),
            },
            Postback::Leave {
                confirmed: false,
                asked: Timestamp::from_second(1_795_600_000).unwrap(),
            },
            Postback::OwnChecks { keep: true },
            Postback::OwnChecks { keep: false },
            Postback::ContactSafe(1042),
            Postback::TakeCase(1042),
            Postback::AskOutcome(1042),
            Postback::Settings,
            Postback::ListContacts,
            Postback::Language(Lang::Ja),
            Postback::Language(Lang::En),
            Postback::ChooseCadence,
            Postback::ChooseWeekday,
            Postback::ChoosePause,
            Postback::PauseUntil(Date::constant(2026, 12, 24)),
            Postback::EndPause,
            Postback::RemoveContact(user.clone()),
            Postback::AskPhone(user.clone()),
            Postback::SavePhone {
                contact: user.clone(),
                phone: "0312345678".into(),
            },
            Postback::ClearPhone(user),
            Postback::CancelPhone,
            Postback::ApproveStaff(UserId::new("U2b000000000000000000000000000002").unwrap()),
            Postback::AgeBand(None),
            Postback::Gender(None),
        ];
        all.extend(CallKind::ALL.map(|k| Postback::RecordCall(1042, k)));
        all.extend(Outcome::STAFF.map(|o| Postback::CloseCase(1042, o)));
        let asked = Timestamp::from_second(1_795_600_000).unwrap();
        all.extend(Outcome::STAFF.map(|o| Postback::ConfirmClose(1042, o, asked)));
        all.extend(PAUSE_DAYS.map(|days| Postback::PauseFor { days }));
        all.extend(AgeBand::ALL.map(|b| Postback::AgeBand(Some(b))));
        all.extend(Gender::ALL.map(|g| Postback::Gender(Some(g))));
        let cadences = [
            Cadence::Day,
            Cadence::Days { n: 2 },
            Cadence::Days { n: 3 },
            Cadence::Week {
                weekday: WeekdayName::Sun,
            },
        ];
        all.extend(cadences.map(Postback::ChooseTime));
        all.extend(cadences.map(|cadence| Postback::SetSchedule {
            cadence,
            hour: 7,
            minute: 30,
        }));
        all
    }

    /// Names the variant of a button. The match has no catch-all, so a new variant does
    /// not compile until it is named here, and the test below fails until
    /// `every_variant` has one of it.
    fn variant(p: &Postback) -> &'static str {
        match p {
            Postback::Ok { .. } => "Ok",
            Postback::CheckIn => "CheckIn",
            Postback::Consent { .. } => "Consent",
            Postback::OnboardingDone => "OnboardingDone",
            Postback::Leave { .. } => "Leave",
            Postback::OwnChecks { .. } => "OwnChecks",
            Postback::ContactSafe(_) => "ContactSafe",
            Postback::TakeCase(_) => "TakeCase",
            Postback::RecordCall(..) => "RecordCall",
            Postback::AskOutcome(_) => "AskOutcome",
            Postback::CloseCase(..) => "CloseCase",
            Postback::ConfirmClose(..) => "ConfirmClose",
            Postback::Settings => "Settings",
            Postback::ListContacts => "ListContacts",
            Postback::Language(_) => "Language",
            Postback::ChooseCadence => "ChooseCadence",
            Postback::ChooseWeekday => "ChooseWeekday",
            Postback::ChooseTime(_) => "ChooseTime",
            Postback::SetSchedule { .. } => "SetSchedule",
            Postback::ChoosePause => "ChoosePause",
            Postback::PauseFor { .. } => "PauseFor",
            Postback::PauseUntil(_) => "PauseUntil",
            Postback::EndPause => "EndPause",
            Postback::RemoveContact(_) => "RemoveContact",
            Postback::AskPhone(_) => "AskPhone",
            Postback::SavePhone { .. } => "SavePhone",
            Postback::ClearPhone(_) => "ClearPhone",
            Postback::CancelPhone => "CancelPhone",
            Postback::ApproveStaff(_) => "ApproveStaff",
            Postback::AgeBand(_) => "AgeBand",
            Postback::Gender(_) => "Gender",
        }
    }

    /// Every variant named in `variant`.
    const VARIANTS: usize = 31;

    #[test]
    fn the_round_trip_covers_every_variant() {
        let named: std::collections::BTreeSet<&str> = every_variant().iter().map(variant).collect();
        assert_eq!(named.len(), VARIANTS, "every_variant misses one: has {named:?}");
    }

    #[test]
    fn every_button_reads_back_as_itself() {
        for p in every_variant() {
            let data = p.encode();
            assert!(data.len() <= 300, "LINE's postback data limit: {data}");
            assert_eq!(Postback::parse(&data, &p.picked()), Some(p.clone()), "{data}");
        }
    }

    #[test]
    fn anything_else_is_no_button() {
        let none = HashMap::new();
        for data in [
            "",
            "ok",
            "ok:1764028800",
            "ok:1764028800:zz",
            "ok:01764028800:0a1b2c3d",
            "case:take",
            "case:take:+1042",
            "case:take:1042:x",
            "case:close:1042:reached",
            "case:close:1042:deceased:yes",
            "case:close:1042:answered:confirm",
            "case:take:1042:confirm",
            "case:close:1042:deceased:confirm:again",
            "case:call:1042:lunch",
            "set:cadence:5",
            "set:time:day",
            "pause:days:5",
            "pause:date",
            "contacts:remove:U123",
            "contacts:phone:save:U123:03",
            "profile:age:100",
            "lang:fr",
            "checkin:now",
        ] {
            assert_eq!(Postback::parse(data, &none), None, "{data}");
        }
        let bad_time = [("time".to_owned(), "24:00".to_owned())].into();
        assert_eq!(Postback::parse("set:time:day", &bad_time), None);
    }
}
