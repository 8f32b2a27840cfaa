//! A fault-injecting proxy in front of moto. The functions' AWS clients talk to it; it
//! forwards every request to moto unchanged, except those a rule picks, which it answers
//! with the error the real service sends (throttling, a transaction cancelled with its
//! reasons, an internal error). So the real SDK, its retries and our error handling see
//! what AWS sends, not what moto happens to do.
//!
//! Rules name an operation by its JSON-protocol target (`TransactWriteItems`,
//! `PutItem`, `GetParameters`, …), as DynamoDB and SSM speak it, or by its query-protocol
//! `Action` (`Publish`), as SNS does. Each rule fires on its next `n` matching requests,
//! or on a share of them (deterministic, seeded).

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
    /// No error: the request reaches moto only after this long, as a call to a hot
    /// partition or through a slow network does.
    Slow(std::time::Duration),
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
        dice: crate::Dice,
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
            Times::Rate { per_mille, dice } => dice.roll(*per_mille),
        }
    }
}

#[derive(Default)]
struct Shared {
    rules: Vec<Rule>,
    injected: Vec<(String, Fault)>,
    forwarded: usize,
    /// Schedules created, updated or deleted since the driver last asked.
    touched_schedules: std::collections::HashSet<String>,
    /// Visibility timeouts the functions set on received SQS messages, by receipt handle
    /// (the driver turns them into virtual time).
    visibility: std::collections::HashMap<String, i64>,
    /// Crashes: the function dies around about `per_mille`/1000 of its AWS calls.
    crash: Option<(u32, crate::Dice)>,
    crashes: usize,
    /// DynamoDB write units by partition key (`pk`), since last taken.
    partition_writes: std::collections::HashMap<String, u64>,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    shared: Arc<Mutex<Shared>>,
    crashed: Arc<tokio::sync::Notify>,
}

/// The running proxy; it stops with the process.
#[derive(Clone)]
pub struct FaultProxy {
    pub endpoint: String,
    shared: Arc<Mutex<Shared>>,
    /// Woken when a crash is due: the stack drops the running invocation there, as a
    /// Lambda process dies between two of its calls.
    pub crashed: Arc<tokio::sync::Notify>,
}

/// Where a crash falls around the call that drew it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Crash {
    /// Before the call reaches AWS (the previous effect was the last).
    Before,
    /// After AWS did it, before the function hears back.
    After,
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
        let crashed = Arc::new(tokio::sync::Notify::new());
        let proxy = Proxy {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            shared: shared.clone(),
            crashed: crashed.clone(),
        };
        let app = Router::new().fallback(forward).with_state(proxy);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            shared,
            crashed,
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
                dice: crate::Dice::new(seed),
            },
        });
    }

    /// About `per_mille`/1000 of the functions' AWS calls (any service) crash the
    /// function: half just before the call reaches AWS, half just after AWS did it.
    pub fn crash_at_rate(&self, per_mille: u32, seed: u64) {
        if let Ok(mut s) = self.shared.lock() {
            s.crash = Some((per_mille, crate::Dice::new(seed)));
        }
    }

    /// Crashes caused so far.
    pub fn crashes(&self) -> usize {
        self.shared.lock().map(|s| s.crashes).unwrap_or_default()
    }

    /// Removes every rule, the crash rate too.
    pub fn clear(&self) {
        if let Ok(mut s) = self.shared.lock() {
            s.rules.clear();
            s.crash = None;
        }
    }

    /// Every fault injected so far: (operation, fault).
    pub fn injected(&self) -> Vec<(String, Fault)> {
        self.shared.lock().map(|s| s.injected.clone()).unwrap_or_default()
    }

    /// The names of the schedules the functions created, updated or deleted since the
    /// last call (the driver re-reads only those).
    pub fn take_touched_schedules(&self) -> Vec<String> {
        self.shared
            .lock()
            .map(|mut s| s.touched_schedules.drain().collect())
            .unwrap_or_default()
    }

    /// The visibility timeout (seconds) a function set on the message received with
    /// `receipt_handle`, if one did; forgotten once asked.
    pub fn take_visibility_change(&self, receipt_handle: &str) -> Option<i64> {
        self.shared.lock().ok()?.visibility.remove(receipt_handle)
    }

    /// The DynamoDB write units (puts, updates, deletes, alone, in transactions (two an
    /// item) and in batches; items taken as at most 1 KB) by partition key since the
    /// last call: where a burst's writes land.
    pub fn take_partition_writes(&self) -> std::collections::HashMap<String, u64> {
        self.shared
            .lock()
            .map(|mut s| std::mem::take(&mut s.partition_writes))
            .unwrap_or_default()
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
        // A slow call is forwarded late, never answered here.
        Fault::Slow(_) | Fault::InternalServerError => (
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

/// The partition keys of the items a write request writes: every `Item` or `Key` with a
/// `pk`, except those a transaction only checks (`ConditionCheck`).
fn written_partitions(request: &Value, out: &mut Vec<String>) {
    match request {
        Value::Object(map) => {
            for (name, value) in map {
                match name.as_str() {
                    "ConditionCheck" => {}
                    "Item" | "Key" => {
                        if let Some(pk) = value["pk"]["S"].as_str() {
                            out.push(pk.to_owned());
                        }
                    }
                    _ => written_partitions(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| written_partitions(v, out)),
        _ => {}
    }
}

/// An error as a query-protocol service (SNS) answers it.
fn answer_query(fault: &Fault) -> (StatusCode, String) {
    let (status, kind, code, message) = match fault {
        Fault::ProvisionedThroughputExceeded | Fault::Throttling => {
            (StatusCode::BAD_REQUEST, "Sender", "Throttling", "Rate exceeded")
        }
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Receiver",
            "InternalError",
            "Request could not be completed",
        ),
    };
    let body = format!(
        "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
    );
    (status, body)
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
    let text = String::from_utf8_lossy(&body);
    // SNS speaks the query protocol: the operation is the form's `Action`.
    let query_action = || {
        text.split('&')
            .find_map(|pair| pair.strip_prefix("Action="))
            .map(str::to_owned)
    };
    let operation = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .map(str::to_owned)
        .or_else(query_action)
        .unwrap_or_default();
    let query_protocol = headers.get("x-amz-target").is_none();
    if matches!(
        operation.as_str(),
        "PutItem" | "UpdateItem" | "DeleteItem" | "TransactWriteItems" | "BatchWriteItem"
    ) && let Ok(request) = serde_json::from_str::<Value>(&text)
        && let Ok(mut s) = proxy.shared.lock()
    {
        let mut keys = Vec::new();
        written_partitions(&request, &mut keys);
        // A transactional write costs two write units an item (of up to 1 KB).
        let units = if operation == "TransactWriteItems" { 2 } else { 1 };
        for pk in keys {
            *s.partition_writes.entry(pk).or_default() += units;
        }
    }
    if method != Method::GET
        && let Some(name) = uri.path().strip_prefix("/schedules/")
        && let Ok(mut s) = proxy.shared.lock()
    {
        s.touched_schedules.insert(percent_decode(name));
    }
    let crash = proxy.shared.lock().ok().and_then(|mut s| {
        let (per_mille, dice) = s.crash.as_mut()?;
        let per_mille = *per_mille;
        if !dice.roll(per_mille) {
            return None;
        }
        let at = if dice.roll(500) { Crash::Before } else { Crash::After };
        s.crashes += 1;
        Some(at)
    });
    if crash == Some(Crash::Before) {
        return die(&proxy).await;
    }
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
    let fault = match fault {
        Some(Fault::Slow(wait)) => {
            tokio::time::sleep(wait).await;
            None
        }
        other => other,
    };
    if query_protocol && let Some(fault) = &fault {
        let (status, body) = answer_query(fault);
        return Response::builder()
            .status(status)
            .header("content-type", "text/xml")
            .header("x-amzn-requestid", "fault-proxy")
            .body(Body::from(body))
            .unwrap_or_default();
    }
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
    // A visibility timeout a function sets, read before the body goes on.
    let visibility = (operation == "ChangeMessageVisibility")
        .then(|| serde_json::from_str::<Value>(&text).ok())
        .flatten()
        .and_then(|r| {
            Some((
                r["ReceiptHandle"].as_str()?.to_owned(),
                r["VisibilityTimeout"].as_i64()?,
            ))
        });
    match request.body(body).send().await {
        Ok(upstream) => {
            let mut response = Response::builder().status(upstream.status());
            for (name, value) in upstream.headers() {
                if name != "content-length" && name != "transfer-encoding" && name != "connection" {
                    response = response.header(name, value);
                }
            }
            let status = upstream.status();
            let bytes = upstream.bytes().await.unwrap_or_default();
            if status.is_success()
                && let Some((handle, seconds)) = visibility
                && let Ok(mut s) = proxy.shared.lock()
            {
                s.visibility.insert(handle, seconds);
            }
            if crash == Some(Crash::After) {
                return die(&proxy).await;
            }
            response.body(Body::from(bytes)).unwrap_or_default()
        }
        Err(e) => Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Body::from(format!("fault proxy: moto did not answer: {e}")))
            .unwrap_or_default(),
    }
}

/// The function dies here: the stack is told to drop the invocation, and the call never
/// answers (after a while the connection is given up on).
async fn die(proxy: &Proxy) -> Response {
    proxy.crashed.notify_waiters();
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    Response::builder()
        .status(StatusCode::BAD_GATEWAY)
        .body(Body::from("fault proxy: the caller crashed"))
        .unwrap_or_default()
}

/// A path segment with its `%XX` escapes decoded (schedule names are ASCII).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = segment.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partitions_a_write_writes_leave_out_what_it_only_checks() {
        let transaction = json!({ "TransactItems": [
            { "Put": { "Item": { "pk": { "S": "a" }, "sk": { "S": "1" } } } },
            { "Update": { "Key": { "pk": { "S": "b" }, "sk": { "S": "1" } } } },
            { "ConditionCheck": { "Key": { "pk": { "S": "c" }, "sk": { "S": "1" } } } },
        ]});
        let batch = json!({ "RequestItems": { "t": [
            { "PutRequest": { "Item": { "pk": { "S": "d" } } } },
            { "DeleteRequest": { "Key": { "pk": { "S": "e" } } } },
        ]}});
        let mut keys = Vec::new();
        written_partitions(&transaction, &mut keys);
        written_partitions(&batch, &mut keys);
        written_partitions(&json!({ "Key": { "pk": { "S": "f" } } }), &mut keys);
        assert_eq!(keys, ["a", "b", "d", "e", "f"]);
    }
}
