//! The escalation policy: how long an unanswered check waits before the reminder, and
//! how long after the reminder before it is overdue and people are alerted.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("{name} must be a whole number of minutes between 1 and 10080, got {value:?}")]
    BadMinutes { name: &'static str, value: String },
}

/// The seed's policy by default: remind at +24 h, overdue 3 h after the reminder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationPolicy {
    pub reminder_after: SignedDuration,
    pub overdue_after_reminder: SignedDuration,
}

impl Default for EscalationPolicy {
    fn default() -> Self {
        Self {
            reminder_after: SignedDuration::from_hours(24),
            overdue_after_reminder: SignedDuration::from_hours(3),
        }
    }
}

impl EscalationPolicy {
    /// Reads the two delays, in minutes, as the template passes them; absent means default.
    pub fn from_minutes(reminder: Option<&str>, overdue: Option<&str>) -> Result<Self, PolicyError> {
        fn minutes(
            name: &'static str,
            v: Option<&str>,
            default: SignedDuration,
        ) -> Result<SignedDuration, PolicyError> {
            let Some(v) = v else { return Ok(default) };
            match v.trim().parse::<i64>() {
                Ok(m) if (1..=10_080).contains(&m) => Ok(SignedDuration::from_mins(m)),
                _ => Err(PolicyError::BadMinutes {
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
        let p = EscalationPolicy::from_minutes(None, None).unwrap();
        assert_eq!(p.reminder_after, SignedDuration::from_hours(24));
        assert_eq!(p.overdue_after_reminder, SignedDuration::from_hours(3));
    }

    #[test]
    fn operator_can_change_delays_and_bad_values_are_refused() {
        let p = EscalationPolicy::from_minutes(Some("720"), Some("60")).unwrap();
        assert_eq!(p.reminder_after, SignedDuration::from_hours(12));
        assert_eq!(p.overdue_after_reminder, SignedDuration::from_hours(1));
        assert!(EscalationPolicy::from_minutes(Some("0"), None).is_err());
        assert!(EscalationPolicy::from_minutes(None, Some("3h")).is_err());
    }
}
