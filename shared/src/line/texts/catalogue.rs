//! Every text in both languages with sample values, for review as a whole
//! (`docs/member-texts.md`) and for LINE's length limits.

use super::Text;
use crate::case::{CallKind, Outcome};
use crate::ids::OperatorId;
use crate::member::{AgeBand, Gender, Lang};
use crate::page::{StaffPage, Unreached};

/// Every text in both languages, for review as a whole (see the snapshot test).
pub fn catalogue() -> Vec<(Lang, String)> {
    let operator = OperatorId::new("default").expect("a valid operator id");
    let page = |why| {
        Text::StaffPage(StaffPage::Case {
            operator: operator.clone(),
            case: 1042,
            member_short: "ab12".into(),
            why,
        })
    };
    let samples = [
        Text::Welcome {
            schedule: "毎日9時".into(),
        },
        Text::Check,
        Text::Reminder,
        Text::Repeat,
        Text::OkLabel,
        Text::AckThanks,
        Text::SignOfLifeThanks,
        Text::RegisterContactLabel,
        Text::InviteForMember {
            code: "K7QF-2M9X".into(),
            until: "11月26日 9:00".into(),
        },
        Text::InviteForContact {
            code: "K7QF-2M9X".into(),
        },
        Text::ContactLinkedToContact {
            member: "山田花子".into(),
        },
        Text::ContactLinkedToMember {
            contact: "山田太郎".into(),
        },
        Text::CodeInvalid,
        Text::CodeThrottled,
        Text::ContactLimit,
        Text::ContactOfSelf,
        Text::ContactOnlyHelp,
        Text::NotAMemberForInvite,
        Text::CaseEndedToContact {
            member: "山田花子".into(),
        },
        Text::OwnChecksQuestion {
            member: "山田花子".into(),
        },
        Text::OwnChecksKeepLabel,
        Text::OwnChecksStopLabel,
        Text::OwnChecksKept,
        Text::OwnChecksStopped,
        Text::AlertToContact {
            member: "山田花子".into(),
            since: "11月25日 9:00".into(),
        },
        Text::AlertToStaff {
            case_number: 1042,
            member: "山田花子".into(),
            member_short: "3f2a".into(),
            since: "11月25日 9:00".into(),
            last_sign_of_life: "11月24日 9:05".into(),
            contacts: "山田太郎".into(),
        },
        Text::AllClearToContact {
            member: "山田花子".into(),
            missed: 2,
        },
        Text::AllClearToStaff {
            case_number: 1042,
            member: "山田花子".into(),
            missed: 2,
        },
        Text::StaffRoomRegistered,
        Text::StaffCodeWrong,
        Text::StaffRoomMovedAway,
        Text::StaffRoomAlready,
        Text::StaffRoomElsewhere,
        Text::StaffRoomAttempted,
        Text::StaffCodeTooManyTries,
        Text::StaffRoomMoveCode {
            code: "K7PQ-2XWZ".into(),
            until: "11月30日 10:00".into(),
        },
        Text::ChatJoined,
        Text::ButtonNoLongerValid,
        Text::SettingsSummary {
            schedule: "毎日9時".into(),
            zone: "Asia/Tokyo".into(),
            next: "11月30日 9:00".into(),
            pause: "なし".into(),
            contacts: "山田太郎".into(),
        },
        Text::ChangeScheduleLabel,
        Text::PauseLabel,
        Text::AskCadence,
        Text::CadenceDay,
        Text::CadenceDays { n: 2 },
        Text::CadenceWeek,
        Text::AskWeekday,
        Text::AskTime,
        Text::PickTimeLabel,
        Text::ScheduleChanged {
            schedule: "毎週月曜日の7時".into(),
            next: "12月7日 7:00".into(),
        },
        Text::AskPause,
        Text::PauseDaysLabel { days: 3 },
        Text::PauseDaysLabel { days: 7 },
        Text::PickDateLabel,
        Text::EndPauseLabel,
        Text::Paused {
            last_day: "12月2日".into(),
            resume_on: "12月3日".into(),
        },
        Text::HospitalPause {
            last_day: "12月14日".into(),
            resume_on: "12月15日".into(),
        },
        Text::UnknownSender,
        Text::PauseEnded,
        Text::PauseEndedByMember {
            next: "12月1日 9:00".into(),
        },
        Text::PauseDateInvalid,
        Text::ZoneChanged {
            zone: "America/Los_Angeles".into(),
            next: "12月1日 9:00".into(),
        },
        Text::ZoneUnknown,
        Text::OnlyForMembers,
        Text::CheckInThanks,
        Text::CheckInAhead {
            next: "11月30日 9:00".into(),
        },
        Text::MenuCheckInLabel,
        Text::MenuSettingsLabel,
        Text::MenuBarText,
        Text::LeaveConfirm,
        Text::LeaveYesLabel,
        Text::LeaveNoLabel,
        Text::LeaveDone,
        Text::LeaveCancelled,
        Text::TakeCasePrompt { case_number: 1042 },
        Text::TakeCaseLabel,
        Text::CaseTaken {
            case_number: 1042,
            by: "田中".into(),
        },
        Text::CaseAlreadyTaken {
            case_number: 1042,
            by: "田中".into(),
        },
        Text::CaseAlreadyResolved { case_number: 1042 },
        Text::StaffOnly,
        Text::StaffUnidentified {
            command: "対応 #1042".into(),
        },
        Text::ProfileThanks,
        Text::CheckMissed {
            member: "山田花子".into(),
            member_short: "3f2a".into(),
            slot: "11月25日 9:00".into(),
        },
        Text::LeftWithOpenCase {
            case_number: 1042,
            member: "山田花子".into(),
        },
        Text::BlockedMark,
        Text::ContactBlockedToMember {
            contact: "山田太郎".into(),
        },
        Text::MemberBlocked {
            member: "山田花子".into(),
            member_short: "3f2a".into(),
            unanswered: false,
            days: 30,
        },
        Text::MemberBlocked {
            member: "山田花子".into(),
            member_short: "3f2a".into(),
            unanswered: true,
            days: 30,
        },
        Text::ChecksMissed {
            count: 2,
            lines: "・山田花子さん（ID末尾 3f2a）11月25日 9:00\n・山田太郎さん（ID末尾 9c01）11月25日 9:00".into(),
        },
        Text::SystemIncident {
            count: 120,
            lines: "・山田花子さん（ID末尾 3f2a）11月25日 9:00\nほか119人".into(),
        },
        Text::MissedLine {
            member: "山田花子".into(),
            member_short: "3f2a".into(),
            slot: "11月25日 9:00".into(),
        },
        Text::AndOthers { count: 119 },
        Text::ClearPhoneLabel,
        Text::ContactPhoneCleared {
            contact: "山田太郎".into(),
        },
        Text::CaseOverForContact,
        Text::MemberErased,
        Text::ReportMonthInvalid,
        Text::CallPrompt { case_number: 1042 },
        Text::CallLabel(CallKind::ReachedMember),
        Text::CallLabel(CallKind::NoAnswer),
        Text::CallLabel(CallKind::ReachedContact),
        Text::CallLabel(CallKind::Dispatched),
        Text::CloseLabel,
        Text::CallRecorded {
            case_number: 1042,
            call: "不在・留守電".into(),
            by: "田中".into(),
        },
        Text::ConfirmClose {
            case_number: 1042,
            outcome: "死亡".into(),
        },
        Text::ConfirmCloseLabel,
        Text::BackLabel,
        Text::AskOutcome { case_number: 1042 },
        Text::OutcomeLabel(Outcome::Answered),
        Text::OutcomeLabel(Outcome::ConfirmedByContact),
        Text::OutcomeLabel(Outcome::Safe),
        Text::OutcomeLabel(Outcome::Hospitalised),
        Text::OutcomeLabel(Outcome::Deceased),
        Text::OutcomeLabel(Outcome::Other),
        Text::CaseClosed {
            case_number: 1042,
            outcome: "入院".into(),
            by: "田中".into(),
        },
        Text::CaseAlreadyClosed {
            case_number: 1042,
            outcome: "本人が応答".into(),
        },
        Text::CaseNotTaken { case_number: 1042 },
        page(Unreached::NoStaffRoom),
        page(Unreached::QuotaExhausted),
        page(Unreached::TokenRefused),
        page(Unreached::RoomRefused),
        Text::StaffPage(StaffPage::StaffRoomLost {
            operator: operator.clone(),
        }),
        Text::ChecksResumed {
            case_number: 1042,
            member: "山田花子".into(),
            next: "12月1日 9:00".into(),
        },
        Text::ChecksResumeNotDeceased { case_number: 1042 },
        Text::ChecksResumeMemberGone { case_number: 1042 },
        Text::DeceasedUndoHint { case_number: 1042 },
        Text::CaseUnknown { case_number: 1042 },
        Text::NoteRecorded { case_number: 1042 },
        Text::CaseHistory {
            case_number: 1042,
            member: "山田花子".into(),
            contacts: "山田太郎 090-1234-5678".into(),
            lines: "11月25日 12:00 発生".into(),
        },
        Text::Reannounce {
            case_number: 1042,
            member: "山田花子".into(),
            since: "11月25日 9:00".into(),
        },
        Text::MentionOnDuty { case_number: 1042 },
        Text::RemindTaker {
            case_number: 1042,
            member: "山田花子".into(),
        },
        Text::ReleasedNotClosed {
            case_number: 1042,
            member: "山田花子".into(),
            by: "伊藤".into(),
        },
        Text::ReleasedTakerLeft {
            case_number: 1042,
            member: "山田花子".into(),
            by: "伊藤".into(),
        },
        Text::AlertToContactAgain {
            member: "山田花子".into(),
        },
        Text::SafeLabel,
        Text::ContactSafePrompt { case_number: 1042 },
        Text::ConfirmedSafeToContact {
            member: "山田花子".into(),
            by: "山田太郎".into(),
        },
        Text::ConfirmedSafeToStaff {
            case_number: 1042,
            member: "山田花子".into(),
            by: "山田太郎".into(),
        },
        Text::SafeThanks,
        Text::OnDutySet { name: "田中".into() },
        Text::StaffJoinedPending {
            name: "佐々木".into()
        },
        Text::StaffApprovePrompt {
            name: "佐々木".into()
        },
        Text::StaffApproveLabel,
        Text::StaffApproved {
            name: "佐々木".into(),
            by: "田中".into(),
        },
        Text::StaffNotApproved {
            name: "佐々木".into()
        },
        Text::StaffApproveUnknown {
            name: "佐々木".into()
        },
        Text::StaffApproveAmbiguous {
            name: "佐々木".into()
        },
        Text::StaffJoined { name: "田中".into() },
        Text::AskAgeBand,
        Text::AgeBandLabel(AgeBand::Under60),
        Text::AgeBandLabel(AgeBand::Sixties),
        Text::AgeBandLabel(AgeBand::Seventies),
        Text::AgeBandLabel(AgeBand::Eighties),
        Text::AgeBandLabel(AgeBand::NinetyPlus),
        Text::AskGender,
        Text::GenderLabel(Gender::Female),
        Text::GenderLabel(Gender::Male),
        Text::GenderLabel(Gender::Other),
        Text::SkipLabel,
        Text::AskContactPhone {
            contact: "山田太郎".into(),
        },
        Text::ConfirmContactPhone {
            contact: "山田太郎".into(),
            phone: "090-1234-5678".into(),
        },
        Text::ContactPhoneSaved {
            contact: "山田太郎".into(),
        },
        Text::PhoneInvalid,
        Text::PhoneLabel {
            name: "山田太郎".into(),
        },
        Text::YesLabel,
        Text::NoLabel,
        Text::ContactsList {
            contacts: "山田太郎、佐藤次郎".into(),
            count: 2,
        },
        Text::RemoveContactLabel {
            name: "山田太郎".into(),
        },
        Text::AddContactLabel,
        Text::ContactsLabel,
        Text::ContactRemoved {
            contact: "山田太郎".into(),
        },
        Text::RemovedFromContacts {
            member: "山田花子".into(),
        },
        Text::LanguageSet,
        Text::Introduction,
        Text::Consent {
            url: "https://example.org/privacy".into(),
        },
        Text::ConsentYesLabel,
        Text::ConsentNoLabel,
        Text::ConsentThanks,
        Text::Declined,
        Text::OfferContact,
        Text::LaterLabel,
        Text::OnboardingDone {
            schedule: "毎日9時".into(),
        },
        Text::MemberLeftToContact {
            member: "山田花子".into(),
        },
        Text::ContactLeftToMember {
            contact: "山田太郎".into(),
        },
    ];
    [Lang::Ja, Lang::En]
        .into_iter()
        .flat_map(|lang| samples.iter().map(move |t| (lang, t.render(lang))))
        .collect()
}

/// The whole catalogue as a reviewable document (`docs/member-texts.md`).
pub fn catalogue_document() -> String {
    let mut out = String::from(
        "# Every text the service sends\n\nGenerated from the catalogue in `shared/src/line/texts/` by the test\n`catalogue_is_reviewed_as_a_whole` (run it with `UPDATE_SNAPSHOTS=1` to rewrite this file\nafter changing a text). Sample values stand in for names, dates and codes.\n",
    );
    for (lang, heading) in [(Lang::Ja, "日本語 (default)"), (Lang::En, "English")] {
        out.push_str(&format!("\n## {heading}\n\n"));
        for (l, text) in catalogue() {
            if l == lang {
                out.push_str(&format!("- {}\n", text.replace('\n', "<br>")));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_reviewed_as_a_whole() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/member-texts.md");
        let now = catalogue_document();
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, &now).unwrap();
        }
        let reviewed = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            reviewed, now,
            "a member-facing text changed: review docs/member-texts.md (UPDATE_SNAPSHOTS=1 rewrites it)"
        );
    }

    fn chars(s: &str) -> usize {
        s.encode_utf16().count()
    }

    #[test]
    fn a_page_in_japanese_fits_two_sms_parts() {
        // SMS carries Japanese as UCS-2: 67 characters a part once split.
        for (lang, t) in catalogue() {
            if lang == Lang::Ja && t.starts_with("【見守り】") {
                assert!(chars(&t) <= 2 * 67, "{t}");
            }
        }
    }

    /// Every label the service puts on a button, with the longest name a label may carry
    /// (12 characters, emoji and a family of four among them, cut as they are cut).
    fn every_label() -> Vec<Text> {
        use crate::case::{CallKind, Outcome};
        use crate::member::{AgeBand, Gender};
        let name = crate::line::texts::cut("👨‍👩‍👧‍👦山田花子🇯🇵ちゃん😀です長い名前", 12);
        let mut labels = vec![
            Text::OkLabel,
            Text::RegisterContactLabel,
            Text::OwnChecksKeepLabel,
            Text::OwnChecksStopLabel,
            Text::ChangeScheduleLabel,
            Text::PauseLabel,
            Text::PickTimeLabel,
            Text::PauseDaysLabel { days: 14 },
            Text::PickDateLabel,
            Text::EndPauseLabel,
            Text::MenuCheckInLabel,
            Text::MenuSettingsLabel,
            Text::LeaveYesLabel,
            Text::LeaveNoLabel,
            Text::TakeCaseLabel,
            Text::ClearPhoneLabel,
            Text::CloseLabel,
            Text::ConfirmCloseLabel,
            Text::BackLabel,
            Text::SafeLabel,
            Text::SkipLabel,
            Text::PhoneLabel { name: name.clone() },
            Text::YesLabel,
            Text::NoLabel,
            Text::RemoveContactLabel { name },
            Text::AddContactLabel,
            Text::ContactsLabel,
            Text::ConsentYesLabel,
            Text::ConsentNoLabel,
            Text::LaterLabel,
            Text::StaffApproveLabel,
            Text::CadenceDay,
            Text::CadenceDays { n: 3 },
            Text::CadenceWeek,
        ];
        labels.extend(CallKind::ALL.map(Text::CallLabel));
        labels.extend(Outcome::ALL.map(Text::OutcomeLabel));
        labels.extend(AgeBand::ALL.map(Text::AgeBandLabel));
        labels.extend(Gender::ALL.map(Text::GenderLabel));
        labels
    }

    #[test]
    fn every_label_in_both_languages_fits_lines_20_characters() {
        // Every `…Label` variant there is, is in the list.
        let variants = include_str!("mod.rs")
            .lines()
            .map(str::trim)
            .filter_map(|l| l.split([',', ' ', '(', '{']).next())
            .filter(|w| w.ends_with("Label") && w.chars().all(|c| c.is_ascii_alphanumeric()))
            .collect::<std::collections::BTreeSet<_>>();
        let listed: Vec<String> = every_label().iter().map(|t| format!("{t:?}")).collect();
        for v in variants {
            assert!(listed.iter().any(|l| l.starts_with(v)), "{v} is not in every_label()");
        }
        for lang in [Lang::Ja, Lang::En] {
            for label in every_label() {
                let shown = label.render(lang);
                let n = crate::line::texts::graphemes(&shown);
                assert!(n <= crate::line::texts::LABEL_MAX, "{lang:?} {label:?}: {shown} is {n}");
            }
        }
    }

    #[test]
    fn a_name_is_cut_between_characters_never_inside_one() {
        let family = "👨‍👩‍👧‍👦";
        assert_eq!(crate::line::texts::cut(&format!("{family}花子"), 1), family);
        assert_eq!(crate::line::texts::graphemes(&format!("{family}🇯🇵花子")), 4);
        assert_eq!(crate::line::texts::utf16_len("🍎"), 2);
    }

    #[test]
    fn the_consent_question_fits_a_confirm_template_with_the_longest_privacy_url() {
        let url = format!("https://{}", "a".repeat(crate::config::PRIVACY_URL_MAX - 8));
        for lang in [Lang::Ja, Lang::En] {
            let text = Text::Consent { url: url.clone() }.render(lang);
            // A confirm template's text: at most 240 characters.
            assert!(crate::line::texts::graphemes(&text) <= 240, "{lang:?}: {text}");
        }
    }

    #[test]
    fn every_text_fits_line_limits() {
        for (lang, t) in catalogue() {
            assert!(!t.is_empty());
            assert!(chars(&t) <= 5000, "{lang:?}: {t}");
        }
        for lang in [Lang::Ja, Lang::En] {
            for body in [
                Text::Check,
                Text::Reminder,
                Text::Repeat,
                Text::ContactSafePrompt { case_number: 1042 },
                Text::TakeCasePrompt { case_number: 1042 },
            ] {
                // Buttons template text without a title or image: at most 160.
                assert!(chars(&body.render(lang)) <= 160, "{body:?}");
            }
            for label in [
                Text::OkLabel,
                Text::RegisterContactLabel,
                Text::ChangeScheduleLabel,
                Text::PauseLabel,
                Text::PickTimeLabel,
                Text::PickDateLabel,
                Text::EndPauseLabel,
                Text::CadenceWeek,
                Text::PauseDaysLabel { days: 14 },
            ] {
                assert!(chars(&label.render(lang)) <= 20, "{label:?}");
            }
        }
    }
}
