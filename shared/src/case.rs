//! Cases (対応案件): an overdue check that staff work until it ends. Everything that
//! happens to a case is an append-only history of events; untaken cases are announced
//! again by the operator's follow-up policy (re-announce interval, quiet hours, levels).

use crate::ids::UserId;
use crate::schedule::SCHEDULER_PRECISION;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// A case, found by its short number (e.g. #1042, easy to say on the phone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub number: u64,
    pub member: UserId,
    /// The overdue check's scheduled time.
    pub check: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_by: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_by_name: Option<String>,
    /// When it was taken (the taker is reminded, then the case released, from then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<Timestamp>,
    /// When the person who took it was reminded that it is still open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taker_reminded_at: Option<Timestamp>,
    /// How the case ended, once it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// Follow-ups done while nobody had taken it.
    #[serde(default)]
    pub follow_ups: u32,
    /// Escalation levels of the policy already carried out.
    #[serde(default)]
    pub levels_done: u32,
    /// When the next follow-up is due, if one is planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_follow_up: Option<Timestamp>,
}

impl Case {
    pub fn open(number: u64, member: UserId, check: Timestamp, now: Timestamp) -> Self {
        Self {
            number,
            member,
            check,
            opened_at: Some(now),
            taken_by: None,
            taken_by_name: None,
            taken_at: None,
            taker_reminded_at: None,
            outcome: None,
            follow_ups: 0,
            levels_done: 0,
            next_follow_up: None,
        }
    }

    pub fn is_closed(&self) -> bool {
        self.outcome.is_some()
    }

    pub fn opened(&self) -> Timestamp {
        self.opened_at.unwrap_or(self.check)
    }
}

/// A call record, from the buttons staff press after taking a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    /// 本人と話せた・無事
    ReachedMember,
    /// 不在・留守電
    NoAnswer,
    /// 連絡先と話せた
    ReachedContact,
    /// 訪問・警察を依頼
    Dispatched,
}

impl CallKind {
    pub const ALL: [CallKind; 4] = [
        Self::ReachedMember,
        Self::NoAnswer,
        Self::ReachedContact,
        Self::Dispatched,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReachedMember => "reached_member",
            Self::NoAnswer => "no_answer",
            Self::ReachedContact => "reached_contact",
            Self::Dispatched => "dispatched",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether this record is a phone call (a visit or police request is not counted as one).
    pub fn is_phone_call(self) -> bool {
        !matches!(self, Self::Dispatched)
    }
}

/// How a case ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The member answered the check late.
    Answered,
    /// A contact pressed 「無事を確認しました」.
    ConfirmedByContact,
    /// Closed by staff: safe.
    Safe,
    Hospitalised,
    Deceased,
    Other,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Self::Answered,
        Self::ConfirmedByContact,
        Self::Safe,
        Self::Hospitalised,
        Self::Deceased,
        Self::Other,
    ];
    /// The outcomes staff choose from when they close a case.
    pub const STAFF: [Outcome; 4] = [Self::Safe, Self::Hospitalised, Self::Deceased, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::ConfirmedByContact => "confirmed_by_contact",
            Self::Safe => "safe",
            Self::Hospitalised => "hospitalised",
            Self::Deceased => "deceased",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the member is known to be safe (everyone alerted gets the all-clear).
    /// Whether closing so asks "are you sure?" first: 死亡 stops the member's checks
    /// for good, and one mistaken tap must not do that.
    pub fn needs_confirmation(self) -> bool {
        self == Self::Deceased
    }

    pub fn is_safe(self) -> bool {
        matches!(self, Self::Answered | Self::ConfirmedByContact | Self::Safe)
    }
}

/// Who did something to a case: a staff member or contact, by LINE id and display name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: UserId,
    pub name: String,
}

/// One entry of a case's history. Append-only: nothing is ever changed or removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CaseEvent {
    Opened {
        check: Timestamp,
    },
    /// The first alert: to these contacts (LINE ids) and the staff room.
    Alerted {
        contacts: Vec<UserId>,
        staff_room: bool,
    },
    /// Announced again to the staff room because nobody had taken it.
    Reannounced {
        follow_up: u32,
    },
    /// An escalation level of the policy was carried out.
    Escalated {
        level: u32,
        action: LevelAction,
        to: Vec<String>,
    },
    Taken {
        by: Actor,
    },
    /// The person who took it was reminded that it is still open.
    TakerReminded {
        by: Actor,
    },
    /// It was handed back to everyone: the person who took it did not close it in time,
    /// or left the staff room.
    Released {
        by: Actor,
        reason: ReleaseReason,
    },
    Call {
        kind: CallKind,
        by: Actor,
    },
    Note {
        by: Actor,
        text: String,
    },
    Closed {
        outcome: Outcome,
        by: Option<Actor>,
    },
    /// Closed as 死亡 by mistake: staff started the member's checks again.
    ChecksResumed {
        by: Actor,
    },
    /// The staff room could not be told of it on LINE, so the staff were paged by
    /// e-mail or SMS (once per case).
    StaffPaged {
        why: crate::page::Unreached,
    },
    /// An entry this version does not know (written by a later one): kept, shown as
    /// such, never a reason to refuse the whole history.
    #[serde(other)]
    Unknown,
}

impl CaseEvent {
    /// The people the event names besides the case's member (contacts alerted, staff or
    /// a contact who acted): erasing one of them must find the case.
    pub fn people(&self) -> Vec<UserId> {
        match self {
            Self::Alerted { contacts, .. } => contacts.clone(),
            Self::Escalated { to, .. } => to.iter().filter_map(|t| UserId::new(t.as_str()).ok()).collect(),
            Self::Taken { by }
            | Self::TakerReminded { by }
            | Self::Released { by, .. }
            | Self::Call { by, .. }
            | Self::Note { by, .. }
            | Self::ChecksResumed { by } => vec![by.id.clone()],
            Self::Closed { by, .. } => by.iter().map(|a| a.id.clone()).collect(),
            Self::Opened { .. } | Self::Reannounced { .. } | Self::StaffPaged { .. } | Self::Unknown => Vec::new(),
        }
    }
}

/// A change of who has a case, with the time it is next looked at (`next`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TakerChange {
    /// `by` takes it, unless someone did first.
    Take { by: Actor, next: Timestamp },
    /// `by`, who has it, was reminded (once per take).
    Remind { by: Actor, next: Timestamp },
    /// Handed back to everyone, while `by` still has it.
    Release {
        by: Actor,
        reason: ReleaseReason,
        next: Timestamp,
    },
}

impl TakerChange {
    /// The case history's entry for the change.
    pub fn event(&self) -> CaseEvent {
        match self {
            Self::Take { by, .. } => CaseEvent::Taken { by: by.clone() },
            Self::Remind { by, .. } => CaseEvent::TakerReminded { by: by.clone() },
            Self::Release { by, reason, .. } => CaseEvent::Released {
                by: by.clone(),
                reason: *reason,
            },
        }
    }
}

/// Why a taken case was handed back to everyone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseReason {
    /// Taken twice `taken_every` ago and still open after the reminder.
    NotClosed,
    /// The person who took it is no longer in the staff room.
    TakerLeft,
}

/// What an escalation level does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelAction {
    /// Alert the member's contacts again.
    Contacts,
    /// Mention the staff member on duty in the staff room (everyone if nobody is).
    MentionOnDuty,
}

/// One escalation level: what to do once the case has been untaken for `after`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    #[serde(with = "minutes", rename = "after_minutes")]
    pub after: SignedDuration,
    pub action: LevelAction,
}

/// The operator's follow-up policy for untaken cases, read from configuration (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFollowUpPolicy {
    /// Re-announce an untaken case this often.
    #[serde(with = "minutes", rename = "every_minutes")]
    pub every: SignedDuration,
    /// Nothing is announced again from `quiet_from` until `quiet_until` (operator time);
    /// what falls in between happens at `quiet_until`. Equal times: no quiet hours.
    pub quiet_from: Time,
    pub quiet_until: Time,
    pub levels: Vec<Level>,
    /// A taken case still open this long after it was taken: the person who took it is
    /// reminded; twice this long: it is handed back to everyone (outside quiet hours).
    #[serde(with = "minutes", rename = "taken_every_minutes", default = "default_taken_every")]
    pub taken_every: SignedDuration,
}

fn default_taken_every() -> SignedDuration {
    SignedDuration::from_hours(3)
}

mod minutes {
    use jiff::SignedDuration;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(d: &SignedDuration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.as_mins())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SignedDuration, D::Error> {
        let m = i64::deserialize(d)?;
        if (1..=10_080).contains(&m) {
            Ok(SignedDuration::from_mins(m))
        } else {
            Err(serde::de::Error::custom(format!(
                "minutes must be between 1 and 10080, got {m}"
            )))
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("CASE_FOLLOW_UP_POLICY is not a valid follow-up policy: {0}")]
pub struct CaseFollowUpPolicyError(String);

impl Default for CaseFollowUpPolicy {
    /// Every 60 minutes from 08:00 to 21:00; contacts again after 2 hours, the person on
    /// duty mentioned after 4; a taken case's taker reminded after 3 hours, the case
    /// handed back after 6.
    fn default() -> Self {
        Self {
            every: SignedDuration::from_mins(60),
            quiet_from: Time::constant(21, 0, 0, 0),
            quiet_until: Time::constant(8, 0, 0, 0),
            levels: vec![
                Level {
                    after: SignedDuration::from_hours(2),
                    action: LevelAction::Contacts,
                },
                Level {
                    after: SignedDuration::from_hours(4),
                    action: LevelAction::MentionOnDuty,
                },
            ],
            taken_every: default_taken_every(),
        }
    }
}

/// The case record's change when a follow-up is done (`from` → `to` follow-ups).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowUpStep {
    pub from: u32,
    pub to: u32,
    pub levels_done: u32,
    pub next: Option<Timestamp>,
}

/// What one follow-up does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUpPlan {
    /// The levels (indexes into the policy) carried out now.
    pub levels: Vec<usize>,
    /// When the next follow-up is due.
    pub next: Timestamp,
}

impl CaseFollowUpPolicy {
    /// Reads the policy; absent means the default. Levels must be in order of delay.
    pub fn from_json(v: Option<&str>) -> Result<Self, CaseFollowUpPolicyError> {
        let Some(v) = v.filter(|v| !v.trim().is_empty()) else {
            return Ok(Self::default());
        };
        let p: Self = serde_json::from_str(v).map_err(|e| CaseFollowUpPolicyError(e.to_string()))?;
        if p.levels.windows(2).any(|w| w[0].after > w[1].after) {
            return Err(CaseFollowUpPolicyError(
                "levels must be listed in order of after_minutes".into(),
            ));
        }
        Ok(p)
    }

    /// Whether `at` falls in the quiet hours (operator time).
    pub fn is_quiet(&self, at: Timestamp, tz: &TimeZone) -> bool {
        let t = at.to_zoned(tz.clone()).time();
        if self.quiet_from == self.quiet_until {
            false
        } else if self.quiet_from < self.quiet_until {
            t >= self.quiet_from && t < self.quiet_until
        } else {
            t >= self.quiet_from || t < self.quiet_until
        }
    }

    /// `at`, or the end of the quiet hours it falls in.
    pub fn outside_quiet(&self, at: Timestamp, tz: &TimeZone) -> Timestamp {
        if !self.is_quiet(at, tz) {
            return at;
        }
        let zoned = at.to_zoned(tz.clone());
        let mut day = zoned.date();
        if zoned.time() >= self.quiet_until {
            day = day.tomorrow().unwrap_or(day);
        }
        day.to_datetime(self.quiet_until)
            .to_zoned(tz.clone())
            .map(|z| z.timestamp())
            .unwrap_or(at)
    }

    /// When a taken case is next looked at: `taken_every` after `since` (when it was
    /// taken, or when its taker was reminded), out of the quiet hours, never sooner than
    /// Scheduler's precision after now.
    pub fn taken_follow_up(&self, since: Timestamp, now: Timestamp, tz: &TimeZone) -> Timestamp {
        let at = since + self.taken_every.max(SCHEDULER_PRECISION);
        self.outside_quiet(at, tz).max(now + SCHEDULER_PRECISION)
    }

    /// The next announcement of a case handed back to everyone at `now`.
    pub fn after_release(&self, now: Timestamp, tz: &TimeZone) -> Timestamp {
        self.outside_quiet(now + self.every, tz).max(now + SCHEDULER_PRECISION)
    }

    /// The first follow-up of a case opened at `opened`.
    pub fn first(&self, opened: Timestamp, tz: &TimeZone) -> Timestamp {
        self.next_after(opened, opened, 0, tz)
    }

    /// The next follow-up after one at `now`: the next re-announcement, or the next
    /// level's time if that comes sooner; out of the quiet hours.
    /// Never sooner than `SCHEDULER_PRECISION` after `now`: a level due within it is
    /// carried out now (see `follow_up`), so the next step is a firing of its own.
    fn next_after(&self, opened: Timestamp, now: Timestamp, levels_done: usize, tz: &TimeZone) -> Timestamp {
        let soonest = now + SCHEDULER_PRECISION;
        let mut next = now + self.every.max(SCHEDULER_PRECISION);
        if let Some(due) = self
            .levels
            .get(levels_done)
            .map(|l| opened + l.after)
            .filter(|d| *d > soonest)
        {
            next = next.min(due);
        }
        self.outside_quiet(next, tz).max(soonest)
    }

    /// What the follow-up at `now` does: the levels whose delay has passed (to the
    /// precision Scheduler fires at) and that were not carried out yet (`levels_done` of
    /// them were), and when the next one is due.
    pub fn follow_up(&self, opened: Timestamp, levels_done: u32, now: Timestamp, tz: &TimeZone) -> FollowUpPlan {
        let levels: Vec<usize> = self
            .levels
            .iter()
            .enumerate()
            .skip(levels_done as usize)
            .take_while(|(_, l)| opened + l.after <= now + SCHEDULER_PRECISION)
            .map(|(i, _)| i)
            .collect();
        let done = levels_done as usize + levels.len();
        FollowUpPlan {
            next: self.next_after(opened, now, done, tz),
            levels,
        }
    }
}

/// How long a member's checks pause after a case ends in hospital (staff or the member
/// can change it; the member is welcomed back when it ends).
pub const HOSPITAL_PAUSE_DAYS: i16 = 14;

/// What ending a case with an outcome does besides recording it, in the order the use
/// case carries it out.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClosePlan {
    /// Close the member's overdue check so the next one is watched afresh (not when the
    /// member's own late answer closed it).
    pub close_check: bool,
    /// Tell everyone alerted that the member is safe (with the check's close).
    pub all_clear: bool,
    /// Pause the member's checks until this local date (a hospital stay).
    pub pause_until: Option<Date>,
    /// No more checks for good: delete the schedule and count the member as left, once.
    pub stop_checks: bool,
}

impl Outcome {
    /// What closing a case this way does; `today` is the member's local date.
    pub fn on_close(self, today: Date) -> ClosePlan {
        ClosePlan {
            close_check: self != Outcome::Answered,
            all_clear: self.is_safe(),
            pause_until: (self == Outcome::Hospitalised)
                .then(|| {
                    today
                        .checked_add(SignedDuration::from_hours(24 * i64::from(HOSPITAL_PAUSE_DAYS)))
                        .ok()
                })
                .flatten(),
            stop_checks: self == Outcome::Deceased,
        }
    }
}

/// What a follow-up of an untaken case comes to, decided from the case as read.
#[must_use]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FollowUpDecision {
    /// The member answered, but an interrupted invocation left the case open: close it
    /// as answered.
    CloseAsAnswered,
    /// Taken or ended: nothing more to do.
    NotNeeded,
    /// This follow-up was done already (a duplicate, or a retry after a crash before the
    /// next one was set): only make sure the next one is set, for `next`.
    Reschedule { next: Timestamp },
    /// Announce again, carry out the due levels, record `step`, set the next one.
    FollowUp { step: FollowUpStep, levels: Vec<usize> },
    /// Taken and still open: remind the person who took it (now is the reminder's
    /// time); look again at `next`.
    RemindTaker { next: Timestamp },
    /// Taken, reminded a while ago, and still open: hand it back to everyone.
    Release { reason: ReleaseReason },
}

impl Case {
    /// The follow-up due at `now`; `check_overdue` says whether the case's check is still
    /// overdue (it is not once the member answered).
    pub fn on_follow_up(
        &self,
        check_overdue: bool,
        policy: &CaseFollowUpPolicy,
        now: Timestamp,
        tz: &TimeZone,
    ) -> FollowUpDecision {
        if !self.is_closed() && !check_overdue {
            return FollowUpDecision::CloseAsAnswered;
        }
        if self.is_closed() {
            return FollowUpDecision::NotNeeded;
        }
        if self.taken_by.is_some() {
            return self.on_taken_follow_up(policy, now, tz);
        }
        if let Some(next) = self.next_follow_up.filter(|next| now + SCHEDULER_PRECISION < *next) {
            return FollowUpDecision::Reschedule { next };
        }
        let plan = policy.follow_up(self.opened(), self.levels_done, now, tz);
        let step = FollowUpStep {
            from: self.follow_ups,
            to: self.follow_ups + 1,
            levels_done: plan.levels.last().map_or(self.levels_done, |l| *l as u32 + 1),
            next: Some(plan.next),
        };
        FollowUpDecision::FollowUp {
            step,
            levels: plan.levels,
        }
    }
}

impl Case {
    /// A taken case's follow-up: the taker is reminded `taken_every` after taking it,
    /// and the case handed back `taken_every` after the reminder (each to Scheduler's
    /// precision; the quiet hours move both).
    fn on_taken_follow_up(&self, policy: &CaseFollowUpPolicy, now: Timestamp, tz: &TimeZone) -> FollowUpDecision {
        let due = |since: Timestamp| since + policy.taken_every <= now + SCHEDULER_PRECISION;
        match self.taker_reminded_at {
            Some(reminded) if due(reminded) => FollowUpDecision::Release {
                reason: ReleaseReason::NotClosed,
            },
            Some(reminded) => FollowUpDecision::Reschedule {
                next: policy.taken_follow_up(reminded, now, tz),
            },
            None => {
                let taken_at = self.taken_at.unwrap_or_else(|| self.opened());
                if due(taken_at) {
                    FollowUpDecision::RemindTaker {
                        next: policy.taken_follow_up(now, now, tz),
                    }
                } else {
                    FollowUpDecision::Reschedule {
                        next: policy.taken_follow_up(taken_at, now, tz),
                    }
                }
            }
        }
    }
}

/// The history entries of one follow-up: announced again, and each level carried out
/// with whom it reached (`contacts`, or the person on duty; `all` for everyone).
pub fn follow_up_events(
    step: &FollowUpStep,
    levels: &[usize],
    policy: &CaseFollowUpPolicy,
    contacts: &[UserId],
    on_duty: Option<&UserId>,
) -> Vec<CaseEvent> {
    let mut events = vec![CaseEvent::Reannounced { follow_up: step.to }];
    for i in levels {
        let Some(level) = policy.levels.get(*i) else {
            continue;
        };
        let to = match level.action {
            LevelAction::Contacts => contacts.iter().map(|c| c.to_string()).collect(),
            LevelAction::MentionOnDuty => vec![on_duty.map_or_else(|| "all".to_owned(), |u| u.to_string())],
        };
        events.push(CaseEvent::Escalated {
            level: *i as u32 + 1,
            action: level.action,
            to,
        });
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case_opened_at(at: &str) -> Case {
        let user = UserId::new(format!("U{}", "a".repeat(32))).unwrap();
        Case::open(1042, user, at.parse().unwrap(), at.parse().unwrap())
    }

    #[test]
    fn closing_decides_the_side_effects_of_each_outcome() {
        let today = Date::constant(2026, 12, 2);
        let safe = Outcome::Safe.on_close(today);
        assert!(safe.close_check && safe.all_clear && !safe.stop_checks && safe.pause_until.is_none());
        let answered = Outcome::Answered.on_close(today);
        assert!(!answered.close_check && answered.all_clear);
        assert_eq!(
            Outcome::Hospitalised.on_close(today).pause_until,
            Some(Date::constant(2026, 12, 16))
        );
        let died = Outcome::Deceased.on_close(today);
        assert!(died.close_check && !died.all_clear && died.stop_checks);
        assert_eq!(
            Outcome::Other.on_close(today),
            ClosePlan {
                close_check: true,
                all_clear: false,
                pause_until: None,
                stop_checks: false
            }
        );
    }

    #[test]
    fn a_follow_up_is_decided_from_the_case_as_read() {
        let policy = CaseFollowUpPolicy::default();
        let tz = tokyo();
        let mut case = case_opened_at("2026-11-25T01:00:00Z");
        let at: Timestamp = "2026-11-25T02:00:00Z".parse().unwrap();
        assert_eq!(
            case.on_follow_up(false, &policy, at, &tz),
            FollowUpDecision::CloseAsAnswered
        );
        let FollowUpDecision::FollowUp { step, levels } = case.on_follow_up(true, &policy, at, &tz) else {
            panic!("an untaken overdue case is followed up");
        };
        assert_eq!((step.from, step.to), (0, 1));
        assert!(levels.is_empty(), "no level is due after an hour");
        let events = follow_up_events(&step, &levels, &policy, &[], None);
        assert_eq!(events, vec![CaseEvent::Reannounced { follow_up: 1 }]);
        // Done, with the next one far ahead: a redelivery only sets the next one again.
        case.follow_ups = 1;
        case.next_follow_up = step.next;
        assert_eq!(
            case.on_follow_up(true, &policy, at, &tz),
            FollowUpDecision::Reschedule {
                next: step.next.unwrap()
            }
        );
        case.outcome = Some(Outcome::Safe);
        assert_eq!(case.on_follow_up(true, &policy, at, &tz), FollowUpDecision::NotNeeded);
    }

    #[test]
    fn a_taken_case_reminds_its_taker_then_is_handed_back_to_everyone() {
        let policy = CaseFollowUpPolicy::default();
        let tz = tokyo();
        let mut case = case_opened_at("2026-11-25T01:00:00Z");
        let taken = jst("2026-11-25T10:30:00");
        case.taken_by = Some(case.member.clone());
        case.taken_at = Some(taken);
        // The untaken follow-up set before it was taken only moves on to the reminder.
        assert_eq!(
            case.on_follow_up(true, &policy, jst("2026-11-25T11:00:00"), &tz),
            FollowUpDecision::Reschedule {
                next: jst("2026-11-25T13:30:00")
            }
        );
        // Three hours on (Scheduler a second early): the taker is reminded, and the case
        // is looked at again three hours after the reminder.
        let reminder = jst("2026-11-25T13:29:59");
        assert_eq!(
            case.on_follow_up(true, &policy, reminder, &tz),
            FollowUpDecision::RemindTaker {
                next: jst("2026-11-25T16:29:59")
            }
        );
        case.taker_reminded_at = Some(reminder);
        assert_eq!(
            case.on_follow_up(true, &policy, jst("2026-11-25T14:00:00"), &tz),
            FollowUpDecision::Reschedule {
                next: jst("2026-11-25T16:29:59")
            }
        );
        assert_eq!(
            case.on_follow_up(true, &policy, jst("2026-11-25T16:29:30"), &tz),
            FollowUpDecision::Release {
                reason: ReleaseReason::NotClosed
            }
        );
        // Taken at 19:00: the reminder at 22:00 falls in the quiet hours, so 08:00; it is
        // handed back at 11:00, not a minute after the reminder.
        case.taken_at = Some(jst("2026-11-25T19:00:00"));
        case.taker_reminded_at = None;
        assert_eq!(
            case.on_follow_up(true, &policy, jst("2026-11-25T19:01:00"), &tz),
            FollowUpDecision::Reschedule {
                next: jst("2026-11-26T08:00:00")
            }
        );
        assert_eq!(
            case.on_follow_up(true, &policy, jst("2026-11-26T08:00:00"), &tz),
            FollowUpDecision::RemindTaker {
                next: jst("2026-11-26T11:00:00")
            }
        );
    }

    fn tokyo() -> TimeZone {
        TimeZone::get("Asia/Tokyo").unwrap()
    }
    fn jst(s: &str) -> Timestamp {
        format!("{s}+09:00[Asia/Tokyo]")
            .parse::<jiff::Zoned>()
            .unwrap()
            .timestamp()
    }

    #[test]
    fn untaken_cases_are_announced_hourly_by_day_and_first_thing_in_the_morning() {
        let p = CaseFollowUpPolicy::default();
        let tz = tokyo();
        assert_eq!(p.first(jst("2026-11-25T10:20:00"), &tz), jst("2026-11-25T11:20:00"));
        // 20:30 → 21:30 is quiet → 08:00 next morning.
        assert_eq!(p.first(jst("2026-11-25T20:30:00"), &tz), jst("2026-11-26T08:00:00"));
        // Just after midnight → 08:00 the same morning.
        assert_eq!(p.first(jst("2026-11-26T00:10:00"), &tz), jst("2026-11-26T08:00:00"));
        let plan = p.follow_up(jst("2026-11-25T20:30:00"), 0, jst("2026-11-26T08:00:00"), &tz);
        assert_eq!(plan.levels, vec![0, 1], "both levels were due during the night");
        assert_eq!(plan.next, jst("2026-11-26T09:00:00"));
    }

    #[test]
    fn a_level_due_before_the_next_announcement_is_not_late() {
        let p = CaseFollowUpPolicy {
            every: SignedDuration::from_mins(180),
            levels: vec![Level {
                after: SignedDuration::from_mins(60),
                action: LevelAction::MentionOnDuty,
            }],
            ..CaseFollowUpPolicy::default()
        };
        let tz = tokyo();
        let opened = jst("2026-11-25T10:00:00");
        assert_eq!(p.first(opened, &tz), jst("2026-11-25T11:00:00"));
        let plan = p.follow_up(opened, 0, jst("2026-11-25T11:00:00"), &tz);
        assert_eq!((plan.levels, plan.next), (vec![0], jst("2026-11-25T14:00:00")));
    }

    #[test]
    fn levels_come_in_order_and_once() {
        let p = CaseFollowUpPolicy::default();
        let tz = tokyo();
        let opened = jst("2026-11-25T10:00:00");
        assert!(
            p.follow_up(opened, 0, jst("2026-11-25T11:00:00"), &tz)
                .levels
                .is_empty()
        );
        assert_eq!(p.follow_up(opened, 0, jst("2026-11-25T12:00:00"), &tz).levels, vec![0]);
        assert!(
            p.follow_up(opened, 1, jst("2026-11-25T13:00:00"), &tz)
                .levels
                .is_empty()
        );
        assert_eq!(p.follow_up(opened, 1, jst("2026-11-25T14:00:00"), &tz).levels, vec![1]);
        assert!(
            p.follow_up(opened, 2, jst("2026-11-25T20:00:00"), &tz)
                .levels
                .is_empty()
        );
    }

    #[test]
    fn a_follow_up_fired_a_moment_before_a_level_is_due_carries_it_out() {
        // Opened at 18:00:00.315; Scheduler's at() keeps whole seconds and fires within
        // a minute, so the follow-ups run at 19:00:00 and 20:00:00, a fraction of a
        // second before the 2-hour level is due.
        let p = CaseFollowUpPolicy::default();
        let tz = tokyo();
        let opened = jst("2026-11-25T18:00:00.315");
        let first = p.first(opened, &tz);
        let at_19 = jst("2026-11-25T19:00:00");
        assert!(first.duration_since(at_19) < SCHEDULER_PRECISION);
        let plan = p.follow_up(opened, 0, at_19, &tz);
        assert!(plan.levels.is_empty());
        let at_20 = jst("2026-11-25T20:00:00");
        assert!(plan.next.duration_since(at_20) < SCHEDULER_PRECISION);
        let plan = p.follow_up(opened, 0, at_20, &tz);
        assert_eq!(plan.levels, vec![0], "the contacts again, at 20:00");
        assert_eq!(plan.next, jst("2026-11-26T08:00:00"), "then first thing in the morning");
    }

    #[test]
    fn the_next_follow_up_is_never_at_or_before_the_one_that_plans_it() {
        let p = CaseFollowUpPolicy::default();
        let tz = tokyo();
        let opened = jst("2026-11-25T18:00:00.315");
        // Every moment around each level's due time, to the millisecond.
        for base in ["2026-11-25T19:59:00", "2026-11-25T21:59:00", "2026-11-26T07:59:00"] {
            for ms in (0..120_000).step_by(7) {
                let now = jst(base) + SignedDuration::from_millis(ms);
                for done in 0..=2 {
                    let plan = p.follow_up(opened, done, now, &tz);
                    assert!(
                        plan.next >= now + SCHEDULER_PRECISION,
                        "at {now} with {done} levels done the next is {}",
                        plan.next
                    );
                }
            }
        }
    }

    #[test]
    fn the_policy_is_configuration_and_bad_policies_are_refused() {
        assert_eq!(
            CaseFollowUpPolicy::from_json(None).unwrap(),
            CaseFollowUpPolicy::default()
        );
        let p = CaseFollowUpPolicy::from_json(Some(
            r#"{"every_minutes":30,"quiet_from":"22:00","quiet_until":"07:00","levels":[{"after_minutes":60,"action":"mention_on_duty"}]}"#,
        ))
        .unwrap();
        assert_eq!(p.every, SignedDuration::from_mins(30));
        assert_eq!(p.levels[0].action, LevelAction::MentionOnDuty);
        // Equal times: announced around the clock.
        let always = CaseFollowUpPolicy::from_json(Some(
            r#"{"every_minutes":60,"quiet_from":"00:00","quiet_until":"00:00","levels":[]}"#,
        ))
        .unwrap();
        let night = jst("2026-11-25T02:30:00");
        assert_eq!(always.first(night, &tokyo()), night + SignedDuration::from_hours(1));
        let round = serde_json::to_string(&CaseFollowUpPolicy::default()).unwrap();
        assert_eq!(
            CaseFollowUpPolicy::from_json(Some(&round)).unwrap(),
            CaseFollowUpPolicy::default()
        );
        for bad in [
            r#"{"every_minutes":0,"quiet_from":"21:00","quiet_until":"08:00","levels":[]}"#,
            r#"{"every_minutes":60,"quiet_from":"21:00","quiet_until":"08:00","levels":[{"after_minutes":60,"action":"fax"}]}"#,
            r#"{"every_minutes":60,"quiet_from":"21:00","quiet_until":"08:00","levels":[{"after_minutes":120,"action":"contacts"},{"after_minutes":60,"action":"contacts"}]}"#,
            r#"{"every_minutes":60}"#,
            "not json",
        ] {
            assert!(CaseFollowUpPolicy::from_json(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn outcomes_and_call_kinds_read_back() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        for k in CallKind::ALL {
            assert_eq!(CallKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Outcome::parse("fine"), None);
        assert!(Outcome::Safe.is_safe() && !Outcome::Hospitalised.is_safe());
    }
}
