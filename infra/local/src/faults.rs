//! A fault-injecting proxy in front of moto. The functions' AWS clients talk to it; it
//! forwards every request to moto unchanged, except those a rule picks, which it answers
//! with the error the real service sends (throttling, a transaction cancelled with its
//! reasons, an internal error). So the real SDK, its retries and our error handling see
//! what AWS sends, not what moto happens to do.
//!
//! Rules name an operation by its JSON-protocol target (`TransactWriteItems`,
//! `PutItem`, `GetParameter`, …): DynamoDB and SSM speak that protocol. Each rule fires
//! on its next `n` matching requests, or on a share of them (deterministic, seeded).

use crate::{LocalError, Result};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// An error as DynamoDB or SSM answer it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// DynamoDB's `ProvisionedThroughputExceededException` (400; the SDK retries it).
    ProvisionedThroughputExceeded,
    /// `ThrottlingException` (400), as SSM (and DynamoDB's control plane) send it.
    Throttling,
    /// `TransactionCanceledException` (400): the first item of the transaction failed for
    /// `reason` (`ConditionalCheckFailed`, `TransactionConflict`, `ThrottlingError`,
    /// `ValidationError`), every other item has the reason `None`.
    TransactionCanceled { reason: String },
    /// `InternalServerError` (500; the SDK retries it).
    InternalServerError,
}

impl Fault {
    pub fn cancelled(reason: &str) -> Self {
        Self::TransactionCanceled {
            reason: reason.to_owned(),
        }
    }
}

#[derive(Debug)]
enum Times {
    Next(usize),
    /// Fires on about `per_mille`/1000 of the matching requests.
    Rate {
        per_mille: u32,
        state: u64,
    },
}

#[derive(Debug)]
struct Rule {
    operation: String,
    body_contains: Option<String>,
    fault: Fault,
    times: Times,
}

impl Rule {
    /// Whether the rule fires on this request (and counts it if so).
    fn fires(&mut self, operation: &str, body: &str) -> bool {
        if self.operation != operation || self.body_contains.as_ref().is_some_and(|b| !body.contains(b.as_str())) {
            return false;
        }
        match &mut self.times {
            Times::Next(0) => false,
            Times::Next(n) => {
                *n -= 1;
                true
            }
            Times::Rate { per_mille, state } => {
                // xorshift64: the same seed gives the same faults run after run.
                *state ^= *state << 13;
                *state ^= *state >> 7;
                *state ^= *state << 17;
                (*state % 1000) < u64::from(*per_mille)
            }
        }
    }
}

#[derive(Default)]
struct Shared {
    rules: Vec<Rule>,
    injected: Vec<(String, Fault)>,
    forwarded: usize,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    shared: Arc<Mutex<Shared>>,
}

/// The running proxy; it stops with the process.
#[derive(Clone)]
pub struct FaultProxy {
    pub endpoint: String,
    shared: Arc<Mutex<Shared>>,
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port in front of `upstream` (moto).
    pub async fn start(upstream: &str) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| LocalError(format!("fault proxy: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| LocalError(format!("fault proxy: {e}")))?
            .port();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let proxy = Proxy {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            shared: shared.clone(),
        };
        let app = Router::new().fallback(forward).with_state(proxy);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            shared,
        })
    }

    fn add(&self, rule: Rule) {
        if let Ok(mut s) = self.shared.lock() {
            s.rules.push(rule);
        }
    }

    /// Answers the next `n` requests of `operation` with `fault`.
    pub fn fail_next(&self, operation: &str, fault: Fault, n: usize) {
        self.add(Rule {
            operation: operation.to_owned(),
            body_contains: None,
            fault,
            times: Times::Next(n),
        });
    }

    /// Answers the next `n` requests of `operation` whose body contains `text` (a key,
    /// an attribute) with `fault`.
    pub fn fail_next_matching(&self, operation: &str, text: &str, fault: Fault, n: usize) {
        self.add(Rule {
            operation: operation.to_owned(),
            body_contains: Some(text.to_owned()),
            fault,
            times: Times::Next(n),
        });
    }

    /// Answers about `per_mille`/1000 of the requests of `operation` with `fault`, the
    /// same ones for the same `seed`.
    pub fn fail_at_rate(&self, operation: &str, fault: Fault, per_mille: u32, seed: u64) {
        self.add(Rule {
            operation: operation.to_owned(),
            body_contains: None,
            fault,
            times: Times::Rate {
                per_mille,
                state: seed | 1,
            },
        });
    }

    /// Removes every rule.
    pub fn clear(&self) {
        if let Ok(mut s) = self.shared.lock() {
            s.rules.clear();
        }
    }

    /// Every fault injected so far: (operation, fault).
    pub fn injected(&self) -> Vec<(String, Fault)> {
        self.shared.lock().map(|s| s.injected.clone()).unwrap_or_default()
    }

    /// Requests passed on to moto.
    pub fn forwarded(&self) -> usize {
        self.shared.lock().map(|s| s.forwarded).unwrap_or_default()
    }
}

/// The fault's response, in the JSON protocol's error shape (`__type` names the error).
fn answer(fault: &Fault, body: &str) -> (StatusCode, Value) {
    let dynamo = |name: &str| format!("com.amazonaws.dynamodb.v20120810#{name}");
    match fault {
        Fault::ProvisionedThroughputExceeded => (
            StatusCode::BAD_REQUEST,
            json!({
                "__type": dynamo("ProvisionedThroughputExceededException"),
                "message": "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
            }),
        ),
        Fault::Throttling => (
            StatusCode::BAD_REQUEST,
            json!({ "__type": "ThrottlingException", "message": "Rate exceeded" }),
        ),
        Fault::InternalServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({ "__type": dynamo("InternalServerError"), "message": "Internal server error" }),
        ),
        Fault::TransactionCanceled { reason } => {
            // One reason per item of the request, in order.
            let items = serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|b| b.get("TransactItems").and_then(Value::as_array).map(Vec::len))
                .unwrap_or(1)
                .max(1);
            let mut reasons = vec![json!({ "Code": reason, "Message": reason_message(reason) })];
            reasons.extend((1..items).map(|_| json!({ "Code": "None" })));
            let codes: Vec<&str> = std::iter::once(reason.as_str())
                .chain((1..items).map(|_| "None"))
                .collect();
            (
                StatusCode::BAD_REQUEST,
                json!({
                    "__type": dynamo("TransactionCanceledException"),
                    "Message": format!(
                        "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
                        codes.join(", ")
                    ),
                    "CancellationReasons": reasons,
                }),
            )
        }
    }
}

fn reason_message(reason: &str) -> &'static str {
    match reason {
        "ConditionalCheckFailed" => "The conditional request failed",
        "TransactionConflict" => "Transaction is ongoing for the item",
        "ThrottlingError" => "Throughput exceeds the current capacity for one or more global secondary indexes",
        "ValidationError" => "One or more parameter values were invalid",
        _ => "Transaction cancelled",
    }
}

async fn forward(State(proxy): State<Proxy>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let operation = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or_default()
        .to_owned();
    let text = String::from_utf8_lossy(&body);
    let fault = proxy.shared.lock().ok().and_then(|mut s| {
        let fault = s
            .rules
            .iter_mut()
            .find_map(|r| r.fires(&operation, &text).then(|| r.fault.clone()));
        match &fault {
            Some(f) => s.injected.push((operation.clone(), f.clone())),
            None => s.forwarded += 1,
        }
        fault
    });
    if let Some(fault) = fault {
        let (status, body) = answer(&fault, &text);
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/x-amz-json-1.0")
            .to_owned();
        return Response::builder()
            .status(status)
            .header("content-type", content_type)
            .header("x-amzn-requestid", "fault-proxy")
            .body(Body::from(body.to_string()))
            .unwrap_or_default();
    }
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut request = proxy.http.request(method, format!("{}{path}", proxy.upstream));
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    match request.body(body).send().await {
        Ok(upstream) => {
            let mut response = Response::builder().status(upstream.status());
            for (name, value) in upstream.headers() {
                if name != "content-length" && name != "transfer-encoding" && name != "connection" {
                    response = response.header(name, value);
                }
            }
            let bytes = upstream.bytes().await.unwrap_or_default();
            response.body(Body::from(bytes)).unwrap_or_default()
        }
        Err(e) => Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Body::from(format!("fault proxy: moto did not answer: {e}")))
            .unwrap_or_default(),
    }
}
