//! Escalation: what the queue carries, whom an overdue check alerts (the member's
//! contacts and the staff room), and the all-clear that follows a late answer.

use crate::case::{FollowUpPolicy, LevelAction};
use crate::check::Check;
use crate::contact::Contact;
use crate::ids::{GroupId, OperatorId, UserId};
use crate::line::messages;
use crate::line::texts::{self, Text};
use crate::member::Lang;
use crate::member::Member;
use crate::outbox::{Push, PushKind};
use jiff::Timestamp;
use jiff::tz::TimeZone;
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

pub use crate::case::Case;

/// The operator's staff room: the LINE group where staff receive alerts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffRoom {
    pub group_id: GroupId,
    pub registered_at: Timestamp,
}

/// A person in the staff room (registered by joining it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub user_id: UserId,
    pub display_name: String,
    pub since: Timestamp,
}

/// Staff read times in the operator's zone.
pub fn operator_zone() -> TimeZone {
    TimeZone::get(crate::schedule::DEFAULT_ZONE).unwrap_or(TimeZone::UTC)
}

/// The alerts for an overdue check: one push to each contact and one to the staff room.
pub fn plan_alerts(member: &Member, check: &Check, contacts: &[Contact], staff_room: Option<&StaffRoom>) -> Vec<Push> {
    let tz = operator_zone();
    let key = check.key();
    let since = texts::when(member.lang, check.scheduled_at, &tz);
    let mut pushes: Vec<Push> = contacts
        .iter()
        .map(|c| {
            let t = Text::AlertToContact {
                member: member.display_name.clone(),
                since: since.clone(),
            };
            Push::new(
                &key,
                PushKind::Alert,
                c.user_id.as_str(),
                vec![messages::alert_to_contact(member.lang, t, check.case_number)],
            )
        })
        .collect();
    if let Some(room) = staff_room {
        let lang = Lang::Ja;
        // Phone numbers members chose to give are shown here, to staff, and nowhere else.
        let names: Vec<String> = contacts
            .iter()
            .map(|c| match &c.phone {
                Some(phone) => format!("{} {phone}", c.display_name),
                None => c.display_name.clone(),
            })
            .collect();
        let t = Text::AlertToStaff {
            case_number: check.case_number.unwrap_or_default(),
            member: member.display_name.clone(),
            member_short: member.user_id.short().to_owned(),
            since: texts::when(lang, check.scheduled_at, &tz),
            last_sign_of_life: member
                .last_sign_of_life
                .map(|t| texts::when(lang, t, &tz))
                .unwrap_or_else(|| Text::Never.render(lang)),
            contacts: if names.is_empty() {
                Text::NoContacts.render(lang)
            } else {
                names.join("、")
            },
        };
        let mut alert = vec![messages::text(lang, t)];
        if let Some(number) = check.case_number {
            alert.push(messages::take_case(number));
        }
        pushes.push(Push::new(&key, PushKind::Alert, room.group_id.as_str(), alert));
    }
    pushes
}

/// The all-clear for everyone who was alerted about `check`.
pub fn plan_all_clear(member: &Member, check: &Check, alerted: &[String]) -> Vec<Push> {
    let key = check.key();
    alerted
        .iter()
        .map(|to| {
            let (lang, t) = if to.starts_with('U') {
                (
                    member.lang,
                    Text::AllClearToContact {
                        member: member.display_name.clone(),
                        missed: check.slots,
                    },
                )
            } else {
                (
                    Lang::Ja,
                    Text::AllClearToStaff {
                        case_number: check.case_number.unwrap_or_default(),
                        member: member.display_name.clone(),
                        missed: check.slots,
                    },
                )
            };
            Push::new(&key, PushKind::AllClear, to, vec![messages::text(lang, t)])
        })
        .collect()
}

/// The all-clear when someone (a contact, or staff) confirmed the member is safe.
pub fn plan_confirmed_safe(member: &Member, check: &Check, alerted: &[String], by: &str) -> Vec<Push> {
    let key = check.key();
    alerted
        .iter()
        .map(|to| {
            let (lang, t) = if to.starts_with('U') {
                (
                    member.lang,
                    Text::ConfirmedSafeToContact {
                        member: member.display_name.clone(),
                        by: by.to_owned(),
                    },
                )
            } else {
                (
                    Lang::Ja,
                    Text::ConfirmedSafeToStaff {
                        case_number: check.case_number.unwrap_or_default(),
                        member: member.display_name.clone(),
                        by: by.to_owned(),
                    },
                )
            };
            Push::new(&key, PushKind::AllClear, to, vec![messages::text(lang, t)])
        })
        .collect()
}

/// Who a follow-up can reach.
#[derive(Clone, Copy)]
pub struct Audience<'a> {
    pub contacts: &'a [Contact],
    pub room: &'a StaffRoom,
    /// The staff member on duty, if someone said 「当番」.
    pub on_duty: Option<&'a UserId>,
}

/// The pushes of an untaken case's follow-up: announced again in the staff room, plus
/// whatever escalation levels are due (contacts again, the person on duty mentioned).
pub fn plan_follow_up(
    member: &Member,
    check: &Check,
    case: &Case,
    policy: &FollowUpPolicy,
    levels: &[usize],
    audience: &Audience<'_>,
) -> Vec<Push> {
    let Audience {
        contacts,
        room,
        on_duty,
    } = *audience;
    let tz = operator_zone();
    let key = check.key();
    let step = case.follow_ups + 1;
    let mut pushes = Vec::new();
    let mut to_room = vec![
        messages::text(
            Lang::Ja,
            Text::Reannounce {
                case_number: case.number,
                member: member.display_name.clone(),
                since: texts::when(Lang::Ja, check.scheduled_at, &tz),
            },
        ),
        messages::take_case(case.number),
    ];
    for level in levels.iter().filter_map(|i| policy.levels.get(*i)) {
        match level.action {
            LevelAction::Contacts => pushes.extend(contacts.iter().map(|c| {
                let t = Text::AlertToContactAgain {
                    member: member.display_name.clone(),
                };
                Push::follow_up(
                    &key,
                    step,
                    c.user_id.as_str(),
                    vec![messages::alert_to_contact(member.lang, t, Some(case.number))],
                )
            })),
            LevelAction::MentionOnDuty => to_room.push(messages::mention_on_duty(case.number, on_duty)),
        }
    }
    pushes.push(Push::follow_up(&key, step, room.group_id.as_str(), to_room));
    pushes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckState;
    use crate::schedule::CheckSchedule;

    fn setup() -> (Member, Check, Vec<Contact>, StaffRoom) {
        let t0: Timestamp = "2026-11-25T00:00:00Z".parse().unwrap();
        let m = Member::join(
            OperatorId::new("op").unwrap(),
            UserId::new(format!("U{}", "a".repeat(32))).unwrap(),
            "山田花子".into(),
            CheckSchedule::daily_at(9).unwrap(),
            t0,
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
        };
        let contacts = vec![Contact {
            user_id: UserId::new(format!("U{}", "b".repeat(32))).unwrap(),
            display_name: "山田太郎".into(),
            linked_at: t0,
            phone: None,
        }];
        let room = StaffRoom {
            group_id: GroupId::new(format!("C{}", "c".repeat(32))).unwrap(),
            registered_at: t0,
        };
        (m, c, contacts, room)
    }

    #[test]
    fn overdue_check_alerts_each_contact_and_the_staff_room_once() {
        let (m, c, contacts, room) = setup();
        let pushes = plan_alerts(&m, &c, &contacts, Some(&room));
        assert_eq!(pushes.len(), 2);
        assert_eq!(pushes[0].to, contacts[0].user_id.as_str());
        assert_eq!(pushes[1].to, room.group_id.as_str());
        let staff = pushes[1].messages[0]["text"].as_str().unwrap();
        assert!(
            staff.contains("#1042") && staff.contains("山田太郎") && staff.contains("11月25日 9:00"),
            "{staff}"
        );
        let keys: std::collections::HashSet<_> = pushes.iter().map(|p| &p.key).collect();
        assert_eq!(keys.len(), 2);
    }

    #[test]
    fn all_clear_goes_to_everyone_alerted_with_the_missed_count() {
        let (m, c, contacts, room) = setup();
        let alerted = vec![contacts[0].user_id.to_string(), room.group_id.to_string()];
        let pushes = plan_all_clear(&m, &c, &alerted);
        assert_eq!(pushes.len(), 2);
        assert!(pushes.iter().all(|p| p.kind == PushKind::AllClear));
        assert!(pushes[0].messages[0]["text"].as_str().unwrap().contains("2回"));
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
