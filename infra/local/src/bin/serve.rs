//! The local stack as a long-running service, in real time: moto server on port 5000 and
//! the LINE simulator on 8080 (both reachable from containers through
//! `host.docker.internal`), resources named `mimamori-local` as `infra/sam-local-env.json`
//! expects, schedules fired and the escalation queue drained every second, and a small
//! HTTP front on 127.0.0.1:3000 to act as a LINE user:
//!
//! ```text
//! curl -X POST localhost:3000/as/U1a000000000000000000000000000001/follow
//! curl -X POST localhost:3000/as/U1a000000000000000000000000000001/text -d '連絡先登録'
//! curl -X POST localhost:3000/as/U1a000000000000000000000000000001/ok
//! ```

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use jiff::Timestamp;
use mimamori::line::postback::Postback;
use mimamori_local::stack::{LocalStack, Options};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::Mutex;

type Shared = Arc<Mutex<LocalStack>>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    mimamori::logging::init();
    let stack = LocalStack::start(Options {
        start: Timestamp::now(),
        operator: "default".into(),
        own_moto: true,
        moto_at: Some(("0.0.0.0".into(), 5000)),
        simulator_at: Some(SocketAddr::from(([0, 0, 0, 0], 8080))),
        prefix: Some("mimamori-local".into()),
        watchdog: true,
        env: vec![],
        scan_logs: false,
        ..Options::default()
    })
    .await?;
    // The member of the sample events in events/, so LINE accepts pushes to them.
    stack.sim.add_user("U9108342d70c2c7d695e4ee8e2ae264c0", "Sample");
    let env_file = mimamori_local::workspace_root().join(".local/env");
    if let Some(dir) = env_file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut lines: Vec<String> = stack
        .env
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace("0.0.0.0", "127.0.0.1")))
        .collect();
    lines.extend(
        [
            "AWS_ACCESS_KEY_ID=testing",
            "AWS_SECRET_ACCESS_KEY=testing",
            "AWS_REGION=ap-northeast-1",
        ]
        .map(str::to_owned),
    );
    lines.sort();
    std::fs::write(&env_file, lines.join("\n") + "\n")?;
    println!(
        "local stack up: moto http://127.0.0.1:5000, LINE simulator http://127.0.0.1:8080, resources mimamori-local"
    );
    println!(
        "function environment written to {} (for cargo lambda watch --env-file)",
        env_file.display()
    );
    println!(
        "act as a LINE user: curl -X POST localhost:3000/as/<userId>/follow | text (body) | ok | checkin | unfollow"
    );
    println!("schedules fire in real time; Ctrl-C stops everything");

    let shared: Shared = Arc::new(Mutex::new(stack));
    let driver = shared.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            let mut stack = driver.lock().await;
            let now = Timestamp::now();
            stack.clock.set(now);
            if let Err(e) = stack.advance_to(now).await {
                eprintln!("driver: {e}");
            }
        }
    });
    let app = axum::Router::new()
        .route("/as/{user}/{action}", post(act))
        .with_state(shared);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    tokio::select! {
        served = axum::serve(listener, app) => served?,
        _ = tokio::signal::ctrl_c() => println!("stopping"),
    }
    Ok(())
}

/// Sends a LINE event as `user` to the webhook function and returns what they then saw.
async fn act(
    State(stack): State<Shared>,
    Path((user, action)): Path<(String, String)>,
    _headers: HeaderMap,
    body: String,
) -> (StatusCode, axum::Json<Value>) {
    let mut stack = stack.lock().await;
    let sim = stack.sim.clone();
    // Registering is idempotent; it gives the profile endpoint a name to return.
    sim.add_user(&user, &format!("User {}", &user[user.len().saturating_sub(4)..]));
    let seen_before = sim.seen_by(&user).len();
    let event = match action.as_str() {
        "follow" => sim.follow(&user),
        "unfollow" => sim.unfollow(&user),
        "text" => sim.text(&user, body.trim()),
        "checkin" => sim.postback(&user, &Postback::CheckIn.encode()),
        "ok" => match sim
            .seen_by(&user)
            .iter()
            .rev()
            .flat_map(|d| d.postback_data())
            .find(|p| matches!(Postback::read(p), Some(Postback::Ok { .. })))
        {
            Some(data) => sim.postback(&user, &data),
            None => {
                return (
                    StatusCode::CONFLICT,
                    axum::Json(json!({ "error": "no OK button was pushed to this user yet" })),
                );
            }
        },
        _ => {
            return (
                StatusCode::NOT_FOUND,
                axum::Json(json!({ "error": "actions: follow, unfollow, text, ok, checkin" })),
            );
        }
    };
    let status = stack.webhook(&[event]).await;
    let seen: Vec<Value> = sim
        .seen_by(&user)
        .iter()
        .skip(seen_before)
        .map(|d| json!({ "via": format!("{:?}", d.via), "texts": d.texts() }))
        .collect();
    (
        StatusCode::OK,
        axum::Json(json!({ "webhook_status": status, "saw": seen })),
    )
}
