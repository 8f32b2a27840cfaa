//! Writes the domain's planned pushes for LINE: each `Notice` becomes the message
//! objects that the outbox stores and that are sent, exactly, on every attempt.

use crate::case::ReleaseReason;
use crate::line::messages;
use crate::line::texts::{self, Text, when};
use crate::member::Lang;
use crate::outbox::{Mention, Notice, Planned, Push};
use jiff::tz::TimeZone;

/// Members named in one report of missed checks (each line under 60 characters).
const MISSED_LINES: usize = 40;
use serde_json::Value;

/// The push as it will be sent; times are written in `tz` (the operator's zone).
pub fn push(planned: Planned, tz: &TimeZone) -> Push {
    let messages = render(&planned.notice, planned.lang, tz);
    Push {
        key: planned.key,
        kind: planned.kind,
        to: planned.to,
        messages,
    }
}

/// Renders every push of a plan.
pub fn pushes(planned: Vec<Planned>, tz: &TimeZone) -> Vec<Push> {
    planned.into_iter().map(|p| push(p, tz)).collect()
}

fn render(notice: &Notice, lang: Lang, tz: &TimeZone) -> Vec<Value> {
    match notice.clone() {
        Notice::Check {
            check,
            member,
            pause_ended,
        } => {
            let question = messages::check(lang, &messages::ok_postback(check, &member));
            if pause_ended {
                vec![messages::text(lang, Text::PauseEnded), question]
            } else {
                vec![question]
            }
        }
        Notice::Reminder { check, member } => vec![messages::reminder(lang, &messages::ok_postback(check, &member))],
        Notice::Repeat { check, member } => vec![messages::repeat(lang, &messages::ok_postback(check, &member))],
        Notice::AlertToContact { member, since, case } => {
            let body = Text::AlertToContact {
                member,
                since: when(lang, since, tz),
            };
            messages::alert_to_contact(lang, body, case)
        }
        Notice::AlertToStaff {
            case,
            member,
            member_short,
            since,
            last_sign_of_life,
            contacts,
            blocked,
        } => {
            let names: Vec<String> = contacts
                .into_iter()
                .map(|(name, phone)| {
                    let mark = match blocked.contains(&name) {
                        true => Text::BlockedMark.render(lang),
                        false => String::new(),
                    };
                    match phone {
                        Some(phone) => format!("{name}{mark} {phone}"),
                        None => format!("{name}{mark}"),
                    }
                })
                .collect();
            let body = Text::AlertToStaff {
                case_number: case.unwrap_or_default(),
                member,
                member_short,
                since: when(lang, since, tz),
                last_sign_of_life: last_sign_of_life
                    .map(|t| when(lang, t, tz))
                    .unwrap_or_else(|| Text::Never.render(lang)),
                contacts: if names.is_empty() {
                    Text::NoContacts.render(lang)
                } else {
                    names.join("、")
                },
            };
            let mut alert = vec![messages::text(lang, body)];
            if let Some(number) = case {
                alert.push(messages::take_case(number));
            }
            alert
        }
        Notice::AlertToContactAgain { member, case } => {
            messages::alert_to_contact(lang, Text::AlertToContactAgain { member }, Some(case))
        }
        Notice::Reannounce { case, member, since } => {
            let body = Text::Reannounce {
                case_number: case,
                member,
                since: when(lang, since, tz),
            };
            vec![messages::text(lang, body), messages::take_case(case)]
        }
        Notice::RemindTaker { case, member, taker } => vec![
            messages::remind_taker(lang, case, member, &taker),
            messages::call_buttons(case),
        ],
        Notice::CaseReleased {
            case,
            member,
            by,
            reason,
        } => {
            let body = match reason {
                ReleaseReason::NotClosed => Text::ReleasedNotClosed {
                    case_number: case,
                    member,
                    by,
                },
                ReleaseReason::TakerLeft => Text::ReleasedTakerLeft {
                    case_number: case,
                    member,
                    by,
                },
            };
            vec![messages::text(lang, body), messages::take_case(case)]
        }
        Notice::MentionOnDuty { case, mention } => {
            let on_duty = match &mention {
                Mention::OnDuty(user) => Some(user),
                Mention::Everyone => None,
            };
            vec![messages::mention_on_duty(case, on_duty)]
        }
        Notice::AllClearToContact { member, missed } => {
            vec![messages::text(lang, Text::AllClearToContact { member, missed })]
        }
        Notice::CaseEndedToContact { member } => vec![messages::text(lang, Text::CaseEndedToContact { member })],
        Notice::AllClearToStaff { case, member, missed } => vec![messages::text(
            lang,
            Text::AllClearToStaff {
                case_number: case,
                member,
                missed,
            },
        )],
        Notice::ConfirmedSafeToContact { member, by } => {
            vec![messages::text(lang, Text::ConfirmedSafeToContact { member, by })]
        }
        Notice::ConfirmedSafeToStaff { case, member, by } => vec![messages::text(
            lang,
            Text::ConfirmedSafeToStaff {
                case_number: case,
                member,
                by,
            },
        )],
        Notice::ContactLinked { contact } => vec![messages::text(lang, Text::ContactLinkedToMember { contact })],
        Notice::RemovedFromContacts { member } => vec![messages::text(lang, Text::RemovedFromContacts { member })],
        Notice::MemberLeft { member } => vec![messages::text(lang, Text::MemberLeftToContact { member })],
        Notice::ContactLeft { contact } => vec![messages::text(lang, Text::ContactLeftToMember { contact })],
        Notice::LeftWithOpenCase { case, member } => vec![messages::text(
            lang,
            Text::LeftWithOpenCase {
                case_number: case,
                member,
            },
        )],
        Notice::HospitalPause { resume_on } => {
            let last_day = resume_on.yesterday().unwrap_or(resume_on);
            let t = Text::HospitalPause {
                last_day: texts::day(lang, last_day),
                resume_on: texts::day(lang, resume_on),
            };
            vec![messages::text(lang, t)]
        }
        Notice::ContactBlocked { contact } => vec![messages::text(lang, Text::ContactBlockedToMember { contact })],
        Notice::MemberBlocked {
            member,
            member_short,
            unanswered,
            erased_in_days,
        } => vec![messages::text(
            lang,
            Text::MemberBlocked {
                member,
                member_short,
                unanswered,
                days: erased_in_days,
            },
        )],
        Notice::ChecksMissed { missed, incident } => {
            // A LINE text holds 5,000 characters: name the first ones, count the rest.
            let shown = missed.len().min(MISSED_LINES);
            let mut lines: Vec<String> = missed[..shown]
                .iter()
                .map(|m| {
                    Text::MissedLine {
                        member: m.member.clone(),
                        member_short: m.member_short.clone(),
                        slot: when(lang, m.slot, tz),
                    }
                    .render(lang)
                })
                .collect();
            if missed.len() > shown {
                lines.push(
                    Text::AndOthers {
                        count: missed.len() - shown,
                    }
                    .render(lang),
                );
            }
            let (count, lines) = (missed.len(), lines.join("\n"));
            let body = match incident {
                true => Text::SystemIncident { count, lines },
                false => Text::ChecksMissed { count, lines },
            };
            vec![messages::text(lang, body)]
        }
        Notice::CheckMissed {
            member,
            member_short,
            slot,
        } => vec![messages::text(
            lang,
            Text::CheckMissed {
                member,
                member_short,
                slot: when(lang, slot, tz),
            },
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ChatId, CheckId, UserId};
    use crate::outbox::{PushKind, Recipient};

    #[test]
    fn the_staff_alert_names_the_case_the_contacts_and_the_time() {
        let tz = TimeZone::get("Asia/Tokyo").unwrap();
        let room = Recipient::Chat(ChatId::new(format!("C{}", "c".repeat(32))).unwrap());
        let notice = Notice::AlertToStaff {
            case: Some(1042),
            member: "山田花子".into(),
            member_short: "aaaa".into(),
            since: "2026-11-25T00:00:00Z".parse().unwrap(),
            last_sign_of_life: None,
            contacts: vec![("山田太郎".into(), Some("09012345678".into()))],
            blocked: vec![],
        };
        let push = push(Planned::new("1", PushKind::Alert, room, Lang::Ja, notice), &tz);
        let staff = push.messages[0]["text"].as_str().unwrap();
        assert!(
            staff.contains("#1042") && staff.contains("山田太郎 09012345678") && staff.contains("11月25日 9:00"),
            "{staff}"
        );
        assert_eq!(push.messages[1]["template"]["actions"][0]["data"], "case:take:1042");
    }

    #[test]
    fn a_check_after_a_pause_says_so_first() {
        let member = UserId::new(format!("U{}", "a".repeat(32))).unwrap();
        let check = CheckId("2026-11-25T00:00:00Z".parse().unwrap());
        let notice = Notice::Check {
            check,
            member: member.clone(),
            pause_ended: true,
        };
        let planned = Planned::new(
            &check.key(),
            PushKind::Check,
            Recipient::Person(member),
            Lang::Ja,
            notice,
        );
        let push = push(planned, &TimeZone::UTC);
        assert_eq!(push.messages.len(), 2);
        assert_eq!(push.messages[0]["text"], Text::PauseEnded.render(Lang::Ja));
        assert_eq!(
            push.messages[1]["template"]["actions"].as_array().map(Vec::len),
            Some(1)
        );
    }
}
