//! `/_sim/` control endpoints, so the standalone binary can be driven with curl: set up people, build signed webhooks, read what was delivered.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::http::ApiResponse;
use crate::{Content, Origin, Simulator};

/// `rest` is the path after `/_sim/`. No auth: this is a local test tool.
pub(crate) fn handle(sim: &Simulator, method: &Method, rest: &str, body: &[u8]) -> ApiResponse {
    let result = match (method.as_str(), rest) {
        ("GET", "deliveries") => to_json(&sim.deliveries()),
        ("GET", "requests") => to_json(&sim.requests()),
        ("GET", "billing") => Ok(json!({ "billedMessages": sim.billed_messages() })),
        ("POST", "users") => parse(body).and_then(|b| {
            sim.add_user(text(&b, "userId")?, text(&b, "displayName")?);
            Ok(json!({}))
        }),
        ("POST", "groups") => parse(body).and_then(|b| {
            let members = strings(&b, "memberIds");
            let members: Vec<&str> = members.iter().map(String::as_str).collect();
            sim.add_group(text(&b, "groupId")?, text(&b, "name")?, &members);
            Ok(json!({}))
        }),
        ("POST", "rooms") => parse(body).and_then(|b| {
            let members = strings(&b, "memberIds");
            let members: Vec<&str> = members.iter().map(String::as_str).collect();
            sim.add_room(text(&b, "roomId")?, &members);
            Ok(json!({}))
        }),
        ("POST", "events") => parse(body).and_then(|b| event(sim, &b)),
        _ => {
            return ApiResponse::not_found();
        }
    };
    match result {
        Ok(value) => ApiResponse::ok(value),
        Err(message) => ApiResponse::error(StatusCode::BAD_REQUEST, &message),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, String> {
    serde_json::to_value(value).map_err(|e| e.to_string())
}

fn parse(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))
}

fn text<'a>(body: &'a Value, key: &str) -> Result<&'a str, String> {
    body.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("`{key}` (string) is required"))
}

fn strings(body: &Value, key: &str) -> Vec<String> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// Builds one event like the library calls do and returns `{"body","signature"}` ready to POST to a webhook.
fn event(sim: &Simulator, b: &Value) -> Result<Value, String> {
    let users = strings(b, "userIds");
    let users: Vec<&str> = users.iter().map(String::as_str).collect();
    // A room is addressed by `roomId`; join/leave/member events take either id.
    let room = b.get("roomId").and_then(Value::as_str);
    let group = b.get("groupId").and_then(Value::as_str).or(room);
    // In a group or room, `userId` is optional: without it the source has none.
    let user = b.get("userId").and_then(Value::as_str);
    let origin = match (room, b.get("groupId").and_then(Value::as_str)) {
        (Some(room_id), _) => Origin::Room { room_id, user_id: user },
        (None, Some(group_id)) => Origin::Group {
            group_id,
            user_id: user,
        },
        (None, None) => Origin::User(text(b, "userId")?),
    };
    let event = match (text(b, "type")?, group) {
        ("follow", _) => sim.follow(text(b, "userId")?),
        ("unfollow", _) => sim.unfollow(text(b, "userId")?),
        ("text", _) => sim.message(origin, Content::Text(text(b, "text")?)),
        ("sticker", _) => sim.message(
            origin,
            Content::Sticker {
                package_id: text(b, "packageId")?,
                sticker_id: text(b, "stickerId")?,
            },
        ),
        ("image", _) => sim.message(origin, Content::Image),
        ("postback", _) => sim.postback_from(origin, text(b, "data")?, &[]),
        ("join", Some(g)) => sim.join(g),
        ("leave", Some(g)) => sim.leave(g),
        ("memberJoined", Some(g)) => sim.member_joined(g, &users),
        ("memberLeft", Some(g)) => sim.member_left(g, &users),
        (kind, _) => {
            return Err(format!(
                "unsupported event `{kind}` (group events need `groupId` or `roomId`)"
            ));
        }
    };
    let signed = sim.signed(&[event]);
    Ok(json!({ "body": signed.body, "signature": signed.signature }))
}
