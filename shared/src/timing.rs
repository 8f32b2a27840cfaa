//! A check's timing: how long an unanswered check waits before the reminder, and how
//! long after the reminder before it is overdue and people are alerted. (How a case is
//! followed up once people are alerted is `case::CaseFollowUpPolicy`.)

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TimingError {
    #[error("{name} must be a whole number of minutes between 1 and 10080, got {value:?}")]
    BadMinutes { name: &'static str, value: String },
}

/// By default as the seed service does it: remind at +24 h, overdue 3 h after the reminder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckTiming {
    pub reminder_after: SignedDuration,
    pub overdue_after_reminder: SignedDuration,
}

impl Default for CheckTiming {
    fn default() -> Self {
        Self {
            reminder_after: SignedDuration::from_hours(24),
            overdue_after_reminder: SignedDuration::from_hours(3),
        }
    }
}

impl CheckTiming {
    /// The policy for one member's schedule. The rule: the reminder comes at the
    /// policy's delay, but never after the member's next check is due (for a daily
    /// member the two coincide and are one push); the overdue delay after the reminder
    /// is the policy's own. A weekly member is reminded after 24 h and escalated 3 h
    /// later; a daily member with an operator's 48 h reminder delay is reminded at 24 h.
    pub fn scaled_to(&self, schedule: &crate::schedule::CheckSchedule) -> Self {
        let interval = SignedDuration::from_hours(schedule.interval_hours());
        Self {
            reminder_after: self.reminder_after.min(interval),
            ..*self
        }
    }

    /// Reads the two delays, in minutes, as the template passes them; absent means default.
    pub fn from_minutes(reminder: Option<&str>, overdue: Option<&str>) -> Result<Self, TimingError> {
        fn minutes(
            name: &'static str,
            v: Option<&str>,
            default: SignedDuration,
        ) -> Result<SignedDuration, TimingError> {
            let Some(v) = v else { return Ok(default) };
            match v.trim().parse::<i64>() {
                Ok(m) if (1..=10_080).contains(&m) => Ok(SignedDuration::from_mins(m)),
                _ => Err(TimingError::BadMinutes {
                    name,
                    value: v.to_owned(),
                }),
            }
        }
        let d = Self::default();
        Ok(Self {
            reminder_after: minutes("REMINDER_AFTER_MINUTES", reminder, d.reminder_after)?,
            overdue_after_reminder: minutes("OVERDUE_AFTER_MINUTES", overdue, d.overdue_after_reminder)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_seeds_policy() {
        let p = CheckTiming::from_minutes(None, None).unwrap();
        assert_eq!(p.reminder_after, SignedDuration::from_hours(24));
        assert_eq!(p.overdue_after_reminder, SignedDuration::from_hours(3));
    }

    #[test]
    fn reminder_never_comes_after_the_next_check() {
        let p = CheckTiming::from_minutes(Some("2880"), None).unwrap();
        let daily = crate::schedule::CheckSchedule::daily_at(9).unwrap();
        assert_eq!(p.scaled_to(&daily).reminder_after, SignedDuration::from_hours(24));
        let weekly = crate::schedule::CheckSchedule::new(
            crate::schedule::Cadence::Week {
                weekday: crate::schedule::WeekdayName::Mon,
            },
            9,
            0,
            "Asia/Tokyo",
        )
        .unwrap();
        assert_eq!(CheckTiming::default().scaled_to(&weekly), CheckTiming::default());
    }

    #[test]
    fn operator_can_change_delays_and_bad_values_are_refused() {
        let p = CheckTiming::from_minutes(Some("720"), Some("60")).unwrap();
        assert_eq!(p.reminder_after, SignedDuration::from_hours(12));
        assert_eq!(p.overdue_after_reminder, SignedDuration::from_hours(1));
        assert!(CheckTiming::from_minutes(Some("0"), None).is_err());
        assert!(CheckTiming::from_minutes(None, Some("3h")).is_err());
    }
}
