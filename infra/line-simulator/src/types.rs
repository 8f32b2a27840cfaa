//! Public records of what the simulator did, and the knobs for failure injection.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

/// Which API endpoint a failure is armed for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Push,
    Reply,
    Multicast,
    Profile,
    GroupMemberProfile,
    /// `GET /v2/bot/room/{roomId}/member/{userId}`.
    RoomMemberProfile,
    /// Matches every API endpoint, including the ones without their own variant.
    Any,
}

/// How an injected failure behaves.
#[derive(Clone, Debug)]
pub enum Failure {
    /// Respond with this status and a LINE-shaped body; nothing is delivered and no retry key is consumed.
    Status(u16),
    /// Process normally (deliver, accept the retry key), then hold the response this long and answer 500:
    /// models a response lost after LINE acted on the request.
    Timeout(Duration),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Via {
    Push,
    Reply,
}

/// Messages that reached one chat through one API call.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    pub at: jiff::Timestamp,
    pub via: Via,
    /// User or group id.
    pub to: String,
    pub messages: Vec<Value>,
    pub retry_key: Option<String>,
}

impl Delivery {
    /// One readable string per message: `text` for text/textV2, `altText` for template/flex
    /// (followed by the template's own `text` on a new line when it has one).
    pub fn texts(&self) -> Vec<String> {
        self.messages.iter().map(readable_text).collect()
    }

    /// Every postback `data` in the messages (template actions, quick reply items, flex buttons,
    /// datetime pickers), in the order a reader would meet them.
    pub fn postback_data(&self) -> Vec<String> {
        let mut out = Vec::new();
        for message in &self.messages {
            collect_postback_data(message, &mut out);
        }
        out
    }
}

fn readable_text(message: &Value) -> String {
    let field = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    match message.get("type").and_then(Value::as_str) {
        Some("text" | "textV2") => field(message, "text").unwrap_or_default(),
        Some("template") => {
            let alt = field(message, "altText").unwrap_or_default();
            match message.get("template").and_then(|t| field(t, "text")) {
                Some(text) => format!("{alt}\n{text}"),
                None => alt,
            }
        }
        Some("flex" | "imagemap") => field(message, "altText").unwrap_or_default(),
        Some(other) => format!("[{other}]"),
        None => String::new(),
    }
}

fn collect_postback_data(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| collect_postback_data(v, out)),
        Value::Object(map) => {
            let kind = map.get("type").and_then(Value::as_str);
            if matches!(kind, Some("postback" | "datetimepicker"))
                && let Some(data) = map.get("data").and_then(Value::as_str)
            {
                out.push(data.to_owned());
            }
            // serde_json sorts keys, which would put a flex footer before its header; walk bubble
            // sections in display order first, then everything else.
            const ORDERED: [&str; 4] = ["header", "hero", "body", "footer"];
            for key in ORDERED {
                if let Some(v) = map.get(key) {
                    collect_postback_data(v, out);
                }
            }
            for (key, v) in map {
                if !ORDERED.contains(&key.as_str()) {
                    collect_postback_data(v, out);
                }
            }
        }
        _ => {}
    }
}

/// One API call as the simulator answered it.
#[derive(Clone, Debug, Serialize)]
pub struct ApiCall {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub retry_key: Option<String>,
    pub at: jiff::Timestamp,
}
