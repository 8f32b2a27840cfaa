//! The operator (運営団体) running the service: what is the same for everyone it serves.

use crate::member::Lang;
use jiff::tz::TimeZone;

/// The language staff read.
pub const STAFF_LANG: Lang = Lang::Ja;

/// Staff read times in the operator's zone.
pub fn operator_zone() -> TimeZone {
    TimeZone::get(crate::schedule::DEFAULT_ZONE).unwrap_or(TimeZone::UTC)
}
