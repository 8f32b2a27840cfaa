//! Pins the simulator's HTTP behaviour against LINE-API.md by calling a started Simulator over HTTP.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use line_simulator::{Content, Endpoint, Failure, Origin, SimConfig, Simulator, Via};
use serde_json::{Value, json};
use sha2::Sha256;

const ALICE: &str = "U1111111111111111111111111111111a";
const BOB: &str = "U2222222222222222222222222222222b";
const CAROL: &str = "U3333333333333333333333333333333c";
const FAMILY: &str = "C4444444444444444444444444444444d";
const MEETING: &str = "R5555555555555555555555555555555e";
const KEY: &str = "123e4567-e89b-12d3-a456-426614174000";

/// A simulator on a virtual clock plus an HTTP client that knows its token.
struct Harness {
    sim: Simulator,
    http: reqwest::Client,
    millis: Arc<AtomicI64>,
}

impl Harness {
    async fn new() -> Harness {
        Harness::with_reply_token_ttl(SimConfig::default().reply_token_ttl).await
    }

    async fn with_reply_token_ttl(reply_token_ttl: Duration) -> Harness {
        let millis = Arc::new(AtomicI64::new(1_780_000_000_000));
        let clock_millis = millis.clone();
        let config = SimConfig {
            clock: Arc::new(move || {
                jiff::Timestamp::from_millisecond(clock_millis.load(Ordering::SeqCst))
                    .expect("test clock stays in range")
            }),
            reply_token_ttl,
            ..SimConfig::default()
        };
        let sim = Simulator::start(config).await.expect("simulator starts");
        Harness {
            sim,
            http: reqwest::Client::new(),
            millis,
        }
    }

    /// Alice and Bob are friends of the bot; Carol is registered but never followed.
    async fn with_people() -> Harness {
        let h = Harness::new().await;
        h.sim.add_user(ALICE, "Alice");
        h.sim.add_user(BOB, "Bob");
        h.sim.add_user(CAROL, "Carol");
        h.sim.follow(ALICE);
        h.sim.follow(BOB);
        h
    }

    fn advance(&self, seconds: i64) {
        self.millis.fetch_add(seconds * 1000, Ordering::SeqCst);
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.sim.base_url()))
            .bearer_auth(&self.sim.config().access_token)
    }

    async fn post(&self, path: &str, body: Value, retry_key: Option<&str>) -> (u16, Value) {
        let mut request = self.request(reqwest::Method::POST, path).json(&body);
        if let Some(key) = retry_key {
            request = request.header("X-Line-Retry-Key", key);
        }
        read(request.send().await.expect("request succeeds")).await
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("request succeeds");
        read(response).await
    }

    async fn push(&self, to: &str, text: &str, retry_key: Option<&str>) -> (u16, Value) {
        let body = json!({ "to": to, "messages": [{ "type": "text", "text": text }] });
        self.post("/v2/bot/message/push", body, retry_key).await
    }

    async fn reply(&self, token: &str, text: &str) -> (u16, Value) {
        let body = json!({ "replyToken": token, "messages": [{ "type": "text", "text": text }] });
        self.post("/v2/bot/message/reply", body, None).await
    }
}

async fn read(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

fn reply_token(event: &Value) -> String {
    event["replyToken"]
        .as_str()
        .expect("event has a reply token")
        .to_owned()
}

#[tokio::test]
async fn calls_without_the_right_bearer_token_get_401_with_a_request_id() {
    let h = Harness::with_people().await;
    let url = format!("{}/v2/bot/message/push", h.sim.base_url());
    let body = json!({ "to": ALICE, "messages": [{ "type": "text", "text": "hi" }] });
    for request in [
        h.http.post(&url).json(&body),
        h.http.post(&url).bearer_auth("wrong-token").json(&body),
    ] {
        let response = request.send().await.expect("request succeeds");
        assert_eq!(response.status().as_u16(), 401);
        assert!(response.headers().contains_key("x-line-request-id"));
        let body: Value = response.json().await.expect("JSON error body");
        assert!(body["message"].as_str().is_some());
    }
    assert!(h.sim.deliveries().is_empty());
}

#[tokio::test]
async fn every_response_carries_a_fresh_request_id() {
    let h = Harness::with_people().await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let response = h
            .request(reqwest::Method::GET, "/v2/bot/message/quota")
            .send()
            .await
            .expect("request succeeds");
        let id = response.headers()["x-line-request-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
}

#[tokio::test]
async fn push_to_a_friend_is_delivered_and_billed_once() {
    let h = Harness::with_people().await;
    let (status, body) = h.push(ALICE, "Are you safe?", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["sentMessages"].as_array().map(Vec::len), Some(1));
    assert!(body["sentMessages"][0]["id"].is_string());

    let seen = h.sim.seen_by(ALICE);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].via, Via::Push);
    assert_eq!(seen[0].texts(), ["Are you safe?"]);
    assert_eq!(h.sim.billed_messages(), 1);
    assert!(h.sim.seen_by(BOB).is_empty());
}

#[tokio::test]
async fn push_to_a_group_is_billed_once_per_member() {
    let h = Harness::with_people().await;
    h.sim.add_group(FAMILY, "Family", &[ALICE, BOB, CAROL]);
    let body = json!({ "to": FAMILY, "messages": [
        { "type": "text", "text": "one" }, { "type": "text", "text": "two" }
    ]});
    let (status, _) = h.post("/v2/bot/message/push", body, None).await;
    assert_eq!(status, 200);
    assert_eq!(h.sim.seen_by(FAMILY).len(), 1);
    // Billing counts recipients, not message objects.
    assert_eq!(h.sim.billed_messages(), 3);
    let (_, usage) = h.get("/v2/bot/message/quota/consumption").await;
    assert_eq!(usage, json!({ "totalUsage": 3 }));
}

#[tokio::test]
async fn reusing_a_retry_key_gets_409_with_the_accepted_request_id_and_no_second_delivery() {
    let h = Harness::with_people().await;
    let first = h
        .request(reqwest::Method::POST, "/v2/bot/message/push")
        .header("X-Line-Retry-Key", KEY)
        .json(&json!({ "to": ALICE, "messages": [{ "type": "text", "text": "hi" }] }))
        .send()
        .await
        .expect("request succeeds");
    assert_eq!(first.status().as_u16(), 200);
    let accepted_id = first.headers()["x-line-request-id"].clone();
    let first_body: Value = first.json().await.expect("JSON");

    let second = h
        .request(reqwest::Method::POST, "/v2/bot/message/push")
        .header("X-Line-Retry-Key", KEY)
        .json(&json!({ "to": ALICE, "messages": [{ "type": "text", "text": "hi" }] }))
        .send()
        .await
        .expect("request succeeds");
    assert_eq!(second.status().as_u16(), 409);
    assert_eq!(second.headers()["x-line-accepted-request-id"], accepted_id);
    assert_ne!(second.headers()["x-line-request-id"], accepted_id);
    let body: Value = second.json().await.expect("JSON");
    assert_eq!(body["message"], "The retry key is already accepted");
    assert_eq!(body["sentMessages"], first_body["sentMessages"]);

    assert_eq!(h.sim.seen_by(ALICE).len(), 1);
    assert_eq!(h.sim.billed_messages(), 1);
    let statuses: Vec<(u16, Option<String>)> = h.sim.requests().into_iter().map(|c| (c.status, c.retry_key)).collect();
    assert_eq!(statuses, [(200, Some(KEY.to_owned())), (409, Some(KEY.to_owned()))]);
}

#[tokio::test]
async fn retry_keys_are_forgotten_after_24_hours() {
    let h = Harness::with_people().await;
    assert_eq!(h.push(ALICE, "hi", Some(KEY)).await.0, 200);
    h.advance(24 * 3600);
    assert_eq!(h.push(ALICE, "hi", Some(KEY)).await.0, 200);
    assert_eq!(h.sim.seen_by(ALICE).len(), 2);
}

#[tokio::test]
async fn a_malformed_retry_key_is_rejected_with_400() {
    let h = Harness::with_people().await;
    let (status, _) = h.push(ALICE, "hi", Some("attempt-1")).await;
    assert_eq!(status, 400);
    assert!(h.sim.deliveries().is_empty());
}

#[tokio::test]
async fn an_injected_500_does_not_consume_the_retry_key() {
    let h = Harness::with_people().await;
    h.sim.fail_next(Endpoint::Push, Failure::Status(500), 1);
    let (status, body) = h.push(ALICE, "hi", Some(KEY)).await;
    assert_eq!(status, 500);
    assert!(body["message"].is_string());
    assert!(h.sim.deliveries().is_empty());

    let (status, _) = h.push(ALICE, "hi", Some(KEY)).await;
    assert_eq!(status, 200);
    assert_eq!(h.sim.seen_by(ALICE).len(), 1);
    assert_eq!(h.sim.billed_messages(), 1);
}

#[tokio::test]
async fn an_injected_429_uses_the_rate_limit_message() {
    let h = Harness::with_people().await;
    h.sim.fail_next(Endpoint::Any, Failure::Status(429), 2);
    let (status, body) = h.push(ALICE, "hi", None).await;
    assert_eq!(status, 429);
    assert_eq!(
        body["message"],
        "The API rate limit has been exceeded. Try again later."
    );
    let (status, _) = h.get(&format!("/v2/bot/profile/{ALICE}")).await;
    assert_eq!(status, 429);
    // Both armed failures are used up.
    assert_eq!(h.push(ALICE, "hi", None).await.0, 200);
}

#[tokio::test]
async fn failures_armed_for_one_endpoint_leave_others_alone() {
    let h = Harness::with_people().await;
    h.sim.fail_next(Endpoint::Reply, Failure::Status(500), 1);
    assert_eq!(h.push(ALICE, "hi", None).await.0, 200);
    let token = reply_token(&h.sim.text(ALICE, "hello"));
    assert_eq!(h.reply(&token, "hi").await.0, 500);
    // The failed call did not use up the token.
    assert_eq!(h.reply(&token, "hi").await.0, 200);
}

#[tokio::test]
async fn a_timed_out_push_is_delivered_once_and_its_retry_gets_409() {
    let h = Harness::with_people().await;
    h.sim
        .fail_next(Endpoint::Push, Failure::Timeout(Duration::from_millis(500)), 1);
    let lost = h
        .request(reqwest::Method::POST, "/v2/bot/message/push")
        .header("X-Line-Retry-Key", KEY)
        .timeout(Duration::from_millis(100))
        .json(&json!({ "to": ALICE, "messages": [{ "type": "text", "text": "hi" }] }))
        .send()
        .await;
    assert!(lost.is_err_and(|e| e.is_timeout()));
    assert_eq!(h.sim.seen_by(ALICE).len(), 1);

    let (status, _) = h.push(ALICE, "hi", Some(KEY)).await;
    assert_eq!(status, 409);
    assert_eq!(h.sim.seen_by(ALICE).len(), 1);
    assert_eq!(h.sim.billed_messages(), 1);
}

#[tokio::test]
async fn a_timeout_answers_500_after_the_hold_if_the_client_waits() {
    let h = Harness::with_people().await;
    h.sim
        .fail_next(Endpoint::Push, Failure::Timeout(Duration::from_millis(50)), 1);
    let (status, _) = h.push(ALICE, "hi", None).await;
    assert_eq!(status, 500);
    assert_eq!(h.sim.seen_by(ALICE).len(), 1);
}

#[tokio::test]
async fn a_reply_token_can_be_used_only_once() {
    let h = Harness::with_people().await;
    let event = h.sim.postback(ALICE, "ans=safe&ev=42");
    let token = reply_token(&event);
    let (status, body) = h.reply(&token, "Thank you").await;
    assert_eq!(status, 200);
    assert!(body["sentMessages"].is_array());

    let (status, body) = h.reply(&token, "Thank you again").await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "Invalid reply token");

    let seen = h.sim.seen_by(ALICE);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].via, Via::Reply);
    // Replies are free.
    assert_eq!(h.sim.billed_messages(), 0);
}

#[tokio::test]
async fn reply_tokens_expire_after_a_minute_of_clock_time() {
    let h = Harness::with_people().await;
    let fresh = reply_token(&h.sim.text(ALICE, "hello"));
    let stale = reply_token(&h.sim.text(ALICE, "hello"));
    h.advance(60);
    assert_eq!(h.reply(&fresh, "ok").await.0, 200);
    h.advance(1);
    assert_eq!(h.reply(&stale, "late").await.0, 400);
    assert_eq!(h.reply("not-a-token", "?").await.0, 400);
}

#[tokio::test]
async fn a_reply_to_a_group_event_goes_to_the_group() {
    let h = Harness::with_people().await;
    h.sim.add_group(FAMILY, "Family", &[ALICE, BOB]);
    let token = reply_token(&h.sim.group_text(FAMILY, ALICE, "help"));
    assert_eq!(h.reply(&token, "On it").await.0, 200);
    assert_eq!(h.sim.seen_by(FAMILY).len(), 1);
    assert!(h.sim.seen_by(ALICE).is_empty());
}

#[tokio::test]
async fn reply_with_a_retry_key_is_rejected_with_400() {
    let h = Harness::with_people().await;
    let token = reply_token(&h.sim.text(ALICE, "hello"));
    let body = json!({ "replyToken": token, "messages": [{ "type": "text", "text": "hi" }] });
    let (status, _) = h.post("/v2/bot/message/reply", body, Some(KEY)).await;
    assert_eq!(status, 400);
    assert!(h.sim.deliveries().is_empty());
    // The rejected call did not use up the token.
    assert_eq!(h.reply(&token, "hi").await.0, 200);
}

#[tokio::test]
async fn an_invalid_message_is_rejected_with_400_and_per_property_details() {
    let h = Harness::with_people().await;
    let body = json!({ "to": ALICE, "messages": [
        { "type": "text", "text": "" },
        { "type": "template", "altText": "Are you safe?", "template": { "type": "confirm",
          "text": "Are you safe?", "actions": [{ "type": "postback", "label": "Yes", "data": "ans=safe" }] } }
    ]});
    let (status, body) = h.post("/v2/bot/message/push", body, None).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "The request body has 2 error(s)");
    let properties: Vec<&str> = body["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| d["property"].as_str())
        .collect();
    assert_eq!(properties, ["messages[0].text", "messages[1].template.actions"]);
    assert!(h.sim.deliveries().is_empty());
    assert_eq!(h.sim.billed_messages(), 0);
}

#[tokio::test]
async fn six_messages_or_malformed_json_are_400() {
    let h = Harness::with_people().await;
    let text = json!({ "type": "text", "text": "hi" });
    let body = json!({ "to": ALICE, "messages": [text, text, text, text, text, text] });
    assert_eq!(h.post("/v2/bot/message/push", body, None).await.0, 400);
    let response = h
        .request(reqwest::Method::POST, "/v2/bot/message/push")
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request succeeds");
    assert_eq!(response.status().as_u16(), 400);
}

#[tokio::test]
async fn push_to_an_id_that_never_existed_is_400() {
    let h = Harness::with_people().await;
    let (status, body) = h.push("Uffffffffffffffffffffffffffffffff", "hi", None).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "Failed to send messages");
}

#[tokio::test]
async fn push_to_a_user_who_unfollowed_is_accepted_but_not_delivered_or_billed() {
    let h = Harness::with_people().await;
    h.sim.unfollow(ALICE);
    let (status, body) = h.push(ALICE, "hi", None).await;
    assert_eq!(status, 200);
    assert!(body["sentMessages"].is_array());
    assert!(h.sim.seen_by(ALICE).is_empty());
    assert_eq!(h.sim.billed_messages(), 0);
    // Same for someone who never followed.
    assert_eq!(h.push(CAROL, "hi", None).await.0, 200);
    assert!(h.sim.deliveries().is_empty());
}

#[tokio::test]
async fn following_again_after_unfollowing_is_an_unblock() {
    let h = Harness::new().await;
    h.sim.add_user(ALICE, "Alice");
    assert_eq!(h.sim.follow(ALICE)["follow"]["isUnblocked"], false);
    h.sim.unfollow(ALICE);
    assert_eq!(h.sim.follow(ALICE)["follow"]["isUnblocked"], true);
    assert_eq!(h.push(ALICE, "welcome back", None).await.0, 200);
    assert_eq!(h.sim.seen_by(ALICE).len(), 1);
}

#[tokio::test]
async fn profile_is_visible_only_while_the_user_is_a_friend() {
    let h = Harness::with_people().await;
    let (status, body) = h.get(&format!("/v2/bot/profile/{ALICE}")).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "displayName": "Alice", "userId": ALICE }));

    let (status, body) = h.get(&format!("/v2/bot/profile/{CAROL}")).await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "Not found");

    h.sim.unfollow(ALICE);
    assert_eq!(h.get(&format!("/v2/bot/profile/{ALICE}")).await.0, 404);
}

#[tokio::test]
async fn group_endpoints_reflect_membership_and_the_bot_leaving() {
    let h = Harness::with_people().await;
    h.sim.add_group(FAMILY, "Family", &[ALICE, BOB]);
    let (status, body) = h.get(&format!("/v2/bot/group/{FAMILY}/member/{CAROL}")).await;
    assert_eq!((status, body["message"].clone()), (404, json!("Not found")));
    let (status, body) = h.get(&format!("/v2/bot/group/{FAMILY}/member/{BOB}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["displayName"], "Bob");

    h.sim.member_joined(FAMILY, &[CAROL]);
    let (_, count) = h.get(&format!("/v2/bot/group/{FAMILY}/members/count")).await;
    assert_eq!(count, json!({ "count": 3 }));
    let (_, summary) = h.get(&format!("/v2/bot/group/{FAMILY}/summary")).await;
    assert_eq!(summary, json!({ "groupId": FAMILY, "groupName": "Family" }));

    let (status, body) = h.post(&format!("/v2/bot/group/{FAMILY}/leave"), json!({}), None).await;
    assert_eq!((status, body), (200, json!({})));
    assert_eq!(h.push(FAMILY, "still there?", None).await.0, 400);
    assert!(h.sim.seen_by(FAMILY).is_empty());
}

#[tokio::test]
async fn multicast_delivers_to_and_bills_each_friend_only() {
    let h = Harness::with_people().await;
    let body = json!({ "to": [ALICE, BOB, CAROL], "messages": [{ "type": "text", "text": "hi" }] });
    let (status, response) = h.post("/v2/bot/message/multicast", body, Some(KEY)).await;
    assert_eq!((status, response), (200, json!({})));
    assert_eq!(h.sim.seen_by(ALICE).len(), 1);
    assert_eq!(h.sim.seen_by(BOB).len(), 1);
    assert!(h.sim.seen_by(CAROL).is_empty());
    assert_eq!(h.sim.billed_messages(), 2);

    let body = json!({ "to": [ALICE], "messages": [{ "type": "text", "text": "hi" }] });
    assert_eq!(h.post("/v2/bot/message/multicast", body, Some(KEY)).await.0, 409);
}

#[tokio::test]
async fn the_monthly_limit_stops_pushes_with_429_but_not_replies() {
    let h = Harness::with_people().await;
    h.sim.add_group(FAMILY, "Family", &[ALICE, BOB, CAROL]);
    h.sim.set_monthly_limit(Some(2));
    let (_, quota) = h.get("/v2/bot/message/quota").await;
    assert_eq!(quota, json!({ "type": "limited", "value": 2 }));

    assert_eq!(h.push(ALICE, "1", None).await.0, 200);
    let (status, body) = h.push(FAMILY, "3 more", Some(KEY)).await;
    assert_eq!(status, 429);
    assert_eq!(body["message"], "You have reached your monthly limit.");
    assert_eq!(h.push(BOB, "2", None).await.0, 200);
    assert_eq!(h.push(BOB, "3", None).await.0, 429);
    assert_eq!(h.sim.billed_messages(), 2);

    let token = reply_token(&h.sim.text(ALICE, "hello"));
    assert_eq!(h.reply(&token, "free").await.0, 200);
    // The refused push did not consume its key.
    h.sim.set_monthly_limit(None);
    assert_eq!(h.push(FAMILY, "3 more", Some(KEY)).await.0, 200);
}

#[tokio::test]
async fn the_webhook_signature_verifies_with_the_channel_secret() {
    let h = Harness::with_people().await;
    let events = [h.sim.follow(CAROL), h.sim.text(CAROL, "こんにちは")];
    let webhook = h.sim.signed(&events);

    let mut mac = Hmac::<Sha256>::new_from_slice(h.sim.config().channel_secret.as_bytes()).expect("any key length");
    mac.update(webhook.body.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD
        .decode(&webhook.signature)
        .expect("base64 signature");
    assert!(mac.verify_slice(&signature).is_ok());

    let body: Value = serde_json::from_str(&webhook.body).expect("JSON body");
    assert_eq!(body["destination"], h.sim.config().bot_user_id.as_str());
    assert_eq!(body["events"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn events_are_shaped_like_lines() {
    let h = Harness::with_people().await;
    h.sim.add_group(FAMILY, "Family", &[ALICE]);
    let event = h.sim.group_postback(FAMILY, ALICE, "ans=safe");
    assert_eq!(event["type"], "postback");
    assert_eq!(event["mode"], "active");
    assert_eq!(event["timestamp"], 1_780_000_000_000_i64);
    assert_eq!(event["webhookEventId"].as_str().map(str::len), Some(26));
    assert_eq!(event["deliveryContext"], json!({ "isRedelivery": false }));
    assert_eq!(
        event["source"],
        json!({ "type": "group", "groupId": FAMILY, "userId": ALICE })
    );
    assert_eq!(event["postback"], json!({ "data": "ans=safe" }));

    let picked = h
        .sim
        .postback_with_params(ALICE, "k=remind", &[("datetime", "2026-06-18T06:15")]);
    assert_eq!(picked["postback"]["params"]["datetime"], "2026-06-18T06:15");

    let redelivered = Simulator::as_redelivery(&event);
    assert_eq!(redelivered["webhookEventId"], event["webhookEventId"]);
    assert_eq!(redelivered["deliveryContext"]["isRedelivery"], true);
    assert_eq!(Simulator::as_standby(&event)["mode"], "standby");

    let unfollow = h.sim.unfollow(BOB);
    assert!(unfollow.get("replyToken").is_none());
    let join = h.sim.join(FAMILY);
    assert_eq!(join["source"], json!({ "type": "group", "groupId": FAMILY }));
    assert!(join["replyToken"].is_string());
    let left = h.sim.member_left(FAMILY, &[ALICE]);
    assert_eq!(left["left"]["members"], json!([{ "type": "user", "userId": ALICE }]));
    assert_ne!(
        h.sim.text(ALICE, "a")["webhookEventId"],
        h.sim.text(ALICE, "a")["webhookEventId"]
    );
}

#[tokio::test]
async fn deliveries_expose_readable_texts_and_postback_data() {
    let h = Harness::with_people().await;
    let body = json!({ "to": ALICE, "messages": [
        { "type": "template", "altText": "Safety check", "template": { "type": "buttons",
          "text": "Are you safe?", "actions": [
            { "type": "postback", "label": "I'm safe", "data": "ans=safe" },
            { "type": "postback", "label": "Need help", "data": "ans=help" } ] } },
        { "type": "text", "text": "Or tap below", "quickReply": { "items": [
            { "type": "action", "action": { "type": "postback", "label": "Later", "data": "ans=later", "displayText": "Later" } } ] } }
    ]});
    assert_eq!(h.post("/v2/bot/message/push", body, None).await.0, 200);
    let seen = h.sim.seen_by(ALICE);
    assert_eq!(seen[0].texts(), ["Safety check\nAre you safe?", "Or tap below"]);
    assert_eq!(seen[0].postback_data(), ["ans=safe", "ans=help", "ans=later"]);
}

#[tokio::test]
async fn unknown_paths_get_a_json_404() {
    let h = Harness::with_people().await;
    let (status, body) = h.get("/v2/bot/no/such/thing").await;
    assert_eq!(status, 404);
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn rich_menus_need_an_image_before_they_can_be_linked() {
    let h = Harness::with_people().await;
    let menu = json!({"size":{"width":2500,"height":843},"selected":false,"name":"safety-main","chatBarText":"Menu","areas":[
        {"bounds":{"x":0,"y":0,"width":1250,"height":843},"action":{"type":"postback","label":"Check in","data":"menu=checkin","displayText":"Check in"}},
        {"bounds":{"x":1250,"y":0,"width":1250,"height":843},"action":{"type":"postback","label":"Status","data":"menu=status"}}]});
    let (status, created) = h.post("/v2/bot/richmenu", menu.clone(), None).await;
    assert_eq!(status, 200);
    let id = created["richMenuId"].as_str().expect("id").to_owned();
    assert!(id.starts_with("richmenu-") && id.len() == 41);

    let mut bad = menu.clone();
    bad["chatBarText"] = json!("This is far too long");
    let (status, body) = h.post("/v2/bot/richmenu/validate", bad, None).await;
    assert_eq!(status, 400);
    assert_eq!(body["details"][0]["property"], "chatBarText");

    let link = format!("/v2/bot/user/{ALICE}/richmenu/{id}");
    assert_eq!(h.post(&link, json!({}), None).await.0, 400);

    let png = b"\x89PNG\r\n\x1a\nrest-of-image".to_vec();
    let upload = h
        .request(reqwest::Method::POST, &format!("/v2/bot/richmenu/{id}/content"))
        .header("Content-Type", "image/png")
        .body(png)
        .send()
        .await
        .expect("request succeeds");
    assert_eq!(upload.status().as_u16(), 200);

    assert_eq!(h.post(&link, json!({}), None).await.0, 200);
    assert_eq!(h.sim.rich_menu_of(ALICE), Some(id.clone()));
    let (_, linked) = h.get(&format!("/v2/bot/user/{ALICE}/richmenu")).await;
    assert_eq!(linked["richMenuId"], id.as_str());

    let default = format!("/v2/bot/user/all/richmenu/{id}");
    assert_eq!(h.post(&default, json!({}), None).await.0, 200);
    assert_eq!(h.sim.default_rich_menu(), Some(id.clone()));

    let (_, list) = h.get("/v2/bot/richmenu/list").await;
    assert_eq!(list["richmenus"][0]["richMenuId"], id.as_str());
    assert_eq!(list["richmenus"][0]["chatBarText"], "Menu");

    let deleted = h
        .request(reqwest::Method::DELETE, &format!("/v2/bot/richmenu/{id}"))
        .send()
        .await
        .expect("request succeeds");
    assert_eq!(deleted.status().as_u16(), 200);
    assert_eq!(h.sim.default_rich_menu(), None);
    assert_eq!(h.sim.rich_menu_of(ALICE), None);
    assert_eq!(h.get(&format!("/v2/bot/richmenu/{id}")).await.0, 404);
}

fn mention_of(user: &str) -> Value {
    json!({ "type": "textV2", "text": "{who} please answer", "substitution": {
        "who": { "type": "mention", "mentionee": { "type": "user", "userId": user } }
    }})
}

#[tokio::test]
async fn a_mention_pushed_to_a_group_needs_the_user_to_be_a_current_member() {
    let h = Harness::with_people().await;
    h.sim.add_group(FAMILY, "Family", &[ALICE, BOB]);
    let push =
        |user: &str| json!({ "to": FAMILY, "messages": [{ "type": "text", "text": "case #1" }, mention_of(user)] });
    assert_eq!(h.post("/v2/bot/message/push", push(ALICE), None).await.0, 200);

    h.sim.member_left(FAMILY, &[ALICE]);
    let (status, body) = h.post("/v2/bot/message/push", push(ALICE), Some(KEY)).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "The request body has 1 error(s)");
    assert_eq!(
        body["details"][0]["property"],
        "messages[1].substitution.who.mentionee.userId"
    );
    // The whole push is refused, the plain text with it, and the retry key stays unused.
    assert_eq!(h.sim.seen_by(FAMILY).len(), 1);
    assert_eq!(h.sim.billed_messages(), 2);
    h.sim.member_joined(FAMILY, &[ALICE]);
    assert_eq!(h.post("/v2/bot/message/push", push(ALICE), Some(KEY)).await.0, 200);

    // Carol never was in the group; the bot itself can never be mentioned.
    assert_eq!(h.post("/v2/bot/message/push", push(CAROL), None).await.0, 400);
    let bot = h.sim.config().bot_user_id.clone();
    assert_eq!(h.post("/v2/bot/message/push", push(&bot), None).await.0, 400);
    let all = json!({ "to": FAMILY, "messages": [{ "type": "textV2", "text": "{all}", "substitution": {
        "all": { "type": "mention", "mentionee": { "type": "all" } } } }] });
    assert_eq!(h.post("/v2/bot/message/push", all, None).await.0, 200);
}

#[tokio::test]
async fn mentions_are_refused_outside_groups_and_rooms() {
    let h = Harness::with_people().await;
    let to_user = json!({ "to": ALICE, "messages": [mention_of(ALICE)] });
    assert_eq!(h.post("/v2/bot/message/push", to_user, None).await.0, 400);
    let multicast = json!({ "to": [ALICE, BOB], "messages": [mention_of(ALICE)] });
    assert_eq!(h.post("/v2/bot/message/multicast", multicast, None).await.0, 400);
    assert!(h.sim.deliveries().is_empty());

    let token = reply_token(&h.sim.text(ALICE, "hello"));
    let reply = json!({ "replyToken": token, "messages": [mention_of(ALICE)] });
    assert_eq!(h.post("/v2/bot/message/reply", reply, None).await.0, 400);
    // The refused reply did not use up the token.
    assert_eq!(h.reply(&token, "plain").await.0, 200);
}

#[tokio::test]
async fn a_reply_in_a_group_may_mention_its_members_only() {
    let h = Harness::with_people().await;
    h.sim.add_group(FAMILY, "Family", &[ALICE]);
    let token = reply_token(&h.sim.group_text(FAMILY, ALICE, "help"));
    let reply = |user: &str| json!({ "replyToken": token, "messages": [mention_of(user)] });
    assert_eq!(h.post("/v2/bot/message/reply", reply(BOB), None).await.0, 400);
    assert_eq!(h.post("/v2/bot/message/reply", reply(ALICE), None).await.0, 200);
}

#[tokio::test]
async fn rooms_have_their_own_endpoints_and_group_endpoints_refuse_their_ids() {
    let h = Harness::with_people().await;
    h.sim.add_room(MEETING, &[ALICE, BOB]);
    h.sim.add_group(FAMILY, "Family", &[ALICE]);

    let (status, profile) = h.get(&format!("/v2/bot/room/{MEETING}/member/{ALICE}")).await;
    assert_eq!(status, 200);
    assert_eq!(profile, json!({ "displayName": "Alice", "userId": ALICE }));
    assert_eq!(h.get(&format!("/v2/bot/room/{MEETING}/member/{CAROL}")).await.0, 404);
    assert_eq!(
        h.get(&format!("/v2/bot/room/{MEETING}/members/count")).await.1,
        json!({ "count": 2 })
    );

    let (status, body) = h.get(&format!("/v2/bot/group/{MEETING}/member/{ALICE}")).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "The value for the 'groupId' parameter is invalid");
    assert_eq!(h.get(&format!("/v2/bot/group/{MEETING}/summary")).await.0, 400);
    assert_eq!(h.get(&format!("/v2/bot/group/{MEETING}/members/count")).await.0, 400);
    assert_eq!(h.get(&format!("/v2/bot/room/{FAMILY}/member/{ALICE}")).await.0, 400);
    assert_eq!(
        h.post(&format!("/v2/bot/group/{MEETING}/leave"), json!({}), None)
            .await
            .0,
        400
    );

    // Push, billing and mentions work as for groups.
    let body = json!({ "to": MEETING, "messages": [mention_of(BOB)] });
    assert_eq!(h.post("/v2/bot/message/push", body, None).await.0, 200);
    assert_eq!(h.sim.seen_by(MEETING).len(), 1);
    assert_eq!(h.sim.billed_messages(), 2);

    assert_eq!(
        h.post(&format!("/v2/bot/room/{MEETING}/leave"), json!({}), None)
            .await
            .0,
        200
    );
    assert_eq!(h.push(MEETING, "gone", None).await.0, 400);
}

#[tokio::test]
async fn room_events_have_a_room_source() {
    let h = Harness::with_people().await;
    h.sim.add_room(MEETING, &[ALICE]);
    let text = h.sim.room_text(MEETING, ALICE, "hi");
    assert_eq!(
        text["source"],
        json!({ "type": "room", "roomId": MEETING, "userId": ALICE })
    );
    assert_eq!(h.reply(&reply_token(&text), "hello room").await.0, 200);
    assert_eq!(h.sim.seen_by(MEETING)[0].via, Via::Reply);

    let press = h.sim.room_postback(MEETING, None, "take");
    assert_eq!(press["source"], json!({ "type": "room", "roomId": MEETING }));
    assert_eq!(
        h.sim.join(MEETING)["source"],
        json!({ "type": "room", "roomId": MEETING })
    );
    let joined = h.sim.member_joined(MEETING, &[BOB]);
    assert_eq!(joined["source"], json!({ "type": "room", "roomId": MEETING }));
    assert_eq!(
        h.get(&format!("/v2/bot/room/{MEETING}/members/count")).await.1,
        json!({ "count": 2 })
    );
    h.sim.member_left(MEETING, &[BOB]);
    let body = json!({ "to": MEETING, "messages": [mention_of(BOB)] });
    assert_eq!(h.post("/v2/bot/message/push", body, None).await.0, 400);
}

#[tokio::test]
async fn events_can_come_without_a_user_id() {
    let h = Harness::with_people().await;
    h.sim.add_group(FAMILY, "Family", &[ALICE]);
    let press = h.sim.group_postback_without_user(FAMILY, "take");
    assert_eq!(press["source"], json!({ "type": "group", "groupId": FAMILY }));
    assert_eq!(press["postback"], json!({ "data": "take" }));
    // The reply still goes to the group.
    assert_eq!(h.reply(&reply_token(&press), "who pressed?").await.0, 200);
    assert_eq!(h.sim.seen_by(FAMILY).len(), 1);

    let desktop = h.sim.message(
        Origin::Group {
            group_id: FAMILY,
            user_id: None,
        },
        Content::Text("typed on PC"),
    );
    assert_eq!(desktop["source"], json!({ "type": "group", "groupId": FAMILY }));

    let unconsented = h.sim.message(Origin::UserWithoutId(ALICE), Content::Text("hi"));
    assert_eq!(unconsented["source"], json!({ "type": "user" }));
    assert_eq!(h.reply(&reply_token(&unconsented), "hello").await.0, 200);
    assert_eq!(h.sim.seen_by(ALICE).len(), 1);
}

#[tokio::test]
async fn stickers_and_images_are_message_events_without_text() {
    let h = Harness::with_people().await;
    let sticker = h.sim.message(
        Origin::User(ALICE),
        Content::Sticker {
            package_id: "446",
            sticker_id: "1988",
        },
    );
    let m = &sticker["message"];
    assert_eq!(m["type"], "sticker");
    assert_eq!(
        (m["packageId"].as_str(), m["stickerId"].as_str()),
        (Some("446"), Some("1988"))
    );
    assert!(m["quoteToken"].is_string() && m["id"].is_string() && m.get("text").is_none());
    assert!(sticker["replyToken"].is_string());

    let image = h.sim.message(Origin::User(ALICE), Content::Image);
    assert_eq!(image["message"]["type"], "image");
    assert_eq!(image["message"]["contentProvider"], json!({ "type": "line" }));
}

#[tokio::test]
async fn one_webhook_body_can_carry_events_of_several_chats() {
    let h = Harness::with_people().await;
    h.sim.add_group(FAMILY, "Family", &[ALICE]);
    let events = [
        h.sim.text(ALICE, "one"),
        h.sim.group_postback_without_user(FAMILY, "two"),
        h.sim.unfollow(BOB),
    ];
    let body: Value = serde_json::from_str(&h.sim.signed(&events).body).expect("JSON body");
    let kinds: Vec<&str> = body["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(kinds, ["message", "postback", "unfollow"]);
    // Each event keeps its own reply token.
    assert_eq!(h.reply(&reply_token(&events[1]), "group").await.0, 200);
    assert_eq!(h.reply(&reply_token(&events[0]), "alice").await.0, 200);
}

#[tokio::test]
async fn standby_events_carry_no_reply_token() {
    let h = Harness::with_people().await;
    let standby = Simulator::as_standby(&h.sim.text(ALICE, "hi"));
    assert_eq!(standby["mode"], "standby");
    assert!(standby.get("replyToken").is_none());
    assert_eq!(standby["message"]["text"], "hi");
}

#[tokio::test]
async fn a_used_up_allowance_refuses_every_push_with_lines_429_body() {
    let h = Harness::with_people().await;
    h.sim.add_group(
        FAMILY,
        "Family",
        &[
            ALICE,
            BOB,
            CAROL,
            "U6666666666666666666666666666666f",
            "U7777777777777777777777777777777a",
        ],
    );
    h.sim.set_monthly_limit(Some(6));
    // The docs' example: 4 message objects to a 5-person chat count 5.
    let text = json!({ "type": "text", "text": "x" });
    let body = json!({ "to": FAMILY, "messages": [text, text, text, text] });
    assert_eq!(h.post("/v2/bot/message/push", body, None).await.0, 200);
    assert_eq!(h.sim.billed_messages(), 5);
    assert_eq!(h.push(ALICE, "last one", None).await.0, 200);

    // Used up: even a push that would cost nothing (Carol never followed) is refused.
    let (status, body) = h.push(CAROL, "free?", None).await;
    assert_eq!(
        (status, body),
        (429, json!({ "message": "You have reached your monthly limit." }))
    );
    let multicast = json!({ "to": [CAROL], "messages": [text] });
    assert_eq!(h.post("/v2/bot/message/multicast", multicast, None).await.0, 429);
    assert_eq!(h.sim.billed_messages(), 6);
    let (_, usage) = h.get("/v2/bot/message/quota/consumption").await;
    assert_eq!(usage, json!({ "totalUsage": 6 }));
}

#[tokio::test]
async fn a_redelivered_token_is_usable_for_a_minute_after_the_redelivery() {
    let h = Harness::with_people().await;
    let event = h.sim.text(ALICE, "hello");
    h.advance(10 * 60);
    let redelivered = h.sim.redeliver(&event);
    assert_eq!(redelivered["deliveryContext"]["isRedelivery"], true);
    h.advance(59);
    assert_eq!(h.reply(&reply_token(&redelivered), "late but fine").await.0, 200);
    // Used once is used for good, whatever is redelivered later.
    h.sim.redeliver(&event);
    assert_eq!(h.reply(&reply_token(&event), "again").await.0, 400);

    let event = h.sim.text(ALICE, "hello");
    h.advance(10 * 60);
    h.sim.redeliver(&event);
    h.advance(61);
    assert_eq!(
        h.reply(&reply_token(&event), "too late after the redelivery").await.0,
        400
    );
}

#[tokio::test]
async fn a_redelivered_token_is_dead_20_minutes_after_the_event() {
    let h = Harness::with_people().await;
    let event = h.sim.text(ALICE, "hello");
    h.advance(19 * 60 + 30);
    h.sim.redeliver(&event);
    h.advance(29);
    assert_eq!(h.reply(&reply_token(&event), "at 19:59").await.0, 200);

    let event = h.sim.text(ALICE, "hello");
    h.advance(19 * 60 + 30);
    h.sim.redeliver(&event);
    h.advance(31);
    assert_eq!(h.reply(&reply_token(&event), "at 20:01").await.0, 400);

    let event = h.sim.text(ALICE, "hello");
    h.advance(25 * 60);
    let redelivered = h.sim.redeliver(&event);
    assert_eq!(h.reply(&reply_token(&redelivered), "at 25:00").await.0, 400);

    // as_redelivery only reshapes the event: the token keeps its first minute.
    let event = h.sim.text(ALICE, "hello");
    h.advance(120);
    let reshaped = Simulator::as_redelivery(&event);
    assert_eq!(h.reply(&reply_token(&reshaped), "at 2:00").await.0, 400);
}

#[tokio::test]
async fn the_reply_token_ttl_is_configurable() {
    let h = Harness::with_reply_token_ttl(Duration::from_secs(30)).await;
    h.sim.add_user(ALICE, "Alice");
    h.sim.follow(ALICE);
    let first = h.sim.text(ALICE, "one");
    let second = h.sim.text(ALICE, "two");
    h.advance(30);
    assert_eq!(h.reply(&reply_token(&first), "at 30 s").await.0, 200);
    h.advance(1);
    assert_eq!(h.reply(&reply_token(&second), "at 31 s").await.0, 400);
}
