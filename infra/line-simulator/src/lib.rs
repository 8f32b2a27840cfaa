//! A local stand-in for api.line.me: serves the Messaging API endpoints mimamori uses, records what each chat sees, fails on demand, and builds signed webhooks.

mod control;
mod directory;
mod http;
mod ids;
mod messages;
mod messaging;
mod richmenu;
mod state;
mod types;
mod webhook;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

use crate::state::State;
pub use crate::types::{ApiCall, Delivery, Endpoint, Failure, Via};
pub use crate::webhook::{SignedWebhook, signature};

/// Who an event comes from, for [`Simulator::message`] and [`Simulator::postback_from`].
#[derive(Clone, Copy, Debug)]
pub enum Origin<'a> {
    /// The user's 1:1 chat with the bot.
    User(&'a str),
    /// A 1:1 chat whose user has not consented to share their ID: `source` is `{"type":"user"}`
    /// with no `userId` [review A16]. Replies still reach this user.
    UserWithoutId(&'a str),
    /// A group; `user_id` None is an event without `source.userId`, as LINE sends for users of
    /// LINE for PC/Mac and possibly for every postback [LINE-API.md 1.2].
    Group {
        group_id: &'a str,
        user_id: Option<&'a str>,
    },
    /// A multi-person chat (room); `user_id` as for groups.
    Room { room_id: &'a str, user_id: Option<&'a str> },
}

/// The content of a message event [LINE-API.md 1.4].
#[derive(Clone, Copy, Debug)]
pub enum Content<'a> {
    Text(&'a str),
    Sticker {
        package_id: &'a str,
        sticker_id: &'a str,
    },
    /// An image sent from LINE (`contentProvider.type` "line").
    Image,
}

/// Source of "now" for everything time-dependent in the simulator.
pub type ClockFn = Arc<dyn Fn() -> jiff::Timestamp + Send + Sync>;

/// Channel settings the simulator impersonates. All time-dependent rules (reply-token expiry,
/// retry-key retention, timestamps) read `clock`, so tests can move time without sleeping.
#[derive(Clone)]
pub struct SimConfig {
    /// Used to sign webhooks.
    pub channel_secret: String,
    /// Bearer token every API call must carry.
    pub access_token: String,
    /// `destination` in webhooks: "U" + 32 lowercase hex.
    pub bot_user_id: String,
    /// Virtual time in tests; the default uses the system clock.
    pub clock: ClockFn,
    /// How long a reply token stays usable after its event, and after a redelivery
    /// ([`Simulator::redeliver`]). LINE documents one minute and guarantees nothing beyond it;
    /// about 30 s has been observed [review S8, A12], so tests may want it shorter.
    pub reply_token_ttl: std::time::Duration,
}

impl SimConfig {
    pub(crate) fn reply_token_ttl(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::try_from(self.reply_token_ttl).unwrap_or(jiff::SignedDuration::MAX)
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            channel_secret: "local-channel-secret".to_owned(),
            access_token: "local-access-token".to_owned(),
            bot_user_id: "U0123456789abcdef0123456789abcdef".to_owned(),
            clock: Arc::new(jiff::Timestamp::now),
            reply_token_ttl: state::REPLY_TOKEN_TTL.unsigned_abs(),
        }
    }
}

impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("channel_secret", &self.channel_secret)
            .field("access_token", &self.access_token)
            .field("bot_user_id", &self.bot_user_id)
            .field("reply_token_ttl", &self.reply_token_ttl)
            .finish_non_exhaustive()
    }
}

/// Handle to a running simulator; clones share the same server and state.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    config: SimConfig,
    addr: SocketAddr,
    state: Mutex<State>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.inner.addr)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Binds 127.0.0.1 on a free port and serves on a spawned tokio task.
    pub async fn start(config: SimConfig) -> std::io::Result<Simulator> {
        Self::start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Like [`Simulator::start`] but on a chosen address (the standalone binary uses a fixed port).
    pub async fn start_on(config: SimConfig, addr: SocketAddr) -> std::io::Result<Simulator> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let sim = Simulator {
            inner: Arc::new(Inner {
                config,
                addr,
                state: Mutex::new(State::default()),
            }),
        };
        let app = http::router(sim.clone());
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "line simulator server stopped");
            }
        });
        Ok(sim)
    }

    /// "http://127.0.0.1:PORT"; serves both the api.line.me and api-data.line.me paths.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    /// The simulator's "now" (the stack's virtual clock).
    pub fn now(&self) -> jiff::Timestamp {
        (self.inner.config.clock)()
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().expect("simulator state mutex poisoned")
    }

    // ---- people and groups ----

    /// Registers a LINE user who is not yet a friend of the bot.
    pub fn add_user(&self, user_id: &str, display_name: &str) {
        self.state().add_user(user_id, display_name);
    }

    /// Registers a group that already has the bot in it; `member_ids` excludes the bot.
    pub fn add_group(&self, group_id: &str, name: &str, member_ids: &[&str]) {
        self.state().add_group(group_id, name, member_ids);
    }

    /// Registers a multi-person chat (room) that already has the bot in it. Rooms are served by
    /// `/v2/bot/room/...`; the group endpoints answer 400 for a room id, and the reverse. Events
    /// built for it ([`Simulator::join`], [`Simulator::member_joined`], ...) have a room source.
    pub fn add_room(&self, room_id: &str, member_ids: &[&str]) {
        self.state()
            .add_chat(state::ChatKind::Room, room_id, room_id, member_ids);
    }

    /// What identifies or concerns the simulated people, which the service must keep out
    /// of its logs: every user's and chat's LINE id, display name and chat name, and
    /// every text they sent (names, phone numbers, codes), each with what it is.
    pub fn personal_data(&self) -> Vec<(&'static str, String)> {
        let state = self.state();
        let users = state.users.iter().flat_map(|(id, u)| {
            [
                ("a LINE user id", id.clone()),
                ("a display name", u.display_name.clone()),
            ]
        });
        let chats = state
            .groups
            .iter()
            .flat_map(|(id, g)| [("a LINE group or room id", id.clone()), ("a chat name", g.name.clone())]);
        let texts = state.typed.iter().map(|t| ("a message text", t.clone()));
        users.chain(chats).chain(texts).collect()
    }

    // ---- webhook events ----

    /// The user adds (or unblocks) the bot; `follow.isUnblocked` is true if they had followed before.
    pub fn follow(&self, user_id: &str) -> Value {
        webhook::follow(&mut self.state(), self.now(), user_id)
    }

    /// The user blocks the bot: later pushes are accepted but not delivered.
    pub fn unfollow(&self, user_id: &str) -> Value {
        webhook::unfollow(&mut self.state(), self.now(), user_id)
    }

    /// A text message in the user's 1:1 chat with the bot.
    pub fn text(&self, user_id: &str, text: &str) -> Value {
        self.message(Origin::User(user_id), Content::Text(text))
    }

    /// A text message in a group (or a room registered with [`Simulator::add_room`]).
    pub fn group_text(&self, group_id: &str, user_id: &str, text: &str) -> Value {
        let origin = Origin::Group {
            group_id,
            user_id: Some(user_id),
        };
        self.message(origin, Content::Text(text))
    }

    /// A text message in a room; an unregistered id is registered as a room.
    pub fn room_text(&self, room_id: &str, user_id: &str, text: &str) -> Value {
        let origin = Origin::Room {
            room_id,
            user_id: Some(user_id),
        };
        self.message(origin, Content::Text(text))
    }

    /// Any message event: text, sticker or image, from any [`Origin`].
    pub fn message(&self, origin: Origin<'_>, content: Content<'_>) -> Value {
        webhook::message(&mut self.state(), self.now(), origin, &content)
    }

    pub fn postback(&self, user_id: &str, data: &str) -> Value {
        self.postback_from(Origin::User(user_id), data, &[])
    }

    /// A postback from a datetime picker or rich menu switch, which adds `postback.params`.
    pub fn postback_with_params(&self, user_id: &str, data: &str, params: &[(&str, &str)]) -> Value {
        self.postback_from(Origin::User(user_id), data, params)
    }

    /// A group postback that names who pressed it; see [`Simulator::group_postback_without_user`]
    /// for what LINE documents.
    pub fn group_postback(&self, group_id: &str, user_id: &str, data: &str) -> Value {
        let origin = Origin::Group {
            group_id,
            user_id: Some(user_id),
        };
        self.postback_from(origin, data, &[])
    }

    /// A group postback whose source has no `userId`: LINE documents `userId` in group and room
    /// sources as "only included in message events" [LINE-API.md 1.2; review A2].
    pub fn group_postback_without_user(&self, group_id: &str, data: &str) -> Value {
        let origin = Origin::Group {
            group_id,
            user_id: None,
        };
        self.postback_from(origin, data, &[])
    }

    /// A postback in a room; `user_id` None leaves `source.userId` out.
    pub fn room_postback(&self, room_id: &str, user_id: Option<&str>, data: &str) -> Value {
        self.postback_from(Origin::Room { room_id, user_id }, data, &[])
    }

    /// Any postback event, from any [`Origin`], with optional `postback.params`.
    pub fn postback_from(&self, origin: Origin<'_>, data: &str, params: &[(&str, &str)]) -> Value {
        webhook::postback(&mut self.state(), self.now(), origin, data, params)
    }

    /// The bot is added to a group (or a registered room).
    pub fn join(&self, group_id: &str) -> Value {
        webhook::join(&mut self.state(), self.now(), group_id)
    }

    /// The bot is removed from a group: later pushes to it fail with 400.
    pub fn leave(&self, group_id: &str) -> Value {
        webhook::leave(&mut self.state(), self.now(), group_id)
    }

    pub fn member_joined(&self, group_id: &str, user_ids: &[&str]) -> Value {
        webhook::member_joined(&mut self.state(), self.now(), group_id, user_ids)
    }

    pub fn member_left(&self, group_id: &str, user_ids: &[&str]) -> Value {
        webhook::member_left(&mut self.state(), self.now(), group_id, user_ids)
    }

    /// Wraps events in the webhook envelope and signs the exact bytes that will be sent; LINE may
    /// put several events, of several chats, in one body.
    pub fn signed(&self, events: &[Value]) -> SignedWebhook {
        webhook::signed(&self.inner.config, events)
    }

    /// The same event as LINE would redeliver it: same `webhookEventId`, `isRedelivery` true.
    /// This only reshapes the event; the reply token keeps the validity of the first delivery.
    /// Use [`Simulator::redeliver`] to model a redelivery happening now.
    pub fn as_redelivery(event: &Value) -> Value {
        webhook::as_redelivery(event)
    }

    /// LINE redelivers `event` now: [`Simulator::as_redelivery`], and its reply token, unless
    /// already used, becomes usable for `reply_token_ttl` from now, but never once 20 minutes
    /// have passed since the event [LINE-API.md 2.1].
    pub fn redeliver(&self, event: &Value) -> Value {
        if let Some(token) = event.get("replyToken").and_then(Value::as_str) {
            self.state().redeliver_reply_token(token, self.now());
        }
        webhook::as_redelivery(event)
    }

    /// The same event in standby mode, where the bot must stay silent: LINE sends no reply token.
    pub fn as_standby(event: &Value) -> Value {
        webhook::as_standby(event)
    }

    // ---- failure injection ----

    /// The next `times` calls to `endpoint` fail this way, before any normal processing.
    pub fn fail_next(&self, endpoint: Endpoint, failure: Failure, times: usize) {
        self.state().arm_failure(endpoint, failure, times);
    }

    /// About `per_mille`/1000 of the calls to `endpoint` fail, in turn with each of
    /// `failures`; the same calls for the same `seed`. Armed `fail_next` failures go first.
    pub fn fail_at_rate(&self, endpoint: Endpoint, failures: Vec<Failure>, per_mille: u32, seed: u64) {
        self.state().rate_failures.push(state::RateFailure {
            endpoint,
            failures,
            per_mille,
            state: seed | 1,
            next: 0,
        });
    }

    /// Removes every armed and rate failure.
    pub fn clear_failures(&self) {
        let mut state = self.state();
        state.failures.clear();
        state.rate_failures.clear();
    }

    // ---- what happened ----

    /// Messages that reached this user's or group's chat, in delivery order.
    pub fn seen_by(&self, user_or_group_id: &str) -> Vec<Delivery> {
        self.state()
            .deliveries
            .iter()
            .filter(|d| d.to == user_or_group_id)
            .cloned()
            .collect()
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.state().deliveries.clone()
    }

    /// The deliveries after the first `seen` (to follow them without copying them all).
    pub fn deliveries_since(&self, seen: usize) -> Vec<Delivery> {
        self.state()
            .deliveries
            .get(seen..)
            .map(<[Delivery]>::to_vec)
            .unwrap_or_default()
    }

    /// LINE's billing count: push to a user 1, to a group its member count; replies are free.
    pub fn billed_messages(&self) -> u64 {
        self.state().billed
    }

    /// Every API call received (control endpoints excluded), in the order they were processed.
    pub fn requests(&self) -> Vec<ApiCall> {
        self.state().requests.clone()
    }

    /// Once the billed count would exceed `limit`, sends return 429 "You have reached your monthly limit.".
    pub fn set_monthly_limit(&self, limit: Option<u64>) {
        self.state().monthly_limit = limit;
    }

    /// Revokes the channel access token the service holds (`true`), as reissuing it in the
    /// LINE Developers console does, or makes it valid again: while revoked, every API call
    /// is answered 401.
    pub fn revoke_access_token(&self, revoked: bool) {
        self.state().token_revoked = revoked;
    }

    // ---- rich menus ----

    /// The rich menu set for all users via `POST /v2/bot/user/all/richmenu/{id}`.
    pub fn default_rich_menu(&self) -> Option<String> {
        self.state().default_rich_menu.clone()
    }

    /// The rich menu linked to this user individually (not the default), as `GET /v2/bot/user/{id}/richmenu` reports it.
    pub fn rich_menu_of(&self, user_id: &str) -> Option<String> {
        self.state().user_rich_menus.get(user_id).cloned()
    }
}
