//! Which chat is the staff room, and how that changes. 「スタッフ登録 <code>」 registers
//! the first room with the deployment's own code, once; while a room is registered
//! only a code issued for the purpose moves it: one the room itself asks for
//! (「スタッフルーム移動」, valid an hour) or one the operator's tool issues (valid a
//! day). Each code works once, wrong codes are throttled per chat, and the registered
//! room is told of every attempt from elsewhere.

use super::{App, AppError, Handled};
use crate::contact::InviteCode;
use crate::ids::{ChatId, OperatorId, UserId};
use crate::line::messages;
use crate::line::texts::{self, Text};
use crate::outbox::Recipient;
use crate::ports::StaffRooms;
use crate::staff::{self, CodeKind, Registration, StaffRoom};
use jiff::Timestamp;
use serde_json::Value;

/// 「スタッフ登録 <code>」 from `chat`, in the webhook event `event_id`.
/// Whoever sent it, with a code that registers the room, is its first approved staff.
pub(crate) async fn register(
    app: &App,
    chat: &ChatId,
    sender: Option<&UserId>,
    code: &str,
    event_id: &str,
) -> Result<(Handled, Vec<Value>), AppError> {
    let op = &app.operator.id;
    let now = app.clock.now();
    let say = |t: Text| vec![messages::text(app.operator.staff_lang, t)];
    let room = app.staff.staff_room(op).await?;
    if room.as_ref().is_some_and(|r| &r.chat_id == chat) {
        return Ok((Handled::StaffRoomAlready, say(Text::StaffRoomAlready)));
    }
    let tries = app.staff.wrong_staff_codes_this_hour(op, chat, now).await?;
    // The code is used up only when it will register the chat.
    let kind = match staff::registration(room.as_ref(), chat, CodeKind::Issued, tries) {
        Registration::Throttled => CodeKind::Wrong,
        _ => code_kind(app, room.as_ref(), code, now).await?,
    };
    match staff::registration(room.as_ref(), chat, kind, tries) {
        Registration::AlreadyHere => Ok((Handled::StaffRoomAlready, say(Text::StaffRoomAlready))),
        Registration::Throttled => Ok((Handled::StaffCodeThrottled, say(Text::StaffCodeTooManyTries))),
        Registration::Wrong { room } => {
            app.staff.record_wrong_staff_code(op, chat, now).await?;
            if let Some(room) = room {
                tell(app, &room, Text::StaffRoomAttempted, event_id).await;
            }
            Ok((Handled::StaffCodeWrong, say(Text::StaffCodeWrong)))
        }
        Registration::Refused { room } => {
            app.staff.record_wrong_staff_code(op, chat, now).await?;
            tell(app, &room, Text::StaffRoomAttempted, event_id).await;
            Ok((Handled::StaffRoomRefused, say(Text::StaffRoomElsewhere)))
        }
        Registration::Register { from } => {
            let room = StaffRoom {
                chat_id: chat.clone(),
                registered_at: now,
            };
            app.staff.set_staff_room(op, &room).await?;
            if let Some(user) = sender {
                super::cases::enrol(app, chat, user, true).await?;
            }
            if let Some(old) = from {
                tell(app, &old, Text::StaffRoomMovedAway, event_id).await;
            }
            Ok((Handled::StaffRoomRegistered, say(Text::StaffRoomRegistered)))
        }
    }
}

/// What the code is. An issued code is used up here; the deployment's own only when
/// no room is registered (it registers the first room, once).
async fn code_kind(app: &App, room: Option<&StaffRoom>, code: &str, now: Timestamp) -> Result<CodeKind, AppError> {
    let op = &app.operator.id;
    // An issued code however it was typed (full-width, lower case), else as typed.
    let issued = InviteCode::find_in(code).map(|c| staff::code_digest(c.as_str()));
    if let Some(digest) = &issued
        && app.staff.redeem_staff_code(op, digest, now).await?
    {
        return Ok(CodeKind::Issued);
    }
    let Some(initial) = &app.secrets.staff_room_code else {
        return Ok(CodeKind::Wrong);
    };
    // Digests compared, so the time taken says nothing about the code.
    let digest = staff::code_digest(code);
    if digest != staff::code_digest(initial.expose()) {
        return Ok(CodeKind::Wrong);
    }
    if room.is_some() {
        return Ok(CodeKind::Initial);
    }
    Ok(match app.staff.use_initial_staff_code(op, &digest, now).await? {
        true => CodeKind::Initial,
        false => CodeKind::InitialUsed,
    })
}

/// 「スタッフルーム移動」 in the staff room: a code, valid an hour, that moves it.
pub(crate) async fn move_code(app: &App) -> Result<(Handled, Vec<Value>), AppError> {
    let now = app.clock.now();
    let until = now + staff::MOVE_CODE_VALID;
    let code = issue_code(app.staff.as_ref(), &app.operator.id, until).await?;
    let lang = app.operator.staff_lang;
    let text = Text::StaffRoomMoveCode {
        code: code.as_str().to_owned(),
        until: texts::when(lang, until, &app.operator.zone),
    };
    Ok((Handled::StaffRoomMoveCodeIssued, vec![messages::text(lang, text)]))
}

/// A new registration code valid until `until`, kept by its digest only: what the
/// staff room's 「スタッフルーム移動」 and the operator's `staff-code` tool give.
pub async fn issue_code(staff: &dyn StaffRooms, op: &OperatorId, until: Timestamp) -> Result<InviteCode, AppError> {
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|e| AppError::Internal(format!("the system random source failed: {e}")))?;
    let code = InviteCode::from_random(random);
    staff
        .issue_staff_code(op, &staff::code_digest(code.as_str()), until)
        .await?;
    Ok(code)
}

/// The operator's tool: a code valid for [`staff::ISSUED_CODE_VALID`] from `now`.
pub async fn issue_operator_code(
    staff: &dyn StaffRooms,
    op: &OperatorId,
    now: Timestamp,
) -> Result<(InviteCode, Timestamp), AppError> {
    let until = now + staff::ISSUED_CODE_VALID;
    Ok((issue_code(staff, op, until).await?, until))
}

/// Tells a room something about the staff room, once per event whatever the retries.
/// Best effort: what it tells of has been refused or done already.
async fn tell(app: &App, room: &ChatId, text: Text, event_id: &str) {
    let key = uuid::Uuid::new_v5(&TOLD, format!("{}/{event_id}/{room}", app.operator.id).as_bytes());
    let message = messages::text(app.operator.staff_lang, text);
    if let Err(e) = app.line.push(&Recipient::Chat(room.clone()), &[message], key).await {
        tracing::warn!(error = %e, "staff_room_not_told");
    }
}

/// The namespace of the retry keys of what a room is told.
const TOLD: uuid::Uuid = uuid::Uuid::from_u128(0x7374_6166_6672_6f6f_8c1d_4a2e_91b3_57c0);
