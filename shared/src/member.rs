//! Members (見守り対象者): who is watched over, on what schedule, and in what state.

use crate::ids::{OperatorId, UserId};
use crate::schedule::CheckSchedule;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The language a member reads (Japanese unless they chose English).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

/// Age bands members may give at onboarding (or not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    Under60,
    Sixties,
    Seventies,
    Eighties,
    NinetyPlus,
}

impl AgeBand {
    pub const ALL: [AgeBand; 5] = [
        Self::Under60,
        Self::Sixties,
        Self::Seventies,
        Self::Eighties,
        Self::NinetyPlus,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Under60 => "under_60",
            Self::Sixties => "60s",
            Self::Seventies => "70s",
            Self::Eighties => "80s",
            Self::NinetyPlus => "90_plus",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
    Other,
}

impl Gender {
    pub const ALL: [Gender; 3] = [Self::Female, Self::Male, Self::Other];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
            Self::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// A member as the report sees them: their random report token, kept only on their own
/// record, so once the record is erased nothing links the facts to them. (Members who
/// joined before tokens existed get a hash of their id instead.)
pub fn pseudonym(op: &OperatorId, member: &Member) -> String {
    if let Some(token) = &member.report_token {
        return token.clone();
    }
    legacy_pseudonym(op, &member.user_id)
}

pub(crate) fn legacy_pseudonym(op: &OperatorId, user: &UserId) -> String {
    Sha256::digest(format!("{op}/{user}").as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where a member is in their life cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    /// Checked on according to their schedule.
    Active,
    /// Away (a trip, a hospital stay) until `resume_on`: no checks until that day.
    Paused,
    /// Unfollowed (blocked) the account: no pushes can reach them, so none are sent.
    Blocked,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub operator: OperatorId,
    pub user_id: UserId,
    /// The LINE display name, shown to the member's contacts and staff only.
    pub display_name: String,
    pub lang: Lang,
    pub status: MemberStatus,
    pub schedule: CheckSchedule,
    pub joined_at: Timestamp,
    /// The last acknowledgement or other sign of life.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sign_of_life: Option<Timestamp>,
    /// The scheduled time of the member's open check, if any: at most one is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_check: Option<Timestamp>,
    /// Records from other versions may lack a count: none then.
    #[serde(default)]
    pub contact_count: u8,
    /// The next scheduled check the member already answered with the free check-in
    /// button: it is recorded as acknowledged and not pushed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_in_for: Option<Timestamp>,
    /// The onboarding step still open, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onboarding: Option<Onboarding>,
    /// When the status last changed by joining, blocking or coming back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_since: Option<Timestamp>,
    /// When the schedule was last set (joining or a change): checks expected by the
    /// watchdog are counted from then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_since: Option<Timestamp>,
    /// While paused: the local date checks start again (a pause always has an end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_on: Option<Date>,
    /// Given at onboarding, if the member chose to (for the operator's statistics only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_band: Option<crate::member::AgeBand>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<crate::member::Gender>,
    /// A random token that stands for the member in the report's anonymous facts; it
    /// exists only here, so erasing this record unlinks the facts from the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_token: Option<String>,
    /// Already counted as having left in the report (their checks ended for good).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub left_counted: bool,
    /// The contact whose phone number the member is about to send, if they asked to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_for: Option<UserId>,
    /// Checks acknowledged so far; a person with none is still "new" (see `contact`).
    #[serde(default)]
    pub acknowledged_checks: u32,
}

impl Member {
    /// A new member; `report_token` (random, from the caller: the domain draws no
    /// randomness) keys their pseudonym in the report.
    pub fn join(
        operator: OperatorId,
        user_id: UserId,
        display_name: String,
        schedule: CheckSchedule,
        now: Timestamp,
        report_token: String,
    ) -> Self {
        Self {
            operator,
            user_id,
            display_name,
            lang: Lang::Ja,
            status: MemberStatus::Active,
            schedule,
            joined_at: now,
            last_sign_of_life: None,
            open_check: None,
            contact_count: 0,
            resume_on: None,
            status_since: Some(now),
            onboarding: Some(Onboarding::Schedule),
            checked_in_for: None,
            acknowledged_checks: 0,
            age_band: None,
            gender: None,
            phone_for: None,
            left_counted: false,
            schedule_since: Some(now),
            report_token: Some(report_token),
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == MemberStatus::Active
    }

    /// The member's local date at `at` (their schedule's zone); `None` if that zone no
    /// longer exists.
    pub fn today(&self, at: Timestamp) -> Option<Date> {
        self.schedule.time_zone().ok().map(|tz| at.to_zoned(tz).date())
    }

    /// Whether a pause is over by the local date of `at`.
    pub fn pause_over_at(&self, at: Timestamp) -> bool {
        match (self.status, self.resume_on, self.schedule.time_zone()) {
            (MemberStatus::Paused, Some(resume_on), Ok(tz)) => at.to_zoned(tz).date() >= resume_on,
            _ => false,
        }
    }
}

/// Where a new member is in onboarding (consent comes before any record exists).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Onboarding {
    /// Consented; choosing how often and when (the default schedule runs meanwhile).
    Schedule,
    /// Asked (optionally) for age band and gender.
    Profile,
    /// Offered to register a contact.
    Contact,
}

/// A recorded change in a member's life, kept as their history (audit log).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum HistoryEvent {
    Joined,
    Reactivated,
    Blocked,
    BecameContactOnly,
    ContactLinked {
        contact: UserId,
    },
    ContactRemoved {
        contact: UserId,
    },
    ContactPhoneSet {
        contact: UserId,
    },
    ContactPhoneCleared {
        contact: UserId,
    },
    CaseTaken {
        case_number: u64,
        by: UserId,
    },
    CheckReminded {
        check: Timestamp,
    },
    CheckOverdue {
        check: Timestamp,
        case_number: u64,
    },
    AcknowledgedAfterEscalation {
        check: Timestamp,
        case_number: u64,
    },
    ScheduleChanged {
        schedule: CheckSchedule,
    },
    Paused {
        resume_on: Date,
    },
    Resumed,
    CaseClosed {
        case_number: u64,
        outcome: crate::case::Outcome,
    },
    /// Checks stopped for good (the case ended with the member's death).
    ChecksStopped,
    /// Staff undid a 死亡 recorded by mistake: checks again.
    ChecksResumed,
    /// An entry this version does not know (written by a later one): kept, shown as
    /// such, never a reason to refuse the whole history.
    #[serde(other)]
    Unknown,
}

impl HistoryEvent {
    /// The other person the entry names (a contact, the staff member who took a case):
    /// erasing them must find the entry.
    pub fn person(&self) -> Option<&UserId> {
        match self {
            Self::ContactLinked { contact }
            | Self::ContactRemoved { contact }
            | Self::ContactPhoneSet { contact }
            | Self::ContactPhoneCleared { contact } => Some(contact),
            Self::CaseTaken { by, .. } => Some(by),
            Self::Joined
            | Self::Reactivated
            | Self::Blocked
            | Self::BecameContactOnly
            | Self::CheckReminded { .. }
            | Self::CheckOverdue { .. }
            | Self::AcknowledgedAfterEscalation { .. }
            | Self::ScheduleChanged { .. }
            | Self::Paused { .. }
            | Self::Resumed
            | Self::CaseClosed { .. }
            | Self::ChecksStopped
            | Self::ChecksResumed
            | Self::Unknown => None,
        }
    }
}

/// One change to a member record, with the condition it is made under; the store makes
/// it (with its history entry, if any) in one write.
#[derive(Clone, Debug, PartialEq)]
pub enum MemberChange {
    /// `from` → `to`, only while still `from` (`status_since` is the change's time).
    Status {
        from: MemberStatus,
        to: MemberStatus,
    },
    /// The onboarding step (`None`: onboarding done).
    Onboarding(Option<Onboarding>),
    /// The next check, already answered with the free check-in button.
    CheckedInFor(Timestamp),
    /// A new schedule (`schedule_since` is the change's time).
    Schedule(CheckSchedule),
    /// Paused until that local date: from active, or a new date while paused.
    PauseUntil(Date),
    /// Active again: only from paused.
    Resume,
    /// Whose phone number the member is about to send (`None`: nobody's).
    PhoneFor(Option<UserId>),
    /// Counted as having left (checks ended for good), so erasure does not count twice.
    LeftCounted,
    /// Counted as a member again (a 死亡 recorded by mistake was undone).
    LeftCountUndone,
    Demographics {
        age_band: Option<AgeBand>,
        gender: Option<Gender>,
    },
    Lang(Lang),
    /// The open check dropped, while it is still `at`: it points at no check (a partial
    /// erasure, a restore), and would refuse every new one.
    DropOpenCheck(Timestamp),
    /// A report token for a member who joined before tokens existed (only if they still
    /// have none).
    ReportToken(String),
}

/// The longest pause a member can choose.
pub const MAX_PAUSE_DAYS: i64 = 90;

/// How a member chose to pause: for a number of days, or until a date they picked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PauseChoice {
    Days(u8),
    Until(Date),
}

/// Why a chosen pause is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a pause must end between tomorrow and {MAX_PAUSE_DAYS} days from today")]
pub struct PauseRefused;

/// The day checks resume after a pause chosen `today`: after at least one day off and
/// at most `MAX_PAUSE_DAYS`.
pub fn resume_day(choice: PauseChoice, today: Date) -> Result<Date, PauseRefused> {
    let resume_on = match choice {
        PauseChoice::Days(days) => today.checked_add(jiff::Span::new().days(i64::from(days))),
        PauseChoice::Until(day) => Ok(day),
    }
    .map_err(|_| PauseRefused)?;
    let latest = today
        .checked_add(jiff::Span::new().days(MAX_PAUSE_DAYS))
        .map_err(|_| PauseRefused)?;
    if resume_on <= today || resume_on > latest {
        return Err(PauseRefused);
    }
    Ok(resume_on)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_ends_between_tomorrow_and_ninety_days_on() {
        let today = jiff::civil::date(2026, 11, 29);
        assert_eq!(
            resume_day(PauseChoice::Days(7), today),
            Ok(jiff::civil::date(2026, 12, 6))
        );
        assert_eq!(
            resume_day(PauseChoice::Until(jiff::civil::date(2026, 11, 30)), today),
            Ok(jiff::civil::date(2026, 11, 30))
        );
        for refused in [today, jiff::civil::date(2026, 11, 1), jiff::civil::date(2027, 2, 28)] {
            assert_eq!(
                resume_day(PauseChoice::Until(refused), today),
                Err(PauseRefused),
                "{refused}"
            );
        }
        assert_eq!(resume_day(PauseChoice::Days(0), today), Err(PauseRefused));
        assert!(resume_day(PauseChoice::Until(jiff::civil::date(2027, 2, 27)), today).is_ok());
    }

    #[test]
    fn legacy_pseudonyms_hide_ids() {
        let op = OperatorId::new("op").unwrap();
        let u = UserId::new(format!("U{}", "a".repeat(32))).unwrap();
        let p = legacy_pseudonym(&op, &u);
        assert_eq!(p.len(), 16);
        assert!(!p.contains(&u.as_str()[1..9]));
    }
}
