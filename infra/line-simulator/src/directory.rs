//! Profile and group endpoints: who the bot can see and which groups it is in.

use axum::http::StatusCode;
use serde_json::json;

use crate::http::{ApiResponse, Call, Outcome};
use crate::state::{ChatKind, Group};

/// Only current friends have a visible profile; blocked or never-followed users are 404 [LINE-API.md 4].
pub(crate) fn profile(call: &mut Call<'_>, user_id: &str) -> Outcome {
    match call.state.users.get(user_id) {
        Some(user) if user.friend => Ok(ApiResponse::ok(json!({
            "displayName": user.display_name,
            "userId": user_id,
        }))),
        _ => Err(ApiResponse::not_found()),
    }
}

/// A group or room the bot is in, looked up through the endpoints of `kind`. The id of a chat of
/// the other kind is a 400: LINE answers "The value for the 'groupId' parameter is invalid" for
/// an invalid group id [review A9, get-group-member-profile]; the room message mirrors it.
fn joined<'a>(call: &'a Call<'_>, kind: ChatKind, id: &str) -> Result<&'a Group, ApiResponse> {
    if call.state.is_other_kind(id, kind) {
        let message = match kind {
            ChatKind::Group => "The value for the 'groupId' parameter is invalid",
            ChatKind::Room => "The value for the 'roomId' parameter is invalid",
        };
        return Err(ApiResponse::error(StatusCode::BAD_REQUEST, message));
    }
    call.state.joined_chat(id).ok_or_else(ApiResponse::not_found)
}

/// Any member of a group or room the bot is in, friend or not; members the test never
/// registered get their id as display name.
pub(crate) fn member(call: &mut Call<'_>, kind: ChatKind, chat_id: &str, user_id: &str) -> Outcome {
    let chat = joined(call, kind, chat_id)?;
    if !chat.members.iter().any(|m| m == user_id) {
        return Err(ApiResponse::not_found());
    }
    let display_name = call
        .state
        .users
        .get(user_id)
        .map_or(user_id, |u| u.display_name.as_str());
    Ok(ApiResponse::ok(json!({
        "displayName": display_name,
        "userId": user_id,
    })))
}

/// Groups only: rooms have no name and no summary endpoint.
pub(crate) fn group_summary(call: &mut Call<'_>, group_id: &str) -> Outcome {
    let group = joined(call, ChatKind::Group, group_id)?;
    Ok(ApiResponse::ok(json!({
        "groupId": group_id,
        "groupName": group.name,
    })))
}

/// The count excludes the bot, which is never stored as a member.
pub(crate) fn member_count(call: &mut Call<'_>, kind: ChatKind, chat_id: &str) -> Outcome {
    let chat = joined(call, kind, chat_id)?;
    Ok(ApiResponse::ok(json!({ "count": chat.members.len() })))
}

pub(crate) fn leave(call: &mut Call<'_>, kind: ChatKind, chat_id: &str) -> Outcome {
    joined(call, kind, chat_id)?;
    if let Some(chat) = call.state.groups.get_mut(chat_id) {
        chat.bot_in = false;
    }
    Ok(ApiResponse::ok(json!({})))
}
