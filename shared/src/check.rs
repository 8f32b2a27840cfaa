//! The check (安否確認) life cycle as a pure state machine: given what happened (a
//! scheduled time fell due, a deadline passed, a sign of life arrived) and `now`, it
//! says what must be done. The handlers carry the plans out; nothing here does I/O.
//!
//! due → sent → acknowledged; sent → reminded → acknowledged; reminded → overdue
//! (a case is opened and people are alerted) → acknowledged (everyone gets the all-clear).

use crate::ids::CheckId;
use crate::member::{Member, MemberStatus};
use crate::outbox::{Notice, Planned, PushKind, Recipient};
use crate::timing::CheckTiming;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    Sent,
    Reminded,
    Overdue,
    Acknowledged,
}

impl CheckState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Reminded => "reminded",
            Self::Overdue => "overdue",
            Self::Acknowledged => "acknowledged",
        }
    }
    pub fn is_open(self) -> bool {
        self != Self::Acknowledged
    }
}

/// One check of one member, identified by the time it was scheduled for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub scheduled_at: Timestamp,
    pub state: CheckState,
    pub sent_at: Timestamp,
    pub reminded_at: Option<Timestamp>,
    pub overdue_at: Option<Timestamp>,
    pub acknowledged_at: Option<Timestamp>,
    /// Scheduled check times that passed while this check was open, itself included:
    /// what the all-clear reports as missed (a record without it: the check alone).
    #[serde(default = "one_slot")]
    pub slots: u32,
    /// The latest scheduled time this check has absorbed (dedupes repeated slots).
    pub last_slot: Timestamp,
    /// The case (対応案件) number once the check is overdue.
    pub case_number: Option<u64>,
    /// How many times pushes were added to the overdue check's outbox after it changed
    /// (the escalation's follow-ups): a change planned from an older count would miss
    /// who was told since, so it is refused and planned again.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pushes_added: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn one_slot() -> u32 {
    1
}

impl Check {
    pub fn id(&self) -> CheckId {
        CheckId(self.scheduled_at)
    }
    /// The check's key in records, postbacks and push keys: its scheduled epoch second.
    pub fn key(&self) -> String {
        self.id().key()
    }
}

/// Which deadline a one-time schedule stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Reminder,
    Overdue,
    /// Not a check's deadline: the end of a blocked member's grace period, when their
    /// data is erased (`check` then holds the time they blocked the account).
    Erase,
    /// The check's case, still untaken, is due a follow-up.
    FollowUp,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reminder => "reminder",
            Self::Overdue => "overdue",
            Self::Erase => "erase",
            Self::FollowUp => "follow_up",
        }
    }
}

/// A moment the check must be looked at again (handed to Scheduler as a one-time schedule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    pub check: Timestamp,
    pub stage: Stage,
    pub at: Timestamp,
}

/// Why nothing is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idle {
    MemberNotActive,
    /// An older scheduled time than the open check: delivered late or out of order.
    StaleSlot,
    /// The check is past the point this deadline was for (acknowledged or already further).
    DeadlinePassed,
    NoSuchCheck,
    /// An every-n-days member's schedule fires daily; this day is not a check day.
    NotACheckDay,
    Paused,
}

impl Idle {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MemberNotActive => "member_not_active",
            Self::StaleSlot => "stale_slot",
            Self::DeadlinePassed => "deadline_passed",
            Self::NoSuchCheck => "no_such_check",
            Self::NotACheckDay => "not_a_check_day",
            Self::Paused => "paused",
        }
    }
}

/// What to do when a member's scheduled time falls due.
#[must_use]
#[derive(Debug, PartialEq)]
pub enum DuePlan {
    /// No check is open: open one, push it, and set the reminder deadline.
    Open {
        check: Check,
        push: Planned,
        deadline: Deadline,
    },
    /// The open check was never answered and this time is its reminder: one push, not two.
    Remind {
        from: CheckState,
        check: Check,
        push: Planned,
        deadline: Deadline,
    },
    /// The open check was already reminded or is overdue: count this time as missed and
    /// ask again, without opening a second check. A check still only reminded this long
    /// after its reminder lost its overdue deadline: `rearm` sets it again.
    Repeat {
        from: CheckState,
        check: Check,
        push: Planned,
        rearm: Option<Deadline>,
    },
    /// The member was reminded moments ago and can still answer that: count this time
    /// as missed without a second push at the same moment.
    Absorb {
        from: CheckState,
        check: Check,
    },
    /// The member checked in with the free button shortly before this time: the check is
    /// recorded as answered and nothing is pushed.
    AnsweredAhead {
        check: Check,
    },
    /// This time was handled before (a duplicate delivery): redo only what is pending.
    AlreadyHandled {
        check: Timestamp,
    },
    Idle(Idle),
}

/// What to do when a deadline of a check passes.
#[must_use]
#[derive(Debug, PartialEq)]
// One plan per invocation, consumed at once: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum DeadlinePlan {
    Remind {
        from: CheckState,
        check: Check,
        push: Planned,
        deadline: Deadline,
    },
    /// Overdue: open a case and hand the check to the escalation queue.
    Escalate {
        from: CheckState,
        check: Check,
    },
    AlreadyHandled {
        check: Check,
    },
    Idle(Idle),
}

/// What to do with a sign of life.
#[must_use]
#[derive(Debug, PartialEq)]
pub enum AckPlan {
    NoOpenCheck,
    Acknowledge {
        from: CheckState,
        check: Check,
    },
    /// The check had been escalated: everyone alerted gets the all-clear.
    AllClear {
        from: CheckState,
        check: Check,
    },
}

fn check_push(member: &Member, check: &Check, kind: PushKind, slot: Timestamp) -> Planned {
    let (id, to, lang) = (check.id(), Recipient::Person(member.user_id.clone()), member.lang);
    let user = member.user_id.clone();
    match kind {
        PushKind::Reminder => Planned::new(
            &check.key(),
            kind,
            to,
            lang,
            Notice::Reminder {
                check: id,
                member: user,
            },
        ),
        PushKind::Repeat => Planned::new(
            &format!("{}#{}", check.key(), CheckId(slot).key()),
            kind,
            to,
            lang,
            Notice::Repeat {
                check: id,
                member: user,
            },
        ),
        _ => Planned::new(
            &check.key(),
            PushKind::Check,
            to,
            lang,
            Notice::Check {
                check: id,
                member: user,
                pause_ended: false,
            },
        ),
    }
}

fn later(a: Timestamp, b: Timestamp) -> Timestamp {
    a.max(b)
}

/// A deadline is never set in the past: a late run still gives the member a minute.
fn deadline_at(wanted: Timestamp, now: Timestamp) -> Timestamp {
    later(wanted, now + crate::schedule::SCHEDULER_PRECISION)
}

pub fn on_due(member: &Member, open: Option<&Check>, slot: Timestamp, now: Timestamp, policy: &CheckTiming) -> DuePlan {
    match member.status {
        MemberStatus::Active => {}
        MemberStatus::Paused => return DuePlan::Idle(Idle::Paused),
        MemberStatus::Blocked => return DuePlan::Idle(Idle::MemberNotActive),
    }
    if !member.schedule.is_check_time(slot) {
        return DuePlan::Idle(Idle::NotACheckDay);
    }
    let policy = &policy.scaled_to(&member.schedule);
    let open = open.filter(|c| c.state.is_open());
    if open.is_none() && member.checked_in_for == Some(slot) {
        let answered = member.last_sign_of_life.unwrap_or(now);
        let check = Check {
            scheduled_at: slot,
            state: CheckState::Acknowledged,
            sent_at: now,
            reminded_at: None,
            overdue_at: None,
            acknowledged_at: Some(answered),
            slots: 1,
            last_slot: slot,
            case_number: None,
            pushes_added: 0,
        };
        return DuePlan::AnsweredAhead { check };
    }
    let Some(open) = open else {
        let check = Check {
            scheduled_at: slot,
            state: CheckState::Sent,
            sent_at: now,
            reminded_at: None,
            overdue_at: None,
            acknowledged_at: None,
            slots: 1,
            last_slot: slot,
            case_number: None,
            pushes_added: 0,
        };
        let push = check_push(member, &check, PushKind::Check, slot);
        let deadline = Deadline {
            check: slot,
            stage: Stage::Reminder,
            at: deadline_at(slot + policy.reminder_after, now),
        };
        return DuePlan::Open { check, push, deadline };
    };
    if slot < open.scheduled_at {
        return DuePlan::Idle(Idle::StaleSlot);
    }
    if slot <= open.last_slot {
        return DuePlan::AlreadyHandled {
            check: open.scheduled_at,
        };
    }
    let mut check = open.clone();
    check.slots += 1;
    check.last_slot = slot;
    match open.state {
        CheckState::Sent => {
            let (check, push, deadline) = reminded(member, check, slot, now, policy);
            DuePlan::Remind {
                from: open.state,
                check,
                push,
                deadline,
            }
        }
        CheckState::Reminded
            if open
                .reminded_at
                .is_some_and(|r| slot < r + policy.overdue_after_reminder) =>
        {
            DuePlan::Absorb {
                from: open.state,
                check,
            }
        }
        _ => {
            let push = check_push(member, &check, PushKind::Repeat, slot);
            DuePlan::Repeat {
                from: open.state,
                rearm: lost_overdue_deadline(open, now, policy, SignedDuration::ZERO),
                check,
                push,
            }
        }
    }
}

/// The overdue deadline of a check that is still only reminded `grace` after it should
/// have become overdue: that deadline was lost (deleted, or its invocation dropped), so it
/// is set again, due at once. Setting it is harmless if it was only late: an existing one
/// is left as it is, and a deadline that finds the check overdue does nothing twice.
pub fn lost_overdue_deadline(
    check: &Check,
    now: Timestamp,
    policy: &CheckTiming,
    grace: SignedDuration,
) -> Option<Deadline> {
    let reminded_at = check.reminded_at.filter(|_| check.state == CheckState::Reminded)?;
    (now >= reminded_at + policy.overdue_after_reminder + grace).then(|| Deadline {
        check: check.scheduled_at,
        stage: Stage::Overdue,
        at: deadline_at(now, now),
    })
}

/// The reminder deadline of a check still only sent `grace` after its reminder was due
/// (`policy` scaled to the member's schedule): the invocation that opened it failed for
/// good before setting it, or the schedule was lost, so it is set again, due at once. For
/// a weekly member nothing else would remind them for days.
pub fn lost_reminder_deadline(
    check: &Check,
    now: Timestamp,
    policy: &CheckTiming,
    grace: SignedDuration,
) -> Option<Deadline> {
    (check.state == CheckState::Sent && now >= check.scheduled_at + policy.reminder_after + grace).then(|| Deadline {
        check: check.scheduled_at,
        stage: Stage::Reminder,
        at: deadline_at(now, now),
    })
}

/// `check` reminded at `now` (its push keyed by `slot`), and its overdue deadline.
fn reminded(
    member: &Member,
    mut check: Check,
    slot: Timestamp,
    now: Timestamp,
    policy: &CheckTiming,
) -> (Check, Planned, Deadline) {
    check.state = CheckState::Reminded;
    check.reminded_at = Some(now);
    let push = check_push(member, &check, PushKind::Reminder, slot);
    let deadline = Deadline {
        check: check.scheduled_at,
        stage: Stage::Overdue,
        at: deadline_at(now + policy.overdue_after_reminder, now),
    };
    (check, push, deadline)
}

pub fn on_deadline(
    member: &Member,
    check: Option<&Check>,
    stage: Stage,
    now: Timestamp,
    policy: &CheckTiming,
) -> DeadlinePlan {
    let policy = &policy.scaled_to(&member.schedule);
    let Some(current) = check else {
        return DeadlinePlan::Idle(Idle::NoSuchCheck);
    };
    if !member.is_active() {
        return DeadlinePlan::Idle(Idle::MemberNotActive);
    }
    let mut check = current.clone();
    match (stage, current.state) {
        (Stage::Reminder, CheckState::Sent) => {
            let (check, push, deadline) = reminded(member, check, now, now, policy);
            DeadlinePlan::Remind {
                from: current.state,
                check,
                push,
                deadline,
            }
        }
        (Stage::Reminder, CheckState::Reminded) | (Stage::Overdue, CheckState::Overdue) => {
            DeadlinePlan::AlreadyHandled { check }
        }
        (Stage::Overdue, CheckState::Reminded) => {
            check.state = CheckState::Overdue;
            check.overdue_at = Some(now);
            DeadlinePlan::Escalate {
                from: current.state,
                check,
            }
        }
        _ => DeadlinePlan::Idle(Idle::DeadlinePassed),
    }
}

/// The overdue deadline a reminded check must have (used when redoing effects).
/// The deadline that moves `check` on from its state, set again when a duplicate
/// delivery redoes it (`policy` scaled to the member's schedule, as when it was first
/// set; never earlier than Scheduler can fire).
pub fn redo_deadline(member: &Member, check: &Check, now: Timestamp, policy: &CheckTiming) -> Option<Deadline> {
    let policy = &policy.scaled_to(&member.schedule);
    let at = |t: Timestamp| t.max(now + crate::schedule::SCHEDULER_PRECISION);
    match check.state {
        CheckState::Sent => Some(Deadline {
            check: check.scheduled_at,
            stage: Stage::Reminder,
            at: at(check.scheduled_at + policy.reminder_after),
        }),
        CheckState::Reminded => overdue_deadline(check, policy).map(|d| Deadline { at: at(d.at), ..d }),
        CheckState::Overdue | CheckState::Acknowledged => None,
    }
}

pub fn overdue_deadline(check: &Check, policy: &CheckTiming) -> Option<Deadline> {
    let reminded_at = check.reminded_at?;
    Some(Deadline {
        check: check.scheduled_at,
        stage: Stage::Overdue,
        at: reminded_at + policy.overdue_after_reminder,
    })
}

/// The watchdog's question: the most recent check time `member` should have had by
/// `now - grace` that left no trace — no check recorded for it or later (`latest`), none
/// open, not answered ahead. That means their schedule is missing or failing. `None`
/// when all is as expected, or when no check is expected (paused, blocked, checks ended).
pub fn missed_check(
    member: &Member,
    latest: Option<Timestamp>,
    now: Timestamp,
    grace: jiff::SignedDuration,
) -> Option<Timestamp> {
    let mut since = member.joined_at.max(member.schedule_since.unwrap_or(member.joined_at));
    match member.status {
        MemberStatus::Active if !member.left_counted => {}
        // A pause that is over: checks are due again from the day it ended.
        MemberStatus::Paused if member.pause_over_at(now) => {
            let tz = member.schedule.time_zone().ok()?;
            let resumed = member.resume_on?.to_zoned(tz).ok()?.timestamp();
            since = since.max(resumed);
        }
        _ => return None,
    }
    if member.open_check.is_some() {
        return None;
    }
    let until = now - grace;
    // A week and a day back covers the longest interval (weekly).
    let mut t = since.max(until - jiff::SignedDuration::from_hours(24 * 8));
    let mut expected = None;
    while let Ok(next) = member.schedule.first_after(t) {
        if next > until {
            break;
        }
        expected = Some(next);
        t = next;
    }
    let expected = expected?;
    let accounted = [latest, member.checked_in_for]
        .into_iter()
        .flatten()
        .any(|c| c >= expected);
    (!accounted).then_some(expected)
}

pub fn on_sign_of_life(open: Option<&Check>, now: Timestamp) -> AckPlan {
    let Some(open) = open.filter(|c| c.state.is_open()) else {
        return AckPlan::NoOpenCheck;
    };
    let mut check = open.clone();
    check.state = CheckState::Acknowledged;
    check.acknowledged_at = Some(now);
    if open.state == CheckState::Overdue {
        AckPlan::AllClear {
            from: open.state,
            check,
        }
    } else {
        AckPlan::Acknowledge {
            from: open.state,
            check,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{OperatorId, UserId};
    use crate::schedule::CheckSchedule;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn member() -> Member {
        Member::join(
            OperatorId::new("op").unwrap(),
            UserId::new(format!("U{}", "a".repeat(32))).unwrap(),
            "Hanako".into(),
            CheckSchedule::daily_at(9).unwrap(),
            t("2026-11-01T00:00:00Z"),
            "token".into(),
        )
    }

    #[test]
    fn the_watchdog_finds_a_check_that_left_no_trace() {
        let grace = jiff::SignedDuration::from_hours(1);
        let m = member(); // daily 09:00 Tokyo (00:00 UTC), joined 2026-11-01
        // Monday's check recorded: nothing to report at 10:30.
        assert_eq!(
            missed_check(&m, Some(t("2026-11-30T00:00:00Z")), t("2026-11-30T01:30:00Z"), grace),
            None
        );
        // Within the grace period nothing is expected yet.
        assert_eq!(
            missed_check(&m, Some(t("2026-11-29T00:00:00Z")), t("2026-11-30T00:30:00Z"), grace),
            None
        );
        // Past it, Monday's check is missing.
        assert_eq!(
            missed_check(&m, Some(t("2026-11-29T00:00:00Z")), t("2026-11-30T01:30:00Z"), grace),
            Some(t("2026-11-30T00:00:00Z"))
        );
        // Answered ahead with the free check-in: accounted for.
        let mut ahead = m.clone();
        ahead.checked_in_for = Some(t("2026-11-30T00:00:00Z"));
        assert_eq!(
            missed_check(
                &ahead,
                Some(t("2026-11-29T00:00:00Z")),
                t("2026-11-30T01:30:00Z"),
                grace
            ),
            None
        );
        // An open check, a pause, a schedule changed since: nothing expected.
        let mut open = m.clone();
        open.open_check = Some(t("2026-11-28T00:00:00Z"));
        assert_eq!(missed_check(&open, None, t("2026-11-30T01:30:00Z"), grace), None);
        let mut paused = m.clone();
        paused.status = MemberStatus::Paused;
        paused.resume_on = Some("2026-12-05".parse().unwrap());
        assert_eq!(missed_check(&paused, None, t("2026-11-30T01:30:00Z"), grace), None);
        let mut changed = m.clone();
        changed.schedule_since = Some(t("2026-11-30T00:30:00Z"));
        assert_eq!(
            missed_check(
                &changed,
                Some(t("2026-11-29T00:00:00Z")),
                t("2026-11-30T01:30:00Z"),
                grace
            ),
            None
        );
    }

    fn policy() -> CheckTiming {
        CheckTiming::default()
    }

    fn open_at(slot: &str) -> Check {
        match on_due(&member(), None, t(slot), t(slot), &policy()) {
            DuePlan::Open { check, .. } => check,
            other => panic!("expected open, got {other:?}"),
        }
    }

    #[test]
    fn a_redone_check_gets_the_deadline_its_members_schedule_scales_the_policy_to() {
        // An operator who reminds after 48 h: a daily member is still reminded at 24 h,
        // when their next check is due, on the first delivery and on a duplicate alike.
        let slow = CheckTiming {
            reminder_after: SignedDuration::from_hours(48),
            ..policy()
        };
        let check = open_at("2026-11-30T00:00:00Z");
        let first = match on_due(&member(), None, check.scheduled_at, check.scheduled_at, &slow) {
            DuePlan::Open { deadline, .. } => deadline,
            other => panic!("expected open, got {other:?}"),
        };
        let redone = redo_deadline(&member(), &check, t("2026-11-30T00:05:00Z"), &slow).unwrap();
        assert_eq!(redone, first);
        assert_eq!(redone.at, t("2026-12-01T00:00:00Z"));
        // Past its time, it is set for as soon as Scheduler can fire.
        let late = redo_deadline(&member(), &check, t("2026-12-02T00:00:00Z"), &slow).unwrap();
        assert_eq!(
            late.at,
            t("2026-12-02T00:00:00Z") + crate::schedule::SCHEDULER_PRECISION
        );
        let mut answered = check.clone();
        answered.state = CheckState::Acknowledged;
        assert_eq!(
            redo_deadline(&member(), &answered, t("2026-11-30T00:05:00Z"), &slow),
            None
        );
    }

    #[test]
    fn a_check_still_only_sent_past_its_reminder_time_gets_its_reminder_deadline_again() {
        let grace = SignedDuration::from_hours(1);
        let mut check = open_at("2026-11-25T00:00:00Z");
        // Reminder due at +24 h; within the grace it may only be late.
        assert_eq!(
            lost_reminder_deadline(&check, t("2026-11-26T00:30:00Z"), &policy(), grace),
            None
        );
        let now = t("2026-11-26T01:00:00Z");
        let rearmed = lost_reminder_deadline(&check, now, &policy(), grace).unwrap();
        assert_eq!((rearmed.stage, rearmed.check), (Stage::Reminder, check.scheduled_at));
        assert!(rearmed.at > now, "never in the past");
        check.state = CheckState::Reminded;
        assert_eq!(
            lost_reminder_deadline(&check, now, &policy(), grace),
            None,
            "it did its work"
        );
    }

    #[test]
    fn a_check_still_only_reminded_past_its_overdue_time_gets_its_deadline_again() {
        let grace = SignedDuration::from_hours(1);
        let mut check = open_at("2026-11-25T00:00:00Z");
        assert_eq!(
            lost_overdue_deadline(&check, t("2026-11-27T00:00:00Z"), &policy(), grace),
            None,
            "not reminded"
        );
        check.state = CheckState::Reminded;
        check.reminded_at = Some(t("2026-11-26T00:00:00Z"));
        // Overdue at 03:00; within the grace it may only be late.
        assert_eq!(
            lost_overdue_deadline(&check, t("2026-11-26T03:30:00Z"), &policy(), grace),
            None
        );
        let now = t("2026-11-26T04:00:00Z");
        let rearmed = lost_overdue_deadline(&check, now, &policy(), grace).unwrap();
        assert_eq!((rearmed.stage, rearmed.check), (Stage::Overdue, check.scheduled_at));
        assert!(rearmed.at > now, "never in the past");
        check.state = CheckState::Overdue;
        assert_eq!(
            lost_overdue_deadline(&check, now, &policy(), grace),
            None,
            "it did its work"
        );
        // The next due time, a day after the reminder, re-arms it with no grace.
        let mut reminded = open_at("2026-11-25T00:00:00Z");
        reminded.state = CheckState::Reminded;
        reminded.reminded_at = Some(t("2026-11-26T00:00:00Z"));
        let plan = on_due(
            &member(),
            Some(&reminded),
            t("2026-11-27T00:00:00Z"),
            t("2026-11-27T00:00:00Z"),
            &policy(),
        );
        assert!(matches!(plan, DuePlan::Repeat { rearm: Some(_), .. }), "{plan:?}");
    }

    #[test]
    fn first_due_opens_a_check_with_one_push_and_a_reminder_deadline() {
        let plan = on_due(
            &member(),
            None,
            t("2026-11-25T00:00:00Z"),
            t("2026-11-25T00:00:02Z"),
            &policy(),
        );
        let DuePlan::Open { check, push, deadline } = plan else {
            panic!("{plan:?}")
        };
        assert_eq!(check.state, CheckState::Sent);
        assert_eq!(push.kind, PushKind::Check);
        assert_eq!(push.to, Recipient::Person(member().user_id));
        assert_eq!(
            deadline,
            Deadline {
                check: check.scheduled_at,
                stage: Stage::Reminder,
                at: t("2026-11-26T00:00:00Z")
            }
        );
    }

    #[test]
    fn duplicate_due_for_the_same_time_is_already_handled() {
        let open = open_at("2026-11-25T00:00:00Z");
        let plan = on_due(
            &member(),
            Some(&open),
            open.scheduled_at,
            t("2026-11-25T00:00:05Z"),
            &policy(),
        );
        assert_eq!(
            plan,
            DuePlan::AlreadyHandled {
                check: open.scheduled_at
            }
        );
    }

    #[test]
    fn unanswered_daily_check_is_reminded_by_the_next_due_time_not_pushed_twice() {
        let open = open_at("2026-11-25T00:00:00Z");
        let next = t("2026-11-26T00:00:00Z");
        let plan = on_due(&member(), Some(&open), next, next, &policy());
        let DuePlan::Remind {
            check,
            push,
            deadline,
            from,
        } = plan
        else {
            panic!("{plan:?}")
        };
        assert_eq!(from, CheckState::Sent);
        assert_eq!(check.scheduled_at, open.scheduled_at, "no second open check");
        assert_eq!(check.slots, 2);
        assert_eq!(push.kind, PushKind::Reminder);
        assert_eq!(deadline.at, t("2026-11-26T03:00:00Z"));
        // The reminder deadline of the same check, firing at the same moment, does nothing new.
        let again = on_deadline(&member(), Some(&check), Stage::Reminder, next, &policy());
        assert!(matches!(again, DeadlinePlan::AlreadyHandled { .. }));
    }

    #[test]
    fn reminder_then_overdue_then_late_ok_gives_all_clear() {
        let open = open_at("2026-11-25T00:00:00Z");
        let DeadlinePlan::Remind { check, deadline, .. } = on_deadline(
            &member(),
            Some(&open),
            Stage::Reminder,
            t("2026-11-26T00:00:00Z"),
            &policy(),
        ) else {
            panic!()
        };
        assert_eq!(deadline.stage, Stage::Overdue);
        let DeadlinePlan::Escalate { check, .. } =
            on_deadline(&member(), Some(&check), Stage::Overdue, deadline.at, &policy())
        else {
            panic!()
        };
        assert_eq!(check.state, CheckState::Overdue);
        let plan = on_sign_of_life(Some(&check), t("2026-11-26T05:00:00Z"));
        assert!(matches!(
            plan,
            AckPlan::AllClear {
                from: CheckState::Overdue,
                ..
            }
        ));
    }

    #[test]
    fn member_who_taps_ok_gets_no_reminder() {
        let open = open_at("2026-11-25T00:00:00Z");
        let AckPlan::Acknowledge { check, .. } = on_sign_of_life(Some(&open), t("2026-11-25T00:10:00Z")) else {
            panic!()
        };
        let plan = on_deadline(
            &member(),
            Some(&check),
            Stage::Reminder,
            t("2026-11-26T00:00:00Z"),
            &policy(),
        );
        assert_eq!(plan, DeadlinePlan::Idle(Idle::DeadlinePassed));
    }

    #[test]
    fn a_due_time_while_overdue_repeats_the_question_without_a_second_check() {
        let mut open = open_at("2026-11-25T00:00:00Z");
        open.state = CheckState::Overdue;
        open.slots = 2;
        open.last_slot = t("2026-11-26T00:00:00Z");
        let plan = on_due(
            &member(),
            Some(&open),
            t("2026-11-27T00:00:00Z"),
            t("2026-11-27T00:00:00Z"),
            &policy(),
        );
        let DuePlan::Repeat { check, push, .. } = plan else {
            panic!("{plan:?}")
        };
        assert_eq!(check.slots, 3);
        assert_eq!(push.kind, PushKind::Repeat);
        let dup = on_due(
            &member(),
            Some(&check),
            t("2026-11-27T00:00:00Z"),
            t("2026-11-27T00:01:00Z"),
            &policy(),
        );
        assert!(matches!(dup, DuePlan::AlreadyHandled { .. }));
    }

    #[test]
    fn reminder_deadline_and_next_due_at_the_same_moment_push_once() {
        let open = open_at("2026-11-25T00:00:00Z");
        let next = t("2026-11-26T00:00:00Z");
        // The deadline fires first this time; the due time then finds the check reminded.
        let DeadlinePlan::Remind { check, .. } = on_deadline(&member(), Some(&open), Stage::Reminder, next, &policy())
        else {
            panic!()
        };
        let plan = on_due(&member(), Some(&check), next, next, &policy());
        let DuePlan::Absorb { check, .. } = plan else {
            panic!("{plan:?}")
        };
        assert_eq!(check.slots, 2);
    }

    #[test]
    fn a_check_in_before_the_due_time_answers_it_without_a_push() {
        let mut m = member();
        m.checked_in_for = Some(t("2026-11-25T00:00:00Z"));
        let plan = on_due(
            &m,
            None,
            t("2026-11-25T00:00:00Z"),
            t("2026-11-25T00:00:00Z"),
            &policy(),
        );
        let DuePlan::AnsweredAhead { check } = plan else {
            panic!("{plan:?}")
        };
        assert_eq!(check.state, CheckState::Acknowledged);
        let other = on_due(
            &m,
            None,
            t("2026-11-26T00:00:00Z"),
            t("2026-11-26T00:00:00Z"),
            &policy(),
        );
        assert!(matches!(other, DuePlan::Open { .. }), "only that one check");
    }

    #[test]
    fn blocked_member_is_not_checked() {
        let mut m = member();
        m.status = crate::member::MemberStatus::Blocked;
        let plan = on_due(
            &m,
            None,
            t("2026-11-25T00:00:00Z"),
            t("2026-11-25T00:00:00Z"),
            &policy(),
        );
        assert_eq!(plan, DuePlan::Idle(Idle::MemberNotActive));
    }

    #[test]
    fn late_run_never_sets_a_deadline_in_the_past() {
        let plan = on_due(
            &member(),
            None,
            t("2026-11-25T00:00:00Z"),
            t("2026-11-26T06:00:00Z"),
            &policy(),
        );
        let DuePlan::Open { deadline, .. } = plan else { panic!() };
        assert_eq!(deadline.at, t("2026-11-26T06:01:00Z"));
    }

    #[test]
    fn stale_slot_is_ignored() {
        let open = open_at("2026-11-25T00:00:00Z");
        let plan = on_due(
            &member(),
            Some(&open),
            t("2026-11-24T00:00:00Z"),
            t("2026-11-25T01:00:00Z"),
            &policy(),
        );
        assert_eq!(plan, DuePlan::Idle(Idle::StaleSlot));
    }
}
