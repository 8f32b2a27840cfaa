//! Push, reply and multicast, with LINE's retry-key, reply-token, billing and quota rules.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::http::{ApiResponse, Call, Outcome, finish};
use crate::ids;
use crate::messages::{Checker, Destination, mention_problems};
use crate::types::{Delivery, Via};

/// Multicast accepts at most 500 user ids per request [LINE-API.md 2.3].
const MULTICAST_MAX: usize = 500;

/// The `sentMessages` entry LINE returns for each message object sent.
fn sent_messages(messages: &[Value]) -> Value {
    messages
        .iter()
        .map(|_| json!({ "id": ids::message_id(), "quoteToken": ids::quote_token() }))
        .collect()
}

/// The validated `messages` array, after `finish` has reported any problems.
fn messages_of(body: &Value) -> Vec<Value> {
    body.get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn check_notification_disabled(checker: &mut Checker, body: &Value) {
    if body
        .get("notificationDisabled")
        .is_some_and(|v| !v.is_boolean() && !v.is_null())
    {
        checker.fail("notificationDisabled", "must be a boolean");
    }
}

/// Bills `cost` messages. Once the allowance is used up every send answers 429 "You have reached
/// your monthly limit." [LINE-API.md 2.5, 2.7], even one that would cost nothing (a blocked user);
/// a send that would pass the limit is refused whole, which LINE does not document.
fn charge(call: &mut Call<'_>, cost: u64) -> Result<(), ApiResponse> {
    if let Some(limit) = call.state.monthly_limit
        && (call.state.billed >= limit || call.state.billed + cost > limit)
    {
        return Err(ApiResponse::error(
            StatusCode::TOO_MANY_REQUESTS,
            "You have reached your monthly limit.",
        ));
    }
    call.state.billed += cost;
    Ok(())
}

fn deliver(call: &mut Call<'_>, via: Via, to: &str, messages: &[Value], retry_key: Option<&str>) {
    call.state.deliveries.push(Delivery {
        at: call.now,
        via,
        to: to.to_owned(),
        messages: messages.to_vec(),
        retry_key: retry_key.map(str::to_owned),
    });
}

/// The 400 for mentions that do not fit where the messages go; the body has the shape of any
/// other invalid request, with one detail per offending mention.
fn check_mentions(call: &Call<'_>, messages: &[Value], to: &Destination<'_>) -> Result<(), ApiResponse> {
    let details = mention_problems(messages, to, call.bot_user_id);
    if details.is_empty() {
        Ok(())
    } else {
        Err(ApiResponse::invalid(details))
    }
}

/// How the mention rules see chat `id`: a group or room the bot is in, or a 1:1 chat.
fn destination<'a>(call: &'a Call<'_>, id: &str) -> Destination<'a> {
    match call.state.joined_chat(id) {
        Some(group) => Destination::Chat(&group.members),
        None => Destination::Users,
    }
}

/// Where a push lands: who sees it and how many messages LINE bills for it.
struct Recipient {
    delivered: bool,
    cost: u64,
}

fn resolve_push_target(call: &Call<'_>, to: &str) -> Result<Recipient, ApiResponse> {
    if let Some(user) = call.state.users.get(to) {
        // LINE answers 200 for users who blocked the bot but neither delivers nor bills [LINE-API.md 2.4, 2.7].
        return Ok(Recipient {
            delivered: user.friend,
            cost: u64::from(user.friend),
        });
    }
    if let Some(group) = call.state.joined_chat(to) {
        return Ok(Recipient {
            delivered: true,
            cost: group.members.len() as u64,
        });
    }
    // LINE does not document its answer for an id that never existed (or a group the bot has
    // left); the simulator chooses a plain 400 so a wrong id fails loudly in tests.
    Err(ApiResponse::error(StatusCode::BAD_REQUEST, "Failed to send messages"))
}

pub(crate) fn push(call: &mut Call<'_>) -> Outcome {
    let key = call.retry_key()?;
    call.already_accepted(key.as_deref())?;
    let body = call.json_body()?;
    let mut checker = Checker::default();
    let to = checker.string(&body, "to", "", true, 100).map(str::to_owned);
    checker.messages(&body);
    check_notification_disabled(&mut checker, &body);
    finish(checker)?;
    let to = to.unwrap_or_default();
    let messages = messages_of(&body);

    let recipient = resolve_push_target(call, &to)?;
    check_mentions(call, &messages, &destination(call, &to))?;
    charge(call, recipient.cost)?;
    if recipient.delivered {
        deliver(call, Via::Push, &to, &messages, key.as_deref());
    }
    let sent = sent_messages(&messages);
    call.accept_key(key, Some(sent.clone()));
    Ok(ApiResponse::ok(json!({ "sentMessages": sent })))
}

pub(crate) fn multicast(call: &mut Call<'_>) -> Outcome {
    let key = call.retry_key()?;
    call.already_accepted(key.as_deref())?;
    let body = call.json_body()?;
    let mut checker = Checker::default();
    let mut recipients: Vec<String> = Vec::new();
    if let Some(to) = checker.array(&body, "to", "", 1, MULTICAST_MAX) {
        for (i, id) in to.iter().enumerate() {
            match id.as_str() {
                Some(id) if call.state.groups.contains_key(id) => checker.fail(format!("to[{i}]"), "must be a user ID"),
                Some(id) => {
                    if !recipients.iter().any(|r| r == id) {
                        recipients.push(id.to_owned());
                    }
                }
                None => checker.fail(format!("to[{i}]"), "must be a string"),
            }
        }
    }
    checker.messages(&body);
    check_notification_disabled(&mut checker, &body);
    finish(checker)?;
    let messages = messages_of(&body);
    check_mentions(call, &messages, &Destination::Users)?;

    // Unknown ids and users who blocked the bot are skipped silently and not billed [LINE-API.md 2.7].
    let reachable: Vec<String> = recipients
        .into_iter()
        .filter(|id| call.state.users.get(id).is_some_and(|u| u.friend))
        .collect();
    charge(call, reachable.len() as u64)?;
    for user in &reachable {
        deliver(call, Via::Push, user, &messages, key.as_deref());
    }
    call.accept_key(key, None);
    Ok(ApiResponse::ok(json!({})))
}

pub(crate) fn reply(call: &mut Call<'_>) -> Outcome {
    let body = call.json_body()?;
    let mut checker = Checker::default();
    let token = checker.string(&body, "replyToken", "", true, 100).map(str::to_owned);
    checker.messages(&body);
    check_notification_disabled(&mut checker, &body);
    finish(checker)?;
    let messages = messages_of(&body);

    let invalid = || ApiResponse::error(StatusCode::BAD_REQUEST, "Invalid reply token");
    let token = token.ok_or_else(invalid)?;
    let chat = call
        .state
        .live_reply_token(&token, call.now, call.reply_token_ttl)
        .ok_or_else(invalid)?;
    // A rejected reply leaves the token unused: LINE does not document either way, and this lets
    // a bot fall back to a reply without the mention.
    check_mentions(call, &messages, &destination(call, &chat))?;
    call.state.use_reply_token(&token);
    // The chat may have gone away since the event (user blocked the bot, bot left the group).
    let reachable = call
        .state
        .users
        .get(&chat)
        .map_or_else(|| call.state.joined_chat(&chat).is_some(), |user| user.friend);
    if reachable {
        deliver(call, Via::Reply, &chat, &messages, None);
    }
    Ok(ApiResponse::ok(json!({ "sentMessages": sent_messages(&messages) })))
}

pub(crate) fn quota(call: &Call<'_>) -> ApiResponse {
    match call.state.monthly_limit {
        Some(limit) => ApiResponse::ok(json!({ "type": "limited", "value": limit })),
        None => ApiResponse::ok(json!({ "type": "none" })),
    }
}

pub(crate) fn consumption(call: &Call<'_>) -> ApiResponse {
    ApiResponse::ok(json!({ "totalUsage": call.state.billed }))
}
