//! The LINE Messaging API over HTTPS (reqwest on rustls): push with a retry key, reply,
//! profile. Transient failures (429 rate limit, 5xx, timeouts) are retried here with
//! backoff inside a small budget; what is still failing is returned for the platform
//! to retry the whole invocation.

use crate::ids::UserId;
use crate::ports::{Line, LineError, Profile, Pushed, Quota};
use async_trait::async_trait;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

tokio::task_local! {
    /// When the LINE calls of the webhook being handled must be done by.
    static ANSWER_BY: std::time::Instant;
}

/// LINE counts a webhook not answered within 2 seconds as failed (`request_timeout`)
/// and redelivers it: the LINE calls made while handling one (a profile, pushes, the
/// reply) share this much time from its start, the rest being the table's and the
/// answer's.
pub const WEBHOOK_LINE_BUDGET: Duration = Duration::from_millis(1200);

/// The shortest attempt made even when the budget is spent: a reply token stays valid
/// for a minute, so a late reply still reaches the person.
const LAST_ATTEMPT: Duration = Duration::from_millis(300);

/// Runs `handling` (one webhook) with its LINE calls cut to end by `by`: attempts are
/// shortened and retries dropped once they would pass it.
pub async fn answering_by<F: std::future::Future>(by: std::time::Instant, handling: F) -> F::Output {
    ANSWER_BY.scope(by, handling).await
}

#[derive(Clone, Debug)]
pub struct LineConfig {
    pub base_url: String,
    pub access_token: String,
    /// Per-attempt timeout.
    pub timeout: Duration,
    /// Waits before the second, third, … attempt.
    pub backoff: Vec<Duration>,
}

impl LineConfig {
    pub fn new(base_url: impl Into<String>, access_token: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            access_token: access_token.into(),
            timeout: Duration::from_secs(3),
            backoff: vec![Duration::from_millis(200), Duration::from_millis(800)],
        }
    }
}

#[derive(Clone)]
pub struct LineClient {
    http: reqwest::Client,
    config: LineConfig,
}

impl LineClient {
    pub fn new(config: LineConfig) -> Result<Self, LineError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| LineError::Transport(e.to_string()))?;
        Ok(Self { http, config })
    }

    /// One logical call, attempted until it succeeds, fails for good, or the backoff
    /// schedule is used up.
    async fn call(
        &self,
        endpoint: &'static str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, LineError> {
        let answer_by = ANSWER_BY.try_with(|by| *by).ok();
        let left = || answer_by.map(|by| by.saturating_duration_since(std::time::Instant::now()));
        let mut attempt = 0;
        loop {
            let mut request = build().bearer_auth(&self.config.access_token);
            if let Some(left) = left() {
                request = request.timeout(left.max(LAST_ATTEMPT).min(self.config.timeout));
            }
            let result = request.send().await;
            let error = match result {
                Ok(resp) => {
                    let request_id = header(&resp, "x-line-request-id");
                    let status = resp.status();
                    tracing::debug!(endpoint, status = status.as_u16(), request_id, "line_call");
                    if status.is_success() || status == StatusCode::CONFLICT || status == StatusCode::NOT_FOUND {
                        return Ok(resp);
                    }
                    // LINE asks for the request id and its message with any report of an
                    // error (a 429 above all); the message names no one, and ids are cut.
                    let body = resp.text().await.unwrap_or_default();
                    let message = serde_json::from_str::<serde_json::Value>(&body)
                        .ok()
                        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
                        .map(|m| crate::pseudonym::redact_ids(&m).chars().take(200).collect::<String>());
                    tracing::warn!(
                        endpoint,
                        status = status.as_u16(),
                        request_id,
                        line_message = message,
                        "line_refused"
                    );
                    classify(status, body)
                }
                Err(e) if e.is_timeout() => LineError::Timeout,
                // The URL of a profile call holds the LINE id.
                Err(e) => LineError::Transport(e.without_url().to_string()),
            };
            let transient = matches!(
                error,
                LineError::RateLimited | LineError::Unavailable { .. } | LineError::Timeout | LineError::Transport(_)
            );
            // Within a webhook, no retry that would end past its budget.
            let in_time = |wait: &Duration| left().is_none_or(|left| left > *wait + LAST_ATTEMPT);
            match self.config.backoff.get(attempt) {
                Some(wait) if transient && in_time(wait) => {
                    tracing::warn!(endpoint, attempt, error = %error, "line_retry");
                    tokio::time::sleep(*wait).await;
                    attempt += 1;
                }
                _ => return Err(error),
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url)
    }
}

fn header(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// LINE tells a spent monthly quota from a rate limit only by the message text.
fn classify(status: StatusCode, body: String) -> LineError {
    match status.as_u16() {
        429 if body.contains("monthly limit") => LineError::QuotaExhausted,
        429 => LineError::RateLimited,
        401 => LineError::Unauthorized,
        s @ 500..=599 => LineError::Unavailable { status: s },
        s => LineError::Rejected { status: s },
    }
}

#[async_trait]
impl Line for LineClient {
    async fn push(
        &self,
        to: &crate::outbox::Recipient,
        messages: &[Value],
        retry_key: Uuid,
    ) -> Result<Pushed, LineError> {
        let to = to.line_id();
        // Checks are never sent silently: notificationDisabled stays false.
        let body = json!({ "to": to, "messages": messages, "notificationDisabled": false });
        let url = self.url("/v2/bot/message/push");
        let resp = self
            .call("push", || {
                self.http
                    .post(&url)
                    .header("X-Line-Retry-Key", retry_key.to_string())
                    .json(&body)
            })
            .await?;
        match resp.status() {
            StatusCode::CONFLICT if resp.headers().contains_key("x-line-accepted-request-id") => {
                Ok(Pushed::AlreadyAccepted)
            }
            StatusCode::CONFLICT => Err(LineError::Rejected { status: 409 }),
            s if s.is_success() => Ok(Pushed::Sent),
            s => Err(LineError::Rejected { status: s.as_u16() }),
        }
    }

    async fn reply(&self, reply_token: &str, messages: &[Value]) -> Result<(), LineError> {
        let body = json!({ "replyToken": reply_token, "messages": messages, "notificationDisabled": false });
        let url = self.url("/v2/bot/message/reply");
        let resp = self.call("reply", || self.http.post(&url).json(&body)).await?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(LineError::Rejected {
                status: resp.status().as_u16(),
            })
        }
    }

    async fn group_member_profile(
        &self,
        group: &crate::ids::ChatId,
        user: &UserId,
    ) -> Result<Option<Profile>, LineError> {
        // A multi-person chat (`R…`) has its own endpoints: the group ones answer 400.
        let kind = match group.is_room() {
            true => "room",
            false => "group",
        };
        self.read_profile(self.url(&format!("/v2/bot/{kind}/{group}/member/{user}")))
            .await
    }

    async fn profile(&self, user: &UserId) -> Result<Option<Profile>, LineError> {
        self.read_profile(self.url(&format!("/v2/bot/profile/{user}"))).await
    }

    async fn quota(&self) -> Result<Quota, LineError> {
        let quota = self.read_json(self.url("/v2/bot/message/quota")).await?;
        let used = self.read_json(self.url("/v2/bot/message/quota/consumption")).await?;
        let malformed = |what: &str| LineError::Transport(format!("LINE's {what} answer is not as documented"));
        let limit = match quota["type"].as_str() {
            Some("none") => None,
            Some("limited") => Some(quota["value"].as_u64().ok_or_else(|| malformed("quota"))?),
            _ => return Err(malformed("quota")),
        };
        let used = used["totalUsage"].as_u64().ok_or_else(|| malformed("consumption"))?;
        Ok(Quota { limit, used })
    }
}

impl LineClient {
    async fn read_json(&self, url: String) -> Result<Value, LineError> {
        let resp = self.call("quota", || self.http.get(&url)).await?;
        if !resp.status().is_success() {
            return Err(LineError::Rejected {
                status: resp.status().as_u16(),
            });
        }
        resp.json().await.map_err(|e| LineError::Transport(e.to_string()))
    }

    async fn read_profile(&self, url: String) -> Result<Option<Profile>, LineError> {
        let resp = self.call("profile", || self.http.get(&url)).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !resp.status().is_success() {
            return Err(LineError::Rejected {
                status: resp.status().as_u16(),
            });
        }
        let v: Value = resp.json().await.map_err(|e| LineError::Transport(e.to_string()))?;
        Ok(v["displayName"].as_str().map(|n| Profile {
            display_name: n.to_owned(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_connection_is_reported_without_the_url_that_holds_the_line_id() {
        let user = UserId::new("U1a000000000000000000000000000001").unwrap();
        let line = LineClient::new(LineConfig {
            backoff: vec![],
            // Nothing listens on port 1: the connection is refused at once.
            ..LineConfig::new("http://127.0.0.1:1", "token")
        })
        .unwrap();
        match line.profile(&user).await {
            Err(LineError::Transport(message)) => assert!(!message.contains(user.as_str()), "{message}"),
            other => panic!("expected a transport error, got {other:?}"),
        }
    }
}
