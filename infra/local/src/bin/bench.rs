//! Benchmarks that print figures (never asserted): what one acknowledged daily check
//! costs in AWS calls and LINE messages, and the cold start, first invocation and peak
//! memory of the real release binaries behind a local Lambda Runtime API.
//!
//! Run with `infra/bench.sh`, which builds the release binaries first.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use jiff::{SignedDuration, Timestamp};
use mimamori::case::{CallKind, Outcome};
use mimamori::line::postback::Postback;
use mimamori_local::stack::{LocalStack, Options};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MEMBER: &str = "U1a000000000000000000000000000001";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start: Timestamp = "2026-11-29T01:00:00Z".parse()?;
    let mut stack = LocalStack::start(Options {
        start,
        own_moto: true,
        operator: "bench".into(),
        scan_logs: false,
        ..Options::default()
    })
    .await?;
    per_check(&mut stack).await?;
    per_case(&mut stack).await?;
    per_watchdog_round(&mut stack).await?;
    cold_starts(&stack).await?;
    binary_sizes();
    Ok(())
}

/// The hourly watchdog reads the members on its list for the hour (whose check,
/// deadline or follow-up fell due), not the roster: a round when nobody was due, and
/// the round after everyone's 09:00 check.
async fn per_watchdog_round(stack: &mut LocalStack) -> Result<(), Box<dyn std::error::Error>> {
    const MEMBERS: u32 = 50;
    println!("The hourly watchdog round, {MEMBERS} more members checked daily at 09:00:");
    for n in 0..MEMBERS {
        let id = format!("U{:032x}", 0xbe00 + n);
        stack.sim.add_user(&id, &format!("会員{n}"));
        for event in [
            stack.sim.follow(&id),
            stack.sim.postback(
                &id,
                &Postback::Consent {
                    agreed: true,
                    asked: stack.now(),
                }
                .encode(),
            ),
            stack.sim.postback(&id, &Postback::OnboardingDone.encode()),
        ] {
            stack.webhook(&[event]).await;
        }
    }
    // The next 09:00 in Tokyo, and the rounds at 10:05 (after it) and 15:05 (nobody due).
    let day = SignedDuration::from_hours(24);
    let mut nine: Timestamp = "2026-11-30T00:00:00Z".parse()?;
    while nine <= stack.now() {
        nine += day;
    }
    let arn = stack.resources.check_function_arn.clone();
    for (title, at) in [
        (
            "round at 10:05, after the 09:00 checks",
            nine + SignedDuration::from_mins(65),
        ),
        ("round at 15:05, nobody due", nine + SignedDuration::from_mins(365)),
    ] {
        stack.advance_to(at).await?;
        let mark = stack.aws_calls.len();
        let out = stack.invoke_target(&arn, json!({ "watchdog": at })).await?;
        let calls = stack.aws_calls.since(mark);
        print_calls(title, &calls);
        println!("    members read: {}", out["members"]);
    }
    Ok(())
}

fn print_calls(title: &str, calls: &BTreeMap<String, usize>) -> usize {
    let total: usize = calls.values().sum();
    let list: Vec<String> = calls.iter().map(|(op, n)| format!("{op} ×{n}")).collect();
    println!("  {title:<34} {total:>2} AWS calls  ({})", list.join(", "));
    total
}

/// One member, one daily check, acknowledged with the OK button five minutes later.
async fn per_check(stack: &mut LocalStack) -> Result<(), Box<dyn std::error::Error>> {
    println!("One acknowledged daily check (AWS calls counted by an interceptor on the real SDK clients):");
    stack.sim.add_user(MEMBER, "Bench");
    let mark = stack.aws_calls.len();
    for event in [
        stack.sim.follow(MEMBER),
        stack.sim.postback(
            MEMBER,
            &Postback::Consent {
                agreed: true,
                asked: stack.now(),
            }
            .encode(),
        ),
        stack.sim.postback(MEMBER, &Postback::OnboardingDone.encode()),
    ] {
        stack.webhook(&[event]).await;
    }
    print_calls("joining (follow, consent, done; once)", &stack.aws_calls.since(mark));

    let monday: Timestamp = "2026-11-30T00:00:00Z".parse()?;
    let billed = stack.sim.billed_messages();
    let mark = stack.aws_calls.len();
    stack.advance_to(monday).await?;
    let a = print_calls("check function (push the check)", &stack.aws_calls.since(mark));

    stack.advance(SignedDuration::from_mins(5)).await?;
    let data = stack
        .sim
        .seen_by(MEMBER)
        .iter()
        .flat_map(|d| d.postback_data())
        .find(|p| matches!(Postback::read(p), Some(Postback::Ok { .. })))
        .ok_or("no OK button")?;
    let tap = stack.sim.postback(MEMBER, &data);
    let replies_before = replies_to(stack, MEMBER);
    let mark = stack.aws_calls.len();
    stack.webhook(&[tap]).await;
    let b = print_calls("webhook (the OK tap, reply thanks)", &stack.aws_calls.since(mark));

    // The answer deleted the reminder deadline: at the next 09:00 only the check fires.
    let deadlines = stack
        .schedules()
        .await?
        .iter()
        .filter(|s| s.target_arn == stack.resources.deadline_function_arn)
        .count();
    println!("  deadlines left after the answer: {deadlines} (the reminder was deleted with the answer)");
    let pushes = stack
        .sim
        .seen_by(MEMBER)
        .iter()
        .filter(|d| d.via == line_simulator::Via::Push)
        .count();
    let replies = replies_to(stack, MEMBER) - replies_before;
    println!(
        "  total per acknowledged check: {} AWS calls, {} LINE push (billed {}), {} reply (free)",
        a + b,
        pushes,
        stack.sim.billed_messages() - billed,
        replies
    );
    println!("  plus Scheduler's own work: 1 invocation (the check).\n");
    // The member leaves, so the next figures are about one member only.
    stack.webhook(&[stack.sim.text(MEMBER, "退会")]).await;
    stack
        .webhook(&[stack.sim.postback(
            MEMBER,
            &Postback::Leave {
                confirmed: true,
                asked: stack.now(),
            }
            .encode(),
        )])
        .await;
    Ok(())
}

fn replies_to(stack: &LocalStack, id: &str) -> usize {
    stack
        .sim
        .seen_by(id)
        .iter()
        .filter(|d| d.via == line_simulator::Via::Reply)
        .count()
}

const SILENT: &str = "U2b000000000000000000000000000002";
const CONTACT: &str = "U4d000000000000000000000000000004";
const STAFF: &str = "U5e000000000000000000000000000005";
const STAFF_ROOM: &str = "C7a000000000000000000000000000007";

/// A member who does not answer: the overdue check, the alerts, one follow-up of the
/// untaken case, then staff take it, record a call and close it (safe, with the all-clear).
async fn per_case(stack: &mut LocalStack) -> Result<(), Box<dyn std::error::Error>> {
    println!("One escalated case, worked to its end (a member with one contact, a staff room of one):");
    let sim = stack.sim.clone();
    sim.add_user(SILENT, "Silent");
    sim.add_user(CONTACT, "Contact");
    sim.add_user(STAFF, "Staff");
    sim.add_group(STAFF_ROOM, "staff", &[STAFF]);
    stack.webhook(&[sim.join(STAFF_ROOM)]).await;
    stack
        .webhook(&[sim.group_text(STAFF_ROOM, STAFF, "スタッフ登録 local-staff-code")])
        .await;
    for event in [
        sim.follow(SILENT),
        sim.postback(
            SILENT,
            &Postback::Consent {
                agreed: true,
                asked: sim.now(),
            }
            .encode(),
        ),
        sim.postback(SILENT, &Postback::OnboardingDone.encode()),
        sim.text(SILENT, "連絡先登録"),
    ] {
        stack.webhook(&[event]).await;
    }
    let code = sim
        .seen_by(SILENT)
        .iter()
        .flat_map(|d| d.texts())
        .find_map(|t| mimamori::contact::InviteCode::find_in(&t))
        .ok_or("no invitation code")?;
    stack.webhook(&[sim.follow(CONTACT)]).await;
    stack.webhook(&[sim.text(CONTACT, code.as_str())]).await;

    // The member's check (Tuesday) and reminder (Wednesday 09:00) first; then the 12:00
    // escalation and the 13:00 follow-up.
    let overdue: Timestamp = "2026-12-02T03:00:30Z".parse()?;
    stack.advance_to("2026-12-02T00:00:30Z".parse()?).await?;
    let mark = stack.aws_calls.len();
    let before = sim.billed_messages();
    stack.advance_to(overdue).await?;
    let a = print_calls("overdue, case opened, alerts", &stack.aws_calls.since(mark));
    let mark = stack.aws_calls.len();
    stack.advance_to(overdue + SignedDuration::from_hours(1)).await?;
    let b = print_calls("one follow-up (announced again)", &stack.aws_calls.since(mark));
    let case = sim
        .seen_by(STAFF_ROOM)
        .iter()
        .flat_map(|d| d.postback_data())
        .find_map(|p| match Postback::read(&p) {
            Some(Postback::TakeCase(n)) => Some(n),
            _ => None,
        })
        .ok_or("no case")?;
    let mark = stack.aws_calls.len();
    for data in [
        Postback::TakeCase(case).encode(),
        Postback::RecordCall(case, CallKind::ReachedMember).encode(),
        Postback::CloseCase(case, Outcome::Safe).encode(),
    ] {
        stack.webhook(&[sim.group_postback(STAFF_ROOM, STAFF, &data)]).await;
    }
    stack.drain_queue().await?;
    let c = print_calls("take, one call record, close (safe)", &stack.aws_calls.since(mark));
    println!(
        "  total from overdue to closed: {} AWS calls, {} LINE messages billed (alerts, the follow-up, the all-clears)",
        a + b + c,
        sim.billed_messages() - before
    );
    println!("  (every staff button and command is answered by reply: free)\n");
    Ok(())
}

#[derive(Default)]
struct RuntimeState {
    event: Option<Value>,
    served_at: Option<Instant>,
    first_poll_at: Option<Instant>,
    answered_at: Option<Instant>,
    answer: Option<(String, String)>,
}

type Shared = Arc<Mutex<RuntimeState>>;

async fn next(State(state): State<Shared>) -> impl IntoResponse {
    let event = {
        let mut s = state.lock().expect("runtime lock");
        s.first_poll_at.get_or_insert_with(Instant::now);
        let event = s.event.take();
        if event.is_some() {
            s.served_at = Some(Instant::now());
        }
        event
    };
    let Some(event) = event else {
        // The next invocation never comes: the benchmark ends the process.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        return (StatusCode::NO_CONTENT, HeaderMap::new(), String::new());
    };
    let mut headers = HeaderMap::new();
    let deadline = (Timestamp::now() + SignedDuration::from_secs(30))
        .as_millisecond()
        .to_string();
    for (k, v) in [
        ("lambda-runtime-aws-request-id", "bench-request"),
        ("lambda-runtime-deadline-ms", deadline.as_str()),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:ap-northeast-1:123456789012:function:bench",
        ),
        ("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000"),
    ] {
        if let Ok(v) = v.parse() {
            headers.insert(k, v);
        }
    }
    (StatusCode::OK, headers, event.to_string())
}

async fn answer(State(state): State<Shared>, Path((_id, kind)): Path<(String, String)>, body: String) -> StatusCode {
    let mut s = state.lock().expect("runtime lock");
    s.answered_at = Some(Instant::now());
    s.answer = Some((kind, body));
    StatusCode::ACCEPTED
}

struct Run {
    init: Duration,
    invoke: Duration,
    peak_kib: u64,
    outcome: String,
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Starts the release binary of `function` cold, hands it `event`, and measures.
async fn cold_start(stack: &LocalStack, function: &str, event: Value) -> Result<Run, Box<dyn std::error::Error>> {
    let state: Shared = Arc::new(Mutex::new(RuntimeState {
        event: Some(event),
        ..RuntimeState::default()
    }));
    let app = axum::Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/{kind}", post(answer))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let binary = mimamori_local::workspace_root().join("target/release").join(function);
    let mut cmd = Command::new(&binary);
    cmd.envs(stack.env.iter().cloned())
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", format!("bench-{function}"))
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "ap-northeast-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("{}: {e} (run infra/bench.sh, which builds it)", binary.display()))?;
    let deadline = started + Duration::from_secs(30);
    let (init, invoke, outcome) = loop {
        tokio::time::sleep(Duration::from_millis(2)).await;
        let s = state.lock().expect("runtime lock");
        if let (Some(served), Some(done)) = (s.served_at, s.answered_at) {
            let (kind, body) = s.answer.clone().unwrap_or_default();
            let outcome = if kind == "response" {
                body.chars().take(60).collect()
            } else {
                format!("ERROR {body}")
            };
            break (s.first_poll_at.unwrap_or(served) - started, done - served, outcome);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(format!("{function} gave no answer within 30 s").into());
        }
    };
    let peak_kib = peak_rss_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    server.abort();
    Ok(Run {
        init,
        invoke,
        peak_kib,
        outcome,
    })
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn cold_starts(stack: &LocalStack) -> Result<(), Box<dyn std::error::Error>> {
    println!("Cold starts of the release binaries (x86_64 here; Lambda runs arm64), 5 runs each, median:");
    println!("  init = process start to first poll of the Runtime API (clients built, secrets read from SSM on moto);");
    println!(
        "  first invocation = event handed over to answer posted (against moto and the LINE simulator on loopback)."
    );
    let sim = &stack.sim;
    // The yardstick first: the smallest lambda_runtime function, same profile, same run.
    let mut hello = Vec::new();
    for _ in 0..5 {
        hello.push(cold_start(stack, "hello-lambda", json!({ "hello": "world" })).await?);
    }
    let hello_init = median(hello.iter().map(|r| r.init).collect());
    println!(
        "  {:<10} init {:>6.1} ms   first invocation {:>6.1} ms   peak RSS {:>5.1} MiB   (hello-world lambda_runtime)",
        "hello",
        hello_init.as_secs_f64() * 1000.0,
        median(hello.iter().map(|r| r.invoke).collect()).as_secs_f64() * 1000.0,
        hello.iter().map(|r| r.peak_kib).max().unwrap_or(0) as f64 / 1024.0,
    );
    for function in ["webhook", "check", "deadline", "escalation"] {
        let mut runs = Vec::new();
        for n in 0..5u32 {
            let event = match function {
                "webhook" => {
                    let user = format!("U{:032x}", 0xbe00 + n);
                    sim.add_user(&user, "Cold");
                    // The consent tap: the webhook run that registers a member.
                    sim.follow(&user);
                    let signed = sim.signed(&[sim.postback(
                        &user,
                        &Postback::Consent {
                            agreed: true,
                            asked: sim.now(),
                        }
                        .encode(),
                    )]);
                    json!({
                        "version": "2.0", "routeKey": "$default", "rawPath": "/", "rawQueryString": "",
                        "headers": { "content-type": "application/json", "x-line-signature": signed.signature },
                        "requestContext": { "http": { "method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "LineBotWebhook/2.0" },
                            "domainName": "bench.lambda-url.ap-northeast-1.on.aws", "accountId": "anonymous", "apiId": "bench", "requestId": "r", "routeKey": "$default", "stage": "$default", "time": "25/Nov/2026:00:00:00 +0000", "timeEpoch": 0 },
                        "body": signed.body, "isBase64Encoded": false
                    })
                }
                // Each run works on the member the n-th webhook run created: the check
                // run opens their first check, the deadline run reminds them of it.
                "check" => {
                    json!({ "operator": "bench", "member": format!("U{:032x}", 0xbe00 + n), "scheduled_time": "2026-12-10T00:00:00Z" })
                }
                "deadline" => {
                    json!({ "operator": "bench", "member": format!("U{:032x}", 0xbe00 + n), "check": "2026-12-10T00:00:00Z", "stage": "reminder" })
                }
                _ => {
                    json!({ "Records": [{ "messageId": format!("m{n}"), "receiptHandle": "r", "body": json!({ "kind": "deliver", "operator": "bench", "member": format!("U{:032x}", 0xbe00 + n), "check": "2026-12-10T00:00:00Z" }).to_string(),
                    "attributes": { "ApproximateReceiveCount": "1" }, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:ap-northeast-1:123456789012:q", "awsRegion": "ap-northeast-1" }] })
                }
            };
            runs.push(cold_start(stack, function, event).await?);
        }
        let outcome = runs.last().map(|r| r.outcome.clone()).unwrap_or_default();
        let init = median(runs.iter().map(|r| r.init).collect());
        println!(
            "  {function:<10} init {:>6.1} ms (hello + {:>5.1})   first invocation {:>6.1} ms   peak RSS {:>5.1} MiB   ({outcome})",
            init.as_secs_f64() * 1000.0,
            (init.as_secs_f64() - hello_init.as_secs_f64()) * 1000.0,
            median(runs.iter().map(|r| r.invoke).collect()).as_secs_f64() * 1000.0,
            runs.iter().map(|r| r.peak_kib).max().unwrap_or(0) as f64 / 1024.0,
        );
    }
    println!();
    Ok(())
}

fn binary_sizes() {
    println!("Binary sizes:");
    let root = mimamori_local::workspace_root();
    for function in ["webhook", "check", "deadline", "escalation", "hello-lambda"] {
        let size = |p: std::path::PathBuf| {
            std::fs::metadata(p)
                .map(|m| format!("{:.1} MiB", m.len() as f64 / 1048576.0))
                .unwrap_or_else(|_| "not built".into())
        };
        println!(
            "  {function:<10} release x86_64 {:>10}   last cargo lambda build (target/lambda) {:>10}",
            size(root.join("target/release").join(function)),
            size(root.join("target/lambda").join(function).join("bootstrap")),
        );
    }
}
