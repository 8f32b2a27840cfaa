//! Profile and group endpoints: who the bot can see and which groups it is in.

use serde_json::json;

use crate::http::{ApiResponse, Call, Outcome};

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

/// Any member of a group the bot is in, friend or not; members the test never registered
/// get their id as display name.
pub(crate) fn group_member(call: &mut Call<'_>, group_id: &str, user_id: &str) -> Outcome {
    let group = call.state.joined_group(group_id).ok_or_else(ApiResponse::not_found)?;
    if !group.members.iter().any(|m| m == user_id) {
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

pub(crate) fn group_summary(call: &mut Call<'_>, group_id: &str) -> Outcome {
    let group = call.state.joined_group(group_id).ok_or_else(ApiResponse::not_found)?;
    Ok(ApiResponse::ok(json!({
        "groupId": group_id,
        "groupName": group.name,
    })))
}

/// The count excludes the bot, which is never stored as a member.
pub(crate) fn group_count(call: &mut Call<'_>, group_id: &str) -> Outcome {
    let group = call.state.joined_group(group_id).ok_or_else(ApiResponse::not_found)?;
    Ok(ApiResponse::ok(json!({ "count": group.members.len() })))
}

pub(crate) fn leave_group(call: &mut Call<'_>, group_id: &str) -> Outcome {
    match call.state.groups.get_mut(group_id) {
        Some(group) if group.bot_in => {
            group.bot_in = false;
            Ok(ApiResponse::ok(json!({})))
        }
        _ => Err(ApiResponse::not_found()),
    }
}
