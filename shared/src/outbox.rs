//! Pushes as recorded intents: each carries the key that makes it happen at most once.
//!
//! The domain plans a `Planned` push: whom, what about (`Notice`, in the domain's
//! words) and its key. The LINE layer renders it into a `Push`, the LINE messages
//! exactly as they will be sent, and that is what the outbox stores.
//!
//! A push is written to the outbox together with the state change that caused it,
//! performed with an `X-Line-Retry-Key` derived from its key, then marked sent. A retry
//! that finds it still pending pushes again with the same key, which LINE answers 409.

use crate::ids::{ChatId, CheckId, OperatorId, UserId};
use crate::member::Lang;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use uuid::Uuid;

/// Namespace for retry keys (a fixed random UUID; changing it would re-send pending pushes).
const RETRY_KEY_NAMESPACE: Uuid = Uuid::from_u128(0x6d69_6d61_6d6f_7269_8a3c_51e2_07b4_c9d1);

/// What a push is for; part of its key and of the reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushKind {
    Check,
    Reminder,
    /// A scheduled check that fell due while an earlier one was still open.
    Repeat,
    Alert,
    AllClear,
    /// A case that ended otherwise than safe: its alerted contacts are told it ended.
    CaseEnded,
    Notice,
    /// An untaken case announced again, or taken to the next escalation level.
    FollowUp,
}

impl PushKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Check => "check",
            Self::Reminder => "reminder",
            Self::Repeat => "repeat",
            Self::Alert => "alert",
            Self::AllClear => "all_clear",
            Self::CaseEnded => "case_ended",
            Self::Notice => "notice",
            Self::FollowUp => "follow_up",
        }
    }
}

/// Who a push goes to: a person, or a LINE chat (the staff room).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    Person(UserId),
    Chat(ChatId),
}

impl Recipient {
    /// The id LINE's push API takes.
    pub fn line_id(&self) -> &str {
        match self {
            Self::Person(user) => user.as_str(),
            Self::Chat(chat) => chat.as_str(),
        }
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.line_id())
    }
}

/// Whom the on-duty mention in a follow-up names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mention {
    OnDuty(UserId),
    /// Nobody said 「当番」: everyone in the room.
    Everyone,
}

/// What a push says, in the domain's words; `line::render` writes it for LINE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A check's question with its OK button, bound to the member it is sent to.
    /// `pause_ended` says first that their pause is over.
    Check {
        check: CheckId,
        member: UserId,
        pause_ended: bool,
    },
    Reminder {
        check: CheckId,
        member: UserId,
    },
    /// A check time that came while an earlier check was still open.
    Repeat {
        check: CheckId,
        member: UserId,
    },
    /// A contact learns the member has not answered since `since`.
    AlertToContact {
        member: String,
        since: Timestamp,
        case: Option<u64>,
    },
    /// The staff room learns of a new case.
    AlertToStaff {
        case: Option<u64>,
        member: String,
        member_short: String,
        since: Timestamp,
        last_sign_of_life: Option<Timestamp>,
        /// Each contact's name, with the phone number the member gave.
        contacts: Vec<(String, Option<String>)>,
        /// The names of contacts who blocked the account (not alerted: LINE cannot
        /// reach them).
        blocked: Vec<String>,
    },
    /// To the staff room: a member with an open case left, and the case went with them.
    LeftWithOpenCase {
        case: u64,
        member: String,
    },
    /// To a member: one of their contacts blocked the account and hears nothing now.
    ContactBlocked {
        contact: String,
    },
    /// A contact alerted again by a follow-up level.
    AlertToContactAgain {
        member: String,
        case: u64,
    },
    /// An untaken case announced again in the staff room, maybe mentioning someone.
    Reannounce {
        case: u64,
        member: String,
        since: Timestamp,
    },
    /// The escalation level that mentions the person on duty (or everyone), as a push of
    /// its own: LINE refuses a mention of someone no longer in the chat, and that must
    /// not take the re-announcement with it.
    MentionOnDuty {
        case: u64,
        mention: Mention,
    },
    /// The person who took a case still open is reminded (mentioned) in the staff room.
    RemindTaker {
        case: u64,
        member: String,
        taker: UserId,
    },
    /// A taken case handed back to everyone in the staff room, with the take button.
    CaseReleased {
        case: u64,
        member: String,
        by: String,
        reason: crate::case::ReleaseReason,
    },
    AllClearToContact {
        member: String,
        missed: u32,
    },
    /// The case ended otherwise than safe (入院, 死亡, その他): the contact is told only
    /// that staff have finished, and that staff will tell them more.
    CaseEndedToContact {
        member: String,
    },
    AllClearToStaff {
        case: u64,
        member: String,
        missed: u32,
    },
    ConfirmedSafeToContact {
        member: String,
        by: String,
    },
    ConfirmedSafeToStaff {
        case: u64,
        member: String,
        by: String,
    },
    /// A member learns that staff closed their case as 入院 and their checks rest
    /// until `resume_on` (their local date).
    HospitalPause {
        resume_on: jiff::civil::Date,
    },
    /// A member learns that someone became their contact.
    ContactLinked {
        contact: String,
    },
    /// A contact learns that the member removed them.
    RemovedFromContacts {
        member: String,
    },
    /// A contact learns that the member they watched left the service.
    MemberLeft {
        member: String,
    },
    /// A member learns that one of their contacts left the service.
    ContactLeft {
        contact: String,
    },
    /// The watchdog tells the staff room that a member's check at `slot` never happened.
    CheckMissed {
        member: String,
        member_short: String,
        slot: Timestamp,
    },
    /// A member blocked the account: LINE can no longer reach them (`unanswered`: a
    /// check or case of theirs was open), and their data goes in `erased_in_days`.
    MemberBlocked {
        member: String,
        member_short: String,
        unanswered: bool,
        erased_in_days: i64,
    },
    /// One watchdog round's missed checks together (`incident`: so many that the system
    /// itself has failed).
    ChecksMissed {
        missed: Vec<MissedCheck>,
        incident: bool,
    },
}

/// A member whose check never happened, as the watchdog reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissedCheck {
    pub member: String,
    pub member_short: String,
    pub slot: Timestamp,
}

/// What a notice outside a check is about: part of its key, so each happens once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    ContactLinked,
    ContactRemoved,
    Left,
    CheckMissed,
    Blocked,
    Paused,
}

impl Topic {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ContactLinked => "contact_linked",
            Self::ContactRemoved => "contact_removed",
            Self::Left => "left",
            Self::CheckMissed => "check_missed",
            Self::Blocked => "blocked",
            Self::Paused => "paused",
        }
    }
}

/// Keys of notices start so, apart from the keys of a check's pushes (which start with
/// the check's epoch second).
pub const NOTICE_PREFIX: &str = "notice#";

/// A push as the domain plans it: to whom, about what, in which language, and its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    pub key: String,
    pub kind: PushKind,
    pub to: Recipient,
    pub lang: Lang,
    pub notice: Notice,
}

impl Planned {
    pub fn new(check_key: &str, kind: PushKind, to: Recipient, lang: Lang, notice: Notice) -> Self {
        Self {
            key: format!("{check_key}#{}#{to}", kind.as_str()),
            kind,
            to,
            lang,
            notice,
        }
    }

    /// A notice that belongs to no check, once per `topic`, `occasion` and recipient
    /// (`occasion` names the event: an invitation code, a link's time, a check time).
    pub fn notice(topic: Topic, occasion: &str, to: Recipient, lang: Lang, notice: Notice) -> Self {
        Self {
            key: format!("{NOTICE_PREFIX}{}#{occasion}#{to}", topic.as_str()),
            kind: PushKind::Notice,
            to,
            lang,
            notice,
        }
    }

    /// The mention of an untaken case's follow-up number `step`, beside its announcement.
    pub fn follow_up_mention(check_key: &str, step: u32, to: Recipient, lang: Lang, notice: Notice) -> Self {
        Self {
            key: format!("{check_key}#follow_up{step}#mention#{to}"),
            kind: PushKind::FollowUp,
            to,
            lang,
            notice,
        }
    }

    /// A push of a taken case's follow-up (`what`: the reminder, the release), once per
    /// take (`taken_at`).
    pub fn taken_follow_up(
        check_key: &str,
        what: &str,
        taken_at: Timestamp,
        to: Recipient,
        lang: Lang,
        notice: Notice,
    ) -> Self {
        Self {
            key: format!("{check_key}#{what}{}#{to}", taken_at.as_second()),
            kind: PushKind::FollowUp,
            to,
            lang,
            notice,
        }
    }

    /// A push of an untaken case's follow-up number `step`.
    pub fn follow_up(check_key: &str, step: u32, to: Recipient, lang: Lang, notice: Notice) -> Self {
        Self {
            key: format!("{check_key}#follow_up{step}#{to}"),
            kind: PushKind::FollowUp,
            to,
            lang,
            notice,
        }
    }
}

/// One push to one chat as it will be sent, with the key that identifies it across
/// retries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Push {
    /// Unique within the member: `<check>#<kind>#<recipient>` for a check's pushes
    /// (`<check>#<slot>#repeat#…` for a repeat, `<check>#follow_up<step>#…` for a
    /// follow-up), `notice#<topic>#<occasion>#<recipient>` for a notice.
    pub key: String,
    pub kind: PushKind,
    pub to: Recipient,
    pub messages: Vec<Value>,
}

/// How long LINE remembers a retry key after the first request with it: a retry after
/// that is a new request to LINE, and what the first one delivered arrives again.
pub const RETRY_KEY_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// A push as the outbox holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Outboxed {
    pub push: Push,
    /// Sent, or refused for good: never pushed again.
    pub settled: bool,
    /// When it was recorded; its first attempt followed at once.
    pub recorded_at: Timestamp,
}

/// What a delivery round does with a push from the outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Sent or refused already: nothing.
    Settled,
    /// Pending and within the retry key's life: push with the same key (LINE answers 409
    /// if an earlier attempt got through).
    SameKey,
    /// Pending past the key's life, to the member (a check, its reminder, a repeat):
    /// sent again only while the check is as it was sent (not yet reminded, overdue or
    /// answered: the watchdog's repair of a check whose push never left); once the
    /// reminder (with its own OK button) has taken its place it could only arrive twice,
    /// long after its time, so it is settled as failed.
    Expired,
    /// Pending past the key's life, to a contact or the staff room (an alert, a
    /// follow-up, an all-clear, a notice): still sent, since hearing it twice is better
    /// than not at all, and logged as such.
    Resend,
}

impl Outboxed {
    /// What to do with this push at `now`. An hour's margin is kept below LINE's 24 hours
    /// (the first attempt comes just after recording, and clocks differ).
    pub fn retry(&self, now: Timestamp) -> Retry {
        if self.settled {
            return Retry::Settled;
        }
        let fresh = now.duration_since(self.recorded_at) < RETRY_KEY_LIFETIME - jiff::SignedDuration::from_hours(1);
        match (fresh, self.push.kind) {
            (true, _) => Retry::SameKey,
            (false, PushKind::Check | PushKind::Reminder | PushKind::Repeat) => Retry::Expired,
            (false, _) => Retry::Resend,
        }
    }
}

impl Push {
    /// The `X-Line-Retry-Key`: the same for every attempt of this push, different for
    /// every other push.
    pub fn retry_key(&self, operator: &OperatorId, member: &UserId) -> Uuid {
        Uuid::new_v5(
            &RETRY_KEY_NAMESPACE,
            format!("{operator}/{member}/{}", self.key).as_bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_key_is_stable_per_push_and_distinct_across_pushes() {
        let op = OperatorId::new("op").unwrap();
        let m = UserId::new(format!("U{}", "1".repeat(32))).unwrap();
        let push = |kind| {
            let p = Planned::new(
                "1",
                kind,
                Recipient::Person(m.clone()),
                Lang::Ja,
                Notice::AllClearToContact {
                    member: "a".into(),
                    missed: 1,
                },
            );
            Push {
                key: p.key,
                kind,
                to: p.to,
                messages: vec![],
            }
        };
        let (a, b) = (push(PushKind::Check), push(PushKind::Reminder));
        assert_eq!(a.retry_key(&op, &m), a.clone().retry_key(&op, &m));
        assert_ne!(a.retry_key(&op, &m), b.retry_key(&op, &m));
        assert_eq!(a.retry_key(&op, &m).get_version_num(), 5);
    }

    #[test]
    fn a_push_pending_past_its_retry_keys_life_is_dropped_if_a_later_check_replaced_it_and_sent_if_it_is_an_alert() {
        let recorded: Timestamp = "2026-11-30T00:00:00Z".parse().unwrap();
        let entry = |kind, settled| Outboxed {
            push: Push {
                key: "k".into(),
                kind,
                to: Recipient::Person(UserId::new(format!("U{}", "1".repeat(32))).unwrap()),
                messages: vec![],
            },
            settled,
            recorded_at: recorded,
        };
        let at = |h: i64| recorded + jiff::SignedDuration::from_hours(h);
        assert_eq!(entry(PushKind::Check, true).retry(at(1)), Retry::Settled);
        assert_eq!(entry(PushKind::Alert, true).retry(at(30)), Retry::Settled);
        for kind in [PushKind::Check, PushKind::Reminder, PushKind::Alert] {
            assert_eq!(entry(kind, false).retry(at(22)), Retry::SameKey, "{kind:?}");
        }
        for kind in [PushKind::Check, PushKind::Reminder, PushKind::Repeat] {
            assert_eq!(entry(kind, false).retry(at(23)), Retry::Expired, "{kind:?}");
        }
        for kind in [
            PushKind::Alert,
            PushKind::FollowUp,
            PushKind::AllClear,
            PushKind::CaseEnded,
            PushKind::Notice,
        ] {
            assert_eq!(entry(kind, false).retry(at(27)), Retry::Resend, "{kind:?}");
        }
    }
}
