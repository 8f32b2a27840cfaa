//! Configuration from environment variables (the contract in the README): read once
//! per cold start; a missing or malformed variable stops the function there, loudly.

use crate::ids::OperatorId;
use crate::timing::CheckTiming;
use std::collections::HashMap;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// The longest privacy-notice URL: the consent question, 108 characters in English
/// without it, must stay within a confirm template's 240 (`template.yaml` has the same
/// `MaxLength`).
pub const PRIVACY_URL_MAX: usize = 120;

/// The variables a function reads. Reading from a map keeps this testable and lets the
/// local runner configure functions without touching the process environment.
pub struct Env(HashMap<String, String>);

impl Env {
    pub fn from_process() -> Self {
        Self(std::env::vars().collect())
    }
    pub fn from_pairs<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Self(pairs.into_iter().collect())
    }
    pub fn optional(&self, name: &'static str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }
    pub fn required(&self, name: &'static str) -> Result<&str, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }
    pub fn operator(&self) -> Result<OperatorId, ConfigError> {
        OperatorId::new(self.required("OPERATOR_ID")?).map_err(|e| ConfigError::Invalid {
            name: "OPERATOR_ID",
            reason: e.to_string(),
        })
    }
    /// `CASE_FOLLOW_UP_POLICY` (JSON; default: every 60 minutes, quiet 21:00–08:00, contacts again
    /// after 2 hours, the person on duty mentioned after 4).
    pub fn case_follow_up_policy(&self) -> Result<crate::case::CaseFollowUpPolicy, ConfigError> {
        crate::case::CaseFollowUpPolicy::from_json(self.optional("CASE_FOLLOW_UP_POLICY")).map_err(|e| {
            ConfigError::Invalid {
                name: "CASE_FOLLOW_UP_POLICY",
                reason: e.to_string(),
            }
        })
    }
    pub fn check_timing(&self) -> Result<CheckTiming, ConfigError> {
        CheckTiming::from_minutes(
            self.optional("REMINDER_AFTER_MINUTES"),
            self.optional("OVERDUE_AFTER_MINUTES"),
        )
        .map_err(|e| ConfigError::Invalid {
            name: "REMINDER_AFTER_MINUTES/OVERDUE_AFTER_MINUTES",
            reason: e.to_string(),
        })
    }
    pub fn default_check_hour(&self) -> Result<u8, ConfigError> {
        match self.optional("DEFAULT_CHECK_HOUR") {
            None => Ok(9),
            Some(v) => v
                .parse::<u8>()
                .ok()
                .filter(|h| *h < 24)
                .ok_or_else(|| ConfigError::Invalid {
                    name: "DEFAULT_CHECK_HOUR",
                    reason: format!("{v:?} is not an hour 0-23"),
                }),
        }
    }
    /// Per-attempt timeout of LINE calls (`LINE_TIMEOUT_MS`, default 3000).
    pub fn line_timeout(&self) -> Result<std::time::Duration, ConfigError> {
        let ms = match self.optional("LINE_TIMEOUT_MS") {
            None => 3000,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|ms| (1..=60_000).contains(ms))
                .ok_or_else(|| ConfigError::Invalid {
                    name: "LINE_TIMEOUT_MS",
                    reason: format!("{v:?} is not 1-60000 milliseconds"),
                })?,
        };
        Ok(std::time::Duration::from_millis(ms))
    }
    /// Waits before each retry of a LINE call (`LINE_RETRY_BACKOFF_MS`, default "200,800").
    pub fn line_backoff(&self) -> Result<Vec<std::time::Duration>, ConfigError> {
        let v = self.optional("LINE_RETRY_BACKOFF_MS").unwrap_or("200,800");
        v.split(',')
            .map(|p| p.trim().parse::<u64>().map(std::time::Duration::from_millis))
            .collect::<Result<Vec<_>, _>>()
            .ok()
            .filter(|b| b.len() <= 5)
            .ok_or_else(|| ConfigError::Invalid {
                name: "LINE_RETRY_BACKOFF_MS",
                reason: format!("{v:?} is not up to 5 comma-separated milliseconds"),
            })
    }
    /// A whole number in `range` (`unit` names it in the error), or `None` when unset.
    fn number_in(
        &self,
        name: &'static str,
        range: std::ops::RangeInclusive<i64>,
        unit: &str,
    ) -> Result<Option<i64>, ConfigError> {
        let Some(v) = self.optional(name) else {
            return Ok(None);
        };
        v.parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .map(Some)
            .ok_or_else(|| ConfigError::Invalid {
                name,
                reason: format!("{v:?} is not {}-{} {unit}", range.start(), range.end()),
            })
    }
    /// `CHECKIN_WINDOW_HOURS` (default 12): a free check-in this close to the next check
    /// answers it, so its push is not sent.
    pub fn checkin_window(&self) -> Result<jiff::SignedDuration, ConfigError> {
        let hours = self.number_in("CHECKIN_WINDOW_HOURS", 0..=168, "hours")?;
        Ok(jiff::SignedDuration::from_hours(hours.unwrap_or(12)))
    }
    /// `ERASURE_GRACE_DAYS` (default 30): a member who blocked the account and did not
    /// come back has their data erased after this long.
    pub fn erasure_grace(&self) -> Result<jiff::SignedDuration, ConfigError> {
        let days = self.number_in("ERASURE_GRACE_DAYS", 1..=365, "days")?;
        Ok(jiff::SignedDuration::from_hours(24 * days.unwrap_or(30)))
    }
    /// `CHECK_WINDOW_MINUTES` (default 0, at most 30): Scheduler's flexible time window
    /// for the recurring checks. A check due at 09:00 comes within this many minutes
    /// after it, which spreads a round hour's burst (100,000 members over 5 minutes is
    /// about 330 a second) and members are told so. 0 fires every check on the minute.
    pub fn check_window(&self) -> Result<jiff::SignedDuration, ConfigError> {
        let minutes = self.number_in("CHECK_WINDOW_MINUTES", 0..=30, "minutes")?;
        Ok(jiff::SignedDuration::from_mins(minutes.unwrap_or(0)))
    }
    /// `PRIVACY_POLICY_URL`: an https URL of at most [`PRIVACY_URL_MAX`] characters, so
    /// the consent question that carries it stays within a confirm template's 240
    /// characters in both languages (LINE refuses a longer one, and every new friend
    /// would get nothing).
    pub fn privacy_url(&self) -> Result<String, ConfigError> {
        let url = self.required("PRIVACY_POLICY_URL")?;
        let invalid = |reason: String| ConfigError::Invalid {
            name: "PRIVACY_POLICY_URL",
            reason,
        };
        if !url.starts_with("https://") || url.chars().any(char::is_whitespace) {
            return Err(invalid("must be an https URL".into()));
        }
        if url.chars().count() > PRIVACY_URL_MAX {
            return Err(invalid(format!(
                "is {} characters, at most {PRIVACY_URL_MAX} fit the consent question",
                url.chars().count()
            )));
        }
        Ok(url.to_owned())
    }
    pub fn line_api_base(&self) -> String {
        self.optional("LINE_API_BASE")
            .unwrap_or("https://api.line.me")
            .trim_end_matches('/')
            .to_owned()
    }
}

/// Where schedules go and what they invoke.
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    pub group: String,
    pub role_arn: String,
    pub check_function_arn: String,
    pub deadline_function_arn: String,
    pub dead_letter_arn: Option<String>,
    /// The flexible time window of the recurring check schedules (zero: off).
    pub check_window: jiff::SignedDuration,
}

impl SchedulerConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            group: env.required("SCHEDULE_GROUP")?.to_owned(),
            role_arn: env.required("SCHEDULER_ROLE_ARN")?.to_owned(),
            check_function_arn: env.required("CHECK_FUNCTION_ARN")?.to_owned(),
            deadline_function_arn: env.required("DEADLINE_FUNCTION_ARN")?.to_owned(),
            dead_letter_arn: env.optional("SCHEDULER_DLQ_ARN").map(str::to_owned),
            check_window: env.check_window()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_privacy_url_too_long_for_the_consent_question_stops_the_start() {
        let url = |u: String| Env::from_pairs([("PRIVACY_POLICY_URL".to_owned(), u)]).privacy_url();
        let longest = format!("https://{}", "a".repeat(PRIVACY_URL_MAX - 8));
        assert_eq!(url(longest.clone()), Ok(longest.clone()));
        let too_long = url(format!("{longest}b")).unwrap_err().to_string();
        assert!(
            too_long.contains("PRIVACY_POLICY_URL") && too_long.contains("121"),
            "{too_long}"
        );
        assert!(url("http://example.org/privacy".into()).is_err());
        assert!(url("https://example.org/a b".into()).is_err());
    }

    #[test]
    fn missing_and_bad_variables_are_named() {
        let env = Env::from_pairs([
            ("OPERATOR_ID".to_owned(), "Bad Op".to_owned()),
            ("DEFAULT_CHECK_HOUR".to_owned(), "25".to_owned()),
        ]);
        assert!(matches!(
            env.operator(),
            Err(ConfigError::Invalid {
                name: "OPERATOR_ID",
                ..
            })
        ));
        assert_eq!(env.required("TABLE_NAME"), Err(ConfigError::Missing("TABLE_NAME")));
        assert!(env.default_check_hour().is_err());
        assert_eq!(env.line_api_base(), "https://api.line.me");
    }
}
