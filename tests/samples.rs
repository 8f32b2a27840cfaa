//! The sample events in events/ are real: each one is accepted by its function.

use lambda_runtime::{Context, LambdaEvent};
use scenarios::*;
use serde_json::Value;

fn sample(name: &str) -> Value {
    let path = mimamori_local::workspace_root().join("events").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("sample exists")).expect("sample is JSON")
}

#[tokio::test]
async fn webhook_sample_is_a_signed_function_url_request() {
    let event = sample("webhook-follow.json");
    let body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
    let sent = jiff::Timestamp::from_millisecond(body["events"][0]["timestamp"].as_i64().unwrap()).unwrap();
    // Events older than a day are ignored as replays: the stack's clock starts just after
    // the sample was sent.
    let s = stack_with(Options {
        operator: "default".into(),
        start: sent + minutes(1),
        ..Options::default()
    })
    .await;
    let request = lambda_http::request::from_str(&event.to_string()).expect("a Function URL request");
    let user = serde_json::from_str::<Value>(event["body"].as_str().unwrap()).unwrap()["events"][0]["source"]["userId"]
        .as_str()
        .unwrap()
        .to_owned();
    s.sim.add_user(&user, "Sample");
    let (status, _) = s.webhook_request(request).await;
    assert_eq!(status, 200);
    // The sample's reply token was not issued by the simulator, so LINE refuses the
    // reply; what matters is that the event was verified, handled and answered.
    assert!(
        s.sim.requests().iter().any(|r| r.path == "/v2/bot/message/reply"),
        "the new friend was answered"
    );
    assert!(member(&s, &user).await.is_none(), "nothing stored before consent");
}

#[tokio::test]
async fn check_deadline_and_escalation_samples_are_accepted() {
    let mut s = stack_with(Options {
        operator: "default".into(),
        ..Options::default()
    })
    .await;
    let check = sample("check.json");
    let member_id = check["member"].as_str().unwrap().to_owned();
    join(&mut s, &member_id, "Sample").await;
    let arn = s.resources.check_function_arn.clone();
    let out = s.invoke_target(&arn, check).await.expect("check sample accepted");
    assert_eq!(out["outcome"], "opened");
    let arn = s.resources.deadline_function_arn.clone();
    let out = s
        .invoke_target(&arn, sample("deadline-reminder.json"))
        .await
        .expect("deadline sample accepted");
    assert_eq!(out["outcome"], "reminded");
    let batch: aws_lambda_events::sqs::SqsEvent =
        serde_json::from_value(sample("escalation-batch.json")).expect("an SQS event");
    let response = escalation_function::handler(&s.functions.escalation, LambdaEvent::new(batch, Context::default()))
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    // The watchdog's hourly invocation of the check function.
    let arn = s.resources.check_function_arn.clone();
    let out = s
        .invoke_target(&arn, sample("watchdog.json"))
        .await
        .expect("watchdog sample accepted");
    assert_eq!(out["outcome"], "watchdog_ran");
    // It looks only at members on the lists of this hour and the last: at the stack's
    // start (Sunday 10:00) nothing of the sample member's (Thursday's check, Friday's
    // next one, the reminder deadline) falls in them, so it reads nobody.
    assert_eq!(out["members"], 0, "{out}");
}
