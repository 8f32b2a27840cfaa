//! Views for the staff room: a case's history and the monthly report.

use crate::case::{Outcome, ReleaseReason};
use crate::line::texts::{Text, when};
use crate::member::{AgeBand, Gender, Lang};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

/// A case's history, one line per event, for the staff room.
/// `name_of` names the contacts alerted (those no longer linked are counted, not named).
pub fn case_history_lines(
    events: &[(Timestamp, crate::case::CaseEvent)],
    tz: &TimeZone,
    name_of: &dyn Fn(&str) -> Option<String>,
) -> String {
    use crate::case::{CaseEvent, LevelAction};
    let lang = Lang::Ja;
    let people = |ids: &mut dyn Iterator<Item = &str>| {
        let (mut named, mut others) = (Vec::new(), 0);
        for id in ids {
            match name_of(id) {
                Some(n) => named.push(format!("{n}さん")),
                None => others += 1,
            }
        }
        if others > 0 {
            named.push(format!("ほか{others}人"));
        }
        if named.is_empty() {
            "連絡先なし".to_owned()
        } else {
            named.join("・")
        }
    };
    let alerted_before = std::cell::Cell::new(false);
    let lines: Vec<String> = events
        .iter()
        .map(|(at, e)| {
            let what = match e {
                CaseEvent::Opened { check } => format!("発生（{} の確認にお返事なし）", when(lang, *check, tz)),
                // A later entry adds whom a later delivery alerted (the staff room,
                // registered after the first alert).
                CaseEvent::Alerted { contacts, staff_room } if alerted_before.replace(true) => {
                    let room = staff_room.then_some("スタッフルーム");
                    let named = (!contacts.is_empty()).then(|| people(&mut contacts.iter().map(|c| c.as_str())));
                    format!(
                        "通知：{}",
                        named
                            .into_iter()
                            .chain(room.map(str::to_owned))
                            .collect::<Vec<_>>()
                            .join("、")
                    )
                }
                CaseEvent::Alerted { contacts, staff_room } => format!(
                    "通知：{}{}",
                    people(&mut contacts.iter().map(|c| c.as_str())),
                    if *staff_room { "、スタッフルーム" } else { "" }
                ),
                CaseEvent::Reannounced { follow_up } => format!("再通知（{follow_up}回目）"),
                CaseEvent::Escalated { action, to, .. } => match action {
                    LevelAction::Contacts => format!("連絡先へ再通知：{}", people(&mut to.iter().map(String::as_str))),
                    LevelAction::MentionOnDuty => "当番の方へメンション".to_owned(),
                },
                CaseEvent::Taken { by } => format!("対応者：{}さん", by.name),
                CaseEvent::TakerReminded { by } => format!("対応者へ確認：{}さん", by.name),
                CaseEvent::Released { by, reason } => match reason {
                    ReleaseReason::NotClosed => format!("担当を解除（{}さん、終了の記録なし）", by.name),
                    ReleaseReason::TakerLeft => format!("担当を解除（{}さんがスタッフルームを退出）", by.name),
                },
                CaseEvent::Call { kind, by } => format!("{}（{}さん）", Text::CallLabel(*kind).render(lang), by.name),
                CaseEvent::Note { by, text } => format!("メモ（{}さん）：{text}", by.name),
                CaseEvent::ChecksResumed { by } => format!("見守りを再開（{}さん、死亡の記録を取り消し）", by.name),
                CaseEvent::Unknown => "（この版では表示できない記録）".to_owned(),
                CaseEvent::StaffPaged { why } => {
                    format!(
                        "スタッフへメール・SMSで連絡（{}）",
                        Text::UnreachedReason(*why).render(lang)
                    )
                }
                CaseEvent::Closed { outcome, by } => match by {
                    Some(by) => format!("終了：{}（{}さん）", Text::OutcomeLabel(*outcome).render(lang), by.name),
                    None => format!("終了：{}", Text::OutcomeLabel(*outcome).render(lang)),
                },
            };
            format!("{} {what}", when(lang, *at, tz))
        })
        .collect::<Vec<_>>();
    // A LINE text holds 5,000 characters: a long history keeps its first line (how it
    // began) and its most recent ones.
    let mut lines = lines;
    let mut left_out = 0;
    // LINE counts a text in UTF-16 code units (an emoji in a name or a note is two).
    while lines.len() > 2
        && lines
            .iter()
            .map(|l| crate::line::texts::utf16_len(l) + 1)
            .sum::<usize>()
            > HISTORY_BUDGET
    {
        lines.remove(1);
        left_out += 1;
    }
    if left_out > 0 {
        lines.insert(1, format!("…（{left_out}件省略）"));
    }
    lines.join("\n")
}

/// Characters of case history in one message (the rest of it stays under LINE's 5,000).
const HISTORY_BUDGET: usize = 4_500;

/// The monthly report for the staff room: the month and since the start.
pub fn monthly_report(month: &str, m: &crate::report::Figures, all: &crate::report::Figures) -> Value {
    let block = |title: &str, f: &crate::report::Figures| {
        let bands: Vec<String> = AgeBand::ALL
            .iter()
            .map(|a| {
                format!(
                    "{} {}",
                    Text::AgeBandLabel(*a).render(Lang::Ja),
                    f.by_age_band.get(a.as_str()).copied().unwrap_or(0)
                )
            })
            .chain([format!("未回答 {}", f.by_age_band.get("unknown").copied().unwrap_or(0))])
            .collect();
        let genders: Vec<String> = Gender::ALL
            .iter()
            .map(|g| {
                format!(
                    "{} {}",
                    Text::GenderLabel(*g).render(Lang::Ja),
                    f.by_gender.get(g.as_str()).copied().unwrap_or(0)
                )
            })
            .chain([format!("未回答 {}", f.by_gender.get("unknown").copied().unwrap_or(0))])
            .collect();
        let outcomes: Vec<String> = Outcome::ALL
            .iter()
            .map(|o| {
                format!(
                    "{} {}",
                    Text::OutcomeLabel(*o).render(Lang::Ja),
                    f.outcomes.get(o.as_str()).copied().unwrap_or(0)
                )
            })
            .collect();
        format!(
            "【{title}】\n会員 {}人（入会 {}・退会 {}）\n年代：{}\n性別：{}\n確認 {}回（先に元気です {}）\nすぐに応答 {}・再送後に応答 {}・通知 {}\n案件 {}件・電話した方 {}人・電話 {}回・訪問/警察 {}回\n結果：{}",
            f.members_total,
            f.members_joined,
            f.members_left,
            bands.join("、"),
            genders.join("、"),
            f.checks_sent,
            f.checks_answered_ahead,
            f.acknowledged_on_time,
            f.acknowledged_after_reminder,
            f.escalated,
            f.cases_opened,
            f.people_phoned,
            f.calls,
            f.visits_or_police,
            outcomes.join("、"),
        )
    };
    text_raw(format!(
        "月次レポート\n\n{}\n\n{}",
        block(month, m),
        block("開始以来", all)
    ))
}

fn text_raw(s: String) -> Value {
    json!({ "type": "text", "text": s })
}
