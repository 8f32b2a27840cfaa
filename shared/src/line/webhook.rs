//! LINE webhooks: the signature check, the events we read, and what each event means
//! for the service (an `Intent`), decided without I/O.

use crate::case::{CallKind, Outcome};
use crate::contact::InviteCode;
use crate::ids::{ChatId, UserId};
use crate::line::postback::{self, Postback, button_tag};
use base64::Engine;
use hmac::{Hmac, Mac};
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
pub fn parse_body(body: &[u8]) -> Result<Vec<Result<Event, Unreadable>>, BodyError> {
    let body: Body = serde_json::from_slice(body).map_err(|e| BodyError(e.to_string()))?;
    Ok(body
        .events
        .into_iter()
        .map(|v| {
            let event = serde_json::from_value::<Event>(v.clone()).map_err(|e| Unreadable::of(&v, &e.to_string()))?;
            // The id goes into a key of the table: LINE's are ULIDs, 26 letters and digits.
            if !is_event_id(&event.id) {
                return Err(Unreadable::of(&v, "webhookEventId is not an event id"));
            }
            Ok(event)
        })
        .collect())
}

fn is_event_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// An event this service cannot read: what it was (for the log), and whether it came
/// from a person LINE does not name, who is owed an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// The event's type and what was wrong with it (no content of the event).
    pub summary: String,
    /// Set when a person wrote or pressed in a one-to-one chat and LINE sent no user
    /// id (they have not agreed to LINE's terms for it, or use an old LINE for PC):
    /// nothing can be done for them but say so, with this reply token.
    pub anonymous_reply: Option<String>,
}

impl Unreadable {
    fn of(event: &Value, error: &str) -> Self {
        let kind = event.get("type").and_then(Value::as_str).unwrap_or("?");
        let source = event.get("source");
        let anonymous = source.and_then(|s| s.get("type")).and_then(Value::as_str) == Some("user")
            && source.and_then(|s| s.get("userId")).is_none()
            && event.get("mode").and_then(Value::as_str) != Some("standby")
            && matches!(kind, "message" | "postback" | "follow");
        Self {
            summary: format!("{kind}: {error}"),
            anonymous_reply: anonymous
                .then(|| event.get("replyToken").and_then(Value::as_str).map(str::to_owned))
                .flatten(),
        }
    }
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
        group_id: ChatId,
        #[serde(rename = "userId")]
        user_id: Option<UserId>,
    },
    Room {
        #[serde(rename = "roomId")]
        room_id: ChatId,
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

/// A member changing their settings: a settings button (or a word that stands for one,
/// such as 「設定」), or what they type when a setting asks for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Setting {
    /// One of the settings buttons of `Postback` (the button grammar).
    Button(Postback),
    /// A time zone typed after 「タイムゾーン」.
    Zone(String),
    /// A phone number the member sent (to be confirmed).
    Phone(String),
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
    /// An outcome button; one that stops everything needs its confirmation first.
    Close {
        case: u64,
        outcome: Outcome,
        confirmed: bool,
    },
    /// 「メモ #1042 …」
    Note(u64, String),
    /// 「案件 #1042」: the case's history.
    Show(u64),
    /// 「月次レポート」 or 「月次レポート 2026-11」.
    Report(Option<String>),
    /// 「当番」: the sender is on duty.
    OnDuty,
    /// 「再開 #1042」: a case closed as 死亡 by mistake; the member's checks start again.
    ResumeChecks(u64),
    /// 「スタッフルーム移動」: a one-time code that moves the staff room to another chat.
    MoveRoom,
    /// The approve button under a newcomer, or 「スタッフ承認 佐々木」.
    Approve(Approvee),
}

/// Whom staff approve: the button names them by id, the typed form by display name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Approvee {
    User(UserId),
    Name(String),
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
    /// A new contact's answer: keep their own checks, or be a contact only.
    OwnChecks {
        user: UserId,
        keep: bool,
    },
    /// The OK button of the check scheduled at `check` (validated against the sender's
    /// own checks before it counts).
    TapOk {
        user: UserId,
        check: crate::ids::CheckId,
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
        chat: Option<ChatId>,
        user: Option<UserId>,
        action: StaffAction,
    },
    /// People joined or left a chat (the staff room's members are its staff).
    ChatMembersJoined {
        chat: ChatId,
        users: Vec<UserId>,
    },
    ChatMembersLeft {
        chat: ChatId,
        users: Vec<UserId>,
    },
    /// A contact's 「無事を確認しました」 on an alert.
    ContactSafe {
        user: UserId,
        case_number: u64,
    },
    RegisterStaffRoom {
        chat: ChatId,
        /// Who sent it (LINE names the sender of a group message): the first staff.
        user: Option<UserId>,
        code: String,
    },
    JoinedChat {
        chat: ChatId,
    },
    LeftChat {
        chat: ChatId,
    },
    Ignore(Ignored),
}

/// Why an event is deliberately left alone (logged by `as_str`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ignored {
    /// Another channel's bot is active for this chat (standby mode).
    Standby,
    /// A button pressed in a chat that is not one-to-one, read as no staff action.
    GroupPostback,
    /// A message in a chat that is not one-to-one, read as no staff command.
    GroupMessage,
    UnknownEventType,
    /// A known event this service has no use for.
    NotForThisService,
    /// An event that happened more than [`MAX_EVENT_AGE`] ago: a replayed request, not
    /// LINE (whose redeliveries come within minutes, and whose claims this service
    /// remembers a week).
    Stale,
}

/// How old an event may be and still be acted on.
pub const MAX_EVENT_AGE: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

impl Ignored {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standby => "standby",
            Self::GroupPostback => "group_postback",
            Self::GroupMessage => "group_message",
            Self::UnknownEventType => "unknown_event_type",
            Self::NotForThisService => "not_for_this_service",
            Self::Stale => "stale",
        }
    }
}

const INVITE_WORDS: [&str; 3] = ["連絡先登録", "contact", "add contact"];
const LEAVE_WORDS: [&str; 4] = ["退会", "退会する", "見守りをやめる", "leave"];
const SETTINGS_WORDS: [&str; 3] = ["設定", "設定確認", "settings"];
const CONTACTS_WORDS: [&str; 3] = ["連絡先", "連絡先一覧", "contacts"];
const PAUSE_WORDS: [&str; 4] = ["休止", "お休み", "お休みする", "pause"];
const ZONE_PREFIXES: [&str; 2] = ["タイムゾーン", "timezone"];
const STAFF_REGISTRATION: &str = "スタッフ登録";

impl Event {
    /// What the event asks of the service at `now`: nothing when it is older than
    /// [`MAX_EVENT_AGE`] (its signature is still valid: a captured body replayed).
    /// A confirmation button older than [`postback::CONFIRM_VALID`] asks again.
    pub fn intent_at(&self, now: jiff::Timestamp) -> Intent {
        let happened = jiff::Timestamp::from_millisecond(self.timestamp).unwrap_or(jiff::Timestamp::MIN);
        match now.duration_since(happened) > MAX_EVENT_AGE {
            true => Intent::Ignore(Ignored::Stale),
            false => self.intent_when(Some(now)),
        }
    }

    /// What the event asks, whatever its age and that of its buttons.
    pub fn intent(&self) -> Intent {
        self.intent_when(None)
    }

    fn intent_when(&self, now: Option<jiff::Timestamp>) -> Intent {
        let intent = self.what_it_asks(now);
        if self.mode != Mode::Standby {
            return intent;
        }
        // Another channel's bot answers this chat (standby): the service stays silent
        // in it (LINE sends no reply token), but an answer is still a sign of life, a
        // block still a block, coming back still coming back (a member left Blocked
        // would be erased), and being removed from a chat still removed.
        match intent {
            Intent::TapOk { .. }
            | Intent::SignOfLife { .. }
            | Intent::CheckIn { .. }
            | Intent::Unfollow { .. }
            | Intent::Follow { .. }
            | Intent::LeftChat { .. } => intent,
            _ => Intent::Ignore(Ignored::Standby),
        }
    }

    fn what_it_asks(&self, now: Option<jiff::Timestamp>) -> Intent {
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
                        setting: Setting::Button(Postback::ListContacts),
                    }
                } else if text.eq_ignore_ascii_case("english") {
                    Intent::Setting {
                        user,
                        setting: Setting::Button(Postback::Language(crate::member::Lang::En)),
                    }
                } else if text == "日本語" {
                    Intent::Setting {
                        user,
                        setting: Setting::Button(Postback::Language(crate::member::Lang::Ja)),
                    }
                } else if SETTINGS_WORDS.iter().any(|w| text.eq_ignore_ascii_case(w)) {
                    Intent::Setting {
                        user,
                        setting: Setting::Button(Postback::Settings),
                    }
                } else if PAUSE_WORDS.iter().any(|w| text.eq_ignore_ascii_case(w)) {
                    Intent::Setting {
                        user,
                        setting: Setting::Button(Postback::ChoosePause),
                    }
                } else if let Some(zone) = zone.filter(|z| !z.is_empty()) {
                    Intent::Setting {
                        user,
                        setting: Setting::Zone(zone.to_owned()),
                    }
                } else if let Some(case_number) = contact_safe_typed(text) {
                    Intent::ContactSafe { user, case_number }
                } else if let Some(code) = InviteCode::find_in(text) {
                    Intent::RedeemCode { user, code }
                } else if let Some(phone) = crate::contact::parse_phone(text) {
                    Intent::Setting {
                        user,
                        setting: Setting::Phone(phone),
                    }
                } else {
                    Intent::SignOfLife { user, tapped_ok: false }
                }
            }
            (EventKind::Postback { postback }, Some(Source::User { user_id })) => {
                let user = user_id.clone();
                match Postback::parse(&postback.data, &postback.params) {
                    Some(button) => button_intent(user, button, now),
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
            ) => match Postback::parse(&postback.data, &postback.params).and_then(|b| staff_button(b, now)) {
                Some(action) => Intent::Staff {
                    chat: Some(group_id.clone()),
                    user: user_id.clone(),
                    action,
                },
                None => Intent::Ignore(Ignored::GroupPostback),
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
                        chat: group_id.clone(),
                        user: user_id.clone(),
                        code: code.trim().to_owned(),
                    };
                }
                match parse_staff_command(text) {
                    Some(action) => Intent::Staff {
                        chat: Some(group_id.clone()),
                        user: user_id.clone(),
                        action,
                    },
                    None => Intent::Ignore(Ignored::GroupMessage),
                }
            }
            (
                EventKind::MemberJoined { joined },
                Some(Source::Group { group_id, .. } | Source::Room { room_id: group_id, .. }),
            ) => Intent::ChatMembersJoined {
                chat: group_id.clone(),
                users: joined.users(),
            },
            (
                EventKind::MemberLeft { left },
                Some(Source::Group { group_id, .. } | Source::Room { room_id: group_id, .. }),
            ) => Intent::ChatMembersLeft {
                chat: group_id.clone(),
                users: left.users(),
            },
            (EventKind::Join, Some(Source::Group { group_id, .. } | Source::Room { room_id: group_id, .. })) => {
                Intent::JoinedChat { chat: group_id.clone() }
            }
            (EventKind::Leave, Some(Source::Group { group_id, .. } | Source::Room { room_id: group_id, .. })) => {
                Intent::LeftChat { chat: group_id.clone() }
            }
            (EventKind::Other, _) => Intent::Ignore(Ignored::UnknownEventType),
            _ => Intent::Ignore(Ignored::NotForThisService),
        }
    }
}

/// What a button pressed in a one-to-one chat asks.
/// Whether a confirmation asked at `asked` is still good at `now` (always, without one).
fn fresh(asked: jiff::Timestamp, now: Option<jiff::Timestamp>) -> bool {
    now.is_none_or(|now| postback::still_valid(asked, now))
}

fn button_intent(user: UserId, button: Postback, now: Option<jiff::Timestamp>) -> Intent {
    if let Some(action) = staff_button(button.clone(), now) {
        // Staff buttons copied into a one-to-one chat: refused, and said so.
        return Intent::Staff {
            chat: None,
            user: Some(user),
            action,
        };
    }
    match button {
        Postback::Ok { check, tag } if tag == button_tag(&user) => Intent::TapOk { user, check },
        Postback::Ok { .. } => Intent::InvalidButton { user },
        Postback::ContactSafe(case_number) => Intent::ContactSafe { user, case_number },
        Postback::CheckIn => Intent::CheckIn { user },
        // 退会 confirmed with an old button: asked again, with fresh buttons.
        Postback::Leave { confirmed: true, asked } if !fresh(asked, now) => Intent::Leave { user, confirmed: None },
        Postback::Leave { confirmed, .. } => Intent::Leave {
            user,
            confirmed: Some(confirmed),
        },
        // An old 同意する: the question again (a member already is greeted as usual).
        Postback::Consent { agreed: true, asked } if !fresh(asked, now) => {
            Intent::SignOfLife { user, tapped_ok: false }
        }
        Postback::Consent { agreed, .. } => Intent::Consent { user, agreed },
        Postback::OnboardingDone => Intent::OnboardingDone { user },
        Postback::OwnChecks { keep } => Intent::OwnChecks { user, keep },
        // Read as staff actions above.
        Postback::TakeCase(_)
        | Postback::RecordCall(..)
        | Postback::AskOutcome(_)
        | Postback::CloseCase(..)
        | Postback::ApproveStaff(_)
        | Postback::ConfirmClose(..) => Intent::InvalidButton { user },
        // Every other button is a setting.
        setting => Intent::Setting {
            user,
            setting: Setting::Button(setting),
        },
    }
}

/// The staff buttons, as the actions they ask for.
fn staff_button(button: Postback, now: Option<jiff::Timestamp>) -> Option<StaffAction> {
    match button {
        Postback::TakeCase(n) => Some(StaffAction::Take(n)),
        Postback::RecordCall(n, kind) => Some(StaffAction::Call(n, kind)),
        Postback::AskOutcome(n) => Some(StaffAction::AskClose(n)),
        Postback::CloseCase(n, outcome) => Some(StaffAction::Close {
            case: n,
            outcome,
            confirmed: !outcome.needs_confirmation(),
        }),
        Postback::ApproveStaff(user) => Some(StaffAction::Approve(Approvee::User(user))),
        // An old confirmation asks again.
        Postback::ConfirmClose(n, outcome, asked) => Some(StaffAction::Close {
            case: n,
            outcome,
            confirmed: fresh(asked, now),
        }),
        _ => None,
    }
}

/// A contact's 「無事 #1042」 (or "safe #1042"), the typed twin of 「無事を確認しました」.
fn contact_safe_typed(text: &str) -> Option<u64> {
    let rest = text.strip_prefix("無事").or_else(|| {
        let (word, rest) = text.split_at_checked(4)?;
        word.eq_ignore_ascii_case("safe").then_some(rest)
    })?;
    case_number(rest).filter(|(_, tail)| tail.is_empty()).map(|(n, _)| n)
}

/// A case number as staff type it: `#1042`, `＃1042` or `1042`.
fn case_number(s: &str) -> Option<(u64, &str)> {
    let s = s.trim_start();
    let s = s.strip_prefix('#').or_else(|| s.strip_prefix('＃')).unwrap_or(s);
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n = s[..end].parse().ok()?;
    Some((n, s[end..].trim()))
}

/// The words staff type for a call record (「記録 #1042 不在」).
const CALL_WORDS: [(CallKind, &str); 4] = [
    (CallKind::ReachedMember, "本人"),
    (CallKind::NoAnswer, "不在"),
    (CallKind::ReachedContact, "連絡先"),
    (CallKind::Dispatched, "訪問"),
];
/// The words staff type for how a case ended (「終了 #1042 無事」).
const OUTCOME_WORDS: [(Outcome, &str); 4] = [
    (Outcome::Safe, "無事"),
    (Outcome::Hospitalised, "入院"),
    (Outcome::Deceased, "死亡"),
    (Outcome::Other, "その他"),
];
/// Typed after an outcome that stops everything, to confirm it (「終了 #1042 死亡 はい」).
const CONFIRMED: &str = "はい";

/// What staff can type instead of pressing `action`'s button: LINE does not promise to
/// say who pressed a button in a group (only iOS and Android users are named), but a
/// typed message always carries its sender.
pub fn typed_command(action: &StaffAction) -> Option<String> {
    fn word<K: PartialEq>(table: &[(K, &'static str)], key: K) -> Option<&'static str> {
        table.iter().find(|(k, _)| *k == key).map(|(_, w)| *w)
    }
    Some(match action {
        StaffAction::Take(n) => format!("対応 #{n}"),
        StaffAction::Call(n, kind) => format!("記録 #{n} {}", word(&CALL_WORDS, *kind)?),
        StaffAction::AskClose(n) => format!("終了 #{n}"),
        StaffAction::Close {
            case,
            outcome,
            confirmed,
        } => {
            let said = word(&OUTCOME_WORDS, *outcome)?;
            match *confirmed && outcome.needs_confirmation() {
                true => format!("終了 #{case} {said} {CONFIRMED}"),
                false => format!("終了 #{case} {said}"),
            }
        }
        StaffAction::Note(..)
        | StaffAction::Show(_)
        | StaffAction::Report(_)
        | StaffAction::OnDuty
        | StaffAction::MoveRoom
        | StaffAction::Approve(_)
        | StaffAction::ResumeChecks(_) => return None,
    })
}

/// The staff room's typed commands: 「案件 #1042」, 「メモ #1042 …」, 「月次レポート [yyyy-mm]」,
/// 「当番」, 「再開 #1042」 (undoing 死亡), and the buttons' typed forms (`typed_command`):
/// 「対応 #1042」, 「記録 #1042 不在」, 「終了 #1042」, 「終了 #1042 無事」, 「終了 #1042 死亡 はい」.
fn parse_staff_command(text: &str) -> Option<StaffAction> {
    if let Some(rest) = text.strip_prefix("再開") {
        return case_number(rest)
            .filter(|(_, tail)| tail.is_empty())
            .map(|(n, _)| StaffAction::ResumeChecks(n));
    }
    if let Some(rest) = text.strip_prefix("対応") {
        return case_number(rest)
            .filter(|(_, tail)| tail.is_empty())
            .map(|(n, _)| StaffAction::Take(n));
    }
    if let Some(rest) = text.strip_prefix("記録") {
        let (n, said) = case_number(rest)?;
        let (kind, _) = CALL_WORDS.iter().find(|(_, w)| *w == said)?;
        return Some(StaffAction::Call(n, *kind));
    }
    if let Some(rest) = text.strip_prefix("終了") {
        let (n, said) = case_number(rest)?;
        if said.is_empty() {
            return Some(StaffAction::AskClose(n));
        }
        let (said, confirmed) = match said.strip_suffix(CONFIRMED) {
            Some(said) => (said.trim_end(), true),
            None => (said, false),
        };
        let (outcome, _) = OUTCOME_WORDS.iter().find(|(_, w)| *w == said)?;
        return Some(StaffAction::Close {
            case: n,
            outcome: *outcome,
            confirmed: confirmed || !outcome.needs_confirmation(),
        });
    }
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
    if let Some(name) = text.strip_prefix("スタッフ承認") {
        let name = name.trim();
        let name = name.strip_suffix("さん").unwrap_or(name).trim();
        return (!name.is_empty()).then(|| StaffAction::Approve(Approvee::Name(name.to_owned())));
    }
    match text {
        "当番" => Some(StaffAction::OnDuty),
        "スタッフルーム移動" => Some(StaffAction::MoveRoom),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Cadence;
    use serde_json::json;

    #[test]
    fn a_contact_types_safe_with_the_case_number() {
        assert_eq!(contact_safe_typed("無事 #1042"), Some(1042));
        assert_eq!(contact_safe_typed("無事＃1042"), Some(1042));
        assert_eq!(contact_safe_typed("SAFE #1042"), Some(1042));
        for not in ["無事", "無事です", "無事 #1042 です", "safely", "safe", "平和 #1042"] {
            assert_eq!(contact_safe_typed(not), None, "{not}");
        }
    }

    #[test]
    fn an_old_death_confirmation_asks_again_and_a_fresh_one_closes() {
        let asked = jiff::Timestamp::from_second(1_795_600_000).unwrap();
        let button = Postback::ConfirmClose(1042, Outcome::Deceased, asked);
        let closes = |now: jiff::Timestamp| match staff_button(button.clone(), Some(now)) {
            Some(StaffAction::Close { confirmed, .. }) => confirmed,
            other => panic!("{other:?}"),
        };
        assert!(closes(asked + jiff::SignedDuration::from_hours(23)));
        assert!(!closes(asked + jiff::SignedDuration::from_hours(25)));
        // An old button without its time is as old as can be.
        let legacy = Postback::read("case:close:1042:deceased:confirm").unwrap();
        assert!(
            matches!(legacy, Postback::ConfirmClose(1042, Outcome::Deceased, t) if t == jiff::Timestamp::UNIX_EPOCH)
        );
    }

    #[test]
    fn every_staff_button_has_a_typed_form_that_reads_back_as_the_same_action() {
        let n = 1042;
        let mut actions = vec![StaffAction::Take(n), StaffAction::AskClose(n)];
        actions.extend(CallKind::ALL.iter().map(|k| StaffAction::Call(n, *k)));
        for outcome in Outcome::STAFF {
            for confirmed in [false, true] {
                if confirmed || outcome.needs_confirmation() {
                    actions.push(StaffAction::Close {
                        case: n,
                        outcome,
                        confirmed,
                    });
                }
            }
        }
        for action in actions {
            let typed = typed_command(&action).expect("a typed form");
            assert_eq!(parse_staff_command(&typed), Some(action), "{typed}");
        }
        // 死亡 typed alone asks for the confirmation, as its button does; unknown words
        // and missing numbers are nothing.
        assert_eq!(
            parse_staff_command("終了 ＃1042 死亡"),
            Some(StaffAction::Close {
                case: n,
                outcome: Outcome::Deceased,
                confirmed: false
            })
        );
        assert_eq!(parse_staff_command("再開 ＃1042"), Some(StaffAction::ResumeChecks(n)));
        for text in [
            "記録 #1042 電話",
            "終了 #1042 はい",
            "対応",
            "対応 #1042 すぐ",
            "終了 無事",
            "再開",
            "再開 #1042 今すぐ",
        ] {
            assert_eq!(parse_staff_command(text), None, "{text}");
        }
    }

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
        let data = format!("ok:1764028800:{}", button_tag(&UserId::new(U).unwrap()));
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
                chat: ChatId::new(G).unwrap(),
                user: Some(UserId::new(U).unwrap()),
                code: "abc123".into()
            }
        );
    }

    #[test]
    fn setting_buttons_are_read_strictly() {
        let user = json!({"type":"user","userId":U});
        let press = |data: &str, params: Value| {
            event(json!({"type":"postback","source":user,"postback":{"data":data,"params":params}})).intent()
        };
        let setting = |setting| Intent::Setting {
            user: UserId::new(U).unwrap(),
            setting,
        };
        assert_eq!(
            press("set:cadence", json!({})),
            setting(Setting::Button(Postback::ChooseCadence))
        );
        assert_eq!(
            press("set:cadence:week", json!({})),
            setting(Setting::Button(Postback::ChooseWeekday))
        );
        assert_eq!(
            press("set:cadence:week-MON", json!({})),
            setting(Setting::Button(Postback::ChooseTime(Cadence::Week {
                weekday: crate::schedule::WeekdayName::Mon
            })))
        );
        assert_eq!(
            press("set:time:2", json!({"time":"07:30"})),
            setting(Setting::Button(Postback::SetSchedule {
                cadence: Cadence::Days { n: 2 },
                hour: 7,
                minute: 30
            }))
        );
        assert_eq!(
            press("pause:days:7", json!({})),
            setting(Setting::Button(Postback::PauseFor { days: 7 }))
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
            assert!(matches!(press(bad, json!({})), Intent::InvalidButton { .. }), "{bad}");
        }
        assert!(matches!(
            press("set:time:day", json!({"time":"24:00"})),
            Intent::InvalidButton { .. }
        ));
    }

    #[test]
    fn standby_events_are_ignored_but_for_signs_of_life_and_changes_of_state_and_unknown_ones_too() {
        let mut consent =
            event(json!({"type":"postback","source":{"type":"user","userId":U},"postback":{"data":"onboard:done"}}));
        consent.mode = Mode::Standby;
        assert_eq!(consent.intent(), Intent::Ignore(Ignored::Standby));
        let mut back =
            event(json!({"type":"follow","source":{"type":"user","userId":U},"follow":{"isUnblocked":true}}));
        back.mode = Mode::Standby;
        assert!(
            matches!(back.intent(), Intent::Follow { unblocked: true, .. }),
            "{:?}",
            back.intent()
        );
        let mut removed = event(json!({"type":"leave","source":{"type":"group","groupId":G}}));
        removed.mode = Mode::Standby;
        assert!(
            matches!(removed.intent(), Intent::LeftChat { .. }),
            "{:?}",
            removed.intent()
        );
        let mut text = event(
            json!({"type":"message","source":{"type":"user","userId":U},"message":{"type":"text","id":"1","text":"元気です"}}),
        );
        text.mode = Mode::Standby;
        assert!(
            matches!(text.intent(), Intent::SignOfLife { .. }),
            "{:?}",
            text.intent()
        );
        let mut gone = event(json!({"type":"unfollow","source":{"type":"user","userId":U}}));
        gone.mode = Mode::Standby;
        assert!(matches!(gone.intent(), Intent::Unfollow { .. }));
        let unknown = event(json!({"type":"videoPlayComplete","source":{"type":"user","userId":U}}));
        assert_eq!(unknown.intent(), Intent::Ignore(Ignored::UnknownEventType));
    }

    #[test]
    fn body_that_is_not_a_webhook_is_an_error() {
        assert!(parse_body(b"not json").is_err());
        assert!(parse_body(b"{}").is_err());
        assert_eq!(parse_body(br#"{"destination":"U1","events":[]}"#).unwrap().len(), 0);
        let bad = parse_body(br#"{"events":[{"type":"follow"}]}"#).unwrap();
        assert_eq!(bad[0].as_ref().unwrap_err().anonymous_reply, None);
        // A person LINE does not name (no user id) is owed an answer; nobody else is.
        let anonymous = parse_body(
            br#"{"events":[{"type":"message","mode":"active","timestamp":1,"webhookEventId":"01J0ABCDEF0123456789ABCDEF","deliveryContext":{"isRedelivery":false},"replyToken":"r1","source":{"type":"user"},"message":{"type":"text","id":"1","text":"hi"}}]}"#,
        )
        .unwrap();
        let unreadable = anonymous[0].as_ref().unwrap_err();
        assert_eq!(unreadable.anonymous_reply.as_deref(), Some("r1"));
        assert!(
            !unreadable.summary.contains("hi"),
            "no content in the log: {}",
            unreadable.summary
        );
        let standby = parse_body(
            br#"{"events":[{"type":"message","mode":"standby","timestamp":1,"source":{"type":"user"},"message":{"type":"text","id":"1","text":"hi"}}]}"#,
        )
        .unwrap();
        assert_eq!(standby[0].as_ref().unwrap_err().anonymous_reply, None);
        // An event id is checked before it goes into a key.
        for id in ["", "01J0#USER#U1", &"A".repeat(65), "01J0ABCDEF/../x"] {
            let body = format!(
                r#"{{"events":[{{"type":"unfollow","mode":"active","timestamp":1,"webhookEventId":{id:?},"deliveryContext":{{"isRedelivery":false}},"source":{{"type":"user","userId":"{U}"}}}}]}}"#
            );
            let parsed = parse_body(body.as_bytes()).unwrap();
            assert!(parsed[0].is_err(), "{id}");
        }
    }
}
