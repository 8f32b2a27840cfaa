//! The simulated channel's mutable world: people, groups, tokens, retry keys, and the record of what happened.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::types::{ApiCall, Delivery, Endpoint, Failure};

/// Reply tokens are usable for one minute after the webhook was sent [LINE-API.md 2.1]; the
/// default of [`crate::SimConfig::reply_token_ttl`].
pub(crate) const REPLY_TOKEN_TTL: SignedDuration = SignedDuration::from_secs(60);
/// A redelivered event's token is never usable once 20 minutes have passed since the event
/// [LINE-API.md 2.1; review C].
pub(crate) const REDELIVERED_TOKEN_LIMIT: SignedDuration = SignedDuration::from_mins(20);
/// Retry keys are remembered for 24 hours [LINE-API.md 2.4, unconfirmed].
pub(crate) const RETRY_KEY_TTL: SignedDuration = SignedDuration::from_hours(24);

pub(crate) struct User {
    pub display_name: String,
    /// Currently a friend: pushes reach them and their profile is visible.
    pub friend: bool,
    /// Has ever followed, so a new follow is an unblock.
    pub ever_followed: bool,
}

/// A group chat or a multi-person chat ("room"): the same for messaging and billing, but served by
/// different endpoints and named differently in event sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChatKind {
    Group,
    Room,
}

impl ChatKind {
    /// The `source.type` and the path segment of its endpoints.
    pub fn as_str(self) -> &'static str {
        match self {
            ChatKind::Group => "group",
            ChatKind::Room => "room",
        }
    }
}

/// A group or room; see [`ChatKind`].
pub(crate) struct Group {
    pub kind: ChatKind,
    /// Rooms have no name; for them this is the room id.
    pub name: String,
    /// Human members; the bot is never listed.
    pub members: Vec<String>,
    pub bot_in: bool,
}

pub(crate) struct ReplyToken {
    /// The user or group the reply goes to.
    pub chat: String,
    /// When the event happened and was first delivered.
    pub issued_at: Timestamp,
    /// When the event was last redelivered, if it was.
    pub redelivered_at: Option<Timestamp>,
    pub used: bool,
}

pub(crate) struct AcceptedKey {
    pub request_id: String,
    pub at: Timestamp,
    /// What the accepted request answered, repeated in the 409 body.
    pub sent_messages: Option<Value>,
}

pub(crate) struct ArmedFailure {
    pub endpoint: Endpoint,
    pub failure: Failure,
    pub remaining: usize,
}

pub(crate) struct RichMenu {
    pub id: String,
    pub body: Value,
    pub image: Option<(String, Vec<u8>)>,
}

#[derive(Default)]
pub(crate) struct State {
    pub users: HashMap<String, User>,
    pub groups: HashMap<String, Group>,
    pub reply_tokens: HashMap<String, ReplyToken>,
    pub retry_keys: HashMap<String, AcceptedKey>,
    pub failures: Vec<ArmedFailure>,
    /// Failures on a share of the calls (the chaos run), after the armed ones.
    pub rate_failures: Vec<RateFailure>,
    pub deliveries: Vec<Delivery>,
    pub requests: Vec<ApiCall>,
    pub billed: u64,
    pub monthly_limit: Option<u64>,
    /// The channel's access token was revoked (reissued in the console, or expired):
    /// every API call is refused with 401 until it is valid again.
    pub token_revoked: bool,
    /// In creation order, which is what the list endpoint returns.
    pub rich_menus: Vec<RichMenu>,
    pub default_rich_menu: Option<String>,
    pub user_rich_menus: HashMap<String, String>,
    /// Every text a person sent the bot, in order: what the service must never log.
    pub typed: Vec<String>,
}

impl State {
    pub fn add_user(&mut self, user_id: &str, display_name: &str) {
        self.users
            .entry(user_id.to_owned())
            .and_modify(|u| u.display_name = display_name.to_owned())
            .or_insert_with(|| User {
                display_name: display_name.to_owned(),
                friend: false,
                ever_followed: false,
            });
    }

    /// Events may name people the test never registered; invent them rather than fail.
    pub fn user_mut(&mut self, user_id: &str) -> &mut User {
        self.users.entry(user_id.to_owned()).or_insert_with(|| {
            tracing::warn!(user_id, "event for an unregistered user; registering it");
            User {
                display_name: user_id.to_owned(),
                friend: false,
                ever_followed: false,
            }
        })
    }

    pub fn add_group(&mut self, group_id: &str, name: &str, member_ids: &[&str]) {
        self.add_chat(ChatKind::Group, group_id, name, member_ids);
    }

    pub fn add_chat(&mut self, kind: ChatKind, group_id: &str, name: &str, member_ids: &[&str]) {
        self.groups.insert(
            group_id.to_owned(),
            Group {
                kind,
                name: name.to_owned(),
                members: member_ids.iter().map(|m| (*m).to_owned()).collect(),
                bot_in: true,
            },
        );
    }

    /// The group or room `group_id`; an unregistered id is registered as a group.
    pub fn group_mut(&mut self, group_id: &str) -> &mut Group {
        self.chat_mut(ChatKind::Group, group_id)
    }

    /// The group or room `id`; an unregistered id is registered as `kind`.
    pub fn chat_mut(&mut self, kind: ChatKind, id: &str) -> &mut Group {
        self.groups.entry(id.to_owned()).or_insert_with(|| {
            tracing::warn!(
                id,
                kind = kind.as_str(),
                "event for an unregistered chat; registering it"
            );
            Group {
                kind,
                name: id.to_owned(),
                members: Vec::new(),
                bot_in: true,
            }
        })
    }

    /// A group or room the bot is currently in, as push and reply see it.
    pub fn joined_chat(&self, id: &str) -> Option<&Group> {
        self.groups.get(id).filter(|g| g.bot_in)
    }

    /// Whether `id` is registered as a chat of another kind than `kind`.
    pub fn is_other_kind(&self, id: &str, kind: ChatKind) -> bool {
        self.groups.get(id).is_some_and(|g| g.kind != kind)
    }

    pub fn issue_reply_token(&mut self, chat: &str, now: Timestamp) -> String {
        let token = crate::ids::hex32();
        self.reply_tokens.insert(
            token.clone(),
            ReplyToken {
                chat: chat.to_owned(),
                issued_at: now,
                redelivered_at: None,
                used: false,
            },
        );
        token
    }

    /// The chat a reply with this token goes to, or None if it is unknown, used or expired: live
    /// for `ttl` after the event, or for `ttl` after a redelivery but never once 20 minutes have
    /// passed since the event.
    pub fn live_reply_token(&self, token: &str, now: Timestamp, ttl: SignedDuration) -> Option<String> {
        let entry = self.reply_tokens.get(token)?;
        let since_event = now.duration_since(entry.issued_at);
        let fresh = since_event <= ttl;
        let redelivered = entry
            .redelivered_at
            .is_some_and(|at| now.duration_since(at) <= ttl && since_event < REDELIVERED_TOKEN_LIMIT);
        if entry.used || !(fresh || redelivered) {
            return None;
        }
        Some(entry.chat.clone())
    }

    /// Records that the event carrying `token` was redelivered at `now`.
    pub fn redeliver_reply_token(&mut self, token: &str, now: Timestamp) {
        if let Some(entry) = self.reply_tokens.get_mut(token) {
            entry.redelivered_at = Some(now);
        }
    }

    /// Reply tokens are single use.
    pub fn use_reply_token(&mut self, token: &str) {
        if let Some(entry) = self.reply_tokens.get_mut(token) {
            entry.used = true;
        }
    }

    pub fn accepted_key(&self, key: &str, now: Timestamp) -> Option<&AcceptedKey> {
        self.retry_keys
            .get(key)
            .filter(|k| now.duration_since(k.at) < RETRY_KEY_TTL)
    }

    pub fn arm_failure(&mut self, endpoint: Endpoint, failure: Failure, times: usize) {
        if times > 0 {
            self.failures.push(ArmedFailure {
                endpoint,
                failure,
                remaining: times,
            });
        }
    }

    /// The oldest armed failure matching this call, consuming one use of it; else one
    /// drawn by a rate rule.
    pub fn take_failure(&mut self, endpoint: Option<Endpoint>) -> Option<Failure> {
        let matches = |e: Endpoint| e == Endpoint::Any || Some(e) == endpoint;
        let Some(index) = self.failures.iter().position(|f| matches(f.endpoint)) else {
            return self
                .rate_failures
                .iter_mut()
                .filter(|r| matches(r.endpoint))
                .find_map(RateFailure::draw);
        };
        let armed = &mut self.failures[index];
        let failure = armed.failure.clone();
        armed.remaining -= 1;
        if armed.remaining == 0 {
            self.failures.remove(index);
        }
        Some(failure)
    }

    pub fn rich_menu(&self, id: &str) -> Option<&RichMenu> {
        self.rich_menus.iter().find(|m| m.id == id)
    }
}

/// A rule failing about `per_mille`/1000 of the calls to `endpoint`, each failure picked
/// in turn from `failures`; deterministic for a seed.
pub(crate) struct RateFailure {
    pub endpoint: Endpoint,
    pub failures: Vec<Failure>,
    pub per_mille: u32,
    pub state: u64,
    pub next: usize,
}

impl RateFailure {
    fn draw(&mut self) -> Option<Failure> {
        // xorshift64
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        if self.failures.is_empty() || self.state % 1000 >= u64::from(self.per_mille) {
            return None;
        }
        let failure = self.failures[self.next % self.failures.len()].clone();
        self.next += 1;
        Some(failure)
    }
}
