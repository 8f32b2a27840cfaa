//! Builders for webhook events shaped like LINE's (LINE-API.md 1.2-1.4), and webhook signing.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::ids;
use crate::state::{ChatKind, State};
use crate::{Content, Origin, SimConfig};

/// A webhook request body and its `x-line-signature` header value.
#[derive(Clone, Debug)]
pub struct SignedWebhook {
    pub body: String,
    /// base64(HMAC-SHA256(channel secret, body bytes)).
    pub signature: String,
}

/// The `x-line-signature` LINE would send for `body`.
pub fn signature(channel_secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(channel_secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

pub(crate) fn signed(config: &SimConfig, events: &[Value]) -> SignedWebhook {
    // Serialised once so the signature covers exactly the bytes the caller will send.
    let body = json!({ "destination": config.bot_user_id, "events": events }).to_string();
    let signature = signature(&config.channel_secret, body.as_bytes());
    SignedWebhook { body, signature }
}

fn event(kind: &str, now: Timestamp, source: Value) -> Map<String, Value> {
    let mut e = Map::new();
    e.insert("type".into(), kind.into());
    e.insert("mode".into(), "active".into());
    e.insert("timestamp".into(), now.as_millisecond().into());
    e.insert("source".into(), source);
    e.insert("webhookEventId".into(), ids::ulid(now).into());
    e.insert("deliveryContext".into(), json!({ "isRedelivery": false }));
    e
}

fn user_source(user_id: &str) -> Value {
    json!({ "type": "user", "userId": user_id })
}

/// The source of a group or room event; its kind is the one the chat is registered as (an
/// unregistered id becomes a group). Only events a person caused carry a `userId`, and even those
/// may lack it [LINE-API.md 1.2].
fn chat_source(state: &mut State, chat_id: &str, user_id: Option<&str>) -> Value {
    let kind = state.group_mut(chat_id).kind;
    let mut source = json!({ "type": kind.as_str() });
    source[format!("{}Id", kind.as_str())] = chat_id.into();
    if let Some(user_id) = user_id {
        source["userId"] = user_id.into();
    }
    source
}

/// Source and reply-token chat for an event from `origin`.
fn origin_source(state: &mut State, origin: Origin<'_>) -> (Value, String) {
    match origin {
        Origin::User(user_id) => (user_source(user_id), user_id.to_owned()),
        Origin::UserWithoutId(user_id) => (json!({ "type": "user" }), user_id.to_owned()),
        Origin::Group { group_id, user_id } => {
            state.chat_mut(ChatKind::Group, group_id);
            (chat_source(state, group_id, user_id), group_id.to_owned())
        }
        Origin::Room { room_id, user_id } => {
            state.chat_mut(ChatKind::Room, room_id);
            (chat_source(state, room_id, user_id), room_id.to_owned())
        }
    }
}

fn with_reply_token(mut e: Map<String, Value>, state: &mut State, now: Timestamp, chat: &str) -> Map<String, Value> {
    e.insert("replyToken".into(), state.issue_reply_token(chat, now).into());
    e
}

pub(crate) fn follow(state: &mut State, now: Timestamp, user_id: &str) -> Value {
    let user = state.user_mut(user_id);
    let unblocked = user.ever_followed;
    user.friend = true;
    user.ever_followed = true;
    let mut e = with_reply_token(event("follow", now, user_source(user_id)), state, now, user_id);
    e.insert("follow".into(), json!({ "isUnblocked": unblocked }));
    Value::Object(e)
}

pub(crate) fn unfollow(state: &mut State, now: Timestamp, user_id: &str) -> Value {
    state.user_mut(user_id).friend = false;
    Value::Object(event("unfollow", now, user_source(user_id)))
}

/// The `message` object of a message event.
fn content(content: &Content<'_>) -> Value {
    let mut message = json!({ "id": ids::message_id(), "quoteToken": ids::quote_token() });
    match content {
        Content::Text(text) => {
            message["type"] = "text".into();
            message["text"] = (*text).into();
        }
        Content::Sticker { package_id, sticker_id } => {
            message["type"] = "sticker".into();
            message["packageId"] = (*package_id).into();
            message["stickerId"] = (*sticker_id).into();
            message["stickerResourceType"] = "STATIC".into();
        }
        Content::Image => {
            message["type"] = "image".into();
            message["contentProvider"] = json!({ "type": "line" });
        }
    }
    message
}

pub(crate) fn message(state: &mut State, now: Timestamp, origin: Origin<'_>, message: &Content<'_>) -> Value {
    let (source, chat) = origin_source(state, origin);
    if let Content::Text(text) = message {
        state.typed.push((*text).to_owned());
    }
    let mut e = with_reply_token(event("message", now, source), state, now, &chat);
    e.insert("message".into(), content(message));
    Value::Object(e)
}

pub(crate) fn postback(
    state: &mut State,
    now: Timestamp,
    origin: Origin<'_>,
    data: &str,
    params: &[(&str, &str)],
) -> Value {
    let (source, chat) = origin_source(state, origin);
    let mut e = with_reply_token(event("postback", now, source), state, now, &chat);
    let mut postback = json!({ "data": data });
    if !params.is_empty() {
        let params: Map<String, Value> = params.iter().map(|(k, v)| ((*k).to_owned(), Value::from(*v))).collect();
        postback["params"] = Value::Object(params);
    }
    e.insert("postback".into(), postback);
    Value::Object(e)
}

pub(crate) fn join(state: &mut State, now: Timestamp, group_id: &str) -> Value {
    state.group_mut(group_id).bot_in = true;
    let e = event("join", now, chat_source(state, group_id, None));
    Value::Object(with_reply_token(e, state, now, group_id))
}

pub(crate) fn leave(state: &mut State, now: Timestamp, group_id: &str) -> Value {
    state.group_mut(group_id).bot_in = false;
    Value::Object(event("leave", now, chat_source(state, group_id, None)))
}

fn members(user_ids: &[&str]) -> Value {
    json!({
        "members": user_ids
            .iter()
            .map(|u| json!({ "type": "user", "userId": u }))
            .collect::<Vec<_>>()
    })
}

pub(crate) fn member_joined(state: &mut State, now: Timestamp, group_id: &str, user_ids: &[&str]) -> Value {
    let group = state.group_mut(group_id);
    for user_id in user_ids {
        if !group.members.iter().any(|m| m == user_id) {
            group.members.push((*user_id).to_owned());
        }
    }
    let e = event("memberJoined", now, chat_source(state, group_id, None));
    let mut e = with_reply_token(e, state, now, group_id);
    e.insert("joined".into(), members(user_ids));
    Value::Object(e)
}

pub(crate) fn member_left(state: &mut State, now: Timestamp, group_id: &str, user_ids: &[&str]) -> Value {
    state
        .group_mut(group_id)
        .members
        .retain(|m| !user_ids.contains(&m.as_str()));
    let mut e = event("memberLeft", now, chat_source(state, group_id, None));
    e.insert("left".into(), members(user_ids));
    Value::Object(e)
}

pub(crate) fn as_redelivery(event: &Value) -> Value {
    let mut e = event.clone();
    if let Some(map) = e.as_object_mut() {
        map.insert("deliveryContext".into(), json!({ "isRedelivery": true }));
    }
    e
}

/// Standby events carry no reply token [LINE-API.md 2.1; review S7].
pub(crate) fn as_standby(event: &Value) -> Value {
    let mut e = event.clone();
    if let Some(map) = e.as_object_mut() {
        map.insert("mode".into(), "standby".into());
        map.remove("replyToken");
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_hmac_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let sig = signature("Jefe", b"what do ya want for nothing?");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(sig)
            .expect("valid base64");
        let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
