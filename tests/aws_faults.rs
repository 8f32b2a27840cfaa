//! DynamoDB and SSM failing as they do in AWS, through the real SDK: a fault-injecting
//! proxy in front of moto answers chosen requests with throttling, a transaction
//! cancelled for each real reason, or an internal error. Only a failed condition may
//! read as "someone else did it"; everything else is retried until it is done, or ends
//! where an alarm sees it.

use mimamori::app::wiring::{Needs, WiringError};
use mimamori::check::CheckState;
use mimamori_local::faults::Fault;
use scenarios::*;

const MONDAY_9: &str = "2026-11-30T00:00:00Z";
const TUESDAY_12: &str = "2026-12-01T03:00:00Z";

/// Kiyoshi (with Yoko as his contact) does not answer his Monday check: overdue Tuesday
/// 12:00. The stack stops just before.
async fn about_to_escalate() -> LocalStack {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    s.advance_to(t(TUESDAY_12) - minutes(1)).await.unwrap();
    assert!(pushes(&s, YOKO).is_empty());
    s
}

#[tokio::test]
async fn alerts_cancelled_by_a_conflicting_transaction_are_retried_and_reach_everyone() {
    let mut s = about_to_escalate().await;
    // The alerts' transaction meets another one on the check item (TransactionConflict).
    s.faults.fail_next_matching(
        "TransactWriteItems",
        "#alert#",
        Fault::cancelled("TransactionConflict"),
        1,
    );
    s.advance_to(t(TUESDAY_12) + minutes(1)).await.unwrap();

    assert_eq!(s.faults.injected().len(), 1, "the fault was met");
    assert_eq!(
        pushes(&s, YOKO).len(),
        1,
        "Yoko is alerted: the cancellation was not read as done"
    );
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 1, "and the staff room");
    let escalations: Vec<_> = s.invocations.iter().filter(|i| i.function == "escalation").collect();
    assert!(
        escalations.iter().any(|i| i
            .result
            .as_ref()
            .is_ok_and(|r| !r["batchItemFailures"].as_array().is_none_or(|f| f.is_empty()))),
        "the first attempt failed its record, so SQS delivered it again"
    );
}

#[tokio::test]
async fn a_transaction_that_keeps_failing_validation_ends_in_the_dead_letter_queue_not_in_silence() {
    let mut s = about_to_escalate().await;
    s.faults
        .fail_next_matching("TransactWriteItems", "#alert#", Fault::cancelled("ValidationError"), 5);
    s.advance_to(t(TUESDAY_12) + minutes(1)).await.unwrap();
    assert!(pushes(&s, YOKO).is_empty());
    assert_eq!(
        s.queue_depth("EscalationDeadLetterQueue").await.unwrap(),
        1,
        "five receives, then the dead-letter queue and its alarm"
    );
}

#[tokio::test]
async fn a_failed_condition_in_a_transaction_is_someone_else_having_done_it() {
    let mut s = about_to_escalate().await;
    // As if the member's answer had closed the check between the read and the write.
    s.faults.fail_next_matching(
        "TransactWriteItems",
        "#alert#",
        Fault::cancelled("ConditionalCheckFailed"),
        1,
    );
    s.advance_to(t(TUESDAY_12) + minutes(1)).await.unwrap();
    assert_eq!(s.queue_depth("EscalationDeadLetterQueue").await.unwrap(), 0);
    let escalations: Vec<_> = s.invocations.iter().filter(|i| i.function == "escalation").collect();
    assert!(
        escalations.iter().all(|i| i
            .result
            .as_ref()
            .is_ok_and(|r| r["batchItemFailures"].as_array().is_none_or(|f| f.is_empty()))),
        "a conflict is an outcome, not a failure to retry"
    );
}

#[tokio::test]
async fn throttled_writes_are_retried_by_the_sdk_then_by_lambda() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    // Twice: the SDK's own retries absorb it inside the invocation.
    s.faults
        .fail_next("TransactWriteItems", Fault::ProvisionedThroughputExceeded, 2);
    s.advance_to(t(MONDAY_9)).await.unwrap();
    assert_eq!(pushes(&s, HANAKO).len(), 1);
    let checks = |s: &LocalStack| s.invocations.iter().filter(|i| i.function == "check").count();
    assert_eq!(checks(&s), 1, "no platform retry was needed");

    // Past the SDK's attempts on Tuesday 09:00 (her reminder is due, and her check): the
    // invocation fails and Lambda's asynchronous retry a minute later finishes it.
    s.faults
        .fail_next("TransactWriteItems", Fault::ProvisionedThroughputExceeded, 3);
    s.advance_to(t(MONDAY_9) + hours(24)).await.unwrap();
    let failed = |s: &LocalStack| s.invocations.iter().filter(|i| i.result.is_err()).count();
    assert_eq!(failed(&s), 1);
    let failure = s.invocations.iter().find(|i| i.result.is_err()).unwrap().clone();
    s.advance(minutes(1)).await.unwrap();
    assert_eq!(failed(&s), 1, "the retry succeeded");
    let retry = s.invocations.last().unwrap();
    assert_eq!((retry.function, &retry.payload), (failure.function, &failure.payload));
    assert_eq!(retry.at, failure.at + minutes(1));
    assert_eq!(pushes(&s, HANAKO).len(), 2, "reminded once");
    assert_eq!(
        check_at(&s, HANAKO, t(MONDAY_9)).await.unwrap().state,
        CheckState::Reminded
    );
    assert_eq!(s.faults.injected().len(), 5);
}

#[tokio::test]
async fn a_cold_start_rides_out_ssm_throttling_and_fails_clearly_when_it_persists() {
    let s = stack().await;
    let needs = Needs {
        channel_secret: true,
        ..Needs::default()
    };
    // Hundreds of functions starting at 09:00 meet SSM's limit of 40 GetParameter*
    // calls a second; each reads all its secrets in one GetParameters.
    s.faults.fail_next("GetParameters", Fault::Throttling, 4);
    let mark = s.aws_calls.len();
    assert!(s.cold_start(needs).await.is_ok(), "retried until SSM answers");
    let calls = s.aws_calls.since(mark);
    assert_eq!(calls.len(), 1, "SSM only: {calls:?}");
    assert_eq!(
        calls.values().sum::<usize>(),
        5,
        "the secrets in one call, tried 5 times: {calls:?}"
    );
    s.faults.fail_next("GetParameters", Fault::Throttling, 50);
    match s.cold_start(needs).await {
        Err(WiringError::Secret(e)) => assert!(e.to_string().contains("could not be read"), "{e}"),
        other => panic!("expected a secret error, got {:?}", other.map(|_| "an app")),
    }
    s.faults.clear();
}
