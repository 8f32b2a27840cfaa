//! The operator (運営団体) running the service: what is the same for everyone it
//! serves. One deployment serves a list of operators (a list of one by default); every
//! invocation runs in exactly one operator's context.

use crate::case::CaseFollowUpPolicy;
use crate::ids::OperatorId;
use crate::member::Lang;
use crate::schedule::CheckSchedule;
use crate::timing::CheckTiming;
use jiff::SignedDuration;
use jiff::tz::TimeZone;

/// One operator's settings and policies.
#[derive(Clone, Debug)]
pub struct Operator {
    pub id: OperatorId,
    /// Staff read times in this zone; a report month is a month here.
    pub zone: TimeZone,
    /// The language staff read.
    pub staff_lang: Lang,
    /// When an unanswered check is reminded and when it is overdue.
    pub timing: CheckTiming,
    /// How untaken cases are followed up (re-announced, escalated, quiet hours).
    pub case_follow_up: CaseFollowUpPolicy,
    /// The schedule a new member starts with.
    pub default_schedule: CheckSchedule,
    /// How late within its minute a check may come (Scheduler's flexible time window),
    /// as members are told.
    pub check_window: SignedDuration,
    /// How long before a check the free check-in button answers it ahead.
    pub checkin_window: SignedDuration,
    /// How long a member who blocked the account keeps their data before it is erased.
    pub erasure_grace: SignedDuration,
    /// The operator's privacy notice, linked from the consent question.
    pub privacy_url: String,
}
