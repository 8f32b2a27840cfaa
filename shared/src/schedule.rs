//! When a member is checked on: their cadence, hour and time zone, the EventBridge
//! Scheduler expression that carries it, and our own evaluation of those expressions
//! (moto stores schedules without validating or firing them, so we do both).

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use std::fmt;

pub const DEFAULT_ZONE: &str = "Asia/Tokyo";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScheduleError {
    #[error("unknown time zone {0:?}")]
    UnknownZone(String),
    #[error("hour must be 0-23 and minute 0-59")]
    BadTime,
    #[error("every-n-days must be 1-7")]
    BadInterval,
    #[error("unsupported schedule expression {0:?}")]
    BadExpression(String),
}

/// How often a member is checked on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "every", rename_all = "snake_case")]
pub enum Cadence {
    Day,
    /// Every `n` days, counted from the schedule's `first_day`. The schedule fires daily
    /// in the member's zone and the check function skips the other days, so the local
    /// hour holds across daylight-saving changes (a `rate(n days)` expression would
    /// drift by an hour).
    Days {
        n: u8,
    },
    /// Once a week on this weekday.
    Week {
        weekday: WeekdayName,
    },
}

/// A weekday as stored and as written in cron expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum WeekdayName {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl WeekdayName {
    pub fn weekday(self) -> Weekday {
        match self {
            Self::Mon => Weekday::Monday,
            Self::Tue => Weekday::Tuesday,
            Self::Wed => Weekday::Wednesday,
            Self::Thu => Weekday::Thursday,
            Self::Fri => Weekday::Friday,
            Self::Sat => Weekday::Saturday,
            Self::Sun => Weekday::Sunday,
        }
    }
    pub fn cron_name(self) -> &'static str {
        self.cron()
    }
    pub fn from_cron_name(s: &str) -> Option<Self> {
        Self::from_cron(s)
    }
    fn cron(self) -> &'static str {
        match self {
            Self::Mon => "MON",
            Self::Tue => "TUE",
            Self::Wed => "WED",
            Self::Thu => "THU",
            Self::Fri => "FRI",
            Self::Sat => "SAT",
            Self::Sun => "SUN",
        }
    }
    fn from_cron(s: &str) -> Option<Self> {
        [
            Self::Mon,
            Self::Tue,
            Self::Wed,
            Self::Thu,
            Self::Fri,
            Self::Sat,
            Self::Sun,
        ]
        .into_iter()
        .find(|w| w.cron() == s)
    }
}

/// A member's check schedule: cadence, local time of day and IANA time zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSchedule {
    pub cadence: Cadence,
    pub hour: u8,
    pub minute: u8,
    pub zone: String,
    /// The first check day of an every-n-days cadence (the days are counted from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_day: Option<Date>,
}

/// The IANA name of `zone` as the time-zone database spells it (`asia/tokyo` is
/// `Asia/Tokyo`): what Scheduler accepts and what is stored. `Etc/Unknown`, which the
/// database knows but no schedule can use, is refused.
pub fn canonical_zone(zone: &str) -> Result<String, ScheduleError> {
    let unknown = || ScheduleError::UnknownZone(zone.to_owned());
    let tz = TimeZone::get(zone).map_err(|_| unknown())?;
    match tz.iana_name() {
        Some(name) if name != "Etc/Unknown" => Ok(name.to_owned()),
        _ => Err(unknown()),
    }
}

impl CheckSchedule {
    pub fn new(cadence: Cadence, hour: u8, minute: u8, zone: &str) -> Result<Self, ScheduleError> {
        if hour > 23 || minute > 59 {
            return Err(ScheduleError::BadTime);
        }
        if let Cadence::Days { n } = cadence
            && !(1..=7).contains(&n)
        {
            return Err(ScheduleError::BadInterval);
        }
        Ok(Self {
            cadence,
            hour,
            minute,
            zone: canonical_zone(zone)?,
            first_day: None,
        })
    }

    /// The same schedule with its every-n-days count starting on `day`.
    pub fn first_day(self, day: Date) -> Self {
        Self {
            first_day: Some(day),
            ..self
        }
    }

    /// The schedule a member chose at `now`: an every-n-days count starts today if the
    /// new time is still ahead today, otherwise tomorrow.
    pub fn chosen(cadence: Cadence, hour: u8, minute: u8, zone: &str, now: Timestamp) -> Result<Self, ScheduleError> {
        let schedule = Self::new(cadence, hour, minute, zone)?;
        let Cadence::Days { .. } = cadence else {
            return Ok(schedule);
        };
        let tz = schedule.time_zone()?;
        let today = now.to_zoned(tz.clone()).date();
        let ahead_today = today
            .at(hour as i8, minute as i8, 0, 0)
            .to_zoned(tz)
            .is_ok_and(|z| z.timestamp() > now);
        let from = if ahead_today {
            today
        } else {
            today.tomorrow().unwrap_or(today)
        };
        Ok(schedule.first_day(from))
    }

    /// Every day at `hour`:00 in Asia/Tokyo.
    pub fn daily_at(hour: u8) -> Result<Self, ScheduleError> {
        Self::new(Cadence::Day, hour, 0, DEFAULT_ZONE)
    }

    pub fn time_zone(&self) -> Result<TimeZone, ScheduleError> {
        TimeZone::get(&self.zone).map_err(|_| ScheduleError::UnknownZone(self.zone.clone()))
    }

    /// The Scheduler expression for this schedule, evaluated in `zone`.
    pub fn expression(&self) -> ScheduleExpression {
        ScheduleExpression::Cron {
            minute: self.minute,
            hour: self.hour,
            weekday: match self.cadence {
                Cadence::Week { weekday } => Some(weekday),
                _ => None,
            },
        }
    }

    /// Whether a firing of the expression at `at` is a check (every-n-days schedules
    /// fire daily and check only every n-th day).
    pub fn is_check_time(&self, at: Timestamp) -> bool {
        match (self.cadence, self.time_zone()) {
            (Cadence::Days { n }, Ok(tz)) => {
                let day = at.to_zoned(tz).date();
                // Without a first day, days are counted from the epoch (never written so).
                let from = self.first_day.unwrap_or(Date::constant(1970, 1, 1));
                let since = from.until(day).map(|span| span.get_days()).unwrap_or(0);
                since >= 0 && since % i32::from(n.max(1)) == 0
            }
            _ => true,
        }
    }

    /// The first check strictly after `after`.
    pub fn first_after(&self, after: Timestamp) -> Result<Timestamp, ScheduleError> {
        let tz = self.time_zone()?;
        let expression = self.expression();
        let mut t = after;
        for _ in 0..400 {
            t = expression
                .next_after(&tz, None, t)
                .ok_or_else(|| ScheduleError::BadExpression(expression.to_string()))?;
            if self.is_check_time(t) {
                return Ok(t);
            }
        }
        Err(ScheduleError::BadExpression(expression.to_string()))
    }

    /// The nominal time between two checks, used to scale reminder delays.
    pub fn interval_hours(&self) -> i64 {
        match self.cadence {
            Cadence::Day => 24,
            Cadence::Days { n } => 24 * i64::from(n),
            Cadence::Week { .. } => 24 * 7,
        }
    }
}

/// How precisely a schedule fires: `at()` keeps whole seconds and EventBridge Scheduler
/// invokes within a minute of the time. Whatever is due within this of "now" is due now,
/// and nothing is scheduled sooner than this after now (it could fire before it is due).
pub const SCHEDULER_PRECISION: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

/// The subset of EventBridge Scheduler expressions this service writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScheduleExpression {
    /// `cron(M H * * ? *)` or, with a weekday, `cron(M H ? * DOW *)`.
    Cron {
        minute: u8,
        hour: u8,
        weekday: Option<WeekdayName>,
    },
    /// `cron(M * * * ? *)`: every hour at minute M (the watchdog's schedule).
    Hourly { minute: u8 },
    /// `at(yyyy-mm-ddThh:mm:ss)`, a one-time schedule, in the schedule's time zone.
    At(DateTime),
}

impl fmt::Display for ScheduleExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cron {
                minute,
                hour,
                weekday: None,
            } => write!(f, "cron({minute} {hour} * * ? *)"),
            Self::Cron {
                minute,
                hour,
                weekday: Some(w),
            } => {
                write!(f, "cron({minute} {hour} ? * {} *)", w.cron())
            }
            Self::Hourly { minute } => write!(f, "cron({minute} * * * ? *)"),
            Self::At(dt) => write!(f, "at({})", dt.strftime("%Y-%m-%dT%H:%M:%S")),
        }
    }
}

impl std::str::FromStr for ScheduleExpression {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, ScheduleError> {
        let bad = || ScheduleError::BadExpression(s.to_owned());
        if let Some(body) = s.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
            let f: Vec<&str> = body.split(' ').collect();
            let [minute, hour, dom, month, dow, year] = f.as_slice() else {
                return Err(bad());
            };
            let minute: u8 = minute.parse().map_err(|_| bad())?;
            if (*hour, *dom, *month, *dow, *year) == ("*", "*", "*", "?", "*") && minute <= 59 {
                return Ok(Self::Hourly { minute });
            }
            let hour: u8 = hour.parse().map_err(|_| bad())?;
            if minute > 59 || hour > 23 || *month != "*" || *year != "*" {
                return Err(bad());
            }
            let weekday = match (*dom, *dow) {
                ("*", "?") => None,
                ("?", d) => Some(WeekdayName::from_cron(d).ok_or_else(bad)?),
                _ => return Err(bad()),
            };
            return Ok(Self::Cron { minute, hour, weekday });
        }
        if let Some(body) = s.strip_prefix("at(").and_then(|r| r.strip_suffix(')')) {
            let dt: DateTime = body.parse().map_err(|_| bad())?;
            return Ok(Self::At(dt));
        }
        Err(bad())
    }
}

impl ScheduleExpression {
    /// A one-time expression for `at`, written in `tz`.
    pub fn at(at: Timestamp, tz: &TimeZone) -> Self {
        Self::At(at.to_zoned(tz.clone()).datetime())
    }

    /// The first firing strictly after `after`. `start` is the schedule's start date
    /// (nothing fires before it).
    pub fn next_after(&self, tz: &TimeZone, start: Option<Timestamp>, after: Timestamp) -> Option<Timestamp> {
        let after = match start {
            Some(s) if s > after => s.checked_sub(1.nanosecond()).ok()?,
            _ => after,
        };
        match *self {
            Self::Cron { minute, hour, weekday } => {
                let mut day: Date = after.to_zoned(tz.clone()).date();
                // A week and a day of candidates always contains the next firing.
                for _ in 0..9 {
                    let fits = weekday.is_none_or(|w| day.weekday() == w.weekday());
                    if fits {
                        let local = day.to_datetime(Time::new(hour as i8, minute as i8, 0, 0).ok()?);
                        // In a daylight-saving gap the check fires at the first valid
                        // instant after it; in an overlap, at the first occurrence.
                        let at = tz.to_ambiguous_timestamp(local).compatible().ok()?;
                        if at > after {
                            return Some(at);
                        }
                    }
                    day = day.tomorrow().ok()?;
                }
                None
            }
            Self::Hourly { minute } => {
                // Hours are the same instants in every zone that is whole hours off UTC;
                // count in UTC (Scheduler's own zone for an hourly rate).
                let secs = after.as_second();
                let hour_start = secs - secs.rem_euclid(3600);
                let candidate = hour_start + i64::from(minute) * 60;
                let next = if candidate > secs { candidate } else { candidate + 3600 };
                let next = Timestamp::from_second(next).ok()?;
                (next > after).then_some(next)
            }
            Self::At(dt) => {
                let at = tz.to_ambiguous_timestamp(dt).compatible().ok()?;
                (at > after).then_some(at)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zone_is_stored_as_the_database_spells_it_and_etc_unknown_is_refused() {
        let s = CheckSchedule::new(Cadence::Day, 9, 0, "asia/tokyo").unwrap();
        assert_eq!(s.zone, "Asia/Tokyo");
        assert_eq!(canonical_zone("AMERICA/NEW_YORK").unwrap(), "America/New_York");
        for bad in ["Etc/Unknown", "etc/unknown", "Mars/Olympus", ""] {
            assert!(CheckSchedule::new(Cadence::Day, 9, 0, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_n_days_chosen_counts_from_the_first_day_the_time_is_still_ahead() {
        // 10:00 in Tokyo.
        let now: Timestamp = "2026-11-29T01:00:00Z".parse().unwrap();
        let later = CheckSchedule::chosen(Cadence::Days { n: 2 }, 11, 0, DEFAULT_ZONE, now).unwrap();
        assert_eq!(later.first_day, Some(jiff::civil::date(2026, 11, 29)));
        let earlier = CheckSchedule::chosen(Cadence::Days { n: 2 }, 9, 0, DEFAULT_ZONE, now).unwrap();
        assert_eq!(earlier.first_day, Some(jiff::civil::date(2026, 11, 30)));
        let daily = CheckSchedule::chosen(Cadence::Day, 9, 0, DEFAULT_ZONE, now).unwrap();
        assert_eq!(daily.first_day, None, "only a count of days needs a start");
        assert!(CheckSchedule::chosen(Cadence::Day, 24, 0, DEFAULT_ZONE, now).is_err());
    }

    #[test]
    fn the_hourly_watchdog_expression_reads_back_and_fires_every_hour() {
        let e: ScheduleExpression = "cron(5 * * * ? *)".parse().unwrap();
        assert_eq!(e, ScheduleExpression::Hourly { minute: 5 });
        assert_eq!(e.to_string(), "cron(5 * * * ? *)");
        let tz = TimeZone::get("Asia/Tokyo").unwrap();
        assert_eq!(
            e.next_after(&tz, None, ts("2026-11-25T10:05:00Z")),
            Some(ts("2026-11-25T11:05:00Z"))
        );
        assert_eq!(
            e.next_after(&tz, None, ts("2026-11-25T10:04:59Z")),
            Some(ts("2026-11-25T10:05:00Z"))
        );
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn expressions_round_trip() {
        for s in ["cron(0 9 * * ? *)", "cron(30 7 ? * MON *)", "at(2026-11-26T09:00:00)"] {
            let e: ScheduleExpression = s.parse().unwrap();
            assert_eq!(e.to_string(), s);
        }
    }

    #[test]
    fn invalid_expressions_are_refused() {
        for s in [
            "cron(0 25 * * ? *)",
            "cron(0 9 * * *)",
            "rate(0 days)",
            "rate(5 minutes)",
            "at(tomorrow)",
            "daily",
        ] {
            assert!(s.parse::<ScheduleExpression>().is_err(), "{s}");
        }
    }

    #[test]
    fn daily_nine_in_tokyo_is_midnight_utc() {
        let s = CheckSchedule::daily_at(9).unwrap();
        let next = s.first_after(ts("2026-11-25T00:00:00Z")).unwrap();
        assert_eq!(next, ts("2026-11-26T00:00:00Z"));
        let next = s.first_after(ts("2026-11-24T23:59:00Z")).unwrap();
        assert_eq!(next, ts("2026-11-25T00:00:00Z"));
    }

    #[test]
    fn weekly_fires_on_its_weekday() {
        let e: ScheduleExpression = "cron(0 7 ? * MON *)".parse().unwrap();
        let tz = TimeZone::get("Asia/Tokyo").unwrap();
        // 2026-11-25 is a Wednesday; the next Monday is the 30th.
        let next = e.next_after(&tz, None, ts("2026-11-25T00:00:00Z")).unwrap();
        assert_eq!(next, ts("2026-11-29T22:00:00Z"));
    }

    #[test]
    fn local_hour_holds_across_daylight_saving() {
        let tz = TimeZone::get("America/Los_Angeles").unwrap();
        let e = ScheduleExpression::Cron {
            minute: 0,
            hour: 9,
            weekday: None,
        };
        // 2026-11-01 DST ends in Los Angeles: 09:00 PDT is 16:00Z, 09:00 PST 17:00Z.
        assert_eq!(
            e.next_after(&tz, None, ts("2026-10-31T17:00:00Z")),
            Some(ts("2026-11-01T17:00:00Z"))
        );
        assert_eq!(
            e.next_after(&tz, None, ts("2026-10-30T17:00:00Z")),
            Some(ts("2026-10-31T16:00:00Z"))
        );
    }

    #[test]
    fn every_two_days_keeps_its_local_hour_across_daylight_saving() {
        let from = Date::constant(2026, 10, 30);
        let s = CheckSchedule::new(Cadence::Days { n: 2 }, 9, 0, "America/Los_Angeles")
            .unwrap()
            .first_day(from);
        let first = s.first_after(ts("2026-10-29T20:00:00Z")).unwrap();
        assert_eq!(first, ts("2026-10-30T16:00:00Z"), "09:00 PDT");
        let second = s.first_after(first).unwrap();
        assert_eq!(second, ts("2026-11-01T17:00:00Z"), "09:00 PST, two local days later");
        assert!(!s.is_check_time(ts("2026-10-31T16:00:00Z")));
    }

    #[test]
    fn schedules_are_validated() {
        assert_eq!(
            CheckSchedule::new(Cadence::Day, 24, 0, DEFAULT_ZONE),
            Err(ScheduleError::BadTime)
        );
        assert!(matches!(
            CheckSchedule::new(Cadence::Day, 9, 0, "Mars/Base"),
            Err(ScheduleError::UnknownZone(_))
        ));
        assert_eq!(
            CheckSchedule::new(Cadence::Days { n: 9 }, 9, 0, DEFAULT_ZONE),
            Err(ScheduleError::BadInterval)
        );
    }
}
