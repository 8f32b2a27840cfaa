//! Everything a member, contact or staff member reads on LINE: one catalogue per
//! language (Japanese first, English for those who choose it), and the LINE message
//! objects that carry the texts and buttons. Handlers never write member-facing text.

use crate::case::{CallKind, Outcome};
use crate::check::Check;
use crate::report::{AgeBand, Gender};
use crate::schedule::{Cadence, CheckSchedule, WeekdayName};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

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
    BecameContactOnly {
        member: String,
    },
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
    GroupJoined,
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
    ProfileThanks,
    CheckMissed {
        member: String,
        member_short: String,
        slot: String,
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
    AlertToContactAgain {
        member: String,
    },
    SafeLabel,
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
    StaffJoined {
        name: String,
    },
    AskAgeBand,
    AgeBandLabel(crate::report::AgeBand),
    AskGender,
    GenderLabel(crate::report::Gender),
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
            Lang::Ja => ja(self),
            Lang::En => en(self),
        }
    }
}

fn ja(t: &Text) -> String {
    match t {
        Text::Welcome { schedule } => format!(
            "友だち追加ありがとうございます。見守りサービスです。\n\n{schedule}に「お元気ですか」とお送りします。ボタンを押すだけでお返事になります。\n\nお返事がないときは、もう一度お送りします。それでもお返事がないときは、ご家族などの連絡先とスタッフにお知らせします。\n\nご家族などを連絡先に登録するには、下の「連絡先登録」を押してください。\n招待コードを受け取った方は、そのコードを送ってください。"
        ),
        Text::Check => "見守りサービスです。お変わりありませんか。\nお元気でしたら、下のボタンを押してください。".into(),
        Text::Reminder => "前回の「お元気ですか」に、まだお返事がありません。\nお元気でしたら、下のボタンを押してください。\nお返事がないときは、連絡先とスタッフにお知らせします。".into(),
        Text::Repeat => "お返事がまだ届いていません。お変わりありませんか。\nお元気でしたら、下のボタンを押してください。".into(),
        Text::OkLabel => "元気です".into(),
        Text::OkDisplay => "元気です".into(),
        Text::AckThanks => "お返事ありがとうございます。お元気で何よりです。".into(),
        Text::SignOfLifeThanks => "メッセージありがとうございます。お元気なことを確認しました。".into(),
        Text::RegisterContactLabel => "連絡先登録".into(),
        Text::InviteForMember { code, until } => format!(
            "連絡先の招待コードは {code} です（{until}まで、1回だけ使えます）。\n次のメッセージを、ご家族など連絡先になってほしい方に転送してください。"
        ),
        Text::InviteForContact { code } => format!(
            "見守りサービスの連絡先になってください。\nこのLINE公式アカウントを友だち追加して、招待コード {code} を送ってください。\nお返事がないときに、お知らせが届きます。"
        ),
        Text::ContactLinkedToContact { member } => format!(
            "{member}さんの連絡先として登録しました。\n{member}さんからお返事がないときに、ここでお知らせします。"
        ),
        Text::ContactLinkedToMember { contact } => format!("{contact}さんを連絡先に登録しました。"),
        Text::CodeInvalid => "招待コードが正しくないか、期限が切れています。\nもう一度お確かめください。".into(),
        Text::CodeThrottled => "招待コードの入力が続けて間違っていました。\n1時間ほどたってから、もう一度お試しください。".into(),
        Text::ContactLimit => "連絡先は5人まで登録できます。".into(),
        Text::ContactOfSelf => "ご自身の招待コードです。連絡先になってほしい方に転送してください。".into(),
        Text::ContactOnlyHelp => "このアカウントでは、連絡先としてお知らせをお届けしています。".into(),
        Text::NotAMemberForInvite => "連絡先の登録は、見守りを受けている方ができます。".into(),
        Text::BecameContactOnly { member } => format!(
            "{member}さんの連絡先として登録しました。あなたご自身への「お元気ですか」はお送りしません。\n{member}さんからお返事がないときに、ここでお知らせします。"
        ),
        Text::AlertToContact { member, since } => format!(
            "【見守りサービス】{member}さんから、{since}の安否確認にお返事がありません。\nお電話などで、ご様子を確かめていただけますか。スタッフからもご連絡します。"
        ),
        Text::AlertToStaff { case_number, member, member_short, since, last_sign_of_life, contacts } => format!(
            "【要対応 #{case_number}】{member}さん（ID末尾 {member_short}）\n{since}の安否確認にお返事なし（再送済み）。\n最後のお返事: {last_sign_of_life}\n連絡先: {contacts}"
        ),
        Text::AllClearToContact { member, missed } => format!(
            "【見守りサービス】{member}さんの無事が確認できました。\nお返事のなかった確認: {missed}回。ご協力ありがとうございました。"
        ),
        Text::AllClearToStaff { case_number, member, missed } => format!(
            "【解決 #{case_number}】{member}さんの無事が確認できました（本人のお返事）。\nお返事のなかった確認: {missed}回。"
        ),
        Text::StaffRoomRegistered => "このグループをスタッフルームとして登録しました。お返事のない方がいると、ここにお知らせします。".into(),
        Text::StaffCodeWrong => "スタッフ登録のコードが違います。".into(),
        Text::GroupJoined => "見守りサービスです。スタッフルームにするには「スタッフ登録 コード」と送ってください。".into(),
        Text::ButtonNoLongerValid => "このボタンは使えなくなりました。".into(),
        Text::Never => "まだありません".into(),
        Text::NoContacts => "登録なし".into(),
        Text::SettingsSummary { schedule, zone, next, pause, contacts } => format!(
            "【現在の設定】\n確認: {schedule}（{zone}）\n次の確認: {next}\n休止: {pause}\n連絡先: {contacts}"
        ),
        Text::NotPaused => "なし".into(),
        Text::PausedUntil { resume_on } => format!("{resume_on}から再開"),
        Text::ChangeScheduleLabel => "時刻・間隔を変える".into(),
        Text::PauseLabel => "お休みする".into(),
        Text::AskCadence => "どのくらいの間隔で確認しましょうか。".into(),
        Text::CadenceDay => "毎日".into(),
        Text::CadenceDays { n } => format!("{n}日に1度"),
        Text::CadenceWeek => "週に1度".into(),
        Text::AskWeekday => "何曜日にしましょうか。".into(),
        Text::AskTime => "何時にお送りしましょうか。下の「時刻を選ぶ」から選んでください。".into(),
        Text::PickTimeLabel => "時刻を選ぶ".into(),
        Text::ScheduleChanged { schedule, next } => format!("確認を「{schedule}」に変更しました。\n次の確認は {next} です。"),
        Text::AskPause => "いつまでお休みしますか。お休みの間は確認をお送りしません。".into(),
        Text::PauseDaysLabel { days: 7 } => "1週間".into(),
        Text::PauseDaysLabel { days: 14 } => "2週間".into(),
        Text::PauseDaysLabel { days } => format!("{days}日間"),
        Text::PickDateLabel => "再開する日を選ぶ".into(),
        Text::EndPauseLabel => "お休みを終える".into(),
        Text::Paused { last_day, resume_on } => format!(
            "{last_day}まで確認をお休みします。{resume_on}から自動で再開します。\nお気をつけて。"
        ),
        Text::PauseEnded => "お休みが終わりました。今日から確認を再開します。".into(),
        Text::PauseEndedByMember { next } => format!("お休みを終えました。次の確認は {next} です。"),
        Text::PauseDateInvalid => "再開する日は、明日から90日後までの日を選んでください。".into(),
        Text::ZoneChanged { zone, next } => format!("タイムゾーンを {zone} にしました。\n次の確認は現地時間の {next} です。"),
        Text::OnlyForMembers => "この操作は、見守りを受けている方ができます。".into(),
        Text::CheckInThanks => "ありがとうございます。お元気なことを確認しました。".into(),
        Text::CheckInAhead { next } => format!("ありがとうございます。お元気なことを確認しました。\n次の確認（{next}）はお送りしません。"),
        Text::MenuCheckInLabel => "元気です".into(),
        Text::MenuSettingsLabel => "設定".into(),
        Text::MenuBarText => "メニュー".into(),
        Text::TakeCasePrompt { case_number } => format!("#{case_number} の対応をお願いします。対応する方は下のボタンを押してください。"),
        Text::TakeCaseLabel => "対応します".into(),
        Text::CaseTaken { case_number, by } => format!("#{case_number} は {by}さんが対応します。"),
        Text::CaseAlreadyTaken { case_number, by } => format!("#{case_number} は既に {by}さんが対応しています。"),
        Text::CaseAlreadyResolved { case_number } => format!("#{case_number} は解決済みです（本人のお返事がありました）。"),
        Text::StaffOnly => "このボタンは、登録されたスタッフルームでだけ使えます。".into(),
        Text::MemberErased => "（退会済みの方）".into(),
        Text::ProfileThanks => "ありがとうございます。".into(),
        Text::CheckMissed { member, member_short, slot } => format!("【確認漏れ】{member}さん（ID末尾 {member_short}）に {slot} の確認が送られていません（システムの不具合です）。確認の予定は作り直しました。念のため、ご様子の確認をお願いします。"),
        Text::ClearPhoneLabel => "電話番号を消す".into(),
        Text::ContactPhoneCleared { contact } => format!("{contact}さんの電話番号を消しました。"),
        Text::CaseOverForContact => "ありがとうございます。この件は、すでにスタッフが対応を終えています。".into(),
        Text::ReportMonthInvalid => "月は「月次レポート 2026-11」のように書いてください。".into(),
        Text::CallPrompt { case_number } => format!("#{case_number} の電話や訪問の結果を、下のボタンで記録してください。終わったら「終了」を押してください。"),
        Text::CallLabel(k) => match k { CallKind::ReachedMember => "本人と話せた・無事", CallKind::NoAnswer => "不在・留守電", CallKind::ReachedContact => "連絡先と話せた", CallKind::Dispatched => "訪問・警察を依頼" }.into(),
        Text::CloseLabel => "終了".into(),
        Text::CallRecorded { case_number, call, by } => format!("#{case_number} に記録しました：{call}（{by}さん）"),
        Text::AskOutcome { case_number } => format!("#{case_number} を終了します。結果を選んでください。"),
        Text::OutcomeLabel(o) => match o { Outcome::Answered => "本人が応答", Outcome::ConfirmedByContact => "連絡先が無事を確認", Outcome::Safe => "無事", Outcome::Hospitalised => "入院", Outcome::Deceased => "死亡", Outcome::Other => "その他" }.into(),
        Text::CaseClosed { case_number, outcome, by } => format!("#{case_number} を終了しました（結果：{outcome}、{by}さん）。\nメモは「メモ #{case_number} 内容」と送ると残せます。"),
        Text::CaseAlreadyClosed { case_number, outcome } => format!("#{case_number} は終了しています（結果：{outcome}）。"),
        Text::CaseNotTaken { case_number } => format!("#{case_number} はまだ対応する人が決まっていません。先に「対応します」を押してください。"),
        Text::CaseUnknown { case_number } => format!("#{case_number} という案件は見つかりません。"),
        Text::NoteRecorded { case_number } => format!("#{case_number} にメモを残しました。"),
        Text::CaseHistory { case_number, member, contacts, lines } => format!("案件 #{case_number}：{member}さん\n連絡先：{contacts}\n{lines}"),
        Text::Reannounce { case_number, member, since } => format!("【再通知】#{case_number} {member}さん：{since} からお返事がなく、まだ対応する人が決まっていません。"),
        Text::MentionOnDuty { case_number } => format!("{{duty}} #{case_number} の対応をお願いします。まだ誰も対応していません。"),
        Text::AlertToContactAgain { member } => format!("【見守りサービス】{member}さんとまだ連絡がとれていません。ご様子を確かめていただけましたら、下のボタンでお知らせください。"),
        Text::SafeLabel => "無事を確認しました".into(),
        Text::ConfirmedSafeToContact { member, by } => format!("【見守りサービス】{by}さんが、{member}さんのご無事を確認しました。ご安心ください。"),
        Text::ConfirmedSafeToStaff { case_number, member, by } => format!("【解決】#{case_number} {member}さん：{by}さんが無事を確認しました。"),
        Text::SafeThanks => "ありがとうございます。皆さまにお知らせしました。".into(),
        Text::OnDutySet { name } => format!("{name}さんを当番にしました。対応のない案件はここで{name}さんにお知らせします。"),
        Text::StaffJoined { name } => format!("{name}さんをスタッフとして登録しました。"),
        Text::AskAgeBand => "差し支えなければ、年代を教えてください（運営団体の統計にだけ使います）。".into(),
        Text::AgeBandLabel(a) => match a { AgeBand::Under60 => "60歳未満", AgeBand::Sixties => "60代", AgeBand::Seventies => "70代", AgeBand::Eighties => "80代", AgeBand::NinetyPlus => "90歳以上" }.into(),
        Text::AskGender => "性別も、差し支えなければ教えてください。".into(),
        Text::GenderLabel(g) => match g { Gender::Female => "女性", Gender::Male => "男性", Gender::Other => "その他" }.into(),
        Text::SkipLabel => "答えない".into(),
        Text::AskContactPhone { contact } => format!("{contact}さんの電話番号を送ってください（例：090-1234-5678）。スタッフが緊急時にだけ使います。"),
        Text::ConfirmContactPhone { contact, phone } => format!("{contact}さんの電話番号は {phone} でよろしいですか？"),
        Text::ContactPhoneSaved { contact } => format!("{contact}さんの電話番号を登録しました。スタッフだけが見られます。"),
        Text::PhoneInvalid => "電話番号として読み取れませんでした。数字とハイフンで送ってください（例：090-1234-5678）。".into(),
        Text::PhoneLabel { name } => format!("電話: {name}"),
        Text::YesLabel => "はい".into(),
        Text::NoLabel => "いいえ".into(),
        Text::ContactsList { contacts, count } => format!("連絡先（{count}人）: {contacts}\n外す方は下のボタンから選んでください。"),
        Text::RemoveContactLabel { name } => format!("外す: {name}"),
        Text::AddContactLabel => "連絡先を追加".into(),
        Text::ContactsLabel => "連絡先を見る".into(),
        Text::ContactRemoved { contact } => format!("{contact}さんを連絡先から外しました。"),
        Text::RemovedFromContacts { member } => format!("【見守りサービス】{member}さんの連絡先から外れました。今後お知らせは届きません。"),
        Text::LanguageSet => "これから日本語でお送りします。".into(),
        Text::Introduction => "友だち追加ありがとうございます。見守りサービスです。\n決まった時刻に「お元気ですか」とお送りします。ボタンを押すだけでお返事になります。\nお返事がないときは、もう一度お送りし、それでもないときはご家族などの連絡先とスタッフにお知らせします。".into(),
        Text::Consent { url } => format!("お名前（LINEの表示名）とお返事の記録をお預かりし、見守りのためだけに使います。\nくわしくは {url}\n同意いただけますか。"),
        Text::ConsentYesLabel => "同意する".into(),
        Text::ConsentNoLabel => "同意しない".into(),
        Text::ConsentThanks => "ありがとうございます。登録しました。\n確認の間隔を選んでください（あとで「設定」からも変えられます）。".into(),
        Text::Declined => "承知しました。何も登録していません。\nご利用になりたくなったら「はじめる」と送ってください。".into(),
        Text::OfferContact => "ご家族などを、お返事がないときの連絡先に登録しますか。".into(),
        Text::LaterLabel => "あとで".into(),
        Text::OnboardingDone { schedule } => format!("準備ができました。{schedule}に「お元気ですか」とお送りします。\n画面下のメニューの「元気です」は、いつでも押せます。"),
        Text::LeaveConfirm => "退会すると見守りが止まり、ご登録の内容はすべて消去されます。\n連絡先の方にもお知らせします。よろしいですか。".into(),
        Text::LeaveYesLabel => "退会する".into(),
        Text::LeaveNoLabel => "やめる".into(),
        Text::LeaveDone => "退会の手続きが終わり、ご登録の内容をすべて消去しました。\nご利用ありがとうございました。友だち追加し直せば、いつでも再開できます。".into(),
        Text::LeaveCancelled => "退会を取りやめました。これからも見守ります。".into(),
        Text::MemberLeftToContact { member } => format!("【見守りサービス】{member}さんの見守りは終了しました。連絡先としてのご登録も消去しました。\nご協力ありがとうございました。"),
        Text::ContactLeftToMember { contact } => format!("{contact}さんが連絡先から外れました。"),
        Text::ZoneUnknown => "タイムゾーンが分かりませんでした。「タイムゾーン America/Los_Angeles」のように送ってください。".into(),
    }
}

fn en(t: &Text) -> String {
    match t {
        Text::Welcome { schedule } => format!(
            "Thank you for adding us. This is the safety-check service.\n\n{schedule} we will ask \"Are you well?\". Tapping the button is your answer.\n\nIf you do not answer, we ask once more. If there is still no answer, we tell your contacts and our staff.\n\nTo register a family member or friend as a contact, tap \"Add contact\" below.\nIf you received an invitation code, please send it."
        ),
        Text::Check => "This is the safety-check service. Are you well?\nIf so, please tap the button below.".into(),
        Text::Reminder => "We have not heard back from our last check.\nIf you are well, please tap the button below.\nWithout an answer we will tell your contacts and our staff.".into(),
        Text::Repeat => "We still have not heard from you. Are you well?\nIf so, please tap the button below.".into(),
        Text::OkLabel => "I'm fine".into(),
        Text::OkDisplay => "I'm fine".into(),
        Text::AckThanks => "Thank you for answering. We are glad you are well.".into(),
        Text::SignOfLifeThanks => "Thank you for your message. We have noted that you are well.".into(),
        Text::RegisterContactLabel => "Add contact".into(),
        Text::InviteForMember { code, until } => format!(
            "Your contact invitation code is {code} (valid until {until}, once).\nPlease forward the next message to the person you would like as your contact."
        ),
        Text::InviteForContact { code } => format!(
            "Please be a contact for the safety-check service.\nAdd this LINE official account as a friend and send the invitation code {code}.\nYou will be told if there is no answer."
        ),
        Text::ContactLinkedToContact { member } => format!(
            "You are now a contact of {member}.\nWe will tell you here if {member} does not answer."
        ),
        Text::ContactLinkedToMember { contact } => format!("{contact} is now one of your contacts."),
        Text::CodeInvalid => "This invitation code is wrong or has expired.\nPlease check it again.".into(),
        Text::CodeThrottled => "Too many wrong codes in a row.\nPlease try again in about an hour.".into(),
        Text::ContactLimit => "You can register up to 5 contacts.".into(),
        Text::ContactOfSelf => "This is your own invitation code. Please forward it to your contact.".into(),
        Text::ContactOnlyHelp => "This account sends you notices as a contact.".into(),
        Text::NotAMemberForInvite => "Contacts can be registered by people who are watched over.".into(),
        Text::BecameContactOnly { member } => format!(
            "You are now a contact of {member}. We will not send safety checks to you.\nWe will tell you here if {member} does not answer."
        ),
        Text::AlertToContact { member, since } => format!(
            "[Safety check] {member} has not answered the check of {since}.\nCould you call or visit to see how they are? Our staff will contact you too."
        ),
        Text::AlertToStaff { case_number, member, member_short, since, last_sign_of_life, contacts } => format!(
            "[Action needed #{case_number}] {member} (ID ending {member_short})\nNo answer to the check of {since} (reminded).\nLast answer: {last_sign_of_life}\nContacts: {contacts}"
        ),
        Text::AllClearToContact { member, missed } => format!(
            "[Safety check] {member} is safe.\nChecks without an answer: {missed}. Thank you for your help."
        ),
        Text::AllClearToStaff { case_number, member, missed } => format!(
            "[Resolved #{case_number}] {member} is safe (answered).\nChecks without an answer: {missed}."
        ),
        Text::StaffRoomRegistered => "This group is now the staff room. Members who do not answer will be reported here.".into(),
        Text::StaffCodeWrong => "The staff registration code is wrong.".into(),
        Text::GroupJoined => "This is the safety-check service. To make this group the staff room, send \"スタッフ登録 CODE\".".into(),
        Text::ButtonNoLongerValid => "This button can no longer be used.".into(),
        Text::Never => "none yet".into(),
        Text::NoContacts => "none".into(),
        Text::SettingsSummary { schedule, zone, next, pause, contacts } => format!(
            "[Your settings]\nChecks: {schedule} ({zone})\nNext check: {next}\nPause: {pause}\nContacts: {contacts}"
        ),
        Text::NotPaused => "none".into(),
        Text::PausedUntil { resume_on } => format!("resuming {resume_on}"),
        Text::ChangeScheduleLabel => "Change time".into(),
        Text::PauseLabel => "Take a break".into(),
        Text::AskCadence => "How often shall we check on you?".into(),
        Text::CadenceDay => "Every day".into(),
        Text::CadenceDays { n } => format!("Every {n} days"),
        Text::CadenceWeek => "Once a week".into(),
        Text::AskWeekday => "On which day of the week?".into(),
        Text::AskTime => "At what time? Please tap \"Pick a time\" below.".into(),
        Text::PickTimeLabel => "Pick a time".into(),
        Text::ScheduleChanged { schedule, next } => format!("Your checks are now: {schedule}.\nThe next check is {next}."),
        Text::AskPause => "How long will you be away? We send no checks while you are away.".into(),
        Text::PauseDaysLabel { days: 7 } => "1 week".into(),
        Text::PauseDaysLabel { days: 14 } => "2 weeks".into(),
        Text::PauseDaysLabel { days } => format!("{days} days"),
        Text::PickDateLabel => "Pick return date".into(),
        Text::EndPauseLabel => "End the break".into(),
        Text::Paused { last_day, resume_on } => format!(
            "No checks until {last_day}. They resume by themselves on {resume_on}.\nTake care."
        ),
        Text::PauseEnded => "Your break is over. Checks start again today.".into(),
        Text::PauseEndedByMember { next } => format!("Your break has ended. The next check is {next}."),
        Text::PauseDateInvalid => "Please choose a return date from tomorrow up to 90 days from now.".into(),
        Text::ZoneChanged { zone, next } => format!("Your time zone is now {zone}.\nThe next check is {next} local time."),
        Text::OnlyForMembers => "This is for people who are watched over.".into(),
        Text::CheckInThanks => "Thank you. We have noted that you are well.".into(),
        Text::CheckInAhead { next } => format!("Thank you. We have noted that you are well.\nWe will not send the next check ({next})."),
        Text::MenuCheckInLabel => "I'm fine".into(),
        Text::MenuSettingsLabel => "Settings".into(),
        Text::MenuBarText => "Menu".into(),
        Text::TakeCasePrompt { case_number } => format!("Case #{case_number} needs someone. Whoever takes it, please tap below."),
        Text::TakeCaseLabel => "I'll take it".into(),
        Text::CaseTaken { case_number, by } => format!("{by} is taking case #{case_number}."),
        Text::CaseAlreadyTaken { case_number, by } => format!("{by} is already taking case #{case_number}."),
        Text::CaseAlreadyResolved { case_number } => format!("Case #{case_number} is resolved (the member answered)."),
        Text::StaffOnly => "This button works only in the registered staff room.".into(),
        Text::MemberErased => "(a member who has left)".into(),
        Text::ProfileThanks => "Thank you.".into(),
        Text::CheckMissed { member, member_short, slot } => format!("[Missed check] The check of {slot} was never sent to {member} (ID ending {member_short}): a system fault. Their schedule has been recreated. Please check on them to be safe."),
        Text::ClearPhoneLabel => "Remove the number".into(),
        Text::ContactPhoneCleared { contact } => format!("{contact}'s phone number is removed."),
        Text::CaseOverForContact => "Thank you. Our staff have already closed this matter.".into(),
        Text::ReportMonthInvalid => "Write the month like this: 月次レポート 2026-11".into(),
        Text::CallPrompt { case_number } => format!("Record each call or visit for #{case_number} with the buttons below. Tap \"Close\" when it is over."),
        Text::CallLabel(k) => match k { CallKind::ReachedMember => "Talked to member: OK", CallKind::NoAnswer => "No answer/voicemail", CallKind::ReachedContact => "Talked to a contact", CallKind::Dispatched => "Visit/police asked" }.into(),
        Text::CloseLabel => "Close".into(),
        Text::CallRecorded { case_number, call, by } => format!("Recorded on #{case_number}: {call} ({by})"),
        Text::AskOutcome { case_number } => format!("Closing #{case_number}. Choose how it ended."),
        Text::OutcomeLabel(o) => match o { Outcome::Answered => "Member answered", Outcome::ConfirmedByContact => "Contact confirmed safe", Outcome::Safe => "Safe", Outcome::Hospitalised => "Hospitalised", Outcome::Deceased => "Deceased", Outcome::Other => "Other" }.into(),
        Text::CaseClosed { case_number, outcome, by } => format!("#{case_number} is closed (outcome: {outcome}, by {by}).\nAdd a note by sending \"メモ #{case_number} your note\"."),
        Text::CaseAlreadyClosed { case_number, outcome } => format!("#{case_number} is already closed (outcome: {outcome})."),
        Text::CaseNotTaken { case_number } => format!("Nobody has taken #{case_number} yet. Tap \"Take it\" first."),
        Text::CaseUnknown { case_number } => format!("There is no case #{case_number}."),
        Text::NoteRecorded { case_number } => format!("Note added to #{case_number}."),
        Text::CaseHistory { case_number, member, contacts, lines } => format!("Case #{case_number}: {member}\nContacts: {contacts}\n{lines}"),
        Text::Reannounce { case_number, member, since } => format!("[Reminder] #{case_number} {member}: no answer since {since}, and nobody has taken the case yet."),
        Text::MentionOnDuty { case_number } => format!("{{duty}} please see to #{case_number}: nobody has taken it yet."),
        Text::AlertToContactAgain { member } => format!("[Safety check] We still cannot reach {member}. If you have checked on them, please tell us with the button below."),
        Text::SafeLabel => "They are safe".into(),
        Text::ConfirmedSafeToContact { member, by } => format!("[Safety check] {by} has confirmed that {member} is safe."),
        Text::ConfirmedSafeToStaff { case_number, member, by } => format!("[Resolved] #{case_number} {member}: {by} confirmed they are safe."),
        Text::SafeThanks => "Thank you. We have told everyone.".into(),
        Text::OnDutySet { name } => format!("{name} is now on duty and will be mentioned here about untaken cases."),
        Text::StaffJoined { name } => format!("{name} is now registered as staff."),
        Text::AskAgeBand => "If you do not mind, what is your age group? (Used only for the operator's statistics.)".into(),
        Text::AgeBandLabel(a) => match a { AgeBand::Under60 => "Under 60", AgeBand::Sixties => "60s", AgeBand::Seventies => "70s", AgeBand::Eighties => "80s", AgeBand::NinetyPlus => "90 or over" }.into(),
        Text::AskGender => "And your gender, if you do not mind?".into(),
        Text::GenderLabel(g) => match g { Gender::Female => "Female", Gender::Male => "Male", Gender::Other => "Other" }.into(),
        Text::SkipLabel => "Skip".into(),
        Text::AskContactPhone { contact } => format!("Please send {contact}'s phone number (e.g. 090-1234-5678). Staff use it only in an emergency."),
        Text::ConfirmContactPhone { contact, phone } => format!("Is {contact}'s phone number {phone}?"),
        Text::ContactPhoneSaved { contact } => format!("{contact}'s phone number is saved. Only staff can see it."),
        Text::PhoneInvalid => "That does not look like a phone number. Please send digits and hyphens (e.g. 090-1234-5678).".into(),
        Text::PhoneLabel { name } => format!("Phone: {name}"),
        Text::YesLabel => "Yes".into(),
        Text::NoLabel => "No".into(),
        Text::ContactsList { contacts, count } => format!("Contacts ({count}): {contacts}\nTo remove one, choose below."),
        Text::RemoveContactLabel { name } => format!("Remove {name}"),
        Text::AddContactLabel => "Add contact".into(),
        Text::ContactsLabel => "Contacts".into(),
        Text::ContactRemoved { contact } => format!("{contact} is no longer one of your contacts."),
        Text::RemovedFromContacts { member } => format!("[Safety check] You are no longer a contact of {member}. You will not receive their notices."),
        Text::LanguageSet => "We will write to you in English from now on.".into(),
        Text::Introduction => "Thank you for adding us. This is the safety-check service.\nAt a set time we ask \"Are you well?\"; tapping the button is your answer.\nIf you do not answer, we ask once more, and then tell your contacts and our staff.".into(),
        Text::Consent { url } => format!("We keep your name (your LINE display name) and your answers, only to watch over you.\nDetails: {url}\nDo you agree?"),
        Text::ConsentYesLabel => "I agree".into(),
        Text::ConsentNoLabel => "I do not agree".into(),
        Text::ConsentThanks => "Thank you, you are registered.\nHow often shall we check on you? (You can change it later in Settings.)".into(),
        Text::Declined => "Understood. Nothing has been registered.\nSend \"start\" whenever you would like to begin.".into(),
        Text::OfferContact => "Would you like to register a family member or friend to be told if you do not answer?".into(),
        Text::LaterLabel => "Later".into(),
        Text::OnboardingDone { schedule } => format!("All set. {schedule} we will ask \"Are you well?\".\nThe \"I'm fine\" button in the menu below works any time."),
        Text::LeaveConfirm => "If you leave, the checks stop and everything you registered is erased.\nYour contacts will be told. Do you want to leave?".into(),
        Text::LeaveYesLabel => "Leave".into(),
        Text::LeaveNoLabel => "Stay".into(),
        Text::LeaveDone => "You have left, and everything you registered has been erased.\nThank you. Add us as a friend again any time to start over.".into(),
        Text::LeaveCancelled => "You are staying with us. We will keep watching over you.".into(),
        Text::MemberLeftToContact { member } => format!("[Safety check] The safety checks for {member} have ended, and your registration as their contact has been erased.\nThank you for your help."),
        Text::ContactLeftToMember { contact } => format!("{contact} is no longer one of your contacts."),
        Text::ZoneUnknown => "We did not recognise that time zone. Please send, for example, \"timezone America/Los_Angeles\".".into(),
    }
}

/// The postback data of a check's OK button.
/// The postback data of a check's OK button: the check and a tag of the member it was
/// sent to, so a button copied into someone else's chat answers nothing.
pub fn ok_postback(check: &Check, member: &crate::ids::UserId) -> String {
    format!("ok:{}:{}", check.key(), button_tag(member))
}

/// Binds a button to its member (not a secret: buttons only come from our own pushes).
pub fn button_tag(member: &crate::ids::UserId) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(member.as_str().as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn text(lang: Lang, t: Text) -> Value {
    json!({ "type": "text", "text": t.render(lang) })
}

fn with_quick_reply(mut message: Value, items: Vec<Value>) -> Value {
    message["quickReply"] = json!({ "items": items });
    message
}

fn ok_buttons(lang: Lang, body: Text, postback: &str) -> Value {
    let body = body.render(lang);
    json!({
        "type": "template",
        "altText": body,
        "template": {
            "type": "buttons",
            "text": body,
            "actions": [{
                "type": "postback",
                "label": Text::OkLabel.render(lang),
                "data": postback,
                "displayText": Text::OkDisplay.render(lang),
            }]
        }
    })
}

pub fn check(lang: Lang, postback: &str) -> Value {
    ok_buttons(lang, Text::Check, postback)
}

pub fn reminder(lang: Lang, postback: &str) -> Value {
    ok_buttons(lang, Text::Reminder, postback)
}

pub fn repeat(lang: Lang, postback: &str) -> Value {
    ok_buttons(lang, Text::Repeat, postback)
}

pub fn register_contact_quick_reply(lang: Lang, message: Value) -> Value {
    let label = Text::RegisterContactLabel.render(lang);
    with_quick_reply(
        message,
        vec![json!({ "type": "action", "action": { "type": "message", "label": label, "text": label } })],
    )
}

pub fn welcome(lang: Lang, schedule: &CheckSchedule) -> Value {
    register_contact_quick_reply(
        lang,
        text(
            lang,
            Text::Welcome {
                schedule: describe_schedule(lang, schedule),
            },
        ),
    )
}

fn postback_item(label: String, data: String) -> Value {
    json!({ "type": "action", "action": { "type": "postback", "label": label, "data": data, "displayText": label } })
}

fn picker_item(label: String, data: &str, mode: &str, extra: &[(&str, String)]) -> Value {
    let mut action = json!({ "type": "datetimepicker", "label": label, "data": data, "mode": mode });
    for (k, v) in extra {
        action[*k] = Value::String(v.clone());
    }
    json!({ "type": "action", "action": action })
}

/// The first answer to a new friend: what the service does, and the consent question.
pub fn introduction(lang: Lang, privacy_url: &str) -> Vec<Value> {
    vec![text(lang, Text::Introduction), consent(lang, privacy_url)]
}

/// The consent question with 同意する / 同意しない (shown again until answered).
pub fn consent(lang: Lang, privacy_url: &str) -> Value {
    let body = Text::Consent {
        url: privacy_url.to_owned(),
    }
    .render(lang);
    let action = |label: Text, data: &str| json!({ "type": "postback", "label": label.render(lang), "data": data, "displayText": label.render(lang) });
    json!({
        "type": "template",
        "altText": body,
        "template": { "type": "confirm", "text": body, "actions": [action(Text::ConsentYesLabel, "consent:yes"), action(Text::ConsentNoLabel, "consent:no")] }
    })
}

/// After consent: thanks, and the first question (how often).
pub fn consent_thanks(lang: Lang) -> Value {
    let mut m = ask_cadence(lang);
    m["text"] = Value::String(Text::ConsentThanks.render(lang));
    m
}

/// Offers to register a contact, or to do it later.
pub fn offer_contact(lang: Lang) -> Value {
    let register = Text::RegisterContactLabel.render(lang);
    with_quick_reply(
        text(lang, Text::OfferContact),
        vec![
            json!({ "type": "action", "action": { "type": "message", "label": register, "text": register } }),
            postback_item(Text::LaterLabel.render(lang), "onboard:done".into()),
        ],
    )
}

/// The member's contacts, with a button to remove each and one to add another.
pub fn contacts_list(lang: Lang, contacts: &[(String, String)]) -> Value {
    let names: Vec<&str> = contacts.iter().map(|(_, name)| name.as_str()).collect();
    let listed = if names.is_empty() {
        Text::NoContacts.render(lang)
    } else {
        names.join("、")
    };
    let mut items: Vec<Value> = contacts
        .iter()
        .take(5)
        .flat_map(|(id, name)| {
            // Labels are at most 20 characters: shorten long names.
            let short: String = name.chars().take(12).collect();
            [
                postback_item(
                    Text::RemoveContactLabel { name: short.clone() }.render(lang),
                    format!("contacts:remove:{id}"),
                ),
                postback_item(
                    Text::PhoneLabel { name: short }.render(lang),
                    format!("contacts:phone:{id}"),
                ),
            ]
        })
        .collect();
    let add = Text::RegisterContactLabel.render(lang);
    items.push(json!({ "type": "action", "action": { "type": "message", "label": Text::AddContactLabel.render(lang), "text": add } }));
    with_quick_reply(
        text(
            lang,
            Text::ContactsList {
                contacts: listed,
                count: contacts.len(),
            },
        ),
        items,
    )
}

/// Adds 「電話番号を消す」 to the question for a contact's number.
pub fn with_clear_phone(lang: Lang, message: Value, contact_id: &str) -> Value {
    with_quick_reply(
        message,
        vec![postback_item(
            Text::ClearPhoneLabel.render(lang),
            format!("contacts:phone:clear:{contact_id}"),
        )],
    )
}

/// Asks the member to confirm a contact's phone number before it is saved.
pub fn confirm_phone(lang: Lang, contact_id: &str, contact: &str, phone: &str) -> Value {
    let body = Text::ConfirmContactPhone {
        contact: contact.to_owned(),
        phone: phone.to_owned(),
    }
    .render(lang);
    let action = |label: Text, data: String| json!({ "type": "postback", "label": label.render(lang), "data": data, "displayText": label.render(lang) });
    json!({
        "type": "template",
        "altText": body,
        "template": { "type": "confirm", "text": body, "actions": [
            action(Text::YesLabel, format!("contacts:phone:save:{contact_id}:{phone}")),
            action(Text::NoLabel, "contacts:phone-cancel".into())
        ] }
    })
}

/// The staff room's button to take a case.
pub fn take_case(case_number: u64) -> Value {
    let lang = Lang::Ja;
    let body = Text::TakeCasePrompt { case_number }.render(lang);
    let label = Text::TakeCaseLabel.render(lang);
    json!({
        "type": "template",
        "altText": body,
        "template": { "type": "buttons", "text": body, "actions": [{ "type": "postback", "label": label, "data": format!("case:take:{case_number}"), "displayText": label }] }
    })
}

/// After a case is taken: the call-record buttons and 「終了」.
pub fn call_buttons(case_number: u64) -> Value {
    let lang = Lang::Ja;
    let mut items: Vec<Value> = CallKind::ALL
        .into_iter()
        .map(|k| {
            postback_item(
                Text::CallLabel(k).render(lang),
                format!("case:call:{case_number}:{}", k.as_str()),
            )
        })
        .collect();
    items.push(postback_item(
        Text::CloseLabel.render(lang),
        format!("case:close:{case_number}"),
    ));
    with_quick_reply(text(lang, Text::CallPrompt { case_number }), items)
}

/// 「終了」: how did the case end?
pub fn ask_outcome(case_number: u64) -> Value {
    let lang = Lang::Ja;
    let items = Outcome::STAFF
        .into_iter()
        .map(|o| {
            postback_item(
                Text::OutcomeLabel(o).render(lang),
                format!("case:close:{case_number}:{}", o.as_str()),
            )
        })
        .collect();
    with_quick_reply(text(lang, Text::AskOutcome { case_number }), items)
}

/// An alert to a contact, with 「無事を確認しました」 for when they have checked.
pub fn alert_to_contact(lang: Lang, body: Text, case_number: Option<u64>) -> Value {
    let message = text(lang, body);
    match case_number {
        Some(n) => with_quick_reply(
            message,
            vec![postback_item(Text::SafeLabel.render(lang), format!("case:safe:{n}"))],
        ),
        None => message,
    }
}

/// Mentions the staff member on duty (everyone in the room when nobody is on duty).
pub fn mention_on_duty(case_number: u64, on_duty: Option<&crate::ids::UserId>) -> Value {
    let mentionee = match on_duty {
        Some(user) => json!({ "type": "user", "userId": user.as_str() }),
        None => json!({ "type": "all" }),
    };
    json!({
        "type": "textV2",
        "text": Text::MentionOnDuty { case_number }.render(Lang::Ja),
        "substitution": { "duty": { "type": "mention", "mentionee": mentionee } }
    })
}

/// Onboarding: the optional age band question.
pub fn ask_age_band(lang: Lang) -> Value {
    let mut items: Vec<Value> = AgeBand::ALL
        .into_iter()
        .map(|a| {
            postback_item(
                Text::AgeBandLabel(a).render(lang),
                format!("profile:age:{}", a.as_str()),
            )
        })
        .collect();
    items.push(postback_item(Text::SkipLabel.render(lang), "profile:age:skip".into()));
    with_quick_reply(text(lang, Text::AskAgeBand), items)
}

/// Onboarding: the optional gender question.
pub fn ask_gender(lang: Lang) -> Value {
    let mut items: Vec<Value> = Gender::ALL
        .into_iter()
        .map(|g| {
            postback_item(
                Text::GenderLabel(g).render(lang),
                format!("profile:gender:{}", g.as_str()),
            )
        })
        .collect();
    items.push(postback_item(
        Text::SkipLabel.render(lang),
        "profile:gender:skip".into(),
    ));
    with_quick_reply(text(lang, Text::AskGender), items)
}

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
    let lines: Vec<String> = events
        .iter()
        .map(|(at, e)| {
            let what = match e {
                CaseEvent::Opened { check } => format!("発生（{} の確認にお返事なし）", when(lang, *check, tz)),
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
                CaseEvent::Call { kind, by } => format!("{}（{}さん）", Text::CallLabel(*kind).render(lang), by.name),
                CaseEvent::Note { by, text } => format!("メモ（{}さん）：{text}", by.name),
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
    while lines.len() > 2 && lines.iter().map(|l| l.chars().count() + 1).sum::<usize>() > HISTORY_BUDGET {
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

/// Asks to confirm leaving, with two buttons.
pub fn confirm_leave(lang: Lang) -> Value {
    let body = Text::LeaveConfirm.render(lang);
    let action = |label: Text, data: &str| json!({ "type": "postback", "label": label.render(lang), "data": data, "displayText": label.render(lang) });
    json!({
        "type": "template",
        "altText": body,
        "template": { "type": "confirm", "text": body, "actions": [action(Text::LeaveYesLabel, "leave:confirm"), action(Text::LeaveNoLabel, "leave:cancel")] }
    })
}

/// The settings summary, with buttons to change the schedule or pause.
pub fn settings(lang: Lang, summary: Text) -> Value {
    with_quick_reply(
        text(lang, summary),
        vec![
            postback_item(Text::ChangeScheduleLabel.render(lang), "set:cadence".into()),
            postback_item(Text::PauseLabel.render(lang), "pause:menu".into()),
            postback_item(Text::ContactsLabel.render(lang), "contacts:list".into()),
            match lang {
                Lang::Ja => postback_item("English".into(), "lang:en".into()),
                Lang::En => postback_item("日本語".into(), "lang:ja".into()),
            },
            json!({ "type": "action", "action": { "type": "message", "label": Text::RegisterContactLabel.render(lang), "text": Text::RegisterContactLabel.render(lang) } }),
        ],
    )
}

pub fn ask_cadence(lang: Lang) -> Value {
    with_quick_reply(
        text(lang, Text::AskCadence),
        vec![
            postback_item(Text::CadenceDay.render(lang), "set:cadence:day".into()),
            postback_item(Text::CadenceDays { n: 2 }.render(lang), "set:cadence:2".into()),
            postback_item(Text::CadenceDays { n: 3 }.render(lang), "set:cadence:3".into()),
            postback_item(Text::CadenceWeek.render(lang), "set:cadence:week".into()),
        ],
    )
}

pub fn ask_weekday(lang: Lang) -> Value {
    let days = [
        WeekdayName::Mon,
        WeekdayName::Tue,
        WeekdayName::Wed,
        WeekdayName::Thu,
        WeekdayName::Fri,
        WeekdayName::Sat,
        WeekdayName::Sun,
    ];
    let items = days
        .iter()
        .map(|w| {
            let label = match lang {
                Lang::Ja => format!("{}曜日", weekday_ja(*w)),
                Lang::En => format!("{w:?}"),
            };
            postback_item(label, format!("set:cadence:week-{}", w.cron_name()))
        })
        .collect();
    with_quick_reply(text(lang, Text::AskWeekday), items)
}

/// Asks for the time with LINE's time picker; `choice` is the cadence chosen so far.
pub fn ask_time(lang: Lang, choice: &str, initial: &str) -> Value {
    let item = picker_item(
        Text::PickTimeLabel.render(lang),
        &format!("set:time:{choice}"),
        "time",
        &[("initial", initial.to_owned())],
    );
    with_quick_reply(text(lang, Text::AskTime), vec![item])
}

/// Pause choices: 3 days, a week, two weeks, or a return date up to 90 days ahead.
pub fn ask_pause(lang: Lang, tomorrow: &str, latest: &str, paused: bool) -> Value {
    let mut items: Vec<Value> = [3u8, 7, 14]
        .iter()
        .map(|d| {
            postback_item(
                Text::PauseDaysLabel { days: *d }.render(lang),
                format!("pause:days:{d}"),
            )
        })
        .collect();
    items.push(picker_item(
        Text::PickDateLabel.render(lang),
        "pause:date",
        "date",
        &[
            ("initial", tomorrow.to_owned()),
            ("min", tomorrow.to_owned()),
            ("max", latest.to_owned()),
        ],
    ));
    if paused {
        items.push(postback_item(Text::EndPauseLabel.render(lang), "pause:end".into()));
    }
    with_quick_reply(text(lang, Text::AskPause), items)
}

/// A date as members read it: "12月3日" / "Dec 3".
pub fn day(lang: Lang, date: jiff::civil::Date) -> String {
    match lang {
        Lang::Ja => format!("{}月{}日", date.month(), date.day()),
        Lang::En => date.strftime("%b %-d").to_string(),
    }
}

/// "毎日9時" / "Every day at 9:00", as a member would say it.
pub fn describe_schedule(lang: Lang, s: &CheckSchedule) -> String {
    let at = if s.minute == 0 {
        format!("{}時", s.hour)
    } else {
        format!("{}時{}分", s.hour, s.minute)
    };
    let at_en = format!("{}:{:02}", s.hour, s.minute);
    match (lang, s.cadence) {
        (Lang::Ja, Cadence::Day) => format!("毎日{at}"),
        (Lang::Ja, Cadence::Days { n, .. }) => format!("{n}日に1度、{at}"),
        (Lang::Ja, Cadence::Week { weekday }) => format!("毎週{}曜日の{at}", weekday_ja(weekday)),
        (Lang::En, Cadence::Day) => format!("Every day at {at_en}"),
        (Lang::En, Cadence::Days { n, .. }) => format!("Every {n} days at {at_en}"),
        (Lang::En, Cadence::Week { weekday }) => format!("Every {weekday:?} at {at_en}"),
    }
}

fn weekday_ja(w: WeekdayName) -> &'static str {
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

/// A moment as people in the operator's zone say it: "11月25日 9:00" / "Nov 25 9:00".
pub fn when(lang: Lang, at: Timestamp, tz: &TimeZone) -> String {
    let z = at.to_zoned(tz.clone());
    match lang {
        Lang::Ja => format!("{}月{}日 {}:{:02}", z.month(), z.day(), z.hour(), z.minute()),
        Lang::En => format!("{} {}:{:02}", z.strftime("%b %-d"), z.hour(), z.minute()),
    }
}

/// Every text in both languages, for review as a whole (see the snapshot test).
pub fn catalogue() -> Vec<(Lang, String)> {
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
        Text::BecameContactOnly {
            member: "山田花子".into(),
        },
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
        Text::GroupJoined,
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
        Text::ProfileThanks,
        Text::CheckMissed {
            member: "山田花子".into(),
            member_short: "3f2a".into(),
            slot: "11月25日 9:00".into(),
        },
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
        Text::AlertToContactAgain {
            member: "山田花子".into(),
        },
        Text::SafeLabel,
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
        "# Every text the service sends\n\nGenerated from the catalogue in `shared/src/messages.rs` by the test\n`catalogue_is_reviewed_as_a_whole` (run it with `UPDATE_SNAPSHOTS=1` to rewrite this file\nafter changing a text). Sample values stand in for names, dates and codes.\n",
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
    fn every_text_fits_line_limits() {
        for (lang, t) in catalogue() {
            assert!(!t.is_empty());
            assert!(chars(&t) <= 5000, "{lang:?}: {t}");
        }
        for lang in [Lang::Ja, Lang::En] {
            for body in [Text::Check, Text::Reminder, Text::Repeat] {
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

    #[test]
    fn check_message_has_one_ok_postback() {
        let m = check(Lang::Ja, "ok:1764028800");
        assert_eq!(m["template"]["actions"][0]["data"], "ok:1764028800");
        assert_eq!(m["template"]["actions"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn schedule_is_described_as_people_say_it() {
        let s = CheckSchedule::daily_at(9).unwrap();
        assert_eq!(describe_schedule(Lang::Ja, &s), "毎日9時");
        assert_eq!(describe_schedule(Lang::En, &s), "Every day at 9:00");
    }
}
