//! Everything a member, contact or staff member reads on LINE, as one catalogue per
//! language (Japanese first, English for those who choose it). Handlers never write
//! member-facing text; `messages` puts these texts into LINE message objects.

use crate::member::Lang;
use crate::schedule::{Cadence, CheckSchedule, WeekdayName};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

pub mod catalogue;
mod en;
mod ja;

/// Every text the service sends, with what it needs to be written.
#[derive(Clone, Debug, PartialEq)]
pub enum Text {
    Welcome {
        schedule: String,
    },
    Check,
    Reminder,
    Repeat,
    OkLabel,
    OkDisplay,
    AckThanks,
    SignOfLifeThanks,
    RegisterContactLabel,
    InviteForMember {
        code: String,
        until: String,
    },
    InviteForContact {
        code: String,
    },
    ContactLinkedToContact {
        member: String,
    },
    ContactLinkedToMember {
        contact: String,
    },
    CodeInvalid,
    CodeThrottled,
    ContactLimit,
    ContactOfSelf,
    ContactOnlyHelp,
    NotAMemberForInvite,
    /// Linked as a contact; asks whether their own checks go on.
    CaseEndedToContact {
        member: String,
    },
    OwnChecksQuestion {
        member: String,
    },
    OwnChecksKeepLabel,
    OwnChecksStopLabel,
    OwnChecksKept,
    OwnChecksStopped,
    AlertToContact {
        member: String,
        since: String,
    },
    AlertToStaff {
        case_number: u64,
        member: String,
        member_short: String,
        since: String,
        last_sign_of_life: String,
        contacts: String,
    },
    AllClearToContact {
        member: String,
        missed: u32,
    },
    AllClearToStaff {
        case_number: u64,
        member: String,
        missed: u32,
    },
    StaffRoomRegistered,
    StaffCodeWrong,
    /// The room the staff room was moved away from.
    StaffRoomMovedAway,
    /// 「スタッフ登録」 in the staff room itself.
    StaffRoomAlready,
    /// 「スタッフ登録」 from another chat while a staff room is registered.
    StaffRoomElsewhere,
    /// Told to the staff room: another chat tried to become the staff room.
    StaffRoomAttempted,
    StaffCodeTooManyTries,
    /// The staff room's 「スタッフルーム移動」: the one-time code that moves it.
    StaffRoomMoveCode {
        code: String,
        until: String,
    },
    ChatJoined,
    ButtonNoLongerValid,
    Never,
    NoContacts,
    SettingsSummary {
        schedule: String,
        zone: String,
        next: String,
        pause: String,
        contacts: String,
    },
    NotPaused,
    PausedUntil {
        resume_on: String,
    },
    ChangeScheduleLabel,
    PauseLabel,
    AskCadence,
    CadenceDay,
    CadenceDays {
        n: u8,
    },
    CadenceWeek,
    AskWeekday,
    AskTime,
    PickTimeLabel,
    ScheduleChanged {
        schedule: String,
        next: String,
    },
    AskPause,
    PauseDaysLabel {
        days: u8,
    },
    PickDateLabel,
    EndPauseLabel,
    Paused {
        last_day: String,
        resume_on: String,
    },
    /// To someone LINE sent no user id for: nothing can be done for them here.
    UnknownSender,
    /// To a member whose case staff closed as 入院: their checks rest meanwhile.
    HospitalPause {
        last_day: String,
        resume_on: String,
    },
    PauseEnded,
    PauseEndedByMember {
        next: String,
    },
    PauseDateInvalid,
    ZoneChanged {
        zone: String,
        next: String,
    },
    ZoneUnknown,
    OnlyForMembers,
    CheckInThanks,
    CheckInAhead {
        next: String,
    },
    MenuCheckInLabel,
    MenuSettingsLabel,
    MenuBarText,
    LeaveConfirm,
    LeaveYesLabel,
    LeaveNoLabel,
    LeaveDone,
    LeaveCancelled,
    TakeCasePrompt {
        case_number: u64,
    },
    TakeCaseLabel,
    CaseTaken {
        case_number: u64,
        by: String,
    },
    CaseAlreadyTaken {
        case_number: u64,
        by: String,
    },
    CaseAlreadyResolved {
        case_number: u64,
    },
    StaffOnly,
    /// A staff button pressed in the staff room, but LINE did not say by whom.
    StaffUnidentified {
        command: String,
    },
    ProfileThanks,
    CheckMissed {
        member: String,
        member_short: String,
        slot: String,
    },
    LeftWithOpenCase {
        case_number: u64,
        member: String,
    },
    /// After a contact's name in the staff alert: they blocked the account.
    BlockedMark,
    ContactBlockedToMember {
        contact: String,
    },
    /// To the staff room: a member blocked the account (`unanswered`: with a check open).
    MemberBlocked {
        member: String,
        member_short: String,
        unanswered: bool,
        days: i64,
    },
    /// One watchdog round's missed checks, one line each.
    ChecksMissed {
        count: usize,
        lines: String,
    },
    /// So many checks missed at once that the system itself has failed.
    SystemIncident {
        count: usize,
        lines: String,
    },
    /// A line of `ChecksMissed`/`SystemIncident`.
    MissedLine {
        member: String,
        member_short: String,
        slot: String,
    },
    /// More members than the lines shown.
    AndOthers {
        count: usize,
    },
    ClearPhoneLabel,
    ContactPhoneCleared {
        contact: String,
    },
    CaseOverForContact,
    MemberErased,
    ReportMonthInvalid,
    CallPrompt {
        case_number: u64,
    },
    CallLabel(crate::case::CallKind),
    CloseLabel,
    CallRecorded {
        case_number: u64,
        call: String,
        by: String,
    },
    /// Before closing with an outcome that stops the member's checks for good.
    ConfirmClose {
        case_number: u64,
        outcome: String,
    },
    ConfirmCloseLabel,
    BackLabel,
    AskOutcome {
        case_number: u64,
    },
    OutcomeLabel(crate::case::Outcome),
    CaseClosed {
        case_number: u64,
        outcome: String,
        by: String,
    },
    CaseAlreadyClosed {
        case_number: u64,
        outcome: String,
    },
    /// A page to staff by e-mail or SMS, when LINE cannot reach the staff room.
    StaffPage(crate::page::StaffPage),
    /// Why the staff room could not be told (in a page and in the case's history).
    UnreachedReason(crate::page::Unreached),
    ChecksResumed {
        case_number: u64,
        member: String,
        next: String,
    },
    ChecksResumeNotDeceased {
        case_number: u64,
    },
    ChecksResumeMemberGone {
        case_number: u64,
    },
    DeceasedUndoHint {
        case_number: u64,
    },
    CaseNotTaken {
        case_number: u64,
    },
    CaseUnknown {
        case_number: u64,
    },
    NoteRecorded {
        case_number: u64,
    },
    CaseHistory {
        case_number: u64,
        member: String,
        contacts: String,
        lines: String,
    },
    Reannounce {
        case_number: u64,
        member: String,
        since: String,
    },
    MentionOnDuty {
        case_number: u64,
    },
    /// To the person who took a case still open (`{taker}` is the mention).
    RemindTaker {
        case_number: u64,
        member: String,
    },
    /// A taken case handed back: not closed after the reminder.
    ReleasedNotClosed {
        case_number: u64,
        member: String,
        by: String,
    },
    /// A taken case handed back: its taker left the staff room.
    ReleasedTakerLeft {
        case_number: u64,
        member: String,
        by: String,
    },
    AlertToContactAgain {
        member: String,
    },
    SafeLabel,
    /// The buttons message under a contact's alert: the button, and what to type.
    ContactSafePrompt {
        case_number: u64,
    },
    ConfirmedSafeToContact {
        member: String,
        by: String,
    },
    ConfirmedSafeToStaff {
        case_number: u64,
        member: String,
        by: String,
    },
    SafeThanks,
    OnDutySet {
        name: String,
    },
    /// Someone came into the staff room: staff once an approved one approves them.
    StaffJoinedPending {
        name: String,
    },
    /// The buttons message under it.
    StaffApprovePrompt {
        name: String,
    },
    StaffApproveLabel,
    StaffApproved {
        name: String,
        by: String,
    },
    /// A staff action by someone not approved yet.
    StaffNotApproved {
        name: String,
    },
    /// 「スタッフ承認 名前」 naming nobody waiting for approval, or several people.
    StaffApproveUnknown {
        name: String,
    },
    StaffApproveAmbiguous {
        name: String,
    },
    StaffJoined {
        name: String,
    },
    AskAgeBand,
    AgeBandLabel(crate::member::AgeBand),
    AskGender,
    GenderLabel(crate::member::Gender),
    SkipLabel,
    AskContactPhone {
        contact: String,
    },
    ConfirmContactPhone {
        contact: String,
        phone: String,
    },
    ContactPhoneSaved {
        contact: String,
    },
    PhoneInvalid,
    PhoneLabel {
        name: String,
    },
    YesLabel,
    NoLabel,
    ContactsList {
        contacts: String,
        count: usize,
    },
    RemoveContactLabel {
        name: String,
    },
    AddContactLabel,
    ContactsLabel,
    ContactRemoved {
        contact: String,
    },
    RemovedFromContacts {
        member: String,
    },
    LanguageSet,
    Introduction,
    Consent {
        url: String,
    },
    ConsentYesLabel,
    ConsentNoLabel,
    ConsentThanks,
    Declined,
    OfferContact,
    LaterLabel,
    OnboardingDone {
        schedule: String,
    },
    MemberLeftToContact {
        member: String,
    },
    ContactLeftToMember {
        contact: String,
    },
}

impl Text {
    pub fn render(&self, lang: Lang) -> String {
        match lang {
            Lang::Ja => ja::render(self),
            Lang::En => en::render(self),
        }
    }
}

/// A date as members read it: "12月3日" / "Dec 3".
pub fn day(lang: Lang, date: jiff::civil::Date) -> String {
    match lang {
        Lang::Ja => format!("{}月{}日", date.month(), date.day()),
        Lang::En => date.strftime("%b %-d").to_string(),
    }
}

/// "毎日9時" / "Every day at 9:00", as a member would say it.
pub fn describe_schedule(lang: Lang, s: &CheckSchedule, window: SignedDuration) -> String {
    let ja = |h: u8, m: u8| {
        if m == 0 {
            format!("{h}時")
        } else {
            format!("{h}時{m}分")
        }
    };
    // With a flexible window the check comes within it: "9時〜9時5分" / "9:00–9:05".
    let minutes = u8::try_from(window.as_mins().clamp(0, 59)).unwrap_or(0);
    let (end_h, end_m) = {
        let total = u16::from(s.hour) * 60 + u16::from(s.minute) + u16::from(minutes);
        (((total / 60) % 24) as u8, (total % 60) as u8)
    };
    let (at, at_en) = match minutes {
        0 => (ja(s.hour, s.minute), format!("{}:{:02}", s.hour, s.minute)),
        _ => (
            format!("{}〜{}", ja(s.hour, s.minute), ja(end_h, end_m)),
            format!("{}:{:02}–{}:{:02}", s.hour, s.minute, end_h, end_m),
        ),
    };
    match (lang, s.cadence) {
        (Lang::Ja, Cadence::Day) => format!("毎日{at}"),
        (Lang::Ja, Cadence::Days { n, .. }) => format!("{n}日に1度、{at}"),
        (Lang::Ja, Cadence::Week { weekday }) => format!("毎週{}曜日の{at}", weekday_ja(weekday)),
        (Lang::En, Cadence::Day) => format!("Every day at {at_en}"),
        (Lang::En, Cadence::Days { n, .. }) => format!("Every {n} days at {at_en}"),
        (Lang::En, Cadence::Week { weekday }) => format!("Every {weekday:?} at {at_en}"),
    }
}

pub(crate) fn weekday_ja(w: WeekdayName) -> &'static str {
    match w {
        WeekdayName::Mon => "月",
        WeekdayName::Tue => "火",
        WeekdayName::Wed => "水",
        WeekdayName::Thu => "木",
        WeekdayName::Fri => "金",
        WeekdayName::Sat => "土",
        WeekdayName::Sun => "日",
    }
}

/// LINE counts a label, a `displayText` and a template's text in grapheme clusters
/// (what a person sees as one character: 👨‍👩‍👧 is one), at most 20 for a label.
pub const LABEL_MAX: usize = 20;

/// How many characters LINE counts in a label or a template text.
pub fn graphemes(s: &str) -> usize {
    unicode_segmentation::UnicodeSegmentation::graphemes(s, true).count()
}

/// `s` cut to at most `max` characters as LINE counts them in a label, never through
/// the middle of one (an emoji, a flag, a letter with its marks).
pub fn cut(s: &str, max: usize) -> String {
    unicode_segmentation::UnicodeSegmentation::graphemes(s, true)
        .take(max)
        .collect()
}

/// How many characters LINE counts in a message's `text` (at most 5,000): UTF-16 code
/// units, so 🍎 is two.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// A moment as people in the operator's zone say it: "11月25日 9:00" / "Nov 25 9:00".
pub fn when(lang: Lang, at: Timestamp, tz: &TimeZone) -> String {
    let z = at.to_zoned(tz.clone());
    match lang {
        Lang::Ja => format!("{}月{}日 {}:{:02}", z.month(), z.day(), z.hour(), z.minute()),
        Lang::En => format!("{} {}:{:02}", z.strftime("%b %-d"), z.hour(), z.minute()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_is_described_as_people_say_it() {
        let s = CheckSchedule::daily_at(9).unwrap();
        assert_eq!(describe_schedule(Lang::Ja, &s, SignedDuration::ZERO), "毎日9時");
        assert_eq!(
            describe_schedule(Lang::En, &s, SignedDuration::ZERO),
            "Every day at 9:00"
        );
    }

    #[test]
    fn a_flexible_window_is_said_as_the_span_the_check_comes_in() {
        let five = SignedDuration::from_mins(5);
        let s = CheckSchedule::daily_at(9).unwrap();
        assert_eq!(describe_schedule(Lang::Ja, &s, five), "毎日9時〜9時5分");
        assert_eq!(describe_schedule(Lang::En, &s, five), "Every day at 9:00–9:05");
        let late = CheckSchedule {
            minute: 58,
            ..CheckSchedule::daily_at(23).unwrap()
        };
        assert_eq!(describe_schedule(Lang::Ja, &late, five), "毎日23時58分〜0時3分");
    }
}
