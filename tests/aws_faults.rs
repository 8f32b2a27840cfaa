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
        0,
        "still retried"
    );
    s.advance_to(t(TUESDAY_12) + minutes(30)).await.unwrap();
    assert!(pushes(&s, YOKO).is_empty());
    assert_eq!(
        s.queue_depth("EscalationDeadLetterQueue").await.unwrap(),
        1,
        "five receives, then the dead-letter queue and its alarm"
    );
    // The function had each failed record handed out again 1, 2, 4 and 8 minutes later
    // (ChangeMessageVisibility), not after the queue's 12-minute visibility timeout.
    let failed_at: Vec<jiff::Timestamp> = s
        .invocations
        .iter()
        .filter(|i| {
            i.function == "escalation"
                && i.result
                    .as_ref()
                    .is_ok_and(|r| r["batchItemFailures"].as_array().is_some_and(|f| !f.is_empty()))
        })
        .map(|i| i.at)
        .collect();
    let gaps: Vec<i64> = failed_at
        .windows(2)
        .map(|w| w[1].duration_since(w[0]).as_mins())
        .collect();
    assert_eq!(gaps, [1, 2, 4, 8]);
}

/// When the escalation function dies with a batch, nothing shortens the wait: SQS hands
/// the batch out again after the queue's visibility timeout (12 minutes), not at once.
#[tokio::test]
async fn a_batch_whose_function_died_is_handed_out_again_after_the_visibility_timeout() {
    let mut s = about_to_escalate().await;
    s.faults
        .fail_next_matching("TransactWriteItems", "#alert#", Fault::cancelled("ValidationError"), 1);
    // The first attempt fails its record; the retry a minute later dies before it can
    // report anything.
    s.advance_to(t(TUESDAY_12) + seconds(30)).await.unwrap();
    let escalations = |s: &LocalStack| s.invocations.iter().filter(|i| i.function == "escalation").count();
    let before = escalations(&s);
    s.faults.crash_at_rate(1000, 1);
    s.advance_to(t(TUESDAY_12) + minutes(2)).await.unwrap();
    s.faults.clear();
    assert_eq!(escalations(&s), before + 1, "the retry a minute later died");
    assert!(pushes(&s, YOKO).is_empty());
    s.advance_to(t(TUESDAY_12) + minutes(12)).await.unwrap();
    assert_eq!(escalations(&s), before + 1, "12 minutes have not passed since it died");
    s.advance_to(t(TUESDAY_12) + minutes(14)).await.unwrap();
    assert_eq!(
        pushes(&s, YOKO).len(),
        1,
        "delivered at the third attempt, 12 minutes on"
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

/// The local DynamoDB (moto, patched in `infra/moto_server.py` to save only the items a
/// transaction names rather than copy whole tables, and to query one partition rather
/// than walk the table) still undoes every write of a cancelled transaction, reports
/// each item's reason, and reads one partition in key order, page by page.
#[tokio::test]
async fn the_local_dynamodb_undoes_every_write_of_a_cancelled_transaction_and_queries_one_partition() {
    use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update};
    let s = stack().await;
    let db = aws_sdk_dynamodb::Client::new(&s.aws);
    let table = s.resources.table.clone();
    let key = |pk: &str, sk: &str| {
        std::collections::HashMap::from([
            ("pk".to_owned(), AttributeValue::S(pk.into())),
            ("sk".to_owned(), AttributeValue::S(sk.into())),
        ])
    };
    for (pk, sk) in [
        ("T#a", "1"),
        ("T#b", "1"),
        ("T#d", "1"),
        ("T#p", "2"),
        ("T#p", "1"),
        ("T#p", "3"),
    ] {
        let mut item = key(pk, sk);
        item.insert("v".into(), AttributeValue::N("1".into()));
        db.put_item()
            .table_name(&table)
            .set_item(Some(item))
            .send()
            .await
            .unwrap();
    }
    let mut new_item = key("T#c", "1");
    new_item.insert("v".into(), AttributeValue::N("1".into()));
    let cancelled = db
        .transact_write_items()
        .transact_items(
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&table)
                        .set_item(Some(new_item))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .transact_items(
            TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name(&table)
                        .set_key(Some(key("T#a", "1")))
                        .update_expression("SET v = :two")
                        .expression_attribute_values(":two", AttributeValue::N("2".into()))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .transact_items(
            TransactWriteItem::builder()
                .delete(
                    Delete::builder()
                        .table_name(&table)
                        .set_key(Some(key("T#d", "1")))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .transact_items(
            TransactWriteItem::builder()
                .condition_check(
                    ConditionCheck::builder()
                        .table_name(&table)
                        .set_key(Some(key("T#b", "1")))
                        .condition_expression("attribute_not_exists(pk)")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    let reasons: Vec<Option<String>> = cancelled
        .as_service_error()
        .filter(|e| e.is_transaction_canceled_exception())
        .and_then(|e| {
            match e {
            aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(
                c,
            ) => Some(c.cancellation_reasons().iter().map(|r| r.code().map(str::to_owned)).collect()),
            _ => None,
        }
        })
        .expect("a transaction cancelled with its reasons");
    assert_eq!(reasons.last(), Some(&Some("ConditionalCheckFailed".to_owned())));
    assert!(db_get(&s, key("T#c", "1")).await.is_none(), "the put was undone");
    assert_eq!(
        db_get(&s, key("T#a", "1")).await.as_deref(),
        Some("1"),
        "the update was undone"
    );
    assert_eq!(
        db_get(&s, key("T#d", "1")).await.as_deref(),
        Some("1"),
        "the delete was undone"
    );

    // One partition, in key order, a page at a time, and nothing of its neighbours.
    let mut seen = Vec::new();
    let mut start = None;
    loop {
        let page = db
            .query()
            .table_name(&table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S("T#p".into()))
            .limit(2)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        seen.extend(page.items().iter().filter_map(|i| i.get("sk")?.as_s().ok().cloned()));
        start = page.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["1", "2", "3"]);
}

/// The `v` of an item, read strongly.
async fn db_get(
    s: &LocalStack,
    key: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
) -> Option<String> {
    let out = aws_sdk_dynamodb::Client::new(&s.aws)
        .get_item()
        .table_name(&s.resources.table)
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    out.item?.get("v")?.as_n().ok().cloned()
}
