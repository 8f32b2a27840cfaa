//! The monthly report: the figures the operator publishes, computed from anonymous
//! facts recorded as things happen (a member joined or left, a check was sent,
//! answered, escalated, a case was opened, a call was made, a case ended).
//!
//! Facts carry no names and no LINE ids: a member appears only as a pseudonym (the
//! random report token on their own record), which is enough to count distinct people
//! phoned.
//! Each fact has a key of its own, so recording it twice (a retry) counts it once.

use crate::case::{CallKind, Outcome};
use crate::member::{AgeBand, Gender};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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

/// Computes the figures for `month` (`yyyy-mm`), or since the start when `None`, from
/// every fact recorded (the member totals need the months before).
pub fn figures(facts: &[Recorded], month: Option<&str>) -> Figures {
    let mut f = Figures::default();
    let in_period = |m: &str| month.is_none_or(|p| p == m);
    let up_to_end = |m: &str| month.is_none_or(|p| m <= p);
    let mut phoned: BTreeSet<&str> = BTreeSet::new();
    for band in AgeBand::ALL.iter().map(|a| a.as_str()).chain([UNKNOWN]) {
        f.by_age_band.insert(band.to_owned(), 0);
    }
    for g in Gender::ALL.iter().map(|g| g.as_str()).chain([UNKNOWN]) {
        f.by_gender.insert(g.to_owned(), 0);
    }
    for o in Outcome::ALL {
        f.outcomes.insert(o.as_str().to_owned(), 0);
    }
    for r in facts {
        let m = r.month.as_str();
        match &r.fact {
            Fact::Joined { age_band, gender, .. } | Fact::Left { age_band, gender, .. } => {
                let delta = if matches!(r.fact, Fact::Joined { .. }) { 1 } else { -1 };
                if up_to_end(m) {
                    f.members_total += delta;
                    *f.by_age_band
                        .entry(age_band.map_or(UNKNOWN, AgeBand::as_str).to_owned())
                        .or_default() += delta;
                    *f.by_gender
                        .entry(gender.map_or(UNKNOWN, Gender::as_str).to_owned())
                        .or_default() += delta;
                }
                if in_period(m) {
                    if delta > 0 {
                        f.members_joined += 1;
                    } else {
                        f.members_left += 1;
                    }
                }
            }
            _ if !in_period(m) => {}
            Fact::Check {
                sent,
                answered_ahead,
                reminded,
                escalated,
                answered,
                ..
            } => {
                f.checks_sent += u32::from(*sent);
                f.checks_answered_ahead += u32::from(*answered_ahead && !*sent);
                if *escalated {
                    f.escalated += 1;
                } else if *answered && *sent {
                    if *reminded {
                        f.acknowledged_after_reminder += 1;
                    } else {
                        f.acknowledged_on_time += 1;
                    }
                }
            }
            Fact::CaseOpened { .. } => f.cases_opened += 1,
            Fact::Call { who, kind, .. } => {
                if kind.is_phone_call() {
                    f.calls += 1;
                    phoned.insert(who);
                } else {
                    f.visits_or_police += 1;
                }
            }
            Fact::CaseClosed { outcome, .. } => *f.outcomes.entry(outcome.as_str().to_owned()).or_default() += 1,
        }
    }
    f.people_phoned = phoned.len() as u32;
    f
}

/// The figures of every month with facts (oldest first), or of `month` only, then
/// those since the start under the period name `all`.
pub fn periods(facts: &[Recorded], month: Option<&str>) -> Vec<(String, Figures)> {
    let months: BTreeSet<&str> = match month {
        Some(m) => BTreeSet::from([m]),
        None => facts.iter().map(|r| r.month.as_str()).collect(),
    };
    months
        .into_iter()
        .map(|m| (m.to_owned(), figures(facts, Some(m))))
        .chain([("all".to_owned(), figures(facts, None))])
        .collect()
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
}
