//! The monthly report: the figures the operator publishes, computed from anonymous
//! facts recorded as things happen (a member joined or left, a check was sent,
//! answered, escalated, a case was opened, a call was made, a case ended).
//!
//! Facts carry no names and no LINE ids, and no second-exact times: a member appears
//! only as values blinded with the random report token on their own record (`blind`),
//! never as the token itself, and a time only as its day (`day_of`). Without the token,
//! which goes with the member's record when they leave, a fact can be tied neither to a
//! person, nor to their other facts (except that the calls about one member share a
//! value, to count the people phoned), nor to a log line.
//! Each fact has a key of its own, so recording it twice (a retry) counts it once.

use crate::case::{CallKind, Outcome};
use crate::member::{AgeBand, Gender};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How long (hex digits) a blinded value is: unlike a report token (32) and the hash of a
/// LINE id that versions before tokens wrote (16), so `rekeyed` knows what it has done.
pub const BLINDED_LEN: usize = 24;

/// `what` blinded with `secret` (a member's report token): the same inputs give the same
/// value; without the secret it can be neither recomputed (from a LINE id, a time, an
/// event id) nor linked to the member's other values.
pub fn blind(secret: &str, what: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(format!("{secret}/{what}").as_bytes())
        .iter()
        .take(BLINDED_LEN / 2)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The start of `at`'s day (UTC): what a fact keeps of a time.
pub fn day_of(at: Timestamp) -> Timestamp {
    Timestamp::from_second(at.as_second().div_euclid(86_400) * 86_400).unwrap_or(at)
}

/// The month (operator time) a fact belongs to, as `yyyy-mm`.
pub fn month_of(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone()).strftime("%Y-%m").to_string()
}

/// Whether `s` names a month as the report writes them (`2026-11`).
pub fn is_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit())
        && matches!(s[5..].parse::<u8>(), Ok(1..=12))
}

/// What a check went through; flags are only ever set, so facts recorded out of order
/// or twice still add up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckFlag {
    /// The check was pushed to the member.
    Sent,
    /// Answered ahead with the free check-in button: never pushed.
    AnsweredAhead,
    Reminded,
    Escalated,
    Answered,
}

impl CheckFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::AnsweredAhead => "answered_ahead",
            Self::Reminded => "reminded",
            Self::Escalated => "escalated",
            Self::Answered => "answered",
        }
    }
}

/// One recorded fact, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fact", rename_all = "snake_case")]
pub enum Fact {
    Joined {
        who: String,
        /// When they joined (a member may leave and join again in one month).
        at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        age_band: Option<AgeBand>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gender: Option<Gender>,
    },
    Left {
        who: String,
        at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        age_band: Option<AgeBand>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gender: Option<Gender>,
    },
    Check {
        who: String,
        /// The check's scheduled time (epoch seconds).
        check: i64,
        #[serde(default)]
        sent: bool,
        #[serde(default)]
        answered_ahead: bool,
        #[serde(default)]
        reminded: bool,
        #[serde(default)]
        escalated: bool,
        #[serde(default)]
        answered: bool,
    },
    CaseOpened {
        case: u64,
    },
    Call {
        case: u64,
        who: String,
        kind: CallKind,
        at: Timestamp,
        /// The webhook event of the button press: one fact per press, however delivered.
        event: String,
    },
    CaseClosed {
        case: u64,
        outcome: Outcome,
    },
}

impl Fact {
    /// A member with the report token `token` joined at `at`, giving these demographics
    /// (the same joining counted again, with demographics given later, is one fact).
    pub fn joined(token: &str, at: Timestamp, age_band: Option<AgeBand>, gender: Option<Gender>) -> Self {
        Self::Joined {
            who: blind(token, &format!("joined/{}", at.as_second())),
            at: day_of(at),
            age_band,
            gender,
        }
    }

    /// A member left (or their checks ended for good) at `at`.
    pub fn left(token: &str, at: Timestamp, age_band: Option<AgeBand>, gender: Option<Gender>) -> Self {
        Self::Left {
            who: blind(token, &format!("left/{}", at.as_second())),
            at: day_of(at),
            age_band,
            gender,
        }
    }

    /// The member's check scheduled at `check` went through `flag`.
    pub fn check(token: &str, check: Timestamp, flag: CheckFlag) -> Self {
        Self::Check {
            who: blind(token, &format!("check/{}", check.as_second())),
            check: day_of(check).as_second(),
            sent: flag == CheckFlag::Sent,
            answered_ahead: flag == CheckFlag::AnsweredAhead,
            reminded: flag == CheckFlag::Reminded,
            escalated: flag == CheckFlag::Escalated,
            answered: flag == CheckFlag::Answered,
        }
    }

    /// Staff recorded a call of `kind` about case `case` of the member, with the button
    /// press of webhook event `event` (one fact per press).
    pub fn call(token: &str, case: u64, kind: CallKind, at: Timestamp, event: &str) -> Self {
        Self::Call {
            case,
            who: phoned(token),
            kind,
            at: day_of(at),
            event: blind(token, event),
        }
    }

    /// The fact as versions before blinding wrote it, blinded with `salt` (random, drawn
    /// once for the run and then forgotten) and cut to the day; `None` when it is
    /// blinded already or names nobody. A fact rewritten twice is rewritten once.
    pub fn rekeyed(&self, salt: &str) -> Option<Self> {
        let fresh = |who: &str| who.len() == BLINDED_LEN;
        Some(match self {
            Self::Joined {
                who,
                at,
                age_band,
                gender,
            } if !fresh(who) => Self::Joined {
                who: blind(salt, &format!("joined/{who}/{}", at.as_second())),
                at: day_of(*at),
                age_band: *age_band,
                gender: *gender,
            },
            Self::Left {
                who,
                at,
                age_band,
                gender,
            } if !fresh(who) => Self::Left {
                who: blind(salt, &format!("left/{who}/{}", at.as_second())),
                at: day_of(*at),
                age_band: *age_band,
                gender: *gender,
            },
            Self::Check {
                who,
                check,
                sent,
                answered_ahead,
                reminded,
                escalated,
                answered,
            } if !fresh(who) => Self::Check {
                who: blind(salt, &format!("check/{who}/{check}")),
                check: check.div_euclid(86_400) * 86_400,
                sent: *sent,
                answered_ahead: *answered_ahead,
                reminded: *reminded,
                escalated: *escalated,
                answered: *answered,
            },
            Self::Call {
                case,
                who,
                kind,
                at,
                event,
            } if !fresh(who) => Self::Call {
                case: *case,
                who: rekeyed_phoned(salt, who),
                kind: *kind,
                at: day_of(*at),
                event: blind(salt, event),
            },
            _ => return None,
        })
    }

    /// The fact's key within its month: the same fact always has the same key.
    pub fn key(&self) -> String {
        match self {
            Self::Joined { who, at, .. } => format!("joined#{who}#{}", at.as_second()),
            Self::Left { who, at, .. } => format!("left#{who}#{}", at.as_second()),
            Self::Check { who, check, .. } => format!("check#{who}#{check}"),
            Self::CaseOpened { case } => format!("case#{case}"),
            Self::Call { case, event, .. } => format!("call#{case}#{event}"),
            Self::CaseClosed { case, .. } => format!("closed#{case}"),
        }
    }
}

/// The value that stands for a member in the calls about them.
fn phoned(token: &str) -> String {
    blind(token, "phoned")
}

/// `phoned` for a member as versions before blinding named them.
fn rekeyed_phoned(salt: &str, who: &str) -> String {
    blind(salt, &format!("phoned/{who}"))
}

/// A fact with the month it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub month: String,
    pub fact: Fact,
}

/// The figures of one period (a month, or since the start).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    /// Members at the end of the period.
    pub members_total: i64,
    pub members_joined: u32,
    pub members_left: u32,
    /// Members at the end of the period by age band / gender, as far as they gave them
    /// ("unknown" counts the rest).
    pub by_age_band: BTreeMap<String, i64>,
    pub by_gender: BTreeMap<String, i64>,
    pub checks_sent: u32,
    pub checks_answered_ahead: u32,
    pub acknowledged_on_time: u32,
    pub acknowledged_after_reminder: u32,
    pub escalated: u32,
    pub cases_opened: u32,
    pub people_phoned: u32,
    pub calls: u32,
    pub visits_or_police: u32,
    pub outcomes: BTreeMap<String, u32>,
}

const UNKNOWN: &str = "unknown";

/// One month's facts folded together: the month's own figures, and its share of the
/// member totals (joined less left). Facts are folded one at a time, so a month of any
/// size takes the same memory; a month that has settled is kept as it is, its roll-up,
/// and the report reads that one item instead of the month's facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub joined: u32,
    pub left: u32,
    /// Members joined less members left in the month, by age band and by gender
    /// ("unknown" for those who gave none).
    pub net_by_age_band: BTreeMap<String, i64>,
    pub net_by_gender: BTreeMap<String, i64>,
    pub checks_sent: u32,
    pub checks_answered_ahead: u32,
    pub acknowledged_on_time: u32,
    pub acknowledged_after_reminder: u32,
    pub escalated: u32,
    pub cases_opened: u32,
    pub calls: u32,
    pub visits_or_police: u32,
    pub outcomes: BTreeMap<String, u32>,
    /// The pseudonyms of the members phoned about (a person phoned in two months is one
    /// person since the start). A few thousand at most a month: the roll-up stays well
    /// inside DynamoDB's 400 KB item.
    pub phoned: BTreeSet<String>,
    /// How many facts were folded in.
    pub facts: u64,
}

impl Tally {
    /// Folds one fact of the month in.
    pub fn add(&mut self, fact: &Fact) {
        self.facts += 1;
        match fact {
            Fact::Joined { age_band, gender, .. } | Fact::Left { age_band, gender, .. } => {
                let delta = if matches!(fact, Fact::Joined { .. }) {
                    self.joined += 1;
                    1
                } else {
                    self.left += 1;
                    -1
                };
                *self
                    .net_by_age_band
                    .entry(age_band.map_or(UNKNOWN, AgeBand::as_str).to_owned())
                    .or_default() += delta;
                *self
                    .net_by_gender
                    .entry(gender.map_or(UNKNOWN, Gender::as_str).to_owned())
                    .or_default() += delta;
            }
            Fact::Check {
                sent,
                answered_ahead,
                reminded,
                escalated,
                answered,
                ..
            } => {
                self.checks_sent += u32::from(*sent);
                self.checks_answered_ahead += u32::from(*answered_ahead && !*sent);
                if *escalated {
                    self.escalated += 1;
                } else if *answered && *sent {
                    if *reminded {
                        self.acknowledged_after_reminder += 1;
                    } else {
                        self.acknowledged_on_time += 1;
                    }
                }
            }
            Fact::CaseOpened { .. } => self.cases_opened += 1,
            Fact::Call { who, kind, .. } => {
                if kind.is_phone_call() {
                    self.calls += 1;
                    self.phoned.insert(who.clone());
                } else {
                    self.visits_or_police += 1;
                }
            }
            Fact::CaseClosed { outcome, .. } => *self.outcomes.entry(outcome.as_str().to_owned()).or_default() += 1,
        }
    }

    /// The roll-up as versions before blinding kept it (the report tokens of the members
    /// phoned), blinded with `salt` as `Fact::rekeyed` blinds their calls; `None` when it
    /// holds nothing to blind.
    pub fn rekeyed(&self, salt: &str) -> Option<Tally> {
        if self.phoned.iter().all(|who| who.len() == BLINDED_LEN) {
            return None;
        }
        let phoned = self
            .phoned
            .iter()
            .map(|who| {
                if who.len() == BLINDED_LEN {
                    who.clone()
                } else {
                    rekeyed_phoned(salt, who)
                }
            })
            .collect();
        Some(Tally { phoned, ..self.clone() })
    }

    /// Adds another period's tally to this one.
    pub fn merge(&mut self, other: &Tally) {
        self.joined += other.joined;
        self.left += other.left;
        for (k, v) in &other.net_by_age_band {
            *self.net_by_age_band.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.net_by_gender {
            *self.net_by_gender.entry(k.clone()).or_default() += v;
        }
        self.checks_sent += other.checks_sent;
        self.checks_answered_ahead += other.checks_answered_ahead;
        self.acknowledged_on_time += other.acknowledged_on_time;
        self.acknowledged_after_reminder += other.acknowledged_after_reminder;
        self.escalated += other.escalated;
        self.cases_opened += other.cases_opened;
        self.calls += other.calls;
        self.visits_or_police += other.visits_or_police;
        for (k, v) in &other.outcomes {
            *self.outcomes.entry(k.clone()).or_default() += v;
        }
        self.phoned.extend(other.phoned.iter().cloned());
        self.facts += other.facts;
    }
}

/// Each month's tally (`yyyy-mm`, oldest first).
pub type Months = BTreeMap<String, Tally>;

/// The tally of every month the facts fall in.
pub fn tallies(facts: &[Recorded]) -> Months {
    let mut months = Months::new();
    for r in facts {
        months.entry(r.month.clone()).or_default().add(&r.fact);
    }
    months
}

/// The figures of `month` (`yyyy-mm`), or since the start when `None`, from every
/// month's tally (the member totals need the months before).
pub fn figures_of(months: &Months, month: Option<&str>) -> Figures {
    let mut totals = Tally::default();
    let mut period = Tally::default();
    for (m, tally) in months {
        if month.is_none_or(|p| m.as_str() <= p) {
            totals.merge(tally);
        }
        if month.is_none_or(|p| m == p) {
            period.merge(tally);
        }
    }
    let mut f = Figures::default();
    for band in AgeBand::ALL.iter().map(|a| a.as_str()).chain([UNKNOWN]) {
        f.by_age_band.insert(band.to_owned(), 0);
    }
    for g in Gender::ALL.iter().map(|g| g.as_str()).chain([UNKNOWN]) {
        f.by_gender.insert(g.to_owned(), 0);
    }
    for o in Outcome::ALL {
        f.outcomes.insert(o.as_str().to_owned(), 0);
    }
    f.members_total = i64::from(totals.joined) - i64::from(totals.left);
    for (k, v) in &totals.net_by_age_band {
        *f.by_age_band.entry(k.clone()).or_default() += v;
    }
    for (k, v) in &totals.net_by_gender {
        *f.by_gender.entry(k.clone()).or_default() += v;
    }
    f.members_joined = period.joined;
    f.members_left = period.left;
    f.checks_sent = period.checks_sent;
    f.checks_answered_ahead = period.checks_answered_ahead;
    f.acknowledged_on_time = period.acknowledged_on_time;
    f.acknowledged_after_reminder = period.acknowledged_after_reminder;
    f.escalated = period.escalated;
    f.cases_opened = period.cases_opened;
    f.people_phoned = period.phoned.len() as u32;
    f.calls = period.calls;
    f.visits_or_police = period.visits_or_police;
    for (k, v) in &period.outcomes {
        *f.outcomes.entry(k.clone()).or_default() += v;
    }
    f
}

/// Computes the figures for `month` (`yyyy-mm`), or since the start when `None`, from
/// every fact recorded (the member totals need the months before).
pub fn figures(facts: &[Recorded], month: Option<&str>) -> Figures {
    figures_of(&tallies(facts), month)
}

/// The figures of every month tallied (oldest first), or of `month` only, then those
/// since the start under the period name `all`.
pub fn periods_of(months: &Months, month: Option<&str>) -> Vec<(String, Figures)> {
    let names: Vec<&str> = match month {
        Some(m) => vec![m],
        None => months.keys().map(String::as_str).collect(),
    };
    names
        .into_iter()
        .map(|m| (m.to_owned(), figures_of(months, Some(m))))
        .chain([("all".to_owned(), figures_of(months, None))])
        .collect()
}

/// `periods_of`, from every fact recorded.
pub fn periods(facts: &[Recorded], month: Option<&str>) -> Vec<(String, Figures)> {
    periods_of(&tallies(facts), month)
}

/// How long after a month ends its facts may still change: a check of its last day is
/// reminded a day later and overdue three hours on, and a check the watchdog repaired
/// moves on hours after that. From then on the month's roll-up is kept and read instead.
pub const SETTLES_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_hours(7 * 24);

/// The month after `month` (`2026-12` after `2026-11`); `None` if `month` is not one.
pub fn next_month(month: &str) -> Option<String> {
    if !is_month(month) {
        return None;
    }
    let (y, m) = (month[..4].parse::<i16>().ok()?, month[5..].parse::<i8>().ok()?);
    Some(match m {
        12 => format!("{:04}-01", y.checked_add(1)?),
        _ => format!("{y:04}-{:02}", m + 1),
    })
}

/// Whether `month`'s facts can no longer change at `now` (operator time `tz`).
pub fn settled(month: &str, now: Timestamp, tz: &TimeZone) -> bool {
    let Some(next) = next_month(month) else {
        return false;
    };
    let Ok(start) = jiff::civil::Date::strptime("%Y-%m-%d", format!("{next}-01")) else {
        return false;
    };
    start
        .to_zoned(tz.clone())
        .is_ok_and(|ended| ended.timestamp() + SETTLES_AFTER <= now)
}

/// Every month from `first` to `last`, both included (none if `first` is later).
pub fn months_from(first: &str, last: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut m = first.to_owned();
    while is_month(&m) && m.as_str() <= last {
        let next = next_month(&m);
        out.push(m);
        match next {
            Some(n) => m = n,
            None => break,
        }
    }
    out
}

/// The figures as CSV rows (`period,figure,value`), one period after another.
pub fn to_csv(periods: &[(String, Figures)]) -> String {
    let mut out = String::from("period,figure,value\n");
    for (period, f) in periods {
        for (name, value) in rows(f) {
            out.push_str(&format!("{period},{name},{value}\n"));
        }
    }
    out
}

/// Every figure with its name, in a fixed order.
pub fn rows(f: &Figures) -> Vec<(String, i64)> {
    let mut rows: Vec<(String, i64)> = vec![
        ("members_total".into(), f.members_total),
        ("members_joined".into(), f.members_joined.into()),
        ("members_left".into(), f.members_left.into()),
    ];
    rows.extend(f.by_age_band.iter().map(|(k, v)| (format!("members_age_{k}"), *v)));
    rows.extend(f.by_gender.iter().map(|(k, v)| (format!("members_gender_{k}"), *v)));
    rows.extend([
        ("checks_sent".into(), f.checks_sent.into()),
        ("checks_answered_ahead".into(), f.checks_answered_ahead.into()),
        ("acknowledged_on_time".into(), f.acknowledged_on_time.into()),
        (
            "acknowledged_after_reminder".into(),
            f.acknowledged_after_reminder.into(),
        ),
        ("escalated".into(), f.escalated.into()),
        ("cases_opened".into(), f.cases_opened.into()),
        ("people_phoned".into(), f.people_phoned.into()),
        ("calls".into(), f.calls.into()),
        ("visits_or_police".into(), f.visits_or_police.into()),
    ]);
    rows.extend(f.outcomes.iter().map(|(k, v)| (format!("outcome_{k}"), i64::from(*v))));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(month: &str, fact: Fact) -> Recorded {
        Recorded {
            month: month.into(),
            fact,
        }
    }
    fn check(who: &str, check: i64, sent: bool, reminded: bool, escalated: bool, answered: bool) -> Fact {
        Fact::Check {
            who: who.into(),
            check,
            sent,
            answered_ahead: !sent,
            reminded,
            escalated,
            answered,
        }
    }

    #[test]
    fn facts_keep_neither_the_token_nor_the_second_and_recording_one_again_is_the_same_fact() {
        let token = "0123456789abcdef0123456789abcdef";
        let at: Timestamp = "2026-11-03T01:23:45Z".parse().unwrap();
        let day: Timestamp = "2026-11-03T00:00:00Z".parse().unwrap();
        let facts = [
            Fact::joined(token, at, Some(AgeBand::Eighties), None),
            Fact::left(token, at, None, None),
            Fact::check(token, at, CheckFlag::Sent),
            Fact::call(token, 1000, CallKind::NoAnswer, at, "01HEVENT"),
        ];
        for fact in &facts {
            let json = serde_json::to_string(fact).unwrap();
            assert!(!json.contains(token) && !json.contains("01HEVENT"), "{json}");
            assert!(
                !json.contains("01:23:45") && !json.contains(&at.as_second().to_string()),
                "{json}"
            );
        }
        assert!(matches!(&facts[0], Fact::Joined { at, .. } if *at == day));
        assert!(matches!(&facts[2], Fact::Check { check, .. } if *check == day.as_second()));
        // Demographics given later, a flag set later: the same fact, under the same key.
        assert_eq!(facts[0].key(), Fact::joined(token, at, None, None).key());
        assert_eq!(facts[2].key(), Fact::check(token, at, CheckFlag::Answered).key());
        // Two checks on one day, two joinings: two facts.
        let later = at + jiff::SignedDuration::from_hours(9);
        assert_ne!(facts[2].key(), Fact::check(token, later, CheckFlag::Sent).key());
        assert_ne!(facts[0].key(), Fact::joined(token, later, None, None).key());
        // The calls about one member share who they were about, for the people phoned.
        let again = Fact::call(token, 1001, CallKind::ReachedMember, later, "01HOTHER");
        assert!(matches!((&facts[3], &again), (Fact::Call { who: a, .. }, Fact::Call { who: b, .. }) if a == b));
        assert!(facts.iter().all(|f| f.rekeyed("salt").is_none()), "blinded already");
    }

    #[test]
    fn re_keying_what_older_versions_wrote_keeps_every_figure_and_no_legacy_value() {
        let t: Timestamp = "2026-11-03T01:23:45Z".parse().unwrap();
        let legacy = "a1b2c3d4e5f60718"; // sha256(op/LINE id), as versions before tokens wrote
        let token = "0123456789abcdef0123456789abcdef";
        let call = |who: &str, event: &str| Fact::Call {
            case: 1000,
            who: who.into(),
            kind: CallKind::NoAnswer,
            at: t,
            event: event.into(),
        };
        let old = vec![
            r(
                "2026-11",
                Fact::Joined {
                    who: legacy.into(),
                    at: t,
                    age_band: Some(AgeBand::Seventies),
                    gender: Some(Gender::Female),
                },
            ),
            r("2026-11", check(legacy, t.as_second(), true, true, false, true)),
            r("2026-11", check(token, t.as_second(), true, false, true, false)),
            r("2026-11", call(legacy, "event-1")),
            r("2026-11", call(legacy, "event-2")),
            r("2026-11", call(token, "event-3")),
            r("2026-11", Fact::CaseOpened { case: 1000 }),
        ];
        let new: Vec<Recorded> = old
            .iter()
            .map(|rec| r(&rec.month, rec.fact.rekeyed("salt").unwrap_or_else(|| rec.fact.clone())))
            .collect();
        assert_eq!(figures(&old, None), figures(&new, None));
        let dump = format!("{new:?}");
        assert!(
            !dump.contains(legacy) && !dump.contains(token) && !dump.contains("event-"),
            "{dump}"
        );
        assert!(new.iter().all(|rec| rec.fact.rekeyed("other salt").is_none()));
        let months = tallies(&old);
        let rolled = months["2026-11"].rekeyed("salt").unwrap();
        assert_eq!(rolled.phoned.len(), 2);
        assert!(rolled.phoned.iter().all(|who| who.len() == BLINDED_LEN));
        assert_eq!(rolled.rekeyed("salt"), None);
    }

    #[test]
    fn the_same_fact_has_the_same_key() {
        let f = check("p", 10, true, false, false, false);
        assert_eq!(f.key(), check("p", 10, true, true, true, true).key());
    }

    #[test]
    fn a_month_adds_up_and_the_totals_carry_over() {
        let t: Timestamp = "2026-11-03T01:00:00Z".parse().unwrap();
        let facts = vec![
            r(
                "2026-10",
                Fact::Joined {
                    who: "a".into(),
                    at: t,
                    age_band: Some(AgeBand::Eighties),
                    gender: Some(Gender::Female),
                },
            ),
            r(
                "2026-11",
                Fact::Joined {
                    who: "b".into(),
                    at: t,
                    age_band: None,
                    gender: Some(Gender::Male),
                },
            ),
            r(
                "2026-11",
                Fact::Left {
                    who: "a".into(),
                    at: t,
                    age_band: Some(AgeBand::Eighties),
                    gender: Some(Gender::Female),
                },
            ),
            r("2026-11", check("b", 1, true, false, false, true)),
            r("2026-11", check("b", 2, true, true, false, true)),
            r("2026-11", check("b", 3, true, true, true, true)),
            r("2026-11", check("b", 4, false, false, false, true)),
            r("2026-10", check("a", 5, true, false, false, true)),
            r("2026-11", Fact::CaseOpened { case: 1000 }),
            r(
                "2026-11",
                Fact::Call {
                    case: 1000,
                    who: "b".into(),
                    kind: CallKind::NoAnswer,
                    at: t,
                    event: "e1".into(),
                },
            ),
            r(
                "2026-11",
                Fact::Call {
                    case: 1000,
                    who: "b".into(),
                    kind: CallKind::ReachedMember,
                    at: t + jiff::SignedDuration::from_mins(30),
                    event: "e2".into(),
                },
            ),
            r(
                "2026-11",
                Fact::CaseClosed {
                    case: 1000,
                    outcome: Outcome::Safe,
                },
            ),
        ];
        let nov = figures(&facts, Some("2026-11"));
        assert_eq!((nov.members_total, nov.members_joined, nov.members_left), (1, 1, 1));
        assert_eq!(nov.by_gender["male"], 1);
        assert_eq!(nov.by_gender["female"], 0);
        assert_eq!(nov.by_age_band["unknown"], 1);
        assert_eq!(nov.checks_sent, 3);
        assert_eq!(nov.checks_answered_ahead, 1);
        assert_eq!(
            (nov.acknowledged_on_time, nov.acknowledged_after_reminder, nov.escalated),
            (1, 1, 1)
        );
        assert_eq!((nov.cases_opened, nov.people_phoned, nov.calls), (1, 1, 2));
        assert_eq!(nov.outcomes["safe"], 1);
        let oct = figures(&facts, Some("2026-10"));
        assert_eq!((oct.members_total, oct.members_joined, oct.checks_sent), (1, 1, 1));
        let all = figures(&facts, None);
        assert_eq!((all.members_total, all.members_joined, all.members_left), (1, 2, 1));
        assert_eq!(all.checks_sent, 4);
        let csv = to_csv(&[("2026-11".into(), nov)]);
        assert!(
            csv.starts_with("period,figure,value\n2026-11,members_total,1\n"),
            "{csv}"
        );
        assert!(csv.contains("2026-11,people_phoned,1\n"));
    }

    #[test]
    fn months_follow_each_other_and_settle_a_week_after_they_end() {
        assert_eq!(next_month("2026-11").as_deref(), Some("2026-12"));
        assert_eq!(next_month("2026-12").as_deref(), Some("2027-01"));
        assert_eq!(next_month("2026-13"), None);
        assert_eq!(
            months_from("2026-11", "2027-02"),
            ["2026-11", "2026-12", "2027-01", "2027-02"]
        );
        assert!(months_from("2027-01", "2026-12").is_empty());
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        // November ends at 2026-12-01 00:00 Tokyo (2026-11-30 15:00 UTC).
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert!(!settled("2026-11", at("2026-12-07T14:59:59Z"), &tokyo));
        assert!(settled("2026-11", at("2026-12-07T15:00:00Z"), &tokyo));
        assert!(!settled("2026-12", at("2026-12-31T00:00:00Z"), &tokyo));
        assert!(!settled("not a month", at("2030-01-01T00:00:00Z"), &tokyo));
    }

    #[test]
    fn a_roll_up_stored_and_read_back_gives_the_figures_of_its_facts() {
        let t: Timestamp = "2026-11-03T01:00:00Z".parse().unwrap();
        let joined = |who: &str, band| Fact::Joined {
            who: who.into(),
            at: t,
            age_band: band,
            gender: None,
        };
        let call = |who: &str, event: &str| Fact::Call {
            case: 1,
            who: who.into(),
            kind: CallKind::NoAnswer,
            at: t,
            event: event.into(),
        };
        let facts = vec![
            r("2026-10", joined("a", Some(AgeBand::Eighties))),
            r("2026-10", call("a", "e1")),
            r("2026-11", joined("b", None)),
            r("2026-11", call("a", "e2")),
            r("2026-11", call("b", "e3")),
            r("2026-11", check("b", 1, true, true, false, true)),
        ];
        let months = tallies(&facts);
        // Kept as JSON-like values in the table and read back, month by month.
        let stored: Months = months
            .iter()
            .map(|(m, t)| {
                let json = serde_json::to_string(t).unwrap();
                (m.clone(), serde_json::from_str(&json).unwrap())
            })
            .collect();
        for month in [Some("2026-10"), Some("2026-11"), None] {
            assert_eq!(figures_of(&stored, month), figures(&facts, month), "{month:?}");
        }
        let all = figures_of(&stored, None);
        assert_eq!((all.members_total, all.people_phoned, all.calls), (2, 2, 3));
        assert_eq!(figures_of(&stored, Some("2026-11")).people_phoned, 2);
        assert_eq!(stored["2026-11"].facts, 4);
    }
}
