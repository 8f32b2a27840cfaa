//! The HTTP front: routing, authentication, failure injection, request recording and LINE-shaped responses.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::messages::{Checker, Detail};
use crate::state::{AcceptedKey, ChatKind, State};
use crate::types::{ApiCall, Endpoint, Failure};
use crate::{Simulator, control, directory, ids, messaging, richmenu};

/// LINE rejects request bodies over 2 MB with 413 [LINE-API.md 7].
const MAX_BODY: usize = 2 * 1024 * 1024;

pub(crate) fn router(sim: Simulator) -> Router {
    Router::new().fallback(handle).with_state(sim)
}

/// A LINE-shaped response before it is turned into HTTP.
pub(crate) struct ApiResponse {
    pub status: StatusCode,
    payload: Payload,
    headers: Vec<(HeaderName, String)>,
}

enum Payload {
    Json(Value),
    Raw { content_type: String, bytes: Vec<u8> },
}

/// Handlers return the error response through `Err` so `?` can short-circuit.
pub(crate) type Outcome = Result<ApiResponse, ApiResponse>;

impl ApiResponse {
    pub fn json(status: StatusCode, value: Value) -> Self {
        ApiResponse {
            status,
            payload: Payload::Json(value),
            headers: Vec::new(),
        }
    }

    pub fn ok(value: Value) -> Self {
        Self::json(StatusCode::OK, value)
    }

    pub fn error(status: StatusCode, message: &str) -> Self {
        Self::json(status, json!({ "message": message }))
    }

    pub fn not_found() -> Self {
        Self::error(StatusCode::NOT_FOUND, "Not found")
    }

    pub fn invalid(details: Vec<Detail>) -> Self {
        Self::json(
            StatusCode::BAD_REQUEST,
            json!({
                "message": format!("The request body has {} error(s)", details.len()),
                "details": details,
            }),
        )
    }

    pub fn raw(content_type: &str, bytes: Vec<u8>) -> Self {
        ApiResponse {
            status: StatusCode::OK,
            payload: Payload::Raw {
                content_type: content_type.to_owned(),
                bytes,
            },
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((HeaderName::from_static(name), value.to_owned()));
        self
    }

    fn into_http(self, request_id: &str) -> Response {
        let mut response = match self.payload {
            Payload::Json(value) => (self.status, axum::Json(value)).into_response(),
            Payload::Raw { content_type, bytes } => {
                (self.status, [(header::CONTENT_TYPE, content_type)], Body::from(bytes)).into_response()
            }
        };
        let headers = response.headers_mut();
        let extra = std::iter::once((HeaderName::from_static("x-line-request-id"), request_id))
            .chain(self.headers.iter().map(|(n, v)| (n.clone(), v.as_str())));
        for (name, value) in extra {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
        response
    }
}

/// Converts a checker's findings into the 400 LINE sends, if there are any.
pub(crate) fn finish(checker: Checker) -> Result<(), ApiResponse> {
    if checker.details.is_empty() {
        Ok(())
    } else {
        Err(ApiResponse::invalid(checker.details))
    }
}

/// Everything a handler may look at or change for one API call; the state lock is held throughout.
pub(crate) struct Call<'a> {
    pub state: &'a mut State,
    pub now: Timestamp,
    pub request_id: &'a str,
    pub retry_key: Option<&'a str>,
    /// The channel's own user id, which messages may not mention.
    pub bot_user_id: &'a str,
    pub reply_token_ttl: jiff::SignedDuration,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl Call<'_> {
    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The body as JSON; LINE requires `Content-Type: application/json` on JSON endpoints.
    pub fn json_body(&self) -> Result<Value, ApiResponse> {
        if !self.content_type().starts_with("application/json") {
            return Err(ApiResponse::error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type must be application/json",
            ));
        }
        match serde_json::from_slice::<Value>(self.body) {
            Ok(value @ Value::Object(_)) => Ok(value),
            Ok(_) => Err(ApiResponse::error(
                StatusCode::BAD_REQUEST,
                "The request body must be a JSON object",
            )),
            Err(_) => Err(ApiResponse::error(
                StatusCode::BAD_REQUEST,
                "The request body could not be parsed as JSON",
            )),
        }
    }

    /// The retry key if present and well formed; a malformed key is a 400 before anything else.
    pub fn retry_key(&self) -> Result<Option<String>, ApiResponse> {
        match self.retry_key {
            None => Ok(None),
            Some(key) if ids::is_uuid(key) => Ok(Some(key.to_ascii_lowercase())),
            Some(_) => Err(ApiResponse::error(
                StatusCode::BAD_REQUEST,
                "The value of the X-Line-Retry-Key header is invalid",
            )),
        }
    }

    /// The 409 LINE answers when this key already ran within its retention window.
    pub fn already_accepted(&self, key: Option<&str>) -> Result<(), ApiResponse> {
        let Some(accepted) = key.and_then(|k| self.state.accepted_key(k, self.now)) else {
            return Ok(());
        };
        let mut body = json!({ "message": "The retry key is already accepted" });
        if let Some(sent) = &accepted.sent_messages {
            body["sentMessages"] = sent.clone();
        }
        Err(ApiResponse::json(StatusCode::CONFLICT, body)
            .with_header("x-line-accepted-request-id", &accepted.request_id))
    }

    pub fn accept_key(&mut self, key: Option<String>, sent_messages: Option<Value>) {
        if let Some(key) = key {
            self.state.retry_keys.insert(
                key,
                AcceptedKey {
                    request_id: self.request_id.to_owned(),
                    at: self.now,
                    sent_messages,
                },
            );
        }
    }
}

/// The API operations the simulator serves; path parameters are carried along.
pub(crate) enum Route {
    Push,
    Reply,
    Multicast,
    Quota,
    QuotaConsumption,
    Profile(String),
    /// Group or room member profile: kind, chat id, user id.
    ChatMember(ChatKind, String, String),
    GroupSummary(String),
    ChatCount(ChatKind, String),
    ChatLeave(ChatKind, String),
    RichMenu(richmenu::Op),
}

/// The first path segment of the group and room endpoints.
fn chat_kind(segment: &str) -> Option<ChatKind> {
    match segment {
        "group" => Some(ChatKind::Group),
        "room" => Some(ChatKind::Room),
        _ => None,
    }
}

impl Route {
    fn parse(method: &Method, path: &str) -> Option<Route> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let rest = match segments.as_slice() {
            ["v2", "bot", rest @ ..] => rest,
            _ => return None,
        };
        let owned = |s: &&str| (*s).to_owned();
        let route = match (method.as_str(), rest) {
            ("POST", ["message", "push"]) => Route::Push,
            ("POST", ["message", "reply"]) => Route::Reply,
            ("POST", ["message", "multicast"]) => Route::Multicast,
            ("GET", ["message", "quota"]) => Route::Quota,
            ("GET", ["message", "quota", "consumption"]) => Route::QuotaConsumption,
            ("GET", ["profile", user]) => Route::Profile(owned(user)),
            ("GET", [kind, chat, "member", user]) if chat_kind(kind).is_some() => {
                Route::ChatMember(chat_kind(kind)?, owned(chat), owned(user))
            }
            ("GET", ["group", group, "summary"]) => Route::GroupSummary(owned(group)),
            ("GET", [kind, chat, "members", "count"]) if chat_kind(kind).is_some() => {
                Route::ChatCount(chat_kind(kind)?, owned(chat))
            }
            ("POST", [kind, chat, "leave"]) if chat_kind(kind).is_some() => {
                Route::ChatLeave(chat_kind(kind)?, owned(chat))
            }
            (method, rest) => Route::RichMenu(richmenu::Op::parse(method, rest)?),
        };
        Some(route)
    }

    /// The failure-injection bucket this route belongs to; None means only `Endpoint::Any` matches.
    fn endpoint(&self) -> Option<Endpoint> {
        match self {
            Route::Push => Some(Endpoint::Push),
            Route::Reply => Some(Endpoint::Reply),
            Route::Multicast => Some(Endpoint::Multicast),
            Route::Profile(_) => Some(Endpoint::Profile),
            Route::ChatMember(ChatKind::Group, ..) => Some(Endpoint::GroupMemberProfile),
            Route::ChatMember(ChatKind::Room, ..) => Some(Endpoint::RoomMemberProfile),
            _ => None,
        }
    }

    /// The spec declares `X-Line-Retry-Key` only on push, multicast, narrowcast and broadcast.
    fn accepts_retry_key(&self) -> bool {
        matches!(self, Route::Push | Route::Multicast)
    }
}

async fn handle(AxumState(sim): AxumState<Simulator>, request: Request) -> Response {
    let at = sim.now();
    let request_id = ids::request_id();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let body = axum::body::to_bytes(body, MAX_BODY).await;

    if let Some(rest) = path.strip_prefix("/_sim/") {
        let response = match &body {
            Ok(bytes) => control::handle(&sim, &parts.method, rest, bytes),
            Err(_) => too_large(),
        };
        return response.into_http(&request_id);
    }

    let retry_key = parts
        .headers
        .get("x-line-retry-key")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let (response, hold) = match &body {
        Ok(bytes) => process(
            &sim,
            &parts.method,
            &path,
            &parts.headers,
            bytes,
            &request_id,
            retry_key.as_deref(),
        ),
        Err(_) => (too_large(), None),
    };
    tracing::debug!(method = %parts.method, path, status = response.status.as_u16(), "LINE API call");
    // Recorded before any hold: a client that gives up may drop this future mid-sleep.
    sim.state().requests.push(ApiCall {
        method: parts.method.to_string(),
        path,
        status: response.status.as_u16(),
        retry_key,
        at,
    });
    if let Some(hold) = hold {
        tokio::time::sleep(hold).await;
    }
    response.into_http(&request_id)
}

fn too_large() -> ApiResponse {
    ApiResponse::error(StatusCode::PAYLOAD_TOO_LARGE, "Request entity too large")
}

fn authorized(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| given == token)
}

/// Runs one API call under the state lock; the Duration is how long to hold the response.
fn process(
    sim: &Simulator,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    request_id: &str,
    retry_key: Option<&str>,
) -> (ApiResponse, Option<Duration>) {
    let config = sim.config();
    if sim.state().token_revoked || !authorized(headers, &config.access_token) {
        let message = "Authentication failed. Confirm that the access token in the authorization header is valid.";
        return (ApiResponse::error(StatusCode::UNAUTHORIZED, message), None);
    }
    let Some(route) = Route::parse(method, path) else {
        return (ApiResponse::not_found(), None);
    };
    let now = sim.now();
    let mut state = sim.state();
    let hold = match state.take_failure(route.endpoint()) {
        Some(Failure::Status(code)) => return (injected(code), None),
        Some(Failure::Timeout(hold)) => Some(hold),
        None => None,
    };
    let mut call = Call {
        state: &mut state,
        now,
        request_id,
        retry_key,
        bot_user_id: &config.bot_user_id,
        reply_token_ttl: config.reply_token_ttl(),
        headers,
        body,
    };
    let response = dispatch(route, &mut call);
    match hold {
        Some(hold) => (
            ApiResponse::error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
            Some(hold),
        ),
        None => (response, None),
    }
}

fn injected(code: u16) -> ApiResponse {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = match status.as_u16() {
        429 => "The API rate limit has been exceeded. Try again later.",
        500 => "Internal server error",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    ApiResponse::error(status, message)
}

fn dispatch(route: Route, call: &mut Call<'_>) -> ApiResponse {
    if call.retry_key.is_some() && !route.accepts_retry_key() {
        return ApiResponse::error(
            StatusCode::BAD_REQUEST,
            "X-Line-Retry-Key header is not supported by this endpoint",
        );
    }
    let outcome = match route {
        Route::Push => messaging::push(call),
        Route::Reply => messaging::reply(call),
        Route::Multicast => messaging::multicast(call),
        Route::Quota => Ok(messaging::quota(call)),
        Route::QuotaConsumption => Ok(messaging::consumption(call)),
        Route::Profile(user) => directory::profile(call, &user),
        Route::ChatMember(kind, chat, user) => directory::member(call, kind, &chat, &user),
        Route::GroupSummary(group) => directory::group_summary(call, &group),
        Route::ChatCount(kind, chat) => directory::member_count(call, kind, &chat),
        Route::ChatLeave(kind, chat) => directory::leave(call, kind, &chat),
        Route::RichMenu(op) => richmenu::handle(call, op),
    };
    match outcome {
        Ok(response) | Err(response) => response,
    }
}
