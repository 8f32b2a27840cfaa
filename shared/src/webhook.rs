//! LINE webhooks: the signature check, the events we read, and what each event means
//! for the service (an `Intent`), decided without I/O.

use crate::case::{CallKind, Outcome};
use crate::contact::InviteCode;
use crate::ids::{GroupId, UserId};
use crate::report::{AgeBand, Gender};
use crate::schedule::WeekdayName;
use base64::Engine;
use hmac::{Hmac, Mac};
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("x-line-signature header is missing")]
    Missing,
    #[error("x-line-signature does not match the body")]
    Mismatch,
}

/// Checks `x-line-signature` (base64 HMAC-SHA256 of the raw body with the channel
/// secret) in constant time.
pub fn verify_signature(channel_secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let claimed = base64::engine::general_purpose::STANDARD
        .decode(header.trim())
        .map_err(|_| SignatureError::Mismatch)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(channel_secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&claimed).map_err(|_| SignatureError::Mismatch)
}

/// The signature LINE would send for `body` (used by the local tools and tests).
pub fn sign(channel_secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(channel_secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[derive(Debug, thiserror::Error)]
#[error("webhook body is not a LINE webhook: {0}")]
pub struct BodyError(String);

#[derive(Deserialize)]
struct Body {
    events: Vec<Value>,
}

/// Splits a verified body into its events; an event we cannot read is kept as an error
/// so the others still count.
pub fn parse_body(body: &[u8]) -> Result<Vec<Result<Event, String>>, BodyError> {
    let body: Body = serde_json::from_slice(body).map_err(|e| BodyError(e.to_string()))?;
    Ok(body
        .events
        .into_iter()
        .map(|v| {
            let kind = v.get("type").and_then(Value::as_str).unwrap_or("?").to_owned();
            serde_json::from_value::<Event>(v).map_err(|e| format!("{kind}: {e}"))
        })
        .collect())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Active,
    Standby,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Source {
    User {
        #[serde(rename = "userId")]
        user_id: UserId,
    },
    Group {
        #[serde(rename = "groupId")]
        group_id: GroupId,
        #[serde(rename = "userId")]
        user_id: Option<UserId>,
    },
    Room {
        #[serde(rename = "roomId")]
        room_id: GroupId,
        #[serde(rename = "userId")]
        user_id: Option<UserId>,
    },
}

#[derive(Clone, Debug, Deserialize)]
pub struct DeliveryContext {
    #[serde(rename = "isRedelivery")]
    pub is_redelivery: bool,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Event {
    #[serde(rename = "webhookEventId")]
    pub id: String,
    pub mode: Mode,
    pub timestamp: i64,
    pub source: Option<Source>,
    #[serde(rename = "replyToken")]
    pub reply_token: Option<String>,
    #[serde(rename = "deliveryContext")]
    pub delivery_context: DeliveryContext,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum EventKind {
    Follow {
        follow: Option<FollowDetail>,
    },
    Unfollow,
    Message {
        message: MessageContent,
    },
    Postback {
        postback: PostbackContent,
    },
    Join,
    Leave,
    MemberJoined {
        joined: Members,
    },
    MemberLeft {
        left: Members,
    },
    /// Every other event type LINE has or will add: read, then ignored.
    #[serde(other)]
    Other,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Members {
    pub members: Vec<Source>,
}

impl Members {
    fn users(&self) -> Vec<UserId> {
        self.members
            .iter()
            .filter_map(|m| match m {
                Source::User { user_id } => Some(user_id.clone()),
                _ => None,
            })
            .collect()
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct FollowDetail {
    #[serde(rename = "isUnblocked")]
    pub is_unblocked: bool,
}

#[derive(Clone, Debug, Deserialize)]
pub struct MessageContent {
    #[serde(rename = "type")]
    pub kind: String,
    pub text: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct PostbackContent {
    pub data: String,
    /// What a date/time picker returned: `date`, `time` or `datetime`.
    #[serde(default)]
    pub params: std::collections::HashMap<String, String>,
}

/// A cadence as the buttons carry it: `day`, `2`, `3`, `week-MON`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CadenceChoice {
    Day,
    Days(u8),
    Week(WeekdayName),
}

impl CadenceChoice {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "day" => Some(Self::Day),
            "2" => Some(Self::Days(2)),
            "3" => Some(Self::Days(3)),
            _ => s
                .strip_prefix("week-")
                .and_then(WeekdayName::from_cron_name)
                .map(Self::Week),
        }
    }
    pub fn token(self) -> String {
        match self {
            Self::Day => "day".into(),
            Self::Days(n) => n.to_string(),
            Self::Week(w) => format!("week-{}", w.cron_name()),
        }
    }
}

/// A member changing their settings with the buttons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Setting {
    Show,
    ChooseCadence,
    ChooseWeekday,
    ChooseTime(CadenceChoice),
    SetSchedule {
        cadence: CadenceChoice,
        hour: u8,
        minute: u8,
    },
    SetZone(String),
    ChoosePause,
    ListContacts,
    RemoveContact(UserId),
    Language(crate::messages::Lang),
    PauseFor {
        days: u8,
    },
    PauseUntil(Date),
    EndPause,
    /// 「電話: 名前」 in the contacts list: the member will send that contact's number.
    AskPhone(UserId),
    /// A phone number the member sent (to be confirmed).
    GivePhone(String),
    /// The confirmation: save it.
    SavePhone {
        contact: UserId,
        phone: String,
    },
    /// Remove a contact's phone number.
    ClearPhone(UserId),
    CancelPhone,
    /// Onboarding's optional questions (`None`: chose not to say).
    AgeBand(Option<AgeBand>),
    Gender(Option<Gender>),
}

/// What staff do with a case (or the report), from the staff room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaffAction {
    /// 「対応します」
    Take(u64),
    /// A call-record button.
    Call(u64, CallKind),
    /// 「終了」: asks how it ended.
    AskClose(u64),
    Close(u64, Outcome),
    /// 「メモ #1042 …」
    Note(u64, String),
    /// 「案件 #1042」: the case's history.
    Show(u64),
    /// 「月次レポート」 or 「月次レポート 2026-11」.
    Report(Option<String>),
    /// 「当番」: the sender is on duty.
    OnDuty,
}

/// Reads a postback's data (and picker params) into a setting, strictly: anything else
/// is `None`, which the member is told is a button no longer valid.
pub fn parse_setting(data: &str, params: &std::collections::HashMap<String, String>) -> Option<Setting> {
    let time = || {
        let (h, m) = params.get("time")?.split_once(':')?;
        let (hour, minute): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
        (hour < 24 && minute < 60).then_some((hour, minute))
    };
    match data {
        "settings" => Some(Setting::Show),
        "contacts:list" => Some(Setting::ListContacts),
        "lang:ja" => Some(Setting::Language(crate::messages::Lang::Ja)),
        "lang:en" => Some(Setting::Language(crate::messages::Lang::En)),
        "set:cadence" => Some(Setting::ChooseCadence),
        "set:cadence:week" => Some(Setting::ChooseWeekday),
        "pause:menu" => Some(Setting::ChoosePause),
        "pause:end" => Some(Setting::EndPause),
        "profile:age:skip" => Some(Setting::AgeBand(None)),
        "contacts:phone-cancel" => Some(Setting::CancelPhone),
        "profile:gender:skip" => Some(Setting::Gender(None)),
        "pause:date" => params
            .get("date")
            .and_then(|d| d.parse::<Date>().ok())
            .map(Setting::PauseUntil),
        _ => {
            if let Some(band) = data.strip_prefix("profile:age:") {
                return AgeBand::parse(band).map(|b| Setting::AgeBand(Some(b)));
            }
            if let Some(g) = data.strip_prefix("profile:gender:") {
                return Gender::parse(g).map(|g| Setting::Gender(Some(g)));
            }
            if let Some(choice) = data.strip_prefix("set:cadence:") {
                return CadenceChoice::parse(choice).map(Setting::ChooseTime);
            }
            if let Some(rest) = data.strip_prefix("contacts:phone:save:") {
                let (contact, phone) = rest.split_once(':')?;
                let phone = crate::contact::parse_phone(phone)?;
                return UserId::new(contact)
                    .ok()
                    .map(|contact| Setting::SavePhone { contact, phone });
            }
            if let Some(contact) = data.strip_prefix("contacts:phone:clear:") {
                return UserId::new(contact).ok().map(Setting::ClearPhone);
            }
            if let Some(contact) = data.strip_prefix("contacts:phone:") {
                return UserId::new(contact).ok().map(Setting::AskPhone);
            }
            if let Some(contact) = data.strip_prefix("contacts:remove:") {
                return UserId::new(contact).ok().map(Setting::RemoveContact);
            }
            if let Some(choice) = data.strip_prefix("set:time:") {
                let cadence = CadenceChoice::parse(choice)?;
                let (hour, minute) = time()?;
                return Some(Setting::SetSchedule { cadence, hour, minute });
            }
            match data.strip_prefix("pause:days:")? {
                d @ ("3" | "7" | "14") => d.parse().ok().map(|days| Setting::PauseFor { days }),
                _ => None,
            }
        }
    }
}

/// What an event asks of the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intent {
    Follow {
        user: UserId,
        unblocked: bool,
    },
    Unfollow {
        user: UserId,
    },
    /// An OK tap or any message: acknowledges the sender's open check if they are a member.
    SignOfLife {
        user: UserId,
        tapped_ok: bool,
    },
    RequestInvite {
        user: UserId,
    },
    /// The answer to the consent question.
    Consent {
        user: UserId,
        agreed: bool,
    },
    /// 「あとで」 at the end of onboarding.
    OnboardingDone {
        user: UserId,
    },
    /// 「退会」: asks to confirm; the confirmation erases everything.
    Leave {
        user: UserId,
        confirmed: Option<bool>,
    },
    /// The OK button of the check scheduled at `check` (validated against the sender's
    /// own checks before it counts).
    TapOk {
        user: UserId,
        check: jiff::Timestamp,
    },
    /// The rich menu's free 「元気です」 button.
    CheckIn {
        user: UserId,
    },
    /// A member looking at or changing their settings (any tap is also a sign of life).
    Setting {
        user: UserId,
        setting: Setting,
    },
    RedeemCode {
        user: UserId,
        code: InviteCode,
    },
    InvalidButton {
        user: UserId,
    },
    /// Staff work on a case: from a group (which must be the staff room) or, refused,
    /// from a one-to-one chat (`group` is `None`).
    Staff {
        group: Option<GroupId>,
        user: Option<UserId>,
        action: StaffAction,
    },
    /// People joined or left a group (the staff room's members are its staff).
    GroupMembersJoined {
        group: GroupId,
        users: Vec<UserId>,
    },
    GroupMembersLeft {
        group: GroupId,
        users: Vec<UserId>,
    },
    /// A contact's 「無事を確認しました」 on an alert.
    ContactSafe {
        user: UserId,
        case_number: u64,
    },
    RegisterStaffRoom {
        group: GroupId,
        code: String,
    },
    JoinedGroup {
        group: GroupId,
    },
    LeftGroup {
        group: GroupId,
    },
    Ignore(&'static str),
}

/// The postback data of the rich menu's free check-in button.
pub const CHECK_IN: &str = "checkin";
const INVITE_WORDS: [&str; 3] = ["連絡先登録", "contact", "add contact"];
const LEAVE_WORDS: [&str; 4] = ["退会", "退会する", "見守りをやめる", "leave"];
const SETTINGS_WORDS: [&str; 3] = ["設定", "設定確認", "settings"];
const CONTACTS_WORDS: [&str; 3] = ["連絡先", "連絡先一覧", "contacts"];
const PAUSE_WORDS: [&str; 4] = ["休止", "お休み", "お休みする", "pause"];
const ZONE_PREFIXES: [&str; 2] = ["タイムゾーン", "timezone"];
const STAFF_REGISTRATION: &str = "スタッフ登録";

impl Event {
    pub fn intent(&self) -> Intent {
        if self.mode == Mode::Standby {
            return Intent::Ignore("standby");
        }
        match (&self.kind, &self.source) {
            (EventKind::Follow { follow }, Some(Source::User { user_id })) => Intent::Follow {
                user: user_id.clone(),
                unblocked: follow.as_ref().is_some_and(|f| f.is_unblocked),
            },
            (EventKind::Unfollow, Some(Source::User { user_id })) => Intent::Unfollow { user: user_id.clone() },
            (EventKind::Message { message }, Some(Source::User { user_id })) => {
                let user = user_id.clone();
                let text = message.text.as_deref().unwrap_or("").trim();
                let zone = ZONE_PREFIXES.iter().find_map(|p| text.strip_prefix(p)).map(str::trim);
                if INVITE_WORDS.iter().any(|w| text.eq_ignore_ascii_case(w)) {
                    Intent::RequestInvite { user }
                } else if LEAVE_WORDS.iter().any(|w| text.eq_ignore_ascii_case(w)) {
                    Intent::Leave { user, confirmed: None }
                } else if CONTACTS_WORDS.iter().any(|w| text.eq_ignore_ascii_case(w)) {
                    Intent::Setting {
                        user,
                        setting: Setting::ListContacts,
                    }
                } else if text.eq_ignore_ascii_case("english") {
                    Intent::Setting {
                        user,
                        setting: Setting::Language(crate::messages::Lang::En),
                    }
                } else if text == "日本語" {
                    Intent::Setting {
                        user,
                        setting: Setting::Language(crate::messages::Lang::Ja),
                    }
                } else if SETTINGS_WORDS.iter().any(|w| text.eq_ignore_ascii_case(w)) {
                    Intent::Setting {
                        user,
                        setting: Setting::Show,
                    }
                } else if PAUSE_WORDS.iter().any(|w| text.eq_ignore_ascii_case(w)) {
                    Intent::Setting {
                        user,
                        setting: Setting::ChoosePause,
                    }
                } else if let Some(zone) = zone.filter(|z| !z.is_empty()) {
                    Intent::Setting {
                        user,
                        setting: Setting::SetZone(zone.to_owned()),
                    }
                } else if let Some(code) = InviteCode::find_in(text) {
                    Intent::RedeemCode { user, code }
                } else if let Some(phone) = crate::contact::parse_phone(text) {
                    Intent::Setting {
                        user,
                        setting: Setting::GivePhone(phone),
                    }
                } else {
                    Intent::SignOfLife { user, tapped_ok: false }
                }
            }
            (EventKind::Postback { postback }, Some(Source::User { user_id })) => {
                let user = user_id.clone();
                let ok = postback.data.strip_prefix("ok:").and_then(|rest| rest.split_once(':'));
                let tag = crate::messages::button_tag(&user);
                if let Some(check) = ok.and_then(|(check, t)| crate::escalation::check_time(check).filter(|_| t == tag))
                {
                    return Intent::TapOk { user, check };
                }
                if let Some(case_number) = postback.data.strip_prefix("case:safe:").and_then(|n| n.parse().ok()) {
                    return Intent::ContactSafe { user, case_number };
                }
                // Staff buttons copied into a one-to-one chat: refused, and said so.
                if let Some(action) = parse_staff_postback(&postback.data) {
                    return Intent::Staff {
                        group: None,
                        user: Some(user),
                        action,
                    };
                }
                match postback.data.as_str() {
                    CHECK_IN => return Intent::CheckIn { user },
                    "leave:confirm" => {
                        return Intent::Leave {
                            user,
                            confirmed: Some(true),
                        };
                    }
                    "leave:cancel" => {
                        return Intent::Leave {
                            user,
                            confirmed: Some(false),
                        };
                    }
                    "consent:yes" => return Intent::Consent { user, agreed: true },
                    "consent:no" => return Intent::Consent { user, agreed: false },
                    "onboard:done" => return Intent::OnboardingDone { user },
                    _ => {}
                }
                match parse_setting(&postback.data, &postback.params) {
                    Some(setting) => Intent::Setting { user, setting },
                    None => Intent::InvalidButton { user },
                }
            }
            (
                EventKind::Postback { postback },
                Some(
                    Source::Group { group_id, user_id }
                    | Source::Room {
                        room_id: group_id,
                        user_id,
                    },
                ),
            ) => match parse_staff_postback(&postback.data) {
                Some(action) => Intent::Staff {
                    group: Some(group_id.clone()),
                    user: user_id.clone(),
                    action,
                },
                None => Intent::Ignore("group_postback"),
            },
            (
                EventKind::Message { message },
                Some(
                    Source::Group { group_id, user_id }
                    | Source::Room {
                        room_id: group_id,
                        user_id,
                    },
                ),
            ) => {
                let text = message.text.as_deref().map(str::trim).unwrap_or_default();
                if let Some(code) = text.strip_prefix(STAFF_REGISTRATION) {
                    return Intent::RegisterStaffRoom {
                        group: group_id.clone(),
                        code: code.trim().to_owned(),
                    };
                }
                match parse_staff_command(text) {
                    Some(action) => Intent::Staff {
                        group: Some(group_id.clone()),
                        user: user_id.clone(),
                        action,
                    },
                    None => Intent::Ignore("group_message"),
                }
            }
            (
                EventKind::MemberJoined { joined },
                Some(Source::Group { group_id, .. } | Source::Room { room_id: group_id, .. }),
            ) => Intent::GroupMembersJoined {
                group: group_id.clone(),
                users: joined.users(),
            },
            (
                EventKind::MemberLeft { left },
                Some(Source::Group { group_id, .. } | Source::Room { room_id: group_id, .. }),
            ) => Intent::GroupMembersLeft {
                group: group_id.clone(),
                users: left.users(),
            },
            (EventKind::Join, Some(Source::Group { group_id, .. } | Source::Room { room_id: group_id, .. })) => {
                Intent::JoinedGroup {
                    group: group_id.clone(),
                }
            }
            (EventKind::Leave, Some(Source::Group { group_id, .. } | Source::Room { room_id: group_id, .. })) => {
                Intent::LeftGroup {
                    group: group_id.clone(),
                }
            }
            (EventKind::Other, _) => Intent::Ignore("unknown_event_type"),
            _ => Intent::Ignore("not_for_this_service"),
        }
    }
}

/// The staff buttons: `case:take:1042`, `case:call:1042:no_answer`, `case:close:1042`,
/// `case:close:1042:safe`.
fn parse_staff_postback(data: &str) -> Option<StaffAction> {
    let rest = data.strip_prefix("case:")?;
    let mut parts = rest.split(':');
    let (verb, number) = (parts.next()?, parts.next()?.parse::<u64>().ok()?);
    let arg = parts.next();
    if parts.next().is_some() {
        return None;
    }
    match (verb, arg) {
        ("take", None) => Some(StaffAction::Take(number)),
        ("call", Some(kind)) => CallKind::parse(kind).map(|k| StaffAction::Call(number, k)),
        ("close", None) => Some(StaffAction::AskClose(number)),
        ("close", Some(outcome)) => Outcome::parse(outcome)
            .filter(|o| Outcome::STAFF.contains(o))
            .map(|o| StaffAction::Close(number, o)),
        _ => None,
    }
}

/// A case number as staff type it: `#1042`, `＃1042` or `1042`.
fn case_number(s: &str) -> Option<(u64, &str)> {
    let s = s.trim_start();
    let s = s.strip_prefix('#').or_else(|| s.strip_prefix('＃')).unwrap_or(s);
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n = s[..end].parse().ok()?;
    Some((n, s[end..].trim()))
}

/// The staff room's typed commands: 「案件 #1042」, 「メモ #1042 …」, 「月次レポート [yyyy-mm]」, 「当番」.
fn parse_staff_command(text: &str) -> Option<StaffAction> {
    if let Some(rest) = text.strip_prefix("案件") {
        return case_number(rest)
            .filter(|(_, tail)| tail.is_empty())
            .map(|(n, _)| StaffAction::Show(n));
    }
    if let Some(rest) = text.strip_prefix("メモ") {
        return case_number(rest)
            .filter(|(_, note)| !note.is_empty())
            .map(|(n, note)| StaffAction::Note(n, note.chars().take(500).collect()));
    }
    if let Some(rest) = text.strip_prefix("月次レポート") {
        let month = rest.trim();
        return Some(StaffAction::Report((!month.is_empty()).then(|| month.to_owned())));
    }
    (text == "当番").then_some(StaffAction::OnDuty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const U: &str = "U4af4980629aaaaaaaaaaaaaaaaaaaaaa";
    const G: &str = "Ca56f94637cbbbbbbbbbbbbbbbbbbbbbb";

    fn event(extra: Value) -> Event {
        let mut e = json!({"mode":"active","timestamp":1,"webhookEventId":"01J0ABCDEF0123456789ABCDEF","deliveryContext":{"isRedelivery":false},"replyToken":"r"});
        for (k, v) in extra.as_object().unwrap() {
            e[k] = v.clone();
        }
        serde_json::from_value(e).unwrap()
    }

    #[test]
    fn signature_is_checked_against_the_raw_body() {
        let body = br#"{"events":[]}"#;
        let sig = sign(b"secret", body);
        assert_eq!(verify_signature(b"secret", body, Some(&sig)), Ok(()));
        assert_eq!(
            verify_signature(b"other", body, Some(&sig)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"secret", b"{\"events\":[] }", Some(&sig)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"secret", body, Some("not base64!")),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify_signature(b"secret", body, None), Err(SignatureError::Missing));
    }

    #[test]
    fn events_mean_what_the_member_meant() {
        let user = json!({"type":"user","userId":U});
        let follow = event(json!({"type":"follow","source":user,"follow":{"isUnblocked":true}}));
        assert!(matches!(follow.intent(), Intent::Follow { unblocked: true, .. }));
        let data = format!(
            "ok:1764028800:{}",
            crate::messages::button_tag(&UserId::new(U).unwrap())
        );
        let ok = event(json!({"type":"postback","source":user,"postback":{"data":data}}));
        assert!(matches!(ok.intent(), Intent::TapOk { .. }));
        let forged = event(json!({"type":"postback","source":user,"postback":{"data":"ok:../../x"}}));
        assert!(matches!(forged.intent(), Intent::InvalidButton { .. }));
        let hello = event(
            json!({"type":"message","source":user,"message":{"type":"text","id":"1","quoteToken":"q","text":"おはよう"}}),
        );
        assert!(matches!(hello.intent(), Intent::SignOfLife { tapped_ok: false, .. }));
        let sticker = event(
            json!({"type":"message","source":user,"message":{"type":"sticker","id":"1","quoteToken":"q","packageId":"1","stickerId":"2"}}),
        );
        assert!(matches!(sticker.intent(), Intent::SignOfLife { .. }));
        let invite = event(
            json!({"type":"message","source":user,"message":{"type":"text","id":"1","quoteToken":"q","text":"連絡先登録"}}),
        );
        assert!(matches!(invite.intent(), Intent::RequestInvite { .. }));
        let code = event(
            json!({"type":"message","source":user,"message":{"type":"text","id":"1","quoteToken":"q","text":"K7QF-2M9X"}}),
        );
        assert!(matches!(code.intent(), Intent::RedeemCode { .. }));
        let staff = event(
            json!({"type":"message","source":{"type":"group","groupId":G,"userId":U},"message":{"type":"text","id":"1","quoteToken":"q","text":"スタッフ登録 abc123"}}),
        );
        assert_eq!(
            staff.intent(),
            Intent::RegisterStaffRoom {
                group: GroupId::new(G).unwrap(),
                code: "abc123".into()
            }
        );
    }

    #[test]
    fn setting_buttons_are_read_strictly() {
        let none = std::collections::HashMap::new();
        let time = std::collections::HashMap::from([("time".to_owned(), "07:30".to_owned())]);
        assert_eq!(parse_setting("set:cadence", &none), Some(Setting::ChooseCadence));
        assert_eq!(parse_setting("set:cadence:week", &none), Some(Setting::ChooseWeekday));
        assert_eq!(
            parse_setting("set:cadence:week-MON", &none),
            Some(Setting::ChooseTime(CadenceChoice::Week(WeekdayName::Mon)))
        );
        assert_eq!(
            parse_setting("set:time:2", &time),
            Some(Setting::SetSchedule {
                cadence: CadenceChoice::Days(2),
                hour: 7,
                minute: 30
            })
        );
        assert_eq!(
            parse_setting("pause:days:7", &none),
            Some(Setting::PauseFor { days: 7 })
        );
        for bad in [
            "set:time:2",
            "set:cadence:5",
            "set:cadence:week-XYZ",
            "pause:days:100",
            "pause:date",
            "pause:",
            "x",
        ] {
            assert_eq!(parse_setting(bad, &none), None, "{bad}");
        }
        let late = std::collections::HashMap::from([("time".to_owned(), "24:00".to_owned())]);
        assert_eq!(parse_setting("set:time:day", &late), None);
    }

    #[test]
    fn standby_and_unknown_events_are_ignored() {
        let mut e = event(json!({"type":"follow","source":{"type":"user","userId":U}}));
        e.mode = Mode::Standby;
        assert_eq!(e.intent(), Intent::Ignore("standby"));
        let unknown = event(json!({"type":"videoPlayComplete","source":{"type":"user","userId":U}}));
        assert_eq!(unknown.intent(), Intent::Ignore("unknown_event_type"));
    }

    #[test]
    fn body_that_is_not_a_webhook_is_an_error() {
        assert!(parse_body(b"not json").is_err());
        assert!(parse_body(b"{}").is_err());
        assert_eq!(parse_body(br#"{"destination":"U1","events":[]}"#).unwrap().len(), 0);
        let bad = parse_body(br#"{"events":[{"type":"follow"}]}"#).unwrap();
        assert!(bad[0].is_err());
    }
}
