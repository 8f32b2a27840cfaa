//! The Japanese catalogue (the default): polite and short, for an 80-year-old.

use super::Text;
use crate::case::{CallKind, Outcome};
use crate::member::{AgeBand, Gender};
use crate::page::{StaffPage, Unreached};

pub(super) fn render(t: &Text) -> String {
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
        Text::CaseEndedToContact { member } => format!(
            "【見守りサービス】{member}さんの件は、スタッフが対応を終えました。\nご協力ありがとうございました。くわしくはスタッフからご連絡します。"
        ),
        Text::OwnChecksQuestion { member } => format!(
            "{member}さんの連絡先として登録しました。お返事がないときに、ここでお知らせします。\nあなたご自身への「お元気ですか」も、このまま続けますか？"
        ),
        Text::OwnChecksKeepLabel => "続ける".into(),
        Text::OwnChecksStopLabel => "連絡先だけにする".into(),
        Text::OwnChecksKept => "わかりました。あなたご自身への「お元気ですか」も、これまでどおりお送りします。".into(),
        Text::OwnChecksStopped => "わかりました。あなたご自身への「お元気ですか」は、もうお送りしません。\n連絡先としてのお知らせは、これからも届きます。".into(),
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
        Text::StaffRoomMovedAway => "スタッフルームは別のグループに移りました。このグループには、もうお知らせは届きません。".into(),
        Text::StaffRoomAlready => "このグループは、すでにスタッフルームです。".into(),
        Text::StaffRoomElsewhere => "スタッフルームは、すでに別のグループに登録されています。移すときは、そのグループで「スタッフルーム移動」と送ってください。".into(),
        Text::StaffRoomAttempted => "別のグループで「スタッフ登録」が試されました。受け付けていません。\n心当たりがなければ、運営者にお知らせください。".into(),
        Text::StaffCodeTooManyTries => "コードの入力が続けて違いました。1時間ほどしてから、もう一度お試しください。".into(),
        Text::StaffRoomMoveCode { code, until } => format!("スタッフルームを移すコードです（{until}まで、1回だけ使えます）。\n移したいグループで「スタッフ登録 {code}」と送ってください。"),
        Text::ChatJoined => "見守りサービスです。スタッフルームにするには「スタッフ登録 コード」と送ってください。".into(),
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
        Text::StaffUnidentified { command } => format!("LINEから、どなたが押したかが届きませんでした（パソコン版のLINEなど）。\nお手数ですが「{command}」と送ってください。"),
        Text::MemberErased => "（退会済みの方）".into(),
        Text::ProfileThanks => "ありがとうございます。".into(),
        Text::LeftWithOpenCase { case_number, member } => format!("【退会】#{case_number} {member}さんが退会したため、この案件は記録ごと消去されました。ご本人の状況がわからない場合は、ご家族などへの確認を続けてください。"),
        Text::BlockedMark => "（LINEをブロック中・通知は届いていません）".into(),
        Text::ContactBlockedToMember { contact } => format!("連絡先の{contact}さんがLINEでこのアカウントをブロックしたため、{contact}さんにはお知らせが届きません。ほかの方を連絡先に登録することもできます。"),
        Text::MemberBlocked { member, member_short, unanswered, days } => format!(
            "【ブロック】{member}さん（ID末尾 {member_short}）が公式アカウントをブロックしました。LINEでの見守りはできなくなります（{days}日後に登録を消去します）。{}電話などでご様子の確認をお願いします。",
            if *unanswered { "ブロックの時点で、確認へのお返事がありませんでした。" } else { "" }
        ),
        Text::ChecksMissed { count, lines } => format!("【確認漏れ】次の{count}人に、予定の確認が送られていません（システムの不具合です）。確認の予定は作り直しました。念のため、ご様子の確認をお願いします。\n{lines}"),
        Text::SystemIncident { count, lines } => format!("【システム障害】この1時間に{count}人の確認が送られていません。一度に多くの方に起きているため、システムの障害と考えられます。運営者には警報が届いています。確認の予定は作り直しました。復旧まで、特に心配な方から直接ご様子の確認をお願いします。\n{lines}"),
        Text::MissedLine { member, member_short, slot } => format!("・{member}さん（ID末尾 {member_short}）{slot}"),
        Text::AndOthers { count } => format!("ほか{count}人"),
        Text::CheckMissed { member, member_short, slot } => format!("【確認漏れ】{member}さん（ID末尾 {member_short}）に {slot} の確認が送られていません（システムの不具合です）。確認の予定は作り直しました。念のため、ご様子の確認をお願いします。"),
        Text::ClearPhoneLabel => "電話番号を消す".into(),
        Text::ContactPhoneCleared { contact } => format!("{contact}さんの電話番号を消しました。"),
        Text::CaseOverForContact => "ありがとうございます。この件は、すでにスタッフが対応を終えています。".into(),
        Text::ReportMonthInvalid => "月は「月次レポート 2026-11」のように書いてください。".into(),
        Text::CallPrompt { case_number } => format!("#{case_number} の電話や訪問の結果を、下のボタンで記録してください。終わったら「終了」を押してください。"),
        Text::CallLabel(k) => match k { CallKind::ReachedMember => "本人と話せた・無事", CallKind::NoAnswer => "不在・留守電", CallKind::ReachedContact => "連絡先と話せた", CallKind::Dispatched => "訪問・警察を依頼" }.into(),
        Text::CloseLabel => "終了".into(),
        Text::CallRecorded { case_number, call, by } => format!("#{case_number} に記録しました：{call}（{by}さん）"),
        Text::ConfirmClose { case_number, outcome } => format!("#{case_number} を「{outcome}」で終了すると、この方の見守りの確認はすべて止まります。よろしいですか？"),
        Text::ConfirmCloseLabel => "はい、終了します".into(),
        Text::BackLabel => "選び直す".into(),
        Text::AskOutcome { case_number } => format!("#{case_number} を終了します。結果を選んでください。"),
        Text::OutcomeLabel(o) => match o { Outcome::Answered => "本人が応答", Outcome::ConfirmedByContact => "連絡先が無事を確認", Outcome::Safe => "無事", Outcome::Hospitalised => "入院", Outcome::Deceased => "死亡", Outcome::Other => "その他" }.into(),
        Text::CaseClosed { case_number, outcome, by } => format!("#{case_number} を終了しました（結果：{outcome}、{by}さん）。\nメモは「メモ #{case_number} 内容」と送ると残せます。"),
        Text::CaseAlreadyClosed { case_number, outcome } => format!("#{case_number} は終了しています（結果：{outcome}）。"),
        Text::UnreachedReason(why) => match why {
            Unreached::NoStaffRoom => "スタッフルームが未登録",
            Unreached::QuotaExhausted => "LINEの今月の送信数が上限",
            Unreached::TokenRefused => "LINEのアクセストークンが無効",
            Unreached::RoomRefused => "スタッフルームへの送信をLINEが拒否",
        }
        .into(),
        Text::StaffPage(StaffPage::Case { case, member_short, why, .. }) => format!(
            "【見守り】案件 #{case}（会員 ID {member_short}）のお知らせが、スタッフルームに届いていません（{}）。連絡先への電話など、対応をお願いします。{}",
            Text::UnreachedReason(*why).render(crate::member::Lang::Ja),
            match why {
                Unreached::QuotaExhausted => format!("スタッフルームで「案件 #{case}」と送ると内容を確認できます。"),
                _ => String::new(),
            }
        ),
        Text::StaffPage(StaffPage::StaffRoomLost { .. }) => "【見守り】ボットがスタッフルームから退出しました。登録し直すまで、お返事のない方のお知らせはスタッフに届きません。グループにボットを招待し、スタッフ登録コードを送ってください。".into(),
        Text::ChecksResumed { case_number, member, next } => format!("#{case_number} の死亡の記録を取り消し、{member}さんの見守りを再開しました。次の「お元気ですか」は {next} です。"),
        Text::ChecksResumeNotDeceased { case_number } => format!("#{case_number} は「死亡」で終了した案件ではないため、再開するものはありません。"),
        Text::ChecksResumeMemberGone { case_number } => format!("#{case_number} の会員の記録はもう消去されているため、再開できません。もう一度登録していただく必要があります。"),
        Text::DeceasedUndoHint { case_number } => format!("この会員への「お元気ですか」は止めました。間違いだったときは「再開 #{case_number}」と送ると、見守りを再開します。"),
        Text::CaseNotTaken { case_number } => format!("#{case_number} はまだ対応する人が決まっていません。先に「対応します」を押してください。"),
        Text::CaseUnknown { case_number } => format!("#{case_number} という案件は見つかりません。"),
        Text::NoteRecorded { case_number } => format!("#{case_number} にメモを残しました。"),
        Text::CaseHistory { case_number, member, contacts, lines } => format!("案件 #{case_number}：{member}さん\n連絡先：{contacts}\n{lines}"),
        Text::Reannounce { case_number, member, since } => format!("【再通知】#{case_number} {member}さん：{since} からお返事がなく、まだ対応する人が決まっていません。"),
        Text::MentionOnDuty { case_number } => format!("{{duty}} #{case_number} の対応をお願いします。まだ誰も対応していません。"),
        Text::RemindTaker { case_number, member } => format!("{{taker}} #{case_number} {member}さんの対応はいかがですか。終わったら「終了」で結果を記録してください。"),
        Text::ReleasedNotClosed { case_number, member, by } => format!("【再通知】#{case_number} {member}さん：{by}さんが対応中でしたが、終了の記録がありません。どなたか対応をお願いします。"),
        Text::ReleasedTakerLeft { case_number, member, by } => format!("【再通知】#{case_number} {member}さん：対応していた{by}さんがスタッフルームを出ました。どなたか対応をお願いします。"),
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
