//! Builders for webhook events shaped like LINE's (LINE-API.md 1.2-1.4), and webhook signing.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::SimConfig;
use crate::ids;
use crate::state::State;

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

/// Group sources carry a userId only for events a person caused (messages, postbacks).
fn group_source(group_id: &str, user_id: Option<&str>) -> Value {
    match user_id {
        Some(user_id) => json!({ "type": "group", "groupId": group_id, "userId": user_id }),
        None => json!({ "type": "group", "groupId": group_id }),
    }
}

/// Source and reply-token chat for an event from `user_id`, in a group or 1:1.
fn chat_source(group_id: Option<&str>, user_id: &str) -> (Value, String) {
    match group_id {
        Some(group_id) => (group_source(group_id, Some(user_id)), group_id.to_owned()),
        None => (user_source(user_id), user_id.to_owned()),
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

pub(crate) fn text(state: &mut State, now: Timestamp, group_id: Option<&str>, user_id: &str, text: &str) -> Value {
    let (source, chat) = chat_source(group_id, user_id);
    let mut e = with_reply_token(event("message", now, source), state, now, &chat);
    e.insert(
        "message".into(),
        json!({
            "type": "text",
            "id": ids::message_id(),
            "quoteToken": ids::quote_token(),
            "text": text,
        }),
    );
    Value::Object(e)
}

pub(crate) fn postback(
    state: &mut State,
    now: Timestamp,
    group_id: Option<&str>,
    user_id: &str,
    data: &str,
    params: &[(&str, &str)],
) -> Value {
    let (source, chat) = chat_source(group_id, user_id);
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
    let e = event("join", now, group_source(group_id, None));
    Value::Object(with_reply_token(e, state, now, group_id))
}

pub(crate) fn leave(state: &mut State, now: Timestamp, group_id: &str) -> Value {
    state.group_mut(group_id).bot_in = false;
    Value::Object(event("leave", now, group_source(group_id, None)))
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
    let e = event("memberJoined", now, group_source(group_id, None));
    let mut e = with_reply_token(e, state, now, group_id);
    e.insert("joined".into(), members(user_ids));
    Value::Object(e)
}

pub(crate) fn member_left(state: &mut State, now: Timestamp, group_id: &str, user_ids: &[&str]) -> Value {
    state
        .group_mut(group_id)
        .members
        .retain(|m| !user_ids.contains(&m.as_str()));
    let mut e = event("memberLeft", now, group_source(group_id, None));
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

/// Keeps the reply token usable so a test can catch a bot that wrongly answers a standby event.
pub(crate) fn as_standby(event: &Value) -> Value {
    let mut e = event.clone();
    if let Some(map) = e.as_object_mut() {
        map.insert("mode".into(), "standby".into());
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
