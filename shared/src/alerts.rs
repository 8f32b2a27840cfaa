//! Alerts: whom an overdue check alerts (the member's contacts and the staff room),
//! the follow-ups of an untaken case, and the all-clear that follows a late answer or
//! someone's word that the member is safe. Each is a planned push (`Planned`); the
//! LINE layer writes it. Also what the escalation queue carries.

use crate::case::{Case, CaseFollowUpPolicy, LevelAction};
use crate::check::Check;
use crate::contact::Contact;
use crate::ids::{OperatorId, UserId};
use crate::member::{Lang, Member};
use crate::outbox::{Mention, Notice, Planned, PushKind, Recipient};
use crate::staff::StaffRoom;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A message on the escalation queue. `check` is the check's scheduled time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EscalationMessage {
    /// The check is overdue: alert everyone the policy names, then deliver.
    Escalate {
        operator: OperatorId,
        member: UserId,
        check: Timestamp,
    },
    /// Pushes were recorded for this check (e.g. the all-clear): deliver them.
    Deliver {
        operator: OperatorId,
        member: UserId,
        check: Timestamp,
    },
    /// The check's case is due a follow-up (announced again, next escalation level).
    FollowUp {
        operator: OperatorId,
        member: UserId,
        check: Timestamp,
    },
}

impl EscalationMessage {
    pub fn parts(&self) -> (&OperatorId, &UserId, Timestamp) {
        match self {
            Self::Escalate {
                operator,
                member,
                check,
            }
            | Self::Deliver {
                operator,
                member,
                check,
            }
            | Self::FollowUp {
                operator,
                member,
                check,
            } => (operator, member, *check),
        }
    }
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Escalate { .. } => "escalate",
            Self::Deliver { .. } => "deliver",
            Self::FollowUp { .. } => "follow_up",
        }
    }
}

/// The alerts for an overdue check: one push to each contact and one to the staff room.
pub fn plan_alerts(
    member: &Member,
    check: &Check,
    contacts: &[Contact],
    staff_room: Option<&StaffRoom>,
    staff_lang: Lang,
) -> Vec<Planned> {
    let key = check.key();
    let mut pushes: Vec<Planned> = contacts
        .iter()
        .filter(|c| c.reachable())
        .map(|c| {
            let notice = Notice::AlertToContact {
                member: member.display_name.clone(),
                since: check.scheduled_at,
                case: check.case_number,
            };
            Planned::new(
                &key,
                PushKind::Alert,
                Recipient::Person(c.user_id.clone()),
                c.lang.unwrap_or(member.lang),
                notice,
            )
        })
        .collect();
    if let Some(room) = staff_room {
        // Phone numbers members chose to give are shown here, to staff, and nowhere else.
        let notice = Notice::AlertToStaff {
            case: check.case_number,
            member: member.display_name.clone(),
            member_short: member.user_id.short().to_owned(),
            since: check.scheduled_at,
            last_sign_of_life: member.last_sign_of_life,
            contacts: contacts
                .iter()
                .map(|c| (c.display_name.clone(), c.phone.clone()))
                .collect(),
            blocked: contacts
                .iter()
                .filter(|c| !c.reachable())
                .map(|c| c.display_name.clone())
                .collect(),
        };
        pushes.push(Planned::new(
            &key,
            PushKind::Alert,
            Recipient::Chat(room.chat_id.clone()),
            staff_lang,
            notice,
        ));
    }
    pushes
}

/// Who says the member is safe: their own late answer, or a person (a contact, staff).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SafeBy<'a> {
    /// The member answered late: the all-clear counts the checks they missed.
    Member,
    Person(&'a str),
}

/// The all-clear for everyone who was alerted about `check`.
/// A case that ended otherwise than safe: each contact who was alerted is told that
/// staff have finished (never how: staff tell the family in person). The staff room,
/// where it was closed, is not told again.
pub fn plan_case_ended(member: &Member, check: &Check, alerted: &[Recipient], contacts: &[Contact]) -> Vec<Planned> {
    let key = check.key();
    alerted
        .iter()
        .filter(|to| matches!(to, Recipient::Person(_)))
        .map(|to| {
            let notice = Notice::CaseEndedToContact {
                member: member.display_name.clone(),
            };
            Planned::new(
                &key,
                PushKind::CaseEnded,
                to.clone(),
                lang_of(member, contacts, to),
                notice,
            )
        })
        .collect()
}

/// The language a person alerted about `member` reads: their own as a contact, the
/// member's for a link from before contacts had one (or one removed since).
fn lang_of(member: &Member, contacts: &[Contact], to: &Recipient) -> Lang {
    contacts
        .iter()
        .find(|c| matches!(to, Recipient::Person(user) if *user == c.user_id))
        .and_then(|c| c.lang)
        .unwrap_or(member.lang)
}

pub fn plan_all_clear(
    member: &Member,
    check: &Check,
    alerted: &[Recipient],
    contacts: &[Contact],
    by: SafeBy<'_>,
    staff_lang: Lang,
) -> Vec<Planned> {
    let key = check.key();
    let name = || member.display_name.clone();
    let case = check.case_number.unwrap_or_default();
    alerted
        .iter()
        .map(|to| {
            let (lang, notice): (Lang, Notice) = match (to, by) {
                (Recipient::Person(_), SafeBy::Member) => (
                    lang_of(member, contacts, to),
                    Notice::AllClearToContact {
                        member: name(),
                        missed: check.slots,
                    },
                ),
                (Recipient::Chat(_), SafeBy::Member) => (
                    staff_lang,
                    Notice::AllClearToStaff {
                        case,
                        member: name(),
                        missed: check.slots,
                    },
                ),
                (Recipient::Person(_), SafeBy::Person(by)) => (
                    lang_of(member, contacts, to),
                    Notice::ConfirmedSafeToContact {
                        member: name(),
                        by: by.to_owned(),
                    },
                ),
                (Recipient::Chat(_), SafeBy::Person(by)) => (
                    staff_lang,
                    Notice::ConfirmedSafeToStaff {
                        case,
                        member: name(),
                        by: by.to_owned(),
                    },
                ),
            };
            Planned::new(&key, PushKind::AllClear, to.clone(), lang, notice)
        })
        .collect()
}

/// Who a follow-up can reach.
#[derive(Clone, Copy)]
pub struct Audience<'a> {
    pub contacts: &'a [Contact],
    pub room: &'a StaffRoom,
    /// The language staff read.
    pub staff_lang: Lang,
    /// The staff member on duty, if someone said 「当番」.
    pub on_duty: Option<&'a UserId>,
}

/// The pushes of an untaken case's follow-up: announced again in the staff room, plus
/// whatever escalation levels are due (contacts again, the person on duty mentioned).
pub fn plan_follow_up(
    member: &Member,
    check: &Check,
    case: &Case,
    policy: &CaseFollowUpPolicy,
    levels: &[usize],
    audience: &Audience<'_>,
) -> Vec<Planned> {
    let Audience {
        contacts,
        room,
        staff_lang,
        on_duty,
    } = *audience;
    let key = check.key();
    let step = case.follow_ups + 1;
    let mut pushes = Vec::new();
    let mut mention = None;
    for level in levels.iter().filter_map(|i| policy.levels.get(*i)) {
        match level.action {
            LevelAction::Contacts => pushes.extend(contacts.iter().map(|c| {
                let notice = Notice::AlertToContactAgain {
                    member: member.display_name.clone(),
                    case: case.number,
                };
                let lang = c.lang.unwrap_or(member.lang);
                Planned::follow_up(&key, step, Recipient::Person(c.user_id.clone()), lang, notice)
            })),
            LevelAction::MentionOnDuty => {
                mention = Some(match on_duty {
                    Some(user) => Mention::OnDuty(user.clone()),
                    None => Mention::Everyone,
                })
            }
        }
    }
    let notice = Notice::Reannounce {
        case: case.number,
        member: member.display_name.clone(),
        since: check.scheduled_at,
    };
    let room_chat = Recipient::Chat(room.chat_id.clone());
    pushes.push(Planned::follow_up(&key, step, room_chat.clone(), staff_lang, notice));
    if let Some(mention) = mention {
        let notice = Notice::MentionOnDuty {
            case: case.number,
            mention,
        };
        pushes.push(Planned::follow_up_mention(&key, step, room_chat, staff_lang, notice));
    }
    pushes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckState;
    use crate::ids::ChatId;
    use crate::schedule::CheckSchedule;

    fn setup() -> (Member, Check, Vec<Contact>, StaffRoom) {
        let t0: Timestamp = "2026-11-25T00:00:00Z".parse().unwrap();
        let m = Member::join(
            OperatorId::new("op").unwrap(),
            UserId::new(format!("U{}", "a".repeat(32))).unwrap(),
            "山田花子".into(),
            CheckSchedule::daily_at(9).unwrap(),
            t0,
            "token".into(),
        );
        let c = Check {
            scheduled_at: t0,
            state: CheckState::Overdue,
            sent_at: t0,
            reminded_at: None,
            overdue_at: None,
            acknowledged_at: None,
            slots: 2,
            last_slot: t0,
            case_number: Some(1042),
            pushes_added: 0,
        };
        let contacts = vec![Contact {
            user_id: UserId::new(format!("U{}", "b".repeat(32))).unwrap(),
            display_name: "山田太郎".into(),
            linked_at: t0,
            phone: None,
            blocked_since: None,
            lang: None,
        }];
        let room = StaffRoom {
            chat_id: ChatId::new(format!("C{}", "c".repeat(32))).unwrap(),
            registered_at: t0,
        };
        (m, c, contacts, room)
    }

    #[test]
    fn overdue_check_alerts_each_contact_and_the_staff_room_once() {
        let (m, c, contacts, room) = setup();
        let pushes = plan_alerts(&m, &c, &contacts, Some(&room), Lang::Ja);
        assert_eq!(pushes.len(), 2);
        assert_eq!(pushes[0].to, Recipient::Person(contacts[0].user_id.clone()));
        assert_eq!(pushes[1].to, Recipient::Chat(room.chat_id.clone()));
        assert_eq!(
            pushes[1].notice,
            Notice::AlertToStaff {
                case: Some(1042),
                member: "山田花子".into(),
                member_short: m.user_id.short().to_owned(),
                since: c.scheduled_at,
                last_sign_of_life: None,
                contacts: vec![("山田太郎".into(), None)],
                blocked: vec![],
            }
        );
        let keys: std::collections::HashSet<_> = pushes.iter().map(|p| &p.key).collect();
        assert_eq!(keys.len(), 2);
    }

    #[test]
    fn all_clear_goes_to_everyone_alerted_with_the_missed_count() {
        let (m, c, contacts, room) = setup();
        let alerted = vec![
            Recipient::Person(contacts[0].user_id.clone()),
            Recipient::Chat(room.chat_id.clone()),
        ];
        let pushes = plan_all_clear(&m, &c, &alerted, &[], SafeBy::Member, Lang::Ja);
        assert_eq!(pushes.len(), 2);
        assert!(pushes.iter().all(|p| p.kind == PushKind::AllClear));
        assert_eq!(
            pushes[0].notice,
            Notice::AllClearToContact {
                member: "山田花子".into(),
                missed: 2
            }
        );
        assert!(matches!(
            pushes[1].notice,
            Notice::AllClearToStaff {
                case: 1042,
                missed: 2,
                ..
            }
        ));
    }

    #[test]
    fn queue_messages_round_trip() {
        let (m, c, ..) = setup();
        let msg = EscalationMessage::Escalate {
            operator: m.operator.clone(),
            member: m.user_id.clone(),
            check: c.scheduled_at,
        };
        let s = serde_json::to_string(&msg).unwrap();
        assert!(s.contains("\"kind\":\"escalate\""));
        assert_eq!(serde_json::from_str::<EscalationMessage>(&s).unwrap(), msg);
        assert!(serde_json::from_str::<EscalationMessage>("{\"kind\":\"escalate\"}").is_err());
    }
}
